"""``satustok run`` (what ``make run`` ends with) starts the hub and the sandbox and says where
to go."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from running_hub import hub_environment, start_hub, stop_hub

pytestmark = pytest.mark.dbless  # it migrates its own throw-away SQLite data directory


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    env = hub_environment(
        tmp_path, SATUSTOK_ADMIN_USER="penjual", SATUSTOK_ADMIN_PASSWORD="rahasia-demo-123"
    )
    proc, banner = start_hub(env)
    try:
        yield banner, proc
    finally:
        stop_hub(proc)


def test_run_prints_where_to_go_and_serves_it(running: tuple[str, subprocess.Popen[str]]) -> None:
    banner, _ = running
    hub_url = re.search(r"Open\s+(\S+)", banner).group(1)  # type: ignore[union-attr]
    # A password the operator chose is never printed: the banner ends up in the service's logs.
    assert "rahasia-demo-123" not in banner
    assert "penjual / the password in SATUSTOK_ADMIN_PASSWORD" in banner
    with httpx.Client(base_url=hub_url, timeout=5, follow_redirects=True) as browser:
        login = browser.get("/")
        assert login.url.path == "/login/"
        token = browser.cookies["csrftoken"]
        home = browser.post(
            "/login/",
            data={
                "username": "penjual",
                "password": "rahasia-demo-123",
                "csrfmiddlewaretoken": token,
                "next": "/",
            },
            headers={"Referer": str(login.url)},
        )
        assert home.url.path == "/" and "Dasbor" in home.text  # logged in, in Bahasa Indonesia


def test_run_starts_the_sandbox_with_demo_credentials(
    running: tuple[str, subprocess.Popen[str]],
) -> None:
    banner, _ = running
    accounts = re.search(r"SATUSTOK_TOKOPEDIA_API_URL=(\S+)", banner).group(1)  # type: ignore[union-attr]
    client_id = re.search(r"Client ID (\S+)", banner).group(1)  # type: ignore[union-attr]
    secret = re.search(r"Client Secret (\S+)", banner).group(1)  # type: ignore[union-attr]
    token_url = accounts.replace("/tokopedia/fs", "/tokopedia/accounts") + "/token"
    answer = httpx.post(
        token_url, params={"grant_type": "client_credentials"}, auth=(client_id, secret), timeout=5
    )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"
