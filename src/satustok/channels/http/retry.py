"""Retrying, in one function: capped exponential backoff with full jitter, honouring hints.

:func:`call_with_retries` repeats a zero-argument ``attempt`` while it raises a
:class:`~satustok.channels.http.errors.RetryableError`, within a bounded number of attempts
and a bounded total time (stripe ``_http_client.py``). It knows nothing of HTTP: the client
turns responses into errors through its channel's table, and the error class says whether
a retry can help.

Two rules decide *whether* to retry:

1. Only retryable errors (429, 5xx, timeouts and transport failures) are retried.
2. An *ambiguous* failure — the request may have been applied although no success came
   back (a 5xx, a read timeout) — is retried only if the call is idempotent. Sending a
   stock *set* twice is harmless; sending an *increment* twice without a ``request_id``
   adds the stock twice; accepting, rejecting or confirming an order twice is refused by
   the channel's state machine with a misleading "not eligible", so after a timeout the
   caller must *read* the order to learn what happened instead of repeating the action.
   A 429 or a refused connection is never ambiguous: nothing was done, so any call may
   be repeated.

And *how long* to wait: the channel's hint (``Retry-After``, ``X-Ratelimit-Reset-After``,
``X-Ratelimit-Full-Reset-After``) is a floor; otherwise "full jitter" — a uniform draw in
``[0, min(max_delay, base_delay * 2**(attempt-1))]`` — spreads the workers of many shops
apart (AWS architecture blog, "Exponential Backoff and Jitter"). A wait that would cross
``max_elapsed`` ends the retries and re-raises, so a queued job can be rescheduled using
the error's ``retry_after`` instead of holding a worker.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from satustok.channels.http.errors import ChannelError, RetryableError

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], None]
OnRetry = Callable[[ChannelError, int, float], None]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of the retry loop. The defaults suit a background sync job."""

    max_attempts: int = 5  # first try included
    base_delay: float = 0.5  # seconds; the cap of the first backoff draw
    max_delay: float = 30.0  # cap of any jittered backoff
    max_elapsed: float = 120.0  # no retry starts after this many seconds in total

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError(f"invalid retry policy {self}")


NO_RETRY = RetryPolicy(max_attempts=1)
# A seller waiting on a page gets an answer within seconds; background jobs keep the patient
# default (they converge later anyway).
INTERACTIVE_RETRIES = RetryPolicy(max_attempts=2, base_delay=0.5, max_delay=2.0, max_elapsed=5.0)
# Renewing a token runs while the integration's row (on SQLite: the database) is locked, so it
# must answer fast; the renewal itself is never repeated once it may have arrived (the client
# knows it is not idempotent), only a connection that never got through is tried again.
RENEWAL_RETRIES = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=2.0, max_elapsed=6.0)


def backoff_ceiling(policy: RetryPolicy, attempt: int) -> float:
    """Upper bound of the jittered wait after failed attempt number ``attempt`` (1-based)."""
    exponent = min(attempt - 1, 62)  # keep 2**n finite for absurd attempt counts
    return min(policy.max_delay, policy.base_delay * 2.0**exponent)


def backoff_delay(
    policy: RetryPolicy, attempt: int, rng: random.Random, hint: float | None = None
) -> float:
    """Seconds to wait after failed attempt ``attempt``: full jitter, never below the hint."""
    jittered = rng.uniform(0.0, backoff_ceiling(policy, attempt))
    return max(hint, jittered) if hint is not None and hint > 0 else jittered


def is_retryable(error: ChannelError, *, idempotent: bool) -> bool:
    """Whether repeating the request can help and cannot do harm."""
    return isinstance(error, RetryableError) and (idempotent or not error.ambiguous)


def call_with_retries(
    attempt: Callable[[], T],
    *,
    policy: RetryPolicy,
    idempotent: bool,
    rng: random.Random | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    on_retry: OnRetry | None = None,
) -> T:
    """Return ``attempt()``, repeating it on retryable errors within ``policy``'s bounds."""
    rng = rng or random.Random()
    started = clock()
    number = 1
    while True:
        try:
            return attempt()
        except RetryableError as error:
            delay = _delay_before_next(error, number, policy, rng, clock() - started, idempotent)
            if delay is None:
                raise
            _report_retry(error, number, delay, on_retry)
            sleep(delay)
            number += 1


def _delay_before_next(
    error: RetryableError,
    number: int,
    policy: RetryPolicy,
    rng: random.Random,
    elapsed: float,
    idempotent: bool,
) -> float | None:
    """The wait before attempt ``number + 1``, or None when retrying must stop."""
    if number >= policy.max_attempts or not is_retryable(error, idempotent=idempotent):
        return None
    delay = backoff_delay(policy, number, rng, error.retry_after)
    return delay if elapsed + delay <= policy.max_elapsed else None


def _report_retry(error: ChannelError, number: int, delay: float, on_retry: OnRetry | None) -> None:
    logger.info("retrying after %s (attempt %d failed); waiting %.2fs", error, number, delay)
    if on_retry is not None:
        on_retry(error, number, delay)
