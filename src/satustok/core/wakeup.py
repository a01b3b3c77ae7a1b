"""Idle queue workers wake the moment this process queues a task.

On the SQLite queue Huey's workers poll: an idle worker thread sleeps its poll delay, then
looks again. Every hop through the queue waited for that next look — a sale takes two (the
webhook's processing task, then the stock push it queues), up to the longest delay each. Here
an idle worker thread sleeps on the storage's :class:`Doorbell` instead, which the storage
rings after each task it has stored *in this process* (a web thread, a worker thread, the
scheduler moving a task that is due): one idle worker dequeues at once.

The timed poll stays as the fallback for what this process does not see: tasks queued by
another process (a web-only process beside ``satustok worker``s, another worker). The bell
is rung after the task is stored, not on Huey's ``SIGNAL_ENQUEUED``, which comes before: a
worker woken by the signal could look before the task is there and go back to sleep.

Redis blocks on the queue (a worker's dequeue waits for a task), so there is nothing to wake:
no doorbell is installed on a storage that blocks, nor for worker processes (a fork does not
share the bell's lock); their workers sleep as Huey's do.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

from huey.constants import WORKER_THREAD
from huey.consumer import Consumer, Worker

_ATTRIBUTE = "_satustok_doorbell"
_installing = threading.Lock()


class StopFlag(Protocol):
    def is_set(self) -> bool: ...


class Doorbell:
    """Rings not yet answered, at most one per worker thread, under one Condition.

    A ring while no worker sleeps is kept for the next one about to sleep (no lost wake-up),
    and a burst of rings wakes each worker once at most: a worker that answers a ring and
    finds nothing (another took the task) goes back to its timed sleep, it does not spin."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._rings = 0
        self._most_rings = 1
        self._sleeping = 0

    def expect_workers(self, count: int) -> None:
        """Keep up to ``count`` rings: one for each worker that could answer."""
        with self._condition:
            self._most_rings = max(self._most_rings, count)

    def ring(self) -> None:
        """A task was stored: wake one sleeping worker (or the next that goes to sleep)."""
        with self._condition:
            self._rings = min(self._rings + 1, self._most_rings)
            self._condition.notify()

    def wait(self, seconds: float, stop_flag: StopFlag) -> bool:
        """Sleep until a ring (True), or until ``seconds`` pass or the consumer stops (False).
        The stop flag is read under the lock :meth:`wake_everyone` takes after setting it, so
        a stop is never missed either."""
        deadline = time.monotonic() + seconds
        with self._condition:
            self._sleeping += 1
            try:
                while not self._rings:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or stop_flag.is_set():
                        return False
                    self._condition.wait(remaining)
                self._rings -= 1
                return True
            finally:
                self._sleeping -= 1

    def wake_everyone(self) -> None:
        """The consumer is stopping (its stop flag is set): every sleeper looks at it now."""
        with self._condition:
            self._condition.notify_all()

    @property
    def sleeping(self) -> int:
        """How many workers sleep on the bell now (tests wait for idle workers with it)."""
        with self._condition:
            return self._sleeping


def doorbell_of(storage: Any) -> Doorbell | None:
    """The storage's doorbell, if a consumer in this process installed one."""
    return getattr(storage, _ATTRIBUTE, None)


def install_doorbell(storage: Any) -> Doorbell:
    """Give ``storage`` a doorbell rung after each enqueue (once per storage object: tests and
    a restarted consumer create consumers again on the same storage)."""
    with _installing:
        bell = doorbell_of(storage)
        if bell is not None:
            return bell
        bell = Doorbell()
        store = storage.enqueue

        def enqueue_and_ring(data: bytes, priority: int | None = None) -> None:
            store(data, priority)
            bell.ring()  # after the task is stored: the woken worker finds it

        storage.enqueue = enqueue_and_ring
        setattr(storage, _ATTRIBUTE, bell)
        return bell


class WakingWorker(Worker):  # type: ignore[misc]  # Huey is untyped
    """A Huey worker whose idle sleep ends at a ring of the storage's doorbell."""

    # Set by Huey's Worker: the next idle sleep, grown by ``backoff`` up to ``max_delay``.
    delay: float
    max_delay: float
    backoff: float

    def sleep(self) -> None:
        bell = doorbell_of(self.huey.storage)
        if bell is None:
            super().sleep()
            return
        delay = min(self.delay, self.max_delay)
        if not bell.wait(delay, self.stop_flag):
            self.delay = delay * self.backoff  # nothing came: back off as Huey does


class WakingConsumer(Consumer):  # type: ignore[misc]  # Huey is untyped
    """Huey's consumer with :class:`WakingWorker` threads; takes ``Huey.create_consumer``'s
    options. On a storage that blocks (Redis), or with worker processes, it is Huey's own."""

    worker_class = WakingWorker

    def __init__(self, huey: Any, **options: Any) -> None:
        super().__init__(huey, **options)
        if self.worker_type == WORKER_THREAD and not huey.storage.blocking:
            install_doorbell(huey.storage).expect_workers(self.workers)

    def stop(self, graceful: bool = False) -> None:
        """Set the stop flag, wake the sleepers so that they see it, then stop as Huey does."""
        self.stop_flag.set()
        bell = doorbell_of(self.huey.storage)
        if bell is not None:
            bell.wake_everyone()
        super().stop(graceful=graceful)
