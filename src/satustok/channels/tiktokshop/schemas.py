"""Pydantic models of the TikTok Shop Partner API payloads the hub reads (fact sheet §1-§7).

Only what the hub needs is modelled; everything else TikTok Shop sends is ignored. The models
are **lenient** where the sheet is unsure or the SDKs disagree:

- ids are documented as strings of 19 digits, but a number is accepted too: both become text
  (never a float, which would lose digits);
- prices are documented as decimal strings (``"15000"``); a number is accepted too. Both become
  whole rupiah (:data:`Rupiah`), rounded half up when TikTok Shop sends a fraction;
- a list may be missing or ``null``: it is read as empty; a text may be ``null``: read as "";
- Unix times stay ints, as TikTok Shop sends them (a numeric string is accepted);
- ``*_expire_in`` of a token is an absolute Unix time (sheet §1.1.5); a small number is read as
  a lifetime in seconds, in case an endpoint (or a simulator) sends one.

The envelope ``{code, message, request_id, data}`` is read by the client; these models are
what ``data`` holds. Webhook bodies are parsed by :func:`parse_webhook`. Models are frozen.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

import pydantic
from pydantic import BaseModel, BeforeValidator, ConfigDict, SecretStr

from satustok.channels.http.errors import MalformedPayload
from satustok.channels.http.payloads import describe_invalid

T = TypeVar("T")

# An ``*_expire_in`` this large cannot be a lifetime in seconds (~30 years): a Unix time.
TIMESTAMP_THRESHOLD = 1_000_000_000
ACCESS_TOKEN_LIFETIME = timedelta(days=7)  # sheet §1.1.5, when TikTok Shop's answer says nothing


def _null_as_empty(value: object) -> object:
    return [] if value is None else value


def _null_as_blank(value: object) -> object:
    return "" if value is None else value


def _id_text(value: object) -> object:
    """A TikTok Shop id as text: ``7494105515082810525`` and ``"7494105515082810525"`` alike."""
    if value is None:
        return ""
    if isinstance(value, bool):  # a bool is an int in Python, never an id
        return value
    if isinstance(value, int):
        return str(value)
    return value


def _rupiah(value: object) -> object:
    """``"15000"``, ``"15000.00"``, ``15000`` and ``15000.0`` → 15000; "" or null → None."""
    if value is None or isinstance(value, bool):
        return None if value is None else value
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, int | float | str):
        try:
            return int(Decimal(str(value).strip()).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        except (InvalidOperation, ValueError, OverflowError):
            # Not a number, NaN, infinite, or beyond Decimal's precision: pydantic refuses
            # the original value, naming the field.
            return value
    return value


# A list TikTok Shop may leave out or send as null.
Items = Annotated[list[T], BeforeValidator(_null_as_empty)]
# A string TikTok Shop may send as null.
Text = Annotated[str, BeforeValidator(_null_as_blank)]
# An id: text holding digits, sent as text or as a number.
Id = Annotated[str, BeforeValidator(_id_text)]
# Whole rupiah, from a decimal string or a number.
Rupiah = Annotated[int | None, BeforeValidator(_rupiah)]


class Payload(BaseModel):
    """Base of every TikTok Shop model: lax types (``"123"`` → 123), extras ignored, frozen."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


def _moment(value: int, issued_at: datetime, fallback: timedelta) -> datetime:
    """An ``*_expire_in`` as a time: absolute when it looks like one, else a lifetime."""
    if value >= TIMESTAMP_THRESHOLD:
        return datetime.fromtimestamp(value, UTC)
    if value > 0:
        return issued_at + timedelta(seconds=value)
    return issued_at + fallback


# --- Authorization ---------------------------------------------------------------------------


