"""Orders (fact sheet §6): get_order_list, get_order_detail, cancel_order,
handle_buyer_cancellation.

The list filters on ``create_time`` or ``update_time`` (both bounds inclusive, at most 15 days,
else ``order.order_list_invalid_time``), sorts oldest first (then by order_sn) and pages with
an opaque keyset cursor (``""`` first and when done), so orders arriving between pages are
neither skipped nor repeated. ``order_sn_list`` takes a comma list (also repeated or a JSON
array); unknown order_sns are left out with a ``warning``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from satustok_sandbox.shopee.envelope import ShopeeError, ok, param_error
from satustok_sandbox.shopee.order_ops import move_order
from satustok_sandbox.shopee.pipeline import Call
from satustok_sandbox.shopee.seed import ORDER_STATUSES
from satustok_sandbox.shopee.state import (
    CANCELLABLE_STATUSES,
    Order,
    ShopeeState,
    package_number,
)

MODULE = "order"
MAX_WINDOW_SECONDS = 15 * 86_400
MAX_PAGE_SIZE = 100
MAX_DETAIL = 50
DAYS_TO_SHIP = 2
CANCEL_REASONS = ("OUT_OF_STOCK", "CUSTOMER_REQUEST", "UNDELIVERABLE_AREA", "COD_NOT_SUPPORTED")
TW_MY_ONLY = frozenset({"UNDELIVERABLE_AREA"})
LOGISTICS_STATUS = {
    "UNPAID": "LOGISTICS_NOT_START",
    "READY_TO_SHIP": "LOGISTICS_READY",
    "PROCESSED": "LOGISTICS_REQUEST_CREATED",
    "RETRY_SHIP": "LOGISTICS_PICKUP_RETRY",
    "SHIPPED": "LOGISTICS_PICKUP_DONE",
    "TO_CONFIRM_RECEIVE": "LOGISTICS_DELIVERY_DONE",
    "COMPLETED": "LOGISTICS_DELIVERY_DONE",
    "IN_CANCEL": "LOGISTICS_READY",
    "CANCELLED": "LOGISTICS_INVALID",
    "TO_RETURN": "LOGISTICS_DELIVERY_DONE",
}


def _cursor(order: Order, field: str) -> str:
    return f"{getattr(order, field)}_{order.order_sn}"


def _after_cursor(raw: str) -> tuple[int, str] | None:
    if not raw:
        return None
    moment, _, order_sn = raw.partition("_")
    if not moment.isdigit() or not order_sn:
        raise param_error("Invalid cursor: give the next_cursor of the previous page.", MODULE)
    return int(moment), order_sn


async def get_order_list(call: Call) -> Response:
    field = call.param("time_range_field") or ""
    if field not in ("create_time", "update_time"):
        raise param_error("time_range_field must be create_time or update_time.", MODULE)
    start = call.int_param("time_from", required=True, minimum=0, module=MODULE)
    end = call.int_param("time_to", required=True, minimum=0, module=MODULE)
    size = call.int_param(
        "page_size", required=True, minimum=1, maximum=MAX_PAGE_SIZE, module=MODULE
    )
    assert start is not None and end is not None and size is not None
    if end < start or end - start > MAX_WINDOW_SECONDS:
        raise ShopeeError(
            "order.order_list_invalid_time",
            "The time range is invalid: time_from must be before time_to, at most 15 days apart.",
        )
    status = (call.param("order_status") or "").upper()
    if status and status not in ORDER_STATUSES:
        raise param_error(f"Invalid order_status {status!r}.", MODULE)
    after = _after_cursor(call.param("cursor") or "")
    with_status = "order_status" in call.list_param("response_optional_fields")
    with call.state.lock:
        found = sorted(
            (
                o
                for o in call.state.orders.values()
                if o.shop_id == call.shop_id
                and start <= getattr(o, field) <= end
                and (not status or o.status == status)
            ),
            key=lambda o: (getattr(o, field), o.order_sn),
        )
        if after is not None:
            found = [o for o in found if (getattr(o, field), o.order_sn) > after]
        page = found[:size]
        rows = [
            {"order_sn": o.order_sn, **({"order_status": o.status} if with_status else {})}
            for o in page
        ]
        more = len(found) > size
        cursor = _cursor(page[-1], field) if more else ""
    return ok({"more": more, "next_cursor": cursor, "order_list": rows})


def _shop_order(call: Call, order_sn: str) -> Order:
    order = call.state.orders.get(order_sn)
    if order is None or order.shop_id != call.shop_id:
        raise ShopeeError("error_not_found", f"Order {order_sn} not found.", 200)
    return order


async def get_order_detail(call: Call) -> Response:
    order_sns = list(dict.fromkeys(call.list_param("order_sn_list")))
    if not order_sns:
        raise param_error("order_sn_list is required.", MODULE)
    if len(order_sns) > MAX_DETAIL:
        raise param_error(f"order_sn_list: at most {MAX_DETAIL} order_sn.", MODULE)
    optional = set(call.list_param("response_optional_fields"))
    with call.state.lock:
        orders = [call.state.orders.get(sn) for sn in order_sns]
        rows = [
            order_json(call.state, o, optional)
            for o in orders
            if o is not None and o.shop_id == call.shop_id
        ]
    missing = [sn for sn in order_sns if sn not in {row["order_sn"] for row in rows}]
    warning = f"order_sn not found in this shop: {missing}" if missing else ""
    return ok({"order_list": rows}, warning=warning)


def _masked(text: str, keep: int = 2) -> str:
    return "*" * max(0, len(text) - keep) + text[-keep:]


def order_json(state: ShopeeState, order: Order, optional: set[str]) -> dict[str, Any]:
    shop = state.shops[order.shop_id]
    # Shopee's days_to_ship: the seller ships within 2 days of payment (the pay time, or the
    # order's creation for COD), by the sandbox clock the order was placed on.
    ship_by = (order.pay_time or order.create_time) + DAYS_TO_SHIP * 86_400
    row: dict[str, Any] = {
        "order_sn": order.order_sn,
        "region": shop.region,
        "currency": shop.currency,
        "cod": order.cod,
        "order_status": order.status,
        "message_to_seller": order.message_to_seller,
        "create_time": order.create_time,
        "update_time": order.update_time,
        "days_to_ship": DAYS_TO_SHIP,
        "ship_by_date": ship_by,
        "booking_sn": "",
    }
    extra: dict[str, Any] = {
        "buyer_user_id": order.buyer_user_id,
        "buyer_username": order.buyer_username,
        "estimated_shipping_fee": float(order.estimated_shipping_fee),
        "actual_shipping_fee": float(order.estimated_shipping_fee if order.pickup_done_time else 0),
        "actual_shipping_fee_confirmed": bool(order.pickup_done_time),
        "recipient_address": {
            "name": order.recipient_name,
            "phone": _masked("6281234567890"),
            "town": "",
            "district": "",
            "city": order.recipient_city,
            "state": "",
            "region": shop.region,
            "zipcode": "40111",
            "full_address": f"Jl. Sandbox No. 1, {order.recipient_city}",
        },
        "note": "",
        "note_update_time": 0,
        "item_list": [
            {
                "item_id": line.item_id,
                "item_name": line.item_name,
                "item_sku": line.item_sku,
                "model_id": line.model_id,
                "model_name": line.model_name,
                "model_sku": line.model_sku,
                "model_quantity_purchased": line.quantity,
                "model_original_price": float(line.original_price),
                "model_discounted_price": float(line.discounted_price),
                "wholesale": False,
                "weight": 0.3,
                "add_on_deal": False,
                "main_item": False,
                "add_on_deal_id": 0,
                "promotion_type": "",
                "promotion_id": 0,
                "order_item_id": line.order_item_id,
                "promotion_group_id": 0,
                "image_info": {"image_url": f"https://cf.shopee.co.id/file/sandbox-{line.item_id}"},
                "product_location_id": [line.location_id],
                "is_prescription_item": False,
                "is_b2c_owned_item": False,
            }
            for line in order.lines
        ],
        "pay_time": order.pay_time,
        "dropshipper": "",
        "dropshipper_phone": "",
        "split_up": False,
        "buyer_cancel_reason": order.buyer_cancel_reason,
        "cancel_by": order.cancel_by,
        "cancel_reason": order.cancel_reason,
        "fulfillment_flag": "fulfilled_by_local_seller",
        "pickup_done_time": order.pickup_done_time,
        "package_list": [_package(order)],
        "shipping_carrier": order.shipping_carrier,
        "payment_method": "Cash on Delivery" if order.cod else "ShopeePay",
        "total_amount": float(order.total_amount),
        "invoice_data": None,
        "order_chargeable_weight_gram": 300 * sum(line.quantity for line in order.lines),
        "checkout_shipping_carrier": order.shipping_carrier,
        "reverse_shipping_fee": 0.0,
    }
    row.update({name: value for name, value in extra.items() if name in optional})
    return row


def _logistics_status(order: Order) -> str:
    if order.status == "IN_CANCEL" and order.shipment:
        return "LOGISTICS_REQUEST_CREATED"  # the buyer asked after the seller arranged it
    return LOGISTICS_STATUS.get(order.status, "LOGISTICS_NOT_START")


def _package(order: Order) -> dict[str, Any]:
    return {
        "package_number": package_number(order),
        "logistics_status": _logistics_status(order),
        "shipping_carrier": order.shipping_carrier,
        "logistics_channel_id": 8005,
        "allow_self_design_awb": False,
        "item_list": [
            {
                "item_id": line.item_id,
                "model_id": line.model_id,
                "model_quantity": line.quantity,
                "order_item_id": line.order_item_id,
                "promotion_group_id": 0,
                "product_location_id": line.location_id,
            }
            for line in order.lines
        ],
        "parcel_chargeable_weight_gram": 300 * sum(line.quantity for line in order.lines),
    }


def _order_sn(body: dict[str, Any]) -> str:
    value = body.get("order_sn")
    if not isinstance(value, str) or not value.strip():
        raise param_error("order_sn is required.", MODULE)
    return value.strip()


async def cancel_order(call: Call) -> Response:
    body = await call.json_body(MODULE)
    order_sn = _order_sn(body)
    # The exact enum value: Shopee does not fold "out_of_stock" to OUT_OF_STOCK.
    reason = body.get("cancel_reason")
    if not isinstance(reason, str) or reason not in CANCEL_REASONS:
        raise param_error(f"cancel_reason must be one of {', '.join(CANCEL_REASONS)}.", MODULE)
    state = call.state
    with state.lock:
        order = _shop_order(call, order_sn)
        if reason in TW_MY_ONLY and state.shops[order.shop_id].region not in ("TW", "MY"):
            raise param_error(f"cancel_reason {reason} is only available in TW and MY.", MODULE)
        named = (
            _out_of_stock_units(order, body.get("item_list")) if reason == "OUT_OF_STOCK" else []
        )
        if order.status not in CANCELLABLE_STATUSES:
            raise ShopeeError(
                "error_busi",
                f"The order cannot be cancelled in status {order.status} (only before shipping).",
            )
        move_order(call.sim, order, "CANCELLED", cancel_by="seller", reason=reason)
        for item_id, model_id in named:
            item = state.items.get(item_id)
            unit = state.unit(item, model_id) if item is not None else None
            if item is not None and unit is not None:
                unit.stock = dict.fromkeys(unit.stock, 0)
                state.log_stock(item, unit, "api")
                state.touch(item)
        update_time = order.update_time
    return ok({"update_time": update_time})


def _out_of_stock_units(order: Order, raw: Any) -> list[tuple[int, int]]:
    """The (item_id, model_id) pairs an OUT_OF_STOCK cancellation names; all must be lines."""
    if not isinstance(raw, list) or not raw or not all(isinstance(r, dict) for r in raw):
        raise param_error("item_list is required when cancel_reason is OUT_OF_STOCK.", MODULE)
    lines = {(line.item_id, line.model_id) for line in order.lines}
    named = []
    for row in raw:
        pair = (row.get("item_id"), row.get("model_id", 0) or 0)
        if pair not in lines:
            raise param_error(f"item_list: {pair} is not an item of the order.", MODULE)
        named.append((int(pair[0]), int(pair[1])))  # type: ignore[arg-type]
    return named


async def handle_buyer_cancellation(call: Call) -> Response:
    body = await call.json_body(MODULE)
    order_sn = _order_sn(body)
    operation = str(body.get("operation") or "").strip().upper()
    if operation not in ("ACCEPT", "REJECT"):
        raise param_error("operation must be ACCEPT or REJECT.", MODULE)
    with call.state.lock:
        order = _shop_order(call, order_sn)
        if order.status != "IN_CANCEL":
            raise ShopeeError("error_busi", "The buyer has not asked to cancel this order.")
        if operation == "ACCEPT":
            move_order(call.sim, order, "CANCELLED", cancel_by="buyer", reason="Buyer request")
        else:
            move_order(call.sim, order, order.status_before_cancel_request or "READY_TO_SHIP")
        update_time = order.update_time
    return ok({"update_time": update_time})
