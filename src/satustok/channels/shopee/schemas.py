"""Pydantic models of the Shopee Open Platform v2 payloads the hub reads (fact sheet §1-§7).

Only what the hub needs is modelled; everything else Shopee sends is ignored. Unlike the
Tokopedia models these are **lenient**, because the sheet marks much of Shopee's shape as
uncertain and the SDKs disagree:

- ids and counts may arrive as numbers or numeric strings (``"34001"``): both become ``int``;
- a list may be missing or ``null``: it is read as empty;
- spellings seen in the wild are all accepted (``ordersn`` and ``order_sn`` in pushes,
  ``model_id`` and ``variation_id`` in reserved-stock pushes);
- ``expire_in`` may be a lifetime in seconds (documented, normally 14400) or a Unix time (the
  doc sample); :meth:`TokenResponse.expires_at` tells them apart.

Money is a float in the shop's currency (whole rupiah for Indonesian shops). Unix times stay
ints, as Shopee sends them. Models are frozen.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

import pydantic
from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    model_validator,
)

from satustok.channels.http.errors import MalformedPayload

T = TypeVar("T")

DEFAULT_TOKEN_LIFETIME = timedelta(hours=4)  # sheet §1.2: the access token lasts 4 hours
# An ``expire_in`` this large cannot be a lifetime in seconds (it would be ~30 years): it is a
# Unix time, as in the doc sample.
TIMESTAMP_THRESHOLD = 1_000_000_000


def _null_as_empty(value: object) -> object:
    return [] if value is None else value


def _null_as_blank(value: object) -> object:
    return "" if value is None else value


# A list Shopee may leave out or send as null.
Items = Annotated[list[T], BeforeValidator(_null_as_empty)]
# A string Shopee may send as null.
Text = Annotated[str, BeforeValidator(_null_as_blank)]


def _as_text(value: object) -> object:
    if value is None:
        return ""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# An id Shopee documents as a string but SDKs show as a number (pickup_time_id, return_sn).
IdText = Annotated[str, BeforeValidator(_as_text)]
Money = float


def _first_id(value: object) -> object:
    """A list of ids (``product_location_id`` in get_order_detail) read as its first id."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return _as_text(value)


class Payload(BaseModel):
    """Base of every Shopee model: lax types (``"123"`` → 123), extras ignored, frozen."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


# --- Authorization ---------------------------------------------------------------------------


class TokenResponse(Payload):
    """``auth/token/get`` and ``auth/access_token/get``: fields at the top level, no wrapper.

    The refresh endpoint returns a NEW refresh token; the one sent is spent.
    """

    access_token: SecretStr
    refresh_token: SecretStr
    expire_in: float = DEFAULT_TOKEN_LIFETIME.total_seconds()
    shop_id: int | None = None
    shop_id_list: Items[int] = []
    merchant_id_list: Items[int] = []
    partner_id: int | None = None
    request_id: Text = ""

    def expires_at(self, issued_at: datetime) -> datetime:
        """When the access token stops working, read from ``expire_in`` either way."""
        if self.expire_in >= TIMESTAMP_THRESHOLD:
            absolute = datetime.fromtimestamp(self.expire_in, UTC)
            # A past (or absurd) time says nothing usable: assume the documented lifetime.
            if issued_at < absolute <= issued_at + timedelta(days=31):
                return absolute
            return issued_at + DEFAULT_TOKEN_LIFETIME
        return issued_at + timedelta(seconds=max(0.0, self.expire_in))


# --- Shop ------------------------------------------------------------------------------------


class ShopInfo(Payload):
    """``shop/get_shop_info`` (top-level fields; a ``response`` wrapper is accepted too)."""

    shop_name: Text = ""
    region: Text = ""
    status: Text = ""  # NORMAL, BANNED, FROZEN
    auth_time: int | None = None
    expire_time: int | None = None  # when the seller's authorization of the app ends
    is_cb: bool | None = None
    is_sip: bool | None = None
    shop_id: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: Any) -> Any:
        # Documented at the top level; a simulator or a later API version may wrap it.
        if isinstance(data, dict) and "shop_name" not in data:
            wrapped = data.get("response")
            if isinstance(wrapped, dict):
                return wrapped
        return data

    @property
    def is_open(self) -> bool:
        return self.status.upper() in ("NORMAL", "")

    @property
    def authorization_expires_at(self) -> datetime | None:
        return datetime.fromtimestamp(self.expire_time, UTC) if self.expire_time else None


# --- Products --------------------------------------------------------------------------------


class ItemRef(Payload):
    """One row of ``product/get_item_list``."""

    item_id: int
    item_status: Text = ""
    update_time: int | None = None


class ItemListPage(Payload):
    """A page of ``product/get_item_list``; ``next_offset`` is where the next page starts."""

    item: Items[ItemRef] = []
    total_count: int = 0
    has_next_page: bool = False
    next_offset: int = 0

    @property
    def item_ids(self) -> list[int]:
        return [row.item_id for row in self.item]


class PriceInfo(Payload):
    currency: Text = ""
    original_price: Money | None = None
    current_price: Money | None = None


class WarehouseDetail(Payload):
    """One of the shop's warehouses (``shop/get_warehouse_detail``): stock is kept per
    ``location_id``."""

    warehouse_id: int = 0
    warehouse_name: Text = ""
    location_id: Text = ""


class WarehouseDetailList(Payload):
    """``get_warehouse_detail`` answers a bare list; the client wraps it as ``{"rows": …}``."""

    rows: Items[WarehouseDetail] = []


class SellerStock(Payload):
    location_id: Text = ""
    stock: int = 0
    if_saleable: bool | None = None


class ShopeeStock(Payload):
    location_id: Text = ""
    stock: int = 0


class StockSummary(Payload):
    total_reserved_stock: int = 0
    total_available_stock: int = 0


class StockInfoV2(Payload):
    """Stock of an item without models, or of one model: the seller's stock per location."""

    summary_info: StockSummary | None = None
    seller_stock: Items[SellerStock] = []
    shopee_stock: Items[ShopeeStock] = []

    @property
    def seller_total(self) -> int:
        """The seller's stock over every location (what ``update_stock`` sets)."""
        return sum(row.stock for row in self.seller_stock)

    @property
    def reserved(self) -> int:
        return self.summary_info.total_reserved_stock if self.summary_info else 0


