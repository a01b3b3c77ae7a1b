"""Edge cases the sandbox does not produce, on ``httpx.MockTransport``: the exact token request,
token seeding and persistence, transport failures, odd error bodies, secrets in bodies, and
bulk answers that cannot be attributed. Everything else is tested over loopback HTTP."""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from satustok.channels.http.errors import (
    CredentialsRejected,
    MalformedPayload,
    NotAssociated,
    NotFound,
    PaginationLoop,
    ServerError,
    Timeout,
    TokenExpired,
    TransportError,
)
from satustok.channels.http.ratelimit import RateBudget
from satustok.channels.http.retry import RetryPolicy
from satustok.channels.tokopedia.auth import AccessToken, Credentials
from satustok.channels.tokopedia.client import TokopediaClient
from satustok.channels.tokopedia.schemas import StockUpdate

if TYPE_CHECKING:
    from conftest import FakeClock

pytestmark = pytest.mark.dbless

SECRET = "very-secret-client-secret"
CREDENTIALS = Credentials(fs_id=15001, client_id="client-a", client_secret=SECRET)
Handler = Callable[[httpx.Request], httpx.Response]


def envelope(data: Any, *, code: str | int = "", reason: str = "") -> dict[str, Any]:
    return {
        "header": {"process_time": 0.01, "messages": "", "reason": reason, "error_code": code},
        "data": data,
    }


def token_response(value: str = "token-1", expires_in: int = 2_592_000) -> httpx.Response:
    return httpx.Response(
        200, json={"access_token": value, "expires_in": expires_in, "token_type": "Bearer"}
    )


class FakeTokopedia:
    """Routes requests to a token handler and an API handler, recording every request."""

    def __init__(self, api: Handler, token: Handler | None = None) -> None:
        self.api = api
        self.token = token or (lambda _request: token_response())
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.token(request) if request.url.path == "/token" else self.api(request)

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != "/token"]

    def token_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == "/token"]


def make_client(fake: FakeTokopedia, clock: FakeClock, **options: Any) -> TokopediaClient:
    return TokopediaClient(
        CREDENTIALS,
        accounts_url="https://accounts.test",
        api_url="https://fs.test",
        transport=httpx.MockTransport(fake),
        budget=RateBudget(clock=clock, sleep=clock.sleep),
        retry_policy=options.pop("retry_policy", RetryPolicy(max_attempts=3)),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(5),
        **options,
    )


def shop_list(_request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200, json=envelope([{"shop_id": 480001, "shop_name": "Toko", "is_open": 1}], code=0)
    )


def test_the_token_request_is_basic_auth_with_an_empty_body(clock: FakeClock) -> None:
    fake = FakeTokopedia(shop_list)
    make_client(fake, clock).get_shop(480001)
    (token_request,) = fake.token_requests()
    assert token_request.method == "POST"
    assert str(token_request.url) == "https://accounts.test/token?grant_type=client_credentials"
    expected = base64.b64encode(f"client-a:{SECRET}".encode()).decode()
    assert token_request.headers["Authorization"] == f"Basic {expected}"
    assert token_request.content == b""
    assert token_request.headers["Content-Length"] == "0"
    (api_request,) = fake.api_requests()
    assert api_request.headers["Authorization"] == "Bearer token-1"
    assert str(api_request.url) == "https://fs.test/v1/shop/fs/15001/shop-info?shop_id=480001"


def test_constructing_a_client_does_no_io(clock: FakeClock) -> None:
    fake = FakeTokopedia(shop_list)
    make_client(fake, clock)
    assert fake.requests == []


def test_a_seeded_token_is_used_and_a_new_one_is_handed_to_the_hook(clock: FakeClock) -> None:
    saved: list[AccessToken] = []
    fresh = AccessToken("persisted", datetime.now(UTC) + timedelta(days=3))
    fake = FakeTokopedia(shop_list)
    make_client(fake, clock, token=fresh, on_token=saved.append).get_shop(480001)
    assert fake.token_requests() == [] and saved == []
    assert fake.api_requests()[0].headers["Authorization"] == "Bearer persisted"

    stale = AccessToken("persisted", datetime.now(UTC) + timedelta(minutes=2))  # in the margin
    make_client(fake, clock, token=stale, on_token=saved.append).get_shop(480001)
    assert len(fake.token_requests()) == 1
    assert [token.value for token in saved] == ["token-1"]
    assert saved[0].expires_at > datetime.now(UTC) + timedelta(days=29)


def test_the_secret_and_token_never_show_in_reprs(clock: FakeClock) -> None:
    token = AccessToken("the-bearer-token", datetime.now(UTC) + timedelta(days=1))
    client = make_client(FakeTokopedia(shop_list), clock, token=token)
    for shown in (repr(CREDENTIALS), repr(token), repr(client), str(CREDENTIALS)):
        assert SECRET not in shown and "the-bearer-token" not in shown


def test_a_token_endpoint_echoing_the_secret_is_redacted_in_the_error(clock: FakeClock) -> None:
    def refuse(_request: httpx.Request) -> httpx.Response:
        body = {"error": "invalid_client", "error_description": f"bad secret {SECRET}"}
        return httpx.Response(401, json=body)

    with pytest.raises(CredentialsRejected) as raised:
        make_client(FakeTokopedia(shop_list, token=refuse), clock).get_shop(480001)
    error = raised.value
    assert error.status == 401 and error.error_code == "invalid_client"
    for shown in (str(error), error.body_excerpt, repr(error)):
        assert SECRET not in shown
    assert "[redacted]" in error.body_excerpt


