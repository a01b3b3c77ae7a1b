"""The TikTok Shop Partner API client: the only module of satustok that speaks HTTP to TikTok Shop.

It talks to the real hosts or to the local sandbox; only the three base URLs differ:

================  =========================================  ================================
base              real                                       sandbox
================  =========================================  ================================
``api_url``       ``https://open-api.tiktokglobalshop.com``  ``{server}/tiktokshop/open-api``
``auth_url``      ``https://auth.tiktok-shops.com``          ``{server}/tiktokshop/auth``
``services_url``  ``https://services.tiktokshop.com``        ``{server}/tiktokshop/services``
================  =========================================  ================================

Signatures cover the API path *relative to the base URL* (``/product/202309/products/search``),
never a prefix the base URL carries. Plain Python (no Django): the hub builds a client per
shop from its database and hands it the shop's current access token and ``shop_cipher``.

How one call goes (each step in its own small function)::

    body serialised ONCE to bytes               the same bytes are signed and sent, every try
    call_with_retries(                          retry.py: backoff, jitter, idempotency
        budget.acquire(group)                   ratelimit.py: a budget the hub may seed or share
        app_key, timestamp NOW, shop_cipher     a retry is re-signed with its own timestamp
        sign (signing.py) → query ``sign``
        send with explicit timeouts             transport.py: transport errors → the tree
        budget.observe(headers)
        JSON envelope, whatever the status; code == 0 is success
        otherwise errors.RULES → raise          tiktokshop/errors.py: one table
    )
    success → ``data`` as a lenient pydantic model, or MalformedPayload naming the field

The client does not refresh tokens itself: it holds no refresh token (the hub stores it; two
holders would race to spend it). An expired access token raises :class:`TokenExpired`; the
caller refreshes with :meth:`TikTokShopClient.refresh_token`, stores the new pair, calls
:meth:`TikTokShopClient.with_access_token` and tries again. A refused refresh token or code
raises :class:`~satustok.channels.tiktokshop.errors.ReauthorizationRequired` (an
``AuthorizationEnded``): the seller must reconnect.

Secrets — the app secret, access and refresh tokens, authorization codes and signatures — never
appear in an error's message, excerpt or repr, nor in this module's logs.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypedDict, TypeVar, Unpack
from urllib.parse import urlencode

import httpx

from satustok.channels.http.client import ChannelClient, ClientOptions
from satustok.channels.http.errors import (
    ChannelError,
    MalformedPayload,
    ValidationError,
    require,
)
from satustok.channels.http.pagination import CursorPaginator, aware, chunks
from satustok.channels.http.payloads import json_object, validated
from satustok.channels.http.ratelimit import RateHeaders
from satustok.channels.http.redaction import SecretMemory
from satustok.channels.http.transport import send
from satustok.channels.tiktokshop import errors as table
from satustok.channels.tiktokshop.schemas import (
    AuthorizedShop,
    AuthorizedShops,
    Cancellation,
    CancellationRecord,
    CancellationSearchPage,
    HandoverTimeSlots,
    InventorySearch,
    Order,
    OrderList,
    OrderSearchPage,
    PackageDetail,
    PackageSearchPage,
    Product,
    ProductInventory,
    ProductSearchPage,
    ReturnRecord,
    ReturnSearchPage,
    ShippedPackage,
    ShippingDocument,
    TokenGrant,
    UpdateResult,
    Warehouse,
    Warehouses,
    WebhookRegistration,
    WebhookRegistrations,
)
from satustok.channels.tiktokshop.signing import JSON_CONTENT_TYPE, param_text, sign_request

logger = logging.getLogger(__name__)

T = TypeVar("T")

REAL_API_URL = "https://open-api.tiktokglobalshop.com"
REAL_AUTH_URL = "https://auth.tiktok-shops.com"
REAL_SERVICES_URL = "https://services.tiktokshop.com"  # Indonesia and the rest of the world
USER_AGENT = "satustok-tiktokshop/0.1"


class BaseUrls(TypedDict):
    """The three base URLs as keyword arguments: ``TikTokShopClient(app, **urls)`` type-checks
    with a ``BaseUrls`` where a plain ``dict[str, str]`` would not."""

    api_url: str
    auth_url: str
    services_url: str


REAL_URLS = BaseUrls(api_url=REAL_API_URL, auth_url=REAL_AUTH_URL, services_url=REAL_SERVICES_URL)

ACCESS_TOKEN_HEADER = "x-tts-access-token"
AUTHORIZE_PATH = "/open/authorize"
PRODUCTS_PER_PAGE = 100  # products/search: page_size 1..100
ORDERS_PER_PAGE = 100  # orders/search: page_size 1..100
ORDER_IDS_PER_CALL = 50  # GET /order/…/orders: ids ≤ 50
INVENTORY_PRODUCT_IDS = 100  # inventory/search: product_ids ≤ 100
INVENTORY_SKU_IDS = 600  # inventory/search: sku_ids ≤ 600
MAX_QUANTITY = 99_999  # inventory/update: quantity 0..99,999
MAX_WEBHOOK_ADDRESS = 255
PRODUCT_SEARCH_VERSIONS = ("202309", "202312", "202502")
ORDER_DETAIL_VERSIONS = ("202309", "202507")
LISTING_PLATFORMS = ("TIKTOK_SHOP", "TOKOPEDIA")
ORDER_TIME_FIELDS = ("update_time", "create_time")
SORT_ORDERS = ("ASC", "DESC")

# Signatures, the app secret and grant codes, wherever a body we quote might echo them (the
# shared ``redact`` already masks JSON access_token / refresh_token / token / secret fields).
_SECRET_TEXT = re.compile(
    r'("(?:sign|app_secret|auth_code)"\s*:\s*")[^"]*(")'
    r'|(\b(?:sign|app_secret|auth_code|refresh_token|access_token)=)[^&\s"]+',
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AppCredentials:
    """One TikTok Shop app. ``service_id`` is needed only for the seller's authorization link;
    ``app_secret`` never shows in a repr."""

    app_key: str
    app_secret: str = field(repr=False)
    service_id: str = ""

    def __post_init__(self) -> None:
        if not self.app_key or not self.app_secret:
            raise ValueError("app_key and app_secret must not be empty")


@dataclass(frozen=True)
class ShopTokens:
    """A seller's token pair (one grant covers every shop the seller authorized). Store the
    new pair as soon as it arrives: the refresh token that produced it is spent."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime  # UTC
    refresh_expires_at: datetime  # UTC
    open_id: str
    seller_name: str = ""
    seller_base_region: str = ""
    granted_scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SkuStock:
    """An absolute available quantity for one SKU in one warehouse (``warehouse_id`` may be
    left out when the SKU has a single warehouse; otherwise list every warehouse)."""

    sku_id: str
    quantity: int
    warehouse_id: str | None = None


