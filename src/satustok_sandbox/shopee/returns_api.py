"""Returns (Shopee's return/refund guide): ``returns/get_return_list`` and
``returns/get_return_detail``, both GET.

The list takes ``page_no`` (from 0) and ``page_size`` (1..100), both required, optional
``create_time_from`` / ``create_time_to`` (Unix seconds, at most 15 days apart when both are
given) and ``status``; it answers ``{more, return: [...]}``, newest first. The detail takes
``return_sn``. A return is ``{return_sn, order_sn, status, reason, text_reason, refund_amount,
amount_before_discount, currency, create_time, update_time, due_date, tracking_number,
needs_logistics, user{username, email, portrait}, item[{item_id, model_id, name, images, amount
(the quantity), item_price, is_add_on_deal, is_main_item, add_on_deal_id, item_sku,
variation_sku}], image[], negotiation_status, seller_proof_status,
seller_compensation_status}``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from satustok_sandbox.shopee.envelope import ShopeeError, ok, param_error
from satustok_sandbox.shopee.pipeline import Call
from satustok_sandbox.shopee.state import Return, ShopeeState

MODULE = "returns"
MAX_PAGE_SIZE = 100
MAX_WINDOW_SECONDS = 15 * 86_400
STATUSES = (
    "REQUESTED",
    "ACCEPTED",
    "CANCELLED",
    "JUDGING",
    "CLOSED",
    "PROCESSING",
    "SELLER_DISPUTE",
)
DUE_SECONDS = 3 * 86_400


def return_json(state: ShopeeState, found: Return) -> dict[str, Any]:
    currency = state.shops[found.shop_id].currency
    return {
        "return_sn": found.return_sn,
        "order_sn": found.order_sn,
        "status": found.status,
        "reason": found.reason,
        "text_reason": found.text_reason,
        "refund_amount": float(found.refund_amount),
        "amount_before_discount": float(found.refund_amount),
        "currency": currency,
        "create_time": found.create_time,
        "update_time": found.update_time,
        "due_date": found.create_time + DUE_SECONDS,
        "return_ship_due_date": found.create_time + DUE_SECONDS,
        "return_seller_due_date": found.create_time + 2 * DUE_SECONDS,
        "tracking_number": "",
        "needs_logistics": True,
        "dispute_reason": [],
        "dispute_text_reason": [],
        "user": {"username": found.buyer_username, "email": "", "portrait": ""},
        "image": [],
        "item": [
            {
                "item_id": line.item_id,
                "model_id": line.model_id,
                "name": line.name,
                "images": [],
                "amount": line.amount,
                "item_price": float(line.item_price),
                "is_add_on_deal": False,
                "is_main_item": False,
                "add_on_deal_id": 0,
                "item_sku": line.item_sku,
                "variation_sku": line.variation_sku,
            }
            for line in found.lines
        ],
        "negotiation_status": "PENDING_RESPOND",
        "seller_proof_status": "PENDING",
        "seller_compensation_status": "COMPENSATION_NOT_APPLICABLE",
    }


async def get_return_list(call: Call) -> Response:
    page_no = call.int_param("page_no", required=True, minimum=0, module=MODULE)
    size = call.int_param(
        "page_size", required=True, minimum=1, maximum=MAX_PAGE_SIZE, module=MODULE
    )
    start = call.int_param("create_time_from", minimum=0, module=MODULE)
    end = call.int_param("create_time_to", minimum=0, module=MODULE)
    assert page_no is not None and size is not None
    if start is not None and end is not None and not 0 <= end - start <= MAX_WINDOW_SECONDS:
        raise param_error("create_time_from/create_time_to: at most 15 days apart.", MODULE)
    status = call.param("status") or ""
    if status and status not in STATUSES:
        raise param_error(f"Invalid status {status!r}.", MODULE)
    with call.state.lock:
        found = sorted(
            (
                r
                for r in call.state.returns.values()
                if r.shop_id == call.shop_id
                and (start is None or r.create_time >= start)
                and (end is None or r.create_time <= end)
                and (not status or r.status == status)
            ),
            key=lambda r: (-r.create_time, r.return_sn),
        )
        page = found[page_no * size : (page_no + 1) * size]
        rows = [return_json(call.state, r) for r in page]
    return ok({"more": len(found) > (page_no + 1) * size, "return": rows})


async def get_return_detail(call: Call) -> Response:
    return_sn = call.param("return_sn") or ""
    if not return_sn:
        raise param_error("return_sn is required.", MODULE)
    with call.state.lock:
        found = call.state.returns.get(return_sn)
        if found is None or found.shop_id != call.shop_id:
            raise ShopeeError("error_not_found", f"Return {return_sn} not found.", 200)
        return ok(return_json(call.state, found))
