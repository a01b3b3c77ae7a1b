"""Returns: a parcel that left the shelf and came back, and what the seller does with it.

An order is *awaiting a decision* when its status says the parcel came back (returned, or
cancelled after it shipped) and its stock effect is still *shipped*: its units left on hand
when it shipped, and nothing has been decided since. For each linked line the seller chooses:

- **restock** — the units go back on hand, in the warehouse the seller names (by default the
  order's own, the one its stock was taken from): one ``return_restock`` ledger row there,
  and the usual push;
- **write off** — the units were damaged: on hand does not change, and a ``return_write_off``
  ledger row with zero deltas records the decision and who made it.

A line is decided once: the decision moves it from *shipped* to *restocked* or *written off*
inside the transaction that holds the order's row lock, so a second click, a retry or two
sellers at once find nothing left to do. When every linked line is decided the order's own
effect becomes final (``effects.target`` never moves it again, whatever the channel says
later). The quantity is what the channel says came back (``returned_quantity``), or the whole
line when it does not say; a line a partial return leaves out has nothing to decide.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from satustok.core import activity
from satustok.inventory import stock
from satustok.inventory.access import require_warehouse
from satustok.inventory.models import MovementReason, Warehouse
from satustok.orders.models import Order, OrderLine, ReturnChoice
from satustok.orders.status import OrderStatus, StockEffect

__all__ = [
    "InvalidDecision",
    "LineDecision",
    "NothingToDecide",
    "awaiting_decision",
    "can_decide",
    "decide",
    "lines_to_decide",
    "restock_all",
]

# The statuses in which a shipped parcel has come back to the seller.
CAME_BACK = (OrderStatus.RETURNED, OrderStatus.CANCELLED)


class NothingToDecide(Exception):
    """The order has no returned line left to decide (never returned, or already decided)."""


class InvalidDecision(ValueError):
    """A decision the hub cannot carry out: an unknown choice or warehouse."""


@dataclass(frozen=True, slots=True)
class LineDecision:
    line_id: int
    choice: str  # a ReturnChoice value
    warehouse_id: int | None = None  # restock only; None: the order's warehouse


def awaiting_decision() -> QuerySet[Order]:
    """Orders with returned units the seller has not decided on, oldest return first."""
    return (
        Order.objects.filter(status__in=CAME_BACK, stock_effect=StockEffect.SHIPPED)
        .select_related("account__warehouse", "warehouse")
        .order_by("updated_at", "id")
    )


def can_decide(order: Order) -> bool:
    return order.status in CAME_BACK and order.stock_effect == StockEffect.SHIPPED


def lines_to_decide(order: Order) -> list[OrderLine]:
    """The order's linked lines whose returned units are still undecided."""
    return list(_undecided(order).select_related("variant__product"))


def returned_units(line: OrderLine) -> int:
    """How many units of the line came back: what the channel said, else the whole line."""
    return line.quantity if line.returned_quantity is None else line.returned_quantity


def decide(order: Order, decisions: Iterable[LineDecision]) -> Order:
    """Carry out the seller's decisions for lines still undecided; a line decided before (or
    not of this order) is left alone. Raises :class:`NothingToDecide` when none applies."""
    wanted = list(decisions)
    _check(wanted)
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("account").get(pk=order.pk)
        if not can_decide(locked):
            raise NothingToDecide(f"order {locked.external_id} has no return to decide")
        lines = {line.pk: line for line in _undecided(locked)}
        chosen = [(lines[d.line_id], d) for d in wanted if d.line_id in lines]
        if not chosen:
            raise NothingToDecide(f"order {locked.external_id}: every line is decided")
        _apply(locked, chosen)
        _settle_order(locked)
    _record(locked, chosen)
    return locked


def restock_all(order: Order) -> Order:
    """Every undecided line back on the shelf of the order's warehouse."""
    decisions = [LineDecision(line.pk, ReturnChoice.RESTOCK) for line in _undecided(order)]
    return decide(order, decisions)


def _undecided(order: Order) -> QuerySet[OrderLine]:
    """Linked lines still shipped, of which something came back (a line the channel said
    nothing of came back whole; one it left out of a partial return stayed sold)."""
    lines = order.lines.filter(linked=True, variant__isnull=False, stock_effect=StockEffect.SHIPPED)
    return lines.exclude(returned_quantity=0)


def _check(decisions: list[LineDecision]) -> None:
    for decision in decisions:
        if decision.choice not in ReturnChoice.values:
            raise InvalidDecision(f"unknown return choice {decision.choice!r}")
    named = {d.warehouse_id for d in decisions if d.warehouse_id is not None}
    if len(named) > Warehouse.objects.filter(pk__in=named).count():
        raise InvalidDecision("unknown warehouse")


def _apply(order: Order, chosen: list[tuple[OrderLine, LineDecision]]) -> None:
    """The ledger rows per warehouse (in warehouse order, so two decisions never lock the
    same levels in opposite orders) and each line's new effect."""
    user = activity.current_user()
    now = timezone.now()
    by_warehouse: dict[int, list[stock.Change]] = defaultdict(list)
    for line, decision in chosen:
        warehouse_id = decision.warehouse_id or order.stock_warehouse_id
        if user is not None:
            require_warehouse(user, warehouse_id)
        by_warehouse[warehouse_id].append(_change(order, line, decision.choice))
        line.stock_effect = (
            StockEffect.RESTOCKED
            if decision.choice == ReturnChoice.RESTOCK
            else StockEffect.WRITTEN_OFF
        )
        line.return_choice = decision.choice
        line.return_warehouse_id = warehouse_id
        line.return_decided_at = now
    for warehouse_id in sorted(by_warehouse):
        stock.move_many(warehouse_id, by_warehouse[warehouse_id])
    OrderLine.objects.bulk_update(
        [line for line, _decision in chosen],
        ["stock_effect", "return_choice", "return_warehouse", "return_decided_at"],
    )


def _change(order: Order, line: OrderLine, choice: str) -> stock.Change:
    assert line.variant_id is not None  # only linked lines are decided
    if choice == ReturnChoice.RESTOCK:
        return stock.restocking(line.variant_id, returned_units(line), order.reference)
    return stock.Change(
        line.variant_id,
        MovementReason.RETURN_WRITE_OFF,
        reference=order.reference,
        note=gettext_noop("returned units written off as damaged"),
    )


def _settle_order(order: Order) -> None:
    """Once no line is left to decide, the order's effect is final."""
    if _undecided(order).exists():
        return
    restocked = order.lines.filter(stock_effect=StockEffect.RESTOCKED).exists()
    order.stock_effect = StockEffect.RESTOCKED if restocked else StockEffect.WRITTEN_OFF
    order.save(update_fields=["stock_effect", "updated_at"])


def _record(order: Order, chosen: list[tuple[OrderLine, LineDecision]]) -> None:
    after = {
        str(line.sku or line.external_product_id): (
            f"{line.return_choice} ×{returned_units(line)} @ {line.return_warehouse_id}"
        )
        for line, _decision in chosen
    }
    activity.record(None, activity.Action.RETURN_DECIDED, order, before={}, after=after)
