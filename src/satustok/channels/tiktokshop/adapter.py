"""TikTok Shop in the hub's words: the connector the registry hands out.

A shop is connected by the seller's authorization on TikTok Shop's page
(:meth:`TikTokShopConnector.authorization_url`, then :meth:`~TikTokShopConnector.
complete_authorization` with the code TikTok Shop sends back to the app's registered redirect);
one authorization covers the seller's shops, and the shop is addressed by its ``cipher`` (kept
as the integration's ``shop_handle``). After that every call goes through
``tokens.ShopSession``.

A sellable unit is a SKU of a product; its external id is ``"{product_id}:{sku_id}"`` because a
stock update is per product and names the SKU. A product listed on both storefronts of a
"Tokopedia & TikTok Shop" shop is one product with one stock: one unit per SKU, whichever
storefront sells it.

Stock push: TikTok Shop keeps stock per warehouse and wants every warehouse assigned to a SKU
listed in an update. The hub's one available quantity goes to the shop's default sales
warehouse (or the SKU's first); the SKU's other warehouses are set to 0, so the shop shows
exactly the master stock. Which warehouses a SKU has is read per round (inventory search).
A shop whose warehouses the seller mapped to hub warehouses (``channels/locations.py``) is
pushed per warehouse instead: each of the SKU's warehouses gets its mapped hub warehouse's
quantity (``StockPush.by_location``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext_noop

from satustok.channels import protocol
from satustok.channels.http.errors import NotAssociated, PaginationLoop, ValidationError
from satustok.channels.http.pagination import chunks
from satustok.channels.http.retry import INTERACTIVE_RETRIES
from satustok.channels.protocol import (
    Authorization,
    ChannelUnit,
    PricePush,
    PushOutcome,
    ShopProfile,
    ShopWarehouse,
    StockPush,
    UnitPage,
)
from satustok.channels.pushing import (
    Pushed,
    Rows,
    T,
    group_pushes,
    price_refusals,
    push_groups,
    row_outcomes,
    split_unit_id,
)
from satustok.channels.tiktokshop.client import (
    INVENTORY_SKU_IDS,
    MAX_QUANTITY,
    AppCredentials,
    SkuPrice,
    SkuStock,
    TikTokShopClient,
)
from satustok.channels.tiktokshop.errors import PRICE_REFUSAL_WORDS
from satustok.channels.tiktokshop.orders import TikTokShopOrders
from satustok.channels.tiktokshop.schemas import (
    AuthorizedShop,
    InventorySku,
    Product,
    Sku,
    UpdateResult,
    Warehouse,
)
from satustok.channels.tiktokshop.tokens import ShopSession, urls

SEARCH_VERSION = "202502"  # tells SKU status and the storefronts a product is on
PRODUCTS_PER_PAGE = 100
ACTIVE = "ACTIVATE"
SALES_WAREHOUSE = "SALES_WAREHOUSE"
ENABLED = "ENABLED"
INDONESIA = "ID"

STATUS_LABELS = {
    "ACTIVATE": gettext_noop("Active"),
    "DRAFT": gettext_noop("Draft"),
    "PENDING": gettext_noop("Pending review"),
    "FAILED": gettext_noop("Failed review"),
    "SELLER_DEACTIVATED": gettext_noop("Deactivated"),
    "PLATFORM_DEACTIVATED": gettext_noop("Deactivated by TikTok Shop"),
    "FREEZE": gettext_noop("Frozen"),
    "DELETED": gettext_noop("Deleted"),
}
SKU_DEACTIVATED_LABEL = gettext_noop("Variant deactivated")
# A SKU of a product with several is only sellable while the product is: its status, said as
# the parent's (a one-SKU product is the listing itself and keeps the product's own label).
PARENT_STATUS_LABELS = {
    "DRAFT": gettext_noop("Parent draft"),
    "PENDING": gettext_noop("Parent pending review"),
    "FAILED": gettext_noop("Parent failed review"),
    "SELLER_DEACTIVATED": gettext_noop("Parent deactivated"),
    "PLATFORM_DEACTIVATED": gettext_noop("Parent banned"),
    "FREEZE": gettext_noop("Parent frozen"),
    "DELETED": gettext_noop("Parent deleted"),
}

# Refusals of a row that no retry will change: the listing needs the seller's attention.
PERMANENT_REASONS = ("not found", "deleted", "not belong", "not activate", "frozen", "invalid sku")


def unit_id(product_id: str, sku_id: str) -> str:
    return f"{product_id}:{sku_id}"


def parse_unit_id(external_id: str) -> tuple[str, str]:
    """``"1729…:1729…"`` → ``(product_id, sku_id)``; ValueError otherwise."""
    return split_unit_id(external_id, "TikTok Shop unit id (product:sku)")


def _app(credentials: protocol.Credentials) -> AppCredentials:
    if not credentials.app_id.strip() or not credentials.client_secret:
        raise ValidationError("the App Key and the App Secret must not be empty")
    return AppCredentials(
        credentials.app_id.strip(), credentials.client_secret, credentials.client_id
    )


class TikTokShopConnector:
    channel = "tiktokshop"
    label = "TikTok Shop"
    max_push_batch = 100  # rows a round hands over; push_stock sends one call per product
    max_shown_stock = MAX_QUANTITY  # inventory/update takes 0..99,999

    # --- connecting: the seller authorizes the app on TikTok Shop's page ----------------------

    def authorization_url(
        self, credentials: protocol.Credentials, redirect_url: str, state: str
    ) -> str:
        """The seller's authorization link (no request is made). TikTok Shop sends the browser
        to the redirect registered for the app in Partner Center, which the operator sets to
        ``redirect_url``; ``state`` comes back with it."""
        with TikTokShopClient(_app(credentials), **urls()) as client:
            return client.authorization_url(state)

    def complete_authorization(
        self, credentials: protocol.Credentials, code: str, shop_id: str
    ) -> Authorization:
        """Trade the one-time code for the seller's tokens, then find the shop (``shop_id``, or
        the seller's Indonesian shop when the return names none) and its warehouses."""
        with TikTokShopClient(
            _app(credentials), retry_policy=INTERACTIVE_RETRIES, **urls()
        ) as client:
            tokens = client.get_token(code)
            client.with_access_token(tokens.access_token)
            shop = _chosen_shop(client.authorized_shops(), shop_id)
            client.with_shop_cipher(shop.cipher)
            warehouses = client.warehouses()
        return Authorization(
            profile=_profile(shop, warehouses),
            access_token=tokens.access_token,
            access_expires_at=tokens.access_expires_at,
            refresh_token=tokens.refresh_token,
            refresh_expires_at=tokens.refresh_expires_at,
            authorization_expires_at=tokens.refresh_expires_at,
        )

    def verify(self, credentials: protocol.Credentials, shop_id: str) -> ShopProfile:
        """Not used: an app key alone cannot reach a shop."""
        raise ValidationError(
            "TikTok Shop shops are connected through TikTok Shop's authorization page: the "
            "seller authorizes the app there, and TikTok Shop sends the hub a one-time code"
        )

    # --- a connected shop --------------------------------------------------------------------

    def catalog_source(self, account: Any) -> TikTokShopCatalog:
        return TikTokShopCatalog(ShopSession(account))

    def push_stock(self, account: Any, pushes: list[StockPush]) -> list[PushOutcome]:
        session = ShopSession(account)
        try:
            return push_stock(session, _default_warehouse(account), pushes)
        finally:
            session.close()

    def push_prices(self, account: Any, pushes: list[PricePush]) -> list[PushOutcome]:
        session = ShopSession(account)
        try:
            return push_prices(session, pushes)
        finally:
            session.close()

    def orders(self, account: Any, *, interactive: bool = False) -> TikTokShopOrders:
        """The integration's orders; the session is built on first use (no I/O here)."""
        policy = INTERACTIVE_RETRIES if interactive else None
        return TikTokShopOrders(account, lambda: ShopSession(account, retry_policy=policy))


