"""Signed, asynchronous webhook delivery with a log of every attempt.

Events are queued by the handlers and sent by one worker task on the server's event loop, so an
API answer never waits for a receiver. Each POST carries the raw JSON body (no envelope) and
``Authorization-Hmac`` = lowercase hex HMAC-SHA256(webhook secret, body) (fact sheet §8).
The retry policy is undocumented; the sandbox tries three times (0.2 s, then 0.5 s apart) when
the receiver fails or answers non-2xx. Faults can drop, duplicate or reorder deliveries.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import threading
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from satustok_sandbox.tokopedia.faults import FaultBox

EVENT_URL_FIELDS = {
    "order_notification": "order_notification_url",
    "order_status": "order_status_url",
    "order_cancellation": "order_cancellation_url",
    "product_changes": "product_changes_url",
}
REGISTRATION_URL_FIELDS = (
    "order_notification_url",
    "order_cancellation_url",
    "order_status_url",
    "order_request_cancellation_url",
    "chat_notification_url",
    "product_creation_url",
    "product_changes_url",
    "campaign_notification_url",
    "order_partial_fulfillment_url",
)
RETRY_DELAYS = (0.2, 0.5)
REORDER_WINDOW_SECONDS = 0.3
TIMEOUT_SECONDS = 2.0


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Outgoing:
    """One event bound for one URL, already serialised and signed."""

    event: str
    fs_id: int
    url: str
    body: bytes
    signature: str
    generation: int


@dataclass
class DeliveryRecord:
    id: int
    event: str
    fs_id: int
    url: str
    attempt: int
    status_code: int | None
    error: str
    payload: Any
    signature: str
    duplicate: bool
    dropped: bool
    at: float


class WebhookDispatcher:
    """Queue, worker and delivery log. ``clear`` forgets everything queued or logged."""

    def __init__(self, faults: FaultBox, clock: Any) -> None:
        self._faults = faults
        self._clock = clock
        self._lock = threading.Lock()
        self._log: list[DeliveryRecord] = []
        self._ids = itertools.count(1)
        self._generation = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[Outgoing] | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def emit(self, event: str, fs_id: int, url: str, secret: str, payload: Any) -> None:
        """Queue one delivery; callable from the event loop or any other thread."""
        if not url or self._loop is None or self._queue is None:
            return
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        item = Outgoing(event, fs_id, url, body, sign(secret, body), self._generation)
        self._loop.call_soon_threadsafe(self._queue.put_nowait, item)

    def clear(self) -> None:
        """Drop queued items (the worker skips older generations) and the log."""
        with self._lock:
            self._generation += 1
            self._log.clear()

    def deliveries(self, event: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self._log if event is None or r.event == event]

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, trust_env=False) as client:
            while True:
                for item in await self._next_batch():
                    if item.generation == self._generation:
                        await self._deliver(client, item)

    async def _next_batch(self) -> list[Outgoing]:
        """One item; with the reorder fault, everything arriving within a short window,
        newest first."""
        assert self._queue is not None
        batch = [await self._queue.get()]
        if not self._faults.reorder_webhooks():
            return batch
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REORDER_WINDOW_SECONDS
        while (remaining := deadline - loop.time()) > 0:
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), remaining))
            except TimeoutError:
                break
        return batch[::-1]

    async def _deliver(self, client: httpx.AsyncClient, item: Outgoing) -> None:
        decision = self._faults.webhook_decision()
        if decision == "drop":
            self._record(item, 0, None, "dropped by fault injection", duplicate=False, dropped=True)
            return
        await self._send_with_retries(client, item, duplicate=False)
        if decision == "duplicate":
            await self._send_with_retries(client, item, duplicate=True)

    async def _send_with_retries(
        self, client: httpx.AsyncClient, item: Outgoing, *, duplicate: bool
    ) -> None:
        for attempt, delay in enumerate((*RETRY_DELAYS, None), start=1):
            if await self._attempt(client, item, attempt, duplicate) or delay is None:
                return
            await asyncio.sleep(delay)
            if item.generation != self._generation:
                return  # a reset happened meanwhile: this delivery belongs to a world gone by

    async def _attempt(
        self, client: httpx.AsyncClient, item: Outgoing, attempt: int, duplicate: bool
    ) -> bool:
        headers = {
            "Content-Type": "application/json",
            "Authorization-Hmac": item.signature,
            "User-Agent": "Tokopedia-Sandbox-Webhook/1.0",
        }
        try:
            response = await client.post(item.url, content=item.body, headers=headers)
        except httpx.HTTPError as error:
            self._record(item, attempt, None, f"{type(error).__name__}: {error}", duplicate, False)
            return False
        self._record(item, attempt, response.status_code, "", duplicate, False)
        return response.is_success

    def _record(
        self,
        item: Outgoing,
        attempt: int,
        status: int | None,
        error: str,
        duplicate: bool,
        dropped: bool,
    ) -> None:
        with self._lock:
            if item.generation != self._generation:
                return
            self._log.append(
                DeliveryRecord(
                    id=next(self._ids),
                    event=item.event,
                    fs_id=item.fs_id,
                    url=item.url,
                    attempt=attempt,
                    status_code=status,
                    error=error,
                    payload=json.loads(item.body),
                    signature=item.signature,
                    duplicate=duplicate,
                    dropped=dropped,
                    at=self._clock.now(),
                )
            )