class LegacyStock(Payload):
    """One row of the older ``stock_info`` (before ``stock_info_v2``): ``stock_type`` 2 is the
    seller's own stock, 1 Shopee's warehouse; ``normal_stock`` is what the seller set."""

    stock_type: int | None = None
    current_stock: int | None = None
    normal_stock: int | None = None
    reserved_stock: int = 0


SELLER_STOCK_TYPE = 2


def legacy_seller_stock(rows: list[LegacyStock]) -> int | None:
    """The seller's stock from the older ``stock_info`` rows, or None when they hold none."""
    seller = [row for row in rows if row.stock_type in (None, SELLER_STOCK_TYPE)]
    values = [
        row.normal_stock if row.normal_stock is not None else row.current_stock for row in seller
    ]
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def _first_price(prices: list[PriceInfo]) -> Money | None:
    """Shopee lists one price per currency; a shop has one currency."""
    for price in prices:
        if price.current_price is not None:
            return price.current_price
        if price.original_price is not None:
            return price.original_price
    return None


class ItemBaseInfo(Payload):
    """One item of ``product/get_item_base_info``.

    ``price_info`` is left out when ``has_model`` is true: prices then live on the models.
    ``item_sku`` is the SKU of an item without models (``model_id`` 0), and may be empty.
    """

    item_id: int
    item_name: Text = ""
    item_sku: Text = ""
    item_status: Text = ""
    has_model: bool = False
    category_id: int | None = None
    create_time: int | None = None
    update_time: int | None = None
    price_info: Items[PriceInfo] = []
    stock_info_v2: StockInfoV2 | None = None
    stock_info: Items[LegacyStock] = []  # older shops and API versions

    @property
    def price(self) -> Money | None:
        return _first_price(self.price_info)

    @property
    def seller_stock(self) -> int:
        return self.stock_info_v2.seller_total if self.stock_info_v2 else 0


class ItemBaseInfoList(Payload):
    item_list: Items[ItemBaseInfo] = []


class TierOption(Payload):
    option: Text = ""


class TierVariation(Payload):
    name: Text = ""
    option_list: Items[TierOption] = []


