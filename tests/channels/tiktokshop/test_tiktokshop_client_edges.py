"""The client on ``httpx.MockTransport``, for what the sandbox does not (or need not) produce:
the exact signed query and headers, the body signed being the body sent, re-signing on retry,
single-use grants never repeated after an ambiguous failure, odd bodies and statuses, secrets
kept out of errors and reprs, and chunking. The client against the TikTok Shop sandbox over
loopback is in test_tiktokshop_client_against_sandbox.py."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from satustok.channels.http.errors import (
    AuthError,
    FatalError,
    MalformedPayload,
    RateLimited,
    ServerError,
    Timeout,
    TokenExpired,
    TransportError,
    ValidationError,
)
from satustok.channels.http.retry import RetryPolicy
from satustok.channels.tiktokshop.client import (
    AppCredentials,
    ShopTokens,
    SkuPrice,
    SkuStock,
    TikTokShopClient,
)
from satustok.channels.tiktokshop.errors import (
    ClockSkew,
    ReauthorizationRequired,
    SignatureRejected,
)
from satustok.channels.tiktokshop.signing import sign_request

if TYPE_CHECKING:
    from conftest import FakeClock

pytestmark = pytest.mark.dbless

SECRET = "app-secret-never-shown-0123456789"
APP = AppCredentials(app_key="6abc123", app_secret=SECRET, service_id="7311111111111111111")
ACCESS = "ROW_access-token-never-shown-abcdef"
REFRESH = "ROW_refresh-token-never-shown-abcdef"
CIPHER = "ROW_cipher_abc"
START = 1_717_228_800.0  # 2024-06-01 08:00 UTC
API = "https://tts.test/tiktokshop/open-api"
AUTH = "https://tts.test/tiktokshop/auth"
SERVICES = "https://tts.test/tiktokshop/services"
FAST = RetryPolicy(max_attempts=4, base_delay=0.1, max_elapsed=60)
Handler = Callable[[httpx.Request], httpx.Response]


def ok(data: object = None, **top: Any) -> httpx.Response:
    body: dict[str, Any] = {"code": 0, "message": "Success", "request_id": "rq-1", **top}
    body["data"] = {} if data is None else data
    return httpx.Response(200, json=body)


def failed(code: int, message: str = "", status: int = 200, **headers: str) -> httpx.Response:
    body = {"code": code, "message": message, "request_id": "rq-err", "data": None}
    return httpx.Response(status, json=body, headers=headers)


def grant(
    access: str = "ROW_new-access-xyz", refresh: str = "ROW_new-refresh-xyz"
) -> httpx.Response:
    return ok(
        {
            "access_token": access,
            "access_token_expire_in": int(START) + 7 * 86400,
            "refresh_token": refresh,
            "refresh_token_expire_in": int(START) + 60 * 86400,
            "open_id": "7010736057180325637",
            "seller_name": "Toko Maju",
            "seller_base_region": "ID",
            "granted_scopes": ["seller.product.basic"],
        }
    )


class FakeTikTok:
    """Answers every request with ``handler`` (or the next of a list), recording requests."""

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
def make(clock: FakeClock) -> Callable[..., TikTokShopClient]:
    clock.now = START

    def build(fake: FakeTikTok, **options: Any) -> TikTokShopClient:
        options.setdefault("access_token", ACCESS)
        options.setdefault("shop_cipher", CIPHER)
        options.setdefault("retry_policy", FAST)
        return TikTokShopClient(
            options.pop("app", APP),
            api_url=API,
            auth_url=AUTH,
            services_url=SERVICES,
            transport=httpx.MockTransport(fake),
            clock=clock,
            sleep=clock.sleep,
            rng=random.Random(7),
            **options,
        )

    return build


def _signed_over(request: httpx.Request, path: str) -> str:
    params = {key: value for key, value in request.url.params.items() if key != "sign"}
    return sign_request(SECRET, path, params, request.content)


# --- the wire ----------------------------------------------------------------------------------


def test_a_shop_call_carries_signed_common_parameters_and_the_token_header(make) -> None:
    fake = FakeTikTok([ok({"products": [], "next_page_token": "", "total_count": 0})])
    make(fake).search_products(page_size=20, status="ACTIVATE")
    (request,) = fake.requests
    assert request.method == "POST"
    assert request.url.path == "/tiktokshop/open-api/product/202309/products/search"
    query = request.url.params
    assert query["app_key"] == "6abc123" and query["timestamp"] == str(int(START))
    assert len(query["timestamp"]) == 10 and query["shop_cipher"] == CIPHER
    assert query["page_size"] == "20" and "page_token" not in query  # first page: no token
    assert "access_token" not in query
    assert request.headers["x-tts-access-token"] == ACCESS
    assert request.headers["content-type"] == "application/json"
    # Signed over the API path without the sandbox's prefix, with the very bytes sent.
    assert request.content == b'{"status":"ACTIVATE"}'
    assert query["sign"] == _signed_over(request, "/product/202309/products/search")


def test_the_seller_level_shops_call_has_no_shop_cipher(make) -> None:
    fake = FakeTikTok([ok({"shops": [{"id": 7494105515082810525, "cipher": "ROW_c1"}]})])
    shops = make(fake, shop_cipher=None).authorized_shops()
    (request,) = fake.requests
    assert shops[0].id == "7494105515082810525" and shops[0].cipher == "ROW_c1"
    assert "shop_cipher" not in request.url.params
    assert request.url.params["sign"] == _signed_over(request, "/authorization/202309/shops")
    assert request.content == b""


def test_a_body_with_non_ascii_text_is_signed_as_sent(make) -> None:
    fake = FakeTikTok([ok()])
    make(fake).register_webhook("https://hub.example/webhooks/tiktok/é", "ORDER_STATUS_CHANGE")
    (request,) = fake.requests
    assert request.method == "PUT" and "é".encode() in request.content  # UTF-8, not \\u00e9
    assert request.url.params["sign"] == _signed_over(request, "/event/202309/webhooks")


def test_a_cancel_sends_the_order_and_reason(make) -> None:
    fake = FakeTikTok(
        [ok({"cancel_id": 4035318504577175123, "cancel_status": "CANCELLATION_REQUEST_SUCCESS"})]
    )
    result = make(fake).cancel_order(
        "576461413038785752", "seller_cancel_reason_out_of_stock", skus=[("1729592969712207012", 1)]
    )
    assert result.cancel_id == "4035318504577175123"
    assert fake.bodies() == [
        {
            "order_id": "576461413038785752",
            "cancel_reason": "seller_cancel_reason_out_of_stock",
            "skus": [{"sku_id": "1729592969712207012", "quantity": 1}],
        }
    ]
    assert fake.requests[0].url.path.endswith("/return_refund/202309/cancellations")


def test_order_ids_are_comma_joined_signed_and_chunked_by_fifty(make) -> None:
    ids = [str(576461413038785000 + n) for n in range(120)]
    fake = FakeTikTok(
        lambda request: ok(
            {"orders": [{"id": order_id} for order_id in request.url.params["ids"].split(",")]}
        )
    )
    orders = make(fake).get_orders([*ids, ids[0]])  # a duplicate is asked for once
    assert [order.id for order in orders] == ids
    assert [len(r.url.params["ids"].split(",")) for r in fake.requests] == [50, 50, 20]
    first = fake.requests[0]
    assert first.method == "GET" and first.url.path.endswith("/order/202309/orders")
    assert first.url.params["sign"] == _signed_over(first, "/order/202309/orders")


def test_the_token_endpoints_send_the_app_credentials_and_no_signature(make, clock) -> None:
    fake = FakeTikTok([grant()])
    tokens = make(fake, access_token=None, shop_cipher=None).get_token("auth-code-abc")
    (request,) = fake.requests
    assert request.method == "GET" and request.url.path == "/tiktokshop/auth/api/v2/token/get"
    assert dict(request.url.params) == {
        "app_key": "6abc123",
        "app_secret": SECRET,
        "auth_code": "auth-code-abc",
        "grant_type": "authorized_code",
    }
    assert "x-tts-access-token" not in request.headers
    assert tokens == ShopTokens(
        access_token="ROW_new-access-xyz",
        refresh_token="ROW_new-refresh-xyz",
        access_expires_at=datetime.fromtimestamp(START, UTC) + timedelta(days=7),
        refresh_expires_at=datetime.fromtimestamp(START, UTC) + timedelta(days=60),
        open_id="7010736057180325637",
        seller_name="Toko Maju",
        seller_base_region="ID",
        granted_scopes=("seller.product.basic",),
    )
    assert "ROW_new" not in repr(tokens)


def test_a_refresh_sends_the_refresh_grant(make) -> None:
    fake = FakeTikTok([grant(access="ROW_a2", refresh="ROW_r2")])
    tokens = make(fake).refresh_token(REFRESH)
    (request,) = fake.requests
    assert request.url.path.endswith("/api/v2/token/refresh")
    assert request.url.params["refresh_token"] == REFRESH
    assert request.url.params["grant_type"] == "refresh_token"
    assert (tokens.access_token, tokens.refresh_token) == ("ROW_a2", "ROW_r2")


def test_the_authorization_url(make) -> None:
    url = make(FakeTikTok([])).authorization_url("csrf-1 2")
    assert url == (
        "https://tts.test/tiktokshop/services/open/authorize"
        "?service_id=7311111111111111111&state=csrf-1+2"
    )
    without = AppCredentials("k", "s")
    with pytest.raises(ValidationError, match="service_id"):
        make(FakeTikTok([]), app=without).authorization_url("x")


def test_stock_and_price_bodies(make) -> None:
    fake = FakeTikTok([ok({"errors": []}), ok()])
    client = make(fake)
    result = client.update_inventory(
        "1729592969712207008",
        [
            SkuStock("1729592969712207012", 5, "7068517275539719942"),
            SkuStock("1729592969712207012", 3, "7068517275539719943"),
            SkuStock("1729592969712207013", 9),
            SkuStock("1729592969712207012", 4, "7068517275539719942"),  # last value wins
        ],
    )
    client.update_prices(
        "1729592969712207008", [SkuPrice("1729592969712207012", 69000, list_price=75000)]
    )
    stock, price = fake.bodies()
    assert result.ok
    assert stock == {
        "skus": [
            {
                "id": "1729592969712207012",
                "inventory": [
                    {"warehouse_id": "7068517275539719942", "quantity": 4},
                    {"warehouse_id": "7068517275539719943", "quantity": 3},
                ],
            },
            {"id": "1729592969712207013", "inventory": [{"quantity": 9}]},
        ]
    }
    assert price == {
        "skus": [
            {
                "id": "1729592969712207012",
                "price": {"amount": "69000", "currency": "IDR"},
                "list_price": {"amount": "75000", "currency": "IDR"},
            }
        ]
    }
    assert fake.requests[0].url.path.endswith(
        "/product/202309/products/1729592969712207008/inventory/update"
    )
    assert fake.requests[1].url.path.endswith("/products/1729592969712207008/prices/update")


def test_an_order_window_is_ge_inclusive_and_lt_exclusive_in_whole_seconds(make) -> None:
    fake = FakeTikTok([ok({"orders": [], "next_page_token": ""})])
    start = datetime(2024, 6, 1, 8, 0, 0, 500_000, tzinfo=UTC)
    end = datetime(2024, 6, 1, 9, 0, 0, 250_000, tzinfo=UTC)
    make(fake).search_orders((start, end), page_size=50)
    (request,) = fake.requests
    assert json.loads(request.content) == {
        "update_time_ge": int(start.timestamp()),  # rounded down
        "update_time_lt": int(end.timestamp()) + 1,  # rounded up
    }
    params = request.url.params
    assert (params["sort_field"], params["sort_order"], params["page_size"]) == (
        "update_time",
        "ASC",
        "50",
    )


def test_orders_are_walked_by_cursor_each_once(make) -> None:
    pages = {
        "": ok({"orders": [{"id": "1"}, {"id": "2"}], "next_page_token": "t2"}),
        "t2": ok({"orders": [{"id": "2"}, {"id": "3"}], "next_page_token": ""}),
    }
    fake = FakeTikTok(lambda request: pages[request.url.params.get("page_token", "")])
    window = (datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 6, 2, tzinfo=UTC))
    assert [order.id for order in make(fake).iter_orders(window)] == ["1", "2", "3"]


# --- arguments refused before sending ----------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.search_products(version="202401"), "versions"),
        (lambda c: c.search_products(listing_platforms=["TOKOPEDIA"]), "202502"),
        (lambda c: c.search_products(page_size=101), "page_size"),
        (lambda c: c.update_inventory("1", [SkuStock("2", 100_000)]), "quantity"),
        (lambda c: c.update_inventory("1", []), "at least one"),
        (lambda c: c.update_prices("1", [SkuPrice("2", 0)]), "positive"),
        (lambda c: c.get_product("../seller/202309/shops"), "not a TikTok Shop id"),
        (lambda c: c.search_inventory(product_ids=["1"], sku_ids=["2"]), "one of the two"),
        (lambda c: c.get_orders(["1"], version="202401"), "versions"),
        (
            lambda c: c.search_orders((datetime(2024, 6, 1), datetime(2024, 6, 2))),
            "timezone-aware",
        ),
        (lambda c: c.register_webhook("x" * 256, "ORDER_STATUS_CHANGE"), "255"),
        (lambda c: c.refresh_token(" "), "blank"),
    ],
)
def test_bad_arguments_are_refused_before_sending(make, call, message: str) -> None:
    fake = FakeTikTok([])
    with pytest.raises(ValidationError, match=message):
        call(make(fake))
    assert fake.requests == []


def test_a_shop_call_without_a_cipher_or_token_is_refused_before_sending(make) -> None:
    fake = FakeTikTok([])
    with pytest.raises(ValidationError, match="shop_cipher"):
        make(fake, shop_cipher=None).warehouses()
    with pytest.raises(ValidationError, match="access token"):
        make(fake, access_token=None).authorized_shops()
    assert fake.requests == []


# --- failures ----------------------------------------------------------------------------------


def test_429_is_retried_after_the_retry_after_hint_and_re_signed(make, clock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if len(fake.requests) == 1:
            return failed(36009002, "Too many requests", 429, **{"Retry-After": "3"})
        return ok({"warehouses": [{"id": "1", "name": "Gudang"}]})

    fake = FakeTikTok(handler)
    warehouses = make(fake).warehouses()
    assert warehouses[0].name == "Gudang"
    assert len(fake.requests) == 2 and clock.sleeps and clock.sleeps[-1] >= 3
    first, second = fake.requests
    # The retry carries its own timestamp and signature.
    assert int(second.url.params["timestamp"]) >= int(first.url.params["timestamp"]) + 3
    assert second.url.params["sign"] == _signed_over(second, "/logistics/202309/warehouses")


def test_a_rate_limit_that_outlasts_the_retries_raises_with_the_hint(make) -> None:
    fake = FakeTikTok(lambda request: failed(36009002, "Too many", 429, **{"Retry-After": "7"}))
    with pytest.raises(RateLimited) as raised:
        make(fake).warehouses()
    assert raised.value.retry_after == 7 and raised.value.error_code == "36009002"
    assert len(fake.requests) == 4


def test_an_internal_error_is_retried_for_reads_but_not_for_a_cancel(make) -> None:
    reads = FakeTikTok([failed(36009003, "Internal error"), ok({"warehouses": []})])
    assert make(reads).warehouses() == []
    cancels = FakeTikTok([failed(36009003, "Internal error"), ok()])
    with pytest.raises(ServerError):
        make(cancels).cancel_order("576461413038785752", "seller_cancel_reason_out_of_stock")
    assert len(cancels.requests) == 1


def test_a_spent_refresh_token_is_never_sent_twice(make) -> None:
    def timed_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    fake = FakeTikTok(timed_out)
    with pytest.raises(Timeout) as raised:
        make(fake).refresh_token(REFRESH)
    assert raised.value.ambiguous and len(fake.requests) == 1
    five_hundred = FakeTikTok([httpx.Response(502, text="bad gateway"), grant()])
    with pytest.raises(ServerError):
        make(five_hundred).refresh_token(REFRESH)
    assert len(five_hundred.requests) == 1


def test_a_refresh_that_never_connected_is_tried_again(make) -> None:
    def refused_once(request: httpx.Request) -> httpx.Response:
        if len(fake.requests) == 1:
            raise httpx.ConnectError("refused", request=request)
        return grant()

    fake = FakeTikTok(refused_once)
    assert make(fake).refresh_token(REFRESH).access_token == "ROW_new-access-xyz"
    assert len(fake.requests) == 2


def test_an_expired_access_token_asks_for_a_refresh_without_retrying(make) -> None:
    fake = FakeTikTok([failed(105002, "Expired credentials")] * 4)
    with pytest.raises(TokenExpired) as raised:
        make(fake).warehouses()
    assert len(fake.requests) == 1 and raised.value.error_code == "105002"


def test_a_refused_refresh_token_ends_the_authorization(make) -> None:
    fake = FakeTikTok([failed(36004004, "refresh_token is invalid")])
    with pytest.raises(ReauthorizationRequired) as raised:
        make(fake).refresh_token(REFRESH)
    assert raised.value.endpoint == "token"


def test_a_bad_signature_is_a_configuration_error(make) -> None:
    fake = FakeTikTok([failed(106001, "The signature is invalid", 401)])
    with pytest.raises(SignatureRejected) as raised:
        make(fake).warehouses()
    assert isinstance(raised.value, AuthError) and raised.value.status == 401


def test_a_stale_timestamp_names_the_clock(make) -> None:
    with pytest.raises(ClockSkew):
        make(FakeTikTok([failed(36009004, "Invalid timestamp")])).warehouses()


def test_an_unknown_code_is_fatal_and_keeps_code_message_and_request_id(make) -> None:
    fake = FakeTikTok([failed(12019001, "Product is not exist")])
    with pytest.raises(FatalError) as raised:
        make(fake).get_product("1729592969712207008")
    error = raised.value
    assert (error.error_code, error.request_id, error.status) == ("12019001", "rq-err", 200)
    assert "Product is not exist" in error.message and "12019001" in error.message
    assert error.endpoint == "product_detail"


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(200, text="<html>ok</html>"), MalformedPayload),
        (httpx.Response(200, json=["not", "an", "object"]), MalformedPayload),
        (httpx.Response(200, json={"hello": 1}), MalformedPayload),
        (httpx.Response(502, text="<html>bad gateway</html>"), ServerError),
        (httpx.Response(404, text=""), FatalError),
    ],
)
def test_odd_bodies(make, response: httpx.Response, error: type[Exception]) -> None:
    with pytest.raises(error):
        make(FakeTikTok([response] * 4), retry_policy=RetryPolicy(max_attempts=1)).warehouses()


def test_a_payload_of_the_wrong_shape_names_the_field(make) -> None:
    fake = FakeTikTok([ok({"warehouses": [{"name": "no id"}]})])
    with pytest.raises(MalformedPayload, match=r"warehouses\[0\]\.id"):
        make(fake).warehouses()


def test_per_sku_inventory_errors_come_back_without_raising(make) -> None:
    errors = [
        {
            "code": 17019022,
            "message": "SKU not found",
            "detail": {"sku_id": "1729592969712207099", "extra_errors": []},
        }
    ]
    fake = FakeTikTok([ok({"errors": errors})])
    result = make(fake).update_inventory("1", [SkuStock("1729592969712207099", 3)])
    assert result.failed_sku_ids == {"1729592969712207099"}


def test_a_transport_failure_on_an_update_is_retried_since_it_is_absolute(make) -> None:
    def reset_once(request: httpx.Request) -> httpx.Response:
        if len(fake.requests) == 1:
            raise httpx.RemoteProtocolError("reset", request=request)
        return ok({"errors": []})

    fake = FakeTikTok(reset_once)
    make(fake).update_inventory("1", [SkuStock("2", 3)])
    first, second = fake.requests
    assert first.content == second.content  # the body serialised once, sent twice
    with pytest.raises(TransportError):
        failing = FakeTikTok(lambda r: (_ for _ in ()).throw(httpx.RemoteProtocolError("x")))
        make(failing).cancel_order("1", "seller_cancel_reason_out_of_stock")
    assert len(failing.requests) == 1


def test_secrets_never_show_in_errors_or_reprs(make) -> None:
    echo = {
        "code": 36009004,
        "message": f"invalid param {SECRET} refresh_token={REFRESH}&sign=s1gn4ture",
        "request_id": "rq",
        "data": {
            "access_token": ACCESS,
            "sign": "deadbeef",
            "auth_code": "code-xyz",
            "app_secret": SECRET,
        },
    }
    fake = FakeTikTok([httpx.Response(200, json=echo)])
    client = make(fake)
    with pytest.raises(ReauthorizationRequired) as raised:
        client.refresh_token(REFRESH)
    shown = f"{raised.value} {raised.value!r} {raised.value.body_excerpt} {client!r} {APP!r}"
    for secret in (SECRET, REFRESH, ACCESS, "deadbeef", "code-xyz", "s1gn4ture"):
        assert secret not in shown


def test_the_client_modules_import_nothing_from_django() -> None:
    """Checked in a fresh interpreter: this test process has Django loaded already."""
    probe = (
        "import sys, satustok.channels.tiktokshop, satustok.channels.tiktokshop.client, "
        "satustok.channels.tiktokshop.schemas, satustok.channels.tiktokshop.signing; "
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == ""
