"""Idle queue workers wake when this process queues a task (core/wakeup.py): a consumer built
as ``satustok run``'s, but whose poll would take a minute, runs a task queued while its
threads sleep within seconds, and still stops at once."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from huey import RedisHuey, SqliteHuey

from satustok.core.wakeup import Doorbell, WakingConsumer, doorbell_of

SLOW_POLL = {"initial_delay": 60.0, "backoff": 1.0, "max_delay": 60.0}  # far past any deadline
DEADLINE = 15.0
WORKERS = 2


def eventually(check: Callable[[], bool], seconds: float = DEADLINE) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {seconds}s: {check.__doc__ or check}")
        time.sleep(0.02)


@pytest.fixture
def huey(tmp_path: Path) -> SqliteHuey:
    """A queue of its own on a SQLite file (the app's Huey runs tasks inline in tests)."""
    return SqliteHuey("wakeup-test", filename=str(tmp_path / "queue.sqlite3"), results=False)


@pytest.fixture
def started(huey: SqliteHuey) -> Iterator[WakingConsumer]:
    """The consumer as ``satustok run`` starts it (threads, periodic tasks), slow poll."""
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    consumer = WakingConsumer(
        huey, workers=WORKERS, worker_type="thread", periodic=True, **SLOW_POLL
    )
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])


def asleep(huey: SqliteHuey) -> Callable[[], bool]:
    bell = doorbell_of(huey.storage)
    assert bell is not None

    def every_worker_sleeps() -> bool:
        """every worker thread asleep on the doorbell"""
        return bell.sleeping == WORKERS

    return every_worker_sleeps


def test_a_task_queued_here_wakes_an_idle_worker_at_once(
    huey: SqliteHuey, started: WakingConsumer
) -> None:
    ran: list[int] = []

    @huey.task()
    def note(value: int) -> None:
        ran.append(value)

    eventually(asleep(huey))  # each has looked, found nothing, and sleeps its minute
    note(1)
    eventually(lambda: ran == [1])
    eventually(asleep(huey))
    note(2)  # once more: a woken worker sleeps on the bell again, not on the timer
    eventually(lambda: ran == [1, 2])


def test_stop_is_prompt_while_the_workers_sleep(huey: SqliteHuey) -> None:
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    consumer = WakingConsumer(huey, workers=WORKERS, worker_type="thread", **SLOW_POLL)
    consumer.start()
    try:
        eventually(asleep(huey))
        began = time.monotonic()
        consumer.stop(graceful=True)  # joins the workers: returns once they have seen the flag
        assert time.monotonic() - began < DEADLINE
        assert not any(thread.is_alive() for _, thread in consumer.worker_threads)
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])


def test_a_ring_while_no_worker_sleeps_is_kept_for_the_next_one() -> None:
    """No lost wake-up: the worker about to sleep answers it at once; and rings are capped at
    one per worker, so a burst does not make an idle worker spin."""
    bell, running = Doorbell(), threading.Event()
    bell.expect_workers(2)
    for _ in range(5):
        bell.ring()
    assert bell.wait(DEADLINE, running) and bell.wait(DEADLINE, running)
    assert not bell.wait(0.01, running)  # the other three rings were one burst for two workers


def test_a_ring_wakes_a_sleeping_worker() -> None:
    bell, running, woke = Doorbell(), threading.Event(), threading.Event()

    def worker() -> None:
        if bell.wait(60, running):
            woke.set()

    thread = threading.Thread(target=worker)
    thread.start()
    eventually(lambda: bell.sleeping == 1)
    bell.ring()
    thread.join(DEADLINE)
    assert woke.is_set()


def test_a_blocking_queue_gets_no_doorbell() -> None:
    """Redis blocks on the queue: its workers are Huey's own (nothing connects here)."""
    redis: Any = RedisHuey("wakeup-test", url="redis://127.0.0.1:1/0")
    WakingConsumer(redis, workers=WORKERS, worker_type="thread")
    assert redis.storage.blocking and doorbell_of(redis.storage) is None
