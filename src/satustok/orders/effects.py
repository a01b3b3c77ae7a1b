"""What an order does to master stock, as two small tables.

The order's *target* effect follows its unified status (``target``): a paid, not yet shipped
order holds stock (reserved); a shipped one has taken it from on hand; a cancellation gives
back what was held; a return changes nothing until the seller restocks it. Each linked line
then moves from its own effect to the order's through ``LINE_MOVES``; a pair not in the table
changes nothing. Because every move starts from the stored effect, inside the transaction that
holds the order's row lock, a repeated or late event finds nothing left to do.

One subtlety: the import baseline. Tokopedia takes stock when an order is paid, so the stock an
import reads is already net of the orders open at that moment. A line of an order created
before the import that read its variant's stock starts at ``BASELINE``: it reserves nothing,
takes nothing when it ships, and gives its units back to on hand if it is cancelled (the
channel gives them back too).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils.translation import gettext_noop

from satustok.inventory import stock
from satustok.inventory.models import MovementReason, StockMovement
from satustok.orders.models import Order, OrderLine
from satustok.orders.status import HOLDING, LEFT_SHELF, OrderStatus, StockEffect
from satustok.sync.models import ImportRun

E = StockEffect
TIME_GRAIN = timedelta(seconds=1)  # channels stamp orders to the second
Move = Callable[[int, int, int, str], object]  # (warehouse, variant, quantity, reference)


def target(status: str, current: str) -> StockEffect:
    """The effect an order in ``status`` should have, coming from ``current``."""
    if current == E.RESTOCKED:
        return E.RESTOCKED
    if status in HOLDING:
        return E.RESERVED if current in (E.NONE, E.RESERVED) else E(current)
    if status in LEFT_SHELF:
        return E.SHIPPED if current in (E.NONE, E.RESERVED, E.SHIPPED) else E(current)
    if status == OrderStatus.CANCELLED:
        return E.RELEASED if current == E.RESERVED else E(current)
    return E(current)  # pending payment: nothing yet


def _take_from_shelf(warehouse_id: int, variant_id: int, quantity: int, reference: str) -> None:
    """First seen after it shipped: on hand falls; nothing was reserved, so nothing is released
    (``stock.ship`` would release other orders' reservations)."""
    stock.move(
        warehouse_id,
        variant_id,
        on_hand=-quantity,
        reason=MovementReason.ORDER_SHIP,
        reference=reference,
        note=gettext_noop("first seen after shipping"),
    )


def _put_back(warehouse_id: int, variant_id: int, quantity: int, reference: str) -> None:
    """A cancelled order the import baseline had already taken out: the units come back."""
    stock.move(
        warehouse_id,
        variant_id,
        on_hand=quantity,
        reason=MovementReason.ORDER_RELEASE,
        reference=reference,
        note=gettext_noop("counted in the import baseline"),
    )


def _nothing(warehouse_id: int, variant_id: int, quantity: int, reference: str) -> None:
    """The baseline already took a shipped order's units off."""


# (line effect now, order target) → (line effect after, the stock call)
LINE_MOVES: dict[tuple[StockEffect, StockEffect], tuple[StockEffect, Move]] = {
    (E.NONE, E.RESERVED): (E.RESERVED, stock.reserve),
    (E.NONE, E.SHIPPED): (E.SHIPPED, _take_from_shelf),
    (E.RESERVED, E.SHIPPED): (E.SHIPPED, stock.ship),
    (E.RESERVED, E.RELEASED): (E.RELEASED, stock.release),
    (E.BASELINE, E.SHIPPED): (E.SHIPPED, _nothing),
    (E.BASELINE, E.RELEASED): (E.RELEASED, _put_back),
    (E.SHIPPED, E.RESTOCKED): (E.RESTOCKED, stock.restock),
}


def settle(order: Order, goal: StockEffect | None = None) -> None:
    """Bring every linked line to the order's target effect (call inside the order's lock).

    Lines go in variant order, so two orders never take the same stock locks in opposite
    orders."""
    order.stock_effect = goal or target(order.status, order.stock_effect)
    warehouse_id = order.account.warehouse_id
    lines = order.lines.filter(linked=True, variant__isnull=False).order_by("variant_id", "id")
    for line in lines:
        _move_line(line, E(order.stock_effect), warehouse_id, order.reference)


def _move_line(line: OrderLine, goal: StockEffect, warehouse_id: int, reference: str) -> None:
    found = LINE_MOVES.get((E(line.stock_effect), goal))
    if found is None:
        return
    after, call = found
    assert line.variant_id is not None
    call(warehouse_id, line.variant_id, line.quantity, reference)
    line.stock_effect = after
    line.save(update_fields=["stock_effect"])


def counted_in_baseline(account_id: int, warehouse_id: int, variant_id: int, at: datetime) -> bool:
    """Did an import of this integration, started after ``at``, set the variant's baseline?

    The run's start (not its finish) is the cut-off, and channels stamp orders to the second:
    an order that may have been placed while the import was reading is reserved, the safe
    side (undersell, never oversell)."""
    later = ImportRun.objects.filter(account_id=account_id, created_at__gte=at + TIME_GRAIN)
    references = [f"import:{pk}" for pk in later.values_list("pk", flat=True)]
    if not references:
        return False
    return StockMovement.objects.filter(
        level__warehouse_id=warehouse_id,
        level__variant_id=variant_id,
        reason=MovementReason.IMPORT_BASELINE,
        reference__in=references,
    ).exists()