class TokenGrant(Payload):
    """``/api/v2/token/get`` and ``/api/v2/token/refresh``: a token pair and the seller.

    The refresh returns a NEW pair; store both at once (whether the old refresh token keeps
    working is not known, so it is treated as spent)."""

    access_token: SecretStr
    access_token_expire_in: int = 0
    refresh_token: SecretStr
    refresh_token_expire_in: int = 0
    open_id: Text = ""
    seller_name: Text = ""
    seller_base_region: Text = ""
    user_type: int | None = None  # 0 seller, 1 creator
    granted_scopes: Items[str] = []

    def access_expires_at(self, issued_at: datetime) -> datetime:
        return _moment(self.access_token_expire_in, issued_at, ACCESS_TOKEN_LIFETIME)

    def refresh_expires_at(self, issued_at: datetime) -> datetime:
        # No documented default: without a value, assume it lasts as long as the access token.
        return _moment(self.refresh_token_expire_in, issued_at, ACCESS_TOKEN_LIFETIME)


class AuthorizedShop(Payload):
    """One shop of ``/authorization/202309/shops``; ``cipher`` goes in ``shop_cipher``."""

    id: Id
    cipher: Text = ""
    name: Text = ""
    region: Text = ""  # "ID" for Indonesian (and migrated Tokopedia) shops
    seller_type: Text = ""  # LOCAL | CROSS_BORDER
    code: Text = ""


class AuthorizedShops(Payload):
    shops: Items[AuthorizedShop] = []


# --- Products --------------------------------------------------------------------------------


class Price(Payload):
    currency: Text = ""
    tax_exclusive_price: Rupiah = None
    sale_price: Rupiah = None

    @property
    def amount(self) -> int | None:
        """What a buyer pays: the sale price, else the price before tax."""
        return self.sale_price if self.sale_price is not None else self.tax_exclusive_price


class WarehouseQuantity(Payload):
    """Available stock of a SKU in one warehouse (committed stock is not in it)."""

    warehouse_id: Id = ""
    quantity: int = 0


class SkuStatusInfo(Payload):
    status: Text = ""  # NORMAL | DEACTIVATED (202502)


class SalesAttribute(Payload):
    """A variant's attribute, e.g. ``{"name": "Warna", "value_name": "Merah"}``."""

    id: Id = ""
    name: Text = ""
    value_id: Id = ""
    value_name: Text = ""


class Sku(Payload):
    """One SKU (variant). ``seller_sku`` links it to the hub's catalogue (may be blank)."""

    id: Id
    seller_sku: Text = ""
    price: Price | None = None
    inventory: Items[WarehouseQuantity] = []
    status_info: SkuStatusInfo | None = None
    sales_attributes: Items[SalesAttribute] = []
    external_sku_id: Text = ""

    @property
    def available(self) -> int:
        """Available stock over every warehouse."""
        return sum(row.quantity for row in self.inventory)

    @property
    def is_active(self) -> bool:
        """False only when the 202502 ``status_info`` says DEACTIVATED."""
        return self.status_info is None or self.status_info.status in ("", "NORMAL")

    @property
    def variant_name(self) -> str:
        """``"Merah / XL"``: the values of the SKU's sales attributes."""
        return " / ".join(a.value_name for a in self.sales_attributes if a.value_name)


class PlatformStatus(Payload):
    """202502: the product's status on each storefront (TIKTOK_SHOP, TOKOPEDIA)."""

    platform: Text = ""
    status: Text = ""


class Product(Payload):
    """A product of a search page or of ``GET /product/202309/products/{id}``.

    Status: DRAFT, PENDING, FAILED, ACTIVATE, SELLER_DEACTIVATED, PLATFORM_DEACTIVATED,
    FREEZE, DELETED."""

    id: Id
    title: Text = ""
    status: Text = ""
    description: Text = ""
    create_time: int | None = None
    update_time: int | None = None
    skus: Items[Sku] = []
    integrated_platform_statuses: Items[PlatformStatus] = []

    @property
    def is_active(self) -> bool:
        return self.status == "ACTIVATE"

    def platform_status(self, platform: str) -> str | None:
        """The product's status on one storefront, if TikTok Shop listed it."""
        return next(
            (r.status for r in self.integrated_platform_statuses if r.platform == platform), None
        )


