"""The TikTok Shop sandbox's in-memory world: apps, sellers and their shops (with warehouses),
products and SKUs, orders, the authorization state (codes, sessions, access and refresh
tokens), webhook subscriptions and the stock change log.

Plain dataclasses under one re-entrant lock, as in the other sandboxes; codes, sessions and
tokens build on ``common/tokens.py`` (shared with Shopee). ``build_state`` turns a
validated seed into a fresh world; a reset builds a new one.

Stock lives on SKUs, per sales warehouse: ``available`` (what ``inventory/update`` sets, what the
API shows as ``quantity`` / ``available_quantity`` and what buyers' orders take from) and
``committed`` (held by open orders: ``committed_quantity``). A SKU's *assigned* warehouses are the
keys of ``available``.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from satustok_sandbox.common.clock import SandboxClock
from satustok_sandbox.common.stocklog import Cause, StockLog
from satustok_sandbox.common.tokens import (
    AuthCodeBase,
    AuthSessionBase,
    RefreshTokenBase,
    TokenBase,
)
from satustok_sandbox.tiktokshop.seed import (
    ORDER_STATUSES,
    TikTokOrder,
    TikTokProduct,
    TikTokShop,
    TikTokShopSeed,
    default_cipher,
    resolve_item,
    sales_warehouse_ids,
    shop_warehouses,
    sku_inventory,
)

ACCESS_TOKEN_TTL = 7 * 86_400
# One authorization lasts a year; its refresh tokens expire with it (they do not extend it).
AUTHORIZATION_TTL = 365 * 86_400
AUTH_CODE_TTL = 30 * 60
EXPIRY_NOTICE_WINDOW = 30 * 86_400
# The forward path of an order (the seed's statuses, in order); CANCELLED is reachable from
# CANCELLABLE_STATUSES only.
STATUS_PATH = tuple(status for status in ORDER_STATUSES if status != "CANCELLED")
# Orders in these statuses hold their units as committed stock; later ones have shipped them.
OPEN_STATUSES = frozenset(STATUS_PATH[:5])
CANCELLABLE_STATUSES = frozenset({"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION"})


@dataclass
class App:
    app_key: str
    app_secret: str
    service_id: str
    name: str
    redirect_url: str
    scopes: set[str]
    webhooks: dict[str, str]  # Partner Center: event type → address


@dataclass
class Seller:
    open_id: str
    seller_name: str
    region: str
    user_type: int
    shop_ids: list[str] = field(default_factory=list)


@dataclass
class Warehouse:
    id: str
    name: str
    type: str
    effect_status: str
    is_default: bool
    address: dict[str, str]


@dataclass
class Shop:
    id: str
    cipher: str
    name: str
    code: str
    region: str
    seller_type: str
    open_id: str
    warehouses: list[Warehouse]
    sales_warehouse_ids: list[str]  # the default one first


@dataclass
class Sku:
    id: str
    product_id: str
    seller_sku: str
    price: int
    status: str
    sales_attributes: list[tuple[str, str]]
    available: dict[str, int]  # per assigned warehouse
    committed: dict[str, int]
    external_sku_id: str = ""
    promotion: bool = False  # a promotion runs on it (control API): prices/update refuses it

    @property
    def total_available(self) -> int:
        return sum(self.available.values())

    @property
    def total_committed(self) -> int:
        return sum(self.committed.values())

    @property
    def name(self) -> str:
        return ", ".join(value for _, value in self.sales_attributes) or "Default"


@dataclass
class Product:
    id: str
    shop_id: str
    title: str
    description: str
    status: str
    listing_platforms: list[str]
    sku_ids: list[str]
    create_time: int
    update_time: int


@dataclass
class LineItem:
    """One unit of an order (TikTok Shop has no quantity field)."""

    id: str
    sku_id: str
    product_id: str
    product_name: str
    sku_name: str
    seller_sku: str
    price: int
    warehouse_id: str


@dataclass
class CancelRequest:
    """A cancellation of an order (``cancellations/search``): the buyer's request, pending until
    the seller answers, or the seller's own (complete at once)."""

    id: str
    order_id: str
    role: str  # BUYER | SELLER | SYSTEM
    status: str  # CANCELLATION_REQUEST_PENDING | _SUCCESS | _CANCEL | _COMPLETE
    reason: str
    create_time: int
    update_time: int


@dataclass
class ReturnRecord:
    """A buyer's return or refund of some line items (``returns/search``)."""

    id: str
    order_id: str
    return_type: str  # RETURN_AND_REFUND | REFUND
    status: str
    reason: str
    line_item_ids: list[str]
    create_time: int
    update_time: int
    tracking_number: str = ""


