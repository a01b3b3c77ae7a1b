"""Order life cycle shared by the API (cancel_order, handle_buyer_cancellation) and the control
API (a buyer placing an order, the marketplace moving it).

Stock: a placed order takes its quantity from the seller's stock **at placement** (also when
UNPAID) and holds it as reserved stock while open (UNPAID, READY_TO_SHIP, PROCESSED,
RETRY_SHIP, IN_CANCEL). Shipping (SHIPPED, TO_CONFIRM_RECEIVE, COMPLETED, TO_RETURN) releases
the reservation; cancelling gives the stock back once and releases the reservation (both are
shown-stock log records: causes ``order`` and ``release``). Every status
change sends push 3 to the partners authorized for the shop; every reservation change sends
push 8 (``action`` place_order, cancel_order or ship_order), one per unit. A package's tracking
number sends push 4, a shipping document turning READY push 15, a return push 29.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from satustok_sandbox.shopee.state import (
    OPEN_STATUSES,
    Item,
    Model,
    Order,
    Return,
    ReturnLine,
    Shop,
    Unit,
    order_line,
    package_number,
)

if TYPE_CHECKING:
    from satustok_sandbox.shopee.sandbox import ShopeeSandbox

TRACKING_NUMBER_PUSH = 4
DOCUMENT_STATUS_PUSH = 15
RETURN_UPDATES_PUSH = 29
# The logistics channel of a placed order: Shopee's integrated courier (pickup or drop-off),
# or a non-integrated one (the seller ships and types the tracking number).
CARRIERS = {"integrated": "SPX Standard", "non_integrated": "Kurir Toko (non-integrated)"}


def _take(unit: Unit, quantity: int, first: str | None = None) -> dict[str, int]:
    """Take ``quantity`` from the unit's locations, ``first`` first (the location the order
    ships from), then in order; the caller checked the total."""
    taken: dict[str, int] = {}
    ordered = sorted(unit.stock.items(), key=lambda row: row[0] != first)  # stable otherwise
    for location, stock in ordered:
        part = min(stock, quantity - sum(taken.values()))
        if part > 0:
            unit.stock[location] = stock - part
            taken[location] = part
    return taken


def place_order(
    sim: ShopeeSandbox,
    shop: Shop,
    lines: list[tuple[Item, Model | None, int]],
    *,
    status: str = "READY_TO_SHIP",
    cod: bool = False,
    buyer_username: str = "budi.s",
    recipient_city: str = "Kota Bandung",
    message_to_seller: str = "",
    logistics: str = "integrated",
    location_id: str | None = None,
) -> Order:
    """A buyer's order; the caller has checked statuses and stock. ``location_id``: the shop
    location it ships from (its stock is taken there first); the first location taken from
    is what ``product_location_id`` says, as Shopee does."""
    state = sim.state
    with state.lock:
        now = int(state.now())
        placed_at = time.time()  # the wall clock: the benchmark's, not the shiftable sandbox's
        order_lines = []
        reserve_changes: list[tuple[Item, Unit, int, int]] = []
        for item, model, quantity in lines:
            unit: Unit = model or item
            line = order_line(state, item, model, quantity, None)
            line.taken = _take(unit, quantity, location_id)
            state.log_stock(item, unit, "order", placed_at)
            if location_id or line.taken:
                line.location_id = location_id or next(iter(line.taken))
            order_lines.append(line)
            reserve_changes.append((item, unit, unit.total_reserved, quantity))
            unit.order_reserved += quantity
            state.touch(item)
        history = [("UNPAID", now)] if status == "UNPAID" else [(status, now)]
        order = Order(
            order_sn=state.next_order_sn(),
            shop_id=shop.shop_id,
            status=status,
            create_time=now,
            update_time=now,
            pay_time=None if status == "UNPAID" or cod else now,
            lines=order_lines,
            buyer_user_id=600_000_000 + state.order_numbers,
            buyer_username=buyer_username,
            recipient_name="Budi Santoso",
            recipient_city=recipient_city,
            cod=cod,
            shipping_carrier=CARRIERS[logistics],
            estimated_shipping_fee=10_000,
            message_to_seller=message_to_seller,
            history=history,
            stock_taken=True,
            reserved_held=True,
            logistics=logistics,
            placed_at=placed_at,
        )
        state.orders[order.order_sn] = order
        _push_status(sim, order)
        for item, unit, old, quantity in reserve_changes:
            _push_reserved(sim, item, unit, old, old + quantity, "place_order")
    return order


def move_order(
    sim: ShopeeSandbox, order: Order, status: str, *, cancel_by: str = "", reason: str = ""
) -> None:
    """Move an order to ``status`` with its stock effects and pushes."""
    state = sim.state
    with state.lock:
        now = int(state.now())
        previous = order.status
        if status == "IN_CANCEL" and previous != "IN_CANCEL":
            order.status_before_cancel_request = previous
            order.buyer_cancel_reason = reason or order.buyer_cancel_reason or "Change of mind"
        order.status = status
        order.update_time = now
        order.history.append((status, now))
        if status == "READY_TO_SHIP" and order.pay_time is None and not order.cod:
            order.pay_time = now
        if status in ("SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED") and not order.pickup_done_time:
            order.pickup_done_time = now
            # Moved along by the control API without ship_order: the courier's number, quietly.
            order.tracking_number = order.tracking_number or courier_tracking_number(order)
        if status == "CANCELLED":
            order.cancel_by = cancel_by or order.cancel_by or "system"
            order.cancel_reason = reason or order.cancel_reason
        _push_status(sim, order)
        _release(sim, order, status)


def courier_tracking_number(order: Order) -> str:
    """The AWB Shopee's integrated courier gives a package (SPX: ``SPXID`` + 12 digits)."""
    return f"SPXID0{order.create_time % 10**9:09d}{sum(map(ord, order.order_sn)) % 100:02d}"