class ProductSearchPage(Payload):
    products: Items[Product] = []
    next_page_token: Text = ""
    total_count: int = 0


class Warehouse(Payload):
    """A warehouse of ``/logistics/202309/warehouses``."""

    id: Id
    name: Text = ""
    type: Text = ""  # SALES_WAREHOUSE | RETURN_WAREHOUSE
    effect_status: Text = ""  # ENABLED | DISABLED | RESTRICTED
    is_default: bool = False

    @property
    def sells(self) -> bool:
        """A warehouse stock can be sold from."""
        return self.type in ("", "SALES_WAREHOUSE") and self.effect_status in ("", "ENABLED")


class Warehouses(Payload):
    warehouses: Items[Warehouse] = []


class WarehouseInventory(Payload):
    warehouse_id: Id = ""
    available_quantity: int = 0
    committed_quantity: int = 0


class InventorySku(Payload):
    id: Id
    seller_sku: Text = ""
    total_available_quantity: int = 0
    total_committed_quantity: int = 0
    warehouse_inventory: Items[WarehouseInventory] = []


class ProductInventory(Payload):
    product_id: Id
    skus: Items[InventorySku] = []


class InventorySearch(Payload):
    """``POST /product/202309/inventory/search``."""

    inventory: Items[ProductInventory] = []


class WarehouseError(Payload):
    warehouse_id: Id = ""
    code: int | None = None
    message: Text = ""


class SkuErrorDetail(Payload):
    sku_id: Id = ""
    extra_errors: Items[WarehouseError] = []


class SkuError(Payload):
    """One refused SKU of an inventory (or price) update."""

    code: int | None = None
    message: Text = ""
    detail: SkuErrorDetail | None = None

    @property
    def sku_id(self) -> str:
        return self.detail.sku_id if self.detail else ""

    @property
    def reason(self) -> str:
        """The message, with the per-warehouse messages after it."""
        extra = [e.message for e in self.detail.extra_errors if e.message] if self.detail else []
        return "; ".join([self.message, *extra]) if extra else self.message


class UpdateResult(Payload):
    """``…/inventory/update`` and ``…/prices/update``: per-SKU refusals; empty means all OK."""

    errors: Items[SkuError] = []

    @property
    def failed_sku_ids(self) -> set[str]:
        return {error.sku_id for error in self.errors if error.sku_id}

    @property
    def ok(self) -> bool:
        return not self.errors

    def merged(self, other: UpdateResult) -> UpdateResult:
        return UpdateResult(errors=[*self.errors, *other.errors])


# --- Orders ----------------------------------------------------------------------------------


class Payment(Payload):
    currency: Text = ""
    sub_total: Rupiah = None
    shipping_fee: Rupiah = None
    seller_discount: Rupiah = None
    platform_discount: Rupiah = None
    total_amount: Rupiah = None
    original_total_product_price: Rupiah = None
    original_shipping_fee: Rupiah = None
    # Indonesia only.
    shipping_fee_seller_discount: Rupiah = None
    shipping_fee_platform_discount: Rupiah = None
    buyer_service_fee: Rupiah = None
    handling_fee: Rupiah = None
    shipping_insurance_fee: Rupiah = None
    item_insurance_fee: Rupiah = None


class RecipientAddress(Payload):
    name: Text = ""
    phone_number: Text = ""
    full_address: Text = ""
    address_detail: Text = ""
    postal_code: Text = ""
    region_code: Text = ""


class LineItem(Payload):
    """One line of an order: **one unit** (there is no quantity field; sheet §6)."""

    id: Id
    sku_id: Id = ""
    product_id: Id = ""
    product_name: Text = ""
    sku_name: Text = ""
    seller_sku: Text = ""
    sale_price: Rupiah = None
    original_price: Rupiah = None
    seller_discount: Rupiah = None
    platform_discount: Rupiah = None
    currency: Text = ""
    display_status: Text = ""
    package_id: Id = ""
    package_status: Text = ""
    tracking_number: Text = ""
    is_gift: bool = False
    cancel_reason: Text = ""


