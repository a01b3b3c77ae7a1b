"""Signed, asynchronous callbacks to the seller's app, with retries and a log of every attempt.

Tokopedia's webhooks and Shopee's pushes are delivered the same way: handlers queue an
already-serialised, already-signed item, and one worker task on the server's event loop sends
the items in order, so an API answer never waits for a receiver. An attempt that fails (no
connection, or a non-2xx answer) is tried again after each of ``retry_delays``; every attempt
is logged. A reset (``clear``) starts a new *generation*: whatever was queued, being retried or
about to be logged belongs to a world gone by and is dropped.

Every delivery first asks the fault box: ``drop`` logs it as dropped and sends nothing,
``duplicate`` sends it twice; with the reorder fault the worker gathers what arrives within a
short window and sends it newest first.

What differs per marketplace is a subclass's: the item and log record (their fields are the
control API's JSON), the signature header, timeout and user agent, where the fault decision
comes from, whether it may reorder (Tokopedia, TikTok Shop), and what becomes of a delivery that
never got through (Shopee keeps it as a "lost" push).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import httpx

from satustok_sandbox.common.clock import SandboxClock
from satustok_sandbox.common.faults import DeliveryDecision

log = logging.getLogger(__name__)


class Outgoing(Protocol):
    """One queued delivery: where to, what (the raw body), its signature, and its generation."""

    @property
    def url(self) -> str: ...

    @property
    def body(self) -> bytes: ...

    @property
    def signature(self) -> str: ...

    @property
    def generation(self) -> int: ...


@dataclass
class SignedItem:
    """An :class:`Outgoing` as the marketplaces queue it; each subclass adds what its log
    record shows of the item (the event, whom it is for)."""

    url: str
    body: bytes
    signature: str
    generation: int


class Record(Protocol):
    """One logged attempt (a dataclass: the control API shows it with ``asdict``)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def id(self) -> int: ...


class DeliveryFaults(Protocol):
    """What a worker asks its marketplace's fault box (``common/faults.py``'s)."""

    def delivery_decision(self) -> DeliveryDecision: ...

    def reorder_deliveries(self) -> bool: ...


ItemT = TypeVar("ItemT", bound=Outgoing)
RecordT = TypeVar("RecordT", bound=Record)


