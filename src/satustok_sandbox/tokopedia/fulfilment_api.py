"""Request Pickup, Shipping Label and Reject Cancel Request (fact sheet §7, actions table).

The shipping state machine (with ack, nack and confirm shipping in ``order_api.py``)::

    220 --ack--> 400 --pick-up--> 450 --courier collects (control)--> 500 --> 600 --> 700
                 400 --status 500 + AWB (own courier)----------------> 500
    buyer asks to cancel (control, 400..<600) --> reject-cancel clears it, nack 8 cancels (10)

Refusals the fact sheet names keep their codes (``LGS_USC_012`` no pickup permission,
``LGS_USC_006`` confirm shipping failed, ``ORD_DLV_021`` empty AWB). Where it names none the
sandbox chose one, documented in ``docs/sandbox-tokopedia.md``: ``LGS_USC_011`` (pickup on an
order not at 400, e.g. before the accept or a second pickup), ``LGS_USC_001`` (label before
400), ``ORD_USC_020`` (no cancellation request to reject), and ``LGS_API_006`` with HTTP 500
for a pickup asked sooner than ``pickup_delay_seconds`` after the accept (Tokopedia asks for
about 5 s; nothing is done, so a client may ask again).
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from starlette.responses import HTMLResponse, Response

from satustok_sandbox.common.clock import WIB
from satustok_sandbox.tokopedia.catalog import linked_shop
from satustok_sandbox.tokopedia.envelope import ApiError, envelope_response
from satustok_sandbox.tokopedia.order_api import (
    BAD_JSON,
    CANCEL_REQUEST_STATUSES,
    _find,
    _is_int,
    _path_order,
)
from satustok_sandbox.tokopedia.order_json import masked_phone
from satustok_sandbox.tokopedia.order_ops import move_order
from satustok_sandbox.tokopedia.pipeline import Call
from satustok_sandbox.tokopedia.state import Order, Shop

# Couriers the demo shops have no pickup permission for (LGS_USC_012): the seller drops the
# parcel off at the counter and confirms shipping with its AWB.
NO_PICKUP_AGENCIES = frozenset({"Pos Indonesia"})
# From 400 until delivered the label can be printed.
LABEL_STATUSES = frozenset({400, 401, 450, 500, 501, 520, 530, 540})
# A buyer's cancellation request can be answered at 400 and before 600.
ANSWERABLE = CANCEL_REQUEST_STATUSES
PICKUP_NOT_READY = "LGS_API_006"


async def request_pickup(call: Call) -> Response:
    body = await call.json_body(BAD_JSON)
    order_id, shop_id = _pickup_body(body)
    with call.state.lock:
        shop = linked_shop(call.state, shop_id, call.fs_id)
        order = _find(call.state, order_id)
        if order.shop_id != shop.shop_id:
            raise ApiError("ORD_API_008", "Order data not found")
        _check_pickup(call, order)
        now = call.state.now()
        order.ship_method, order.pickup_requested_at = "pickup", now
        move_order(call.sim, order, 450)
    data = {
        "order_id": order_id,
        "shop_id": shop_id,
        "request_time": datetime.fromtimestamp(int(now), WIB).strftime("%Y-%m-%d %H:%M:%S"),
        "result": "success",
    }
    return envelope_response(data, call.started)


def _pickup_body(body: Any) -> tuple[int, int]:
    """``{order_id, shop_id}``, both integers (a string is refused like a typed decoder does)."""
    if not isinstance(body, dict):
        raise ApiError(*BAD_JSON)
    for name in ("order_id", "shop_id"):
        if body.get(name) is None:
            raise ApiError(
                "ORD_DLV_001" if name == "order_id" else "ORD_DLV_006", f"{name} is empty"
            )
        if not _is_int(body[name]):
            raise ApiError(*BAD_JSON)
    return body["order_id"], body["shop_id"]


def _check_pickup(call: Call, order: Order) -> None:
    if order.status == 450 or order.ship_method:
        raise ApiError("LGS_USC_011", "Pickup has already been requested for this order")
    if order.status != 400:
        raise ApiError(
            "LGS_USC_011", f"Order status {order.status} is not eligible for pickup request"
        )
    if order.shipping_agency in NO_PICKUP_AGENCIES:
        raise ApiError(
            "LGS_USC_012",
            f"Shop does not have permission to request pickup for {order.shipping_agency}",
        )
    accepted = order.first_time(400) or 0.0
    if call.state.now() - accepted < call.sim.pickup_delay_seconds:
        raise ApiError(
            PICKUP_NOT_READY,
            "Order is still being processed, please request pickup again in a few seconds",
            500,
        )


async def shipping_label(call: Call) -> Response:
    printed = call.query("printed") or "0"
    if printed not in ("0", "1"):
        raise ApiError("ORD_DLV_024", "Invalid printed format, please check again")
    with call.state.lock:
        order = _path_order(call)
        if order.status not in LABEL_STATUSES:
            raise ApiError(
                "LGS_USC_001",
                f"Order status {order.status} is not eligible to print shipping label",
            )
        order.label_fetches += 1
        order.labels_printed += printed == "1"
        page = label_html(order, call.state.shops[order.shop_id])
    return HTMLResponse(page)


def label_html(order: Order, shop: Shop) -> str:
    """A 10×15 cm label page: invoice, courier, AWB (or booking), sender, recipient, items."""
    e = html.escape
    items = "".join(
        f"<tr><td>{e(line.sku)}</td><td>{e(line.name)}</td><td>{line.quantity}</td></tr>"
        for line in order.lines
    )
    awb = order.awb or f"TKP{order.order_id}"
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>Shipping label {e(order.invoice)}</title>"
        "<style>@page{size:100mm 150mm;margin:4mm}body{font-family:sans-serif}</style>"
        "</head><body><div class='label'>"
        f"<h1 class='courier'>{e(order.shipping_agency)} {e(order.service_type)}</h1>"
        f"<p class='awb'>AWB: <b>{e(awb)}</b></p>"
        f"<p class='invoice'>{e(order.invoice)}</p>"
        f"<p class='order'>Order ID: {order.order_id}</p>"
        f"<p class='sender'>From: {e(shop.name)}</p>"
        f"<p class='recipient'>To: {e(order.buyer_name)} ({masked_phone(order.buyer_id)}),"
        f" {e(order.recipient_city)}</p>"
        f"<table class='items'><tr><th>SKU</th><th>Product</th><th>Qty</th></tr>{items}</table>"
        "</div></body></html>"
    )


async def reject_cancel(call: Call) -> Response:
    shop_id = call.int_param(
        "shop_id",
        missing=("ORD_DLV_006", "shop_id is empty, please check again"),
        invalid=("ORD_DLV_006", "Invalid shop_id format, please check again"),
    )
    with call.state.lock:
        order = _path_order(call)
        if order.shop_id != shop_id:
            raise ApiError("ORD_API_008", "Order data not found")
        if order.cancel_request_time is None or order.status not in ANSWERABLE:
            raise ApiError("ORD_USC_020", "Order does not have a cancellation request to reject")
        order.cancel_request_time, order.cancel_request_reason = None, ""
    return envelope_response({"success": True}, call.started)
