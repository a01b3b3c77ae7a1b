"""Pydantic models of every Tokopedia payload satustok reads, and the rows it sends.

The models follow ``reference/tokopedia-open-api.md``. Two rules shape them:

- **Strict on types.** Models validate in strict mode: an id that arrives as ``"123"`` or
  ``null`` is a malformed payload, not something to coerce silently, and the error names
  the field (``data[3].basic.productID: Input should be a valid integer``). Where the sheet
  itself says a field's type varies, the union is spelled out (``error_code`` is a string,
  or ``0`` on shop info; ``fs_id`` is a string in the order list).
- **Lenient on spellings the sheet marks uncertain [U].** ``name`` is read as ``name`` or
  ``Name``; the invoice key of order notifications as ``invoice_num`` or
  ``invoice_ref_num``; a child's parent as ``parentID`` or ``parent_id``; Go's ``null`` for
  an empty list is read as ``[]``. Unknown keys are ignored: Tokopedia adds fields freely.

Python attribute names are snake_case; the wire names are aliases, so error paths show the
wire name. Models are frozen. Outbound rows (stock, price) are plain frozen dataclasses that
know their own wire body.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, Strict

T = TypeVar("T")
DataT = TypeVar("DataT")
ItemT = TypeVar("ItemT")


def _null_as_empty(value: object) -> object:
    return [] if value is None else value


def _empty_as_none(value: object) -> object:
    return None if value == "" else value


# Go marshals an empty slice as null; both mean "no rows".
ListOrNull = Annotated[list[T], BeforeValidator(_null_as_empty)]
# An RFC 3339 time that may be absent, sent as "" or null.
# The text is parsed (strict mode alone would refuse text after a before-validator).
_Rfc3339 = Annotated[datetime, Strict(False)]
OptionalTime = Annotated[_Rfc3339 | None, BeforeValidator(_empty_as_none)]
# Rupiah amounts are whole numbers on the wire, but the sheet does not promise ints.
Money = int | float
# Keys the sheet spells two ways [U].
NAME = AliasChoices("name", "Name")
PARENT_ID = AliasChoices("parentID", "parent_id")


class Payload(BaseModel):
    """Base of every Tokopedia model: strict types, ignored extras, frozen."""

    model_config = ConfigDict(
        strict=True, extra="ignore", frozen=True, validate_by_name=True, validate_by_alias=True
    )


# --- Envelopes -------------------------------------------------------------------------------


class Header(Payload):
    """``header`` of the standard envelope; error_code is a string, or an int on some calls."""

    process_time: float | None = None
    messages: str = ""
    reason: str = ""
    error_code: str | int | None = None


class Envelope(Payload, Generic[DataT]):
    """The standard ``{"header": …, "data": …}`` envelope."""

    header: Header | None = None
    data: DataT


class StatusEnvelope(Payload, Generic[DataT]):
    """The webhook endpoints' ``{"data": …, "status": str, "error_message": []}`` envelope."""

    data: DataT
    status: str = ""
    error_message: ListOrNull[str] = []


class TokenResponse(Payload):
    """``POST {accounts}/token``: a bearer token valid for ``expires_in`` seconds."""

    access_token: SecretStr
    expires_in: int
    token_type: str = "Bearer"


# --- Shop ------------------------------------------------------------------------------------


class ShopWarehouse(Payload):
    warehouse_id: int
    warehouse_name: str = ""
    postal_code: str | int | None = None
    is_default: int | bool | None = None


class ShopInfo(Payload):
    """One row of Get Shop Info. Carries no Official Store / Power Merchant flag (sheet §4)."""

    shop_id: int
    user_id: int | None = None
    shop_name: str
    logo: str = ""
    shop_url: str = ""
    domain: str = ""
    is_open: int  # 1 open, 0 closed (holiday)
    status: int | None = None  # 1 open, 2 closed, … [U]
    date_shop_created: str = ""
    reason: str = ""  # why the shop is closed
    warehouses: ListOrNull[ShopWarehouse] = []

    @property
    def open(self) -> bool:
        return self.is_open == 1


# --- Products --------------------------------------------------------------------------------