def _chosen_shop(shops: Sequence[AuthorizedShop], shop_id: str) -> AuthorizedShop:
    """The shop the return names; else the seller's first Indonesian shop, else the first."""
    if shop_id:
        for shop in shops:
            if shop.id == shop_id:
                return shop
        raise NotAssociated(f"the authorization does not cover shop {shop_id}", endpoint="shops")
    if not shops:
        raise NotAssociated("the seller authorized no shop", endpoint="shops")
    return next((shop for shop in shops if shop.region == INDONESIA), shops[0])


def _profile(shop: AuthorizedShop, warehouses: Iterable[Warehouse]) -> ShopProfile:
    sales = [w for w in warehouses if w.type in ("", SALES_WAREHOUSE)]
    return ShopProfile(
        shop_id=shop.id,
        name=shop.name or shop.code or shop.id,
        is_open=True,  # an authorized shop answers; a frozen one refuses calls with a code
        handle=shop.cipher,
        warehouses=tuple(
            ShopWarehouse(external_id=w.id, name=w.name, is_default=w.is_default)
            for w in sales
            if w.effect_status in ("", ENABLED)
        ),
    )


def _default_warehouse(account: Any) -> str:
    """The shop warehouse that shows the master stock (the default one seen at connecting)."""
    warehouses = account.shop_warehouses or []
    default = next((w for w in warehouses if w.get("is_default")), None)
    chosen = default or (warehouses[0] if warehouses else None)
    return str(chosen["id"]) if chosen else ""