class Model(Payload):
    """One model (variant) of ``product/get_model_list``."""

    model_id: int
    model_sku: Text = ""
    model_status: Text = ""  # MODEL_NORMAL, MODEL_UNAVAILABLE
    tier_index: Items[int] = []
    price_info: Items[PriceInfo] = []
    stock_info_v2: StockInfoV2 | None = None
    stock_info: Items[LegacyStock] = []  # older shops and API versions

    @property
    def price(self) -> Money | None:
        return _first_price(self.price_info)

    @property
    def seller_stock(self) -> int:
        return self.stock_info_v2.seller_total if self.stock_info_v2 else 0

    @property
    def is_available(self) -> bool:
        return self.model_status in ("", "MODEL_NORMAL")

    def option_names(self, tiers: list[TierVariation]) -> list[str]:
        """``["Merah", "XL"]``: the option of each tier this model stands for."""
        names: list[str] = []
        for tier, index in zip(tiers, self.tier_index, strict=False):
            if 0 <= index < len(tier.option_list):
                names.append(tier.option_list[index].option)
        return names


class ModelList(Payload):
    tier_variation: Items[TierVariation] = []
    model: Items[Model] = []


# --- Stock and price updates -----------------------------------------------------------------


class StockSuccess(Payload):
    model_id: int = 0
    location_id: Text = ""
    stock: int | None = None


class ModelFailure(Payload):
    model_id: int = 0
    failed_reason: Text = ""


class StockUpdateResult(Payload):
    """``product/update_stock``: each model either applied or refused with a reason."""

    success_list: Items[StockSuccess] = []
    failure_list: Items[ModelFailure] = []

    @property
    def failed_model_ids(self) -> set[int]:
        return {row.model_id for row in self.failure_list}

    def merged(self, other: StockUpdateResult) -> StockUpdateResult:
        return StockUpdateResult(
            success_list=[*self.success_list, *other.success_list],
            failure_list=[*self.failure_list, *other.failure_list],
        )


class PriceSuccess(Payload):
    model_id: int = 0
    original_price: Money | None = None


class PriceUpdateResult(Payload):
    """``product/update_price``: each model either applied or refused with a reason."""

    success_list: Items[PriceSuccess] = []
    failure_list: Items[ModelFailure] = []

    def merged(self, other: PriceUpdateResult) -> PriceUpdateResult:
        return PriceUpdateResult(
            success_list=[*self.success_list, *other.success_list],
            failure_list=[*self.failure_list, *other.failure_list],
        )


# --- Orders ----------------------------------------------------------------------------------


class OrderRef(Payload):
    """One row of ``order/get_order_list``."""

    order_sn: str
    order_status: Text = ""
    booking_sn: Text = ""


class OrderListPage(Payload):
    more: bool = False
    next_cursor: Text = ""
    order_list: Items[OrderRef] = []


class OrderItem(Payload):
    """One line of an order's ``item_list``. ``model_id`` is 0 for an item without models."""

    item_id: int
    item_name: Text = ""
    item_sku: Text = ""
    model_id: int = 0
    model_name: Text = ""
    model_sku: Text = ""
    model_quantity_purchased: int = 0
    model_original_price: Money | None = None
    model_discounted_price: Money | None = None
    order_item_id: int | None = None
    # The shop location the line ships from. get_order_detail gives a list (one id), other
    # calls a bare id: both are read as the first id.
    product_location_id: Annotated[str, BeforeValidator(_first_id)] = ""

    @property
    def sku(self) -> str:
        """The SKU the line was sold under: the model's, else the item's."""
        return self.model_sku or self.item_sku


class RecipientAddress(Payload):
    """``recipient_address``: as Shopee gives it (the phone and address may come masked)."""

    name: Text = ""
    phone: Text = ""
    full_address: Text = ""
    town: Text = ""
    district: Text = ""
    city: Text = ""
    state: Text = ""
    region: Text = ""
    zipcode: Text = ""


class PackageItem(Payload):
    item_id: int = 0
    model_id: int = 0
    model_quantity: int = 0
    order_item_id: int | None = None


class Package(Payload):
    """One row of ``package_list``: the unit Shopee ships (one label each)."""

    package_number: Text = ""
    logistics_status: Text = ""
    shipping_carrier: Text = ""
    logistics_channel_id: int | None = None
    item_list: Items[PackageItem] = []