class PackageRef(Payload):
    id: Id


TIKTOK_SHOP = "TIKTOK_SHOP"
TOKOPEDIA = "TOKOPEDIA"


def _platform(value: object) -> object:
    """``commerce_platform`` is Indonesia only: absent or blank means a TikTok Shop order."""
    return value if isinstance(value, str) and value.strip() else TIKTOK_SHOP


class Order(Payload):
    """An order of a search page or of ``GET /order/202309/orders``.

    Status: UNPAID, ON_HOLD, AWAITING_SHIPMENT, PARTIALLY_SHIPPING, AWAITING_COLLECTION,
    IN_TRANSIT, DELIVERED, COMPLETED, CANCELLED."""

    id: Id
    status: Text = ""
    create_time: int | None = None
    update_time: int | None = None
    paid_time: int | None = None
    rts_time: int | None = None
    cancel_time: int | None = None
    delivery_time: int | None = None
    user_id: Id = ""
    buyer_message: Text = ""
    payment: Payment | None = None
    recipient_address: RecipientAddress | None = None
    line_items: Items[LineItem] = []
    packages: Items[PackageRef] = []
    tracking_number: Text = ""
    shipping_provider: Text = ""
    shipping_provider_id: Id = ""
    shipping_type: Text = ""  # TIKTOK | SELLER
    warehouse_id: Id = ""
    fulfillment_type: Text = ""
    is_cod: bool = False
    commerce_platform: Annotated[str, BeforeValidator(_platform)] = TIKTOK_SHOP
    cancel_reason: Text = ""
    cancellation_initiator: Text = ""  # SELLER | BUYER | SYSTEM
    is_buyer_request_cancel: bool = False
    is_on_hold_order: bool = False
    rts_sla_time: int | None = None
    tts_sla_time: int | None = None

    @property
    def is_tokopedia(self) -> bool:
        return self.commerce_platform == TOKOPEDIA

    def units_by_sku(self) -> dict[str, int]:
        """``{sku_id: units}``: each line item is one unit, so units are counted lines."""
        return dict(Counter(line.sku_id for line in self.line_items))


class OrderSearchPage(Payload):
    orders: Items[Order] = []
    next_page_token: Text = ""
    total_count: int = 0


class OrderList(Payload):
    orders: Items[Order] = []


class Cancellation(Payload):
    """``POST /return_refund/202309/cancellations``.

    ``cancel_status``: CANCELLATION_REQUEST_PENDING | _SUCCESS | _CANCEL | _COMPLETE."""

    cancel_id: Id = ""
    cancel_status: Text = ""


# --- Fulfilment (fact sheet §6.1; the SDK's Fulfillment202309 models) -------------------------


def _slot_available(value: object) -> object:
    return True if value is None else value


class PickupSlotTimes(Payload):
    """A pickup slot: Unix times. ``available`` is read under the SDK's spelling
    ``avaliable`` too; a slot that does not say is taken as available."""

    start_time: int
    end_time: int
    available: Annotated[bool, BeforeValidator(_slot_available)] = pydantic.Field(
        True, validation_alias=pydantic.AliasChoices("avaliable", "available")
    )


class HandoverTimeSlots(Payload):
    """``GET /fulfillment/202309/packages/{package_id}/handover_time_slots``."""

    can_pickup: bool = False
    can_drop_off: bool = False
    can_van_collection: bool = False
    drop_off_point_url: Text = ""
    pickup_slots: Items[PickupSlotTimes] = []


class PackageOrder(Payload):
    id: Id


