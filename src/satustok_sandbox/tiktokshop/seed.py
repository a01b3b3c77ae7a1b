"""The ``tiktokshop`` section of a sandbox seed: apps, sellers, shops (with warehouses), products
(with SKUs and stock per warehouse) and orders.

The pydantic models below are the format's single source of truth. The section is optional in
the seed file (``Seed.tiktokshop`` in ``satustok_sandbox.tokopedia.seed``): without it the TikTok
Shop sandbox serves its demo world. Its own JSON Schema is ``seed.schema.json`` next to this file
(regenerate with ``python -c "from satustok_sandbox.tiktokshop.seed import write_schema;
write_schema()"``; a test checks it is current), and the whole seed's schema embeds it.

Ids are strings of digits, as the real API sends them: shops, warehouses, products and SKUs 19
digits, orders 18 or 19. A seller (``open_id``) owns one or more shops; authorizing an app is
the seller's act and covers all of its shops.

Cross-reference problems are reported with the field's path, e.g. ``tiktokshop:
products[3].skus[0].inventory[1].warehouse_id: 7300000000000000099 is no sales warehouse of
shop 7494000000000000001``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from satustok_sandbox.common.seed import RateLimitEntry, SeedSchema, duplicates
from satustok_sandbox.common.seed import SeedModel as _Model

SCHEMA_PATH = Path(__file__).with_name("seed.schema.json")

Id19 = Annotated[str, Field(pattern=r"^[1-9][0-9]{18}$", description="19 digits, as a string.")]
OrderId = Annotated[
    str, Field(pattern=r"^[1-9][0-9]{17,18}$", description="18 or 19 digits, as a string.")
]
ProductStatus = Literal[
    "DRAFT",
    "PENDING",
    "FAILED",
    "ACTIVATE",
    "SELLER_DEACTIVATED",
    "PLATFORM_DEACTIVATED",
    "FREEZE",
    "DELETED",
]
PRODUCT_STATUSES: tuple[str, ...] = ProductStatus.__args__  # type: ignore[attr-defined]
SkuStatus = Literal["NORMAL", "DEACTIVATED"]
Platform = Literal["TIKTOK_SHOP", "TOKOPEDIA"]
PLATFORMS: tuple[str, ...] = Platform.__args__  # type: ignore[attr-defined]
OrderStatus = Literal[
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
]
ORDER_STATUSES: tuple[str, ...] = OrderStatus.__args__  # type: ignore[attr-defined]
WarehouseType = Literal["SALES_WAREHOUSE", "RETURN_WAREHOUSE"]
Scope = Literal[
    "seller.authorization.info",
    "seller.product.basic",
    "seller.product.write",
    "seller.logistics",
    "seller.order.info",
    "seller.return_refund.basic",
]
SCOPES: tuple[str, ...] = Scope.__args__  # type: ignore[attr-defined]
# Webhook topics (fact sheet §7) and their numeric ``type``; the sandbox sends 1, 6, 7 and 35.
EVENT_TYPES: dict[str, int] = {
    "ORDER_STATUS_CHANGE": 1,
    "REVERSE_STATUS_UPDATE": 2,
    "RECIPIENT_ADDRESS_UPDATE": 3,
    "PACKAGE_UPDATE": 4,
    "PRODUCT_STATUS_CHANGE": 5,
    "SELLER_DEAUTHORIZATION": 6,
    "UPCOMING_AUTHORIZATION_EXPIRATION": 7,
    "CANCELLATION_STATUS_CHANGE": 11,
    "RETURN_STATUS_CHANGE": 12,
    "PRODUCT_INFORMATION_CHANGE": 15,
    "PRODUCT_CREATION": 16,
    "PRODUCT_CATEGORY_CHANGE": 18,
    "INVENTORY_STATUS_CHANGE": 27,
    "TOKOPEDIA_MIRROR_STATUS_CHANGE": 35,
    "INVOICE_STATUS_CHANGE": 36,
    "PRODUCT_AUDIT_STATUS_CHANGE": 37,
}
SENT_EVENT_TYPES = frozenset({1, 6, 7, 11, 12, 27, 35})
MAX_QUANTITY = 99_999

Price = Annotated[int, Field(ge=100, le=1_000_000_000, description="Rupiah, whole numbers.")]
Quantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
SellerSku = Annotated[str, Field(max_length=50, description="As the seller typed it; may be ''.")]


def _all_scopes() -> list[Scope]:
    return list(Scope.__args__)  # type: ignore[attr-defined]


def _tiktok_only() -> list[Platform]:
    return ["TIKTOK_SHOP"]


class TikTokRateLimit(RateLimitEntry):
    """Requests per second for each shop (or seller) of one app, or unlimited."""


class TikTokApp(_Model):
    """A Partner Center app: credentials, the seller-link ``service_id``, the registered redirect
    URL, the scopes sellers grant it and its Partner Center webhook URLs."""

    app_key: str = Field(min_length=1, max_length=64)
    app_secret: str = Field(min_length=1)
    service_id: str = Field(pattern=r"^[0-9]{1,20}$")
    name: str = ""
    redirect_url: str = Field("", description="Where the authorization page sends the seller.")
    scopes: list[Scope] = Field(default_factory=_all_scopes)
    webhooks: dict[str, str] = Field(
        default_factory=dict,
        description="Partner Center webhook URL per event type (e.g. ORDER_STATUS_CHANGE).",
    )
    rate_limit: TikTokRateLimit | None = Field(None, description="Default: 50 req/s, burst 50.")


class TikTokSeller(_Model):
    """A seller account (``open_id``); it owns the shops that name it."""

    open_id: str = Field(min_length=1, max_length=64)
    seller_name: str = Field(min_length=1)
    region: str = "ID"
    user_type: Literal[0, 1] = Field(0, description="0 seller, 1 creator.")


class TikTokAddress(_Model):
    full_address: str = "Jl. Malioboro No. 1, Gedongtengen, Kota Yogyakarta, DI Yogyakarta"
    region: str = "Indonesia"
    region_code: str = "ID"
    state: str = "DI Yogyakarta"
    city: str = "Kota Yogyakarta"
    district: str = "Gedongtengen"
    zipcode: str = "55271"
    contact_person: str = "Admin Gudang"
    phone_number: str = "(+62)81200000000"


class TikTokWarehouse(_Model):
    """A shop warehouse; stock is kept per SALES_WAREHOUSE. The first sales warehouse is the
    default unless another says ``is_default``."""

    warehouse_id: Id19
    name: str = "Gudang Utama"
    type: WarehouseType = "SALES_WAREHOUSE"
    effect_status: Literal["ENABLED", "DISABLED", "RESTRICTED"] = "ENABLED"
    is_default: bool = False
    address: TikTokAddress = Field(default_factory=TikTokAddress)


class TikTokShop(_Model):
    shop_id: Id19
    cipher: str = Field("", max_length=128, description="Default: derived from the shop id.")
    name: str = Field(min_length=1)
    code: str = Field("", description="The shop code sellers see, e.g. IDLC1A2B3C.")
    region: str = "ID"
    seller_type: Literal["LOCAL", "CROSS_BORDER"] = "LOCAL"
    open_id: str = Field(min_length=1, description="The seller that owns the shop.")
    warehouses: list[TikTokWarehouse] = Field(
        default_factory=list, description="Default: one sales warehouse."
    )


class StockRow(_Model):
    warehouse_id: Id19
    quantity: Quantity


class SalesAttribute(_Model):
    name: str = Field(min_length=1)
    value_name: str = Field(min_length=1)


class TikTokSku(_Model):
    sku_id: Id19
    seller_sku: SellerSku = ""
    price: Price
    status: SkuStatus = "NORMAL"
    sales_attributes: list[SalesAttribute] = Field(default_factory=list)
    stock: Quantity = Field(0, description="Available at the shop's default warehouse.")
    inventory: list[StockRow] | None = Field(
        None, description="Available per warehouse (instead of stock); names its warehouses."
    )
    external_sku_id: str = ""


class TikTokProduct(_Model):
    product_id: Id19
    shop_id: Id19
    title: str = Field(min_length=1, max_length=255)
    description: str = ""
    status: ProductStatus = "ACTIVATE"
    listing_platforms: list[Platform] = Field(
        default_factory=_tiktok_only,
        min_length=1,
        description="Storefronts the product is listed on (Tokopedia & TikTok Shop: both).",
    )
    created_seconds_ago: int | None = Field(None, ge=0, description="Default: by seed order.")
    skus: list[TikTokSku] = Field(min_length=1)


class TikTokOrderItem(_Model):
    sku_id: Id19 | None = None
    seller_sku: str | None = Field(None, description="Exact and unique in the shop.")
    quantity: Annotated[int, Field(ge=1, le=100)] = 1

    @model_validator(mode="after")
    def _reference(self) -> TikTokOrderItem:
        if (self.sku_id is None) == (self.seller_sku is None):
            raise ValueError("give sku_id or seller_sku (one of them)")
        return self


class TikTokOrder(_Model):
    """A historical order. Its stock is assumed already taken (the seeded stock is current);
    open ones hold committed stock."""

    order_id: OrderId
    shop_id: Id19
    status: OrderStatus = "AWAITING_SHIPMENT"
    commerce_platform: Platform = "TIKTOK_SHOP"
    created_seconds_ago: int = Field(3_600, ge=0)
    items: list[TikTokOrderItem] = Field(min_length=1)
    buyer_message: str = ""
    recipient_name: str = "Pembeli Sandbox"
    recipient_city: str = "Kota Bandung"
    is_cod: bool = False
    shipping_fee: int = Field(10_000, ge=0)
    cancel_reason: str = Field("", description="For CANCELLED orders.")


class TikTokShopSeed(_Model):
    """The TikTok Shop world. See docs/sandbox-tiktokshop.md for the meaning of each part."""

    apps: list[TikTokApp] = Field(default_factory=list)
    sellers: list[TikTokSeller] = Field(default_factory=list)
    shops: list[TikTokShop] = Field(default_factory=list)
    products: list[TikTokProduct] = Field(default_factory=list)
    orders: list[TikTokOrder] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross_references(self) -> TikTokShopSeed:
        for problem in _problems(self):
            raise ValueError(problem)
        return self


# --- derived defaults ------------------------------------------------------------------------


def default_cipher(shop_id: str) -> str:
    """A stable cipher for a shop seeded without one (real ones look like ``ROW_…``)."""
    digest = hashlib.sha256(f"tiktokshop-cipher-{shop_id}".encode()).digest()
    return "ROW_" + base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def default_warehouse_id(shop_id: str) -> str:
    return "73" + shop_id[2:]


def shop_warehouses(shop: TikTokShop) -> list[TikTokWarehouse]:
    """The shop's warehouses, or the one a shop seeded without any gets."""
    return shop.warehouses or [
        TikTokWarehouse(warehouse_id=default_warehouse_id(shop.shop_id), is_default=True)
    ]


