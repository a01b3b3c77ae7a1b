"""Get All Orders, Get Single Order, Accept, Reject and Confirm Shipping (fact sheet §7).

The list filters on ``create_time`` (inclusive both ends, unix seconds, at most 3 days), shows
only orders that reached 220, sorts by create time and ends with an empty page. Unknown orders
answer ``ORD_API_008`` with HTTP 500, as the API layer maps to 500.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from starlette.responses import Response

from satustok_sandbox.common.clock import WIB
from satustok_sandbox.tokopedia.catalog import apply_changes, linked_shop, live_product, set_stock
from satustok_sandbox.tokopedia.envelope import ApiError, envelope_response, rbac_error
from satustok_sandbox.tokopedia.order_json import (
    malform_order_rows,
    malform_single_order,
    order_list_row,
    single_order,
)
from satustok_sandbox.tokopedia.order_ops import move_order
from satustok_sandbox.tokopedia.pipeline import Call
from satustok_sandbox.tokopedia.state import Order, SandboxState, Shop

MAX_RANGE_DAYS = 3
MAX_PER_PAGE = 100
ACCEPTABLE = frozenset({220})
REJECTABLE = frozenset({220, 221, 400})
SHIPPABLE = frozenset({400, 450, 501, 520, 530})
REASON_CODES = frozenset({0, 1, 2, 3, 4, 5, 7, 8})
REASON_REQUIRED = frozenset({0, 7, 8})
MAX_REASON_LENGTH = 490
BAD_JSON = ("ORD_DLV_020", "Wrong JSON body format, please check again")
# An airway bill the couriers issue: 8 to 30 letters or digits (the sandbox's rule; a real
# courier's own format is stricter). Anything else is refused like Tokopedia's 520 "invalid AWB".
VALID_AWB = re.compile(r"[A-Za-z0-9]{8,30}")
# A buyer's pending cancellation request is approved by rejecting with reason 8 (buyer's
# request) while the order is at 400 and before 600.
BUYER_REQUEST_REASON = 8
CANCEL_REQUEST_STATUSES = frozenset({400, 401, 450, 500, 501, 520, 530, 540})


def _int(
    call: Call,
    name: str,
    missing: tuple[str, str] | None,
    invalid: tuple[str, str],
    minimum: int = 1,
) -> int | None:
    return call.int_param(name, missing=missing, invalid=invalid, minimum=minimum)


async def list_orders(call: Call) -> Response:
    shops = _listed_shops(call)
    window = _window(call)
    page = _int(
        call,
        "page",
        ("ORD_DLV_014", "page is empty, please check again"),
        ("ORD_DLV_015", "Invalid page format, please check again"),
    )
    per_page = _int(
        call,
        "per_page",
        ("ORD_DLV_016", "per_page is empty, please check again"),
        ("ORD_DLV_017", "Invalid per_page format, please check again"),
    )
    status = _int(
        call, "status", None, ("ORD_DLV_018", "Invalid status format, please check again"), 0
    )
    assert page is not None and per_page is not None
    if per_page > MAX_PER_PAGE:
        raise ApiError("ORD_DLV_017", f"per_page must be between 1 and {MAX_PER_PAGE}")
    with call.state.lock:
        orders = _matching(call.state, shops, window, status)
        rows = [
            order_list_row(order, call.fs_id)
            for order in orders[(page - 1) * per_page : page * per_page]
        ]
    if call.sim.faults.take_malformed(call.route.group):
        rows = malform_order_rows(rows)
    return envelope_response(rows, call.started)


def _listed_shops(call: Call) -> set[int]:
    shop_id = _int(
        call, "shop_id", None, ("ORD_DLV_006", "Invalid shop_id format, please check again")
    )
    warehouse_id = _int(
        call,
        "warehouse_id",
        None,
        ("ORD_DLV_007", "Invalid warehouse_id format, please check again"),
    )
    state = call.state
    if shop_id is not None and warehouse_id is not None:
        raise ApiError("ORD_DLV_008", "Please choose either Shop ID or Warehouse ID to be filled")
    if shop_id is not None:
        return {linked_shop(state, shop_id, call.fs_id).shop_id}
    if warehouse_id is not None:
        owner = next((s for s in state.shops.values() if s.warehouse(warehouse_id)), None)
        if owner is None or not owner.is_linked_to(call.fs_id):
            raise rbac_error()
        return {owner.shop_id}
    return {s.shop_id for s in state.shops.values() if s.is_linked_to(call.fs_id)}


def _window(call: Call) -> tuple[int, int]:
    start = _int(
        call,
        "from_date",
        ("ORD_DLV_009", "from_date is empty, please check again"),
        ("ORD_DLV_010", "Invalid from_date format, please check again"),
        0,
    )
    end = _int(
        call,
        "to_date",
        ("ORD_DLV_011", "to_date is empty, please check again"),
        ("ORD_DLV_012", "Invalid to_date format, please check again"),
        0,
    )
    assert start is not None and end is not None
    if end < start:
        raise ApiError("ORD_DLV_012", "Invalid to_date format, to_date is before from_date")
    if end - start > MAX_RANGE_DAYS * 86_400:
        raise ApiError("ORD_DLV_013", f"Date Range must be less than {MAX_RANGE_DAYS} days")
    return start, end


def _matching(
    state: SandboxState, shops: set[int], window: tuple[int, int], status: int | None
) -> list[Order]:
    start, end = window
    found = [
        order
        for order in state.orders.values()
        if order.shop_id in shops
        and order.reached_paid
        and start <= order.create_time <= end
        and (status is None or order.status == status)
    ]
    return sorted(found, key=lambda order: (order.create_time, order.order_id))


async def get_order(call: Call) -> Response:
    order_id = _int(
        call, "order_id", None, ("ORD_DLV_005", "Invalid order_id format, please check again")
    )
    invoice = call.query("invoice_num") or ""
    if order_id is None and not invoice:
        raise ApiError("ORD_DLV_003", "Both Order ID and Invoice Number is empty")
    if order_id is not None and invoice:
        raise ApiError(
            "ORD_DLV_004", "Please choose either Order ID or Invoice Number to be filled"
        )
    with call.state.lock:
        order = _find(call.state, order_id, invoice)
        data = single_order(order, _order_shop(call, order))
    if call.sim.faults.take_malformed(call.route.group):
        data = malform_single_order(data)
    return envelope_response(data, call.started)


def _find(state: SandboxState, order_id: int | None, invoice: str = "") -> Order:
    if order_id is not None:
        order = state.orders.get(order_id)
    else:
        order = next((o for o in state.orders.values() if o.invoice == invoice), None)
    if order is None or not order.reached_paid:
        raise ApiError("ORD_API_008", "Order data not found")
    return order


def _order_shop(call: Call, order: Order) -> Shop:
    return linked_shop(call.state, order.shop_id, call.fs_id)


def _path_order(call: Call) -> Order:
    raw = str(call.request.path_params["order_id"]).strip()
    if not raw.isdigit():
        raise ApiError("ORD_DLV_005", "Invalid order_id format, please check again")
    order = _find(call.state, int(raw))
    _order_shop(call, order)
    return order


async def accept_order(call: Call) -> Response:
    with call.state.lock:
        order = _path_order(call)
        if order.status not in ACCEPTABLE:
            raise ApiError("ORD_USC_001", "Order status is not eligible to be changed to accept")
        move_order(call.sim, order, 400)
    return envelope_response("success", call.started)


async def reject_order(call: Call) -> Response:
    body = await call.json_body(BAD_JSON)
    body = body if body is not None else {}
    if not isinstance(body, dict):
        raise ApiError(*BAD_JSON)
    reason_code = _reason_code(body.get("reason_code"))
    empty_products = _empty_product_ids(body.get("empty_products"))
    with call.state.lock:
        order = _path_order(call)
        if order.status not in REJECTABLE and not _approves_request(order, reason_code):
            raise ApiError("ORD_USC_008", "Order status it not eligible to changed to reject")
        reason = _check_reason(reason_code, body)
        close_until = _check_shop_close(body) if reason_code == 4 else None
        order.cancel_request_time = None
        move_order(call.sim, order, 10, reason=reason)
        _after_reject(call, order, reason_code, body, close_until, empty_products)
    return envelope_response("success", call.started)


def _approves_request(order: Order, reason_code: int) -> bool:
    """A nack with reason 8 approves the buyer's pending cancellation request."""
    return (
        reason_code == BUYER_REQUEST_REASON
        and order.cancel_request_time is not None
        and order.status in CANCEL_REQUEST_STATUSES
    )


