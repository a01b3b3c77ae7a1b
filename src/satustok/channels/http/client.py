"""What every channel client holds besides its own wire format: the connection pool, the rate
budget, the retry policy, and the clock, sleep and random source that pace them.

A channel's client subclasses :class:`ChannelClient` and keeps what is its own — base URLs,
signing or tokens, its error table, its payloads. The plumbing is injected the same way into
every client (``budget=`` shared by the clients of one app, ``http_client=`` shared by one
integration's session, ``transport=``, ``clock=`` and ``sleep=`` for tests), so a caller or a
test that knows one client knows them all.

Construction does no I/O. An injected ``http_client`` belongs to whoever injected it and is not
closed by :meth:`ChannelClient.close`; a pool the client built itself is.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Self, TypedDict, TypeVar

import httpx

from satustok.channels.http.ratelimit import RateBudget
from satustok.channels.http.retry import RetryPolicy, call_with_retries
from satustok.channels.http.transport import DEFAULT_TIMEOUT, connection_pool

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], None]


class ClientOptions(TypedDict, total=False):
    """The plumbing any channel client takes by keyword (``**options: Unpack[ClientOptions]``),
    so each client's signature names only what is its own. ``clock`` is not here: whether it
    is wall-clock time (it stamps signatures) or monotonic is the channel's choice."""

    retry_policy: RetryPolicy | None
    timeout: float | httpx.Timeout
    transport: httpx.BaseTransport | None
    http_client: httpx.Client | None
    budget: RateBudget | None
    sleep: Sleep
    rng: random.Random | None


class ChannelClient:
    """The base of a channel's client: pool, budget, retries, clock; a context manager."""

    def __init__(
        self,
        user_agent: str,
        *,
        clock: Clock,
        retry_policy: RetryPolicy | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        budget: RateBudget | None = None,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.retry_policy = retry_policy or RetryPolicy()
        self._clock, self._sleep = clock, sleep
        self._rng = rng or random.Random()
        # The budget paces on the client's clock, so a test's fake clock drives both.
        self.budget = budget or RateBudget(clock=clock, sleep=sleep)
        self._owns_http = http_client is None
        self._http = http_client or connection_pool(
            user_agent, timeout=timeout, transport=transport
        )

    def close(self) -> None:
        """Close the pool if this client built it (an injected one is its owner's to close)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _with_retries(self, attempt: Callable[[], T], *, idempotent: bool) -> T:
        """``attempt()`` under the client's retry policy, on the client's clock and sleep."""
        return call_with_retries(
            attempt,
            policy=self.retry_policy,
            idempotent=idempotent,
            rng=self._rng,
            clock=self._clock,
            sleep=self._sleep,
        )

    def _paced(
        self, group: str, send: Callable[[float], httpx.Response]
    ) -> tuple[httpx.Response, float]:
        """One exchange within the budget of ``group``: wait for a unit, read the clock, send,
        and learn from the answer's rate headers. ``send`` gets the clock read after the wait
        (a signature stamped before it could be stale by the time it leaves); it is returned
        with the response, for dating what the answer issued."""
        self.budget.acquire(group)
        sent_at = self._clock()
        response = send(sent_at)
        self.budget.observe(group, response.headers)
        return response, sent_at
