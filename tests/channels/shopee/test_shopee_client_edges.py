"""Edge cases the sandbox does not produce, on ``httpx.MockTransport``: the exact signed query,
re-signing on retry, single-use tokens never repeated after an ambiguous failure, odd bodies and
statuses, secrets kept out of errors and reprs, and chunking. Everything else is tested over
loopback HTTP against the sandbox."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from satustok.channels.http.errors import (
    MalformedPayload,
    NotFound,
    RateLimited,
    ServerError,
    Timeout,
    TokenExpired,
    TransportError,
    ValidationError,
)
from satustok.channels.http.retry import RetryPolicy
from satustok.channels.shopee.client import PartnerApp, ShopeeClient, ShopTokens
from satustok.channels.shopee.errors import ClockSkew, ReauthorizationRequired, ShopBanned
from satustok.channels.shopee.signing import sign_public, sign_shop

if TYPE_CHECKING:
    from conftest import FakeClock

pytestmark = pytest.mark.dbless

KEY = "partner-key-never-shown-0123456789"
APP = PartnerApp(partner_id=2001887, partner_key=KEY)
SHOP = 7700001
ACCESS = "access-token-never-shown-abcdef"
REFRESH = "refresh-token-never-shown-abcdef"
START = 1_714_550_400.0  # 2024-05-01 08:00 UTC
Handler = Callable[[httpx.Request], httpx.Response]


def ok(response: object = None, **top: Any) -> httpx.Response:
    body: dict[str, Any] = {"request_id": "rq-1", "error": "", "message": "", **top}
    if response is not None:
        body["response"] = response
    return httpx.Response(200, json=body)


def failed(code: str, message: str = "", status: int = 200, **extra: Any) -> httpx.Response:
    body = {"request_id": "rq-err", "error": code, "message": message, **extra}
    return httpx.Response(status, json=body)


def tokens_answer(access: str = "new-access-token-xyz", refresh: str = "new-refresh-token-xyz"):
    return ok(access_token=access, refresh_token=refresh, expire_in=14400, shop_id=SHOP)


class FakeShopee:
    """Answers every request with ``handler``, recording the requests."""

    def __init__(self, handler: Handler | list[httpx.Response]) -> None:
        if isinstance(handler, list):
            answers = iter(handler)
            self.handler: Handler = lambda _request: next(answers)
        else:
            self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]


@pytest.fixture
def make(clock: FakeClock) -> Callable[..., ShopeeClient]:
    clock.now = START

    def build(fake: FakeShopee, **options: Any) -> ShopeeClient:
        options.setdefault("shop_id", SHOP)
        options.setdefault("access_token", ACCESS)
        options.setdefault(
            "retry_policy", RetryPolicy(max_attempts=4, base_delay=0.1, max_elapsed=60)
        )
        return ShopeeClient(
            APP,
            api_url="https://shopee.test/shopee",
            transport=httpx.MockTransport(fake),
            clock=clock,
            sleep=clock.sleep,
            rng=random.Random(7),
            **options,
        )

    return build


def test_a_shop_call_carries_the_signed_common_parameters(make: Callable[..., ShopeeClient]):
    fake = FakeShopee([ok({"item": [], "total_count": 0, "has_next_page": False})])
    make(fake).get_item_page(0, 10, ("NORMAL", "UNLIST"))
    (request,) = fake.requests
    assert request.url.path == "/shopee/api/v2/product/get_item_list"
    query = request.url.params
    timestamp = int(START)
    assert query["partner_id"] == "2001887" and query["timestamp"] == str(timestamp)
    assert (query["access_token"], query["shop_id"]) == (ACCESS, str(SHOP))
    path = "/api/v2/product/get_item_list"  # signed without the sandbox's prefix
    assert query["sign"] == sign_shop(KEY, APP.partner_id, path, timestamp, ACCESS, SHOP)
    assert query.get_list("item_status") == ["NORMAL", "UNLIST"]
    assert (query["offset"], query["page_size"]) == ("0", "10")


def test_a_public_call_is_partner_signed_and_carries_no_shop(make: Callable[..., ShopeeClient]):
    fake = FakeShopee([tokens_answer()])
    tokens = make(fake).fetch_tokens("the-code-1234", SHOP)
    (request,) = fake.requests
    assert "access_token" not in request.url.params and "shop_id" not in request.url.params
    timestamp = int(START)
    assert request.url.params["sign"] == sign_public(
        KEY, APP.partner_id, "/api/v2/auth/token/get", timestamp
    )
    assert fake.bodies() == [{"code": "the-code-1234", "partner_id": 2001887, "shop_id": SHOP}]
    assert tokens.expires_at == datetime.fromtimestamp(START, UTC) + timedelta(hours=4)
    assert (tokens.shop_id, tokens.access_token) == (SHOP, "new-access-token-xyz")


def test_the_authorization_url(make: Callable[..., ShopeeClient]) -> None:
    url = httpx.URL(make(FakeShopee([])).authorization_url("https://hub.example/cb?x=1"))
    assert url.path == "/shopee/api/v2/shop/auth_partner"
    timestamp = int(START)
    assert url.params["redirect"] == "https://hub.example/cb?x=1"
    assert url.params["sign"] == sign_public(
        KEY, APP.partner_id, "/api/v2/shop/auth_partner", timestamp
    )


def test_a_retry_is_signed_again_with_a_fresh_timestamp(
    make: Callable[..., ShopeeClient], clock: FakeClock
) -> None:
    answers = [failed("error_system_busy"), ok({"model": []})]

    def slow(_request: httpx.Request) -> httpx.Response:
        clock.advance(1.5)  # each answer takes Shopee a second and a half
        return answers.pop(0)

    fake = FakeShopee(slow)
    make(fake).get_models(34001)
    first, second = fake.requests
    assert int(second.url.params["timestamp"]) > int(first.url.params["timestamp"])
    assert second.url.params["sign"] != first.url.params["sign"]
    assert clock.sleeps  # it backed off in between


def test_rate_limited_calls_back_off_and_then_give_up(
    make: Callable[..., ShopeeClient], clock: FakeClock
) -> None:
    fake = FakeShopee(lambda _request: failed("error_rate_limit", "too many requests"))
    with pytest.raises(RateLimited) as raised:
        make(fake).get_models(34001)
    assert len(fake.requests) == 4 and len(clock.sleeps) == 3
    assert raised.value.request_id == "rq-err"


def test_the_daily_quota_is_not_waited_for_in_process(
    make: Callable[..., ShopeeClient], clock: FakeClock
) -> None:
    fake = FakeShopee(lambda _request: failed("error_limit", "daily quota"))
    with pytest.raises(RateLimited) as raised:
        make(fake).get_models(34001)
    assert len(fake.requests) == 1 and not clock.sleeps
    assert raised.value.retry_after == pytest.approx(8 * 3600)  # 16:00 in UTC+8 to midnight


@pytest.mark.parametrize(
    "answer",
    [
        failed("error_server", "internal error"),
        httpx.Response(502, text="<html>Bad gateway</html>"),
    ],
)
def test_a_refresh_is_never_repeated_once_it_may_have_been_applied(
    make: Callable[..., ShopeeClient], answer: httpx.Response
) -> None:
    fake = FakeShopee(lambda _request: answer)
    with pytest.raises(ServerError):
        make(fake).refresh_tokens(REFRESH, SHOP)
    assert len(fake.requests) == 1


def test_a_refresh_read_timeout_is_not_repeated(make: Callable[..., ShopeeClient]) -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    fake = FakeShopee(time_out)
    with pytest.raises(Timeout) as raised:
        make(fake).refresh_tokens(REFRESH, SHOP)
    assert len(fake.requests) == 1 and raised.value.ambiguous


def test_a_refresh_that_never_reached_shopee_or_was_throttled_is_repeated(
    make: Callable[..., ShopeeClient],
) -> None:
    answers: list[Any] = ["refuse", failed("error_rate_limit"), tokens_answer()]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if answer == "refuse":
            raise httpx.ConnectError("refused", request=request)
        return answer

    fake = FakeShopee(handler)
    tokens = make(fake).refresh_tokens(REFRESH, SHOP)
    assert tokens.refresh_token == "new-refresh-token-xyz" and len(fake.requests) == 3
    assert fake.bodies()[0] == {"refresh_token": REFRESH, "partner_id": 2001887, "shop_id": SHOP}


def test_a_cancel_is_not_repeated_after_a_server_error(make: Callable[..., ShopeeClient]) -> None:
    fake = FakeShopee(lambda _request: failed("error_inner"))
    with pytest.raises(ServerError):
        make(fake).cancel_order("2405011ABCD", "CUSTOMER_REQUEST")
    assert len(fake.requests) == 1


def test_idempotent_reads_survive_transport_failures(make: Callable[..., ShopeeClient]) -> None:
    answers: list[Any] = ["reset", ok({"model": [{"model_id": 1}]})]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if answer == "reset":
            raise httpx.RemoteProtocolError("reset", request=request)
        return answer

    assert [m.model_id for m in make(FakeShopee(handler)).get_models(1).model] == [1]


@pytest.mark.parametrize(
    ("answer", "scope", "error"),
    [
        (failed("error_auth", "Invalid access_token."), "shop", TokenExpired),
        (failed("invalid_acceess_token", status=403), "shop", TokenExpired),
        (failed("error_param", "Timestamp is expired."), "shop", ClockSkew),
        (failed("shop_banned", "shop is banned"), "shop", ShopBanned),
        (failed("product.error_item_not_found", status=404), "shop", NotFound),
        (failed("error_auth", "Invalid refresh_token."), "token", ReauthorizationRequired),
        (failed("refresh_token_expired"), "token", ReauthorizationRequired),
    ],
)
def test_errors_reach_the_caller_as_their_class(
    make: Callable[..., ShopeeClient], answer: httpx.Response, scope: str, error: type[Exception]
) -> None:
    client = make(FakeShopee(lambda _request: answer))
    with pytest.raises(error):
        if scope == "shop":
            client.get_models(34001)
        else:
            client.refresh_tokens(REFRESH, SHOP)


def test_an_empty_error_is_a_success_whatever_the_status(
    make: Callable[..., ShopeeClient],
) -> None:
    answer = httpx.Response(500, json={"error": "", "message": "", "response": {"model": []}})
    assert make(FakeShopee([answer])).get_models(1).model == []


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json=["not", "an", "object"]),
        ok({"model": [{"model_id": "not-a-number"}]}),
    ],
)
def test_an_unreadable_success_is_a_malformed_payload(
    make: Callable[..., ShopeeClient], answer: httpx.Response
) -> None:
    with pytest.raises(MalformedPayload) as raised:
        make(FakeShopee([answer])).get_models(1)
    assert raised.value.endpoint == "model_list"


def test_secrets_never_reach_messages_excerpts_or_reprs(make: Callable[..., ShopeeClient]) -> None:
    echo = f"bad access_token {ACCESS} for key {KEY} refresh {REFRESH} sign=deadbeefdeadbeef&x=1"
    answer = failed("error_param", echo, access_token=ACCESS, partner_key=KEY, sign="abc123abc")
    client = make(FakeShopee(lambda _request: answer))
    with pytest.raises(ReauthorizationRequired) as raised:
        client.refresh_tokens(REFRESH, SHOP)
    error = raised.value
    shown = " ".join([str(error), repr(error), error.message, error.body_excerpt])
    for secret in (ACCESS, KEY, REFRESH, "deadbeefdeadbeef", "abc123abc"):
        assert secret not in shown
    assert "[redacted]" in error.body_excerpt
    tokens = ShopTokens(ACCESS, REFRESH, datetime.now(UTC), SHOP)
    for shown_repr in (repr(APP), repr(tokens), repr(client)):
        assert KEY not in shown_repr and ACCESS not in shown_repr and REFRESH not in shown_repr


def test_a_new_access_token_is_used_and_redacted(make: Callable[..., ShopeeClient]) -> None:
    newer = "swapped-access-token-123456"
    fake = FakeShopee(lambda _request: failed("error_auth", f"Invalid access_token {newer}"))
    client = make(fake)
    client.with_access_token(newer)
    with pytest.raises(TokenExpired) as raised:
        client.get_models(1)
    assert fake.requests[0].url.params["access_token"] == newer
    assert newer not in raised.value.message


def test_shop_calls_need_a_shop_and_a_token(make: Callable[..., ShopeeClient]) -> None:
    fake = FakeShopee([])
    with pytest.raises(ValidationError, match="no shop_id"):
        make(fake, shop_id=None).get_models(1)
    with pytest.raises(ValidationError, match="no shop_id"):
        make(fake, access_token=None).get_shop_info()
    assert not fake.requests


def test_get_items_asks_50_ids_a_call(make: Callable[..., ShopeeClient]) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["item_id_list"].split(",")
        return ok({"item_list": [{"item_id": i} for i in ids]})

    fake = FakeShopee(answer)
    items = make(fake).get_items([*range(1, 121), 5])
    assert [item.item_id for item in items] == list(range(1, 121))
    assert [len(r.url.params["item_id_list"].split(",")) for r in fake.requests] == [50, 50, 20]


def test_update_stock_chunks_coalesces_and_accounts_for_every_model(
    make: Callable[..., ShopeeClient],
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        rows = json.loads(request.content)["stock_list"]
        if len(rows) < 50:  # the last chunk: Shopee refuses every model of it
            failures = [{"model_id": rows[0]["model_id"], "failed_reason": "below reserved"}]
            return failed(
                "error_busi_update_stock_failed",
                "check failure_list",
                response={"success_list": [], "failure_list": failures},
            )
        return ok({"success_list": [{"model_id": r["model_id"]} for r in rows]})

    fake = FakeShopee(answer)
    stocks = [(model_id, 5) for model_id in range(1, 61)] + [(3, 9)]
    result = make(fake).update_stock(34001, stocks, location_id="IDZ")
    bodies = fake.bodies()
    assert [len(body["stock_list"]) for body in bodies] == [50, 10]
    assert bodies[0]["stock_list"][2] == {
        "model_id": 3,
        "seller_stock": [{"stock": 9, "location_id": "IDZ"}],
    }
    assert len(result.success_list) == 50
    assert {f.model_id for f in result.failure_list} == set(range(51, 61))
    reasons = {f.model_id: f.failed_reason for f in result.failure_list}
    assert reasons[51] == "below reserved" and reasons[52] == "check failure_list"


def test_update_stock_refuses_negative_stock_before_sending(
    make: Callable[..., ShopeeClient],
) -> None:
    fake = FakeShopee([])
    with pytest.raises(ValidationError):
        make(fake).update_stock(34001, [(0, -1)])
    assert not fake.requests


def test_order_ranges_are_split_into_windows_of_at_most_15_days(
    make: Callable[..., ShopeeClient],
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params["cursor"]
        window = request.url.params["time_from"]
        if cursor == "":
            return ok({"more": True, "next_cursor": "p2", "order_list": [{"order_sn": window}]})
        return ok({"more": False, "next_cursor": "", "order_list": [{"order_sn": "shared"}]})

    fake = FakeShopee(answer)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    orders = list(make(fake).iter_order_sns(start, start + timedelta(days=40)))
    windows = [
        (int(r.url.params["time_from"]), int(r.url.params["time_to"]))
        for r in fake.requests
        if r.url.params["cursor"] == ""
    ]
    assert len(windows) == 3
    assert all(0 < end - begin <= 15 * 86400 for begin, end in windows)
    assert windows[0][0] == int(start.timestamp())
    assert windows[-1][1] == int((start + timedelta(days=40)).timestamp())
    assert all(a[1] == b[0] for a, b in pairwise(windows))
    assert [o.order_sn for o in orders].count("shared") == 1  # de-duplicated across windows
    assert fake.requests[0].url.params["time_range_field"] == "update_time"


def test_order_ranges_are_checked_before_sending(make: Callable[..., ShopeeClient]) -> None:
    client = make(FakeShopee([]))
    now = datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError):  # at the call, not at the first iteration
        client.iter_order_sns(now, now - timedelta(days=1))
    with pytest.raises(ValidationError):
        client.iter_order_sns(now.replace(tzinfo=None), now)
    with pytest.raises(ValidationError):
        client.iter_order_sns(now, now + timedelta(days=1), field="pay_time")


def test_cancel_checks_its_reason_and_sends_the_items(make: Callable[..., ShopeeClient]) -> None:
    fake = FakeShopee([ok({"update_time": 1})])
    client = make(fake)
    with pytest.raises(ValidationError):
        client.cancel_order("X1", "BECAUSE")
    with pytest.raises(ValidationError):
        client.cancel_order("X1", "OUT_OF_STOCK")
    client.cancel_order("X1", "OUT_OF_STOCK", [(34001, 0)])
    assert fake.bodies() == [
        {
            "order_sn": "X1",
            "cancel_reason": "OUT_OF_STOCK",
            "item_list": [{"item_id": 34001, "model_id": 0}],
        }
    ]


def test_transport_errors_say_whether_shopee_may_have_seen_the_request(
    make: Callable[..., ShopeeClient],
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TransportError) as raised:
        make(FakeShopee(refuse)).cancel_order("X1", "CUSTOMER_REQUEST")
    assert not raised.value.ambiguous


def test_the_client_package_imports_nothing_from_django() -> None:
    """Checked in a fresh interpreter: this test process has Django loaded already."""
    probe = (
        "import sys, satustok.channels.shopee, satustok.channels.shopee.client; "
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == ""


def test_a_lone_status_is_one_status(make: Callable[..., ShopeeClient]) -> None:
    fake = FakeShopee([ok({"item": [], "has_next_page": False})])
    make(fake).get_item_page(0, 10, "NORMAL")
    assert fake.requests[0].url.params.get_list("item_status") == ["NORMAL"]
