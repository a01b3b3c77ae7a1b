"""The Tokopedia Open API client: the only module of satustok that speaks HTTP to Tokopedia.

It talks to the real ``accounts.tokopedia.com`` / ``fs.tokopedia.net`` or to the local sandbox;
only the two base URLs differ. Plain Python (no Django): the hub builds one client per app and
shop from its settings and database, and may seed it with a persisted token.

How one call goes (each step in its own small function)::

    call_with_retries(                          retry.py: backoff, jitter, hints, idempotency
        budget.acquire(group, units)            ratelimit.py: never exceed the learned budget
        token (cached; fetched with Basic auth) auth.py
        send with explicit timeouts             httpx; transport errors → TransportError/Timeout
        budget.observe(X-Ratelimit-* headers)
        401 → refresh the token once, send again; a second 401 → TokenExpired
        other failure → errors.RULES → raise     tokopedia/errors.py: one table
    )
    2xx → strict pydantic model, or MalformedPayload naming the field

Bulk writes (stock, price) are chunked to the channel's cap and to the learned burst, cost
one budget unit per row, map every row's outcome back to the caller's item, and re-send rows
refused with ``ERR_TOO_MANY_REQUEST`` (a bounded number of rounds) once the budget allows.
Stock is only ever set to an absolute value: the hub is level-triggered (it pushes what stock
*is*, and a push repeated after a timeout does no harm), so the channel's relative
increment/decrement calls are not part of this client. Lists are paged with paginators that
refuse to loop; order lists are split into windows of at most three days.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar, Unpack

import httpx
import pydantic

from satustok.channels.http.client import ChannelClient, ClientOptions
from satustok.channels.http.errors import (
    Action,
    ActionRejected,
    ChannelError,
    MalformedPayload,
    ServerError,
    TokenExpired,
    ValidationError,
    excerpt,
    redact,
    require,
)
from satustok.channels.http.pagination import (
    PageNumberPaginator,
    chunks,
    time_windows,
    unix_seconds,
)
from satustok.channels.http.payloads import adapter, describe_invalid
from satustok.channels.http.ratelimit import RateHeaders
from satustok.channels.http.transport import send
from satustok.channels.tokopedia import errors as table
from satustok.channels.tokopedia.auth import AccessToken, Credentials, TokenCache, TokenHook
from satustok.channels.tokopedia.schemas import (
    BulkResult,
    BulkWriteResult,
    Envelope,
    FailedRow,
    OrderRejection,
    OrderRow,
    PickupRequest,
    PriceUpdate,
    Product,
    ProductPage,
    RegisteredWebhooks,
    RowResult,
    RowTarget,
    ShopInfo,
    SingleOrder,
    StatusEnvelope,
    StockUpdate,
    SuccessFlag,
    TokenResponse,
    WebhookUrls,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")
RowT = TypeVar("RowT")

REAL_ACCOUNTS_URL = "https://accounts.tokopedia.com"
REAL_API_URL = "https://fs.tokopedia.net"
USER_AGENT = "satustok-tokopedia/0.1"

PRODUCTS_PER_PAGE = 50  # Get Product Info's maximum per_page
PRODUCT_IDS_PER_CALL = 50  # product_id=1,2,… per lookup; not documented, kept to a page's size
STOCK_ROWS_PER_CALL = 100  # stock/price update cap
ORDERS_PER_PAGE = 100  # Get All Orders' maximum per_page
ORDER_WINDOW = timedelta(days=3)  # Get All Orders refuses longer ranges (ORD_DLV_013)
SMALLEST_ORDER_WINDOW = timedelta(minutes=30)  # below this, ORD_API_009 is not split further
MAX_SKU_LENGTH = 50
TOO_MANY_REQUESTS_ROW = "ERR_TOO_MANY_REQUEST"
CONFIRM_SHIPPING_STATUS = 500
# Tokopedia asks for about 5 s between accepting and requesting pickup; until then the pickup
# is refused with a retryable error (nothing was done), waited out here within this bound.
PICKUP_NOT_READY_CODES = frozenset({"LGS_API_006"})
PICKUP_WAIT_SECONDS = 20.0
PICKUP_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Endpoint:
    """One Tokopedia endpoint: its rate-budget group, method, path template, idempotency."""

    group: str
    method: str
    path: str
    idempotent: bool


TOKEN = Endpoint("token", "POST", "/token", idempotent=True)
SHOP_INFO = Endpoint("shop_info", "GET", "/v1/shop/fs/{fs_id}/shop-info", True)
PRODUCT_INFO = Endpoint("product_info", "GET", "/inventory/v1/fs/{fs_id}/product/info", True)
STOCK_UPDATE = Endpoint("stock_update", "POST", "/inventory/v1/fs/{fs_id}/stock/update", True)
PRICE_UPDATE = Endpoint("price_update", "POST", "/inventory/v1/fs/{fs_id}/price/update", True)
ORDER_LIST = Endpoint("order_list", "GET", "/v2/order/list", True)
ORDER_SINGLE = Endpoint("order_single", "GET", "/v2/fs/{fs_id}/order", True)
# Order actions are not idempotent: repeating one after a timeout meets "not eligible".
ORDER_ACK = Endpoint("order_action", "POST", "/v1/order/{order_id}/fs/{fs_id}/ack", False)
ORDER_NACK = Endpoint("order_action", "POST", "/v1/order/{order_id}/fs/{fs_id}/nack", False)
ORDER_CONFIRM = Endpoint("order_action", "POST", "/v1/order/{order_id}/fs/{fs_id}/status", False)
ORDER_PICKUP = Endpoint("order_action", "POST", "/inventory/v1/fs/{fs_id}/pick-up", False)
ORDER_LABEL = Endpoint(
    "order_action", "GET", "/v1/order/{order_id}/fs/{fs_id}/shipping-label", True
)
ORDER_REJECT_CANCEL = Endpoint(
    "order_action", "POST", "/v1/order/{order_id}/fs/{fs_id}/reject-cancel", False
)
WEBHOOK_REGISTER = Endpoint("webhook", "POST", "/v1/fs/{fs_id}/register", True)
WEBHOOK_LIST = Endpoint("webhook", "GET", "/v1/fs/{fs_id}", True)


@dataclass(frozen=True)
class _RowOutcome:
    ok: bool
    message: str = ""


# Not sent, because a later row of the same call sets the same product: its intent is met.
SUPERSEDED = _RowOutcome(True, "superseded by a later row for the same product; not sent")
UNKNOWN_OUTCOME = _RowOutcome(False, "outcome unknown: the channel reported an unmatched failure")


class TokopediaClient(ChannelClient):
    """A client for one Tokopedia app (FS ID); shop ids are passed per call.

    Construction does no I/O. ``budget`` may be shared between the clients of one app (the
    channel counts per app and endpoint); ``token``/``on_token`` let the hub persist the access
    token. ``clock`` is monotonic (Tokopedia signs nothing with it: it only paces budgets and
    backoff). The rest of the plumbing (``http_client`` or ``transport`` for tests, ``sleep``,
    ``rng``…) is the kit's (:class:`~satustok.channels.http.client.ChannelClient`).
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        accounts_url: str = REAL_ACCOUNTS_URL,
        api_url: str = REAL_API_URL,
        max_resend_rounds: int = 3,
        token: AccessToken | None = None,
        on_token: TokenHook | None = None,
        clock: Callable[[], float] = time.monotonic,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(USER_AGENT, clock=clock, **options)
        self.credentials = credentials
        self.accounts_url = accounts_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.max_resend_rounds = max_resend_rounds
        self._tokens = TokenCache(token=token, on_token=on_token)
        self._webhook_secrets: set[str] = set()  # redacted from error bodies like the others

    def __repr__(self) -> str:
        return f"TokopediaClient(fs_id={self.credentials.fs_id}, api_url={self.api_url!r})"

    # --- Authentication ----------------------------------------------------------------------

    def access_token(self) -> AccessToken:
        """The cached token, or a new one from the token endpoint (Basic auth, empty body)."""
        cached = self._tokens.current()
        if cached is not None:
            return cached
        with self._tokens.fetching():
            cached = self._tokens.current()  # another thread may have fetched it meanwhile
            if cached is None:
                cached = self._fetch_token()
                self._tokens.store(cached)
            return cached

    def _fetch_token(self) -> AccessToken:
        response = self._with_retries(self._attempt_token, idempotent=True)
        issued = self._parse(TOKEN, response, TokenResponse)
        logger.info("fetched a Tokopedia access token for fs_id %s", self.credentials.fs_id)
        return AccessToken.issued(
            issued.access_token.get_secret_value(), issued.expires_in, self._tokens.now()
        )

    def _attempt_token(self) -> httpx.Response:
        response, _sent_at = self._paced(
            TOKEN.group,
            lambda _now: self._send(
                TOKEN,
                f"{self.accounts_url}{TOKEN.path}",
                params={"grant_type": "client_credentials"},
                headers={"Authorization": self.credentials.basic_authorization()},
            ),
        )
        if not response.is_success:
            raise self._error(TOKEN, response, scope=table.TOKEN_SCOPE)
        return response

    # --- The request pipeline ----------------------------------------------------------------

    def _call(
        self,
        endpoint: Endpoint,
        *,
        path: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
        body: object = None,
        units: int = 1,
    ) -> httpx.Response:
        """Send one API call with budget, token, one refresh on 401, and retries."""
        url = self.api_url + endpoint.path.format(fs_id=self.credentials.fs_id, **(path or {}))
        request = _Request(endpoint, url, dict(params or {}), body, units)
        return self._with_retries(lambda: self._attempt(request), idempotent=endpoint.idempotent)

    def _attempt(self, request: _Request) -> httpx.Response:
        """One attempt: a 401 refreshes the token and is answered by a second send, once."""
        token, response = self._send_authorized(request)
        rule = self._rule(response)
        if rule is not None and rule.action is Action.REFRESH_TOKEN:
            self._tokens.discard(token)
            token, response = self._send_authorized(request)
            rule = self._rule(response)
        if rule is not None:
            raise self._error(request.endpoint, response)
        return response

    def _send_authorized(self, request: _Request) -> tuple[AccessToken, httpx.Response]:
        self.budget.acquire(request.endpoint.group, request.units)
        token = self.access_token()
        response = self._send(
            request.endpoint,
            request.url,
            params=request.params,
            json=request.body,
            headers={"Authorization": token.authorization()},
        )
        self.budget.observe(request.endpoint.group, response.headers)
        return token, response

    def _send(self, endpoint: Endpoint, url: str, **options: Any) -> httpx.Response:
        """One HTTP exchange (transport.py): transport errors become ours."""
        return send(self._http, endpoint, url, logger, **options)

    def _rule(self, response: httpx.Response) -> table.Rule | None:
        """The error-table rule of a failed response; None on success."""
        if response.is_success:
            return None
        return table.rule_for(response.status_code, table.error_details(response.content).code)

    def _error(
        self, endpoint: Endpoint, response: httpx.Response, scope: str | None = None
    ) -> ChannelError:
        """The error to raise for a failed response, with a redacted body excerpt."""
        details = table.error_details(response.content)
        rule = table.rule_for(response.status_code, details.code, scope)
        if rule.error is TokenExpired:
            details = table.ErrorDetails(details.code, "token refused again after a refresh")
        return rule.error(
            redact(table.describe(rule, details), self._secrets()),
            status=response.status_code,
            error_code=details.code,
            endpoint=endpoint.group,
            body_excerpt=excerpt(response.content, self._secrets()),
            request_id=_request_id(response),
            retry_after=RateHeaders.parse(response.headers).wait_hint(),
        )

    def _secrets(self) -> list[str]:
        basic = self.credentials.basic_authorization().removeprefix("Basic ")
        known = [self.credentials.client_secret, basic, *self._tokens.seen_values()]
        return [*known, *self._webhook_secrets]

    def _parse(self, endpoint: Endpoint, response: httpx.Response, model: type[T]) -> T:
        """Validate a 2xx body strictly; a mismatch names the first offending field."""
        try:
            parsed: T = adapter(model).validate_json(response.content)
            return parsed
        except pydantic.ValidationError as invalid:
            raise MalformedPayload(
                describe_invalid(invalid),
                status=response.status_code,
                endpoint=endpoint.group,
                body_excerpt=excerpt(response.content, self._secrets()),
                request_id=_request_id(response),
            ) from None

    def _data(self, endpoint: Endpoint, response: httpx.Response, model: type[T]) -> T:
        """The ``data`` of a standard envelope, validated as ``model``."""
        return self._parse(endpoint, response, Envelope[model]).data  # type: ignore[valid-type]

    # --- Shops -------------------------------------------------------------------------------

    def get_shop(self, shop_id: int) -> ShopInfo:
        """One linked shop. Raises NotAssociated (403) when the shop is not linked to the app."""
        response = self._call(SHOP_INFO, params={"shop_id": shop_id})
        shops = self._data(SHOP_INFO, response, list[ShopInfo])
        for shop in shops:
            if shop.shop_id == shop_id:
                return shop
        raise MalformedPayload(
            f"shop-info for shop {shop_id} did not list that shop", endpoint=SHOP_INFO.group
        )

    # --- Products: reading -------------------------------------------------------------------

    def get_product_page(
        self, shop_id: int, page: int, *, per_page: int = PRODUCTS_PER_PAGE
    ) -> list[Product]:
        """One page (from 1) of a shop's products; parents and variant children alike."""
        require(1 <= per_page <= PRODUCTS_PER_PAGE, f"per_page must be 1..{PRODUCTS_PER_PAGE}")
        params = {"shop_id": shop_id, "page": page, "per_page": per_page}
        return self._data(PRODUCT_INFO, self._call(PRODUCT_INFO, params=params), list[Product])

    def iter_product_pages(
        self, shop_id: int, *, start_page: int = 1, per_page: int = PRODUCTS_PER_PAGE
    ) -> Iterator[ProductPage]:
        """Every page of a shop's products from ``start_page``, until an empty page.

        An empty page, not a short one, ends the list (as the sheet says for lists): a page
        may come back short in the middle when the channel drops rows after paging. It costs
        one request per import. The import stores ``page.page`` to resume after a crash.
        """
        paginator = PageNumberPaginator(per_page=per_page, start=start_page)
        while not paginator.finished:
            products = self.get_product_page(shop_id, paginator.current, per_page=per_page)
            page = ProductPage(paginator.current, products)
            paginator.advance(len(products), tuple(p.product_id for p in products))
            if products:
                yield page

    def iter_products(
        self, shop_id: int, *, per_page: int = PRODUCTS_PER_PAGE
    ) -> Iterator[Product]:
        """Every product of a shop, page after page."""
        for page in self.iter_product_pages(shop_id, per_page=per_page):
            yield from page.products

    def get_products(self, product_ids: Iterable[int]) -> list[Product]:
        """Products by id, looked up 50 ids a call (comma-joined); unknown ids are left out."""
        ids = list(dict.fromkeys(product_ids))
        found: list[Product] = []
        for chunk in chunks(ids, PRODUCT_IDS_PER_CALL):
            params = {"product_id": ",".join(str(pid) for pid in chunk)}
            response = self._call(PRODUCT_INFO, params=params)
            found.extend(self._data(PRODUCT_INFO, response, list[Product]))
        return found

    def get_products_by_sku(self, sku: str, *, shop_id: int | None = None) -> list[Product]:
        """Products carrying ``sku`` (a SKU is not unique on Tokopedia), in every linked shop
        or only in ``shop_id``. The shop is filtered here: the sheet lists ``sku`` as a lookup
        mode of its own, so adding ``shop_id`` to the query might switch to paging."""
        require(bool(sku.strip()), "sku must not be blank")
        response = self._call(PRODUCT_INFO, params={"sku": sku})
        found = self._data(PRODUCT_INFO, response, list[Product])
        return [p for p in found if shop_id is None or p.basic.shop_id == shop_id]

    # --- Products: writing -------------------------------------------------------------------

    def update_stock(
        self,
        shop_id: int,
        rows: Sequence[StockUpdate],
        *,
        warehouse_id: int | None = None,
        bypass_update_product_status: bool = False,
    ) -> BulkResult[StockUpdate]:
        """Set stock (idempotent), 100 rows a call or the learned burst if smaller."""
        params = _query(shop_id=shop_id, warehouse_id=warehouse_id)
        if bypass_update_product_status:
            params["bypass_update_product_status"] = "true"
        return self._write_rows(STOCK_UPDATE, rows, params)

    def update_price(
        self, shop_id: int, rows: Sequence[PriceUpdate], *, warehouse_id: int | None = None
    ) -> BulkResult[PriceUpdate]:
        """Set prices (idempotent), 100 rows a call or the learned burst if smaller."""
        return self._write_rows(
            PRICE_UPDATE, rows, _query(shop_id=shop_id, warehouse_id=warehouse_id)
        )

    def _write_rows(
        self, endpoint: Endpoint, rows: Sequence[RowT], params: dict[str, Any]
    ) -> BulkResult[RowT]:
        """Stock/price rows: checked, coalesced, chunked, sent, attributed, re-sent."""

        def send(chunk: list[RowT]) -> list[_RowOutcome]:
            response = self._call(
                endpoint, params=params, body=[_row_body(row) for row in chunk], units=len(chunk)
            )
            return _attribute_rows(chunk, self._data(endpoint, response, BulkWriteResult))

        def chunk_size() -> int:
            return self._chunk_size(endpoint, STOCK_ROWS_PER_CALL)

        # A set is last-write-wins: only the last row per product is sent, so re-sending an
        # over-budget row can never overwrite a later value.
        decided = _decide_locally(rows)
        return self._send_in_rounds(endpoint, rows, send, chunk_size, decided)

    def _chunk_size(self, endpoint: Endpoint, cap: int) -> int:
        """The channel's cap, or the learned burst if smaller (rows beyond it would be refused)."""
        burst = self.budget.burst(endpoint.group)
        return max(1, min(cap, burst)) if burst else cap

    def _send_in_rounds(
        self,
        endpoint: Endpoint,
        rows: Sequence[RowT],
        send: SendChunk[RowT],
        chunk_size: Callable[[], int],
        decided: Mapping[int, _RowOutcome],
    ) -> BulkResult[RowT]:
        """Send the rows not ``decided`` locally in chunks; rows refused as over budget go
        again, up to the round limit."""
        run = _BulkRun(rows, send, chunk_size, decided)
        pending = [index for index in range(len(rows)) if index not in decided]
        for round_number in range(self.max_resend_rounds + 1):
            if not pending:
                break
            if round_number:
                logger.info(
                    "re-sending %d %s rows refused as over budget", len(pending), endpoint.group
                )
            pending = run.send_round(pending)
        return run.finish(still_refused=pending)

    # --- Orders ------------------------------------------------------------------------------

    def iter_orders(
        self,
        since: datetime,
        until: datetime,
        *,
        shop_id: int | None = None,
        warehouse_id: int | None = None,
        status: int | None = None,
        per_page: int = ORDERS_PER_PAGE,
    ) -> Iterator[OrderRow]:
        """Orders created in ``[since, until]``, each once, over windows of at most 3 days.

        ``until`` is frozen by the caller when its run starts. Windows share their boundary
        second, so orders on it are found whatever the channel's inclusiveness, and are
        de-duplicated here by order id.
        """
        require(1 <= per_page <= ORDERS_PER_PAGE, f"per_page must be 1..{ORDERS_PER_PAGE}")
        filters = _query(shop_id=shop_id, warehouse_id=warehouse_id, status=status)
        seen: set[int] = set()
        for start, end in time_windows(since, until, ORDER_WINDOW):
            for order in self._iter_order_window(start, end, filters, per_page):
                if order.order_id not in seen:
                    seen.add(order.order_id)
                    yield order

    def _iter_order_window(
        self, start: datetime, end: datetime, filters: dict[str, Any], per_page: int
    ) -> Iterator[OrderRow]:
        """One window, paged until empty; split in two if Tokopedia says it is too big."""
        try:
            yield from self._order_pages(start, end, filters, per_page)
        except ValidationError as refused:
            if refused.error_code != "ORD_API_009" or end - start <= SMALLEST_ORDER_WINDOW:
                raise
            middle = start + (end - start) / 2
            logger.info("order window %s..%s too big; splitting it", start, end)
            yield from self._iter_order_window(start, middle, filters, per_page)
            yield from self._iter_order_window(middle, end, filters, per_page)

    def _order_pages(
        self, start: datetime, end: datetime, filters: dict[str, Any], per_page: int
    ) -> Iterator[OrderRow]:
        paginator = PageNumberPaginator(per_page=per_page)
        window = {"from_date": unix_seconds(start), "to_date": unix_seconds(end), **filters}
        while not paginator.finished:
            params = {
                "fs_id": self.credentials.fs_id,
                **window,
                "page": paginator.current,
                "per_page": per_page,
            }
            orders = self._data(ORDER_LIST, self._call(ORDER_LIST, params=params), list[OrderRow])
            paginator.advance(len(orders), tuple(order.order_id for order in orders))
            yield from orders

    def get_order(
        self, *, order_id: int | None = None, invoice_num: str | None = None
    ) -> SingleOrder:
        """One order, by exactly one of ``order_id`` and ``invoice_num``."""
        if (order_id is None) == (invoice_num is None):
            raise ValidationError(
                "give exactly one of order_id and invoice_num", endpoint=ORDER_SINGLE.group
            )
        params = {"order_id": order_id} if order_id is not None else {"invoice_num": invoice_num}
        return self._data(ORDER_SINGLE, self._call(ORDER_SINGLE, params=params), SingleOrder)

    def accept_order(self, order_id: int, *, warehouse_id: int | None = None) -> None:
        """Accept (ack) a paid order (220 → 400). Not retried after an ambiguous failure."""
        self._call(ORDER_ACK, path={"order_id": order_id}, params=_query(warehouse_id=warehouse_id))

    def reject_order(self, order_id: int, rejection: OrderRejection) -> None:
        """Reject (nack) an order; the rejection is checked here first, with a clear message."""
        problems = rejection.problems()
        if problems:
            raise ValidationError("; ".join(problems), endpoint=ORDER_NACK.group)
        self._call(ORDER_NACK, path={"order_id": order_id}, body=rejection.body())

    def confirm_shipping(self, order_id: int, awb: str) -> None:
        """Confirm shipping with the airway bill number (400 → 500)."""
        if not awb.strip():
            raise ValidationError(
                "the airway bill (AWB) number must not be empty", endpoint=ORDER_CONFIRM.group
            )
        body = {"order_status": CONFIRM_SHIPPING_STATUS, "shipping_ref_num": awb.strip()}
        self._call(ORDER_CONFIRM, path={"order_id": order_id}, body=body)

    def request_pickup(
        self, order_id: int, shop_id: int, *, max_wait: float = PICKUP_WAIT_SECONDS
    ) -> PickupRequest:
        """Ask Tokopedia's courier to collect an accepted order (400 → 450).

        Right after an accept Tokopedia refuses the pickup with a retryable error (it asks
        for about 5 s in between); that refusal did nothing, so it is asked again, on the
        client's clock and sleep, for at most ``max_wait`` seconds (no fixed sleep)."""
        body = {"order_id": order_id, "shop_id": shop_id}
        started = self._clock()
        while True:
            try:
                response = self._call(ORDER_PICKUP, body=body)
            except ServerError as not_ready:
                waited = self._clock() - started
                if not_ready.error_code not in PICKUP_NOT_READY_CODES or waited >= max_wait:
                    raise
                self._sleep(max(min(PICKUP_POLL_SECONDS, max_wait - waited), 0.05))
                continue
            return self._data(ORDER_PICKUP, response, PickupRequest)

    def shipping_label(self, order_id: int, *, printed: bool = True) -> bytes:
        """The order's shipping label as Tokopedia serves it (HTML), from status 400.

        ``printed`` marks it printed on Tokopedia (``printed=1``). The page is the body; a
        standard envelope whose ``data`` holds the HTML is read too [U]."""
        params = {"printed": 1 if printed else 0}
        response = self._call(ORDER_LABEL, path={"order_id": order_id}, params=params)
        if "json" in response.headers.get("content-type", ""):
            return self._data(ORDER_LABEL, response, str).encode("utf-8")
        return response.content

    def reject_cancel_request(self, order_id: int, shop_id: int) -> None:
        """Refuse the buyer's cancellation request; the order carries on (400 and before 600)."""
        response = self._call(
            ORDER_REJECT_CANCEL, path={"order_id": order_id}, params={"shop_id": shop_id}
        )
        flag = self._data(ORDER_REJECT_CANCEL, response, SuccessFlag)
        if not flag.success:
            raise ActionRejected(
                "Tokopedia did not reject the cancellation request",
                endpoint=ORDER_REJECT_CANCEL.group,
            )

    # --- Webhooks ----------------------------------------------------------------------------

    def register_webhooks(self, urls: WebhookUrls, *, webhook_secret: str | None = None) -> None:
        """Register webhook URLs. This REPLACES ALL of them: a URL left blank unsubscribes.

        To change one URL, use :meth:`update_webhooks`, which reads the current set first.
        """
        body: dict[str, object] = {"fs_id": self.credentials.fs_id, **urls.model_dump()}
        if webhook_secret is not None:
            self._webhook_secrets.add(webhook_secret)
            body["webhook_secret"] = webhook_secret
        response = self._call(WEBHOOK_REGISTER, body=body)
        self._parse(WEBHOOK_REGISTER, response, StatusEnvelope[Any])

    def list_webhooks(self) -> RegisteredWebhooks:
        """The registered webhook URLs (and secret, masked in any repr)."""
        response = self._call(WEBHOOK_LIST)
        listed = self._parse(WEBHOOK_LIST, response, StatusEnvelope[RegisteredWebhooks]).data
        if listed.webhook_secret is not None:
            self._webhook_secrets.add(listed.webhook_secret.get_secret_value())
        return listed

    def update_webhooks(self, **changes: str) -> RegisteredWebhooks:
        """Change some webhook URLs, keeping the others and the secret (read, merge, register)."""
        current = self.list_webhooks()
        unknown = set(changes) - set(WebhookUrls.model_fields)
        require(not unknown, f"unknown webhook fields: {', '.join(sorted(unknown))}")
        merged = current.urls().model_copy(update=changes)
        secret = current.webhook_secret.get_secret_value() if current.webhook_secret else None
        self.register_webhooks(merged, webhook_secret=secret)
        return self.list_webhooks()


