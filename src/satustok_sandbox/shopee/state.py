"""The Shopee sandbox's in-memory world: partners, shops, items and models, orders, the
authorization state (codes, access and refresh tokens) and push configuration.

Plain dataclasses under one re-entrant lock, as in the Tokopedia sandbox; codes, sessions and
tokens build on ``common/tokens.py`` (shared with TikTok Shop). ``build_state`` turns
a validated seed into a fresh world; a reset builds a new one.

Stock lives on *units*: an item without models, or one model of an item. A unit has the
seller's stock per ``location_id`` (what ``update_stock`` sets and what buyers' orders take
from), ``reserved_stock`` (held by a promotion: an update may not go below it) and
``order_reserved`` (quantity held by open orders, reported in ``total_reserved_stock``).

Listing is O(page): ``ItemIndex`` keeps every shop's item ids sorted, per status, so a page of
``get_item_list`` is a few binary searches and a slice, however many items the shop has.
"""

from __future__ import annotations

import bisect
import heapq
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from satustok_sandbox.common.clock import WIB, SandboxClock
from satustok_sandbox.common.stocklog import Cause, StockLog
from satustok_sandbox.common.tokens import (
    AuthCodeBase,
    AuthSessionBase,
    RefreshTokenBase,
    TokenBase,
)
from satustok_sandbox.shopee.seed import (
    SN_ALPHABET,
    ShopeeItem,
    ShopeeModel,
    ShopeeOrder,
    ShopeeSeed,
    ShopeeShop,
    StockRow,
    default_location_id,
)

ACCESS_TOKEN_TTL = 4 * 3600
REFRESH_TOKEN_TTL = 30 * 86_400
AUTH_CODE_TTL = 600
AUTHORIZATION_TTL = 365 * 86_400
DELETED_STATUSES = frozenset({"SELLER_DELETE", "SHOPEE_DELETE"})
# Orders in these statuses hold their quantity as reserved stock.
OPEN_STATUSES = frozenset({"UNPAID", "READY_TO_SHIP", "PROCESSED", "RETRY_SHIP", "IN_CANCEL"})
CANCELLABLE_STATUSES = frozenset({"UNPAID", "READY_TO_SHIP", "PROCESSED"})


@dataclass
class PushConfig:
    callback_url: str
    codes_on: set[int]
    blocked_shop_ids: set[int] = field(default_factory=set)


@dataclass
class Partner:
    partner_id: int
    name: str
    partner_key: str
    push: PushConfig


@dataclass
class Location:
    location_id: str
    warehouse_id: int
    name: str
    city: str
    state: str
    zipcode: str


@dataclass
class Shop:
    shop_id: int
    shop_name: str
    status: str
    region: str
    currency: str
    merchant_id: int | None
    locations: list[Location]

    @property
    def location_ids(self) -> list[str]:
        return [loc.location_id for loc in self.locations]


@dataclass
class Unit:
    """What items without models and models share: price and stock."""

    price: int
    stock: dict[str, int]
    reserved_stock: int
    order_reserved: int = 0
    # A discount promotion runs on it (control API): update_price refuses its price.
    promotion: bool = False

    @property
    def total_stock(self) -> int:
        return sum(self.stock.values())

    @property
    def total_reserved(self) -> int:
        return self.reserved_stock + self.order_reserved


@dataclass
class Model(Unit):
    model_id: int = 0
    item_id: int = 0
    model_sku: str = ""
    tier_index: list[int] = field(default_factory=list)
    model_status: str = "MODEL_NORMAL"


@dataclass
class Item(Unit):
    item_id: int = 0
    shop_id: int = 0
    item_name: str = ""
    item_sku: str = ""
    item_status: str = "NORMAL"
    category_id: int = 0
    weight: float = 0.3
    description: str = ""
    tiers: list[tuple[str, list[str]]] = field(default_factory=list)
    model_ids: list[int] = field(default_factory=list)
    create_time: int = 0
    update_time: int = 0

    @property
    def has_model(self) -> bool:
        return bool(self.model_ids)

    @property
    def is_deleted(self) -> bool:
        return self.item_status in DELETED_STATUSES


