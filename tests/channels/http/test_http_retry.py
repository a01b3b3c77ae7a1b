"""The retry loop: backoff bounds and jitter, hints, attempt and time limits, idempotency."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import pytest

from satustok.channels.http.errors import (
    ChannelError,
    NotFound,
    RateLimited,
    ServerError,
    Timeout,
    TransportError,
)
from satustok.channels.http.retry import (
    RetryPolicy,
    backoff_ceiling,
    backoff_delay,
    call_with_retries,
    is_retryable,
)

if TYPE_CHECKING:
    from conftest import FakeClock

pytestmark = pytest.mark.dbless


class Flaky:
    """Raises the given errors in turn, then returns "done"."""

    def __init__(self, *errors: ChannelError) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def run(
    flaky: Flaky, clock: FakeClock, *, idempotent: bool = True, policy: RetryPolicy | None = None
) -> str:
    return call_with_retries(
        flaky,
        policy=policy or RetryPolicy(),
        idempotent=idempotent,
        rng=random.Random(7),
        clock=clock,
        sleep=clock.sleep,
    )


def test_backoff_ceiling_doubles_from_the_base_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    assert [backoff_ceiling(policy, n) for n in range(1, 7)] == [0.5, 1, 2, 4, 4, 4]
    assert backoff_ceiling(policy, 10_000) == 4.0  # no overflow


def test_full_jitter_draws_across_the_whole_range_below_the_ceiling() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    rng = random.Random(1)
    draws = [backoff_delay(policy, 3, rng) for _ in range(2000)]
    assert all(0 <= draw <= 4.0 for draw in draws)
    assert min(draws) < 0.1 and max(draws) > 3.9  # full jitter, not "ceiling ± a little"
    assert len(set(draws)) > 1900


def test_a_hint_is_a_floor_and_may_exceed_the_cap() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=1.0)
    rng = random.Random(3)
    assert all(backoff_delay(policy, 1, rng, hint=0.3) >= 0.3 for _ in range(200))
    assert backoff_delay(policy, 1, rng, hint=12.0) == 12.0


def test_retryable_errors_are_retried_until_success(clock: FakeClock) -> None:
    flaky = Flaky(ServerError("boom"), Timeout("slow"), RateLimited("later"))
    assert run(flaky, clock) == "done"
    assert flaky.calls == 4
    assert len(clock.sleeps) == 3


def test_the_channels_hint_sets_the_wait(clock: FakeClock) -> None:
    flaky = Flaky(RateLimited("later", retry_after=2.5))
    run(flaky, clock)
    assert clock.sleeps[0] >= 2.5
    assert clock.sleeps[0] <= 2.5 + RetryPolicy().base_delay  # floor, not a long jittered wait


def test_attempts_are_bounded_and_the_last_error_is_raised(clock: FakeClock) -> None:
    errors = [ServerError(f"failure {n}") for n in range(1, 10)]
    flaky = Flaky(*errors)
    with pytest.raises(ServerError, match="failure 3"):
        run(flaky, clock, policy=RetryPolicy(max_attempts=3))
    assert flaky.calls == 3
    assert len(clock.sleeps) == 2


def test_total_time_is_bounded(clock: FakeClock) -> None:
    flaky = Flaky(*[RateLimited("later", retry_after=4.0) for _ in range(9)])
    with pytest.raises(RateLimited):
        run(flaky, clock, policy=RetryPolicy(max_attempts=9, max_elapsed=10.0))
    assert flaky.calls == 3  # waits of 4 s: a third would end past 10 s
    assert clock.slept <= 10.0


def test_fatal_errors_are_never_retried(clock: FakeClock) -> None:
    flaky = Flaky(NotFound("no such order"))
    with pytest.raises(NotFound):
        run(flaky, clock)
    assert flaky.calls == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    "error", [ServerError("500"), Timeout("read timeout"), TransportError("reset")]
)
def test_ambiguous_failures_of_non_idempotent_calls_are_not_retried(
    clock: FakeClock, error: ChannelError
) -> None:
    flaky = Flaky(error)
    with pytest.raises(type(error)):
        run(flaky, clock, idempotent=False)
    assert flaky.calls == 1


@pytest.mark.parametrize(
    "error",
    [
        RateLimited("429"),
        Timeout("connect", ambiguous=False),
        TransportError("refused", ambiguous=False),
    ],
)
def test_unambiguous_failures_are_retried_even_for_non_idempotent_calls(
    clock: FakeClock, error: ChannelError
) -> None:
    flaky = Flaky(error)
    assert run(flaky, clock, idempotent=False) == "done"
    assert flaky.calls == 2


def test_is_retryable_reads_the_error_tree() -> None:
    assert is_retryable(ServerError("x"), idempotent=True)
    assert not is_retryable(ServerError("x"), idempotent=False)
    assert is_retryable(RateLimited("x"), idempotent=False)
    assert not is_retryable(NotFound("x"), idempotent=True)


def test_on_retry_is_told_about_every_retry(clock: FakeClock) -> None:
    seen: list[tuple[str, int]] = []
    call_with_retries(
        Flaky(ServerError("a"), ServerError("b")),
        policy=RetryPolicy(),
        idempotent=True,
        clock=clock,
        sleep=clock.sleep,
        on_retry=lambda error, number, _delay: seen.append((error.message, number)),
    )
    assert seen == [("a", 1), ("b", 2)]


def test_invalid_policies_are_refused() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
