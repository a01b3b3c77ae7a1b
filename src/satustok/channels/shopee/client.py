"""The Shopee Open Platform v2 client: the only module of satustok that speaks HTTP to Shopee.

It talks to the real ``partner.shopeemobile.com`` or to the local sandbox (``{sandbox}/shopee``);
only ``api_url`` differs. Plain Python (no Django): the hub builds one client per shop from its
database, and hands it the shop's current access token.

How one call goes (each step in its own small function)::

    call_with_retries(                          retry.py: backoff, jitter, idempotency
        budget.acquire(group)                   ratelimit.py: a budget the hub may seed or share
        sign with the clock NOW                 signing.py: a retry re-signs, never replays
        send with explicit timeouts             httpx; transport errors → TransportError/Timeout
        budget.observe(headers)
        JSON body, whatever the status; error == "" is success
        otherwise errors.RULES → raise          shopee/errors.py: one table
    )
    success → lenient pydantic model, or MalformedPayload naming the field

The client does not refresh tokens itself: it holds no refresh token (the hub stores it, and
each one can be spent only once, so two holders would race). A refused access token raises
:class:`TokenExpired`; the caller refreshes with :meth:`ShopeeClient.refresh_tokens`, stores
the new pair, calls :meth:`ShopeeClient.with_access_token` and tries again.

Secrets — the partner key, access and refresh tokens, authorization codes and signatures — never
appear in an error's message, excerpt or repr, nor in this module's logs.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, Unpack
from urllib.parse import urlencode

import httpx

from satustok.channels.http.client import ChannelClient, ClientOptions
from satustok.channels.http.errors import (
    ChannelError,
    MalformedPayload,
    RateLimited,
    ValidationError,
    require,
)
from satustok.channels.http.pagination import (
    CursorPaginator,
    aware,
    chunks,
    time_windows,
    unix_seconds,
)
from satustok.channels.http.payloads import json_object, validated
from satustok.channels.http.ratelimit import RateHeaders
from satustok.channels.http.redaction import SecretMemory
from satustok.channels.http.transport import send
from satustok.channels.shopee import errors as table
from satustok.channels.shopee.schemas import (
    DocumentResults,
    DocumentRow,
    ItemBaseInfo,
    ItemBaseInfoList,
    ItemListPage,
    ModelFailure,
    ModelList,
    OrderDetail,
    OrderDetailList,
    OrderListPage,
    OrderRef,
    PriceUpdateResult,
    ReturnListPage,
    ReturnRecord,
    ShippingParameter,
    ShopInfo,
    StockUpdateResult,
    TokenResponse,
    TrackingNumber,
    WarehouseDetail,
    WarehouseDetailList,
)
from satustok.channels.shopee.signing import sign_public, sign_shop

logger = logging.getLogger(__name__)

T = TypeVar("T")

REAL_API_URL = "https://partner.shopeemobile.com"
USER_AGENT = "satustok-shopee/0.1"

AUTH_PARTNER_PATH = "/api/v2/shop/auth_partner"
ITEMS_PER_PAGE = 100  # get_item_list: page_size 1..100
ITEM_IDS_PER_CALL = 50  # get_item_base_info: item_id_list ≤ 50
MODELS_PER_UPDATE = 50  # update_stock / update_price: 1..50 models of one item
ORDERS_PER_PAGE = 100  # get_order_list: page_size 1..100
ORDER_SNS_PER_CALL = 50  # get_order_detail: order_sn_list 1..50
# get_order_list takes at most 15 days; a second less keeps clear of an inclusive check.
# Windows share their boundary, so nothing falls between them.
ORDER_WINDOW = timedelta(days=15) - timedelta(seconds=1)
ORDER_TIME_FIELDS = ("create_time", "update_time")
ORDER_DETAIL_FIELDS = ",".join(
    (
        "item_list",
        "total_amount",
        "buyer_username",
        "pay_time",
        "recipient_address",
        "package_list",
        "shipping_carrier",
        "payment_method",
        "cancel_by",
        "cancel_reason",
        "buyer_cancel_reason",
        "estimated_shipping_fee",
        "actual_shipping_fee",
    )
)
DOCUMENT_ROWS_PER_CALL = 50  # the shipping document calls: order_list 1..50
RETURNS_PER_PAGE = 100  # get_return_list: page_size 1..100
SHIPPING_DOCUMENT_TYPE = "NORMAL_AIR_WAYBILL"
BUYER_CANCELLATION_OPERATIONS = ("ACCEPT", "REJECT")
DEFAULT_ITEM_STATUSES = ("NORMAL", "UNLIST", "BANNED", "REVIEWING")
CANCEL_REASONS = ("OUT_OF_STOCK", "CUSTOMER_REQUEST", "UNDELIVERABLE_AREA", "COD_NOT_SUPPORTED")

# Signatures and the partner key, wherever a body we quote might echo them.
_SIGNATURE_TEXT = re.compile(
    r'("(?:sign|partner_key|code)"\s*:\s*")[^"]*(")|(\b(?:sign|partner_key)=)[^&\s"]+',
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PartnerApp:
    """One Shopee app (partner). ``partner_key`` never shows in a repr."""

    partner_id: int
    partner_key: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.partner_key:
            raise ValueError("partner_key must not be empty")


@dataclass(frozen=True)
class ShopTokens:
    """A shop's token pair. The refresh token can be spent once: store the new pair at once."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime  # of the access token, UTC
    shop_id: int