SendChunk = Callable[[list[RowT]], list[_RowOutcome]]


class _BulkRun(Generic[RowT]):
    """The state of one bulk call across its chunks and re-send rounds."""

    def __init__(
        self,
        rows: Sequence[RowT],
        send: SendChunk[RowT],
        chunk_size: Callable[[], int],
        decided: Mapping[int, _RowOutcome],
    ) -> None:
        self.rows, self.send, self.chunk_size = rows, send, chunk_size
        self.sends = [0] * len(rows)
        self.results = {index: _result(rows[index], o, 0) for index, o in decided.items()}

    def send_round(self, pending: list[int]) -> list[int]:
        """One pass over the pending rows, in chunks; returns the rows to send again."""
        again: list[int] = []
        while pending:
            size = self.chunk_size()  # asked per chunk: the first response teaches the burst
            chunk, pending = pending[:size], pending[size:]
            outcomes = self.send([self.rows[index] for index in chunk])
            again += [i for i, o in zip(chunk, outcomes, strict=True) if not self._record(i, o)]
        return again

    def _record(self, index: int, outcome: _RowOutcome) -> bool:
        """Count a send; keep the outcome unless the row must go again (False)."""
        self.sends[index] += 1
        if outcome.message == TOO_MANY_REQUESTS_ROW:
            return False
        self.results[index] = _result(self.rows[index], outcome, self.sends[index])
        return True

    def finish(self, still_refused: list[int]) -> BulkResult[RowT]:
        """Every row's result in the caller's order; rows refused to the end say so."""
        for index in still_refused:
            refused = _RowOutcome(False, TOO_MANY_REQUESTS_ROW)
            self.results[index] = _result(self.rows[index], refused, self.sends[index])
        return BulkResult([self.results[index] for index in range(len(self.rows))])


