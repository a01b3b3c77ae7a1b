"""The sandbox's in-memory world: apps, shops, products, orders, tokens and webhook registrations.

Plain dataclasses under one re-entrant lock. uvicorn serves everything from a single event loop
and no handler awaits while it mutates, so the lock is belt and braces (and guards the helpers
a test might call from another thread). ``build_state`` turns a validated seed into a fresh
world; ``reset`` in the control API simply builds a new one.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

from satustok_sandbox.common.clock import WIB, SandboxClock
from satustok_sandbox.common.stocklog import StockLog
from satustok_sandbox.tokopedia.seed import (
    Seed,
    SeedOrder,
    SeedProduct,
    SeedShop,
    SeedVariantChild,
    resolve_order_item,
)

CANCELLED_STATUSES = frozenset({0, 3, 4, 5, 6, 10, 15})
UNPAID_STATUSES = frozenset({100, 103, 200})

# Every edit to a product (any field) or to a state's product table takes a fresh number from
# here; a cached shop listing (``SandboxState.listing``) remembers the number it was built
# under and is rebuilt when it has moved. One counter for every product of every state: an
# edit elsewhere only costs a rebuild, never a stale page.
_EDITS = itertools.count(1)
_last_edit = [0]


def _note_edit() -> None:
    _last_edit[0] = next(_EDITS)


def last_edit() -> int:
    """The number of the latest edit to any product or product table."""
    return _last_edit[0]


@dataclass
class App:
    fs_id: int
    name: str
    client_id: str
    client_secret: str
    webhook_secret: str
    token_ttl_seconds: int


@dataclass
class Warehouse:
    warehouse_id: int
    shop_id: int
    name: str
    is_default: bool
    address: str
    district_name: str
    city_name: str
    province_name: str
    postal_code: str


@dataclass
class Shop:
    shop_id: int
    user_id: int
    name: str
    domain: str
    tier: str
    is_open: bool
    close_note: str
    close_until: int | None
    fs_ids: list[int]
    warehouses: list[Warehouse]
    created_date: str

    def is_linked_to(self, fs_id: int) -> bool:
        return fs_id in self.fs_ids

    def default_warehouse(self) -> Warehouse:
        for warehouse in self.warehouses:  # asked for every product shown: no generator
            if warehouse.is_default:
                return warehouse
        return self.warehouses[0]

    def warehouse(self, warehouse_id: int) -> Warehouse | None:
        return next((w for w in self.warehouses if w.warehouse_id == warehouse_id), None)


@dataclass
class Product:
    product_id: int
    shop_id: int
    warehouse_id: int
    name: str
    sku: str
    price: int
    stock: int
    status: int
    condition: int
    weight_grams: int
    category_id: int
    description: str
    etalase: str
    count_sold: int
    count_view: int
    created_at: float
    updated_at: float
    price_updated_at: float
    parent_id: int | None = None
    children_ids: list[int] = field(default_factory=list)
    variant_names: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    # True when the stock-0 rule (not the seller) made it inactive; a restock reactivates it.
    auto_inactive: bool = False
    # A campaign (slash price, flash sale) runs on it: price/update refuses its rows.
    promotion: bool = False

    def __setattr__(self, name: str, value: object) -> None:
        # Any field may decide a listing's membership or order (status, shop, sort keys, a
        # child's stock or price for its parent): every assignment invalidates cached listings.
        # Lists (children_ids, …) are replaced, never edited in place.
        object.__setattr__(self, name, value)
        _last_edit[0] = next(_EDITS)  # _note_edit(), inlined: every field of every product

    @property
    def is_parent(self) -> bool:
        return bool(self.children_ids)

    @property
    def is_deleted(self) -> bool:
        return self.status == 0


@dataclass
class OrderLine:
    product_id: int
    name: str
    sku: str
    quantity: int
    price: int
    weight_grams: int


@dataclass
class Order:
    order_id: int
    invoice: str
    shop_id: int
    warehouse_id: int
    status: int
    create_time: float
    update_time: float
    lines: list[OrderLine]
    buyer_id: int
    buyer_name: str
    recipient_city: str
    shipping_agency: str
    service_type: str
    shipping_cost: int
    awb: str
    history: list[tuple[int, float]]
    stock_taken: bool
    reject_reason: str = ""
    # --- fulfilment (fact sheet §7): how it ships, the label, the buyer's requests ---
    ship_method: str = ""  # "pickup" or "self_ship", once arranged
    pickup_requested_at: float | None = None
    label_fetches: int = 0
    labels_printed: int = 0  # fetches with printed=1
    cancel_request_reason: str = ""
    cancel_request_time: float | None = None  # set while a buyer's request is pending
    returned_items: list[tuple[int, int]] = field(default_factory=list)  # (product_id, qty)
    # ``time.time()`` when a buyer's order took its stock (the control API's answer); 0 seeded.
    placed_at: float = 0.0

    def first_time(self, status: int) -> float | None:
        """When the order first reached ``status`` (None if it never did)."""
        return next((at for code, at in self.history if code == status), None)

    @property
    def reached_paid(self) -> bool:
        """Only orders that reached 220 exist for the seller (fact sheet §7)."""
        return any(status == 220 for status, _ in self.history)

    @property
    def total_product_price(self) -> int:
        return sum(line.price * line.quantity for line in self.lines)


@dataclass
class AccessToken:
    value: str
    fs_id: int
    expires_at: float


@dataclass
class WebhookRegistration:
    urls: dict[str, str]
    secret: str | None


class ProductTable(dict[int, Product]):
    """``SandboxState.products``: a dict that counts adding, replacing and removing products as
    edits (see ``last_edit``)."""

    def __setitem__(self, key: int, value: Product) -> None:
        super().__setitem__(key, value)
        _note_edit()

    def __delitem__(self, key: int) -> None:
        super().__delitem__(key)
        _note_edit()

    def __ior__(self, other: Any) -> Self:  # type: ignore[misc,override]
        result = super().__ior__(other)
        _note_edit()
        return result

    def pop(self, key: int, *default: Any) -> Any:
        try:
            return super().pop(key, *default)
        finally:
            _note_edit()

    def popitem(self) -> tuple[int, Product]:
        try:
            return super().popitem()
        finally:
            _note_edit()

    def setdefault(self, key: int, default: Any = None) -> Any:
        try:
            return super().setdefault(key, default)
        finally:
            _note_edit()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        _note_edit()

    def clear(self) -> None:
        super().clear()
        _note_edit()


ListingKey = Callable[[Product], Any]


@dataclass
class SandboxState:
    """Everything a reset restores."""

    clock: SandboxClock
    apps: dict[int, App]
    shops: dict[int, Shop]
    products: dict[int, Product]  # a ProductTable (a plain dict given is wrapped)
    orders: dict[int, Order]
    tokens: dict[str, AccessToken] = field(default_factory=dict)
    webhooks: dict[int, WebhookRegistration] = field(default_factory=dict)
    # (fs_id, shop_id, request_id) -> the first response's data, for stock increment/decrement.
    request_ids: dict[tuple[int, int, str], object] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Every change of shown stock (common/stocklog.py); a reset's fresh world starts it empty.
    stock_log: StockLog = field(default_factory=StockLog, repr=False, compare=False)
    # (shop_id, order) -> (last_edit() when built, the shop's live products in that order).
    _listings: dict[tuple[int, Hashable], tuple[int, list[Product]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not isinstance(self.products, ProductTable):
            self.products = ProductTable(self.products)

    def now(self) -> float:
        return self.clock.now()

    def app_by_client_id(self, client_id: str) -> App | None:
        return next((app for app in self.apps.values() if app.client_id == client_id), None)

    def shop_products(self, shop_id: int) -> list[Product]:
        """Every non-deleted product of a shop (parents and children alike), by id."""
        return list(self.listing(shop_id))

    def listing(
        self,
        shop_id: int,
        order: Hashable = None,
        key: ListingKey | None = None,
        reverse: bool = False,
    ) -> list[Product]:
        """A shop's live products by id, then stably sorted by ``key`` (``reverse`` as
        ``sorted`` takes it) when given; ``order`` names that ordering for the cache. Built
        once and kept until any product changes, so paging through a shop costs a slice per
        page, not a filter and a sort of the whole shop. The list is shared: do not change it."""
        with self.lock:
            built_at = last_edit()  # read before building: an edit meanwhile forces a rebuild
            cached = self._listings.get((shop_id, order))
            if cached is not None and cached[0] == built_at:
                return cached[1]
            found = [p for p in self.products.values() if p.shop_id == shop_id and not p.is_deleted]
            found.sort(key=lambda p: p.product_id)
            if key is not None:
                found.sort(key=key, reverse=reverse)
            self._listings[(shop_id, order)] = (built_at, found)
            return found

    def next_order_id(self) -> int:
        return max(self.orders, default=910_000_000) + 1

    def webhook_secret(self, fs_id: int) -> str:
        """The registered secret, or the app's seeded one when none was registered."""
        registration = self.webhooks.get(fs_id)
        if registration and registration.secret is not None:
            return registration.secret
        return self.apps[fs_id].webhook_secret


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=1024)  # every product page slugs the same few category names
def slugify(text: str) -> str:
    return _NOT_SLUG.sub("-", text.lower()).strip("-")


