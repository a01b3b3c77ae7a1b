"""What an order does to master stock, as two small tables.

The order's *target* effect follows its unified status (``target``): a paid, not yet shipped
order holds stock (reserved), and so does an unpaid one the channel already holds stock for
(``holds``: Shopee and TikTok Shop take an order's stock when it is placed, UNPAID included, so
the other shops must fall at once; the channel says so on the order or status change); a
shipped one has taken it from on hand; a cancellation gives back what was held; a return
changes nothing until the seller restocks it. Each linked line then moves from its own effect
to the order's through ``LINE_MOVES``; a pair not in the table changes nothing. Because every
move starts from the stored effect, inside the transaction that holds the order's row lock, a
repeated or late event finds nothing left to do.

One subtlety: the import baseline. Tokopedia takes stock when an order is paid, so the stock an
import reads is already net of the orders open at that moment. A line of an order created
before the import that read its variant's stock starts at ``BASELINE``: it reserves nothing,
takes nothing when it ships, and gives its units back to on hand if it is cancelled (the
channel gives them back too). The same holds for an order the channel held stock for while
unpaid: it was out of the stock the import read, so it starts at ``BASELINE`` too, and a
cancellation (the payment timing out) puts its units back once.

Releasing: an unpaid order that held stock is released when it is cancelled, through the same
``(RESERVED, RELEASED)`` move as a paid one, so each unit is reserved once and released once
whatever the order of events (a pending-payment status never releases: only a cancellation
does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.utils.translation import gettext_noop

from satustok.inventory import stock
from satustok.inventory.models import MovementReason, StockMovement
from satustok.orders.models import Order, OrderLine
from satustok.orders.status import HOLDING, LEFT_SHELF, OrderStatus, StockEffect
from satustok.sync.models import ImportRun

E = StockEffect
TIME_GRAIN = timedelta(seconds=1)  # channels stamp orders to the second
Move = Callable[[int, int, str], stock.Change]  # (variant, quantity, reference)


def target(status: str, current: str, holds: bool = False) -> StockEffect:
    """The effect an order in ``status`` should have, coming from ``current``; ``holds``: the
    channel holds the order's stock though it is unpaid."""
    if current in (E.RESTOCKED, E.WRITTEN_OFF, E.ELSEWHERE):
        # final: the seller decided on the return, or another integration counts the order
        return E(current)
    if status in HOLDING or (holds and status == OrderStatus.PENDING_PAYMENT):
        return E.RESERVED if current in (E.NONE, E.RESERVED) else E(current)
    if status in LEFT_SHELF:
        return E.SHIPPED if current in (E.NONE, E.RESERVED, E.SHIPPED) else E(current)
    if status == OrderStatus.CANCELLED:
        return E.RELEASED if current == E.RESERVED else E(current)
    return E(current)  # pending payment: nothing yet, or still held


def _take_from_shelf(variant_id: int, quantity: int, reference: str) -> stock.Change:
    """First seen after it shipped: on hand falls; nothing was reserved, so nothing is released
    (``stock.shipping`` would release other orders' reservations)."""
    return stock.Change(
        variant_id,
        MovementReason.ORDER_SHIP,
        on_hand=-quantity,
        reference=reference,
        note=gettext_noop("first seen after shipping"),
    )


def _put_back(variant_id: int, quantity: int, reference: str) -> stock.Change:
    """A cancelled order the import baseline had already taken out: the units come back."""
    return stock.Change(
        variant_id,
        MovementReason.ORDER_RELEASE,
        on_hand=quantity,
        reference=reference,
        note=gettext_noop("counted in the import baseline"),
    )


def _hand_back(variant_id: int, quantity: int, reference: str) -> stock.Change:
    """A shipped order another integration counts too: the units it took come back here."""
    return stock.Change(
        variant_id,
        MovementReason.ORDER_RELEASE,
        on_hand=quantity,
        reference=reference,
        note=gettext_noop("counted by the integration the shop moved to or from"),
    )


