"""Control calls for the shipping steps a seller's app cannot make: the courier collects,
delivers or brings the parcel back, the buyer cancels, asks to cancel or returns; a read of
what the sandbox holds for an order; and the accept-to-pickup delay.

Plain JSON, errors ``{"error": message}`` with 404 (unknown order) or 409 (the order's status
does not allow the step), as the rest of the control API (``control.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field
from starlette.requests import Request

from satustok_sandbox.common.control import ControlError, found, parse_body, path_int
from satustok_sandbox.common.control import StrictBody as _Body
from satustok_sandbox.tokopedia.fulfilment_api import ANSWERABLE
from satustok_sandbox.tokopedia.order_json import deadlines
from satustok_sandbox.tokopedia.order_ops import ask_to_cancel, move_order
from satustok_sandbox.tokopedia.state import Order

if TYPE_CHECKING:
    from satustok_sandbox.tokopedia.sandbox import TokopediaSandbox

IN_TRANSIT = frozenset({500, 540})
DELIVERED = frozenset({600, 601, 700, 701})
BUYER_CANCELLABLE = frozenset({220, 221, 400, 401, 450})


class CancelRequestBody(_Body):
    reason: str = Field("Ingin mengubah pesanan", max_length=490)


class ReturnItem(_Body):
    product_id: int
    quantity: int = Field(1, ge=1)


class ReturnBody(_Body):
    items: list[ReturnItem] = Field(default_factory=list, description="Empty: the whole order.")


class FulfilmentSettings(_Body):
    pickup_delay_seconds: float | None = Field(None, ge=0, le=600)


def rows() -> list[tuple[str, str, Any]]:
    return [
        ("GET", "/orders/{order_id}/fulfilment", get_fulfilment),
        ("POST", "/orders/{order_id}/collect", post_collect),
        ("POST", "/orders/{order_id}/deliver", post_deliver),
        ("POST", "/orders/{order_id}/fail-delivery", post_fail_delivery),
        ("POST", "/orders/{order_id}/buyer-cancel", post_buyer_cancel),
        ("POST", "/orders/{order_id}/cancel-request", post_cancel_request),
        ("POST", "/orders/{order_id}/return", post_return),
        ("GET", "/fulfilment", get_settings),
        ("POST", "/fulfilment", post_settings),
    ]


def fulfilment_view(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "order_status": order.status,
        "awb": order.awb,
        "ship_method": order.ship_method,
        "pickup_requested_at": order.pickup_requested_at,
        "label_fetches": order.label_fetches,
        "labels_printed": order.labels_printed,
        "cancel_request": (
            None
            if order.cancel_request_time is None
            else {"reason": order.cancel_request_reason, "at": order.cancel_request_time}
        ),
        "returned_items": [
            {"product_id": product_id, "quantity": quantity}
            for product_id, quantity in order.returned_items
        ],
        "shipment_fulfillment": deadlines(order),
        "history": [status for status, _ in order.history],
    }


def _order(sim: TokopediaSandbox, request: Request) -> Order:
    return found(sim.state.orders, path_int(request, "order_id"), "order")


def _require(order: Order, allowed: frozenset[int], step: str) -> None:
    if order.status not in allowed:
        raise ControlError(
            409, f"order {order.order_id} is at status {order.status}; cannot {step}"
        )


async def get_fulfilment(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        return fulfilment_view(_order(sim, request))


async def post_collect(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    """Tokopedia's courier collects a parcel waiting for pickup (450 → 500, AWB issued)."""
    with sim.state.lock:
        order = _order(sim, request)
        _require(order, frozenset({450}), "be collected (pickup not requested)")
        order.awb = order.awb or f"JP{order.order_id:010d}"
        move_order(sim, order, 500)
        return fulfilment_view(order)


async def post_deliver(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        order = _order(sim, request)
        _require(order, IN_TRANSIT, "be delivered (not shipped)")
        move_order(sim, order, 600)
        return fulfilment_view(order)


async def post_fail_delivery(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    """Delivery failed: the parcel goes back to the seller (550)."""
    with sim.state.lock:
        order = _order(sim, request)
        _require(order, IN_TRANSIT, "fail delivery (not shipped)")
        move_order(sim, order, 550)
        return fulfilment_view(order)


async def post_buyer_cancel(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    """Tokopedia cancels at the buyer's request before shipping (15); stock comes back."""
    with sim.state.lock:
        order = _order(sim, request)
        _require(order, BUYER_CANCELLABLE, "be cancelled by the buyer")
        order.cancel_request_time = None
        move_order(sim, order, 15, reason="Dibatalkan pembeli")
        return fulfilment_view(order)


async def post_cancel_request(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, CancelRequestBody)
    with sim.state.lock:
        order = _order(sim, request)
        _require(order, ANSWERABLE, "be asked to cancel (only at 400 and before 600)")
        if order.cancel_request_time is not None:
            raise ControlError(409, f"order {order.order_id} already has a cancellation request")
        ask_to_cancel(sim, order, body.reason)
        return fulfilment_view(order)


async def post_return(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    """The buyer sends the parcel back after delivery (550 returned to seller)."""
    body = await parse_body(request, ReturnBody)
    with sim.state.lock:
        order = _order(sim, request)
        _require(order, DELIVERED, "be returned (not delivered)")
        lines = {line.product_id: line.quantity for line in order.lines}
        for item in body.items:
            if item.quantity > lines.get(item.product_id, 0):
                raise ControlError(
                    409, f"order {order.order_id} has no {item.quantity} of {item.product_id}"
                )
        order.returned_items = [(i.product_id, i.quantity) for i in body.items] or list(
            lines.items()
        )
        move_order(sim, order, 550)
        return fulfilment_view(order)


async def get_settings(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    return {"pickup_delay_seconds": sim.pickup_delay_seconds}


async def post_settings(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, FulfilmentSettings)
    if body.pickup_delay_seconds is not None:
        sim.pickup_delay_seconds = body.pickup_delay_seconds
    return await get_settings(sim, request)
