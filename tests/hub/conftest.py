"""Hub-level fixtures: the hub pointed at the session's Tokopedia sandbox over loopback."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from satustok.channels.protocol import Credentials

OUR_FS_ID = 15001


@pytest.fixture
def sandbox(tokopedia_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The sandbox, with the hub's Tokopedia base URLs pointing at it (only they differ)."""
    monkeypatch.setattr(settings, "TOKOPEDIA_ACCOUNTS_URL", tokopedia_sandbox.accounts_url)
    monkeypatch.setattr(settings, "TOKOPEDIA_API_URL", tokopedia_sandbox.api_url)
    return tokopedia_sandbox


@pytest.fixture
def fast_sandbox(unlimited_tokopedia_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The unlimited sandbox (no rate limit), for tests that read whole shops many times."""
    monkeypatch.setattr(
        settings, "TOKOPEDIA_ACCOUNTS_URL", unlimited_tokopedia_sandbox.accounts_url
    )
    monkeypatch.setattr(settings, "TOKOPEDIA_API_URL", unlimited_tokopedia_sandbox.api_url)
    return unlimited_tokopedia_sandbox


def _demo_credentials(
    sandbox: Any, fs_id: int = OUR_FS_ID, secret: str | None = None
) -> Credentials:
    app = sandbox.app(fs_id=fs_id)
    return Credentials(
        app_id=str(app["fs_id"]),
        client_id=app["client_id"],
        client_secret=secret or app["client_secret"],
    )


@pytest.fixture
def demo_credentials() -> Any:
    """``demo_credentials(sandbox, secret=…)``: the demo app's credentials, optionally spoiled."""
    return _demo_credentials