@dataclass(frozen=True)
class Endpoint:
    """One Shopee API: its rate-budget group, method, path, signing and idempotency.

    ``tolerated`` names error codes that, when their body carries a ``failure_list``, are
    per-model answers rather than a refusal of the call (update_stock's "every model failed,
    check failure_list"); without one (e.g. "multi warehouse, please input location id") they
    raise as usual."""

    group: str
    method: str
    path: str
    idempotent: bool
    public: bool = False  # partner-signed, no shop (auth, token, push config)
    scope: str | None = None  # error-table scope
    tolerated: frozenset[str] = frozenset()


# The authorization code and the refresh token are single-use: once a request may have reached
# Shopee, sending it again would meet "invalid" and lose the answer. Not idempotent.
TOKEN_GET = Endpoint(
    "token", "POST", "/api/v2/auth/token/get", False, public=True, scope=table.TOKEN_SCOPE
)
TOKEN_REFRESH = Endpoint(
    "token", "POST", "/api/v2/auth/access_token/get", False, public=True, scope=table.TOKEN_SCOPE
)
PUSH_CONFIG = Endpoint("push_config", "POST", "/api/v2/push/set_app_push_config", True, public=True)
SHOP_INFO = Endpoint("shop_info", "GET", "/api/v2/shop/get_shop_info", True)
WAREHOUSE_DETAIL = Endpoint("shop_info", "GET", "/api/v2/shop/get_warehouse_detail", True)
ITEM_LIST = Endpoint("item_list", "GET", "/api/v2/product/get_item_list", True)
ITEM_BASE_INFO = Endpoint("item_info", "GET", "/api/v2/product/get_item_base_info", True)
MODEL_LIST = Endpoint("model_list", "GET", "/api/v2/product/get_model_list", True)
# Absolute values: sending the same stock or price twice is harmless.
UPDATE_STOCK = Endpoint(
    "update_stock",
    "POST",
    "/api/v2/product/update_stock",
    True,
    tolerated=frozenset({"error_busi_update_stock_failed"}),
)
UPDATE_PRICE = Endpoint(
    "update_price",
    "POST",
    "/api/v2/product/update_price",
    True,
    tolerated=frozenset({"error_busi", "error_busi_update_price_failed"}),
)
ORDER_LIST = Endpoint("order_list", "GET", "/api/v2/order/get_order_list", True)
ORDER_DETAIL = Endpoint("order_detail", "GET", "/api/v2/order/get_order_detail", True)
# Repeating a cancel after a timeout would meet "not allowed": read the order instead.
CANCEL_ORDER = Endpoint("cancel_order", "POST", "/api/v2/order/cancel_order", False)
# Answering twice meets "not IN_CANCEL": read the order instead.
BUYER_CANCELLATION = Endpoint(
    "buyer_cancellation", "POST", "/api/v2/order/handle_buyer_cancellation", False
)
SHIPPING_PARAMETER = Endpoint(
    "shipping_parameter", "GET", "/api/v2/logistics/get_shipping_parameter", True
)
# A second ship_order meets logistics.package_already_shipped: read the order instead.
SHIP_ORDER = Endpoint("ship_order", "POST", "/api/v2/logistics/ship_order", False)
TRACKING_NUMBER = Endpoint("tracking_number", "GET", "/api/v2/logistics/get_tracking_number", True)
DOCUMENT_PARAMETER = Endpoint(
    "shipping_document", "POST", "/api/v2/logistics/get_shipping_document_parameter", True
)
# Creating a package's document again only starts the rendering again: safe to repeat.
CREATE_DOCUMENT = Endpoint(
    "shipping_document", "POST", "/api/v2/logistics/create_shipping_document", True
)
DOCUMENT_RESULT = Endpoint(
    "shipping_document", "POST", "/api/v2/logistics/get_shipping_document_result", True
)
DOWNLOAD_DOCUMENT = Endpoint(
    "shipping_document", "POST", "/api/v2/logistics/download_shipping_document", True
)
RETURN_LIST = Endpoint("returns", "GET", "/api/v2/returns/get_return_list", True)
RETURN_DETAIL = Endpoint("returns", "GET", "/api/v2/returns/get_return_detail", True)


