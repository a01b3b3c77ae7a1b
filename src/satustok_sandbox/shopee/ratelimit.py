"""One token bucket per partner app over every call it makes (fact sheet §8: limits are not
published; the simulator makes them configurable and answers ``error_rate_limit``).

Default 50 requests/s with a burst of 50, per partner; the seed (``partners[].rate_limit``),
``--unlimited`` and ``POST faults {"rate_limits": …}`` change it. Buckets refill on the real
monotonic clock, so moving the sandbox clock never hands out free quota.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

DEFAULT_RATE = 50.0
DEFAULT_BURST = 50


@dataclass(frozen=True)
class RateLimit:
    rate: float
    burst: int
    unlimited: bool = False

    def view(self) -> dict[str, object]:
        return {"rate": self.rate, "burst": self.burst, "unlimited": self.unlimited}


UNLIMITED = RateLimit(1_000_000, 1_000_000, unlimited=True)
DEFAULT = RateLimit(DEFAULT_RATE, DEFAULT_BURST)


@dataclass
class _Bucket:
    limit: RateLimit
    tokens: float = field(init=False)
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = float(self.limit.burst)

    def take(self) -> float:
        """0 when a token was taken; otherwise the seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(
            float(self.limit.burst), self.tokens + (now - self.updated) * self.limit.rate
        )
        self.updated = now
        if self.limit.unlimited or self.tokens >= 1:
            self.tokens -= 0 if self.limit.unlimited else 1
            return 0.0
        return (1 - self.tokens) / self.limit.rate


class PartnerRateLimiter:
    def __init__(self, base: dict[int, RateLimit], default: RateLimit) -> None:
        self._lock = threading.Lock()
        self._base, self._base_default = dict(base), default
        self._limits, self._default = dict(base), default
        self._buckets: dict[int, _Bucket] = {}

    def limit(self, partner_id: int) -> RateLimit:
        return self._limits.get(partner_id, self._default)

    def set_limit(self, partner_id: int | None, limit: RateLimit) -> None:
        """One partner's limit, or (``None``) every partner's; buckets start over full."""
        with self._lock:
            if partner_id is None:
                self._default = limit
                self._limits = {}
                self._buckets.clear()
            else:
                self._limits[partner_id] = limit
                self._buckets.pop(partner_id, None)

    def restore(self) -> None:
        with self._lock:
            self._limits, self._default = dict(self._base), self._base_default
            self._buckets.clear()

    def take(self, partner_id: int) -> float:
        with self._lock:
            bucket = self._buckets.get(partner_id)
            if bucket is None:
                bucket = self._buckets[partner_id] = _Bucket(self.limit(partner_id))
            return bucket.take()


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
