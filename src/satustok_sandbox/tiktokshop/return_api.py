"""Cancellations and returns (fact sheet §6.1; shapes from the official SDK's
``ReturnRefund202309`` models).

- ``POST /return_refund/202309/cancellations/search`` (query ``page_size`` 1..50, default 10,
  ``page_token``, ``sort_field`` create_time|update_time, ``sort_order`` ASC|DESC; body
  ``order_ids[]``, ``cancel_ids[]``, ``cancel_status[]``, ``cancel_types[]``, ``buyer_user_ids[]``,
  ``create_time_ge/_lt``, ``update_time_ge/_lt``, ``locale``) → ``cancellations[{cancel_id,
  order_id, role, cancel_type, cancel_status, cancel_reason, cancel_reason_text, create_time,
  update_time, cancel_line_items[…], refund_amount{…}}], next_page_token, total_count``.
- ``POST …/cancellations/{cancel_id}/approve`` (no body) → ``data {}``: the order is cancelled
  (initiator BUYER, stock back, webhook 1 ``CANCEL``) and the request becomes
  CANCELLATION_REQUEST_COMPLETE (webhook 11).
- ``POST …/cancellations/{cancel_id}/reject {reject_reason, comment?, images?}`` → ``data {}``:
  the request becomes CANCELLATION_REQUEST_CANCEL (webhook 11) and the order goes on. The reason
  keys are not captured (U): any non-empty text is taken.
- Either answer on a request that is not pending: 25001002; an unknown cancel id: 25001001.
- ``POST /return_refund/202309/returns/search`` (query ``page_size`` 10..50, default 10, the SDK's
  range; body ``order_ids[]``, ``return_ids[]``, ``return_status[]``, ``return_types[]``,
  ``create_time_ge/_lt``, ``update_time_ge/_lt``) → ``return_orders[{return_id, order_id,
  return_type, return_status, role, return_reason, return_reason_text, return_tracking_number,
  create_time, update_time, return_line_items[{return_line_item_id, order_line_item_id, sku_id,
  seller_sku, product_name, sku_name, refund_amount{currency, refund_total}}],
  refund_amount{…}}], next_page_token, total_count``.

Webhooks: 11 CANCELLATION_STATUS_CHANGE ``{order_id, cancellations_role, cancel_status,
cancel_id, create_time, update_time}`` and 12 RETURN_STATUS_CHANGE ``{order_id, return_role,
return_type, return_status, return_id, create_time, update_time}`` (field names from
third-party DTOs of the docs' samples; U).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from satustok_sandbox.tiktokshop import paging
from satustok_sandbox.tiktokshop.envelope import (
    CANCELLATION_NOT_FOUND,
    CANCELLATION_NOT_PENDING,
    TikTokError,
    invalid_request,
    ok,
)
from satustok_sandbox.tiktokshop.fields import optional_int, optional_text, text_list
from satustok_sandbox.tiktokshop.order_json import PENDING_CANCEL, money
from satustok_sandbox.tiktokshop.order_ops import move_order
from satustok_sandbox.tiktokshop.pipeline import Call
from satustok_sandbox.tiktokshop.state import CancelRequest, Order, ReturnRecord

if TYPE_CHECKING:
    from satustok_sandbox.tiktokshop.sandbox import TikTokShopSandbox

CANCEL_STATUSES = (
    PENDING_CANCEL,
    "CANCELLATION_REQUEST_SUCCESS",
    "CANCELLATION_REQUEST_CANCEL",
    "CANCELLATION_REQUEST_COMPLETE",
)
CANCEL_TYPES = ("CANCEL", "BUYER_CANCEL")
RETURN_STATUSES = (
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "REFUND_OR_RETURN_REQUEST_REJECT",
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "REJECT_RECEIVE_PACKAGE",
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "RETURN_OR_REFUND_REQUEST_CANCEL",
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
)
RETURN_TYPES = ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT")
Record = CancelRequest | ReturnRecord


# --- shared by the control API -------------------------------------------------------------


def notify_cancellation(sim: TikTokShopSandbox, order: Order, request: CancelRequest) -> None:
    data = {
        "order_id": order.id,
        "cancellations_role": request.role,
        "cancel_status": request.status,
        "cancel_id": request.id,
        "create_time": request.create_time,
        "update_time": request.update_time,
    }
    sim.webhooks.send_for_shop(order.shop_id, 11, data)


def notify_return(sim: TikTokShopSandbox, order: Order, record: ReturnRecord) -> None:
    data = {
        "order_id": order.id,
        "return_role": "BUYER",
        "return_type": record.return_type,
        "return_status": record.status,
        "return_id": record.id,
        "create_time": record.create_time,
        "update_time": record.update_time,
    }
    sim.webhooks.send_for_shop(order.shop_id, 12, data)


def add_cancellation(
    sim: TikTokShopSandbox, order: Order, role: str, status: str, reason: str
) -> CancelRequest:
    """A cancellation record on the order (lock held), with its webhook 11."""
    now = int(sim.state.now())
    request = CancelRequest(
        sim.state.next_id("cancel", "41"), order.id, role, status, reason, now, now
    )
    order.cancellations.append(request)
    notify_cancellation(sim, order, request)
    return request


# --- search helpers ---------------------------------------------------------------------------


def _filters(
    body: dict[str, Any], statuses: Sequence[str], kinds: Sequence[str], names: Any
) -> Any:
    """``(order_ids, ids, statuses, types, windows)`` of a search body, each checked."""
    ids_name, status_name, type_name = names
    order_ids = text_list(body, "order_ids", maximum=50)
    ids = text_list(body, ids_name, maximum=50)
    wanted_status = text_list(body, status_name, maximum=20, allowed=statuses)
    wanted_types = text_list(body, type_name, maximum=10, allowed=kinds)
    text_list(body, "buyer_user_ids", maximum=50)
    optional_text(body, "locale")
    windows = [
        (field, optional_int(body, f"{field}_ge"), optional_int(body, f"{field}_lt"))
        for field in ("create_time", "update_time")
    ]
    return order_ids, ids, wanted_status, wanted_types, windows


def _in_windows(record: Record, windows: list[tuple[str, int | None, int | None]]) -> bool:
    return all(
        (low is None or getattr(record, f) >= low) and (high is None or getattr(record, f) < high)
        for f, low, high in windows
    )


def _page(
    call: Call, kind: str, records: list[Any], minimum: int, row: Callable[[Any], dict[str, Any]]
) -> tuple[list[dict[str, Any]], str]:
    size = call.int_param("page_size", default=10, minimum=minimum, maximum=50)
    field = call.param("sort_field") or "create_time"
    if field not in ("create_time", "update_time"):
        raise invalid_request("sort_field must be create_time or update_time.")
    order = (call.param("sort_order") or "ASC").upper()
    if order not in ("ASC", "DESC"):
        raise invalid_request("sort_order must be ASC or DESC.")
    records.sort(key=lambda r: (getattr(r, field), r.id), reverse=order == "DESC")
    after = paging.decode(kind, call.param("page_token"))
    start = int(after[0]) if after else 0
    token = paging.encode(kind, [start + size]) if start + size < len(records) else ""
    return [row(r) for r in records[start : start + size]], token


# --- cancellations ----------------------------------------------------------------------------


def _line_refund(order: Order, item_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    return [
        {
            "order_line_item_id": item.id,
            "sku_id": item.sku_id,
            "seller_sku": item.seller_sku,
            "product_name": item.product_name,
            "sku_name": item.sku_name,
            "refund_amount": {"currency": "IDR", "refund_total": money(item.price)},
        }
        for item in order.line_items
        if item_ids is None or item.id in item_ids
    ]


def _cancellation_row(call: Call, request: CancelRequest) -> dict[str, Any]:
    order = call.state.orders[request.order_id]
    items = _line_refund(order)
    for number, item in enumerate(items, 1):
        item["cancel_line_item_id"] = f"{request.id}{number:02d}"
    return {
        "cancel_id": request.id,
        "order_id": request.order_id,
        "role": request.role,
        "cancel_type": "BUYER_CANCEL" if request.role == "BUYER" else "CANCEL",
        "cancel_status": request.status,
        "cancel_reason": request.reason,
        "cancel_reason_text": request.reason,
        "create_time": request.create_time,
        "update_time": request.update_time,
        "cancel_line_items": items,
        "refund_amount": {
            "currency": "IDR",
            "refund_total": money(order.sub_total + order.shipping_fee),
        },
    }


async def search_cancellations(call: Call) -> Response:
    names = ("cancel_ids", "cancel_status", "cancel_types")
    order_ids, ids, statuses, kinds, windows = _filters(
        call.json_body(), CANCEL_STATUSES, CANCEL_TYPES, names
    )
    with call.state.lock:
        found = [
            c
            for o in call.state.orders.values()
            if o.shop_id == call.shop.id and (order_ids is None or o.id in order_ids)
            for c in o.cancellations
            if (ids is None or c.id in ids)
            and (statuses is None or c.status in statuses)
            and (kinds is None or ("BUYER_CANCEL" if c.role == "BUYER" else "CANCEL") in kinds)
            and _in_windows(c, windows)
        ]
        rows, token = _page(call, "cancellations", found, 1, lambda c: _cancellation_row(call, c))
    return ok({"cancellations": rows, "next_page_token": token, "total_count": len(found)})


def _pending(call: Call) -> tuple[Order, CancelRequest]:
    cancel_id = str(call.request.path_params["cancel_id"])
    for order in call.state.orders.values():
        if order.shop_id != call.shop.id:
            continue
        for request in order.cancellations:
            if request.id == cancel_id:
                if request.status != PENDING_CANCEL:
                    raise TikTokError(
                        CANCELLATION_NOT_PENDING,
                        f"The cancellation request is {request.status}: it cannot be answered.",
                    )
                return order, request
    raise TikTokError(CANCELLATION_NOT_FOUND, f"Cancellation {cancel_id} not found.")


def _answered(call: Call, order: Order, request: CancelRequest, status: str) -> None:
    request.status = status
    request.update_time = int(call.state.now())
    notify_cancellation(call.sim, order, request)


async def approve_cancellation(call: Call) -> Response:
    if call.raw_body.strip() not in (b"", b"{}"):
        call.json_body()  # a body is not expected; a malformed one is still refused
    with call.state.lock:
        order, request = _pending(call)
        move_order(call.sim, order, "CANCELLED", initiator="BUYER", reason=request.reason)
        _answered(call, order, request, "CANCELLATION_REQUEST_COMPLETE")
    return ok({})


async def reject_cancellation(call: Call) -> Response:
    body = call.json_body()
    reason = body.get("reject_reason")
    if not isinstance(reason, str) or not reason.strip():
        raise invalid_request("reject_reason is required.")
    if body.get("comment") is not None and not isinstance(body.get("comment"), str):
        raise invalid_request("comment must be a string.")
    with call.state.lock:
        order, request = _pending(call)
        _answered(call, order, request, "CANCELLATION_REQUEST_CANCEL")
        order.update_time = int(call.state.now())
    return ok({})


# --- returns ----------------------------------------------------------------------------------


def _return_row(call: Call, record: ReturnRecord) -> dict[str, Any]:
    order = call.state.orders[record.order_id]
    items = _line_refund(order, record.line_item_ids)
    for number, item in enumerate(items, 1):
        item["return_line_item_id"] = f"{record.id}{number:02d}"
    total = sum(i.price for i in order.line_items if i.id in record.line_item_ids)
    return {
        "return_id": record.id,
        "order_id": record.order_id,
        "return_type": record.return_type,
        "return_status": record.status,
        "role": "BUYER",
        "return_reason": record.reason,
        "return_reason_text": record.reason,
        "return_tracking_number": record.tracking_number,
        "create_time": record.create_time,
        "update_time": record.update_time,
        "return_line_items": items,
        "refund_amount": {"currency": "IDR", "refund_total": money(total)},
    }


async def search_returns(call: Call) -> Response:
    names = ("return_ids", "return_status", "return_types")
    order_ids, ids, statuses, kinds, windows = _filters(
        call.json_body(), RETURN_STATUSES, RETURN_TYPES, names
    )
    with call.state.lock:
        found = [
            r
            for o in call.state.orders.values()
            if o.shop_id == call.shop.id and (order_ids is None or o.id in order_ids)
            for r in o.returns
            if (ids is None or r.id in ids)
            and (statuses is None or r.status in statuses)
            and (kinds is None or r.return_type in kinds)
            and _in_windows(r, windows)
        ]
        rows, token = _page(call, "returns", found, 10, lambda r: _return_row(call, r))
    return ok({"return_orders": rows, "next_page_token": token, "total_count": len(found)})
