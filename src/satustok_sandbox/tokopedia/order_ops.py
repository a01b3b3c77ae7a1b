"""Order life cycle shared by the API (ack, nack, confirm shipping) and the control API.

A paid order (220) has taken its stock; moving it to a cancellation status (0, 3, 4, 5, 6, 10,
15) gives the stock back once. Every move is recorded in the history and announced: new orders
with ``order_notification``, cancellations with ``order_cancellation``, every other move with
``order_status``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from satustok_sandbox.tokopedia.catalog import ProductChange, apply_changes, live_product, set_stock
from satustok_sandbox.tokopedia.order_json import notification_payload, status_payload
from satustok_sandbox.tokopedia.state import (
    CANCELLED_STATUSES,
    Order,
    OrderLine,
    Product,
    Shop,
    invoice_number,
)

if TYPE_CHECKING:
    from satustok_sandbox.tokopedia.sandbox import TokopediaSandbox


def place_order(
    sim: TokopediaSandbox,
    shop: Shop,
    items: list[tuple[Product, int]],
    buyer_name: str,
    recipient_city: str = "Kota Bandung",
    warehouse_id: int | None = None,
) -> Order:
    """A buyer's paid order (status 220); the caller has checked stock and status.
    ``warehouse_id``: the shop warehouse it ships from (default: the shop's default)."""
    state = sim.state
    with state.lock:
        now = state.now()
        placed_at = time.time()  # the wall clock: the benchmark's, not the shiftable sandbox's
        order_id = state.next_order_id()
        changes: list[ProductChange] = []
        for product, quantity in items:
            stock = product.stock - quantity
            changes += set_stock(sim, product, stock, "stock_decrement", "order", placed_at)
            product.count_sold += quantity
        order = Order(
            order_id=order_id,
            invoice=invoice_number(order_id, now),
            shop_id=shop.shop_id,
            warehouse_id=warehouse_id or shop.default_warehouse().warehouse_id,
            status=220,
            create_time=float(int(now)),
            update_time=now,
            lines=[
                OrderLine(p.product_id, p.name, p.sku, q, p.price, p.weight_grams) for p, q in items
            ],
            buyer_id=8_800_000 + order_id % 100_000,
            buyer_name=buyer_name,
            recipient_city=recipient_city,
            shipping_agency="JNE",
            service_type="Reguler",
            shipping_cost=9000,
            awb="",
            history=[(220, now)],
            stock_taken=True,
            placed_at=placed_at,
        )
        state.orders[order_id] = order
        sim.notify(
            shop, "order_notification", lambda fs_id: notification_payload(order, shop, fs_id)
        )
        apply_changes(sim, changes)
    return order


def move_order(sim: TokopediaSandbox, order: Order, status: int, *, reason: str = "") -> None:
    """Move an order to ``status``; cancellations release its stock."""
    state = sim.state
    with state.lock:
        now = state.now()
        order.status = status
        order.update_time = now
        order.history.append((status, now))
        order.reject_reason = reason or order.reject_reason
        changes = release_stock(sim, order) if status in CANCELLED_STATUSES else []
        event = "order_cancellation" if status in CANCELLED_STATUSES else "order_status"
        shop = state.shops[order.shop_id]
        sim.notify(shop, event, lambda fs_id: status_payload(order, fs_id))
        apply_changes(sim, changes)


def release_stock(sim: TokopediaSandbox, order: Order) -> list[ProductChange]:
    if not order.stock_taken:
        return []
    order.stock_taken = False
    changes: list[ProductChange] = []
    for line in order.lines:
        product = live_product(sim.state, line.product_id)
        if product is not None:
            stock = product.stock + line.quantity
            changes += set_stock(sim, product, stock, "stock_increment", "release")
    return changes


def ask_to_cancel(sim: TokopediaSandbox, order: Order, reason: str) -> None:
    """The buyer asks to cancel: the request is pending (``cancel_request_info``) and
    ``order_request_cancellation`` says which order (its whole body is ``{order_id}``)."""
    state = sim.state
    with state.lock:
        order.cancel_request_time = state.now()
        order.cancel_request_reason = reason
        order.update_time = order.cancel_request_time
        shop = state.shops[order.shop_id]
        sim.notify(shop, "order_request_cancellation", lambda fs_id: {"order_id": order.order_id})