# --- stock push ----------------------------------------------------------------------------------


def push_stock(
    session: ShopSession, warehouse_id: str, pushes: list[StockPush]
) -> list[PushOutcome]:
    """Set absolute stock: one inventory update per product, one outcome per row
    (``channels/pushing.py`` says what a failed call means for its rows). A refused
    authorization or a shop no longer linked raises."""
    by_product, refused = group_pushes(pushes, parse_unit_id)
    if not by_product:
        return refused
    assigned = _assigned_warehouses(
        session, [sku for rows in by_product.values() for sku, _ in rows]
    )

    def update(product_id: str, rows: Rows[str]) -> UpdateResult:
        stocks = [s for sku_id, push in rows for s in _stocks(sku_id, push, assigned, warehouse_id)]
        return session.call(lambda c: c.update_inventory(product_id, stocks))

    return refused + push_groups(by_product, update, _row_outcomes, PERMANENT_REASONS)


def _assigned_warehouses(session: ShopSession, sku_ids: list[str]) -> dict[str, list[str]]:
    """``{sku_id: [warehouse ids]}`` as TikTok Shop has them now."""
    found: dict[str, list[str]] = {}
    for chunk in chunks(sku_ids, INVENTORY_SKU_IDS):
        for product in session.call(lambda c: c.search_inventory(sku_ids=chunk)):  # noqa: B023
            for sku in product.skus:
                found[sku.id] = _warehouse_ids(sku)
    return found


def _warehouse_ids(sku: InventorySku) -> list[str]:
    return [row.warehouse_id for row in sku.warehouse_inventory if row.warehouse_id]


def _stocks(
    sku_id: str, push: StockPush, assigned: dict[str, list[str]], default: str
) -> list[SkuStock]:
    """The master's quantity in one warehouse (the default, when the SKU has it), 0 in the
    SKU's others; without a known warehouse, the update names none (one-warehouse SKUs)."""
    quantity = max(0, min(push.quantity, MAX_QUANTITY))
    warehouses = assigned.get(sku_id) or []
    if not warehouses:
        return [SkuStock(sku_id, quantity)]
    if push.by_location:  # pushed per warehouse: each its own, one not mapped 0
        located = {w: max(0, min(q, MAX_QUANTITY)) for w, q in push.by_location.items()}
        return [SkuStock(sku_id, located.get(w, 0), w) for w in warehouses]
    shown = default if default in warehouses else warehouses[0]
    return [SkuStock(sku_id, quantity if w == shown else 0, w) for w in warehouses]


def push_prices(session: ShopSession, pushes: list[PricePush]) -> list[PushOutcome]:
    """Set prices (whole rupiah, IDR): one prices/update call per product, one outcome per
    row. TikTok Shop refuses the whole call for one bad price, so every row of the product
    shares that refusal; out of range or during a promotion it is permanent
    (``errors.PRICE_REFUSAL_WORDS``)."""
    by_product, refused = group_pushes(pushes, parse_unit_id)

    def update(product_id: str, rows: Pushed[str, PricePush]) -> UpdateResult:
        prices = [SkuPrice(sku_id, push.price) for sku_id, push in rows]
        return session.call(lambda c: c.update_prices(product_id, prices))

    outcomes = push_groups(by_product, update, _row_outcomes, PERMANENT_REASONS)
    return refused + price_refusals(outcomes, PRICE_REFUSAL_WORDS)