class OrderDetail(Payload):
    """One order of ``order/get_order_detail`` (``item_list``, ``total_amount``, ``pay_time``,
    ``buyer_username``, ``recipient_address``, ``package_list`` and the fees only come when
    asked for in ``response_optional_fields``)."""

    order_sn: str
    order_status: Text = ""
    region: Text = ""
    currency: Text = ""
    cod: bool | None = None
    create_time: int | None = None
    update_time: int | None = None
    pay_time: int | None = None
    ship_by_date: int | None = None
    days_to_ship: int | None = None
    message_to_seller: Text = ""
    buyer_username: Text = ""
    buyer_user_id: int | None = None
    total_amount: Money | None = None
    cancel_by: Text = ""
    cancel_reason: Text = ""
    buyer_cancel_reason: Text = ""
    item_list: Items[OrderItem] = []
    recipient_address: RecipientAddress | None = None
    package_list: Items[Package] = []
    shipping_carrier: Text = ""
    checkout_shipping_carrier: Text = ""
    payment_method: Text = ""
    estimated_shipping_fee: Money | None = None
    actual_shipping_fee: Money | None = None


class OrderDetailList(Payload):
    order_list: Items[OrderDetail] = []


# --- Logistics (fact sheet §6.1; Shopee's order-management guide §8) -------------------------


class TimeSlot(Payload):
    """A pickup slot: ``date`` (Unix seconds) and the ``pickup_time_id`` ship_order wants."""

    date: int | None = None
    pickup_time_id: IdText = ""
    time_text: Text = ""


class PickupAddress(Payload):
    address_id: int
    region: Text = ""
    state: Text = ""
    city: Text = ""
    district: Text = ""
    town: Text = ""
    address: Text = ""
    zipcode: Text = ""
    address_flag: Items[str] = []
    time_slot_list: Items[TimeSlot] = []

    @property
    def is_pickup_address(self) -> bool:
        return "pickup_address" in self.address_flag or "default_address" in self.address_flag


class PickupInfo(Payload):
    address_list: Items[PickupAddress] = []


class Branch(Payload):
    branch_id: int
    region: Text = ""
    state: Text = ""
    city: Text = ""
    address: Text = ""
    zipcode: Text = ""


class DropoffInfo(Payload):
    branch_list: Items[Branch] = []


class InfoNeeded(Payload):
    """Which ways the order can ship (a key present, even with an empty list) and what each
    needs in ship_order. ``tracking_no`` is an older spelling of ``tracking_number``."""

    pickup: list[str] | None = None
    dropoff: list[str] | None = None
    non_integrated: list[str] | None = None


class ShippingParameter(Payload):
    """``logistics/get_shipping_parameter``."""

    info_needed: InfoNeeded = InfoNeeded()
    pickup: PickupInfo | None = None
    dropoff: DropoffInfo | None = None


class TrackingNumber(Payload):
    """``logistics/get_tracking_number``: empty until the courier assigned one."""

    tracking_number: Text = ""
    hint: Text = ""
    pickup_code: Text = ""
    first_mile_tracking_number: Text = ""


class DocumentRow(Payload):
    """One row of the shipping document calls' ``result_list`` (``status`` READY, PROCESSING
    or FAILED from get_shipping_document_result; ``fail_error`` when the row was refused)."""

    order_sn: Text = ""
    package_number: Text = ""
    status: Text = ""
    fail_error: Text = ""
    fail_message: Text = ""
    suggest_shipping_document_type: Text = ""
    selectable_shipping_document_type: Items[str] = []


class DocumentResults(Payload):
    result_list: Items[DocumentRow] = []


# --- Returns ---------------------------------------------------------------------------------


class ReturnItem(Payload):
    """One line of a return: ``amount`` is the quantity the buyer sends back."""

    item_id: int
    model_id: int = 0
    name: Text = ""
    amount: int = 0
    item_price: Money | None = None
    item_sku: Text = ""
    variation_sku: Text = ""


class ReturnRecord(Payload):
    """A return/refund request (``returns/get_return_list`` row, ``get_return_detail``)."""

    return_sn: IdText
    order_sn: Text = ""
    status: Text = ""
    reason: Text = ""
    text_reason: Text = ""
    refund_amount: Money | None = None
    # False: a refund without sending the goods back (nothing comes back to restock).
    needs_logistics: bool | None = None
    create_time: int | None = None
    update_time: int | None = None
    item: Items[ReturnItem] = []


class ReturnListPage(Payload):
    more: bool = False
    returns: Items[ReturnRecord] = Field(default=[], validation_alias="return")


# --- Push ------------------------------------------------------------------------------------