def invoice_number(order_id: int, create_time: float) -> str:
    day = datetime.fromtimestamp(create_time, WIB).strftime("%Y%m%d")
    return f"INV/{day}/MPL/{order_id}"


def rfc3339(timestamp: float | None) -> str:
    """RFC3339 in WIB, as the single-order endpoint sends times."""
    if not timestamp:
        return ""
    return datetime.fromtimestamp(int(timestamp), WIB).isoformat()


def build_state(seed: Seed, clock: SandboxClock) -> SandboxState:
    """A fresh world from a validated seed, with times relative to the clock's now."""
    now = clock.now()
    state = SandboxState(
        clock=clock,
        apps={a.fs_id: App(**a.model_dump()) for a in seed.apps},
        shops={s.shop_id: _build_shop(s) for s in seed.shops},
        products={},
        orders={},
    )
    for index, seed_product in enumerate(seed.products):
        for product in _build_products(seed_product, state.shops[seed_product.shop_id], now, index):
            state.products[product.product_id] = product
    for seed_order in seed.orders:
        order = _build_order(seed, seed_order, state, now)
        state.orders[order.order_id] = order
    return state


def _build_shop(seed_shop: SeedShop) -> Shop:
    warehouses = [
        Warehouse(shop_id=seed_shop.shop_id, **w.model_dump()) for w in seed_shop.warehouses
    ] or [_default_warehouse(seed_shop.shop_id)]
    if not any(w.is_default for w in warehouses):
        warehouses[0].is_default = True
    return Shop(
        shop_id=seed_shop.shop_id,
        user_id=seed_shop.user_id or seed_shop.shop_id + 7_000_000,
        name=seed_shop.name,
        domain=seed_shop.domain or slugify(seed_shop.name),
        tier=seed_shop.tier,
        is_open=seed_shop.is_open,
        close_note=seed_shop.close_note,
        close_until=seed_shop.close_until,
        fs_ids=list(seed_shop.fs_ids),
        warehouses=warehouses,
        created_date=seed_shop.created_date,
    )


