"""The seed: apps, shops, products (with variant families), orders and rate limits, as JSON.

The pydantic models below are the format's single source of truth: ``seed.schema.json`` is
generated from them (``python -c "from satustok_sandbox.tokopedia.seed import write_schema;
write_schema()"``) and a test checks the committed file is current. ``load_seed`` turns every
problem (missing file, bad JSON, a wrong field, a broken cross-reference) into one ``SeedError``
whose message names the field, e.g. ``shops[2].fs_ids: shop 480003 is a regular_merchant…``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from satustok_sandbox.common.seed import PositiveId, RateLimitEntry, SeedSchema, duplicates
from satustok_sandbox.common.seed import SeedModel as _Model
from satustok_sandbox.shopee.seed import ShopeeSeed
from satustok_sandbox.tiktokshop.seed import TikTokShopSeed
from satustok_sandbox.tokopedia.ratelimit import GROUPS, Limit

SCHEMA_PATH = Path(__file__).with_name("seed.schema.json")

Tier = Literal["official_store", "power_merchant", "regular_merchant"]
ELIGIBLE_TIERS = frozenset({"official_store", "power_merchant"})
ProductStatus = Literal[-2, -1, 0, 1, 3]
Price = Annotated[int, Field(ge=100, le=100_000_000, description="Rupiah, 100..100,000,000.")]
Sku = Annotated[str, Field(max_length=50, description="As the seller typed it; may be empty.")]

# Every status code of fact sheet §7; seeded and control-moved orders must use one of them.
ORDER_STATUSES = frozenset(
    {
        0,
        2,
        3,
        4,
        5,
        6,
        10,
        11,
        15,
        100,
        103,
        200,
        220,
        221,
        400,
        401,
        450,
        500,
        501,
        520,
        530,
        540,
        550,
        600,
        601,
        690,
        691,
        695,
        698,
        699,
        700,
        701,
    }
)


class SeedError(Exception):
    """A seed that cannot be used; the message is meant for a human and names the field."""


class SeedApp(_Model):
    """A partner app (Developer Console): the fs_id and its OAuth client credentials."""

    fs_id: PositiveId
    name: str = ""
    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    webhook_secret: str = Field("", description="Used to sign webhooks until one is registered.")
    token_ttl_seconds: PositiveId = Field(2_592_000, description="Access-token lifetime.")


class SeedWarehouse(_Model):
    """A shop warehouse; the first one is the default unless another says ``is_default``."""

    warehouse_id: PositiveId
    name: str = "Gudang Utama"
    is_default: bool = False
    address: str = "Jl. Malioboro No. 1"
    district_name: str = "Gedongtengen"
    city_name: str = "Kota Yogyakarta"
    province_name: str = "DI Yogyakarta"
    postal_code: str = "55271"


class SeedShop(_Model):
    """A shop. Only official_store and power_merchant shops may be linked to apps (``fs_ids``)."""

    shop_id: PositiveId
    name: str = Field(min_length=1)
    domain: str = Field("", description="Defaults to the name, lower-cased and hyphenated.")
    tier: Tier
    is_open: bool = True
    close_note: str = Field("", description="Why the shop is closed (holiday / libur).")
    close_until: int | None = Field(None, description="Unix seconds the holiday ends, if known.")
    fs_ids: list[PositiveId] = Field(
        default_factory=list, description="Apps the shop is linked to."
    )
    warehouses: list[SeedWarehouse] = Field(default_factory=list, description="Default: one.")
    user_id: PositiveId | None = None
    created_date: str = Field("2019-03-14", pattern=r"^\d{4}-\d{2}-\d{2}$")


class SeedVariantChild(_Model):
    """One variant child: its own sellable product with its own id, SKU, stock and price."""

    product_id: PositiveId
    options: list[str] = Field(min_length=1, description="One value per variant name, in order.")
    sku: Sku = ""
    price: Price
    stock: int = Field(0, ge=0)
    status: ProductStatus = 1
    name: str = Field("", description="Defaults to '<parent name> - <options>'.")


class SeedVariant(_Model):
    """A variant family: up to two variant names (e.g. Warna, Ukuran) and the children."""

    names: list[str] = Field(min_length=1, max_length=2)
    children: list[SeedVariantChild] = Field(min_length=1)

    @model_validator(mode="after")
    def _options_match_names(self) -> SeedVariant:
        for index, child in enumerate(self.children):
            if len(child.options) != len(self.names):
                raise ValueError(
                    f"children[{index}].options: {len(child.options)} values for "
                    f"{len(self.names)} variant names {self.names}"
                )
        return self


class SeedProduct(_Model):
    """A product. With ``variant`` it is a variant parent (not sellable) and ``price``/``stock``
    describe nothing: the children carry them."""

    product_id: PositiveId
    shop_id: PositiveId
    name: str = Field(min_length=1, max_length=70)
    sku: Sku = ""
    price: Price | None = None
    stock: int = Field(0, ge=0)
    status: ProductStatus = Field(
        1, description="-2 banned, -1 pending, 0 deleted, 1 active, 3 inactive."
    )
    condition: Literal[1, 2] = 1
    weight_grams: PositiveId = 300
    category_id: PositiveId = 1807
    description: str = ""
    etalase: str = ""
    warehouse_id: PositiveId | None = None
    count_sold: int = Field(0, ge=0)
    count_view: int = Field(0, ge=0)
    variant: SeedVariant | None = None

    @model_validator(mode="after")
    def _price_unless_parent(self) -> SeedProduct:
        if self.variant is None and self.price is None:
            raise ValueError("price: required for a product without variants")
        return self


class SeedOrderItem(_Model):
    """An ordered line: a sellable product of the order's shop, by ``product_id`` or ``sku``."""

    product_id: PositiveId | None = None
    sku: str | None = None
    quantity: PositiveId = 1
    price: Price | None = Field(None, description="Defaults to the product's price.")

    @model_validator(mode="after")
    def _one_reference(self) -> SeedOrderItem:
        if self.product_id is None and not self.sku:
            raise ValueError("give product_id or sku")
        return self


