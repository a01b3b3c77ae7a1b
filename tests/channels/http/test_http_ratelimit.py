"""The rate budget on a fake clock: header parsing, learning, waiting, never over-sending."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from satustok.channels.http.errors import RateLimited
from satustok.channels.http.ratelimit import (
    SAFETY_MARGIN,
    Limit,
    RateBudget,
    RateHeaders,
    parse_limit,
)

if TYPE_CHECKING:
    from conftest import FakeClock

pytestmark = pytest.mark.dbless


def headers(
    limit: str = "5 req/s (burst 5)",
    remaining: int = 4,
    reset: str = "-0.000000",
    full: str = "0.200000",
) -> dict[str, str]:
    return {
        "X-Ratelimit-Limit": limit,
        "X-Ratelimit-Remaining": str(remaining),
        "X-Ratelimit-Reset-After": reset,
        "X-Ratelimit-Full-Reset-After": full,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 req/s (burst 5)", Limit(5.0, 5)),
        ("20 req/s (burst 40)", Limit(20.0, 40)),
        ("0.5 req/s (burst 1)", Limit(0.5, 1)),
        ("300 req/m (burst 10)", Limit(5.0, 10)),
        ("10 req/sec", Limit(10.0, 10)),
    ],
)
def test_limit_header_is_parsed_in_its_plausible_spellings(text: str, expected: Limit) -> None:
    assert parse_limit(text) == expected


@pytest.mark.parametrize("text", [None, "", "unlimited", "req/s", "0 req/s (burst 0)"])
def test_unreadable_limit_header_means_unknown(text: str | None) -> None:
    assert parse_limit(text) is None


def test_rate_headers_are_read_case_insensitively_and_negative_reset_means_none_needed() -> None:
    parsed = RateHeaders.parse({k.lower(): v for k, v in headers(remaining=3).items()})
    assert parsed.limit == Limit(5.0, 5)
    assert parsed.remaining == 3
    assert parsed.reset_after == 0.0  # "-0.000000"
    assert not parsed.exhausted
    assert parsed.wait_hint() == 0.2  # only the full-reset hint is positive


def test_wait_hint_prefers_the_precise_reset_after_over_whole_second_retry_after() -> None:
    parsed = RateHeaders.parse({**headers(remaining=0, reset="0.250000"), "Retry-After": "1"})
    assert parsed.exhausted
    assert parsed.wait_hint() == 0.25
    assert RateHeaders.parse({"Retry-After": "3"}).wait_hint() == 3.0
    assert RateHeaders.parse({}).wait_hint() is None


def test_unknown_budget_never_waits(clock: FakeClock) -> None:
    budget = RateBudget(clock=clock, sleep=clock.sleep)
    for _ in range(100):
        assert budget.acquire("product_info") == 0
    assert clock.sleeps == []
    assert budget.burst("product_info") is None


def test_learned_budget_spaces_calls_at_its_rate(clock: FakeClock) -> None:
    budget = RateBudget(clock=clock, sleep=clock.sleep)
    budget.acquire("shop_info")
    budget.observe("shop_info", headers(limit="2 req/s (burst 2)", remaining=1))
    budget.acquire("shop_info")  # the second unit of the burst: no wait
    assert clock.sleeps == []
    sent_at = []
    for _ in range(3):
        budget.acquire("shop_info")
        sent_at.append(clock())
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent_at)]
    assert gaps == pytest.approx([0.5, 0.5], abs=SAFETY_MARGIN)
    assert all(gap >= 0.5 for gap in gaps)


def test_remaining_only_ever_lowers_the_local_count(clock: FakeClock) -> None:
    budget = RateBudget(clock=clock, sleep=clock.sleep)
    budget.observe("order_list", headers(limit="10 req/s (burst 10)", remaining=0, reset="0.1"))
    assert budget.available("order_list") == 0
    budget.observe("order_list", headers(limit="10 req/s (burst 10)", remaining=9))
    assert budget.available("order_list") == 0  # another caller may hold what the channel counts
    clock.advance(0.3)
    assert budget.available("order_list") == pytest.approx(3)


def test_exhausted_response_blocks_until_reset_even_without_a_limit_header(
    clock: FakeClock,
) -> None:
    budget = RateBudget(clock=clock, sleep=clock.sleep)
    budget.observe("webhook", {"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset-After": "1.5"})
    waited = budget.acquire("webhook")
    assert waited == pytest.approx(1.5 + SAFETY_MARGIN)


def test_bulk_call_larger_than_the_burst_waits_for_a_full_bucket_and_leaves_debt(
    clock: FakeClock,
) -> None:
    budget = RateBudget(clock=clock, sleep=clock.sleep)
    budget.observe("stock_update", headers(limit="5 req/s (burst 5)", remaining=0, reset="0.2"))
    budget.acquire("stock_update", 8)  # needs the whole burst of 5: one second
    assert clock.slept == pytest.approx(1.0 + SAFETY_MARGIN)
    budget.acquire("stock_update", 1)  # 3 units of debt + 1 unit at 5/s
    assert clock.slept == pytest.approx(1.8 + SAFETY_MARGIN)


def test_groups_are_independent(clock: FakeClock) -> None:
    budget = RateBudget(clock=clock, sleep=clock.sleep)
    budget.observe("shop_info", headers(limit="1 req/s (burst 1)", remaining=0, reset="1.0"))
    assert budget.acquire("product_info") == 0
    assert budget.acquire("shop_info") > 0


def test_a_wait_beyond_max_wait_raises_rate_limited_without_spending(clock: FakeClock) -> None:
    budget = RateBudget(clock=clock, sleep=clock.sleep, max_wait=5)
    budget.observe("order_action", headers(limit="1 req/m (burst 1)", remaining=0, reset="60"))
    with pytest.raises(RateLimited) as raised:
        budget.acquire("order_action")
    assert raised.value.retry_after == pytest.approx(60 + SAFETY_MARGIN)
    assert raised.value.endpoint == "order_action"
    assert clock.sleeps == []
    clock.advance(60)
    assert budget.acquire("order_action") == 0  # the refused reservation was given back


def test_seeded_defaults_apply_before_any_response(clock: FakeClock) -> None:
    budget = RateBudget(defaults={"order_list": Limit(1.0, 1)}, clock=clock, sleep=clock.sleep)
    budget.acquire("order_list")
    budget.acquire("order_list")
    assert clock.slept == pytest.approx(1.0 + SAFETY_MARGIN)
    assert budget.burst("order_list") == 1


class ChannelBucket:
    """The channel's side: a token bucket that refuses (429) when empty, on the same clock."""

    def __init__(self, limit: Limit, clock: FakeClock) -> None:
        self.limit, self.clock = limit, clock
        self.tokens, self.updated = float(limit.burst), clock()

    def serve(self) -> tuple[bool, dict[str, str]]:
        now = self.clock()
        self.tokens = min(self.limit.burst, self.tokens + (now - self.updated) * self.limit.rate)
        self.updated = now
        allowed = self.tokens >= 1
        self.tokens -= 1 if allowed else 0
        reset = "-0.000000" if self.tokens >= 1 else f"{(1 - self.tokens) / self.limit.rate:.6f}"
        limit = f"{self.limit.rate:g} req/s (burst {self.limit.burst})"
        return allowed, headers(limit=limit, remaining=int(self.tokens), reset=reset)


@settings(max_examples=60, deadline=None)
@given(
    rate=st.sampled_from([0.5, 1.0, 2.0, 5.0, 20.0]),
    burst=st.integers(min_value=1, max_value=10),
    gaps=st.lists(st.floats(min_value=0, max_value=1.5), min_size=5, max_size=60),
    latency=st.floats(min_value=0.0001, max_value=0.05),
)
def test_once_learned_the_budget_never_sends_what_the_channel_would_refuse(
    new_clock: type[FakeClock], rate: float, burst: int, gaps: list[float], latency: float
) -> None:
    clock = new_clock()
    channel = ChannelBucket(Limit(rate, burst), clock)
    budget = RateBudget(clock=clock, sleep=clock.sleep)
    refused_after_learning = 0
    for index, gap in enumerate(gaps):
        clock.advance(gap)  # the caller's own work between calls
        budget.acquire("group")
        clock.advance(latency)  # the request travels
        allowed, answer = channel.serve()
        clock.advance(latency)  # the response travels
        budget.observe("group", answer)
        refused_after_learning += index > 0 and not allowed
    assert refused_after_learning == 0