@dataclass
class OrderLine:
    order_item_id: int
    item_id: int
    item_name: str
    item_sku: str
    model_id: int
    model_name: str
    model_sku: str
    quantity: int
    original_price: int
    discounted_price: int
    location_id: str
    taken: dict[str, int] = field(default_factory=dict)  # stock taken per location


@dataclass
class Order:
    order_sn: str
    shop_id: int
    status: str
    create_time: int
    update_time: int
    pay_time: int | None
    lines: list[OrderLine]
    buyer_user_id: int
    buyer_username: str
    recipient_name: str
    recipient_city: str
    cod: bool
    shipping_carrier: str
    estimated_shipping_fee: int
    message_to_seller: str
    history: list[tuple[str, int]]
    stock_taken: bool
    reserved_held: bool
    cancel_by: str = ""
    cancel_reason: str = ""
    buyer_cancel_reason: str = ""
    status_before_cancel_request: str = ""
    package_number: str = ""
    tracking_number: str = ""
    pickup_done_time: int = 0
    # Fulfilment (logistics/*): the order's logistics channel ("integrated": pickup or
    # drop-off with Shopee's courier; "non_integrated": the seller's own courier and tracking
    # number), the arrangement ship_order recorded, each package's shipping document
    # (PROCESSING, then READY) and how often its PDF was downloaded, and the returns.
    logistics: str = "integrated"
    shipment: dict[str, Any] = field(default_factory=dict)
    documents: dict[str, str] = field(default_factory=dict)
    document_reads: dict[str, int] = field(default_factory=dict)
    labels_downloaded: int = 0
    return_sns: list[str] = field(default_factory=list)
    # ``time.time()`` when a buyer's order took its stock (the control API's answer); 0 seeded.
    placed_at: float = 0.0

    @property
    def total_amount(self) -> int:
        goods = sum(line.discounted_price * line.quantity for line in self.lines)
        return goods + self.estimated_shipping_fee


def package_number(order: Order) -> str:
    """The order's one package (the sandbox never splits an order): ``OFG`` + digits."""
    return order.package_number or f"OFG{order.create_time % 10**9:09d}{order.order_sn[-4:]}"


@dataclass
class ReturnLine:
    item_id: int
    model_id: int
    name: str
    item_sku: str
    variation_sku: str
    amount: int  # the quantity sent back
    item_price: int


@dataclass
class Return:
    """A buyer's return/refund request (returns/get_return_list, get_return_detail)."""

    return_sn: str
    order_sn: str
    shop_id: int
    status: str  # REQUESTED, ACCEPTED, CANCELLED, JUDGING, CLOSED, PROCESSING, SELLER_DISPUTE
    reason: str
    text_reason: str
    lines: list[ReturnLine]
    buyer_username: str
    create_time: int
    update_time: int

    @property
    def refund_amount(self) -> int:
        return sum(line.amount * line.item_price for line in self.lines)


@dataclass
class Authorization:
    """A seller's authorization of one partner app for one shop."""

    partner_id: int
    shop_id: int
    auth_time: int
    expire_time: int
    revoked_at: float | None = None

    def active(self, now: float) -> bool:
        return self.revoked_at is None and now < self.expire_time


@dataclass
class PartnerShop:
    """Whom a code or token belongs to: a partner app, for one shop. First among a base's
    bases, so its fields follow the base's value and it says who the ``owner`` is."""

    partner_id: int
    shop_id: int

    def owner(self) -> dict[str, Any]:
        return {"partner_id": self.partner_id, "shop_id": self.shop_id}


@dataclass
class AuthCode(PartnerShop, AuthCodeBase):
    pass


@dataclass
class AuthSession(AuthSessionBase):
    """A shown authorization page, so its form can be posted a little later."""

    partner_id: int
    redirect: str


@dataclass
class AccessToken(PartnerShop, TokenBase):
    pass


@dataclass
class RefreshToken(PartnerShop, RefreshTokenBase):
    pass


