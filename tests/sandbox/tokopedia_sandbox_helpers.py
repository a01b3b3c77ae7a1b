"""Helpers for the sandbox's own tests: an authenticated API client, a webhook receiver and the
demo seed's ids. (A uniquely named module, so test files can import it without package files.)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from satustok_sandbox.server import RunningSandbox

OUR_FS_ID = 15001
OTHER_FS_ID = 15002
SARI = 480001
OFFICIAL = 480002
REGULAR = 480003
HOLIDAY = 480004
OTHER_APPS_SHOP = 480005


def fetch_token(sandbox: RunningSandbox, fs_id: int = OUR_FS_ID) -> httpx.Response:
    app = sandbox.app(fs_id)
    return httpx.post(
        f"{sandbox.accounts_url}/token",
        params={"grant_type": "client_credentials"},
        auth=(app["client_id"], app["client_secret"]),
        trust_env=False,
    )


class Api:
    """Calls to ``{api_url}`` as one app, with a bearer token fetched on first use."""

    def __init__(self, sandbox: RunningSandbox, fs_id: int = OUR_FS_ID) -> None:
        self.sandbox = sandbox
        self.fs_id = fs_id
        self.client = httpx.Client(base_url=sandbox.api_url, timeout=10, trust_env=False)
        self.token: str | None = None

    def headers(self) -> dict[str, str]:
        if self.token is None:
            self.token = fetch_token(self.sandbox, self.fs_id).json()["access_token"]
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, params: Any = None) -> httpx.Response:
        return self.client.get(path.format(fs=self.fs_id), params=params, headers=self.headers())

    def post(self, path: str, body: Any = None, params: Any = None) -> httpx.Response:
        return self.client.post(
            path.format(fs=self.fs_id), json=body, params=params, headers=self.headers()
        )

    def products(self, **params: Any) -> list[dict[str, Any]]:
        response = self.get("/inventory/v1/fs/{fs}/product/info", params)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def close(self) -> None:
        self.client.close()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A tiny webhook receiver on loopback; ``status`` is what it answers."""

    url: str
    received: list[Received] = field(default_factory=list)
    status: int = 200

    def events(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """Serve a ``Receiver`` on a free loopback port for the duration of the block."""
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            box.received.append(Received(self.path, dict(self.headers), body))
            self.send_response(box.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


def register_all(api: Api, receiver: Receiver, **extra: Any) -> httpx.Response:
    """Register the receiver for the four events the sandbox sends."""
    body = {
        "fs_id": api.fs_id,
        "order_notification_url": f"{receiver.url}/order_notification",
        "order_status_url": f"{receiver.url}/order_status",
        "order_cancellation_url": f"{receiver.url}/order_cancellation",
        "product_changes_url": f"{receiver.url}/product_changes",
        **extra,
    }
    return api.post("/v1/fs/{fs}/register", body)