class ProductBasic(Payload):
    product_id: int = Field(alias="productID")
    shop_id: int = Field(alias="shopID")
    status: int  # -2 banned, -1 pending, 0 deleted, 1 active, 2 featured [U], 3 inactive
    name: str = Field(validation_alias=NAME)
    condition: int | None = None
    child_category_id: int | None = Field(default=None, alias="childCategoryID")
    short_desc: str = Field(default="", alias="shortDesc")


class ProductPrice(Payload):
    value: Money
    currency: int | None = None  # 1 = IDR
    last_update_unix: int | None = Field(default=None, alias="LastUpdateUnix")
    idr: Money | None = None


class ProductWeight(Payload):
    value: Money
    unit: int  # 1 gram, 2 kilogram


class ProductStock(Payload):
    use_stock: bool | None = Field(default=None, alias="useStock")
    value: int
    stock_wording: str = Field(default="", alias="stockWording")


class ProductVariantFlags(Payload):
    is_parent: bool = Field(default=False, alias="isParent")
    is_variant: bool = Field(default=False, alias="isVariant")
    children_ids: ListOrNull[int] = Field(default=[], alias="childrenID")
    parent_id: int | None = Field(default=None, validation_alias=PARENT_ID)


class ProductOther(Payload):
    sku: str | None = None  # where Tokopedia keeps the SKU; may be empty
    url: str = ""
    mobile_url: str = Field(default="", alias="mobileURL")


class ProductWarehouse(Payload):
    product_id: int = Field(alias="productID")
    warehouse_id: int = Field(alias="warehouseID")
    price: ProductPrice | None = None
    stock: ProductStock | None = None


class ProductMenu(Payload):
    id: int
    name: str = Field(default="", validation_alias=NAME)


class Product(Payload):
    """One product of Get Product Info (a variant parent, a child, or a plain product)."""

    basic: ProductBasic
    price: ProductPrice
    weight: ProductWeight | None = None
    stock: ProductStock
    main_stock: int | None = None
    reserve_stock: int | None = None  # held for campaigns
    variant: ProductVariantFlags | None = None
    menu: ProductMenu | None = None
    other: ProductOther = ProductOther()
    warehouses: ListOrNull[ProductWarehouse] = []

    @property
    def product_id(self) -> int:
        return self.basic.product_id

    @property
    def sku(self) -> str:
        """The SKU as Tokopedia spells it; empty when the seller left it blank."""
        return self.other.sku or ""

    @property
    def is_variant_parent(self) -> bool:
        return self.variant is not None and self.variant.is_parent


@dataclass(frozen=True)
class ProductPage:
    """One page of a shop's product list; ``page`` is what to resume from after a crash."""

    page: int
    products: list[Product]


# --- Bulk writes -----------------------------------------------------------------------------


class FailedRow(Payload):
    """A row a bulk stock/price call refused (HTTP 200 all the same)."""

    product_id: int | None = None
    sku: str | None = None
    product_url: str = ""
    new_stock: int | None = None
    new_price: Money | None = None
    message: str = ""


class BulkWriteResult(Payload):
    """``data`` of stock update and price update."""

    total_data: int | None = None
    succeed_rows: int = 0
    failed_rows: int = 0
    failed_rows_data: ListOrNull[FailedRow] = []


@dataclass(frozen=True)
class RowTarget:
    """Which product a bulk row addresses: by ``sku`` or by ``product_id``, exactly one."""

    product_id: int | None = None
    sku: str | None = None

    def __post_init__(self) -> None:
        if (self.product_id is None) == (self.sku is None):
            raise ValueError("a row addresses a product by exactly one of product_id and sku")

    def target(self) -> dict[str, int | str]:
        return {"sku": self.sku} if self.sku is not None else {"product_id": self.product_id or 0}

    def body(self) -> dict[str, int | str]:
        raise NotImplementedError


@dataclass(frozen=True)
class StockUpdate(RowTarget):
    """Set the stock of one product to ``new_stock`` (idempotent)."""

    new_stock: int = 0

    def body(self) -> dict[str, int | str]:
        return {**self.target(), "new_stock": self.new_stock}


