"""The ``shopee`` section of a sandbox seed: partner apps, shops, items (with models) and orders.

The pydantic models below are the format's single source of truth. The section is optional in
the seed file (``Seed.shopee`` in ``satustok_sandbox.tokopedia.seed``): without it the Shopee
sandbox serves its demo world. Its own JSON Schema is ``seed.schema.json`` next to this file
(regenerate with ``python -c "from satustok_sandbox.shopee.seed import write_schema;
write_schema()"``; a test checks it is current), and the whole seed's schema embeds it.

Cross-reference problems (an item of an unknown shop, an order line naming a model of another
item, a location that is not the shop's…) are reported with the field's path, e.g.
``shopee: items[3].shop_id: shop 7700009 is not one of the shops``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from satustok_sandbox.common.seed import PositiveId, RateLimitEntry, SeedSchema, duplicates
from satustok_sandbox.common.seed import SeedModel as _Model

SCHEMA_PATH = Path(__file__).with_name("seed.schema.json")

ItemStatus = Literal["NORMAL", "BANNED", "UNLIST", "REVIEWING", "SELLER_DELETE", "SHOPEE_DELETE"]
ModelStatus = Literal["MODEL_NORMAL", "MODEL_UNAVAILABLE"]
ShopStatus = Literal["NORMAL", "BANNED", "FROZEN"]
OrderStatus = Literal[
    "UNPAID",
    "READY_TO_SHIP",
    "PROCESSED",
    "RETRY_SHIP",
    "SHIPPED",
    "TO_CONFIRM_RECEIVE",
    "COMPLETED",
    "IN_CANCEL",
    "CANCELLED",
    "TO_RETURN",
]
ORDER_STATUSES: tuple[str, ...] = OrderStatus.__args__  # type: ignore[attr-defined]
PUSH_CODES = frozenset({1, 2, 3, 4, 8, 15, 29})
SN_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # order_sn characters (no I, O)

Price = Annotated[
    int, Field(ge=100, le=1_000_000_000, description="Rupiah, whole numbers (ID region).")
]
Sku = Annotated[str, Field(max_length=100, description="As the seller typed it; may be empty.")]
Stock = Annotated[int, Field(ge=0, le=999_999)]


class ShopeeRateLimit(RateLimitEntry):
    """Requests per second (steady ``rate``, bucket ``burst``) for one partner, or unlimited."""


class ShopeePartner(_Model):
    """A partner app (Open Platform console): ``partner_id`` and ``partner_key``."""

    partner_id: PositiveId
    name: str = ""
    partner_key: str = Field(min_length=1)
    callback_url: str = Field("", description="Push callback URL registered in the console.")
    push_codes: list[int] = Field(
        default_factory=lambda: sorted(PUSH_CODES),
        description="Push codes switched on (the sandbox sends 1, 2, 3, 4, 8, 15 and 29).",
    )
    rate_limit: ShopeeRateLimit | None = Field(None, description="Default: 50 req/s, burst 50.")


class ShopeeLocation(_Model):
    """A warehouse of the shop; stock is kept per ``location_id``."""

    location_id: str = Field(min_length=1, max_length=40)
    warehouse_id: PositiveId | None = None
    name: str = "Gudang Utama"
    city: str = "Kota Yogyakarta"
    state: str = "DI Yogyakarta"
    zipcode: str = "55271"


class ShopeeShop(_Model):
    """A seller's shop. BANNED shops answer ``shop_banned``; FROZEN shops refuse changes."""

    shop_id: PositiveId
    shop_name: str = Field(min_length=1)
    status: ShopStatus = "NORMAL"
    region: str = "ID"
    currency: str = "IDR"
    merchant_id: PositiveId | None = None
    locations: list[ShopeeLocation] = Field(
        default_factory=list, description="Default: one location 'IDZ<shop_id>'."
    )


class StockRow(_Model):
    location_id: str = Field(min_length=1)
    stock: Stock


