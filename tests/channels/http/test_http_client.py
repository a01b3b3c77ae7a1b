"""The kit's client plumbing and the small helpers every client shares: pool ownership, the
budget around one exchange, secrets kept out of excerpts, arguments refused before sending,
payloads validated, and the rule-table vocabulary."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import httpx
import pydantic
import pytest

from satustok.channels.http.client import ChannelClient
from satustok.channels.http.errors import (
    Action,
    MalformedPayload,
    Rule,
    ServerError,
    ValidationError,
    explained,
    first_rule,
    hints_of,
    require,
    with_hints,
)
from satustok.channels.http.pagination import aware, chunks, unix_seconds
from satustok.channels.http.payloads import json_object, validated
from satustok.channels.http.ratelimit import Limit, RateBudget
from satustok.channels.http.redaction import SEEN_SECRETS, SecretMemory

if TYPE_CHECKING:
    from conftest import FakeClock

pytestmark = pytest.mark.dbless


def echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"X-Ratelimit-Limit": "2 req/s (burst 1)"})


def test_a_client_closes_its_own_pool_but_not_an_injected_one(clock: FakeClock) -> None:
    with ChannelClient("agent", clock=clock, transport=httpx.MockTransport(echo)) as own:
        pool = own._http
    assert pool.is_closed
    injected = httpx.Client(transport=httpx.MockTransport(echo))
    with ChannelClient("agent", clock=clock, http_client=injected):
        pass
    assert not injected.is_closed
    injected.close()


def test_one_exchange_waits_for_the_budget_then_learns_from_the_answer(clock: FakeClock) -> None:
    budget = RateBudget(defaults={"g": Limit(rate=1, burst=1)}, clock=clock, sleep=clock.sleep)
    client = ChannelClient("agent", clock=clock, budget=budget, sleep=clock.sleep)
    stamps: list[float] = []

    def send(now: float) -> httpx.Response:
        stamps.append(now)
        return echo(httpx.Request("GET", "https://example.test"))

    client._paced("g", send)
    _, sent_at = client._paced("g", send)
    assert budget.limit("g") == Limit(rate=2, burst=1)  # learned from the first answer
    assert clock.slept == pytest.approx(0.5, abs=0.01)  # so the second waited half a second
    assert stamps[1] == sent_at == clock.now  # the clock is read after the wait


def test_retries_run_on_the_client_s_policy_and_clock(clock: FakeClock) -> None:
    client = ChannelClient("agent", clock=clock, sleep=clock.sleep)
    attempts: list[int] = []

    def attempt() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise ServerError("busy")
        return "done"

    assert client._with_retries(attempt, idempotent=True) == "done"
    assert len(clock.sleeps) == 2


SIGNED = re.compile(r'("(?:sign)"\s*:\s*")[^"]*(")|(\b(?:sign)=)[^&\s"]+')


def test_secrets_are_masked_in_messages_and_excerpts() -> None:
    memory = SecretMemory(["app-secret-value"], SIGNED)
    memory.remember("token-one")
    access, refresh = memory.reveal(pydantic.SecretStr("access-2"), pydantic.SecretStr("refr-2"))
    assert (access, refresh) == ("access-2", "refr-2")
    body = b'{"sign": "abc", "echo": "app-secret-value token-one access-2 refr-2"} ?sign=xyz&a=1'
    shown = memory.excerpt(body)
    for secret in ("abc", "xyz", "app-secret-value", "token-one", "access-2", "refr-2"):
        assert secret not in shown
    assert "a=1" in shown
    assert "token-one" not in memory.redact("refused token-one")


def test_only_the_last_tokens_are_remembered() -> None:
    memory = SecretMemory([], SIGNED)
    for number in range(SEEN_SECRETS + 2):
        memory.remember(f"token-{number:02}")
    memory.remember("")
    assert memory.values() == [f"token-{n:02}" for n in range(2, SEEN_SECRETS + 2)]


def test_arguments_are_refused_before_sending() -> None:
    require(True, "fine")
    with pytest.raises(ValidationError, match=r"page_size must be 1\.\.100"):
        require(False, "page_size must be 1..100")
    with pytest.raises(ValidationError, match="timezone-aware"):
        aware(datetime(2025, 1, 1))


def test_time_bounds_and_batches() -> None:
    plus_seven = timezone(timedelta(hours=7))
    assert unix_seconds(datetime(1970, 1, 1, 7, 0, 1, tzinfo=plus_seven)) == 1
    assert unix_seconds(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert list(chunks([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(chunks([], 2)) == []


class Shop(pydantic.BaseModel):
    shop_id: int


def test_payloads_are_validated_or_named_as_malformed() -> None:
    assert validated(Shop, {"shop_id": "7"}, MalformedPayload) == Shop(shop_id=7)
    with pytest.raises(MalformedPayload, match="shop_id: Input should be a valid integer"):
        validated(Shop, {"shop_id": "x"}, MalformedPayload)
    assert json_object(b'{"a": 1}') == {"a": 1}
    assert json_object(b"[1]") is None
    assert json_object(b"<html>") is None


RULES = {
    "E1~clock": Rule(ValidationError, Action.FAIL, "clock"),
    "E1~token": Rule(ValidationError, Action.FAIL, "token"),
    "E1": Rule(ValidationError, Action.FAIL, "plain"),
    "5xx": Rule(ServerError, Action.RETRY, "server"),
}


def test_the_rule_table_vocabulary() -> None:
    hints = hints_of(RULES)
    assert hints == {"E1": ["clock", "token"]}
    assert with_hints("E1", "Your CLOCK is off", hints) == ["E1~clock", "E1"]
    assert first_rule(RULES, with_hints("E1", "bad token", hints)).explanation == "token"
    assert first_rule(RULES, ["nothing"]).explanation == "server"
    assert explained("  said ", "meaning") == "said (meaning)"
    assert explained("", "meaning") == "meaning"
    assert explained("said", "") == "said"