@dataclass(frozen=True)
class SkuPrice:
    """A SKU's price in whole units of ``currency`` (rupiah), and optionally its list price."""

    sku_id: str
    amount: int
    currency: str = "IDR"
    list_price: int | None = None


@dataclass(frozen=True)
class Endpoint:
    """One TikTok Shop API: its rate-budget group, method, path, and what it needs.

    ``path`` may hold ``{product_id}``; the rate group is per API, not per product."""

    group: str
    method: str
    path: str
    idempotent: bool
    shop_scoped: bool = True  # sends shop_cipher
    token_endpoint: bool = False  # auth host, unsigned, credentials in the query
    scope: str | None = None  # error-table scope


# The authorization code and the refresh token are single-use: once a request may have reached
# TikTok Shop, sending it again would meet "invalid" and lose the answer. Not idempotent.
TOKEN_GET = Endpoint(
    "token",
    "GET",
    "/api/v2/token/get",
    idempotent=False,
    shop_scoped=False,
    token_endpoint=True,
    scope=table.TOKEN_SCOPE,
)
TOKEN_REFRESH = Endpoint(
    "token",
    "GET",
    "/api/v2/token/refresh",
    idempotent=False,
    shop_scoped=False,
    token_endpoint=True,
    scope=table.TOKEN_SCOPE,
)
# Seller-level, like every /authorization/* API: no shop_cipher.
AUTHORIZED_SHOPS = Endpoint("shops", "GET", "/authorization/202309/shops", True, shop_scoped=False)
SEARCH_PRODUCTS = {
    version: Endpoint("product_search", "POST", f"/product/{version}/products/search", True)
    for version in PRODUCT_SEARCH_VERSIONS
}
GET_PRODUCT = Endpoint("product_detail", "GET", "/product/202309/products/{product_id}", True)
WAREHOUSES = Endpoint("warehouses", "GET", "/logistics/202309/warehouses", True)
SEARCH_INVENTORY = Endpoint("inventory_search", "POST", "/product/202309/inventory/search", True)
# Absolute values: sending the same quantities or prices twice is harmless.
UPDATE_INVENTORY = Endpoint(
    "inventory_update", "POST", "/product/202309/products/{product_id}/inventory/update", True
)
UPDATE_PRICES = Endpoint(
    "price_update", "POST", "/product/202309/products/{product_id}/prices/update", True
)
SEARCH_ORDERS = Endpoint("order_search", "POST", "/order/202309/orders/search", True)
GET_ORDERS = {
    version: Endpoint("order_detail", "GET", f"/order/{version}/orders", True)
    for version in ORDER_DETAIL_VERSIONS
}
# One registration per event type: putting the same address twice leaves one.
PUT_WEBHOOK = Endpoint("webhooks", "PUT", "/event/202309/webhooks", True)
LIST_WEBHOOKS = Endpoint("webhooks", "GET", "/event/202309/webhooks", True)
# Repeating a cancel after a timeout would meet "not allowed": read the order instead.
CANCEL_ORDER = Endpoint("cancel", "POST", "/return_refund/202309/cancellations", False)
# Fulfilment (§6.1). Shipping is not repeated after an ambiguous failure: a second ship call
# is refused ("already shipped"), so the caller reads the package instead.
PACKAGES = "/fulfillment/202309/packages"
GET_PACKAGE = Endpoint("package_detail", "GET", PACKAGES + "/{package_id}", True)
HANDOVER_SLOTS = Endpoint(
    "handover_slots", "GET", PACKAGES + "/{package_id}/handover_time_slots", True
)
SHIP_PACKAGE = Endpoint("package_ship", "POST", PACKAGES + "/{package_id}/ship", False)
SHIPPING_DOCUMENTS = Endpoint(
    "shipping_documents", "GET", PACKAGES + "/{package_id}/shipping_documents", True
)
SEARCH_PACKAGES = Endpoint("package_search", "POST", PACKAGES + "/search", True)
MARK_SHIPPED = Endpoint(
    "mark_shipped", "POST", "/fulfillment/202309/orders/{order_id}/packages", False
)
# The doc_url download: the same budget group and client, no signature (the URL is the key).
DOWNLOAD_DOCUMENT = Endpoint("shipping_documents", "GET", "doc_url", True)
CANCELLATIONS = "/return_refund/202309/cancellations"
SEARCH_CANCELLATIONS = Endpoint("cancellation_search", "POST", CANCELLATIONS + "/search", True)
# Answering a request twice is refused ("not pending"): not repeated, the caller re-reads.
APPROVE_CANCELLATION = Endpoint(
    "cancellation_answer", "POST", CANCELLATIONS + "/{cancel_id}/approve", False
)
REJECT_CANCELLATION = Endpoint(
    "cancellation_answer", "POST", CANCELLATIONS + "/{cancel_id}/reject", False
)
SEARCH_RETURNS = Endpoint("return_search", "POST", "/return_refund/202309/returns/search", True)
HANDOVER_METHODS = ("PICKUP", "DROP_OFF")
DOCUMENT_TYPES = ("SHIPPING_LABEL", "PACKING_SLIP", "SHIPPING_LABEL_AND_PACKING_SLIP")
DOCUMENT_SIZES = ("A6", "A5")
PACKAGES_PER_PAGE = 50  # packages/search: page_size 1..50
AFTERSALES_PER_PAGE = 50  # cancellations/search 1..50, returns/search 10..50
AFTERSALE_ORDER_IDS = 50