@dataclass
class Order:
    id: str
    shop_id: str
    status: str
    commerce_platform: str
    create_time: int
    update_time: int
    line_items: list[LineItem]
    user_id: str
    buyer_message: str
    recipient_name: str
    recipient_city: str
    is_cod: bool
    shipping_fee: int
    package_id: str
    history: list[tuple[str, int]]
    holds_stock: bool  # its units are committed stock (open, not yet shipped or cancelled)
    paid_time: int | None = None
    rts_time: int | None = None
    collection_time: int | None = None
    delivery_time: int | None = None
    cancel_time: int | None = None
    cancel_reason: str = ""
    cancellation_initiator: str = ""
    tracking_number: str = ""
    # --- fulfilment (fulfillment_api.py, return_api.py) ---
    shipping_type: str = "TIKTOK"  # TIKTOK (platform logistics) | SELLER (seller ships)
    handover_method: str = ""  # PICKUP | DROP_OFF, once the package is shipped (arranged)
    pickup_slot: tuple[int, int] | None = None
    shipping_provider_id: str = ""  # a SELLER order's provider, once it is shipped
    labels_printed: int = 0  # shipping documents downloaded
    cancellations: list[CancelRequest] = field(default_factory=list)
    returns: list[ReturnRecord] = field(default_factory=list)
    # ``time.time()`` when a buyer's order took its stock (the control API's answer); 0 seeded.
    placed_at: float = 0.0

    @property
    def warehouse_id(self) -> str:
        return self.line_items[0].warehouse_id if self.line_items else ""

    @property
    def sub_total(self) -> int:
        return sum(item.price for item in self.line_items)


@dataclass
class Authorization:
    """A seller's authorization of one app; it covers every shop of the seller."""

    app_key: str
    open_id: str
    shop_ids: list[str]
    granted_at: int
    expires_at: int
    revoked_at: float | None = None
    expiry_notices: list[int] = field(default_factory=list)  # days-to-expiry already notified

    def active(self, now: float) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass
class AppSeller:
    """Whom a code or token belongs to: an app, for one seller (all the seller's shops). First
    among a base's bases, so its fields follow the base's value and it says who the ``owner``
    is."""

    app_key: str
    open_id: str

    def owner(self) -> dict[str, Any]:
        return {"app_key": self.app_key, "open_id": self.open_id}


@dataclass
class AuthCode(AppSeller, AuthCodeBase):
    pass


@dataclass
class AuthSession(AuthSessionBase):
    """A shown authorization page, so its form can be posted a little later."""

    app_key: str
    state: str


@dataclass
class AccessToken(AppSeller, TokenBase):
    revoked_at: float | None = None  # the seller deauthorized the app


@dataclass
class RefreshToken(AppSeller, RefreshTokenBase):
    pass


@dataclass
class Subscription:
    address: str
    create_time: int
    update_time: int


@dataclass
class StockChange:
    """One SKU × warehouse stock change, as the control API's ``stock_changes`` shows it."""

    id: int
    at: float
    source: str  # "api" (inventory/update), "control" (a seller's edit) or "order"
    app_key: str
    shop_id: str
    product_id: str
    sku_id: str
    seller_sku: str
    warehouse_id: str
    available_before: int
    available_after: int
    committed_after: int


@dataclass
class ShippingDocument:
    """A ``doc_url`` handed out by ``shipping_documents``: what it serves, until when."""

    order_id: str
    package_id: str
    document_type: str
    document_size: str
    expires_at: float