class ItemIndex:
    """Item ids per (shop, status), each list sorted; pages in O(k log n + page)."""

    def __init__(self) -> None:
        self._lists: dict[tuple[int, str], list[int]] = {}

    def add(self, shop_id: int, status: str, item_id: int) -> None:
        bisect.insort(self._lists.setdefault((shop_id, status), []), item_id)

    def remove(self, shop_id: int, status: str, item_id: int) -> None:
        ids = self._lists.get((shop_id, status), [])
        position = bisect.bisect_left(ids, item_id)
        if position < len(ids) and ids[position] == item_id:
            del ids[position]

    def ids(self, shop_id: int, statuses: list[str]) -> list[list[int]]:
        return [ids for s in statuses if (ids := self._lists.get((shop_id, s)))]

    def page(
        self, shop_id: int, statuses: list[str], offset: int, size: int
    ) -> tuple[list[int], int]:
        """The ``size`` ids from rank ``offset`` of the union of the statuses' lists, in id
        order, and the union's size."""
        lists = self.ids(shop_id, statuses)
        total = sum(len(ids) for ids in lists)
        if offset >= total or size <= 0:
            return [], total
        if len(lists) == 1:
            return lists[0][offset : offset + size], total
        # The id at rank ``offset``: the smallest v with more than ``offset`` ids <= v.
        low, high = min(ids[0] for ids in lists), max(ids[-1] for ids in lists)
        while low < high:
            middle = (low + high) // 2
            if sum(bisect.bisect_right(ids, middle) for ids in lists) > offset:
                high = middle
            else:
                low = middle + 1
        heads = [ids[(start := bisect.bisect_left(ids, low)) : start + size] for ids in lists]
        return list(heapq.merge(*heads))[:size], total


@dataclass
class ShopeeState:
    """Everything a reset restores."""

    clock: SandboxClock
    partners: dict[int, Partner]
    shops: dict[int, Shop]
    items: dict[int, Item]
    models: dict[int, Model]
    orders: dict[str, Order]
    returns: dict[str, Return] = field(default_factory=dict)
    index: ItemIndex = field(default_factory=ItemIndex)
    skus: dict[tuple[int, str], set[int]] = field(default_factory=dict)
    authorizations: dict[tuple[int, int], Authorization] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    sessions: dict[str, AuthSession] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    refresh_calls: int = 0
    reused_refresh_tokens: list[dict[str, Any]] = field(default_factory=list)
    order_numbers: int = 0
    order_item_numbers: int = 0
    return_numbers: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Every change of shown stock (common/stocklog.py); a reset's fresh world starts it empty.
    stock_log: StockLog = field(default_factory=StockLog, repr=False, compare=False)

    def now(self) -> float:
        return self.clock.now()

    def log_stock(self, item: Item, unit: Unit, cause: Cause, at: float | None = None) -> None:
        """Append a unit's shown stock (its total over the shop's locations) to the stock log,
        keyed ``"<item_id>:<model_id>"`` (model 0: an item without models) as the hub keys it."""
        if isinstance(unit, Model):
            model_id, sku = unit.model_id, unit.model_sku
        else:
            model_id, sku = 0, item.item_sku
        unit_key = f"{item.item_id}:{model_id}"
        self.stock_log.record(item.shop_id, unit_key, sku, unit.total_stock, cause, at)

    # --- items ---------------------------------------------------------------------------

    def add_item(self, item: Item) -> None:
        self.items[item.item_id] = item
        self.index.add(item.shop_id, item.item_status, item.item_id)
        for sku in self.item_skus(item):
            self.skus.setdefault((item.shop_id, sku), set()).add(item.item_id)

    def item_skus(self, item: Item) -> set[str]:
        found = {item.item_sku} | {self.models[m].model_sku for m in item.model_ids}
        return {sku for sku in found if sku}

    def set_item_status(self, item: Item, status: str) -> None:
        if status == item.item_status:
            return
        self.index.remove(item.shop_id, item.item_status, item.item_id)
        item.item_status = status
        self.index.add(item.shop_id, status, item.item_id)

    def reindex_skus(self, item: Item, before: set[str]) -> None:
        """Call after changing an item's or a model's SKU, with the SKUs it had before."""
        after = self.item_skus(item)
        for sku in before - after:
            self.skus.get((item.shop_id, sku), set()).discard(item.item_id)
        for sku in after - before:
            self.skus.setdefault((item.shop_id, sku), set()).add(item.item_id)

    def items_with_sku(self, shop_id: int, sku: str) -> list[int]:
        return sorted(self.skus.get((shop_id, sku), ()))

    def models_of(self, item: Item) -> list[Model]:
        return [self.models[model_id] for model_id in item.model_ids]

    def unit(self, item: Item, model_id: int) -> Unit | None:
        """The item itself (model_id 0, no models) or one of its models."""
        if model_id == 0:
            return None if item.has_model else item
        model = self.models.get(model_id)
        return model if model is not None and model.item_id == item.item_id else None

    def touch(self, item: Item) -> None:
        item.update_time = int(self.now())

    # --- orders --------------------------------------------------------------------------

    def next_order_sn(self) -> str:
        self.order_numbers += 1
        day = datetime.fromtimestamp(self.now(), WIB).strftime("%y%m%d")
        return f"{day}{_scrambled(self.order_numbers)}"

    def next_return_sn(self) -> str:
        self.return_numbers += 1
        day = datetime.fromtimestamp(self.now(), WIB).strftime("%y%m%d")
        return f"{day}{100_000_000 + self.return_numbers:09d}"

    def next_order_item_id(self) -> int:
        self.order_item_numbers += 1
        return 3_100_000_000 + self.order_item_numbers

    # --- authorization -------------------------------------------------------------------

    def authorization(self, partner_id: int, shop_id: int) -> Authorization | None:
        found = self.authorizations.get((partner_id, shop_id))
        return found if found is not None and found.active(self.now()) else None

    def authorized_partner_ids(self, shop_id: int) -> list[int]:
        return sorted(
            p for (p, s) in self.authorizations if s == shop_id and self.authorization(p, s)
        )


