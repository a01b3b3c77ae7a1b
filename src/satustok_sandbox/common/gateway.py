"""The last checks of a per-API gateway (Shopee's and TikTok Shop's), just before the handler:
the caller's rate limit, then an injected fault.

The order and the mechanics are shared: a throttled call answers with ``Retry-After`` (whole
seconds until a token), a forced error answers as given, a hanging call sleeps for the fault's
``timeout_seconds`` before timing out, a counted rate-limit fault answers ``Retry-After: 1``,
anything else is a server error. What each of those answers — the error, its code and message —
is the marketplace's, given as :class:`InjectedErrors`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from satustok_sandbox.common.faults import AF, ApiFaultBox, Forced
from satustok_sandbox.common.ratelimit import retry_after

Key = TypeVar("Key", contravariant=True)


class Throttle(Protocol[Key]):
    """A rate limiter: 0 when the call may go ahead, else the seconds to wait."""

    def take(self, key: Key) -> float: ...


@dataclass(frozen=True)
class InjectedErrors(Generic[AF, Forced]):
    """A marketplace's errors for throttling and injected faults."""

    throttled: Callable[[str], Exception]  # given the Retry-After value
    forced: Callable[[Forced], Exception]
    timed_out: Callable[[], Exception]
    server_error: Callable[[AF], Exception]  # given the current faults (status, error)


async def throttle_and_faults(
    limiter: Throttle[Key],
    key: Key,
    faults: ApiFaultBox[AF, Forced],
    api: str,
    errors: InjectedErrors[AF, Forced],
) -> None:
    """Raise the marketplace's error when the caller (``key``) is over its rate limit or a fault
    is injected into this call of ``api``; return when the call may go ahead."""
    wait = limiter.take(key)
    if wait:
        raise errors.throttled(retry_after(wait))
    outcome = faults.outcome(api)
    if outcome is None:
        return
    kind, forced = outcome
    if kind == "forced" and forced is not None:
        raise errors.forced(forced)
    if kind == "hang":
        await asyncio.sleep(faults.faults.timeout_seconds)
        raise errors.timed_out()
    if kind == "rate_limit":
        raise errors.throttled("1")
    raise errors.server_error(faults.faults)