@dataclass(frozen=True)
class PriceUpdate(RowTarget):
    """Set the price of one product to ``new_price`` rupiah (idempotent)."""

    new_price: int = 0

    def body(self) -> dict[str, int | str]:
        return {**self.target(), "new_price": self.new_price}


@dataclass(frozen=True)
class RowResult(Generic[ItemT]):
    """What became of one of the caller's rows; ``message`` is the channel's when it failed."""

    item: ItemT
    ok: bool
    message: str = ""
    sends: int = 1  # how many times the row was sent (ERR_TOO_MANY_REQUEST rows are re-sent)


@dataclass(frozen=True)
class BulkResult(Generic[ItemT]):
    """Per-row outcome of a bulk call, in the caller's order."""

    rows: Sequence[RowResult[ItemT]]

    @property
    def succeeded(self) -> list[RowResult[ItemT]]:
        return [row for row in self.rows if row.ok]

    @property
    def failed(self) -> list[RowResult[ItemT]]:
        return [row for row in self.rows if not row.ok]


# --- Orders ----------------------------------------------------------------------------------


class OrderProduct(Payload):
    """A line of an order row, of an order notification, and of an order-status event."""

    id: int
    name: str = Field(validation_alias=NAME)
    quantity: int
    notes: str = ""
    weight: float | None = None
    total_weight: float | None = None
    price: Money
    total_price: Money | None = None
    currency: str = ""
    sku: str | None = None
    is_wholesale: bool | None = None


class OrderAddress(Payload):
    address_full: str = ""
    district: str = ""
    city: str = ""
    province: str = ""
    country: str = ""
    postal_code: str | int = ""
    district_id: int | None = None
    city_id: int | None = None
    province_id: int | None = None


class OrderBuyer(Payload):
    id: int
    name: str = Field(default="", validation_alias=NAME)
    phone: str = ""  # masked or encrypted
    email: str = ""


class OrderRecipient(Payload):
    name: str = Field(default="", validation_alias=NAME)
    phone: str = ""
    address: OrderAddress | None = None


class OrderLogistics(Payload):
    shipping_id: int | None = None
    shipping_agency: str = ""
    service_type: str = ""


class OrderAmounts(Payload):
    ttl_product_price: Money
    shipping_cost: Money = 0
    insurance_cost: Money = 0
    ttl_amount: Money
    voucher_amount: Money = 0
    toppoints_amount: Money = 0


class ShipmentFulfillment(Payload):
    accept_deadline: OptionalTime = None  # RFC 3339
    confirm_shipping_deadline: OptionalTime = None
    is_accepted: bool | None = None


class EncryptedBuyerData(Payload):
    secret: str = ""  # RSA-OAEP-wrapped AES key, base64
    content: str = ""  # AES-GCM ciphertext + tag + nonce, base64


class OrderCustomFields(Payload):
    awb: str = ""


class CancelRequestInfo(Payload):
    """The buyer's pending cancellation request (Get Single Order's ``cancel_request_info``,
    null when there is none; IZI and NDA read ``create_time`` and ``reason``) [U]."""

    create_time: OptionalTime = None
    reason: str = ""
    status: int | None = None


class OrderRow(Payload):
    """One row of Get All Orders (times are unix seconds here)."""

    fs_id: str | int
    order_id: int
    invoice_ref_num: str
    accept_partial: bool | None = None
    products: ListOrNull[OrderProduct]  # required: an order without lines cannot reserve stock
    buyer: OrderBuyer | None = None
    recipient: OrderRecipient | None = None
    shop_id: int
    warehouse_id: int | None = None
    payment_id: int | None = None
    logistics: OrderLogistics | None = None
    amt: OrderAmounts
    order_status: int
    create_time: int
    shipment_fulfillment: ShipmentFulfillment | None = None
    custom_fields: OrderCustomFields | None = None
    encryption: EncryptedBuyerData | None = None
    # Not in the documented list row [U]: read when present (the sandbox sends it).
    cancel_request_info: CancelRequestInfo | None = None


class SingleOrderLine(Payload):
    order_detail_id: int | None = None
    product_id: int
    product_name: str = ""
    quantity: int
    product_price: Money
    subtotal_price: Money | None = None
    sku: str | None = None


