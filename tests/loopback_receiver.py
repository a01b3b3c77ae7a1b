"""A webhook receiver on loopback for the channel clients' tests: answers 200 to every POST and
keeps what came (headers, raw body), so a test can verify signatures on the exact bytes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar

Received = tuple[dict[str, str], bytes]


class LoopbackReceiver:
    def __init__(self, path: str) -> None:
        self.received: list[Received] = []
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
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Poll (never a fixed sleep) until ``count`` deliveries came; all received."""
        return self.wait_until(lambda received: len(received) >= count, timeout)

    def wait_for_body(
        self, accept: Callable[[bytes], bool], timeout: float = 10.0
    ) -> list[Received]:
        """Poll until a received body passes ``accept``; all received."""
        return self.wait_until(lambda received: any(accept(b) for _, b in received), timeout)

    def wait_until(self, done: Callable[[list[Received]], bool], timeout: float) -> list[Received]:
        deadline = time.monotonic() + timeout
        while not done(list(self.received)) and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)


R = TypeVar("R", bound=LoopbackReceiver)


@contextmanager
def serving(receiver: R) -> Iterator[R]:
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
