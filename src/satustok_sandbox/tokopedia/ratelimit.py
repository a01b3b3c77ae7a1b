"""Token buckets per (fs_id, endpoint group) and the ``X-Ratelimit-*`` headers.

Tokopedia limits each endpoint separately and publishes no numbers (fact sheet §3); the defaults
below are plausible, with shop-info at the documented example ``5 req/s (burst 5)``. Bulk calls
cost one token per item. Buckets refill on the real monotonic clock, not the sandbox clock, so
``advance_clock`` never hands out free quota. A limit and a bucket are ``common/ratelimit.py``'s,
with Tokopedia's describing text, per-item takes and headers added.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from satustok_sandbox.common import ratelimit as common


class Limit(common.RateLimit):
    """A rate limit, with the text Tokopedia's headers describe it by."""

    def describe(self) -> str:
        """The ``X-Ratelimit-Limit`` text, e.g. ``5 req/s (burst 5)``."""
        rate = int(self.rate) if float(self.rate).is_integer() else self.rate
        return f"{rate} req/s (burst {self.burst})"


DEFAULT_LIMITS: dict[str, Limit] = {
    "token": Limit(10, 10),
    "shop_info": Limit(5, 5),
    "product_info": Limit(20, 20),
    "product_variant": Limit(20, 20),
    "product_active": Limit(50, 50),
    "stock_update": Limit(200, 200),
    "price_update": Limit(200, 200),
    "stock_increment": Limit(200, 200),
    "order_list": Limit(10, 10),
    "order_single": Limit(20, 20),
    "order_action": Limit(20, 20),
    "webhook": Limit(5, 5),
}
GROUPS: tuple[str, ...] = tuple(DEFAULT_LIMITS)


@dataclass
class TokenBucket(common.TokenBucket):
    """A bucket that takes several tokens at once (bulk calls) and shows itself in headers."""

    limit: Limit

    def take_up_to(self, wanted: int) -> int:
        """Take as many whole tokens as are available, at most ``wanted``; return how many."""
        self.refill()
        if self.limit.unlimited:
            return wanted
        granted = min(wanted, int(self.tokens))
        self.tokens -= granted
        return granted

    def reset_after(self) -> float:
        """Seconds until one more request is allowed (0 while some remain)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.limit.rate

    def headers(self) -> dict[str, str]:
        self.refill()
        reset = self.reset_after()
        full = (self.limit.burst - self.tokens) / self.limit.rate
        return {
            "X-Ratelimit-Limit": self.limit.describe(),
            "X-Ratelimit-Remaining": str(int(self.tokens)),
            # Tokopedia literally sends "-0.000000" while requests remain (fact sheet §3).
            "X-Ratelimit-Reset-After": "-0.000000" if reset == 0 else f"{reset:.6f}",
            "X-Ratelimit-Full-Reset-After": f"{max(full, 0.0):.6f}",
        }


def exhausted_headers(limit: Limit) -> dict[str, str]:
    """Headers of a bucket that is empty right now (the forced ``rate_limit_next`` fault)."""
    return {
        "X-Ratelimit-Limit": limit.describe(),
        "X-Ratelimit-Remaining": "0",
        "X-Ratelimit-Reset-After": f"{1 / limit.rate:.6f}",
        "X-Ratelimit-Full-Reset-After": f"{limit.burst / limit.rate:.6f}",
    }


def retry_after_seconds(headers: dict[str, str]) -> str:
    """A whole-second ``Retry-After`` derived from ``X-Ratelimit-Reset-After`` (at least 1)."""
    reset = max(float(headers["X-Ratelimit-Reset-After"]), 0.0)
    return str(max(1, math.ceil(reset)))


class RateLimiter:
    """All buckets of one sandbox; limits come from the defaults, the seed, the CLI and faults."""

    def __init__(self, base: dict[str, Limit]) -> None:
        self._lock = threading.Lock()
        self._base = dict(base)
        self._limits = dict(base)
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def limit(self, group: str) -> Limit:
        return self._limits[group]

    def set_limit(self, group: str, limit: Limit) -> None:
        """Change one group's limit; its buckets start over full."""
        with self._lock:
            self._limits[group] = limit
            self._buckets = {key: b for key, b in self._buckets.items() if key[1] != group}

    def restore(self) -> None:
        """Back to the configured limits with full buckets (reset, cleared faults)."""
        with self._lock:
            self._limits = dict(self._base)
            self._buckets.clear()

    def take_up_to(self, key: str, group: str, wanted: int) -> int:
        with self._lock:
            return self._bucket(key, group).take_up_to(wanted)

    def headers(self, key: str, group: str) -> dict[str, str]:
        with self._lock:
            return self._bucket(key, group).headers()

    def _bucket(self, key: str, group: str) -> TokenBucket:
        bucket = self._buckets.get((key, group))
        if bucket is None:
            bucket = self._buckets[(key, group)] = TokenBucket(self._limits[group])
        return bucket


def configured_limits(overrides: dict[str, Limit], *, unlimited: bool) -> dict[str, Limit]:
    """Defaults, then the seed's overrides; ``unlimited`` (the CLI flag) wins over both."""
    if unlimited:
        return {group: Limit.none() for group in GROUPS}
    return {**DEFAULT_LIMITS, **overrides}
