"""Constants and small helpers shared by the TikTok Shop client's loopback tests (imported by
name: test directories are not packages)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from satustok.channels.http.retry import RetryPolicy
from satustok.channels.tiktokshop.client import AppCredentials, TikTokShopClient

if TYPE_CHECKING:
    from satustok_sandbox.tiktokshop.handle import TikTokShopControl

# The demo seed's first seller and its shop (the info document lists them).
DEMO_SHOP = "7494000000000000001"
FAST_RETRIES = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.2, max_elapsed=10.0)
ClientFactory = Callable[..., TikTokShopClient]


def app_credentials(tiktokshop: TikTokShopControl) -> AppCredentials:
    return AppCredentials(tiktokshop.app_key, tiktokshop.app_secret, tiktokshop.service_id)


def api_calls(tiktokshop: TikTokShopControl, api: str) -> int:
    """How many calls of one API (``logistics/202309/warehouses``) the sandbox has answered."""
    row = tiktokshop.stats().get("apis", {}).get(api) or {}
    return int(row.get("calls", 0))


class WebhookReceiver:
    """A loopback HTTP endpoint that answers 200 to every POST and keeps (headers, raw body)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                receiver.received.append((dict(self.headers.items()), self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/tiktokshop"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def wait_for(
        self, accept: Callable[[bytes], bool], timeout: float = 10.0
    ) -> list[tuple[dict[str, str], bytes]]:
        """Poll (never a fixed sleep) until a received body passes ``accept``; all received."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(accept(body) for _, body in list(self.received)):
                break
            time.sleep(0.02)
        return list(self.received)