class SingleOrderShipping(Payload):
    logistic_name: str = ""
    logistic_service: str = ""
    awb: str = ""
    shipping_price: Money | None = None
    insurance_price: Money | None = None


class SingleOrderDestination(Payload):
    receiver_name: str = ""
    receiver_phone: str = ""
    address_street: str = ""
    address_district: str = ""
    address_city: str = ""
    address_province: str = ""
    address_postal: str = ""


class SingleOrderPayment(Payload):
    discount_amount: Money | None = None
    voucher_code: str = ""


class SingleOrderInfo(Payload):
    order_detail: ListOrNull[SingleOrderLine] = []
    shipping_info: SingleOrderShipping | None = None
    destination: SingleOrderDestination | None = None


class SingleOrderBuyer(Payload):
    buyer_fullname: str = ""
    buyer_email: str = ""
    buyer_phone: str = ""


class OrderWarehouse(Payload):
    """``order_warehouse`` of Get Single Order: the shop warehouse the order ships from."""

    warehouse_id: int | None = None


class SingleOrder(Payload):
    """Get Single Order (times are RFC 3339 strings here, unlike the list)."""

    order_id: int
    buyer_id: int | None = None
    seller_id: int | None = None
    invoice_number: str
    invoice_url: str = ""
    order_status: int
    open_amt: Money | None = None
    item_price: Money | None = None
    buyer_info: SingleOrderBuyer | None = None
    shipment_fulfillment: ShipmentFulfillment | None = None
    order_info: SingleOrderInfo  # required: it holds the lines
    order_warehouse: OrderWarehouse | None = None
    payment_info: SingleOrderPayment | None = None
    cancel_request_info: CancelRequestInfo | None = None
    create_time: OptionalTime = None
    update_time: OptionalTime = None
    payment_date: OptionalTime = None


class RejectReason(enum.IntEnum):
    """Reject-order reason codes (sheet §7); 6 is not a code."""

    REJECT_SHIPPING = 0  # reason required
    OUT_OF_STOCK = 1
    VARIANT_UNAVAILABLE = 2
    WRONG_PRICE_OR_WEIGHT = 3
    SHOP_CLOSED = 4  # shop_close_end_date and shop_close_note required
    OTHER = 5
    COURIER_PROBLEM = 7  # reason required
    BUYER_REQUEST = 8  # reason required


REASON_REQUIRED = frozenset(
    {RejectReason.REJECT_SHIPPING, RejectReason.COURIER_PROBLEM, RejectReason.BUYER_REQUEST}
)
MAX_REJECT_REASON_LENGTH = 490


@dataclass(frozen=True)
class OrderRejection:
    """Why a seller rejects (nacks) an order. :meth:`problems` lists what Tokopedia would refuse."""

    reason_code: int
    reason: str = ""
    shop_close_end_date: date | None = None
    shop_close_note: str = ""
    empty_products: Sequence[int] = field(default=())  # product ids out of stock

    def problems(self) -> list[str]:
        """Human-readable reasons this rejection is invalid; empty when it is valid."""
        if self.reason_code not in RejectReason._value2member_map_:
            codes = ", ".join(str(int(code)) for code in RejectReason)
            return [f"reason_code {self.reason_code} is not one of {codes}"]
        return [*self._reason_problems(), *self._shop_close_problems()]

    def _reason_problems(self) -> list[str]:
        code = RejectReason(self.reason_code)
        if code in REASON_REQUIRED and not self.reason.strip():
            return [f"reason is required for reason_code {int(code)} ({code.name.lower()})"]
        if len(self.reason) > MAX_REJECT_REASON_LENGTH:
            return [f"reason is {len(self.reason)} characters; at most 490 are allowed"]
        return []

    def _shop_close_problems(self) -> list[str]:
        if self.reason_code != RejectReason.SHOP_CLOSED:
            return []
        missing = [
            name
            for name, value in (
                ("shop_close_end_date", self.shop_close_end_date),
                ("shop_close_note", self.shop_close_note.strip()),
            )
            if not value
        ]
        return [f"{name} is required when the shop is closed (reason_code 4)" for name in missing]

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {"reason_code": int(self.reason_code), "reason": self.reason}
        if self.shop_close_end_date is not None:
            body["shop_close_end_date"] = self.shop_close_end_date.strftime("%d/%m/%Y")
        if self.shop_close_note:
            body["shop_close_note"] = self.shop_close_note
        if self.empty_products:
            # An array of product ids: Tokopedia refuses objects ({"product_id": …}).
            body["empty_products"] = [int(pid) for pid in self.empty_products]
        return body