def sales_warehouse_ids(shop: TikTokShop) -> list[str]:
    """The shop's sales warehouses, the default one first."""
    sales = [w for w in shop_warehouses(shop) if w.type == "SALES_WAREHOUSE"]
    sales.sort(key=lambda w: not w.is_default)
    return [w.warehouse_id for w in sales]


def sku_inventory(shop: TikTokShop, sku: TikTokSku) -> dict[str, int]:
    """Available stock per warehouse assigned to the SKU."""
    if sku.inventory is not None:
        return {row.warehouse_id: row.quantity for row in sku.inventory}
    default = sales_warehouse_ids(shop)
    return {default[0]: sku.stock} if default else {}


# --- cross-reference validation ----------------------------------------------------------------


def _problems(seed: TikTokShopSeed) -> Iterator[str]:
    for name in ("app_key", "service_id"):
        for value in duplicates([getattr(app, name) for app in seed.apps]):
            yield f"apps: {name} {value!r} appears more than once"
    for index, app in enumerate(seed.apps):
        for event in app.webhooks:
            if event not in EVENT_TYPES:
                yield f"apps[{index}].webhooks: {event!r} is not an event type"
    for value in duplicates([seller.open_id for seller in seed.sellers]):
        yield f"sellers: open_id {value!r} appears more than once"
    yield from _shop_problems(seed)
    yield from _product_problems(seed)
    yield from _order_problems(seed)


