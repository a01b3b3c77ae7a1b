"""The sandbox's webhook senders: one by default (deliveries in order), several when
``SATUSTOK_SANDBOX_WEBHOOK_SENDERS`` says so (as a marketplace under load sends them)."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

import pytest

from satustok_sandbox.common.clock import SandboxClock
from satustok_sandbox.common.delivery import DeliveryWorker


@dataclass
class Item:
    number: int
    generation: int = 0


class SlowReceiver(DeliveryWorker[Any, Any]):
    """Each delivery takes 50 ms; records how many were under way at once, and the order."""

    signature_header = "X-Test"
    user_agent = "test"
    timeout_seconds = 1.0

    def __init__(self) -> None:
        super().__init__(SandboxClock())
        self.busy = self.most = 0
        self.order: list[int] = []

    async def _deliver(self, client: Any, item: Item) -> None:
        self.busy += 1
        self.most = max(self.most, self.busy)
        await asyncio.sleep(0.05)
        self.order.append(item.number)
        self.busy -= 1


async def deliver_six(worker: SlowReceiver) -> None:
    await worker.start()
    for number in range(6):
        worker._enqueue(Item(number))
    while len(worker.order) < 6:
        await asyncio.sleep(0.01)
    await worker.stop()


def run_in_own_loop(worker: SlowReceiver) -> None:
    """On a thread of its own: the browser tests' Playwright leaves an event loop running on
    the main thread, where ``asyncio.run`` refuses to start another."""
    thread = threading.Thread(target=lambda: asyncio.run(deliver_six(worker)))
    thread.start()
    thread.join(timeout=10)


def test_one_sender_delivers_in_order_one_at_a_time() -> None:
    worker = SlowReceiver()
    run_in_own_loop(worker)
    assert worker.most == 1 and worker.order == list(range(6))


def test_several_senders_deliver_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SATUSTOK_SANDBOX_WEBHOOK_SENDERS", "3")
    worker = SlowReceiver()
    run_in_own_loop(worker)
    assert worker.most == 3 and sorted(worker.order) == list(range(6))


class BrokenOnce(SlowReceiver):
    """Its third delivery raises something no sender expects; the log keeps what it was."""

    def __init__(self) -> None:
        super().__init__()
        self.logged: list[str] = []

    async def _deliver(self, client: Any, item: Item) -> None:
        if item.number == 2:
            raise RuntimeError("a delivery that blew up")
        await super()._deliver(client, item)

    def _record(self, item: Any, attempt: int, status: Any, error: str, *flags: Any) -> None:
        self.logged.append(error)


def test_a_delivery_that_raises_does_not_end_the_sender() -> None:
    worker = BrokenOnce()

    async def deliver_the_rest() -> None:
        await worker.start()
        for number in range(6):
            worker._enqueue(Item(number))
        for _ in range(500):
            if len(worker.order) == 5:
                break
            await asyncio.sleep(0.01)
        await worker.stop()

    thread = threading.Thread(target=lambda: asyncio.run(deliver_the_rest()))
    thread.start()
    thread.join(timeout=10)
    assert worker.order == [0, 1, 3, 4, 5]
    assert worker.logged == ["RuntimeError: a delivery that blew up"]