class PackageDetail(Payload):
    """``GET /fulfillment/202309/packages/{package_id}`` (the SDK names the id ``package_id``;
    package search rows name it ``id``: both are read)."""

    package_id: Id = pydantic.Field("", validation_alias=pydantic.AliasChoices("package_id", "id"))
    package_status: Text = ""
    shipping_type: Text = ""
    handover_method: Text = ""
    pickup_slot: PickupSlotTimes | None = None
    tracking_number: Text = ""
    shipping_provider_id: Id = ""
    shipping_provider_name: Text = ""
    order_line_item_ids: Items[Id] = []
    orders: Items[PackageOrder] = []
    create_time: int | None = None
    update_time: int | None = None


class PackageSearchPage(Payload):
    packages: Items[PackageDetail] = []
    next_page_token: Text = ""
    total_count: int = 0


class ShippingDocument(Payload):
    """``GET …/packages/{package_id}/shipping_documents``: where to download it."""

    doc_url: Text = ""
    tracking_number: Text = ""


class ShippedPackage(Payload):
    """``POST /fulfillment/202309/orders/{order_id}/packages`` (seller-shipped)."""

    package_id: Id = ""


class RefundAmount(Payload):
    currency: Text = ""
    refund_total: Rupiah = None


class AftersaleLine(Payload):
    """A line of a cancellation or a return: one unit of an order line item."""

    order_line_item_id: Id = ""
    sku_id: Id = ""
    seller_sku: Text = ""
    product_name: Text = ""
    sku_name: Text = ""


class CancellationRecord(Payload):
    """A row of ``POST /return_refund/202309/cancellations/search``. ``cancel_status``:
    CANCELLATION_REQUEST_PENDING | _SUCCESS | _CANCEL | _COMPLETE; ``role`` BUYER | SELLER |
    SYSTEM."""

    cancel_id: Id
    order_id: Id = ""
    role: Text = ""
    cancel_type: Text = ""
    cancel_status: Text = ""
    cancel_reason: Text = ""
    cancel_reason_text: Text = ""
    create_time: int | None = None
    update_time: int | None = None
    cancel_line_items: Items[AftersaleLine] = []
    refund_amount: RefundAmount | None = None


class CancellationSearchPage(Payload):
    cancellations: Items[CancellationRecord] = []
    next_page_token: Text = ""
    total_count: int = 0


class ReturnRecord(Payload):
    """A row of ``POST /return_refund/202309/returns/search``. ``return_type`` REFUND |
    RETURN_AND_REFUND | REPLACEMENT; ``return_status`` e.g. RETURN_OR_REFUND_REQUEST_PENDING …
    RETURN_OR_REFUND_REQUEST_COMPLETE."""

    return_id: Id
    order_id: Id = ""
    return_type: Text = ""
    return_status: Text = ""
    role: Text = ""
    return_reason: Text = ""
    return_reason_text: Text = ""
    return_tracking_number: Text = ""
    create_time: int | None = None
    update_time: int | None = None
    return_line_items: Items[AftersaleLine] = []
    refund_amount: RefundAmount | None = None


class ReturnSearchPage(Payload):
    return_orders: Items[ReturnRecord] = []
    next_page_token: Text = ""
    total_count: int = 0


# --- Webhook registrations -------------------------------------------------------------------


class WebhookRegistration(Payload):
    event_type: Text = ""
    address: Text = ""
    create_time: int | None = None
    update_time: int | None = None


class WebhookRegistrations(Payload):
    webhooks: Items[WebhookRegistration] = []
    total_count: int = 0


# --- Webhook notifications -------------------------------------------------------------------

ORDER_STATUS_CHANGE = 1
PACKAGE_UPDATE = 4
CANCELLATION_STATUS_CHANGE = 11
RETURN_STATUS_CHANGE = 12
SELLER_DEAUTHORIZATION = 6
UPCOMING_AUTHORIZATION_EXPIRATION = 7
INVENTORY_STATUS_CHANGE = 27
TOKOPEDIA_MIRROR_STATUS_CHANGE = 35

# The order API says CANCELLED; ORDER_STATUS_CHANGE says CANCEL (sheet §7).
_WEBHOOK_STATUS_SPELLINGS = {"CANCEL": "CANCELLED"}