def _scrambled(number: int) -> str:
    """Eight characters that look random but follow from ``number`` alone."""
    value = (number * 2_654_435_761 + 97_531) % len(SN_ALPHABET) ** 8
    chars = []
    for _ in range(8):
        value, digit = divmod(value, len(SN_ALPHABET))
        chars.append(SN_ALPHABET[digit])
    return "".join(chars)


def build_state(seed: ShopeeSeed, clock: SandboxClock) -> ShopeeState:
    """A fresh world from a validated seed, with times relative to the clock's now."""
    now = clock.now()
    state = ShopeeState(
        clock=clock,
        partners={
            p.partner_id: Partner(
                p.partner_id,
                p.name,
                p.partner_key,
                PushConfig(p.callback_url, set(p.push_codes)),
            )
            for p in seed.partners
        },
        shops={s.shop_id: _build_shop(s) for s in seed.shops},
        items={},
        models={},
        orders={},
    )
    for index, seed_item in enumerate(seed.items):
        _build_item(state, seed_item, now, index)
    for seed_order in seed.orders:
        order = _build_order(state, seed_order, now)
        state.orders[order.order_sn] = order
    return state


def _build_shop(seed_shop: ShopeeShop) -> Shop:
    locations = [
        Location(
            loc.location_id,
            loc.warehouse_id or seed_shop.shop_id * 10 + number,
            loc.name,
            loc.city,
            loc.state,
            loc.zipcode,
        )
        for number, loc in enumerate(seed_shop.locations, start=1)
    ] or [
        Location(
            default_location_id(seed_shop.shop_id),
            seed_shop.shop_id * 10 + 1,
            "Gudang Utama",
            "Kota Yogyakarta",
            "DI Yogyakarta",
            "55271",
        )
    ]
    return Shop(
        seed_shop.shop_id,
        seed_shop.shop_name,
        seed_shop.status,
        seed_shop.region,
        seed_shop.currency,
        seed_shop.merchant_id,
        locations,
    )


def _stock(shop: Shop, stock: int, rows: list[StockRow] | None) -> dict[str, int]:
    levels = dict.fromkeys(shop.location_ids, 0)
    if rows:
        for row in rows:
            levels[row.location_id] += row.stock
    else:
        levels[shop.location_ids[0]] = stock
    return levels


