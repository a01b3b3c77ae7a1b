"""``satustok run`` (what ``make run`` ends with) starts the hub and the sandbox and says where
to go."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.dbless  # it migrates its own throw-away SQLite data directory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def satustok(*args: str) -> list[str]:
    return [sys.executable, "-c", "from satustok.cli import main; main()", *args]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    env = {
        **os.environ,
        "SATUSTOK_DATA_DIR": str(tmp_path),
        "SATUSTOK_ADMIN_USER": "penjual",
        "SATUSTOK_ADMIN_PASSWORD": "rahasia-demo-123",
    }
    env.pop("DATABASE_URL", None)
    subprocess.run(satustok("migrate", "--noinput"), env=env, check=True, capture_output=True)
    port, sandbox_port = free_port(), free_port()
    proc = subprocess.Popen(
        satustok("run", "--port", str(port), "--sandbox-port", str(sandbox_port)),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    banner = read_until(proc, "Stop with Ctrl+C")
    try:
        yield banner, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def read_until(proc: subprocess.Popen[str], marker: str) -> str:
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if marker in line:
            return "".join(lines)
    raise AssertionError("satustok run exited early:\n" + "".join(lines))


def test_run_prints_where_to_go_and_serves_it(running: tuple[str, subprocess.Popen[str]]) -> None:
    banner, _ = running
    hub_url = re.search(r"Open\s+(\S+)", banner).group(1)  # type: ignore[union-attr]
    assert "penjual / rahasia-demo-123" in banner
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
    accounts = re.search(r"Tokopedia API (\S+)", banner).group(1)  # type: ignore[union-attr]
    client_id = re.search(r"Client ID (\S+)", banner).group(1)  # type: ignore[union-attr]
    secret = re.search(r"Client Secret (\S+)", banner).group(1)  # type: ignore[union-attr]
    token_url = accounts.replace("/tokopedia/fs", "/tokopedia/accounts") + "/token"
    answer = httpx.post(
        token_url, params={"grant_type": "client_credentials"}, auth=(client_id, secret), timeout=5
    )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"