def _reason_code(raw: Any) -> int:
    """The body's ``reason_code``: absent means 0, as Tokopedia's typed decoder reads it; a
    string (``"1"``) is refused like the real API's JSON decoder refuses it for an integer."""
    if raw is None:
        return 0
    if not _is_int(raw):
        raise ApiError(*BAD_JSON)
    code = raw
    if code not in REASON_CODES:
        raise ApiError("ORD_DLV_020", f"reason_code must be one of {sorted(REASON_CODES)}")
    return code


def _check_reason(reason_code: int, body: dict[str, Any]) -> str:
    reason = _text(body, "reason").strip()
    if reason_code in REASON_REQUIRED and not reason:
        raise ApiError("ORD_USC_009", "It is required to fill reject reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise ApiError(
            "ORD_USC_009", f"Reject reason must be at most {MAX_REASON_LENGTH} characters"
        )
    return reason


def _check_shop_close(body: dict[str, Any]) -> float:
    end_date = _text(body, "shop_close_end_date").strip()
    note = _text(body, "shop_close_note").strip()
    if not end_date or not note:
        raise ApiError("ORD_USC_012", "It is required to fill shop close end date and note")
    try:
        return datetime.strptime(end_date, "%d/%m/%Y").replace(tzinfo=WIB).timestamp()
    except ValueError:
        raise ApiError("ORD_USC_013", "Invalid shop close end date value") from None