# (line effect now, order target) → (line effect after, the stock change, if any). The
# baseline already took a shipped order's units off: that move changes no stock.
LINE_MOVES: dict[tuple[StockEffect, StockEffect], tuple[StockEffect, Move | None]] = {
    (E.NONE, E.RESERVED): (E.RESERVED, stock.reserving),
    (E.NONE, E.SHIPPED): (E.SHIPPED, _take_from_shelf),
    (E.RESERVED, E.SHIPPED): (E.SHIPPED, stock.shipping),
    (E.RESERVED, E.RELEASED): (E.RELEASED, stock.releasing),
    (E.BASELINE, E.SHIPPED): (E.SHIPPED, None),
    (E.BASELINE, E.RELEASED): (E.RELEASED, _put_back),
    (E.SHIPPED, E.RESTOCKED): (E.RESTOCKED, stock.restocking),
    # Handed to the other integration of a moved shop (orders/moving.py): what this one did is
    # undone, as the other counts the sale.
    (E.NONE, E.ELSEWHERE): (E.ELSEWHERE, None),
    (E.BASELINE, E.ELSEWHERE): (E.ELSEWHERE, None),
    (E.RESERVED, E.ELSEWHERE): (E.ELSEWHERE, stock.releasing),
    (E.SHIPPED, E.ELSEWHERE): (E.ELSEWHERE, _hand_back),
}


def settle(order: Order, goal: StockEffect | None = None, *, holds: bool = False) -> None:
    """Bring every linked line to the order's target effect (call inside the order's lock)."""
    order.stock_effect = goal or target(order.status, order.stock_effect, holds)
    lines = list(order.lines.filter(linked=True, variant__isnull=False))
    changes = plan(order, lines)
    stock.move_many(order.stock_warehouse_id, changes)
    OrderLine.objects.bulk_update(lines, ["stock_effect"])


def plan(order: Order, lines: Iterable[OrderLine]) -> list[stock.Change]:
    """The stock changes that bring these linked lines to the order's effect; each line's
    ``stock_effect`` is set to where it ends (saving it is the caller's). Lines go in variant
    order, so two orders never take the same stock locks in opposite orders."""
    goal = E(order.stock_effect)
    changes = []
    for line in sorted(lines, key=lambda line: (line.variant_id or 0, line.pk or 0)):
        found = LINE_MOVES.get((E(line.stock_effect), goal))
        if found is None or line.variant_id is None:
            continue
        line.stock_effect, change = found
        if change is not None:
            changes.append(change(line.variant_id, line.quantity, order.reference))
    return changes


def counted_in_baseline(account_id: int, warehouse_id: int, variant_id: int, at: datetime) -> bool:
    """Did an import of this integration, started after ``at``, set the variant's baseline?"""
    return in_baseline(baselines(account_id, warehouse_id, [variant_id], at), variant_id, at)


def baselines(
    account_id: int, warehouse_id: int, variant_ids: Iterable[int], since: datetime
) -> dict[int, list[datetime]]:
    """When each variant's import baselines were read, for imports started after ``since``
    (one query for a whole batch of orders; usually none, and then no second query).

    The run's start (not its finish) is the cut-off, and channels stamp orders to the second:
    an order that may have been placed while the import was reading is reserved, the safe
    side (undersell, never oversell)."""
    later = ImportRun.objects.filter(account_id=account_id, created_at__gte=since + TIME_GRAIN)
    started = {f"import:{pk}": at for pk, at in later.values_list("pk", "created_at")}
    if not started:
        return {}
    movements = StockMovement.objects.filter(
        level__warehouse_id=warehouse_id,
        level__variant_id__in=set(variant_ids),
        reason=MovementReason.IMPORT_BASELINE,
        reference__in=started,
    )
    found: dict[int, list[datetime]] = {}
    for variant_id, reference in movements.values_list("level__variant_id", "reference"):
        found.setdefault(variant_id, []).append(started[reference])
    return found


def in_baseline(found: dict[int, list[datetime]], variant_id: int, at: datetime) -> bool:
    return any(started >= at + TIME_GRAIN for started in found.get(variant_id, ()))
