"""Token buckets keyed by anything hashable: a rate limit per app, per app × shop, …

Each bucket refills on the real monotonic clock, so moving a sandbox clock never hands out free
quota. Limits are set per *owner* (the part of a key a test names, e.g. an app key) or for every
owner at once; ``restore`` goes back to the limits the sandbox started with. Shopee's buckets are
per partner app (the key is its own owner), TikTok Shop's per app × shop (owned by the app).
Tokopedia keeps its own limiter (buckets per app × endpoint group, one token per bulk item, the
``X-Ratelimit-*`` headers), built on this module's :class:`RateLimit` and :class:`TokenBucket`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, Self, TypeVar

from satustok_sandbox.common.seed import RateLimitEntry

Key = TypeVar("Key", bound=Hashable)
Owner = TypeVar("Owner", bound=Hashable)


@dataclass(frozen=True)
class RateLimit:
    """Steady ``rate`` (tokens per second) and ``burst`` (bucket size); or no limit at all."""

    rate: float
    burst: int
    unlimited: bool = False

    @classmethod
    def none(cls) -> Self:
        """No limit (a bucket so large it never runs dry, and never refuses)."""
        return cls(UNLIMITED_RATE, UNLIMITED_RATE, unlimited=True)

    @classmethod
    def of(cls, entry: RateLimitEntry) -> Self:
        """A seed's or a ``POST faults`` rate-limit entry as a limit (the entry's validation
        already made sure ``rate`` and ``burst`` are given unless it is unlimited)."""
        return cls.none() if entry.unlimited else cls(entry.rate or 1, entry.burst or 1)

    def view(self) -> dict[str, object]:
        return {"rate": self.rate, "burst": self.burst, "unlimited": self.unlimited}


UNLIMITED_RATE = 1_000_000
UNLIMITED = RateLimit.none()


def seeded_limits(
    entries: Iterable[tuple[Owner, RateLimitEntry | None]], *, unlimited: bool
) -> dict[Owner, RateLimit]:
    """The per-owner limits a seed sets; none under ``--unlimited`` (then the default, unlimited
    as well, covers every owner)."""
    if unlimited:
        return {}
    return {owner: RateLimit.of(entry) for owner, entry in entries if entry is not None}


@dataclass
class TokenBucket:
    """A classic token bucket; ``tokens`` is fractional between refills."""

    limit: RateLimit
    tokens: float = field(init=False)
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = float(self.limit.burst)

    def refill(self) -> None:
        """Add what the rate has earned since the last look, up to the burst."""
        now = time.monotonic()
        gained = (now - self.updated) * self.limit.rate
        self.tokens = min(float(self.limit.burst), self.tokens + gained)
        self.updated = now

    def take(self) -> float:
        """0 when a token was taken; otherwise the seconds until one is available."""
        self.refill()
        if self.limit.unlimited:
            return 0.0
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.limit.rate


class KeyedRateLimiter(Generic[Key, Owner]):
    """One bucket per key; ``owner_of(key)`` says whose limit a key's bucket follows."""

    def __init__(
        self,
        base: Mapping[Owner, RateLimit],
        default: RateLimit,
        owner_of: Callable[[Key], Owner],
    ) -> None:
        self._lock = threading.Lock()
        self._owner_of = owner_of
        self._base, self._base_default = dict(base), default
        self._limits, self._default = dict(base), default
        self._buckets: dict[Key, TokenBucket] = {}

    def limit(self, owner: Owner) -> RateLimit:
        return self._limits.get(owner, self._default)

    def set_limit(self, owner: Owner | None, limit: RateLimit) -> None:
        """One owner's limit, or (``None``) every owner's; the buckets concerned start full."""
        with self._lock:
            if owner is None:
                self._default, self._limits = limit, {}
                self._buckets.clear()
                return
            self._limits[owner] = limit
            for key in [k for k in self._buckets if self._owner_of(k) == owner]:
                del self._buckets[key]

    def set_limits(
        self, entries: Mapping[str, RateLimitEntry], owner_named: Callable[[str], Owner]
    ) -> None:
        """The limits of ``POST faults {"rate_limits": …}``: per owner as a test names it
        (``owner_named`` reads the name), or ``*`` for every owner."""
        for name, entry in entries.items():
            self.set_limit(None if name == "*" else owner_named(name), RateLimit.of(entry))

    def restore(self) -> None:
        with self._lock:
            self._limits, self._default = dict(self._base), self._base_default
            self._buckets.clear()

    def take(self, key: Key) -> float:
        """0 when the call may go ahead; otherwise the seconds to wait."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(self.limit(self._owner_of(key)))
            return bucket.take()


def retry_after(seconds: float) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