def test_a_token_echoed_in_an_api_error_is_redacted(clock: FakeClock) -> None:
    def leak(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text="bad request for Authorization: Bearer token-1 xyz")

    with pytest.raises(Exception) as raised:
        make_client(FakeTokopedia(leak), clock).get_shop(480001)
    assert "token-1" not in raised.value.body_excerpt  # type: ignore[attr-defined]


def test_a_second_401_raises_token_expired_after_exactly_one_refresh(clock: FakeClock) -> None:
    fake = FakeTokopedia(lambda _r: httpx.Response(401, json=envelope(None, code="UNAUTHORIZED")))
    with pytest.raises(TokenExpired):
        make_client(fake, clock).get_shop(480001)
    assert len(fake.token_requests()) == 2
    assert len(fake.api_requests()) == 2


def test_not_associated_as_a_legacy_500_is_fatal_and_not_retried(clock: FakeClock) -> None:
    fake = FakeTokopedia(lambda _r: httpx.Response(500, json=envelope(None, code="ORD_USC_015")))
    with pytest.raises(NotAssociated):
        make_client(fake, clock).get_shop(480001)
    assert len(fake.api_requests()) == 1


def test_a_5xx_without_json_is_a_server_error_with_an_excerpt(clock: FakeClock) -> None:
    fake = FakeTokopedia(lambda _r: httpx.Response(502, text="<html>Bad Gateway</html>"))
    with pytest.raises(ServerError) as raised:
        make_client(fake, clock).get_shop(480001)
    assert raised.value.status == 502
    assert raised.value.body_excerpt == "<html>Bad Gateway</html>"
    assert len(fake.api_requests()) == 3  # retried up to max_attempts


def test_unknown_order_is_not_found_although_the_api_answers_500(clock: FakeClock) -> None:
    fake = FakeTokopedia(lambda _r: httpx.Response(500, json=envelope(None, code="ORD_API_008")))
    with pytest.raises(NotFound):
        make_client(fake, clock).get_order(order_id=1)
    assert len(fake.api_requests()) == 1


def raising(failure: Exception) -> Handler:
    def handler(_request: httpx.Request) -> httpx.Response:
        raise failure

    return handler


def test_a_refused_connection_is_retried_even_for_an_order_action(clock: FakeClock) -> None:
    attempts: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=envelope("success"))

    make_client(FakeTokopedia(flaky), clock).accept_order(123)
    assert len(attempts) == 2


def test_a_read_timeout_on_an_order_action_is_not_repeated(clock: FakeClock) -> None:
    fake = FakeTokopedia(raising(httpx.ReadTimeout("slow")))
    with pytest.raises(Timeout) as raised:
        make_client(fake, clock).accept_order(123)
    assert raised.value.ambiguous
    assert len(fake.api_requests()) == 1


def test_a_read_error_on_a_read_is_retried_then_raised(clock: FakeClock) -> None:
    fake = FakeTokopedia(raising(httpx.ReadError("reset")))
    with pytest.raises(TransportError):
        make_client(fake, clock).get_shop(480001)
    assert len(fake.api_requests()) == 3


def test_a_failure_naming_no_row_sent_leaves_the_others_unknown(clock: FakeClock) -> None:
    def answer(_request: httpx.Request) -> httpx.Response:
        failure = {"product_id": 999, "sku": "", "new_stock": 1, "message": "Invalid Product ID."}
        data = {"failed_rows": 1, "failed_rows_data": [failure], "succeed_rows": 1}
        return httpx.Response(200, json=envelope(data))

    rows = [StockUpdate(product_id=1, new_stock=1), StockUpdate(product_id=2, new_stock=2)]
    result = make_client(FakeTokopedia(answer), clock).update_stock(480001, rows)
    assert [row.ok for row in result.rows] == [False, False]
    assert all("outcome unknown" in row.message for row in result.rows)


def test_a_success_body_of_the_wrong_shape_is_malformed(clock: FakeClock) -> None:
    fake = FakeTokopedia(lambda _r: httpx.Response(200, json=envelope({"not": "a list"})))
    with pytest.raises(MalformedPayload, match=r"^data: Input should be a valid (list|array)"):
        make_client(fake, clock).get_shop(480001)


def test_a_channel_ignoring_the_page_parameter_is_caught_not_looped(clock: FakeClock) -> None:
    product = {
        "basic": {"productID": 1, "shopID": 480001, "status": 1, "name": "A"},
        "price": {"value": 1000},
        "stock": {"value": 1},
    }
    fake = FakeTokopedia(lambda _r: httpx.Response(200, json=envelope([product] * 50)))
    with pytest.raises(PaginationLoop, match="page 2 repeats the content of page 1"):
        list(make_client(fake, clock).iter_products(480001))
    assert len(fake.api_requests()) == 2


def test_an_order_window_too_big_for_the_channel_is_split_in_two(clock: FakeClock) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        start, end = int(request.url.params["from_date"]), int(request.url.params["to_date"])
        if end - start > 86_400:
            return httpx.Response(500, json=envelope(None, code="ORD_API_009"))
        page = int(request.url.params["page"])
        row = {
            "fs_id": "15001",
            "order_id": start,
            "invoice_ref_num": f"INV/{start}",
            "shop_id": 480001,
            "order_status": 220,
            "create_time": start,
            "products": [],
            "amt": {"ttl_product_price": 1, "ttl_amount": 1},
        }
        return httpx.Response(200, json=envelope([row] if page == 1 else []))

    fake = FakeTokopedia(answer)
    until = datetime(2024, 6, 3, tzinfo=UTC)
    orders = list(make_client(fake, clock).iter_orders(until - timedelta(days=2), until))
    assert len(orders) == 2  # two one-day halves, one order each
    windows = {(r.url.params["from_date"], r.url.params["to_date"]) for r in fake.api_requests()}
    assert len(windows) == 3  # the refused 2-day window, then its halves