@dataclass(frozen=True)
class _Answer:
    """A response Shopee called a success (or a tolerated failure), decoded."""

    body: dict[str, Any]
    status: int
    sent_at: float  # the clock at send time, in Unix seconds
    request_id: str | None
    raw: bytes

    @property
    def error_code(self) -> str:
        return str(self.body.get("error") or "")

    @property
    def message(self) -> str:
        return str(self.body.get("message") or "")


class ShopeeClient(ChannelClient):
    """A client for one Shopee app and, for shop calls, one shop.

    Construction does no I/O. Public (partner-signed) calls need only the app; shop calls also
    need ``shop_id`` and ``access_token``. ``clock`` is wall-clock Unix time: it stamps every
    signature (at send time: a retry is re-signed), dates tokens, and paces the rate budget and
    retries together with ``sleep``. The rest of the plumbing (``budget``, shared between the
    clients of one app; ``transport`` or ``http_client`` for tests…) is the kit's
    (:class:`~satustok.channels.http.client.ChannelClient`).
    """

    def __init__(
        self,
        app: PartnerApp,
        *,
        api_url: str = REAL_API_URL,
        shop_id: int | None = None,
        access_token: str | None = None,
        clock: Callable[[], float] = time.time,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(USER_AGENT, clock=clock, **options)
        self.app = app
        self.api_url = api_url.rstrip("/")
        self.shop_id = shop_id
        self._access_token = access_token
        self._secrets = SecretMemory([app.partner_key], _SIGNATURE_TEXT)
        self._secrets.remember(access_token)

    def __repr__(self) -> str:
        return (
            f"ShopeeClient(partner_id={self.app.partner_id}, shop_id={self.shop_id}, "
            f"api_url={self.api_url!r})"
        )

    # --- Authorization (public, partner-signed) ----------------------------------------------

    def authorization_url(self, redirect_url: str) -> str:
        """The link a seller opens to authorize the app for a shop. It expires in 5 minutes;
        Shopee then sends the browser to ``redirect_url?code=…&shop_id=…``."""
        timestamp = int(self._clock())
        query = {
            "partner_id": self.app.partner_id,
            "timestamp": timestamp,
            "sign": sign_public(
                self.app.partner_key, self.app.partner_id, AUTH_PARTNER_PATH, timestamp
            ),
            "redirect": redirect_url,
        }
        return f"{self.api_url}{AUTH_PARTNER_PATH}?{urlencode(query)}"

    def fetch_tokens(self, code: str, shop_id: int) -> ShopTokens:
        """Exchange the redirect's single-use ``code`` (10 minutes) for the shop's tokens."""
        require(bool(code.strip()), "the authorization code must not be blank")
        self._secrets.remember(code)
        body = {"code": code, "partner_id": self.app.partner_id, "shop_id": shop_id}
        return self._tokens(TOKEN_GET, self._call(TOKEN_GET, body=body), shop_id)

    def refresh_tokens(self, refresh_token: str, shop_id: int) -> ShopTokens:
        """A new token pair. ``refresh_token`` is spent even if the answer is lost, so this
        call is never repeated once it may have reached Shopee: store the result at once."""
        require(bool(refresh_token.strip()), "the refresh token must not be blank")
        self._secrets.remember(refresh_token)
        body = {
            "refresh_token": refresh_token,
            "partner_id": self.app.partner_id,
            "shop_id": shop_id,
        }
        return self._tokens(TOKEN_REFRESH, self._call(TOKEN_REFRESH, body=body), shop_id)

    def _tokens(self, endpoint: Endpoint, answer: _Answer, shop_id: int) -> ShopTokens:
        issued = self._model(endpoint, answer, answer.body, TokenResponse)
        access, refresh = self._secrets.reveal(issued.access_token, issued.refresh_token)
        if not access or not refresh:
            raise self._malformed(endpoint, answer, "the token answer has an empty token")
        sent_at = datetime.fromtimestamp(answer.sent_at, UTC)
        logger.info("obtained Shopee tokens for shop %s", shop_id)
        return ShopTokens(access, refresh, issued.expires_at(sent_at), shop_id)

    def set_push_config(
        self, callback_url: str, codes_on: Sequence[int], codes_off: Sequence[int] = ()
    ) -> None:
        """Register the app's push URL and switch push codes on (and off). Shopee sends a test
        push to the URL at once, which must answer 2xx within 3 seconds."""
        body: dict[str, Any] = {"callback_url": callback_url, "set_push_config_on": list(codes_on)}
        if codes_off:
            body["set_push_config_off"] = list(codes_off)
        self._call(PUSH_CONFIG, body=body)

    # --- Shop identity -----------------------------------------------------------------------

    def with_access_token(self, access_token: str) -> None:
        """Use a new access token from now on (after :meth:`refresh_tokens`)."""
        require(bool(access_token.strip()), "the access token must not be blank")
        self._secrets.remember(access_token)
        self._access_token = access_token

    def get_shop_info(self) -> ShopInfo:
        answer = self._call(SHOP_INFO)
        return self._model(SHOP_INFO, answer, answer.body, ShopInfo)

    def get_warehouse_detail(self) -> list[WarehouseDetail]:
        """The shop's pickup warehouses, each with the ``location_id`` its stock is kept under
        (a shop with several must name one in every stock update)."""
        answer = self._call(WAREHOUSE_DETAIL, params={"warehouse_type": 1})
        payload = {"rows": answer.body.get("response")}
        return list(self._model(WAREHOUSE_DETAIL, answer, payload, WarehouseDetailList).rows)

    # --- Products: reading -------------------------------------------------------------------

    def get_item_page(
        self,
        offset: int,
        page_size: int = ITEMS_PER_PAGE,
        statuses: Sequence[str] = DEFAULT_ITEM_STATUSES,
    ) -> ItemListPage:
        """One page of the shop's items from ``offset`` (0 first); ``item_status`` repeated."""
        require(1 <= page_size <= ITEMS_PER_PAGE, f"page_size must be 1..{ITEMS_PER_PAGE}")
        require(offset >= 0, "offset must not be negative")
        params = {"offset": offset, "page_size": page_size, "item_status": _statuses(statuses)}
        return self._response(ITEM_LIST, self._call(ITEM_LIST, params=params), ItemListPage)

    def get_items(self, item_ids: Iterable[int]) -> list[ItemBaseInfo]:
        """Base info of items, 50 ids a call; unknown ids are left out."""
        ids = list(dict.fromkeys(item_ids))
        found: list[ItemBaseInfo] = []
        for chunk in chunks(ids, ITEM_IDS_PER_CALL):
            params = {"item_id_list": ",".join(str(item_id) for item_id in chunk)}
            answer = self._call(ITEM_BASE_INFO, params=params)
            found.extend(self._response(ITEM_BASE_INFO, answer, ItemBaseInfoList).item_list)
        return found

    def get_models(self, item_id: int) -> ModelList:
        """The tiers and models (variants) of one item with ``has_model``."""
        answer = self._call(MODEL_LIST, params={"item_id": item_id})
        return self._response(MODEL_LIST, answer, ModelList)

    # --- Products: writing -------------------------------------------------------------------

    def update_stock(
        self,
        item_id: int,
        stocks: Sequence[tuple[int, int | Mapping[str, int]]],
        location_id: str | None = None,
    ) -> StockUpdateResult:
        """Set the seller stock of an item's models: ``(model_id, stock)``, model 0 for an item
        without models. Absolute values, so retried safely; 50 models a call. A stock may be
        ``{location_id: stock}`` (a shop with several locations: one ``seller_stock`` row each).

        Per-model refusals come back in ``failure_list`` (also when Shopee refuses every model
        of a call, which it reports as an error); only a refusal of the call as a whole (item
        not found, token refused, …) raises. A model listed twice is sent once, last value."""
        rows = _last_per_model(stocks, "stock")
        require(all(_not_negative(stock) for stock in rows.values()), "stock must not be negative")
        result = StockUpdateResult()
        for chunk in chunks(list(rows.items()), MODELS_PER_UPDATE):
            body = {
                "item_id": item_id,
                "stock_list": [_stock_row(m, s, location_id) for m, s in chunk],
            }
            answer = self._call(UPDATE_STOCK, body=body)
            chunk_result = self._response(UPDATE_STOCK, answer, StockUpdateResult)
            result = result.merged(_every_model_answered(answer, chunk_result, chunk))
        return result

    def update_price(self, item_id: int, prices: Sequence[tuple[int, float]]) -> PriceUpdateResult:
        """Set the original price of an item's models: ``(model_id, price)`` in the shop's
        currency (whole rupiah in Indonesia), 50 models a call. Per-model refusals come back in
        ``failure_list``, as for :meth:`update_stock`."""
        rows = _last_per_model(prices, "price")
        require(all(price > 0 for price in rows.values()), "price must be positive")
        result = PriceUpdateResult()
        for chunk in chunks(list(rows.items()), MODELS_PER_UPDATE):
            price_list = [{"model_id": m, "original_price": p} for m, p in chunk]
            body = {"item_id": item_id, "price_list": price_list}
            answer = self._call(UPDATE_PRICE, body=body)
            chunk_result = self._response(UPDATE_PRICE, answer, PriceUpdateResult)
            result = result.merged(_every_model_answered(answer, chunk_result, chunk))
        return result

    # --- Orders ------------------------------------------------------------------------------

    def iter_order_sns(
        self,
        time_from: datetime,
        time_to: datetime,
        *,
        field: str = "update_time",
        page_size: int = ORDERS_PER_PAGE,
    ) -> Iterator[OrderRef]:
        """Orders whose ``field`` (create_time or update_time) is in ``[time_from, time_to]``,
        each once, over windows of at most 15 days, each paged by cursor.

        ``time_to`` is frozen by the caller when its run starts. Windows share their boundary
        second, so orders on it are found whatever Shopee's inclusiveness, and de-duplicated.
        """
        require(field in ORDER_TIME_FIELDS, f"field must be one of {', '.join(ORDER_TIME_FIELDS)}")
        require(1 <= page_size <= ORDERS_PER_PAGE, f"page_size must be 1..{ORDERS_PER_PAGE}")
        require(aware(time_from) <= aware(time_to), "time_from must not be after time_to")
        # Checked above, at the call; the windows are read lazily, as the caller iterates.
        return self._iter_windows(time_from, time_to, field, page_size)

    def _iter_windows(
        self, time_from: datetime, time_to: datetime, field: str, page_size: int
    ) -> Iterator[OrderRef]:
        seen: set[str] = set()
        for start, end in time_windows(time_from, time_to, ORDER_WINDOW):
            for order in self._order_window(start, end, field, page_size):
                if order.order_sn not in seen:
                    seen.add(order.order_sn)
                    yield order

    def _order_window(
        self, start: datetime, end: datetime, field: str, page_size: int
    ) -> Iterator[OrderRef]:
        window = {
            "time_range_field": field,
            "time_from": unix_seconds(start),
            "time_to": unix_seconds(end),
        }
        paginator = CursorPaginator()
        while not paginator.finished:
            params = {
                **window,
                "page_size": page_size,
                "cursor": paginator.current,
                "response_optional_fields": "order_status",
            }
            page = self._response(ORDER_LIST, self._call(ORDER_LIST, params=params), OrderListPage)
            yield from page.order_list
            paginator.advance(page.next_cursor if page.more else None)

    def get_orders(self, order_sns: Iterable[str]) -> list[OrderDetail]:
        """Order details with their lines, total, buyer and pay time, 50 orders a call."""
        sns = list(dict.fromkeys(order_sns))
        found: list[OrderDetail] = []
        for chunk in chunks(sns, ORDER_SNS_PER_CALL):
            params = {
                "order_sn_list": ",".join(chunk),
                "response_optional_fields": ORDER_DETAIL_FIELDS,
            }
            answer = self._call(ORDER_DETAIL, params=params)
            found.extend(self._response(ORDER_DETAIL, answer, OrderDetailList).order_list)
        return found

    def cancel_order(
        self, order_sn: str, reason: str, items: Sequence[tuple[int, int]] = ()
    ) -> None:
        """Cancel an order before it ships. ``items`` are ``(item_id, model_id)`` pairs, and
        required for OUT_OF_STOCK. Not repeated after an ambiguous failure: read the order."""
        require(reason in CANCEL_REASONS, f"reason must be one of {', '.join(CANCEL_REASONS)}")
        require(reason != "OUT_OF_STOCK" or bool(items), "OUT_OF_STOCK needs the items")
        body: dict[str, Any] = {"order_sn": order_sn, "cancel_reason": reason}
        if items:
            body["item_list"] = [{"item_id": i, "model_id": m} for i, m in items]
        self._call(CANCEL_ORDER, body=body)

    def handle_buyer_cancellation(self, order_sn: str, operation: str) -> None:
        """Answer the buyer's cancellation request of an IN_CANCEL order: ``ACCEPT`` (Shopee
        cancels the order) or ``REJECT`` (it goes back to where it was)."""
        require(
            operation in BUYER_CANCELLATION_OPERATIONS,
            f"operation must be one of {', '.join(BUYER_CANCELLATION_OPERATIONS)}",
        )
        self._call(BUYER_CANCELLATION, body={"order_sn": order_sn, "operation": operation})

    # --- Logistics -----------------------------------------------------------------------------

    def get_shipping_parameter(self, order_sn: str, package_number: str = "") -> ShippingParameter:
        """How the package can ship (``info_needed``), with pickup addresses and slots."""
        params = _package_query(order_sn, package_number)
        answer = self._call(SHIPPING_PARAMETER, params=params)
        return self._response(SHIPPING_PARAMETER, answer, ShippingParameter)

    def ship_order(
        self,
        order_sn: str,
        *,
        package_number: str = "",
        pickup: Mapping[str, Any] | None = None,
        dropoff: Mapping[str, Any] | None = None,
        non_integrated: Mapping[str, Any] | None = None,
    ) -> None:
        """Arrange shipment with exactly one of ``pickup`` (``address_id``,
        ``pickup_time_id``), ``dropoff`` (possibly empty) or ``non_integrated``
        (``tracking_number``): the key ``info_needed`` named, sent even as an empty object.
        Not repeated after an ambiguous failure: a second call meets
        ``logistics.package_already_shipped``."""
        given = {
            name: dict(value)
            for name, value in (
                ("pickup", pickup),
                ("dropoff", dropoff),
                ("non_integrated", non_integrated),
            )
            if value is not None
        }
        require(len(given) == 1, "give exactly one of pickup, dropoff or non_integrated")
        body: dict[str, Any] = {"order_sn": order_sn, **given}
        if package_number:
            body["package_number"] = package_number
        self._call(SHIP_ORDER, body=body)

    def get_tracking_number(self, order_sn: str, package_number: str = "") -> TrackingNumber:
        params = _package_query(order_sn, package_number)
        answer = self._call(TRACKING_NUMBER, params=params)
        return self._response(TRACKING_NUMBER, answer, TrackingNumber)

    def get_shipping_document_parameter(
        self, packages: Sequence[tuple[str, str]]
    ) -> list[DocumentRow]:
        """The document types each ``(order_sn, package_number)`` can print."""
        return self._document_rows(DOCUMENT_PARAMETER, [_package_row(*p) for p in packages])

    def create_shipping_document(
        self,
        packages: Sequence[tuple[str, str, str]],
        document_type: str = SHIPPING_DOCUMENT_TYPE,
    ) -> list[DocumentRow]:
        """Start rendering the airway bill of each ``(order_sn, package_number,
        tracking_number)``; a row Shopee refuses comes back with ``fail_error``."""
        rows = [
            {**_package_row(sn, package), "tracking_number": tracking}
            if tracking
            else _package_row(sn, package)
            for sn, package, tracking in packages
        ]
        for row in rows:
            row["shipping_document_type"] = document_type
        return self._document_rows(CREATE_DOCUMENT, rows)

    def get_shipping_document_result(
        self,
        packages: Sequence[tuple[str, str]],
        document_type: str = SHIPPING_DOCUMENT_TYPE,
    ) -> list[DocumentRow]:
        """Each package's document ``status``: PROCESSING, READY or FAILED."""
        rows = [_package_row(*p) for p in packages]
        return self._document_rows(DOCUMENT_RESULT, rows, document_type)

    def download_shipping_document(
        self,
        packages: Sequence[tuple[str, str]],
        document_type: str = SHIPPING_DOCUMENT_TYPE,
    ) -> bytes:
        """The READY documents of up to 50 packages as one file (a PDF: the body is the file's
        bytes, not JSON; an error still comes as the JSON envelope)."""
        require(0 < len(packages) <= DOCUMENT_ROWS_PER_CALL, "give 1..50 packages")
        body = {
            "shipping_document_type": document_type,
            "order_list": [_package_row(*p) for p in packages],
        }
        return self._with_retries(
            lambda: self._attempt_file(DOWNLOAD_DOCUMENT, {}, body),
            idempotent=DOWNLOAD_DOCUMENT.idempotent,
        )

    def _document_rows(
        self, endpoint: Endpoint, rows: list[dict[str, Any]], document_type: str = ""
    ) -> list[DocumentRow]:
        found: list[DocumentRow] = []
        for chunk in chunks(rows, DOCUMENT_ROWS_PER_CALL):
            body: dict[str, Any] = {"order_list": chunk}
            if document_type:
                body["shipping_document_type"] = document_type
            answer = self._call(endpoint, body=body)
            found.extend(self._response(endpoint, answer, DocumentResults).result_list)
        return found

    # --- Returns -------------------------------------------------------------------------------

    def iter_returns(
        self, created_from: datetime, created_to: datetime, *, page_size: int = RETURNS_PER_PAGE
    ) -> Iterator[ReturnRecord]:
        """Returns created in ``[created_from, created_to]`` (15-day windows), page by page."""
        require(1 <= page_size <= RETURNS_PER_PAGE, f"page_size must be 1..{RETURNS_PER_PAGE}")
        require(
            aware(created_from) <= aware(created_to), "created_from must not be after created_to"
        )
        for start, end in time_windows(created_from, created_to, ORDER_WINDOW):
            page_no, more = 0, True
            while more:
                params = {
                    "page_no": page_no,
                    "page_size": page_size,
                    "create_time_from": unix_seconds(start),
                    "create_time_to": unix_seconds(end),
                }
                page = self._response(
                    RETURN_LIST, self._call(RETURN_LIST, params=params), ReturnListPage
                )
                yield from page.returns
                more, page_no = page.more and bool(page.returns), page_no + 1

    def get_return_detail(self, return_sn: str) -> ReturnRecord:
        answer = self._call(RETURN_DETAIL, params={"return_sn": return_sn})
        return self._response(RETURN_DETAIL, answer, ReturnRecord)

    # --- The request pipeline ----------------------------------------------------------------

    def _call(
        self,
        endpoint: Endpoint,
        *,
        params: Mapping[str, Any] | None = None,
        body: object = None,
    ) -> _Answer:
        """Send one API call with budget, a fresh signature per attempt, and retries."""
        if not endpoint.public:
            self._require_shop(endpoint)
        query = dict(params or {})
        return self._with_retries(
            lambda: self._attempt(endpoint, query, body), idempotent=endpoint.idempotent
        )

    def _attempt_file(self, endpoint: Endpoint, params: dict[str, Any], body: object) -> bytes:
        """One exchange whose success is a file: its bytes; a JSON body is Shopee's envelope
        (an error raises; a "success" without the file is malformed)."""
        self._require_shop(endpoint)
        response, sent_at = self._paced(
            endpoint.group, lambda now: self._send(endpoint, params, body, int(now))
        )
        if response.is_success and not _looks_like_json(response):
            return response.content
        self._read(endpoint, response, sent_at)
        raise self._malformed(endpoint, None, "the answer has no document", response)

    def _require_shop(self, endpoint: Endpoint) -> None:
        if self.shop_id is None or not self._access_token:
            raise ValidationError(
                "this client has no shop_id and access_token for shop calls",
                endpoint=endpoint.group,
            )

    def _attempt(self, endpoint: Endpoint, params: dict[str, Any], body: object) -> _Answer:
        # Shopee throttles per call, not per row: a batch of 50 costs one unit.
        response, sent_at = self._paced(
            endpoint.group, lambda now: self._send(endpoint, params, body, int(now))
        )
        return self._read(endpoint, response, sent_at)

    def _signature(self, endpoint: Endpoint, timestamp: int) -> dict[str, Any]:
        """The common query parameters, signed for ``timestamp``."""
        key, partner_id = self.app.partner_key, self.app.partner_id
        common: dict[str, Any] = {"partner_id": partner_id, "timestamp": timestamp}
        if endpoint.public:
            common["sign"] = sign_public(key, partner_id, endpoint.path, timestamp)
            return common
        token, shop_id = self._access_token or "", self.shop_id or 0
        common |= {"access_token": token, "shop_id": shop_id}
        common["sign"] = sign_shop(key, partner_id, endpoint.path, timestamp, token, shop_id)
        return common

    def _send(
        self, endpoint: Endpoint, params: dict[str, Any], body: object, timestamp: int
    ) -> httpx.Response:
        """One HTTP exchange (transport.py), signed for ``timestamp``. Logged by group only:
        the URL carries the access token and signature."""
        query = {**params, **self._signature(endpoint, timestamp)}
        url = self.api_url + endpoint.path
        return send(self._http, endpoint, url, logger, params=query, json=body)

    def _read(self, endpoint: Endpoint, response: httpx.Response, sent_at: float) -> _Answer:
        """The decoded body of a success; a failure, whatever its status, raises."""
        body = json_object(response.content)
        if body is None:
            if response.is_success:
                raise self._malformed(endpoint, None, "the body is not a JSON object", response)
            raise self._error(endpoint, response, None, "")
        request_id = str(body.get("request_id") or "") or response.headers.get("x-request-id")
        answer = _Answer(body, response.status_code, sent_at, request_id, response.content)
        code = answer.error_code
        # The sheet: error == "" is success whatever the status; a non-2xx without any
        # ``error`` key is a proxy's page, not Shopee's answer.
        if not code and (response.is_success or "error" in body):
            return answer
        if code and table.bare_code(code) in endpoint.tolerated and _has_failure_list(body):
            return answer
        raise self._error(endpoint, response, code, answer.message, request_id)

    def _error(
        self,
        endpoint: Endpoint,
        response: httpx.Response,
        code: str | None,
        message: str,
        request_id: str | None = None,
    ) -> ChannelError:
        """The error to raise for a failed response, with a redacted body excerpt."""
        rule = table.rule_for(response.status_code, code, message, endpoint.scope)
        if issubclass(rule.error, table.RequestShapeRefused):
            # Our bug, not the seller's or the listing's: loud, with what Shopee said.
            logger.error(
                "Shopee could not read the hub's %s request (%s: %s): a bug in satustok",
                endpoint.group,
                code,
                self._secrets.redact(message),
            )
        return rule.error(
            self._secrets.redact(table.describe(rule, code, message)),
            status=response.status_code,
            error_code=code or None,
            endpoint=endpoint.group,
            body_excerpt=self._secrets.excerpt(response.content),
            request_id=request_id or response.headers.get("x-request-id"),
            retry_after=self._retry_after(rule.error, code, response),
        )

    def _retry_after(
        self, error: type[ChannelError], code: str | None, response: httpx.Response
    ) -> float | None:
        """The daily quota waits for midnight UTC+8; anything else, for the headers' hint."""
        if issubclass(error, RateLimited) and table.is_daily_quota(code):
            return table.seconds_until_quota_reset(self._clock())
        return RateHeaders.parse(response.headers).wait_hint()

    # --- Parsing -----------------------------------------------------------------------------

    def _response(self, endpoint: Endpoint, answer: _Answer, model: type[T]) -> T:
        """The envelope's ``response`` object, validated as ``model`` (absent means empty)."""
        payload = answer.body.get("response")
        return self._model(endpoint, answer, payload if payload is not None else {}, model)

    def _model(self, endpoint: Endpoint, answer: _Answer, payload: object, model: type[T]) -> T:
        return validated(model, payload, lambda problem: self._malformed(endpoint, answer, problem))

    def _malformed(
        self,
        endpoint: Endpoint,
        answer: _Answer | None,
        problem: str,
        response: httpx.Response | None = None,
    ) -> MalformedPayload:
        raw = answer.raw if answer else (response.content if response else b"")
        return MalformedPayload(
            problem,
            status=answer.status if answer else (response.status_code if response else None),
            endpoint=endpoint.group,
            body_excerpt=self._secrets.excerpt(raw),
            request_id=answer.request_id if answer else None,
        )


# --- Helpers (pure functions) ----------------------------------------------------------------


def _statuses(statuses: Sequence[str]) -> list[str]:
    """The ``item_status`` values to repeat in the query; a lone string is one status (not
    its letters)."""
    listed = [statuses] if isinstance(statuses, str) else list(statuses)
    require(bool(listed), "give at least one item status")
    return listed


def _package_query(order_sn: str, package_number: str) -> dict[str, Any]:
    require(bool(order_sn.strip()), "order_sn must not be blank")
    query: dict[str, Any] = {"order_sn": order_sn}
    if package_number:
        query["package_number"] = package_number
    return query


def _package_row(order_sn: str, package_number: str) -> dict[str, Any]:
    """An order_list row; ``package_number`` left out when empty (Shopee refuses "")."""
    row: dict[str, Any] = {"order_sn": order_sn}
    if package_number:
        row["package_number"] = package_number
    return row


def _looks_like_json(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "")
    return "json" in kind or response.content.lstrip()[:1] == b"{"


def _has_failure_list(body: Mapping[str, Any]) -> bool:
    response = body.get("response")
    return isinstance(response, dict) and "failure_list" in response


def _last_per_model(rows: Sequence[tuple[int, T]], what: str) -> dict[int, T]:
    """``{model_id: value}``, the last value of a model listed twice (a set is last-write-wins)."""
    latest: dict[int, T] = {}
    for model_id, value in rows:
        require(model_id >= 0, f"model_id must not be negative (the {what} of model {model_id})")
        latest[model_id] = value
    return latest


UpdateResultT = TypeVar("UpdateResultT", StockUpdateResult, PriceUpdateResult)


def _every_model_answered(
    answer: _Answer, result: UpdateResultT, sent: Sequence[tuple[int, object]]
) -> UpdateResultT:
    """After a tolerated "every model failed", give each model sent an outcome, so a caller
    never has to guess about a model Shopee left out of both lists."""
    if not answer.error_code:
        return result
    failures: list[ModelFailure] = list(result.failure_list)
    listed = {row.model_id for row in result.success_list} | {row.model_id for row in failures}
    reason = answer.message or answer.error_code
    failures += [ModelFailure(model_id=m, failed_reason=reason) for m, _ in sent if m not in listed]
    return result.model_copy(update={"failure_list": failures})


def _not_negative(stock: int | Mapping[str, int]) -> bool:
    return all(s >= 0 for s in stock.values()) if isinstance(stock, Mapping) else stock >= 0


def _stock_row(
    model_id: int, stock: int | Mapping[str, int], location_id: str | None
) -> dict[str, Any]:
    if isinstance(stock, Mapping):  # one row per location
        rows = [{"location_id": location, "stock": s} for location, s in stock.items()]
        return {"model_id": model_id, "seller_stock": rows}
    seller_stock: dict[str, Any] = {"stock": stock}
    if location_id:
        seller_stock["location_id"] = location_id
    return {"model_id": model_id, "seller_stock": [seller_stock]}