def assign_tracking_number(sim: ShopeeSandbox, order: Order, tracking_number: str) -> None:
    """Give the package its tracking number and tell the partners (push 4)."""
    order.tracking_number = tracking_number
    data = {
        "ordersn": order.order_sn,
        "forder_id": f"{package_number(order)}",
        "package_number": package_number(order),
        "tracking_no": tracking_number,
    }
    sim.push.send_for_shop(order.shop_id, TRACKING_NUMBER_PUSH, data)


def document_ready(sim: ShopeeSandbox, order: Order, package: str) -> None:
    """A shipping document finished rendering (push 15)."""
    order.documents[package] = "READY"
    data = {"order_sn": order.order_sn, "package_number": package, "status": "READY"}
    sim.push.send_for_shop(order.shop_id, DOCUMENT_STATUS_PUSH, data)


def open_return(
    sim: ShopeeSandbox, order: Order, quantities: dict[tuple[int, int], int], reason: str
) -> Return:
    """The buyer asks to return ``quantities`` of the order's lines: a return record, the
    order moves to TO_RETURN, and push 29 says so."""
    state = sim.state
    now = int(state.now())
    lines = [
        ReturnLine(
            item_id=line.item_id,
            model_id=line.model_id,
            name=line.item_name,
            item_sku=line.item_sku,
            variation_sku=line.model_sku,
            amount=quantities[(line.item_id, line.model_id)],
            item_price=line.discounted_price,
        )
        for line in order.lines
        if quantities.get((line.item_id, line.model_id))
    ]
    found = Return(
        return_sn=state.next_return_sn(),
        order_sn=order.order_sn,
        shop_id=order.shop_id,
        status="REQUESTED",
        reason=reason,
        text_reason="",
        lines=lines,
        buyer_username=order.buyer_username,
        create_time=now,
        update_time=now,
    )
    state.returns[found.return_sn] = found
    order.return_sns.append(found.return_sn)
    if order.status != "TO_RETURN":
        move_order(sim, order, "TO_RETURN")
    push_return(sim, found)
    return found


def push_return(sim: ShopeeSandbox, found: Return) -> None:
    data = {
        "return_sn": found.return_sn,
        "order_sn": found.order_sn,
        "status": found.status,
        "update_time": found.update_time,
    }
    sim.push.send_for_shop(found.shop_id, RETURN_UPDATES_PUSH, data)


def _release(sim: ShopeeSandbox, order: Order, status: str) -> None:
    state = sim.state
    action = "cancel_order" if status == "CANCELLED" else "ship_order"
    for line in order.lines:
        item = state.items.get(line.item_id)
        unit = state.unit(item, line.model_id) if item is not None else None
        if item is None or unit is None:
            continue
        if order.reserved_held and status not in OPEN_STATUSES:
            old = unit.total_reserved
            unit.order_reserved = max(0, unit.order_reserved - line.quantity)
            _push_reserved(sim, item, unit, old, unit.total_reserved, action)
        if status == "CANCELLED" and order.stock_taken:
            taken = line.taken or {line.location_id or next(iter(unit.stock)): line.quantity}
            for location, quantity in taken.items():
                unit.stock[location] = unit.stock.get(location, 0) + quantity
            state.log_stock(item, unit, "release")
            state.touch(item)
    if status not in OPEN_STATUSES:
        order.reserved_held = False
    if status == "CANCELLED":
        order.stock_taken = False


def _push_status(sim: ShopeeSandbox, order: Order) -> None:
    data: dict[str, Any] = {
        "ordersn": order.order_sn,
        "status": order.status,
        "update_time": order.update_time,
        "items": [],
    }
    sim.push.send_for_shop(order.shop_id, 3, data)


def _push_reserved(
    sim: ShopeeSandbox, item: Item, unit: Unit, old: int, new: int, action: str
) -> None:
    model_id = unit.model_id if isinstance(unit, Model) else 0
    data = {
        "shop_id": item.shop_id,
        "item_id": item.item_id,
        "model_id": model_id,
        "variation_id": model_id,
        "action": action,
        "changed_values": [{"name": "reserved_stock", "old": old, "new": new}],
        "update_time": int(sim.state.now()),
    }
    sim.push.send_for_shop(item.shop_id, 8, data)
