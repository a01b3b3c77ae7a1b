"""At most once per window, per key, in this process: how nudges avoid flooding the queue.

A nudge (queue a push, queue webhook processing, come back when a lease is free) is only worth
sending if no nudge for the same thing was sent within the window: the one already queued runs
after this moment and sees what this one would have seen. Each process keeps its own memory, so
several processes send at most one nudge each per window — a few duplicates, never a lost one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable


class Debounce:
    def __init__(self) -> None:
        self._last: dict[Hashable, float] = {}
        self._lock = threading.Lock()

    def allow(self, key: Hashable, window_seconds: float) -> bool:
        """True (and remembered) unless ``key`` was allowed less than ``window_seconds`` ago."""
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(key, float("-inf")) < window_seconds:
                return False
            self._last[key] = now
            return True

    def forget(self) -> None:
        """Every key may go again at once (tests, and a worker that starts afresh)."""
        with self._lock:
            self._last.clear()
