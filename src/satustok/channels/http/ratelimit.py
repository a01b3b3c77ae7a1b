"""Per-endpoint rate budgets, learned from the channel's ``X-Ratelimit-*`` headers.

Rate limiting is kept apart from retrying (STYLE.md 8): before every call the client
*acquires* units from the budget of the call's endpoint group (one unit per item for bulk
calls, as Tokopedia counts them), and after every response it lets the budget *observe* the
rate headers. A 429 is then the exception, not the way the limit is discovered.

A budget starts unknown (no local limit): the first response teaches it. From then on the
local bucket is at least as strict as the channel's:

- the local bucket refills from the moment the response *arrived*, later than the moment the
  channel counted the request, so it never runs ahead of the channel's refill;
- ``Remaining`` only ever lowers the local count (``min``), so units reserved by other threads
  sharing the budget are not forgotten;
- ``Reset-After`` with nothing remaining forbids sending before that time.

Units are *reserved* under a lock and the wait happens outside it, so threads sharing one
budget (clients of many shops under one app) queue fairly. A request larger than the burst
waits for a full bucket and leaves it in debt; callers should chunk bulk calls to
:meth:`RateBudget.burst` instead.

Clock and sleep are injected so tests run on a fake clock.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from satustok.channels.http.errors import RateLimited

Clock = Callable[[], float]
Sleep = Callable[[float], None]

# Added to every computed wait: the channel's bucket and ours refill on different floats, and a
# wake-up a hair early would meet a bucket at 0.9999 of a unit.
SAFETY_MARGIN = 0.002

# "5 req/s (burst 5)"; also tolerate "300 req/m", "5 req/sec", a missing burst.
_LIMIT = re.compile(
    r"(?P<count>\d+(?:\.\d+)?)\s*req(?:uests?)?\s*/\s*(?P<unit>s|sec|second|m|min|minute|h|hour)\b"
    r"(?:.*?burst\s*(?P<burst>\d+))?",
    re.IGNORECASE,
)
_UNIT_SECONDS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60}
_UNIT_SECONDS |= {"h": 3600, "hour": 3600}


@dataclass(frozen=True)
class Limit:
    """A token-bucket limit: ``rate`` units per second, at most ``burst`` at once."""

    rate: float
    burst: int

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError(f"a limit needs a positive rate and burst, got {self}")


def parse_limit(value: str | None) -> Limit | None:
    """``"5 req/s (burst 5)"`` → ``Limit(5.0, 5)``; None when the header is absent or odd."""
    match = _LIMIT.search(value or "")
    if not match:
        return None
    rate = float(match["count"]) / _UNIT_SECONDS[match["unit"].lower()]
    burst = int(match["burst"]) if match["burst"] else max(1, int(float(match["count"])))
    return Limit(rate, burst) if rate > 0 else None


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RateHeaders:
    """The rate-limit headers of one response, parsed; any of them may be missing."""

    limit: Limit | None = None
    remaining: int | None = None
    reset_after: float | None = None  # seconds to regain one unit; negative while units remain
    full_reset_after: float | None = None  # seconds to regain the whole burst
    retry_after: float | None = None  # the generic HTTP hint, if the channel sends it

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> RateHeaders:
        """Read ``X-Ratelimit-*`` and ``Retry-After`` (header names are case-insensitive)."""
        lowered = {name.lower(): value for name, value in headers.items()}
        remaining = _number(lowered.get("x-ratelimit-remaining"))
        return cls(
            limit=parse_limit(lowered.get("x-ratelimit-limit")),
            remaining=int(remaining) if remaining is not None else None,
            reset_after=_number(lowered.get("x-ratelimit-reset-after")),
            full_reset_after=_number(lowered.get("x-ratelimit-full-reset-after")),
            retry_after=_number(lowered.get("retry-after")),
        )

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def wait_hint(self) -> float | None:
        """Seconds the channel asks us to wait before the next request, or None if it did not.

        ``X-Ratelimit-Reset-After`` (time to regain one unit, to the microsecond) wins over
        ``Retry-After`` (whole seconds, so up to a second too long, and not documented by
        Tokopedia); the time to a full bucket (what NDA's PHP client sleeps) is the last resort:
        it over-waits but is safe.
        """
        for hint in (self.reset_after, self.retry_after, self.full_reset_after):
            if hint is not None and hint > 0:
                return hint
        return None


class TokenBucket:
    """One endpoint group's bucket. Not thread-safe on its own: :class:`RateBudget` locks it."""

    def __init__(self, limit: Limit | None, now: float) -> None:
        self.limit = limit
        self.tokens = float(limit.burst) if limit else 0.0
        self.updated = now
        self.not_before = now  # set by Reset-After when the channel says we are out

    def refill(self, now: float) -> None:
        if self.limit is not None and now > self.updated:
            gained = (now - self.updated) * self.limit.rate
            self.tokens = min(float(self.limit.burst), self.tokens + gained)
        self.updated = max(self.updated, now)

    def reserve(self, units: int, now: float) -> float:
        """Take ``units`` now and return how long the caller must wait before sending."""
        self.refill(now)
        blocked = max(0.0, self.not_before - now)
        if self.limit is None:
            return blocked + SAFETY_MARGIN if blocked > 0 else 0.0
        needed = min(float(units), float(self.limit.burst))
        shortfall = max(0.0, needed - self.tokens)
        self.tokens -= units
        wait = max(blocked, shortfall / self.limit.rate)
        return wait + SAFETY_MARGIN if wait > 0 else 0.0

    def learn(self, headers: RateHeaders, now: float) -> None:
        """Adopt the channel's limit and count, never loosening what is already reserved."""
        self.refill(now)
        if headers.limit is not None and headers.limit != self.limit:
            burst = float(headers.limit.burst)
            self.tokens = burst if self.limit is None else min(self.tokens, burst)
            self.limit = headers.limit
        if headers.remaining is not None:
            self.tokens = min(self.tokens, float(headers.remaining))
        if headers.exhausted and (wait := headers.wait_hint()) is not None:
            self.not_before = max(self.not_before, now + wait)


class RateBudget:
    """Token buckets keyed by endpoint group, shared safely between threads.

    ``defaults`` seeds groups whose limit is known before any response (e.g. from a previous
    run); ``max_wait`` bounds a single acquisition: a budget that would make the caller wait
    longer raises :class:`RateLimited` so a queued job can be rescheduled instead of blocking.
    """

    def __init__(
        self,
        *,
        defaults: Mapping[str, Limit] | None = None,
        max_wait: float = 120.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._max_wait = max_wait
        self._lock = threading.Lock()
        self._defaults = dict(defaults or {})
        self._buckets: dict[str, TokenBucket] = {}

    def acquire(self, group: str, units: int = 1) -> float:
        """Block until ``units`` may be sent to ``group``; return the seconds waited."""
        with self._lock:
            bucket = self._bucket(group)
            now = self._clock()
            wait = bucket.reserve(units, now)
            if wait > self._max_wait:
                bucket.tokens += units  # give the reservation back: we are not sending
                raise RateLimited(
                    f"rate budget of {group} needs {wait:.1f}s, more than {self._max_wait:.0f}s",
                    endpoint=group,
                    retry_after=wait,
                )
        if wait > 0:
            self._sleep(wait)
        return wait

    def observe(self, group: str, headers: Mapping[str, str] | RateHeaders) -> None:
        """Learn from a response's rate headers (a 429's included)."""
        parsed = headers if isinstance(headers, RateHeaders) else RateHeaders.parse(headers)
        with self._lock:
            self._bucket(group).learn(parsed, self._clock())

    def limit(self, group: str) -> Limit | None:
        """The limit learned (or seeded) for ``group``; None while unknown."""
        with self._lock:
            return self._bucket(group).limit

    def burst(self, group: str) -> int | None:
        """Largest number of units one call to ``group`` may carry; None while unknown."""
        learned = self.limit(group)
        return learned.burst if learned else None

    def available(self, group: str) -> float:
        """Units that could be sent now without waiting (inf while the limit is unknown)."""
        with self._lock:
            bucket = self._bucket(group)
            bucket.refill(self._clock())
            return bucket.tokens if bucket.limit else float("inf")

    def _bucket(self, group: str) -> TokenBucket:
        if group not in self._buckets:
            self._buckets[group] = TokenBucket(self._defaults.get(group), self._clock())
        return self._buckets[group]