class SeedOrder(_Model):
    """A historical order. Its stock is assumed already taken (the seed stock is current)."""

    order_id: PositiveId
    shop_id: PositiveId
    status: int = 220
    create_time: int | None = Field(None, description="Unix seconds.")
    created_seconds_ago: int | None = Field(None, ge=0, description="Relative to start/reset.")
    items: list[SeedOrderItem] = Field(min_length=1)
    invoice_ref_num: str = ""
    buyer_name: str = "Pembeli Sandbox"
    recipient_city: str = "Kota Bandung"
    awb: str = ""
    shipping_cost: int = Field(9000, ge=0)
    shipping_agency: str = "JNE"
    service_type: str = "Reguler"

    @model_validator(mode="after")
    def _status_and_time(self) -> SeedOrder:
        if self.status not in ORDER_STATUSES:
            raise ValueError(f"status: {self.status} is not a Tokopedia order status code")
        if self.create_time is not None and self.created_seconds_ago is not None:
            raise ValueError("give create_time or created_seconds_ago, not both")
        return self


class SeedLimit(RateLimitEntry):
    """A rate limit for one endpoint group: ``rate`` per second and ``burst``, or unlimited."""

    def to_limit(self) -> Limit:
        return Limit.of(self)


class Seed(_Model):
    """A whole sandbox world. See docs/sandbox.md for the meaning of each part."""

    schema_ref: str | None = Field(None, alias="$schema")
    apps: list[SeedApp] = Field(min_length=1)
    shops: list[SeedShop] = Field(default_factory=list)
    products: list[SeedProduct] = Field(default_factory=list)
    orders: list[SeedOrder] = Field(default_factory=list)
    rate_limits: dict[str, SeedLimit] = Field(
        default_factory=dict, description=f"Per endpoint group, one of: {', '.join(GROUPS)}."
    )
    shopee: ShopeeSeed | None = Field(
        None, description="The Shopee sandbox's world; without it the Shopee demo world runs."
    )
    tiktokshop: TikTokShopSeed | None = Field(
        None,
        description="The TikTok Shop sandbox's world; without it the TikTok Shop demo world runs.",
    )

    @model_validator(mode="after")
    def _cross_references(self) -> Seed:
        for problem in _cross_reference_problems(self):
            raise ValueError(problem)
        return self

    def limit_overrides(self) -> dict[str, Limit]:
        return {group: limit.to_limit() for group, limit in self.rate_limits.items()}


def _cross_reference_problems(seed: Seed) -> Iterator[str]:
    yield from _app_problems(seed)
    yield from _shop_problems(seed)
    yield from _product_problems(seed)
    yield from _order_problems(seed)
    for group in seed.rate_limits:
        if group not in GROUPS:
            yield f"rate_limits.{group}: unknown endpoint group (known: {', '.join(GROUPS)})"


def _app_problems(seed: Seed) -> Iterator[str]:
    for field_name in ("fs_id", "client_id"):
        for value in duplicates([getattr(app, field_name) for app in seed.apps]):
            yield f"apps: {field_name} {value!r} appears more than once"


def _shop_problems(seed: Seed) -> Iterator[str]:
    fs_ids = {app.fs_id for app in seed.apps}
    for value in duplicates([shop.shop_id for shop in seed.shops]):
        yield f"shops: shop_id {value} appears more than once"
    warehouse_ids = [w.warehouse_id for shop in seed.shops for w in shop.warehouses]
    for value in duplicates(warehouse_ids):
        yield f"shops: warehouse_id {value} appears more than once"
    for index, shop in enumerate(seed.shops):
        for fs_id in shop.fs_ids:
            if fs_id not in fs_ids:
                yield f"shops[{index}].fs_ids: fs_id {fs_id} is not one of the apps"
        if shop.fs_ids and shop.tier not in ELIGIBLE_TIERS:
            yield (
                f"shops[{index}].fs_ids: shop {shop.shop_id} is a {shop.tier}; only official_store "
                "and power_merchant shops can be linked to an app"
            )
        if sum(w.is_default for w in shop.warehouses) > 1:
            yield f"shops[{index}].warehouses: more than one is_default warehouse"