@dataclass
class TikTokShopState:
    """Everything a reset restores."""

    clock: SandboxClock
    apps: dict[str, App]
    sellers: dict[str, Seller]
    shops: dict[str, Shop]
    products: dict[str, Product] = field(default_factory=dict)
    skus: dict[str, Sku] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    ciphers: dict[str, str] = field(default_factory=dict)  # cipher → shop id
    authorizations: dict[tuple[str, str], Authorization] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    sessions: dict[str, AuthSession] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    refresh_calls: int = 0
    reused_refresh_tokens: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: dict[tuple[str, str], dict[str, Subscription]] = field(default_factory=dict)
    stock_changes: list[StockChange] = field(default_factory=list)
    # Every change of shown stock (common/stocklog.py), one record per SKU and change (where
    # stock_changes has one per SKU × warehouse); a reset's fresh world starts it empty.
    stock_log: StockLog = field(default_factory=StockLog, repr=False, compare=False)
    documents: dict[str, ShippingDocument] = field(default_factory=dict)  # by doc_url token
    numbers: dict[str, itertools.count[int]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def now(self) -> float:
        return self.clock.now()

    def next_id(self, kind: str, prefix: str, digits: int = 18) -> str:
        """A fresh id of ``digits`` digits starting with ``prefix``: unique per kind, scrambled
        so ids do not look consecutive (an odd multiplier not divisible by 5 is a bijection
        modulo a power of ten)."""
        counter = self.numbers.setdefault(kind, itertools.count(1))
        width = digits - len(prefix)
        value = (next(counter) * 2_654_435_761 + 97_531) % 10**width
        return f"{prefix}{value:0{width}d}"

    # --- catalogue ------------------------------------------------------------------------

    def product_skus(self, product: Product) -> list[Sku]:
        return [self.skus[sku_id] for sku_id in product.sku_ids]

    def shop_products(self, shop_id: str) -> list[Product]:
        """The shop's products in id order (the order search pages walk)."""
        return sorted(
            (p for p in self.products.values() if p.shop_id == shop_id),
            key=lambda p: (len(p.id), p.id),
        )

    def touch(self, product: Product) -> None:
        product.update_time = int(self.now())

    def log_stock(self, sku: Sku, cause: Cause, at: float | None = None) -> None:
        """Append a SKU's shown stock (available, over its warehouses) to the stock log, keyed
        ``"<product_id>:<sku_id>"`` as the hub keys it."""
        product = self.products[sku.product_id]
        unit = f"{product.id}:{sku.id}"
        self.stock_log.record(product.shop_id, unit, sku.seller_sku, sku.total_available, cause, at)

    def record_stock(
        self, source: str, app_key: str, sku: Sku, warehouse_id: str, before: int
    ) -> None:
        product = self.products[sku.product_id]
        counter = self.numbers.setdefault("stock_change", itertools.count(1))
        self.stock_changes.append(
            StockChange(
                id=next(counter),
                at=self.now(),
                source=source,
                app_key=app_key,
                shop_id=product.shop_id,
                product_id=product.id,
                sku_id=sku.id,
                seller_sku=sku.seller_sku,
                warehouse_id=warehouse_id,
                available_before=before,
                available_after=sku.available.get(warehouse_id, 0),
                committed_after=sku.committed.get(warehouse_id, 0),
            )
        )

    # --- authorization --------------------------------------------------------------------

    def authorization(self, app_key: str, open_id: str) -> Authorization | None:
        found = self.authorizations.get((app_key, open_id))
        return found if found is not None and found.active(self.now()) else None

    def authorized_app_keys(self, shop_id: str) -> list[str]:
        """The apps with an active authorization covering the shop."""
        shop = self.shops[shop_id]
        return sorted(
            app_key
            for (app_key, open_id), found in self.authorizations.items()
            if open_id == shop.open_id and shop_id in found.shop_ids and found.active(self.now())
        )


# --- building a world from a seed ----------------------------------------------------------


def build_state(seed: TikTokShopSeed, clock: SandboxClock) -> TikTokShopState:
    """A fresh world from a validated seed, with times relative to the clock's now."""
    now = clock.now()
    state = TikTokShopState(
        clock=clock,
        apps={
            a.app_key: App(
                a.app_key,
                a.app_secret,
                a.service_id,
                a.name,
                a.redirect_url,
                set(a.scopes),
                dict(a.webhooks),
            )
            for a in seed.apps
        },
        sellers={
            s.open_id: Seller(s.open_id, s.seller_name, s.region, s.user_type) for s in seed.sellers
        },
        shops={s.shop_id: _build_shop(s) for s in seed.shops},
    )
    for shop in state.shops.values():
        state.sellers[shop.open_id].shop_ids.append(shop.id)
        state.ciphers[shop.cipher] = shop.id
    seed_shops = {s.shop_id: s for s in seed.shops}
    for index, seed_product in enumerate(seed.products):
        _build_product(state, seed_shops[seed_product.shop_id], seed_product, now, index)
    for seed_order in seed.orders:
        order = _build_order(state, seed, seed_order, now)
        state.orders[order.id] = order
    return state


def _build_shop(seed_shop: TikTokShop) -> Shop:
    warehouses = [
        Warehouse(
            w.warehouse_id,
            w.name,
            w.type,
            w.effect_status,
            w.is_default,
            w.address.model_dump(),
        )
        for w in shop_warehouses(seed_shop)
    ]
    sales = sales_warehouse_ids(seed_shop)
    for warehouse in warehouses:
        # The first sales warehouse is the default when none says so.
        warehouse.is_default = warehouse.id == sales[0]
    return Shop(
        id=seed_shop.shop_id,
        cipher=seed_shop.cipher or default_cipher(seed_shop.shop_id),
        name=seed_shop.name,
        code=seed_shop.code or f"ID{seed_shop.shop_id[-8:]}",
        region=seed_shop.region,
        seller_type=seed_shop.seller_type,
        open_id=seed_shop.open_id,
        warehouses=warehouses,
        sales_warehouse_ids=sales,
    )


def _build_product(
    state: TikTokShopState, shop: TikTokShop, seed_product: TikTokProduct, now: float, index: int
) -> None:
    ago = seed_product.created_seconds_ago
    created = int(now - (ago if ago is not None else 86_400 * (200 - index % 200)))
    product = Product(
        id=seed_product.product_id,
        shop_id=seed_product.shop_id,
        title=seed_product.title,
        description=seed_product.description,
        status=seed_product.status,
        listing_platforms=list(dict.fromkeys(seed_product.listing_platforms)),
        sku_ids=[sku.sku_id for sku in seed_product.skus],
        create_time=created,
        update_time=created,
    )
    state.products[product.id] = product
    for seed_sku in seed_product.skus:
        available = sku_inventory(shop, seed_sku)
        state.skus[seed_sku.sku_id] = Sku(
            id=seed_sku.sku_id,
            product_id=product.id,
            seller_sku=seed_sku.seller_sku,
            price=seed_sku.price,
            status=seed_sku.status,
            sales_attributes=[(a.name, a.value_name) for a in seed_sku.sales_attributes],
            available=available,
            committed=dict.fromkeys(available, 0),
            external_sku_id=seed_sku.external_sku_id,
        )


def line_item(state: TikTokShopState, sku: Sku, warehouse_id: str) -> LineItem:
    product = state.products[sku.product_id]
    return LineItem(
        id=state.next_id("line_item", "58"),
        sku_id=sku.id,
        product_id=product.id,
        product_name=product.title,
        sku_name=sku.name,
        seller_sku=sku.seller_sku,
        price=sku.price,
        warehouse_id=warehouse_id,
    )


def _build_order(
    state: TikTokShopState, seed: TikTokShopSeed, seed_order: TikTokOrder, now: float
) -> Order:
    created = int(now - seed_order.created_seconds_ago)
    status = seed_order.status
    holds = status in OPEN_STATUSES
    items: list[LineItem] = []
    for seed_item in seed_order.items:
        seed_sku = resolve_item(seed, seed_order.shop_id, seed_item)
        assert seed_sku is not None  # the seed's validation proved it
        sku = state.skus[seed_sku.sku_id]
        warehouse_id = next(iter(sku.available), "")
        for _ in range(seed_item.quantity):
            items.append(line_item(state, sku, warehouse_id))
            if holds:
                sku.committed[warehouse_id] = sku.committed.get(warehouse_id, 0) + 1
    updated = created if status == "UNPAID" else created + 1_800
    order = Order(
        id=seed_order.order_id,
        shop_id=seed_order.shop_id,
        status=status,
        commerce_platform=seed_order.commerce_platform,
        create_time=created,
        update_time=updated,
        line_items=items,
        user_id=f"7{sum(map(ord, seed_order.order_id)):018d}",
        buyer_message=seed_order.buyer_message,
        recipient_name=seed_order.recipient_name,
        recipient_city=seed_order.recipient_city,
        is_cod=seed_order.is_cod,
        shipping_fee=seed_order.shipping_fee,
        package_id=state.next_id("package", "11"),
        history=[("UNPAID", created)] + ([(status, updated)] if status != "UNPAID" else []),
        holds_stock=holds,
        paid_time=None if status == "UNPAID" or seed_order.is_cod else created + 600,
    )
    if status == "CANCELLED":
        order.cancel_time = updated
        order.cancel_reason = seed_order.cancel_reason or "Pembeli berubah pikiran"
        order.cancellation_initiator = "BUYER"
    else:
        stamp_status(order, status, updated)
    return order


def stamp_status(order: Order, status: str, now: int) -> None:
    """The times and tracking an order gains on reaching ``status`` (or passing it)."""
    reached = STATUS_PATH.index(status) if status in STATUS_PATH else -1
    if reached >= STATUS_PATH.index("ON_HOLD") and order.paid_time is None and not order.is_cod:
        order.paid_time = now
    if reached >= STATUS_PATH.index("AWAITING_COLLECTION"):
        order.rts_time = order.rts_time or now
        order.tracking_number = order.tracking_number or f"JX{int(order.id) % 10**10:010d}"
    if reached >= STATUS_PATH.index("IN_TRANSIT"):
        order.collection_time = order.collection_time or now
    if reached >= STATUS_PATH.index("DELIVERED"):
        order.delivery_time = order.delivery_time or now
