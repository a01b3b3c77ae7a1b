"""Orders (fact sheet §6): search, detail and the seller's cancellation.

**Search** ``POST /order/202309/orders/search``: query ``page_size`` 1..100 (default 20),
``page_token``, ``sort_field`` create_time|update_time (default create_time), ``sort_order``
ASC|DESC (default DESC); body ``order_status``, ``create_time_ge``/``_lt``,
``update_time_ge``/``_lt`` (``_ge`` inclusive, ``_lt`` exclusive; no maximum window),
``warehouse_ids[]`` (≤ 100), ``buyer_user_id``, ``shipping_type`` (TIKTOK|SELLER; every sandbox
order is TIKTOK). Answers ``orders[full order]``, ``next_page_token`` (``""`` on the last page)
and ``total_count``. The token is an opaque keyset cursor on (sort field, order id) tied to the
sort it was made for; an order whose ``update_time`` moves while a client pages by update time
may move to another page, as it would on the real API.

**Detail** ``GET /order/202309/orders?ids=a,b``: at most 50 ids (more: 40001); unknown ids and
other shops' orders are left out.

**Seller cancellation** ``POST /return_refund/202309/cancellations {order_id, cancel_reason}``:
any non-empty reason is accepted (the reason keys are U); partial cancellation
(``order_line_item_ids``, ``skus``) is not simulated (40001). The order is cancelled at once
(``cancellation_initiator`` SELLER, stock back) from UNPAID, ON_HOLD, AWAITING_SHIPMENT or
AWAITING_COLLECTION, else 21011002; an unknown order is 21011001. Answers ``data{cancel_id,
cancel_status: "CANCELLATION_REQUEST_COMPLETE"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from satustok_sandbox.tiktokshop import paging
from satustok_sandbox.tiktokshop.envelope import (
    ORDER_NOT_CANCELLABLE,
    ORDER_NOT_FOUND,
    TikTokError,
    invalid_request,
    ok,
)
from satustok_sandbox.tiktokshop.fields import optional_int, optional_text, text_list
from satustok_sandbox.tiktokshop.order_json import order_json
from satustok_sandbox.tiktokshop.order_ops import move_order
from satustok_sandbox.tiktokshop.pipeline import Call
from satustok_sandbox.tiktokshop.return_api import add_cancellation
from satustok_sandbox.tiktokshop.seed import ORDER_STATUSES
from satustok_sandbox.tiktokshop.state import CANCELLABLE_STATUSES, Order

OrderFilter = Callable[[Order], bool]
MAX_DETAIL_IDS = 50


def _window(body: dict[str, Any], field: str) -> OrderFilter:
    low, high = optional_int(body, f"{field}_ge"), optional_int(body, f"{field}_lt")
    return lambda o: (
        (low is None or getattr(o, field) >= low) and (high is None or getattr(o, field) < high)
    )


def _filters(body: dict[str, Any]) -> list[OrderFilter]:
    status = optional_text(body, "order_status", ORDER_STATUSES)
    warehouses = text_list(body, "warehouse_ids", maximum=100)
    buyer = optional_text(body, "buyer_user_id")
    shipping = optional_text(body, "shipping_type", {"TIKTOK", "SELLER"})
    filters = [_window(body, "create_time"), _window(body, "update_time")]
    if status is not None:
        filters.append(lambda o: o.status == status)
    if warehouses is not None:
        filters.append(lambda o: o.warehouse_id in warehouses)
    if buyer is not None:
        filters.append(lambda o: o.user_id == buyer)
    if shipping == "SELLER":
        filters.append(lambda o: False)
    return filters


def _sort(call: Call) -> tuple[str, bool]:
    field = call.param("sort_field") or "create_time"
    if field not in ("create_time", "update_time"):
        raise invalid_request("sort_field must be create_time or update_time.")
    direction = (call.param("sort_order") or "DESC").upper()
    if direction not in ("ASC", "DESC"):
        raise invalid_request("sort_order must be ASC or DESC.")
    return field, direction == "DESC"


async def search_orders(call: Call) -> Response:
    size = call.int_param("page_size", default=20, minimum=1, maximum=100)
    field, descending = _sort(call)
    kind = f"orders/{field}/{'DESC' if descending else 'ASC'}"
    after = paging.decode(kind, call.param("page_token"))
    filters = _filters(call.json_body())
    with call.state.lock:
        matching = [
            o
            for o in call.state.orders.values()
            if o.shop_id == call.shop.id and all(f(o) for f in filters)
        ]
        matching.sort(key=lambda o: (getattr(o, field), o.id), reverse=descending)
        rest = matching if after is None else _after(matching, field, after, descending)
        page = rest[:size]
        rows = [order_json(o) for o in page]
    token = paging.encode(kind, [getattr(page[-1], field), page[-1].id]) if len(rest) > size else ""
    return ok({"orders": rows, "next_page_token": token, "total_count": len(matching)})


def _after(orders: list[Order], field: str, after: list[Any], descending: bool) -> list[Order]:
    if len(after) != 2 or not isinstance(after[0], int) or not isinstance(after[1], str):
        raise invalid_request("page_token is not a token this API returned.")
    key = (after[0], after[1])
    if descending:
        return [o for o in orders if (getattr(o, field), o.id) < key]
    return [o for o in orders if (getattr(o, field), o.id) > key]


async def order_detail(call: Call) -> Response:
    raw = ",".join(call.request.query_params.getlist("ids"))
    ids = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if not ids:
        raise invalid_request("ids is required (a comma-separated list of order ids).")
    if len(ids) > MAX_DETAIL_IDS:
        raise invalid_request(f"ids takes at most {MAX_DETAIL_IDS} order ids.")
    with call.state.lock:
        found = [call.state.orders.get(order_id) for order_id in ids]
        rows = [order_json(o) for o in found if o is not None and o.shop_id == call.shop.id]
    return ok({"orders": rows})


def _cancel_fields(body: dict[str, Any]) -> tuple[str, str]:
    order_id, reason = body.get("order_id"), body.get("cancel_reason")
    if not isinstance(order_id, str) or not order_id:
        raise invalid_request("order_id is required (a string).")
    if not isinstance(reason, str) or not reason.strip():
        raise invalid_request("cancel_reason is required.")
    if body.get("order_line_item_ids") or body.get("skus"):
        raise invalid_request("partial cancellation is not simulated: cancel the whole order.")
    return order_id, reason.strip()


async def cancel_order(call: Call) -> Response:
    order_id, reason = _cancel_fields(call.json_body())
    state = call.state
    with state.lock:
        order = state.orders.get(order_id)
        if order is None or order.shop_id != call.shop.id:
            raise TikTokError(ORDER_NOT_FOUND, f"Order {order_id} not found.")
        if order.status not in CANCELLABLE_STATUSES:
            raise TikTokError(
                ORDER_NOT_CANCELLABLE,
                f"The order is {order.status}: it can no longer be cancelled.",
            )
        move_order(call.sim, order, "CANCELLED", initiator="SELLER", reason=reason)
        complete = "CANCELLATION_REQUEST_COMPLETE"
        cancel_id = add_cancellation(call.sim, order, "SELLER", complete, reason).id
    return ok({"cancel_id": cancel_id, "cancel_status": complete})