@dataclass(frozen=True)
class _Request:
    endpoint: Endpoint
    url: str
    params: dict[str, Any]
    body: object
    units: int


# --- Helpers (pure functions) ----------------------------------------------------------------


def _query(**values: object) -> dict[str, Any]:
    """Query parameters without the ones left as None."""
    return {name: value for name, value in values.items() if value is not None}


def _request_id(response: httpx.Response) -> str | None:
    for name in ("x-request-id", "x-tkpd-request-id", "request-id"):
        if name in response.headers:
            return response.headers[name]
    return None


def _row_body(row: object) -> dict[str, int | str]:
    if not isinstance(row, RowTarget):
        raise TypeError(f"expected a StockUpdate or PriceUpdate, got {row!r}")
    return row.body()


def _local_row_problem(row: object) -> str | None:
    """Refuse a row before sending when Tokopedia certainly would (SKU over 50 characters)."""
    sku = getattr(row, "sku", None)
    if sku is not None and len(sku) > MAX_SKU_LENGTH:
        return f"SKU is {len(sku)} characters; Tokopedia allows at most {MAX_SKU_LENGTH}"
    if sku is not None and not sku.strip():
        return "SKU is blank"
    return None


def _target_key(row: object) -> tuple[str, object]:
    sku = getattr(row, "sku", None)
    return ("sku", sku) if sku is not None else ("product_id", getattr(row, "product_id", None))


