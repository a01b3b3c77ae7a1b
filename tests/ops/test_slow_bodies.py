"""Slow senders cannot hold the web threads: bodies are read in the event loop, whole, within a
time limit and a size cap, before a request is given one of the ``SATUSTOK_WEB_THREADS``
threads (``satustok/core/request_bodies.py``); a chunked body reaches the view whole, with its
length stated."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from running_hub import hub_environment, satustok, start_hub, stop_hub
from satustok.core.request_bodies import WholeBodies

pytestmark = pytest.mark.dbless

THREADS = 2
SLOW_SENDERS = 4 * THREADS


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A hub with two threads and the demo Tokopedia shop connected: its webhook address reads
    the body of any POST (the signature is checked on it), as the real door does."""
    env = hub_environment(
        tmp_path, SATUSTOK_WEB_THREADS=str(THREADS), SATUSTOK_REQUEST_BODY_SECONDS="120"
    )
    proc, banner = start_hub(env)

    def field(pattern: str) -> str:
        return re.search(pattern, banner).group(1)  # type: ignore[union-attr]

    try:
        cli_env = {**env, **dict(re.findall(r"(SATUSTOK_\w+_URL)=(\S+)", banner))}
        added = subprocess.run(
            satustok(
                "integrations", "add", "tokopedia", "--json",
                "--fs-id", field(r"FS ID (\d+)"), "--shop-id", field(r"Shop ID (\d+)"),
                "--client-id", field(r"Client ID (\S+)"),
                "--client-secret", field(r"Client Secret (\S+)"),
            ),
            env=cli_env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        integration = json.loads(added.stdout)["id"]
        yield field(r"Open\s+(\S+)"), f"/webhooks/tokopedia/{integration}/order_status/"
    finally:
        stop_hub(proc)


def slow_sender(url: str, path: str) -> socket.socket:
    """A POST that promises 100 kB and sends one byte, then nothing."""
    host, port = url.split("//", 1)[1].rstrip("/").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        "Content-Length: 100000\r\n\r\n{"
    )
    sock.sendall(head.encode())
    return sock


def test_slow_senders_on_a_public_door_leave_the_hub_answering(hub: tuple[str, str]) -> None:
    url, door = hub
    senders = [slow_sender(url, door) for _ in range(SLOW_SENDERS)]
    try:
        # Before, each sender held a thread until it went away: these waited for ever.
        with httpx.Client(base_url=url, timeout=30) as client:
            assert client.get("/healthz").status_code == 200
            assert client.get("/login/").status_code == 200
            assert client.post(door, content=b"{}").status_code == 401  # read, then refused
    finally:
        for sock in senders:
            sock.close()


def run(app: Any, path: str, messages: list[dict[str, Any]], headers: list[Any]) -> dict[str, Any]:
    """Drive the middleware with these request messages; what the inner app saw and answered."""
    seen: dict[str, Any] = {}
    sent: list[dict[str, Any]] = []
    queue = list(messages)

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen["headers"] = dict(scope["headers"])
        seen["body"] = (await receive())["body"]

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        await asyncio.sleep(3600)  # a client that sends nothing more
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    middleware = WholeBodies(
        inner if app is None else app, webhook_max=10, other_max=100, seconds=0.2, upload_max=1000
    )
    scope = {"type": "http", "path": path, "headers": headers}
    # In a thread of its own: a browser test earlier in the session may have left an event
    # loop running in this one (Playwright's sync API), where asyncio.run refuses to start.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(lambda: asyncio.run(middleware(scope, receive, send))).result()
    status = next((m["status"] for m in sent if m["type"] == "http.response.start"), None)
    return {"seen": seen, "status": status}


def test_a_chunked_body_reaches_the_view_whole_with_its_length() -> None:
    chunks = [
        {"type": "http.request", "body": b'{"a"', "more_body": True},
        {"type": "http.request", "body": b":1}", "more_body": False},
    ]
    result = run(None, "/webhooks/x/1/y/", chunks, [(b"transfer-encoding", b"chunked")])
    assert result["seen"]["body"] == b'{"a":1}'
    assert result["seen"]["headers"] == {b"content-length": b"7"}


def test_a_body_that_stops_arriving_is_a_408_and_never_reaches_the_view() -> None:
    partial = [{"type": "http.request", "body": b"{", "more_body": True}]
    result = run(None, "/login/", partial, [(b"content-length", b"50")])
    assert result["status"] == 408 and not result["seen"]


@pytest.mark.parametrize(
    ("path", "declared", "sent"), [("/webhooks/x/1/y/", 11, 11), ("/login/", 101, 101)]
)
def test_a_body_over_the_cap_is_a_413_declared_or_not(path: str, declared: int, sent: int) -> None:
    said = run(None, path, [], [(b"content-length", str(declared).encode())])
    assert said["status"] == 413 and not said["seen"]
    body = [{"type": "http.request", "body": b"x" * sent, "more_body": False}]
    chunked = run(None, path, body, [(b"transfer-encoding", b"chunked")])
    assert chunked["status"] == 413 and not chunked["seen"]


@pytest.mark.parametrize("path", ["/uploads/stock/", "/api/uploads/stock"])
def test_a_spreadsheet_upload_has_its_own_larger_cap(path: str) -> None:
    body = [{"type": "http.request", "body": b"x" * 500, "more_body": False}]
    within = run(None, path, body, [(b"content-length", b"500")])
    assert within["seen"]["body"] == b"x" * 500
    over = run(None, path, [], [(b"content-length", b"1001")])
    assert over["status"] == 413 and not over["seen"]
    elsewhere = run(None, "/login/", body, [(b"content-length", b"500")])
    assert elsewhere["status"] == 413