ORDER_STATUS_PUSH = 3
TRACKING_NUMBER_PUSH = 4
RESERVED_STOCK_PUSH = 8
DOCUMENT_STATUS_PUSH = 15
RETURN_UPDATES_PUSH = 29


class OrderStatusPushData(Payload):
    """Code 3: an order changed status. The key is ``ordersn``; ``order_sn`` is accepted too."""

    order_sn: str = Field(validation_alias=AliasChoices("ordersn", "order_sn"))
    status: Text = ""
    update_time: int | None = None


class TrackingPushData(Payload):
    """Code 4 (order_trackingno_push): a package got its tracking number. Shape uncertain [U]:
    ``ordersn`` or ``order_sn``, ``tracking_no`` or ``tracking_number``."""

    order_sn: str = Field(validation_alias=AliasChoices("ordersn", "order_sn"))
    package_number: Text = ""
    tracking_no: Text = Field(
        default="", validation_alias=AliasChoices("tracking_no", "tracking_number")
    )


class DocumentPushData(Payload):
    """Code 15 (shipping_document_status_push): ``status`` READY or FAILED [U]."""

    order_sn: str = Field(validation_alias=AliasChoices("order_sn", "ordersn"))
    package_number: Text = ""
    status: Text = ""


class ReturnPushData(Payload):
    """Code 29 (return_updates_push) [U]: the return, and the order where Shopee names it."""

    return_sn: IdText = ""
    order_sn: Text = Field(default="", validation_alias=AliasChoices("order_sn", "ordersn"))
    status: Text = ""


class ChangedValue(Payload):
    name: Text = ""
    old: int | float | str | None = None
    new: int | float | str | None = None


class ReservedStockPushData(Payload):
    """Code 8: reserved stock changed (an order placed or cancelled). Shape uncertain [U]."""

    shop_id: int | None = None
    item_id: int | None = None
    model_id: int = Field(default=0, validation_alias=AliasChoices("model_id", "variation_id"))
    action: Text = ""
    changed_values: Items[ChangedValue] = []


class PushMessage(Payload):
    """A push ``{"shop_id", "code", "timestamp", "data"}``; partner-level codes have no
    ``shop_id``. ``data`` stays a dict: use :meth:`order_status` / :meth:`reserved_stock`."""

    code: int
    shop_id: int | None = None
    timestamp: int | None = None
    data: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _decode_data(cls, value: Any) -> Any:
        # Lost pushes (get_lost_push_message) carry ``data`` as a JSON string.
        if isinstance(value, dict) and isinstance(value.get("data"), str):
            return {**value, "data": json.loads(value["data"] or "{}")}
        return value

    def order_status(self) -> OrderStatusPushData | None:
        if self.code != ORDER_STATUS_PUSH:
            return None
        return _push_data(OrderStatusPushData, self.data)

    def tracking_number(self) -> TrackingPushData | None:
        if self.code != TRACKING_NUMBER_PUSH:
            return None
        return _push_data(TrackingPushData, self.data)

    def document_status(self) -> DocumentPushData | None:
        if self.code != DOCUMENT_STATUS_PUSH:
            return None
        return _push_data(DocumentPushData, self.data)

    def return_update(self) -> ReturnPushData | None:
        if self.code != RETURN_UPDATES_PUSH:
            return None
        return _push_data(ReturnPushData, self.data)

    def reserved_stock(self) -> ReservedStockPushData | None:
        if self.code != RESERVED_STOCK_PUSH:
            return None
        return _push_data(ReservedStockPushData, self.data)


def parse_push(raw_body: bytes) -> PushMessage:
    """A push body (verified first: see ``signing.verify_push``) as a :class:`PushMessage`."""
    try:
        return PushMessage.model_validate_json(raw_body)
    except pydantic.ValidationError as invalid:
        raise _malformed_push("", invalid) from None


PushDataT = TypeVar("PushDataT", bound=Payload)


def _push_data(model: type[PushDataT], data: dict[str, Any]) -> PushDataT:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as invalid:
        raise _malformed_push("data.", invalid) from None


def _malformed_push(prefix: str, invalid: pydantic.ValidationError) -> MalformedPayload:
    """``push data.ordersn: Field required``: the first problem, named by its path."""
    problem = invalid.errors(include_url=False)[0]
    where = prefix + ".".join(str(part) for part in problem["loc"])
    return MalformedPayload(
        f"push {where.rstrip('.') or 'body'}: {problem['msg']}", endpoint="push"
    )