def _shop_problems(seed: TikTokShopSeed) -> Iterator[str]:
    sellers = {seller.open_id for seller in seed.sellers}
    for value in duplicates([shop.shop_id for shop in seed.shops]):
        yield f"shops: shop_id {value} appears more than once"
    ciphers = [shop.cipher or default_cipher(shop.shop_id) for shop in seed.shops]
    for value in duplicates(ciphers):
        yield f"shops: cipher {value!r} appears more than once"
    warehouse_ids = [w.warehouse_id for shop in seed.shops for w in shop_warehouses(shop)]
    for value in duplicates(warehouse_ids):
        yield f"shops: warehouse_id {value} appears more than once"
    for index, shop in enumerate(seed.shops):
        if shop.open_id not in sellers:
            yield f"shops[{index}].open_id: {shop.open_id!r} is not one of the sellers"
        if sum(w.is_default for w in shop.warehouses) > 1:
            yield f"shops[{index}].warehouses: more than one is_default warehouse"
        if not sales_warehouse_ids(shop):
            yield f"shops[{index}].warehouses: a shop needs a SALES_WAREHOUSE"


def _product_problems(seed: TikTokShopSeed) -> Iterator[str]:
    shops = {shop.shop_id: shop for shop in seed.shops}
    for value in duplicates([p.product_id for p in seed.products]):
        yield f"products: product_id {value} appears more than once"
    for value in duplicates([s.sku_id for p in seed.products for s in p.skus]):
        yield f"products: sku_id {value} appears more than once"
    for index, product in enumerate(seed.products):
        shop = shops.get(product.shop_id)
        if shop is None:
            yield f"products[{index}].shop_id: shop {product.shop_id} is not one of the shops"
            continue
        sales = set(sales_warehouse_ids(shop))
        for s_index, sku in enumerate(product.skus):
            for r_index, row in enumerate(sku.inventory or []):
                if row.warehouse_id not in sales:
                    yield (
                        f"products[{index}].skus[{s_index}].inventory[{r_index}].warehouse_id: "
                        f"{row.warehouse_id} is no sales warehouse of shop {shop.shop_id}"
                    )
            if sku.inventory is not None and not sku.inventory:
                yield f"products[{index}].skus[{s_index}].inventory: name at least one warehouse"


