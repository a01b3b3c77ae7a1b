"""API fixtures: a user with a token, a client that sends it, and the hub pointed at the
session's Tokopedia sandbox (the same small pattern as tests/hub/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_helpers import ApiClient
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from satustok.api import tokens
from satustok.channels.protocol import Credentials

OUR_FS_ID = 15001


@pytest.fixture
def user(db: None) -> Any:
    return get_user_model().objects.create_user("operator")  # no password: hashing one costs 0.3 s


@pytest.fixture
def issued(user: Any) -> tokens.IssuedToken:
    return tokens.issue(user, "tests")


@pytest.fixture
def api(client: Client, issued: tokens.IssuedToken) -> ApiClient:
    return ApiClient(client, issued.key)


@pytest.fixture
def anonymous(client: Client, db: None) -> ApiClient:
    return ApiClient(client, None)


@pytest.fixture
def sandbox(tokopedia_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The sandbox, with the hub's Tokopedia base URLs pointing at it (only they differ)."""
    monkeypatch.setattr(settings, "TOKOPEDIA_ACCOUNTS_URL", tokopedia_sandbox.accounts_url)
    monkeypatch.setattr(settings, "TOKOPEDIA_API_URL", tokopedia_sandbox.api_url)
    return tokopedia_sandbox


@pytest.fixture
def fast_sandbox(unlimited_tokopedia_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The sandbox without rate limits, for tests that read whole shops."""
    monkeypatch.setattr(
        settings, "TOKOPEDIA_ACCOUNTS_URL", unlimited_tokopedia_sandbox.accounts_url
    )
    monkeypatch.setattr(settings, "TOKOPEDIA_API_URL", unlimited_tokopedia_sandbox.api_url)
    return unlimited_tokopedia_sandbox


def _credentials(sandbox: Any, fs_id: int = OUR_FS_ID, secret: str | None = None) -> Credentials:
    app = sandbox.app(fs_id=fs_id)
    return Credentials(
        app_id=str(app["fs_id"]),
        client_id=app["client_id"],
        client_secret=secret or app["client_secret"],
    )


@pytest.fixture
def demo_credentials() -> Callable[..., Credentials]:
    """``demo_credentials(sandbox, secret=…)``: the demo app's credentials, optionally spoiled."""
    return _credentials