def _product_problems(seed: Seed) -> Iterator[str]:
    shops = {shop.shop_id: shop for shop in seed.shops}
    ids = [p.product_id for p in seed.products]
    ids += [c.product_id for p in seed.products if p.variant for c in p.variant.children]
    for value in duplicates(ids):
        yield f"products: product_id {value} appears more than once (children included)"
    for index, product in enumerate(seed.products):
        shop = shops.get(product.shop_id)
        if shop is None:
            yield f"products[{index}].shop_id: shop {product.shop_id} is not one of the shops"
        elif product.warehouse_id and product.warehouse_id not in {
            w.warehouse_id for w in shop.warehouses
        }:
            yield (
                f"products[{index}].warehouse_id: {product.warehouse_id} is not a warehouse "
                f"of shop {shop.shop_id}"
            )


def _sellable_by_shop(seed: Seed) -> dict[int, list[tuple[int, str]]]:
    """(product_id, sku) of every sellable (non-parent, non-deleted) product, per shop."""
    units: dict[int, list[tuple[int, str]]] = {}
    for product in seed.products:
        rows = units.setdefault(product.shop_id, [])
        if product.variant is None:
            rows.extend([(product.product_id, product.sku)] if product.status != 0 else [])
        else:
            rows.extend((c.product_id, c.sku) for c in product.variant.children if c.status != 0)
    return units


def _order_problems(seed: Seed) -> Iterator[str]:
    shop_ids = {shop.shop_id for shop in seed.shops}
    units = _sellable_by_shop(seed)
    for value in duplicates([order.order_id for order in seed.orders]):
        yield f"orders: order_id {value} appears more than once"
    for index, order in enumerate(seed.orders):
        if order.shop_id not in shop_ids:
            yield f"orders[{index}].shop_id: shop {order.shop_id} is not one of the shops"
            continue
        shop_units = units.get(order.shop_id, [])
        for item_index, item in enumerate(order.items):
            where = f"orders[{index}].items[{item_index}]"
            yield from _item_problems(where, item, order.shop_id, shop_units)


def _item_problems(
    where: str, item: SeedOrderItem, shop_id: int, units: list[tuple[int, str]]
) -> Iterator[str]:
    if item.product_id is not None:
        if item.product_id not in {pid for pid, _ in units}:
            yield f"{where}.product_id: {item.product_id} is no sellable product of shop {shop_id}"
        return
    matches = [pid for pid, sku in units if sku == item.sku]
    if len(matches) != 1:
        found = "no" if not matches else f"{len(matches)}"
        yield f"{where}.sku: {found} sellable products of shop {shop_id} have sku {item.sku!r}"


def resolve_order_item(seed: Seed, shop_id: int, item: SeedOrderItem) -> int:
    """The product id an order item refers to (validation already proved it is unique)."""
    if item.product_id is not None:
        return item.product_id
    return next(pid for pid, sku in _sellable_by_shop(seed)[shop_id] if sku == item.sku)


def format_validation_error(error: ValidationError, source: str) -> str:
    """One line per problem, each naming its field as ``apps[0].client_id``."""
    lines = [f"{source}: invalid seed ({error.error_count()} problem(s))"]
    for problem in error.errors()[:20]:
        where = _location(problem["loc"])
        message = re.sub(r"^(Value error|Assertion failed), ", "", problem["msg"])
        lines.append(f"  - {where + ': ' if where else ''}{message}")
    return "\n".join(lines)


def _location(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def parse_seed(document: Any, source: str = "seed") -> Seed:
    """Validate an already-decoded JSON document."""
    try:
        return Seed.model_validate(document)
    except ValidationError as error:
        raise SeedError(format_validation_error(error, source)) from None


def load_seed(path: str | Path) -> Seed:
    """Read and validate a seed file; every failure is a ``SeedError`` with a clear message."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SeedError(f"{path}: cannot read the seed file ({error.strerror})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise SeedError(
            f"{path}: not valid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    return parse_seed(document, str(path))


# The JSON Schema of the seed format, as committed in ``seed.schema.json``.
SCHEMA = SeedSchema(
    Seed,
    "https://satustok.dev/schemas/tokopedia-sandbox-seed.json",
    "satustok Tokopedia sandbox seed",
    SCHEMA_PATH,
)
schema_text = SCHEMA.text
write_schema = SCHEMA.write
