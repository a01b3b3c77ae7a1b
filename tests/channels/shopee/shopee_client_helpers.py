"""Constants and small helpers shared by the Shopee client's loopback tests (imported by name:
test directories are not packages)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from satustok.channels.http.retry import RetryPolicy
from satustok.channels.shopee.client import PartnerApp, ShopeeClient

if TYPE_CHECKING:
    from satustok_sandbox.shopee.handle import ShopeeControl

DEMO_SHOP = 7700001
BANNED_SHOP = 7700002
TWO_WAREHOUSE_SHOP = 7700003
FAST_RETRIES = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.2, max_elapsed=10.0)
ClientFactory = Callable[..., ShopeeClient]


def partner_app(shopee: ShopeeControl) -> PartnerApp:
    return PartnerApp(shopee.partner_id, shopee.partner_key)


def api_stats(shopee: ShopeeControl, api: str) -> dict[str, Any]:
    """``{"calls", "statuses", "errors"}`` of one API (``product/get_item_list``) so far."""
    row = shopee.stats()["apis"].get(api)
    return row or {"calls": 0, "statuses": {}, "errors": {}}


class PushReceiver:
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
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/shopee/push"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)