class ShopeeTier(_Model):
    """One variation tier (e.g. Warna) and its options, in order."""

    name: str = Field(min_length=1)
    options: list[str] = Field(min_length=1)


class ShopeeModel(_Model):
    """One model (variant) of an item: its own SKU, price and stock."""

    model_id: PositiveId
    model_sku: Sku = ""
    tier_index: list[Annotated[int, Field(ge=0)]] = Field(min_length=1)
    price: Price
    stock: Stock = Field(0, description="At the shop's first location (or use seller_stock).")
    seller_stock: list[StockRow] | None = None
    model_status: ModelStatus = "MODEL_NORMAL"
    reserved_stock: Stock = Field(0, description="Held by a promotion: stock may not go below.")


class ShopeeItem(_Model):
    """An item (listing). With ``models`` it has variations and no price or stock of its own."""

    item_id: PositiveId
    shop_id: PositiveId
    item_name: str = Field(min_length=1, max_length=120)
    item_sku: Sku = ""
    item_status: ItemStatus = "NORMAL"
    category_id: PositiveId = 100_017
    weight: float = Field(0.3, gt=0, description="Kilograms.")
    description: str = ""
    price: Price | None = None
    stock: Stock = 0
    seller_stock: list[StockRow] | None = None
    reserved_stock: Stock = 0
    tier_variation: list[ShopeeTier] = Field(default_factory=list, max_length=2)
    models: list[ShopeeModel] = Field(default_factory=list)
    created_seconds_ago: int | None = Field(None, ge=0, description="Default: by seed order.")

    @model_validator(mode="after")
    def _models_or_price(self) -> ShopeeItem:
        if not self.models:
            if self.price is None:
                raise ValueError("price: required for an item without models")
            if self.tier_variation:
                raise ValueError("tier_variation: only items with models have tiers")
            return self
        if not self.tier_variation:
            raise ValueError("tier_variation: required for an item with models")
        for index, model in enumerate(self.models):
            if len(model.tier_index) != len(self.tier_variation):
                raise ValueError(
                    f"models[{index}].tier_index: {len(model.tier_index)} values for "
                    f"{len(self.tier_variation)} tiers"
                )
            for tier, option in zip(self.tier_variation, model.tier_index, strict=True):
                if option >= len(tier.options):
                    raise ValueError(
                        f"models[{index}].tier_index: {option} is past the options of {tier.name}"
                    )
        return self


class ShopeeOrderLine(_Model):
    item_id: PositiveId
    model_id: int = Field(0, ge=0, description="0 for an item without models.")
    quantity: PositiveId = 1
    price: Price | None = Field(None, description="Defaults to the unit's price.")


class ShopeeOrder(_Model):
    """A historical order. Its stock is assumed already taken (the seeded stock is current)."""

    order_sn: str = Field(pattern=r"^[0-9A-Z]{6,20}$")
    shop_id: PositiveId
    order_status: OrderStatus = "READY_TO_SHIP"
    create_time: int | None = Field(None, description="Unix seconds.")
    created_seconds_ago: int | None = Field(None, ge=0, description="Relative to start/reset.")
    lines: list[ShopeeOrderLine] = Field(min_length=1)
    buyer_username: str = "pembeli_sandbox"
    recipient_name: str = "Pembeli Sandbox"
    recipient_city: str = "Kota Bandung"
    cod: bool = False
    shipping_carrier: str = "SPX Standard"
    estimated_shipping_fee: int = Field(10_000, ge=0)
    message_to_seller: str = ""

    @model_validator(mode="after")
    def _one_time(self) -> ShopeeOrder:
        if self.create_time is not None and self.created_seconds_ago is not None:
            raise ValueError("give create_time or created_seconds_ago, not both")
        return self


class ShopeeSeed(_Model):
    """The Shopee world. See docs/sandbox-shopee.md for the meaning of each part."""

    partners: list[ShopeePartner] = Field(default_factory=list)
    shops: list[ShopeeShop] = Field(default_factory=list)
    items: list[ShopeeItem] = Field(default_factory=list)
    orders: list[ShopeeOrder] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross_references(self) -> ShopeeSeed:
        for problem in _problems(self):
            raise ValueError(problem)
        return self