def compact_json(payload: Any) -> bytes:
    """A callback's body as the marketplaces send it: compact, UTF-8, no ASCII escapes (the
    signature is over these exact bytes)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class DeliveryWorker(Generic[ItemT, RecordT]):
    """Queue, worker, retries and the delivery log. ``clear`` forgets everything queued or
    logged."""

    signature_header: ClassVar[str]
    user_agent: ClassVar[str]
    timeout_seconds: ClassVar[float]
    retry_delays: ClassVar[tuple[float, ...]] = (0.2, 0.5)
    # With the reorder fault: how long after the first item the worker gathers more.
    reorder_window_seconds: ClassVar[float] = 0.3

    def __init__(self, clock: SandboxClock, faults: DeliveryFaults | None = None) -> None:
        # One sender keeps deliveries in order (what the tests rely on); a marketplace under
        # load sends many at once, out of order: ``SATUSTOK_SANDBOX_WEBHOOK_SENDERS`` (the
        # benchmarks use 8) lets the sandbox do the same.
        self._senders = max(1, int(os.environ.get("SATUSTOK_SANDBOX_WEBHOOK_SENDERS", "1")))
        self._clock = clock
        self._faults = faults
        self._lock = threading.Lock()
        self._log: list[RecordT] = []
        self._ids = itertools.count(1)
        self._generation = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[ItemT] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._tasks = [asyncio.create_task(self._run()) for _ in range(self._senders)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def clear(self) -> None:
        """Drop queued items (the worker skips older generations) and the log."""
        with self._lock:
            self._generation += 1
            self._log.clear()
            self._forget()

    def _forget(self) -> None:
        """Whatever else a subclass keeps per world (called by ``clear``, under the lock)."""

    def _enqueue(self, item: ItemT) -> None:
        """Queue one item; callable from the event loop or any other thread."""
        if self._loop is not None and self._queue is not None:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)

    def _logged(
        self, matches: Callable[[RecordT], bool] | None = None, after: int = 0
    ) -> list[dict[str, Any]]:
        """The log as plain dicts, only the records ``matches`` accepts when given, and only
        those with an ``id`` above ``after`` (ids grow in log order: a reader that keeps the
        last id it saw reads each record once, instead of the whole log every time)."""
        with self._lock:
            start = bisect.bisect_right(self._log, after, key=lambda r: r.id)
            return [asdict(r) for r in self._log[start:] if matches is None or matches(r)]

    def count(self) -> int:
        """How many attempts the log holds."""
        with self._lock:
            return len(self._log)

    # --- the worker --------------------------------------------------------------------------

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=self.timeout_seconds, trust_env=False) as client:
            while True:
                for item in await self._next_batch():
                    if item.generation == self._generation:
                        await self._deliver_or_log(client, item)

    async def _deliver_or_log(self, client: httpx.AsyncClient, item: ItemT) -> None:
        """One delivery; whatever it raises (a URL httpx refuses, a bug) is logged as that
        delivery's failure. It must not end the sender: every later delivery of the session
        would be lost without a trace."""
        try:
            await self._deliver(client, item)
        except Exception as error:
            log.exception("a delivery failed unexpectedly")
            with contextlib.suppress(Exception):  # even the log must not end the sender
                self._record(item, 1, None, f"{type(error).__name__}: {error}", False, False)
                self._undelivered(item)

    async def _next_batch(self) -> list[ItemT]:
        """The next items to deliver: one; with the reorder fault, everything arriving within
        ``reorder_window_seconds``, newest first."""
        assert self._queue is not None
        first = await self._queue.get()
        if not self._reorder():
            return [first]
        return (await self._gather(first, self.reorder_window_seconds))[::-1]

    async def _gather(self, first: ItemT, window_seconds: float) -> list[ItemT]:
        """``first`` and every item queued within ``window_seconds`` after it, in queue order."""
        assert self._queue is not None
        batch = [first]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + window_seconds
        while (remaining := deadline - loop.time()) > 0:
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), remaining))
            except TimeoutError:
                break
        return batch

    # --- faults and failures ------------------------------------------------------------------

    def _decision(self) -> DeliveryDecision:
        """Send, drop or duplicate the next delivery (without a fault box: send)."""
        return "send" if self._faults is None else self._faults.delivery_decision()

    def _reorder(self) -> bool:
        return self._faults is not None and self._faults.reorder_deliveries()

    def _undelivered(self, item: ItemT) -> None:
        """A delivery that never got a 2xx, or that the drop fault lost (nothing by default)."""

    async def _deliver(self, client: httpx.AsyncClient, item: ItemT) -> None:
        decision = self._decision()
        if decision == "drop":
            self._record(item, 0, None, "dropped by fault injection", duplicate=False, dropped=True)
            self._undelivered(item)
            return
        if not await self._send_with_retries(client, item, duplicate=False):
            self._undelivered(item)
        if decision == "duplicate":
            await self._send_with_retries(client, item, duplicate=True)

    async def _send_with_retries(
        self, client: httpx.AsyncClient, item: ItemT, *, duplicate: bool
    ) -> bool:
        """Whether a 2xx came back within the attempts. A reset meanwhile ends the retries:
        the delivery belongs to a world gone by."""
        for attempt, delay in enumerate((*self.retry_delays, None), start=1):
            if await self._attempt(client, item, attempt, duplicate):
                return True
            if delay is None or item.generation != self._generation:
                return False
            await asyncio.sleep(delay)
            if item.generation != self._generation:
                return False
        return False

    async def _attempt(
        self, client: httpx.AsyncClient, item: ItemT, attempt: int, duplicate: bool
    ) -> bool:
        headers = {
            "Content-Type": "application/json",
            self.signature_header: item.signature,
            "User-Agent": self.user_agent,
        }
        try:
            response = await client.post(item.url, content=item.body, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            self._record(item, attempt, None, f"{type(error).__name__}: {error}", duplicate, False)
            return False
        self._record(item, attempt, response.status_code, "", duplicate, False)
        return response.is_success

    def _record(
        self,
        item: ItemT,
        attempt: int,
        status: int | None,
        error: str,
        duplicate: bool,
        dropped: bool,
    ) -> None:
        with self._lock:
            if item.generation != self._generation:
                return
            attempt_facts = {
                "id": next(self._ids),
                "attempt": attempt,
                "status_code": status,
                "error": error,
                "duplicate": duplicate,
                "dropped": dropped,
                "at": self._clock.now(),
            }
            self._log.append(self._record_of(item, attempt_facts))

    def _record_of(self, item: ItemT, attempt_facts: dict[str, Any]) -> RecordT:
        """The log record of one attempt: the item's fields in the marketplace's record, with
        ``attempt_facts`` (``id``, ``attempt``, ``status_code``, ``error``, ``duplicate``,
        ``dropped``, ``at``) as keywords."""
        raise NotImplementedError