class OrderStatusChange(Payload):
    """Type 1: ``{order_id, order_status, is_on_hold_order, update_time}``."""

    order_id: Id
    order_status: Text = ""  # as sent: the webhook spells a cancellation CANCEL
    is_on_hold_order: bool = False
    update_time: int | None = None

    @property
    def status(self) -> str:
        """The status in the order API's spelling (CANCEL → CANCELLED)."""
        return _WEBHOOK_STATUS_SPELLINGS.get(self.order_status, self.order_status)


class PackageUpdateOrder(Payload):
    order_id: Id = ""


class PackageUpdateItem(Payload):
    package_id: Id = ""
    order_list: Items[PackageUpdateOrder] = []


class PackageUpdate(Payload):
    """Type 4: packages combined or split ``{sc_type, role_type, package_list[{package_id,
    order_list[{order_id}]}], update_time}`` (third-party DTOs of the doc's sample; U). An
    ``order_id`` at the top level is read too."""

    sc_type: Text = ""
    order_id: Id = ""
    package_id: Id = ""
    package_list: Items[PackageUpdateItem] = []
    update_time: int | None = None

    @property
    def order_ids(self) -> list[str]:
        found = [o.order_id for p in self.package_list for o in p.order_list if o.order_id]
        return list(dict.fromkeys([self.order_id, *found] if self.order_id else found))


class CancellationStatusChange(Payload):
    """Type 11: ``{order_id, cancellations_role, cancel_status, cancel_id, create_time}`` (the
    role's key is plural in the doc's sample; ``role`` is read too; U)."""

    order_id: Id
    role: Text = pydantic.Field(
        "",
        validation_alias=pydantic.AliasChoices("cancellations_role", "cancellation_role", "role"),
    )
    cancel_status: Text = ""
    cancel_id: Id = ""
    create_time: int | None = None
    update_time: int | None = None


class ReturnStatusChange(Payload):
    """Type 12: ``{order_id, return_role, return_type, return_status, return_id, create_time,
    update_time}`` (U)."""

    order_id: Id
    return_role: Text = ""
    return_type: Text = ""
    return_status: Text = ""
    return_id: Id = ""
    create_time: int | None = None
    update_time: int | None = None


class SellerDeauthorization(Payload):
    """Type 6: the seller removed the app's authorization. The body's shape is not confirmed."""

    message: Text = ""


class AuthorizationExpiring(Payload):
    """Type 7: sent daily from 30 days before the authorization expires."""

    message: Text = ""
    expiration_time: int | None = None


class MirrorStatusChange(Payload):
    """Type 35 (seller-level): a Tokopedia shop mirrored into TikTok Shop, or rolled back."""

    tts_shop_id: Id = ""
    mirror_status: Text = ""  # MIRRORED | ROLLED_BACK | CANCELED
    update_time: int | None = None


class InventoryDistribution(Payload):
    total_quantity: int | None = None
    available_quantity: int | None = None
    committed_quantity: int | None = None


class InventoryStatusChange(Payload):
    """Type 27: ``{product_id, sku_id, current_inventory_status, trigger_reason,
    inventory_distribution{total_quantity, available_quantity, committed_quantity}, update_time}``
    (the sheet marks the shape uncertain: ``available_quantity`` is also read at the top level,
    and a missing quantity means "changed, value not given")."""

    product_id: Id = ""
    sku_id: Id = ""
    current_inventory_status: Text = ""
    trigger_reason: dict[str, Any] | Text | None = None
    inventory_distribution: InventoryDistribution | None = None
    available_quantity: int | None = None
    update_time: int | None = None

    @property
    def available(self) -> int | None:
        spread = self.inventory_distribution
        if spread is not None and spread.available_quantity is not None:
            return spread.available_quantity
        return self.available_quantity