def _default_warehouse(shop_id: int) -> Warehouse:
    return Warehouse(
        warehouse_id=shop_id * 10 + 1,
        shop_id=shop_id,
        name="Gudang Utama",
        is_default=True,
        address="Jl. Malioboro No. 1",
        district_name="Gedongtengen",
        city_name="Kota Yogyakarta",
        province_name="DI Yogyakarta",
        postal_code="55271",
    )


def _build_products(seed_product: SeedProduct, shop: Shop, now: float, index: int) -> list[Product]:
    # Older seed entries are older products, so "last update" sorting has something to sort.
    created = now - 86_400 * (400 - index % 400)
    parent = Product(
        product_id=seed_product.product_id,
        shop_id=shop.shop_id,
        warehouse_id=seed_product.warehouse_id or shop.default_warehouse().warehouse_id,
        name=seed_product.name,
        sku=seed_product.sku,
        price=seed_product.price or 0,
        stock=seed_product.stock,
        status=seed_product.status,
        condition=seed_product.condition,
        weight_grams=seed_product.weight_grams,
        category_id=seed_product.category_id,
        description=seed_product.description,
        etalase=seed_product.etalase,
        count_sold=seed_product.count_sold,
        count_view=seed_product.count_view,
        created_at=created,
        updated_at=created,
        price_updated_at=created,
    )
    if seed_product.variant is None:
        return [parent]
    parent.variant_names = list(seed_product.variant.names)
    children = [_build_child(parent, child) for child in seed_product.variant.children]
    parent.children_ids = [child.product_id for child in children]
    parent.price = min(child.price for child in children)
    return [parent, *children]


def _build_child(parent: Product, seed_child: SeedVariantChild) -> Product:
    return Product(
        **{
            **parent.__dict__,
            "product_id": seed_child.product_id,
            "name": seed_child.name or f"{parent.name} - {', '.join(seed_child.options)}",
            "sku": seed_child.sku,
            "price": seed_child.price,
            "stock": seed_child.stock,
            "status": seed_child.status,
            "count_sold": 0,
            "parent_id": parent.product_id,
            "children_ids": [],
            "variant_names": list(parent.variant_names),
            "options": list(seed_child.options),
        }
    )


def _build_order(seed: Seed, seed_order: SeedOrder, state: SandboxState, now: float) -> Order:
    shop = state.shops[seed_order.shop_id]
    created = _order_create_time(seed_order, now)
    lines = []
    for item in seed_order.items:
        product = state.products[resolve_order_item(seed, shop.shop_id, item)]
        lines.append(
            OrderLine(
                product.product_id,
                product.name,
                product.sku,
                item.quantity,
                item.price or product.price,
                product.weight_grams,
            )
        )
    history = [(220, created)] if seed_order.status not in UNPAID_STATUSES else []
    if seed_order.status != 220:
        history.append((seed_order.status, created + 3600))
    return Order(
        order_id=seed_order.order_id,
        invoice=seed_order.invoice_ref_num or invoice_number(seed_order.order_id, created),
        shop_id=shop.shop_id,
        warehouse_id=shop.default_warehouse().warehouse_id,
        status=seed_order.status,
        create_time=created,
        update_time=history[-1][1] if history else created,
        lines=lines,
        buyer_id=8_800_000 + seed_order.order_id % 100_000,
        buyer_name=seed_order.buyer_name,
        recipient_city=seed_order.recipient_city,
        shipping_agency=seed_order.shipping_agency,
        service_type=seed_order.service_type,
        shipping_cost=seed_order.shipping_cost,
        awb=seed_order.awb,
        history=history,
        stock_taken=bool(history) and seed_order.status not in CANCELLED_STATUSES,
    )


def _order_create_time(seed_order: SeedOrder, now: float) -> float:
    if seed_order.create_time is not None:
        return float(seed_order.create_time)
    return float(int(now - (seed_order.created_seconds_ago or 0)))