def _decide_locally(rows: Sequence[object]) -> dict[int, _RowOutcome]:
    """Outcomes of rows that are not sent: refused here, or superseded by a later row."""
    decided: dict[int, _RowOutcome] = {}
    last_of = {_target_key(row): index for index, row in enumerate(rows)}
    for index, row in enumerate(rows):
        problem = _local_row_problem(row)
        if problem is not None:
            decided[index] = _RowOutcome(False, problem)
        elif last_of[_target_key(row)] != index:
            decided[index] = SUPERSEDED
    return decided


def _result(row: RowT, outcome: _RowOutcome, sends: int) -> RowResult[RowT]:
    return RowResult(row, outcome.ok, outcome.message, sends)


def _attribute_rows(chunk: Sequence[RowT], data: BulkWriteResult) -> list[_RowOutcome]:
    """Map ``failed_rows_data`` back to the chunk."""
    failures = list(data.failed_rows_data)
    outcomes = [_claim_failure(row, failures) for row in chunk]
    if failures:  # refusals we could not attribute: no row of the chunk is known to be applied
        logger.warning("%d failed rows did not match any row sent", len(failures))
        return [outcome if not outcome.ok else UNKNOWN_OUTCOME for outcome in outcomes]
    return outcomes


def _claim_failure(row: object, failures: list[FailedRow]) -> _RowOutcome:
    """Take the first failure that names ``row`` (by SKU if it has one, else product id)."""
    sku, product_id = getattr(row, "sku", None), getattr(row, "product_id", None)
    for position, failure in enumerate(failures):
        if (sku is not None and _same_sku(failure.sku, sku)) or (
            sku is None and failure.product_id == product_id
        ):
            del failures[position]
            return _RowOutcome(False, failure.message or "refused without a message")
    return _RowOutcome(True)


def _same_sku(echoed: str | None, sent: str) -> bool:
    """Tokopedia echoes the SKU; tolerate it trimming or re-casing what was sent."""
    if echoed is None:
        return False
    return echoed == sent or echoed.strip().casefold() == sent.strip().casefold()