def _build_item(state: ShopeeState, seed_item: ShopeeItem, now: float, index: int) -> None:
    shop = state.shops[seed_item.shop_id]
    ago = seed_item.created_seconds_ago
    created = int(now - (ago if ago is not None else 86_400 * (400 - index % 400)))
    item = Item(
        price=seed_item.price or 0,
        stock=_stock(shop, seed_item.stock, seed_item.seller_stock),
        reserved_stock=seed_item.reserved_stock,
        item_id=seed_item.item_id,
        shop_id=shop.shop_id,
        item_name=seed_item.item_name,
        item_sku=seed_item.item_sku,
        item_status=seed_item.item_status,
        category_id=seed_item.category_id,
        weight=seed_item.weight,
        description=seed_item.description,
        tiers=[(tier.name, list(tier.options)) for tier in seed_item.tier_variation],
        create_time=created,
        update_time=created,
    )
    for seed_model in seed_item.models:
        state.models[seed_model.model_id] = _build_model(shop, item, seed_model)
        item.model_ids.append(seed_model.model_id)
    if item.has_model:
        item.stock = {}
    state.add_item(item)


def _build_model(shop: Shop, item: Item, seed_model: ShopeeModel) -> Model:
    return Model(
        price=seed_model.price,
        stock=_stock(shop, seed_model.stock, seed_model.seller_stock),
        reserved_stock=seed_model.reserved_stock,
        model_id=seed_model.model_id,
        item_id=item.item_id,
        model_sku=seed_model.model_sku,
        tier_index=list(seed_model.tier_index),
        model_status=seed_model.model_status,
    )


def model_name(item: Item, model: Model | None) -> str:
    if model is None:
        return ""
    return ",".join(
        options[index] for (_, options), index in zip(item.tiers, model.tier_index, strict=False)
    )


def order_line(
    state: ShopeeState, item: Item, model: Model | None, quantity: int, price: int | None
) -> OrderLine:
    unit: Unit = model or item
    return OrderLine(
        order_item_id=state.next_order_item_id(),
        item_id=item.item_id,
        item_name=item.item_name,
        item_sku=item.item_sku,
        model_id=model.model_id if model else 0,
        model_name=model_name(item, model),
        model_sku=model.model_sku if model else "",
        quantity=quantity,
        original_price=unit.price,
        discounted_price=price or unit.price,
        location_id=next(iter(unit.stock), ""),
    )


def _build_order(state: ShopeeState, seed_order: ShopeeOrder, now: float) -> Order:
    created = (
        seed_order.create_time
        if seed_order.create_time is not None
        else int(now - (seed_order.created_seconds_ago or 0))
    )
    lines: list[OrderLine] = []
    for seed_line in seed_order.lines:
        item = state.items[seed_line.item_id]
        model = state.models.get(seed_line.model_id) if seed_line.model_id else None
        lines.append(order_line(state, item, model, seed_line.quantity, seed_line.price))
    status = seed_order.order_status
    history = [("UNPAID", created)] if status == "UNPAID" or not seed_order.cod else []
    if status != "UNPAID":
        history.append((status, created + 1800))
    order = Order(
        order_sn=seed_order.order_sn,
        shop_id=seed_order.shop_id,
        status=status,
        create_time=created,
        update_time=history[-1][1],
        pay_time=None if status == "UNPAID" or seed_order.cod else created + 600,
        lines=lines,
        buyer_user_id=600_000_000 + sum(map(ord, seed_order.order_sn)),
        buyer_username=seed_order.buyer_username,
        recipient_name=seed_order.recipient_name,
        recipient_city=seed_order.recipient_city,
        cod=seed_order.cod,
        shipping_carrier=seed_order.shipping_carrier,
        estimated_shipping_fee=seed_order.estimated_shipping_fee,
        message_to_seller=seed_order.message_to_seller,
        history=history,
        stock_taken=status != "CANCELLED",
        reserved_held=status in OPEN_STATUSES,
    )
    if status == "CANCELLED":
        order.cancel_by, order.cancel_reason = "buyer", "Change of mind"
    if order.reserved_held:
        for line, seed_line in zip(lines, seed_order.lines, strict=True):
            unit = state.unit(state.items[line.item_id], seed_line.model_id)
            if unit is not None:
                unit.order_reserved += line.quantity
    return order