def _row_outcomes(rows: Pushed[str, T], result: UpdateResult) -> list[PushOutcome]:
    """TikTok Shop names refused SKUs in ``errors``; an error naming no SKU leaves every row of
    the call unconfirmed (tried again), and the rest were applied."""
    refused = {error.sku_id: error.reason or "refused" for error in result.errors if error.sku_id}
    unnamed = [error.reason for error in result.errors if not error.sku_id]
    unconfirmed = (unnamed[0] or "refused") if unnamed else None
    return row_outcomes(rows, refused, lambda _sku_id: unconfirmed, PERMANENT_REASONS)


# --- catalogue -----------------------------------------------------------------------------------


class TikTokShopCatalog:
    """A shop's products as sellable units (one per SKU), 100 products a page.

    Product search pages are cursors: page ``n`` needs the token page ``n-1`` returned. The
    tokens are kept as pages are read, so a page asked for ahead (the importer's read-ahead
    threads), or a resumed import's first page, walks forward from the last page known; what a
    walk reads is kept until its own page is asked for, so no page is read twice. Reads take
    turns under a lock: a cursor cannot be read ahead of the page before it anyway. A token
    served twice raises ``PaginationLoop``."""

    def __init__(self, session: ShopSession, page_size: int = PRODUCTS_PER_PAGE) -> None:
        self.session = session
        self.page_size = page_size
        self._tokens: dict[int, str] = {1: ""}  # page → the cursor that reads it
        self._ended_after: int | None = None  # the last page, once known
        self._walked: dict[int, list[Product]] = {}  # read by a walk, not asked for yet
        self._lock = threading.Lock()

    def page(self, number: int) -> UnitPage:
        if number < 1:
            raise ValidationError(f"pages are numbered from 1, not {number}")
        return UnitPage(number, [u for p in self._products(number) for u in product_units(p)])

    def close(self) -> None:
        self.session.close()

    def _products(self, number: int) -> list[Product]:
        with self._lock:
            while number not in self._tokens and not self._past_end(number):
                walked = max(self._tokens)  # read it to learn the next cursor
                self._walked[walked] = self._read(walked)
            if number in self._walked:
                return self._walked.pop(number)
            return self._read(number) if number in self._tokens else []

    def _past_end(self, number: int) -> bool:
        return self._ended_after is not None and number > self._ended_after

    def _read(self, number: int) -> list[Product]:
        token = self._tokens[number]
        page = self.session.call(
            lambda c: c.search_products(token, self.page_size, version=SEARCH_VERSION)
        )
        self._learn(number, page.next_page_token if page.products else "")
        return page.products

    def _learn(self, number: int, next_token: str) -> None:
        if not next_token:
            self._ended_after = number
            return
        earlier = {token for page, token in self._tokens.items() if page != number + 1}
        if next_token in earlier:
            raise PaginationLoop(
                f"page token {next_token!r} served twice", endpoint="product_search"
            )
        self._tokens[number + 1] = next_token


def product_units(product: Product) -> list[ChannelUnit]:
    family = product.title if len(product.skus) > 1 else ""
    return [_unit(product, sku, family) for sku in product.skus]


def _unit(product: Product, sku: Sku, family: str) -> ChannelUnit:
    variant = sku.variant_name
    product_active = product.status == ACTIVE
    return ChannelUnit(
        external_id=unit_id(product.id, sku.id),
        sku=sku.seller_sku,
        name=f"{product.title} — {variant}" if variant else product.title,
        is_active=product_active and sku.is_active,
        status_label=_sku_label(product, sku, family),
        stock=sku.available,
        price=(sku.price.amount or 0) if sku.price else 0,
        parent_external_id=product.id if family else "",
        family_name=family,
    )


def _label(product: Product) -> str:
    return STATUS_LABELS.get(product.status, product.status)


def _sku_label(product: Product, sku: Sku, family: str) -> str:
    # The product's status first: a frozen product's SKUs are frozen, whatever their own.
    if product.status != ACTIVE:
        return (
            PARENT_STATUS_LABELS.get(product.status, _label(product)) if family else _label(product)
        )
    return _label(product) if sku.is_active else SKU_DEACTIVATED_LABEL