def default_location_id(shop_id: int) -> str:
    return f"IDZ{shop_id}"


def shop_location_ids(shop: ShopeeShop) -> list[str]:
    return [loc.location_id for loc in shop.locations] or [default_location_id(shop.shop_id)]


def _problems(seed: ShopeeSeed) -> Iterator[str]:
    for value in duplicates([p.partner_id for p in seed.partners]):
        yield f"partners: partner_id {value} appears more than once"
    for index, partner in enumerate(seed.partners):
        unknown = sorted(set(partner.push_codes) - PUSH_CODES)
        if unknown:
            sent = sorted(PUSH_CODES)
            yield f"partners[{index}].push_codes: {unknown} are not sent (only {sent})"
    for value in duplicates([s.shop_id for s in seed.shops]):
        yield f"shops: shop_id {value} appears more than once"
    for index, shop in enumerate(seed.shops):
        for value in duplicates([loc.location_id for loc in shop.locations]):
            yield f"shops[{index}].locations: location_id {value!r} appears more than once"
    yield from _item_problems(seed)
    yield from _order_problems(seed)


def _stock_problems(where: str, rows: list[StockRow] | None, locations: list[str]) -> Iterator[str]:
    for row in rows or []:
        if row.location_id not in locations:
            yield f"{where}.seller_stock: {row.location_id!r} is not a location of the shop"


def _item_problems(seed: ShopeeSeed) -> Iterator[str]:
    shops = {shop.shop_id: shop for shop in seed.shops}
    for value in duplicates([item.item_id for item in seed.items]):
        yield f"items: item_id {value} appears more than once"
    model_ids = [m.model_id for item in seed.items for m in item.models]
    for value in duplicates(model_ids):
        yield f"items: model_id {value} appears more than once"
    for index, item in enumerate(seed.items):
        shop = shops.get(item.shop_id)
        if shop is None:
            yield f"items[{index}].shop_id: shop {item.shop_id} is not one of the shops"
            continue
        locations = shop_location_ids(shop)
        yield from _stock_problems(f"items[{index}]", item.seller_stock, locations)
        for m_index, model in enumerate(item.models):
            where = f"items[{index}].models[{m_index}]"
            yield from _stock_problems(where, model.seller_stock, locations)


def _order_problems(seed: ShopeeSeed) -> Iterator[str]:
    shop_ids = {shop.shop_id for shop in seed.shops}
    items = {item.item_id: item for item in seed.items}
    for value in duplicates([order.order_sn for order in seed.orders]):
        yield f"orders: order_sn {value} appears more than once"
    for index, order in enumerate(seed.orders):
        if order.shop_id not in shop_ids:
            yield f"orders[{index}].shop_id: shop {order.shop_id} is not one of the shops"
            continue
        for l_index, line in enumerate(order.lines):
            where = f"orders[{index}].lines[{l_index}]"
            item = items.get(line.item_id)
            if item is None or item.shop_id != order.shop_id:
                yield f"{where}.item_id: {line.item_id} is no item of shop {order.shop_id}"
            elif item.models and line.model_id not in {m.model_id for m in item.models}:
                yield f"{where}.model_id: {line.model_id} is no model of item {item.item_id}"
            elif not item.models and line.model_id != 0:
                yield f"{where}.model_id: item {item.item_id} has no models (use 0)"


# The JSON Schema of the ``shopee`` section, as committed in ``seed.schema.json``.
SCHEMA = SeedSchema(
    ShopeeSeed,
    "https://satustok.dev/schemas/shopee-sandbox-seed.json",
    "satustok Shopee sandbox seed (the 'shopee' section)",
    SCHEMA_PATH,
)
schema_text = SCHEMA.text
write_schema = SCHEMA.write
