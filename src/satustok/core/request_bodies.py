"""Whole request bodies, read in the event loop before a request is given a thread.

The hub's views are synchronous and run in a pool of ``SATUSTOK_WEB_THREADS`` threads (see
``satustok/asgi.py``). A thread that reads a body the client sends slowly waits as long as the
client likes: eight such POSTs to a public webhook address held every thread and froze the UI,
the API and every other webhook. :class:`WholeBodies` reads each body here instead, where
waiting costs no thread, within ``SATUSTOK_REQUEST_BODY_SECONDS`` (408 after) and a size cap
(413 over it: ``SATUSTOK_WEBHOOK_MAX_BYTES`` under ``/webhooks/``, the largest spreadsheet
upload plus room for the form under ``/uploads/`` and ``/api/uploads/``, Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` elsewhere), then hands the request on with its body whole and
its length stated, so a signed chunked delivery (no ``Content-Length``) is read like any other.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

WEBHOOK_PREFIX = "/webhooks/"
UPLOAD_PREFIXES = ("/uploads/", "/api/uploads/")  # spreadsheets in: up to 20 MB of file


class BodyTooLarge(Exception):
    pass


class WholeBodies:
    def __init__(
        self, app: App, *, webhook_max: int, other_max: int, seconds: float, upload_max: int = 0
    ) -> None:
        self.app = app
        self.webhook_max = webhook_max
        self.other_max = other_max
        self.upload_max = max(upload_max, other_max)
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self._cap(scope["path"])
        if _declared_length(scope) > cap:
            await _answer(send, 413, f"the body is over {cap} bytes")
            return
        try:
            body = await asyncio.wait_for(_read(receive, cap), self.seconds)
        except BodyTooLarge:
            await _answer(send, 413, f"the body is over {cap} bytes")
            return
        except TimeoutError:
            await _answer(send, 408, f"the body did not arrive within {self.seconds:g} s")
            return
        await self.app(_with_length(scope, len(body)), _replaying(body, receive), send)

    def _cap(self, path: str) -> int:
        if path.startswith(WEBHOOK_PREFIX):
            return self.webhook_max
        if path.startswith(UPLOAD_PREFIXES):
            return self.upload_max
        return self.other_max


async def _read(receive: Receive, cap: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """The body in one message, then whatever the connection says next (a disconnect)."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def _with_length(scope: Scope, length: int) -> Scope:
    """The scope with the body's real length (a chunked request stated none)."""
    kept = [
        (name, value)
        for name, value in scope.get("headers", ())
        if name not in (b"content-length", b"transfer-encoding")
    ]
    return {**scope, "headers": [*kept, (b"content-length", str(length).encode())]}


async def _answer(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