def shop_skus(seed: TikTokShopSeed, shop_id: str) -> list[tuple[TikTokProduct, TikTokSku]]:
    return [(p, s) for p in seed.products if p.shop_id == shop_id for s in p.skus]


def resolve_item(seed: TikTokShopSeed, shop_id: str, item: TikTokOrderItem) -> TikTokSku | None:
    """The SKU an order item names: by id, or by a seller_sku unique in the shop."""
    found = [
        sku
        for _, sku in shop_skus(seed, shop_id)
        if sku.sku_id == item.sku_id
        or (item.seller_sku is not None and sku.seller_sku == item.seller_sku)
    ]
    return found[0] if len(found) == 1 else None


def _order_problems(seed: TikTokShopSeed) -> Iterator[str]:
    shop_ids = {shop.shop_id for shop in seed.shops}
    for value in duplicates([order.order_id for order in seed.orders]):
        yield f"orders: order_id {value} appears more than once"
    for index, order in enumerate(seed.orders):
        if order.shop_id not in shop_ids:
            yield f"orders[{index}].shop_id: shop {order.shop_id} is not one of the shops"
            continue
        for i_index, item in enumerate(order.items):
            if resolve_item(seed, order.shop_id, item) is None:
                named = item.sku_id or repr(item.seller_sku)
                yield (
                    f"orders[{index}].items[{i_index}]: {named} is not exactly one SKU of shop "
                    f"{order.shop_id}"
                )


# The JSON Schema of the ``tiktokshop`` section, as committed in ``seed.schema.json``.
SCHEMA = SeedSchema(
    TikTokShopSeed,
    "https://satustok.dev/schemas/tiktokshop-sandbox-seed.json",
    "satustok TikTok Shop sandbox seed (the 'tiktokshop' section)",
    SCHEMA_PATH,
)
schema_text = SCHEMA.text
write_schema = SCHEMA.write