WebhookData = (
    OrderStatusChange
    | SellerDeauthorization
    | AuthorizationExpiring
    | MirrorStatusChange
    | InventoryStatusChange
    | PackageUpdate
    | CancellationStatusChange
    | ReturnStatusChange
)

_DATA_MODELS: dict[int, type[Payload]] = {
    ORDER_STATUS_CHANGE: OrderStatusChange,
    SELLER_DEAUTHORIZATION: SellerDeauthorization,
    UPCOMING_AUTHORIZATION_EXPIRATION: AuthorizationExpiring,
    TOKOPEDIA_MIRROR_STATUS_CHANGE: MirrorStatusChange,
    INVENTORY_STATUS_CHANGE: InventoryStatusChange,
    PACKAGE_UPDATE: PackageUpdate,
    CANCELLATION_STATUS_CHANGE: CancellationStatusChange,
    RETURN_STATUS_CHANGE: ReturnStatusChange,
}


class WebhookEnvelope(Payload):
    """A notification ``{type, tts_notification_id, shop_id, timestamp, data}``; seller-level
    ones carry ``seller_open_id`` instead of ``shop_id``. ``data`` stays a dict: see
    :meth:`typed_data` (unknown types stay raw)."""

    type: int
    tts_notification_id: Id = ""
    shop_id: Id = ""
    seller_open_id: Text = ""
    timestamp: int | None = None
    data: dict[str, Any] = {}

    @pydantic.field_validator("data", mode="before")
    @classmethod
    def _decode_data(cls, value: Any) -> Any:
        # Tolerated: ``data`` as a JSON string (other platforms' webhook replays do this).
        if value is None:
            return {}
        if isinstance(value, str):
            return json.loads(value or "{}")
        return value

    @property
    def is_seller_level(self) -> bool:
        return not self.shop_id

    def typed_data(self) -> WebhookData | dict[str, Any]:
        """``data`` as the model of this type, or the raw dict for a type not modelled."""
        model = _DATA_MODELS.get(self.type)
        if model is None:
            return self.data
        parsed: WebhookData = _webhook_data(model, self.data)  # type: ignore[assignment]
        return parsed

    def order_status_change(self) -> OrderStatusChange | None:
        if self.type != ORDER_STATUS_CHANGE:
            return None
        return _webhook_data(OrderStatusChange, self.data)

    def inventory_status_change(self) -> InventoryStatusChange | None:
        if self.type != INVENTORY_STATUS_CHANGE:
            return None
        return _webhook_data(InventoryStatusChange, self.data)

    def package_update(self) -> PackageUpdate:
        return _webhook_data(PackageUpdate, self.data)

    def cancellation_status_change(self) -> CancellationStatusChange:
        return _webhook_data(CancellationStatusChange, self.data)

    def return_status_change(self) -> ReturnStatusChange:
        return _webhook_data(ReturnStatusChange, self.data)

    def mirror_status_change(self) -> MirrorStatusChange | None:
        if self.type != TOKOPEDIA_MIRROR_STATUS_CHANGE:
            return None
        return _webhook_data(MirrorStatusChange, self.data)


def parse_webhook(raw_body: bytes) -> WebhookEnvelope:
    """A notification body (verify its signature first: ``signing.verify_webhook``)."""
    try:
        return WebhookEnvelope.model_validate_json(raw_body)
    except (pydantic.ValidationError, ValueError) as invalid:
        raise _malformed_webhook("", invalid) from None


DataT = TypeVar("DataT", bound=Payload)


def _webhook_data(model: type[DataT], data: dict[str, Any]) -> DataT:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as invalid:
        raise _malformed_webhook("data.", invalid) from None


def _malformed_webhook(prefix: str, invalid: Exception) -> MalformedPayload:
    """``webhook data.order_id: Field required``: the first problem, named by its path."""
    if isinstance(invalid, pydantic.ValidationError):
        problem = f"{prefix}{describe_invalid(invalid)}"
    else:
        problem = f"body: {invalid}"
    return MalformedPayload(f"webhook {problem}", endpoint="webhook")