# --- Fulfilment responses ---------------------------------------------------------------------


class PickupRequest(Payload):
    """Request Pickup's ``data``: ``request_time`` is "YYYY-MM-DD HH:MM:SS" (WIB)."""

    order_id: int
    shop_id: int
    request_time: str = ""
    result: str | bool | int | None = None


class SuccessFlag(Payload):
    """Reject Cancel Request's ``{"success": true}``."""

    success: bool


# --- Webhooks --------------------------------------------------------------------------------


class WebhookUrls(Payload):
    """The URLs Register Webhook sets. Registering replaces *all*: a blank URL unsubscribes."""

    order_notification_url: str = ""
    order_cancellation_url: str = ""
    order_status_url: str = ""
    order_request_cancellation_url: str = ""
    chat_notification_url: str = ""
    product_creation_url: str = ""
    product_changes_url: str = ""
    campaign_notification_url: str = ""


class RegisteredWebhooks(WebhookUrls):
    """List Registered Webhook; ``webhook_secret`` never shows in a repr or a log."""

    fs_id: int | str | None = None
    order_partial_fulfillment_url: str = ""
    webhook_secret: SecretStr | None = None

    def urls(self) -> WebhookUrls:
        """Just the registrable URLs, e.g. to change one and register them all again."""
        return WebhookUrls.model_validate(self.model_dump(include=set(WebhookUrls.model_fields)))


class OrderNotification(Payload):
    """Inbound ``order_notification`` (a new paid order, status 220); no envelope."""

    fs_id: int | str
    order_id: int
    invoice_num: str = Field(validation_alias=AliasChoices("invoice_num", "invoice_ref_num"))
    accept_partial: bool | None = None
    products: ListOrNull[OrderProduct] = []
    customer: OrderBuyer | None = None
    recipient: OrderRecipient | None = None
    shop_id: int
    warehouse_id: int | None = None
    shop_name: str = ""
    payment_id: int | None = None
    logistics: OrderLogistics | None = None
    amt: OrderAmounts | None = None
    order_status: int
    create_time: int
    custom_fields: OrderCustomFields | None = None
    encryption: EncryptedBuyerData | None = None


class OrderStatusEvent(Payload):
    """Inbound ``order_status``; ``order_cancellation`` has the same shape [U]."""

    fs_id: int | str
    order_id: int
    order_status: int
    shop_id: int
    warehouse_id: int | None = None
    product_details: ListOrNull[OrderProduct] = []


class OrderCancellation(OrderStatusEvent):
    """Inbound ``order_cancellation`` (shape assumed equal to ``order_status``)."""


class OrderCancellationRequest(Payload):
    """Inbound ``order_request_cancellation``: the buyer asks to cancel [U]."""

    order_id: int


class ProductChange(Payload):
    action: str  # stock_overwrite, stock_decrement, stock_increment, price_changes, …
    product_id: int
    shop_id: int
    warehouse_id: int | None = None
    value: str
    previous_value: str = ""
    update_time: int  # nanoseconds in the documented example
    is_default_warehouse: bool | None = None


class ProductChanges(Payload):
    """Inbound ``product_changes``."""

    fs_id: int | str
    product_changes_data: ListOrNull[ProductChange] = []


# Which model parses which inbound webhook; the hub's webhook module verifies, then parses.
WEBHOOK_PAYLOADS: dict[str, type[Payload]] = {
    "order_notification": OrderNotification,
    "order_status": OrderStatusEvent,
    "order_cancellation": OrderCancellation,
    "order_request_cancellation": OrderCancellationRequest,
    "product_changes": ProductChanges,
}
