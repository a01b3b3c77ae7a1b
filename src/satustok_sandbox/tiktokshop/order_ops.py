"""Order life cycle shared by the API (seller cancellation) and the control API (a buyer placing
an order, TikTok Shop moving it, a buyer cancelling).

Status machine (fact sheet §6): UNPAID → ON_HOLD → AWAITING_SHIPMENT → PARTIALLY_SHIPPING →
AWAITING_COLLECTION → IN_TRANSIT → DELIVERED → COMPLETED, forward only (steps may be skipped);
CANCELLED from UNPAID, ON_HOLD, AWAITING_SHIPMENT or AWAITING_COLLECTION.

Stock: a placed order (also UNPAID) takes each unit from the SKU's *available* stock, default
warehouse first, and holds it as *committed* stock in that warehouse while the order is open
(up to AWAITING_COLLECTION). Reaching IN_TRANSIT or later releases the committed units (they
left the warehouse); CANCELLED gives them back to available, once. Each effect is one row of
the stock change log (``source: "order"``); taking and giving back are also shown-stock log
records (causes ``order`` and ``release``, one per SKU).

Every status change, placement included, sends webhook type 1 ORDER_STATUS_CHANGE
(``data{order_id, order_status, is_on_hold_order, update_time}``) to the apps authorized for the
shop; a cancellation is reported as ``CANCEL`` (the webhook's word), not ``CANCELLED``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from satustok_sandbox.tiktokshop.state import (
    OPEN_STATUSES,
    LineItem,
    Order,
    Shop,
    Sku,
    TikTokShopState,
    line_item,
    stamp_status,
)

if TYPE_CHECKING:
    from satustok_sandbox.tiktokshop.sandbox import TikTokShopSandbox

WEBHOOK_STATUS = {"CANCELLED": "CANCEL"}


@dataclass
class Buyer:
    message: str = ""
    recipient_name: str = "Budi Santoso"
    recipient_city: str = "Kota Bandung"
    is_cod: bool = False
    shipping_fee: int = 10_000


def _warehouse_order(shop: Shop, sku: Sku, ships_from: str | None = None) -> list[str]:
    """The SKU's warehouses: the one the order ships from, then the shop's default (and other
    sales ones, in order)."""
    first = [w for w in shop.sales_warehouse_ids if w in sku.available]
    first.sort(key=lambda w: w != ships_from)  # stable: the rest keep the shop's order
    return first + [w for w in sku.available if w not in first]


def _take(
    state: TikTokShopState, shop: Shop, sku: Sku, quantity: int, ships_from: str | None = None
) -> list[str]:
    """Move ``quantity`` units from available to committed; the warehouse of each unit. The
    caller checked the total."""
    taken: list[str] = []
    for warehouse_id in _warehouse_order(shop, sku, ships_from):
        part = min(sku.available[warehouse_id], quantity - len(taken))
        if part <= 0:
            continue
        before = sku.available[warehouse_id]
        sku.available[warehouse_id] -= part
        sku.committed[warehouse_id] = sku.committed.get(warehouse_id, 0) + part
        state.record_stock("order", "", sku, warehouse_id, before)
        taken += [warehouse_id] * part
    return taken


def place_order(
    sim: TikTokShopSandbox,
    shop: Shop,
    wanted: list[tuple[Sku, int]],
    *,
    status: str,
    commerce_platform: str,
    buyer: Buyer,
    shipping_type: str = "TIKTOK",
    warehouse_id: str | None = None,
) -> Order:
    """A buyer's order, one line item per unit; the caller checked statuses and stock.
    ``warehouse_id``: the sales warehouse it ships from (its units are taken there first; the
    order's ``warehouse_id`` is its first line item's, as TikTok Shop reports one per order)."""
    state = sim.state
    with state.lock:
        now = int(state.now())
        placed_at = time.time()  # the wall clock: the benchmark's, not the shiftable sandbox's
        items: list[LineItem] = []
        for sku, quantity in wanted:
            taken = _take(state, shop, sku, quantity, warehouse_id)
            state.log_stock(sku, "order", placed_at)
            items += [line_item(state, sku, w) for w in taken]
        order = Order(
            id=state.next_id("order", "57"),
            shop_id=shop.id,
            status=status,
            commerce_platform=commerce_platform,
            create_time=now,
            update_time=now,
            line_items=items,
            user_id=state.next_id("buyer", "7", 19),
            buyer_message=buyer.message,
            recipient_name=buyer.recipient_name,
            recipient_city=buyer.recipient_city,
            is_cod=buyer.is_cod,
            shipping_fee=buyer.shipping_fee,
            package_id=state.next_id("package", "11"),
            history=[(status, now)],
            holds_stock=True,
            shipping_type=shipping_type,
            placed_at=placed_at,
        )
        stamp_status(order, status, now)
        state.orders[order.id] = order
        _notify(sim, order)
    return order


def move_order(
    sim: TikTokShopSandbox, order: Order, status: str, *, initiator: str = "", reason: str = ""
) -> None:
    """Move an order to ``status`` (the caller checked the move) with its stock effects and
    webhook."""
    state = sim.state
    with state.lock:
        now = int(state.now())
        if order.holds_stock and status not in OPEN_STATUSES:
            _release(state, order, back_to_available=status == "CANCELLED")
        order.status = status
        order.update_time = now
        order.history.append((status, now))
        if status == "CANCELLED":
            order.cancel_time = now
            order.cancel_reason = reason or order.cancel_reason or "Dibatalkan"
            order.cancellation_initiator = initiator or "SYSTEM"
        else:
            stamp_status(order, status, now)
        _notify(sim, order)


def _release(state: TikTokShopState, order: Order, *, back_to_available: bool) -> None:
    restocked: dict[str, Sku] = {}  # one shown-stock record per SKU given back, not per unit
    for item in order.line_items:
        sku = state.skus.get(item.sku_id)
        if sku is None:
            continue
        before = sku.available.get(item.warehouse_id, 0)
        sku.committed[item.warehouse_id] = max(0, sku.committed.get(item.warehouse_id, 0) - 1)
        if back_to_available:
            sku.available[item.warehouse_id] = before + 1
            restocked[sku.id] = sku
        state.record_stock("order", "", sku, item.warehouse_id, before)
    for sku in restocked.values():
        state.log_stock(sku, "release")
    order.holds_stock = False


def _notify(sim: TikTokShopSandbox, order: Order) -> None:
    data = {
        "order_id": order.id,
        "order_status": WEBHOOK_STATUS.get(order.status, order.status),
        "is_on_hold_order": order.status == "ON_HOLD",
        "update_time": order.update_time,
    }
    sim.webhooks.send_for_shop(order.shop_id, 1, data)