def _after_reject(
    call: Call,
    order: Order,
    reason_code: int,
    body: dict[str, Any],
    close_until: float | None,
    empty_products: list[int],
) -> None:
    """Side effects: code 4 puts the shop on holiday, code 1 empties the named products."""
    shop = call.state.shops[order.shop_id]
    if close_until is not None:
        shop.is_open = False
        shop.close_note = str(body.get("shop_close_note")).strip()
        shop.close_until = int(close_until)
    if reason_code == 1:
        changes = []
        for product_id in empty_products:
            product = live_product(call.state, product_id)
            if product is not None and product.shop_id == shop.shop_id and not product.is_parent:
                changes += set_stock(call.sim, product, 0, "stock_overwrite", "api")
        apply_changes(call.sim, changes)


def _empty_product_ids(raw: Any) -> list[int]:
    """``empty_products``: an array of product ids, as the real API takes it. Objects
    (``[{"product_id": 1}]``), strings or a lone id are refused the way its JSON decoder
    refuses them, so a client sending the wrong shape fails here as it would in production."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(_is_int(item) for item in raw):
        raise ApiError(*BAD_JSON)
    return list(raw)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(body: dict[str, Any], name: str) -> str:
    """A string field ("" when absent or null); a number or an object where the real API's
    typed decoder expects a string is refused as a malformed body."""
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(*BAD_JSON)
    return value


async def confirm_shipping(call: Call) -> Response:
    body = await call.json_body(BAD_JSON)
    if not isinstance(body, dict):
        raise ApiError(*BAD_JSON)
    if body.get("order_status") is not None and not _is_int(body.get("order_status")):
        raise ApiError(*BAD_JSON)  # a typed decoder refuses "500" for an integer field
    if body.get("order_status") != 500:
        raise ApiError("ORD_DLV_023", "Order Status is not supported")
    awb = _text(body, "shipping_ref_num").strip()
    if not awb:
        raise ApiError(
            "ORD_DLV_021",
            "Shipping Ref Number is empty and is needed for confirm shipping, please check again",
        )
    with call.state.lock:
        order = _path_order(call)
        if order.status not in SHIPPABLE:
            raise ApiError(
                "LGS_USC_006",
                "Error When Request Confirm Shipping To Ext Service: "
                f"order status {order.status} cannot be confirmed as shipped",
            )
        if not VALID_AWB.fullmatch(awb):
            raise ApiError(
                "LGS_USC_006",
                f"Invalid AWB {awb!r}: the shipping reference number must be 8 to 30 "
                "letters or digits",
            )
        order.awb = awb
        order.ship_method = order.ship_method or "self_ship"
        move_order(call.sim, order, 500)
    return envelope_response("Success", call.started)