@dataclass(frozen=True)
class _Request:
    """What stays the same over every attempt of one call: above all, the body's bytes."""

    endpoint: Endpoint
    path: str
    params: dict[str, str]
    body: bytes | None


@dataclass(frozen=True)
class _Answer:
    """A response TikTok Shop called a success, decoded."""

    data: Any
    status: int
    sent_at: float  # the clock at send time, in Unix seconds
    request_id: str | None
    raw: bytes


class TikTokShopClient(ChannelClient):
    """A client for one TikTok Shop app and, for shop calls, one seller's token and one shop.

    Construction does no I/O. The token endpoints need only the app; ``authorized_shops``
    also needs ``access_token``; shop calls also need ``shop_cipher``. ``clock`` is wall-clock
    Unix time: it stamps every signature (at send time: a retry is re-signed), dates tokens,
    and paces the rate budget and retries together with ``sleep``. The rest of the plumbing
    (``budget``, shared by the clients of one app; ``transport`` or ``http_client`` for tests…)
    is the kit's (:class:`~satustok.channels.http.client.ChannelClient`).
    """

    def __init__(
        self,
        app: AppCredentials,
        *,
        api_url: str = REAL_API_URL,
        auth_url: str = REAL_AUTH_URL,
        services_url: str = REAL_SERVICES_URL,
        access_token: str | None = None,
        shop_cipher: str | None = None,
        clock: Callable[[], float] = time.time,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(USER_AGENT, clock=clock, **options)
        self.app = app
        self.api_url = api_url.rstrip("/")
        self.auth_url = auth_url.rstrip("/")
        self.services_url = services_url.rstrip("/")
        self._access_token = access_token
        self.shop_cipher = shop_cipher
        self._secrets = SecretMemory([app.app_secret], _SECRET_TEXT)
        self._secrets.remember(access_token)

    def __repr__(self) -> str:
        return (
            f"TikTokShopClient(app_key={self.app.app_key!r}, shop_cipher={self.shop_cipher!r}, "
            f"api_url={self.api_url!r})"
        )

    # --- Authorization -----------------------------------------------------------------------

    def authorization_url(self, state: str) -> str:
        """The link a seller opens to authorize the app. TikTok Shop then sends the browser to
        the redirect URL registered in Partner Center with ``?code=…&state=…``."""
        require(bool(self.app.service_id), "the app has no service_id for the seller's link")
        require(bool(state), "state must not be empty (it protects the redirect from CSRF)")
        query = urlencode({"service_id": self.app.service_id, "state": state})
        return f"{self.services_url}{AUTHORIZE_PATH}?{query}"

    def get_token(self, auth_code: str) -> ShopTokens:
        """Exchange the redirect's single-use ``code`` (30 minutes) for the seller's tokens."""
        require(bool(auth_code.strip()), "the authorization code must not be blank")
        self._secrets.remember(auth_code)
        params = {"auth_code": auth_code, "grant_type": "authorized_code"}
        return self._tokens(TOKEN_GET, self._call(TOKEN_GET, params=params))

    def refresh_token(self, refresh_token: str) -> ShopTokens:
        """A new token pair. ``refresh_token`` may be spent even if the answer is lost, so this
        call is never repeated once it may have reached TikTok Shop: store the result at once."""
        require(bool(refresh_token.strip()), "the refresh token must not be blank")
        self._secrets.remember(refresh_token)
        params = {"refresh_token": refresh_token, "grant_type": "refresh_token"}
        return self._tokens(TOKEN_REFRESH, self._call(TOKEN_REFRESH, params=params))

    def _tokens(self, endpoint: Endpoint, answer: _Answer) -> ShopTokens:
        grant = self._model(endpoint, answer, answer.data, TokenGrant)
        access, refresh = self._secrets.reveal(grant.access_token, grant.refresh_token)
        if not access or not refresh:
            raise self._malformed(endpoint, answer, "the token answer has an empty token")
        issued_at = datetime.fromtimestamp(answer.sent_at, UTC)
        logger.info("obtained TikTok Shop tokens for seller %s", grant.open_id or "?")
        return ShopTokens(
            access_token=access,
            refresh_token=refresh,
            access_expires_at=grant.access_expires_at(issued_at),
            refresh_expires_at=grant.refresh_expires_at(issued_at),
            open_id=grant.open_id,
            seller_name=grant.seller_name,
            seller_base_region=grant.seller_base_region,
            granted_scopes=tuple(grant.granted_scopes),
        )

    def with_access_token(self, access_token: str) -> None:
        """Use a new access token from now on (after :meth:`refresh_token`)."""
        require(bool(access_token.strip()), "the access token must not be blank")
        self._secrets.remember(access_token)
        self._access_token = access_token

    def with_shop_cipher(self, shop_cipher: str) -> None:
        """Address shop calls to this shop from now on (its ``cipher`` from authorized_shops)."""
        require(bool(shop_cipher.strip()), "the shop cipher must not be blank")
        self.shop_cipher = shop_cipher

    def authorized_shops(self) -> list[AuthorizedShop]:
        """The shops the seller's grant covers, each with the ``cipher`` shop calls need."""
        answer = self._call(AUTHORIZED_SHOPS)
        return self._data(AUTHORIZED_SHOPS, answer, AuthorizedShops).shops

    # --- Products: reading -------------------------------------------------------------------

    def search_products(
        self,
        page_token: str = "",
        page_size: int = PRODUCTS_PER_PAGE,
        *,
        version: str = "202309",
        status: str | None = None,
        listing_platforms: Sequence[str] = (),
        seller_skus: Sequence[str] = (),
        update_time_ge: int | None = None,
        update_time_le: int | None = None,
    ) -> ProductSearchPage:
        """One page of the shop's products (the first when ``page_token`` is empty).

        ``status`` filters (``ALL`` is TikTok Shop's default); ``listing_platforms``
        (TIKTOK_SHOP, TOKOPEDIA) needs version 202502."""
        endpoint = _versioned(SEARCH_PRODUCTS, version, "product search")
        require(1 <= page_size <= PRODUCTS_PER_PAGE, f"page_size must be 1..{PRODUCTS_PER_PAGE}")
        platforms = list(listing_platforms)
        require(not platforms or version == "202502", "listing_platforms needs version 202502")
        require(set(platforms) <= set(LISTING_PLATFORMS), f"platforms: {LISTING_PLATFORMS}")
        body = _without_empty(
            {
                "status": status,
                "listing_platforms": platforms,
                "seller_skus": list(seller_skus),
                "update_time_ge": update_time_ge,
                "update_time_le": update_time_le,
            }
        )
        params = _page_params(page_token, page_size)
        answer = self._call(endpoint, params=params, body=body)
        return self._data(endpoint, answer, ProductSearchPage)

    def get_product(self, product_id: str) -> Product:
        """One product with its SKUs, their prices, stock and sales attributes."""
        require(bool(str(product_id).strip()), "product_id must not be blank")
        answer = self._call(GET_PRODUCT, path_args={"product_id": product_id})
        return self._data(GET_PRODUCT, answer, Product)

    def warehouses(self) -> list[Warehouse]:
        """The shop's warehouses (sales and return; enabled or not)."""
        return self._data(WAREHOUSES, self._call(WAREHOUSES), Warehouses).warehouses

    def search_inventory(
        self, *, product_ids: Iterable[str] = (), sku_ids: Iterable[str] = ()
    ) -> list[ProductInventory]:
        """Available and committed stock per warehouse, by products (100 a call) or by SKUs
        (600 a call). Give one of the two: TikTok Shop ignores product ids beside SKU ids."""
        products, skus = _unique(product_ids), _unique(sku_ids)
        require(bool(products) != bool(skus), "give product_ids or sku_ids (one of the two)")
        key, ids, size = (
            ("product_ids", products, INVENTORY_PRODUCT_IDS)
            if products
            else ("sku_ids", skus, INVENTORY_SKU_IDS)
        )
        found: list[ProductInventory] = []
        for chunk in chunks(ids, size):
            answer = self._call(SEARCH_INVENTORY, body={key: chunk})
            found.extend(self._data(SEARCH_INVENTORY, answer, InventorySearch).inventory)
        return found

    # --- Products: writing -------------------------------------------------------------------

    def update_inventory(self, product_id: str, skus: Iterable[SkuStock]) -> UpdateResult:
        """Set absolute available quantities of one product's SKUs (0..99,999), so retried
        safely. The product must be ACTIVATE, and every warehouse of a SKU should be listed.

        Per-SKU refusals come back in ``errors``; only a refusal of the call as a whole (token,
        signature, product not found…) raises. A (SKU, warehouse) listed twice is sent once,
        last value (a set is last-write-wins)."""
        rows = _stock_rows(skus)
        require(bool(rows), "give at least one SKU quantity")
        body = {"skus": rows}
        path_args = {"product_id": product_id}
        answer = self._call(UPDATE_INVENTORY, body=body, path_args=path_args)
        return self._data(UPDATE_INVENTORY, answer, UpdateResult)

    def update_prices(self, product_id: str, prices: Iterable[SkuPrice]) -> UpdateResult:
        """Set the prices of one product's SKUs (absolute, so retried safely). Market price
        limits apply; refusals, if TikTok Shop lists them per SKU, come back in ``errors``."""
        rows = _price_rows(prices)
        require(bool(rows), "give at least one SKU price")
        answer = self._call(
            UPDATE_PRICES, body={"skus": rows}, path_args={"product_id": product_id}
        )
        return self._data(UPDATE_PRICES, answer, UpdateResult)

    # --- Orders ------------------------------------------------------------------------------

    def search_orders(
        self,
        window: tuple[datetime, datetime],
        page_token: str = "",
        page_size: int = ORDERS_PER_PAGE,
        *,
        field: str = "update_time",
        sort_order: str = "ASC",
        order_status: str | None = None,
    ) -> OrderSearchPage:
        """One page of the orders whose ``field`` is in ``[start, end)`` (``_ge`` inclusive,
        ``_lt`` exclusive, so consecutive windows neither overlap nor leave a gap), sorted by
        ``field``. Full orders come back, line items included."""
        require(field in ORDER_TIME_FIELDS, f"field must be one of {', '.join(ORDER_TIME_FIELDS)}")
        require(sort_order in SORT_ORDERS, f"sort_order must be one of {', '.join(SORT_ORDERS)}")
        require(1 <= page_size <= ORDERS_PER_PAGE, f"page_size must be 1..{ORDERS_PER_PAGE}")
        start, end = window
        require(aware(start) <= aware(end), "the window's start must not be after its end")
        # Whole seconds: the start rounded down and the end up, so nothing on the edge is lost.
        body = _without_empty(
            {
                f"{field}_ge": math.floor(start.timestamp()),
                f"{field}_lt": math.ceil(end.timestamp()),
                "order_status": order_status,
            }
        )
        params = {
            **_page_params(page_token, page_size),
            "sort_field": field,
            "sort_order": sort_order,
        }
        answer = self._call(SEARCH_ORDERS, params=params, body=body)
        return self._data(SEARCH_ORDERS, answer, OrderSearchPage)

    def iter_orders(
        self, window: tuple[datetime, datetime], *, page_size: int = ORDERS_PER_PAGE, **options: Any
    ) -> Iterator[Order]:
        """Every order of the window (see :meth:`search_orders`), each once, page after page.
        The caller freezes the window's end when its run starts."""
        seen: set[str] = set()
        paginator = CursorPaginator()
        while not paginator.finished:
            page = self.search_orders(window, paginator.current, page_size, **options)
            for order in page.orders:
                if order.id not in seen:
                    seen.add(order.id)
                    yield order
            paginator.advance(page.next_page_token if page.orders else None)

    def get_orders(self, order_ids: Iterable[str], *, version: str = "202309") -> list[Order]:
        """Full orders by id, 50 a call; unknown ids are left out."""
        endpoint = _versioned(GET_ORDERS, version, "order detail")
        found: list[Order] = []
        for chunk in chunks(_unique(order_ids), ORDER_IDS_PER_CALL):
            answer = self._call(endpoint, params={"ids": param_text(chunk)})
            found.extend(self._data(endpoint, answer, OrderList).orders)
        return found

    def cancel_order(
        self, order_id: str, reason: str, *, skus: Sequence[tuple[str, int]] = ()
    ) -> Cancellation:
        """Ask TikTok Shop to cancel an order as the seller (``reason`` is a reason key such as
        ``seller_cancel_reason_out_of_stock``; ``skus`` are ``(sku_id, quantity)`` for a
        partial cancel). Not repeated after an ambiguous failure: read the order instead."""
        require(bool(order_id.strip()), "order_id must not be blank")
        require(bool(reason.strip()), "the cancel reason must not be blank")
        body: dict[str, Any] = {"order_id": order_id, "cancel_reason": reason}
        if skus:
            body["skus"] = [{"sku_id": sku, "quantity": qty} for sku, qty in skus]
        answer = self._call(CANCEL_ORDER, body=body)
        return self._data(CANCEL_ORDER, answer, Cancellation)

    # --- Fulfilment --------------------------------------------------------------------------

    def get_package(self, package_id: str) -> PackageDetail:
        """A package: status, handover method and slot, tracking number, courier, orders."""
        answer = self._call(GET_PACKAGE, path_args={"package_id": package_id})
        return self._data(GET_PACKAGE, answer, PackageDetail)

    def handover_time_slots(self, package_id: str) -> HandoverTimeSlots:
        """Whether the package may be picked up or dropped off, and the pickup slots."""
        answer = self._call(HANDOVER_SLOTS, path_args={"package_id": package_id})
        return self._data(HANDOVER_SLOTS, answer, HandoverTimeSlots)

    def ship_package(
        self,
        package_id: str,
        handover_method: str,
        *,
        pickup_slot: tuple[int, int] | None = None,
        self_shipment: tuple[str, str] | None = None,
    ) -> None:
        """Ship (arrange) a package: ``handover_method`` PICKUP (with a ``pickup_slot`` of
        ``(start_time, end_time)``) or DROP_OFF; ``self_shipment`` ``(tracking_number,
        shipping_provider_id)`` for a package the seller ships. Never repeated."""
        require(handover_method in HANDOVER_METHODS, "handover_method: PICKUP or DROP_OFF")
        require(pickup_slot is None or handover_method == "PICKUP", "a slot goes with PICKUP")
        body: dict[str, Any] = {"handover_method": handover_method}
        if pickup_slot is not None:
            body["pickup_slot"] = {"start_time": pickup_slot[0], "end_time": pickup_slot[1]}
        if self_shipment is not None:
            tracking, provider = self_shipment
            require(bool(tracking.strip()), "the tracking number must not be blank")
            body["self_shipment"] = {"tracking_number": tracking, "shipping_provider_id": provider}
        self._call(SHIP_PACKAGE, body=body, path_args={"package_id": package_id})

    def mark_package_as_shipped(
        self,
        order_id: str,
        tracking_number: str,
        shipping_provider_id: str,
        order_line_item_ids: Sequence[str] = (),
    ) -> ShippedPackage:
        """A seller-shipped order's parcel: its tracking number and courier."""
        require(bool(tracking_number.strip()), "the tracking number must not be blank")
        body = _without_empty(
            {
                "tracking_number": tracking_number.strip(),
                "shipping_provider_id": shipping_provider_id,
                "order_line_item_ids": list(order_line_item_ids),
            }
        )
        answer = self._call(MARK_SHIPPED, body=body, path_args={"order_id": order_id})
        return self._data(MARK_SHIPPED, answer, ShippedPackage)

    def search_packages(
        self, page_token: str = "", page_size: int = PACKAGES_PER_PAGE, **filters: Any
    ) -> PackageSearchPage:
        """One page of the shop's packages (``filters``: package_status, create_time_ge, …)."""
        require(1 <= page_size <= PACKAGES_PER_PAGE, f"page_size must be 1..{PACKAGES_PER_PAGE}")
        params = _page_params(page_token, page_size)
        answer = self._call(SEARCH_PACKAGES, params=params, body=_without_empty(filters))
        return self._data(SEARCH_PACKAGES, answer, PackageSearchPage)

    def shipping_document(
        self, package_id: str, document_type: str = "SHIPPING_LABEL", document_size: str = "A6"
    ) -> ShippingDocument:
        """Where the package's document is (``doc_url``), once the package is shipped."""
        require(document_type in DOCUMENT_TYPES, f"document_type: {', '.join(DOCUMENT_TYPES)}")
        require(document_size in DOCUMENT_SIZES, f"document_size: {', '.join(DOCUMENT_SIZES)}")
        params = {"document_type": document_type, "document_size": document_size}
        answer = self._call(SHIPPING_DOCUMENTS, params=params, path_args={"package_id": package_id})
        found = self._data(SHIPPING_DOCUMENTS, answer, ShippingDocument)
        if not found.doc_url.startswith(("https://", "http://")):
            raise self._malformed(SHIPPING_DOCUMENTS, answer, "doc_url is not a URL")
        return found

    def download_document(self, doc_url: str) -> bytes:
        """The document's bytes (a PDF), through this client's budget and retries."""

        def attempt() -> bytes:
            response, _ = self._paced(
                DOWNLOAD_DOCUMENT.group,
                lambda _now: send(self._http, DOWNLOAD_DOCUMENT, doc_url, logger),
            )
            if response.is_success and response.content.startswith(b"%PDF"):
                return response.content
            body = json_object(response.content) or {}
            raise self._error(
                DOWNLOAD_DOCUMENT,
                response,
                table.code_text(body.get("code")),
                str(body.get("message") or "the document is not a PDF"),
            )

        return self._with_retries(attempt, idempotent=True)

    # --- Cancellation requests and returns ----------------------------------------------------

    def search_cancellations(
        self,
        *,
        order_ids: Sequence[str] = (),
        cancel_status: Sequence[str] = (),
        page_token: str = "",
        page_size: int = AFTERSALES_PER_PAGE,
    ) -> CancellationSearchPage:
        require(1 <= page_size <= AFTERSALES_PER_PAGE, "page_size must be 1..50")
        require(len(order_ids) <= AFTERSALE_ORDER_IDS, "at most 50 order ids")
        body = _without_empty({"order_ids": list(order_ids), "cancel_status": list(cancel_status)})
        answer = self._call(
            SEARCH_CANCELLATIONS, params=_page_params(page_token, page_size), body=body
        )
        return self._data(SEARCH_CANCELLATIONS, answer, CancellationSearchPage)

    def cancellations_of(
        self, order_ids: Sequence[str], *statuses: str
    ) -> list[CancellationRecord]:
        """Every cancellation of the orders (in the given statuses), all pages."""
        return self._all_pages(
            lambda token: self.search_cancellations(
                order_ids=order_ids, cancel_status=statuses, page_token=token
            ),
            lambda page: (page.cancellations, page.next_page_token),
        )

    def approve_cancellation(self, cancel_id: str) -> None:
        self._call(APPROVE_CANCELLATION, path_args={"cancel_id": cancel_id})

    def reject_cancellation(self, cancel_id: str, reason: str, comment: str = "") -> None:
        require(bool(reason.strip()), "the reject reason must not be blank")
        body = _without_empty({"reject_reason": reason, "comment": comment or None})
        self._call(REJECT_CANCELLATION, body=body, path_args={"cancel_id": cancel_id})

    def search_returns(
        self,
        *,
        order_ids: Sequence[str] = (),
        return_status: Sequence[str] = (),
        page_token: str = "",
        page_size: int = AFTERSALES_PER_PAGE,
    ) -> ReturnSearchPage:
        require(10 <= page_size <= AFTERSALES_PER_PAGE, "page_size must be 10..50")
        require(len(order_ids) <= AFTERSALE_ORDER_IDS, "at most 50 order ids")
        body = _without_empty({"order_ids": list(order_ids), "return_status": list(return_status)})
        answer = self._call(SEARCH_RETURNS, params=_page_params(page_token, page_size), body=body)
        return self._data(SEARCH_RETURNS, answer, ReturnSearchPage)

    def returns_of(self, order_ids: Sequence[str], *statuses: str) -> list[ReturnRecord]:
        """Every return of the orders (50 ids a call), all pages."""
        found: list[ReturnRecord] = []
        for chunk in chunks(_unique(order_ids), AFTERSALE_ORDER_IDS):
            found += self._all_pages(
                lambda token: self.search_returns(
                    order_ids=chunk,  # noqa: B023 (read at once, within the iteration)
                    return_status=statuses,
                    page_token=token,
                ),
                lambda page: (page.return_orders, page.next_page_token),
            )
        return found

    def _all_pages(
        self, read: Callable[[str], T], rows: Callable[[T], tuple[list[Any], str]]
    ) -> list[Any]:
        found: list[Any] = []
        paginator = CursorPaginator()
        while not paginator.finished:
            items, next_token = rows(read(paginator.current))
            found += items
            paginator.advance(next_token if items else None)
        return found

    # --- Webhooks ----------------------------------------------------------------------------

    def register_webhook(self, address: str, event_type: str) -> None:
        """Send ``event_type`` notifications (ORDER_STATUS_CHANGE, …) of this shop to
        ``address``; registering again replaces the address."""
        require(0 < len(address) <= MAX_WEBHOOK_ADDRESS, "address must be 1..255 characters")
        require(bool(event_type.strip()), "event_type must not be blank")
        self._call(PUT_WEBHOOK, body={"address": address, "event_type": event_type})

    def list_webhooks(self) -> list[WebhookRegistration]:
        answer = self._call(LIST_WEBHOOKS)
        return self._data(LIST_WEBHOOKS, answer, WebhookRegistrations).webhooks

    # --- The request pipeline ----------------------------------------------------------------

    def _call(
        self,
        endpoint: Endpoint,
        *,
        params: Mapping[str, Any] | None = None,
        body: object = None,
        path_args: Mapping[str, str] | None = None,
    ) -> _Answer:
        """Send one API call with budget, a fresh signature per attempt, and retries."""
        request = self._request(endpoint, params, body, path_args)
        return self._with_retries(lambda: self._attempt(request), idempotent=endpoint.idempotent)

    def _request(
        self,
        endpoint: Endpoint,
        params: Mapping[str, Any] | None,
        body: object,
        path_args: Mapping[str, str] | None,
    ) -> _Request:
        """Check what the call needs, fill the path, and serialise the body once."""
        if not endpoint.token_endpoint:
            self._require_identity(endpoint)
        path = endpoint.path.format(**{k: _path_segment(v) for k, v in (path_args or {}).items()})
        query = {key: param_text(value) for key, value in (params or {}).items()}
        raw = None
        if body is not None:
            raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        return _Request(endpoint, path, query, raw)

    def _require_identity(self, endpoint: Endpoint) -> None:
        if not self._access_token:
            raise ValidationError("this client has no access token", endpoint=endpoint.group)
        if endpoint.shop_scoped and not self.shop_cipher:
            raise ValidationError(
                "this client has no shop_cipher for shop calls", endpoint=endpoint.group
            )

    def _attempt(self, request: _Request) -> _Answer:
        # TikTok Shop throttles per call, not per row: a batch costs one unit.
        response, sent_at = self._paced(
            request.endpoint.group, lambda now: self._send(request, int(now))
        )
        return self._read(request.endpoint, response, sent_at)

    def _common_params(self, request: _Request, timestamp: int) -> dict[str, str]:
        """The query as sent: the call's own parameters, the common ones, and ``sign``."""
        if request.endpoint.token_endpoint:
            app = self.app
            return {**request.params, "app_key": app.app_key, "app_secret": app.app_secret}
        query = {**request.params, "app_key": self.app.app_key, "timestamp": str(timestamp)}
        if request.endpoint.shop_scoped:
            query["shop_cipher"] = self.shop_cipher or ""
        query["sign"] = sign_request(self.app.app_secret, request.path, query, request.body or b"")
        return query

    def _send(self, request: _Request, timestamp: int) -> httpx.Response:
        """One HTTP exchange (transport.py). Logged by group only: the URL carries the
        signature (and, on the token endpoints, the app secret and the grant)."""
        endpoint = request.endpoint
        base = self.auth_url if endpoint.token_endpoint else self.api_url
        headers = {"content-type": JSON_CONTENT_TYPE}
        if not endpoint.token_endpoint:
            headers[ACCESS_TOKEN_HEADER] = self._access_token or ""
        query = self._common_params(request, timestamp)
        return send(
            self._http,
            endpoint,
            base + request.path,
            logger,
            params=query,
            content=request.body,
            headers=headers,
        )

    def _read(self, endpoint: Endpoint, response: httpx.Response, sent_at: float) -> _Answer:
        """The envelope's ``data`` of a success; a failure, whatever its status, raises."""
        body = json_object(response.content)
        if body is None:
            if response.is_success:
                raise self._malformed_response(endpoint, response, "the body is not a JSON object")
            raise self._error(endpoint, response, None, "")
        request_id = _request_id(body, response)
        code = table.code_text(body.get("code"))
        if code is None and response.is_success:
            if "code" not in body and "data" not in body:
                raise self._malformed_response(endpoint, response, "the body has no code or data")
            data = body.get("data")
            return _Answer(
                data if data is not None else {},
                response.status_code,
                sent_at,
                request_id,
                response.content,
            )
        message = str(body.get("message") or "")
        raise self._error(endpoint, response, code, message, request_id)

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
        return rule.error(
            self._secrets.redact(table.describe(rule, code, message)),
            status=response.status_code,
            error_code=code,
            endpoint=endpoint.group,
            body_excerpt=self._secrets.excerpt(response.content),
            request_id=request_id or _request_id({}, response),
            retry_after=RateHeaders.parse(response.headers).wait_hint(),
        )

    # --- Parsing -----------------------------------------------------------------------------

    def _data(self, endpoint: Endpoint, answer: _Answer, model: type[T]) -> T:
        return self._model(endpoint, answer, answer.data, model)

    def _model(self, endpoint: Endpoint, answer: _Answer, payload: object, model: type[T]) -> T:
        return validated(model, payload, lambda problem: self._malformed(endpoint, answer, problem))

    def _malformed(self, endpoint: Endpoint, answer: _Answer, problem: str) -> MalformedPayload:
        return MalformedPayload(
            problem,
            status=answer.status,
            endpoint=endpoint.group,
            body_excerpt=self._secrets.excerpt(answer.raw),
            request_id=answer.request_id,
        )

    def _malformed_response(
        self, endpoint: Endpoint, response: httpx.Response, problem: str
    ) -> MalformedPayload:
        return MalformedPayload(
            problem,
            status=response.status_code,
            endpoint=endpoint.group,
            body_excerpt=self._secrets.excerpt(response.content),
            request_id=_request_id({}, response),
        )


# --- Helpers (pure functions) ----------------------------------------------------------------


def _versioned(endpoints: Mapping[str, Endpoint], version: str, what: str) -> Endpoint:
    found = endpoints.get(version)
    if found is None:
        raise ValidationError(f"{what} versions: {', '.join(endpoints)}, not {version!r}")
    return found


def _path_segment(value: object) -> str:
    """An id placed in a path: digits and letters only, so it cannot reach another path."""
    text = str(value).strip()
    require(bool(re.fullmatch(r"[A-Za-z0-9_-]+", text)), f"not a TikTok Shop id: {text!r}")
    return text


def _page_params(page_token: str, page_size: int) -> dict[str, Any]:
    """``page_size``, and ``page_token`` only after the first page (it is signed if sent)."""
    params: dict[str, Any] = {"page_size": page_size}
    if page_token:
        params["page_token"] = page_token
    return params


def _without_empty(body: Mapping[str, Any]) -> dict[str, Any]:
    """The body without the filters left unset (None or an empty list)."""
    return {key: value for key, value in body.items() if value is not None and value != []}


def _unique(values: Iterable[str]) -> list[str]:
    """Ids as text, in order, each once (ids may come as numbers)."""
    return list(dict.fromkeys(str(value) for value in values))


def _request_id(body: Mapping[str, Any], response: httpx.Response) -> str | None:
    """The envelope's ``request_id``, else TikTok's log id header."""
    return str(body.get("request_id") or "") or response.headers.get("x-tt-logid")


def _stock_rows(skus: Iterable[SkuStock]) -> list[dict[str, Any]]:
    """``[{"id": sku, "inventory": [{"warehouse_id"?, "quantity"}]}]``, one row per SKU, the
    last quantity of a (SKU, warehouse) listed twice."""
    latest: dict[str, dict[str | None, int]] = {}
    for row in skus:
        require(bool(str(row.sku_id).strip()), "sku_id must not be blank")
        require(0 <= row.quantity <= MAX_QUANTITY, f"quantity must be 0..{MAX_QUANTITY}")
        latest.setdefault(str(row.sku_id), {})[row.warehouse_id] = row.quantity
    return [
        {"id": sku, "inventory": [_warehouse_quantity(w, q) for w, q in per_warehouse.items()]}
        for sku, per_warehouse in latest.items()
    ]


def _warehouse_quantity(warehouse_id: str | None, quantity: int) -> dict[str, Any]:
    if warehouse_id:
        return {"warehouse_id": str(warehouse_id), "quantity": quantity}
    return {"quantity": quantity}


def _price_rows(prices: Iterable[SkuPrice]) -> list[dict[str, Any]]:
    """``[{"id", "price": {"amount": "15000", "currency"}, "list_price"?}]``, last price wins."""
    latest: dict[str, SkuPrice] = {}
    for row in prices:
        require(bool(str(row.sku_id).strip()), "sku_id must not be blank")
        require(row.amount > 0, "price must be positive")
        require(row.list_price is None or row.list_price > 0, "list price must be positive")
        latest[str(row.sku_id)] = row
    return [_price_row(row) for row in latest.values()]


def _price_row(row: SkuPrice) -> dict[str, Any]:
    # Decimal strings, as TikTok Shop sends prices.
    priced: dict[str, Any] = {
        "id": str(row.sku_id),
        "price": {"amount": str(row.amount), "currency": row.currency},
    }
    if row.list_price is not None:
        priced["list_price"] = {"amount": str(row.list_price), "currency": row.currency}
    return priced
