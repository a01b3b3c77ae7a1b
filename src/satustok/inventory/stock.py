"""The stock service: the only code that changes stock levels.

Every change is an atomic ``UPDATE … SET on_hand = on_hand + delta`` (never read-modify-write,
so two workers cannot lose an update) and a ledger row, in one transaction. The same
transaction sends :data:`stock_changed`, which the sync app turns into "these listings must be
pushed" — so a committed stock change can never miss its push, and a rolled-back one never
causes one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from satustok.core import activity
from satustok.core.bulk import insert_rows, update_values
from satustok.inventory import bundles
from satustok.inventory.models import MovementReason, StockLevel, StockMovement

# Sent inside the changing transaction: sender=StockLevel, warehouse_id, variant_ids.
stock_changed = Signal()


def available(warehouse_id: int, variant_id: int) -> int:
    return available_many(warehouse_id, [variant_id]).get(variant_id, 0)


def available_many(warehouse_id: int, variant_ids: Iterable[int | None]) -> dict[int, int]:
    """Available (on hand − reserved) per variant; a variant without a level has none. A
    bundle's is what its scarcest component allows (``inventory/bundles.py``)."""
    ids = {variant_id for variant_id in variant_ids if variant_id is not None}
    recipes = bundles.recipes(ids)
    components = {component for recipe in recipes.values() for component, _q in recipe}
    found = _level_available(warehouse_id, (ids - recipes.keys()) | components)
    for bundle, recipe in recipes.items():
        found[bundle] = bundles.bundle_available(recipe, found)
    return {variant_id: found[variant_id] for variant_id in ids if variant_id in found}


def _level_available(warehouse_id: int, variant_ids: set[int]) -> dict[int, int]:
    levels = StockLevel.objects.filter(warehouse_id=warehouse_id, variant_id__in=variant_ids)
    return {
        variant: on_hand - reserved
        for variant, on_hand, reserved in levels.values_list("variant_id", "on_hand", "reserved")
    }


def record_baselines(
    warehouse_id: int, quantities: Sequence[tuple[int, int]], *, reason: str, reference: str
) -> None:
    """Start new variants' stock at the given on-hand quantities (new levels only). Written
    with plain multi-row inserts: an import starts thousands of levels at once."""
    if not quantities:
        return
    now = timezone.now()
    with transaction.atomic():
        insert_rows(
            StockLevel,
            ["warehouse", "variant", "on_hand", "reserved", "updated_at"],
            [(warehouse_id, variant_id, qty, 0, now) for variant_id, qty in quantities],
        )
        levels = _level_ids(warehouse_id, [variant_id for variant_id, _qty in quantities])
        insert_rows(
            StockMovement,
            [
                "level",
                "on_hand_delta",
                "reserved_delta",
                "reason",
                "reference",
                "note",
                "created_at",
            ],
            [
                (levels[variant_id], qty, 0, reason, reference, "", now)
                for variant_id, qty in quantities
            ],
        )
        announce(warehouse_id, [variant_id for variant_id, _qty in quantities])


def _level_ids(warehouse_id: int, variant_ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(variant_ids), 500):  # SQLite's variable limit
        chunk = variant_ids[start : start + 500]
        levels = StockLevel.objects.filter(warehouse_id=warehouse_id, variant_id__in=chunk)
        found.update(levels.values_list("variant_id", "id"))
    return found


@dataclass(frozen=True, slots=True)
class Change:
    """One ledger line to be: change a variant's level by these deltas, and why."""

    variant_id: int
    reason: str
    on_hand: int = 0
    reserved: int = 0
    reference: str = ""
    note: str = ""


def move(
    warehouse_id: int,
    variant_id: int,
    *,
    on_hand: int = 0,
    reserved: int = 0,
    reason: str,
    reference: str = "",
    note: str = "",
) -> StockMovement:
    """Change one level by the given deltas and write why. The level is created if missing.

    ``reserved`` never goes below zero (a release of more than is reserved releases what is
    there); ``on_hand`` may, and so may available: that is an oversell, kept visible.
    """
    change = Change(variant_id, reason, on_hand, reserved, reference, note)
    with transaction.atomic():
        move_many(warehouse_id, [change])
        # The level stays locked until commit, so the newest row of the level is ours.
        mine = StockMovement.objects.filter(
            level__warehouse_id=warehouse_id, level__variant_id=variant_id
        )
        return mine.latest("id")


def move_many(warehouse_id: int, changes: Sequence[Change]) -> None:
    """Apply many changes in one transaction: the levels are locked once, in variant order,
    each level is updated once with its total, the ledger rows are one multi-row insert, and
    :data:`stock_changed` is sent once. A batch of orders costs a few statements, not a few
    per line. Changes apply in the given order (it decides how far a release can go). A
    bundle's change moves its components (:func:`bundles.expand`)."""
    if not changes:
        return
    with transaction.atomic():
        changes = bundles.expand(changes)
        variant_ids = sorted({change.variant_id for change in changes})
        now = timezone.now()
        user_id = getattr(activity.current_user(), "pk", None)
        levels = _levels_for_update(warehouse_id, variant_ids)
        totals = {variant_id: [0, 0] for variant_id in variant_ids}
        rows = []
        for change in changes:
            level = levels[change.variant_id]
            reserved = max(change.reserved, -level.reserved)
            level.reserved += reserved
            totals[change.variant_id][0] += change.on_hand
            totals[change.variant_id][1] += reserved
            rows.append(
                (level.pk, change.on_hand, reserved, change.reason, change.reference,
                 change.note, user_id, now)
            )  # fmt: skip
        # One statement for all the levels (the database adds, so nothing read here is
        # trusted): a batch of orders over 200 SKUs held its locks through 200 UPDATEs.
        update_values(
            StockLevel,
            ["on_hand", "reserved", "updated_at"],
            [(on_hand, reserved, now, levels[v].pk) for v, (on_hand, reserved) in totals.items()],
            add=["on_hand", "reserved"],
        )
        insert_rows(StockMovement, MOVEMENT_COLUMNS, rows)
        announce(warehouse_id, variant_ids)


MOVEMENT_COLUMNS = (
    "level", "on_hand_delta", "reserved_delta", "reason", "reference", "note", "user",
    "created_at",
)  # fmt: skip


def set_on_hand(
    warehouse_id: int, variant_id: int, quantity: int, *, reference: str = "", note: str = ""
) -> StockMovement:
    """The seller counted the shelf: on hand becomes ``quantity`` (the ledger keeps the delta)."""
    with transaction.atomic():
        level = _level_for_update(warehouse_id, variant_id)
        return move(
            warehouse_id,
            variant_id,
            on_hand=quantity - level.on_hand,
            reason=MovementReason.ADJUSTMENT,
            reference=reference,
            note=note,
        )


# --- what orders do to a level (as changes, so a batch of orders is one ``move_many``) -------


def reserving(variant_id: int, quantity: int, reference: str) -> Change:
    """A new paid order holds ``quantity``: available falls everywhere at once."""
    return Change(variant_id, MovementReason.ORDER_RESERVE, reserved=quantity, reference=reference)


def releasing(variant_id: int, quantity: int, reference: str) -> Change:
    """A cancelled or rejected order gives back what it held."""
    return Change(variant_id, MovementReason.ORDER_RELEASE, reserved=-quantity, reference=reference)


def shipping(variant_id: int, quantity: int, reference: str) -> Change:
    """A shipped order leaves the shelf: on hand and reserved both fall."""
    return Change(
        variant_id,
        MovementReason.ORDER_SHIP,
        on_hand=-quantity,
        reserved=-quantity,
        reference=reference,
    )


def restocking(variant_id: int, quantity: int, reference: str) -> Change:
    """A returned parcel the seller put back on the shelf."""
    return Change(variant_id, MovementReason.RETURN_RESTOCK, on_hand=quantity, reference=reference)


def reserve(warehouse_id: int, variant_id: int, quantity: int, reference: str) -> None:
    move_many(warehouse_id, [reserving(variant_id, quantity, reference)])


def release(warehouse_id: int, variant_id: int, quantity: int, reference: str) -> None:
    move_many(warehouse_id, [releasing(variant_id, quantity, reference)])


def ship(warehouse_id: int, variant_id: int, quantity: int, reference: str) -> None:
    move_many(warehouse_id, [shipping(variant_id, quantity, reference)])


def restock(warehouse_id: int, variant_id: int, quantity: int, reference: str) -> None:
    move_many(warehouse_id, [restocking(variant_id, quantity, reference)])


def _levels_for_update(warehouse_id: int, variant_ids: list[int]) -> dict[int, StockLevel]:
    """The levels, locked for this transaction in variant order (PostgreSQL; SQLite's
    IMMEDIATE transaction already holds the database's write lock), missing ones created at
    zero first."""
    levels = StockLevel.objects.select_for_update().filter(
        warehouse_id=warehouse_id, variant_id__in=variant_ids
    )
    found = {level.variant_id: level for level in levels.order_by("variant_id")}
    for variant_id in variant_ids:
        if variant_id not in found:
            found[variant_id] = _level_for_update(warehouse_id, variant_id)
    return found


def _level_for_update(warehouse_id: int, variant_id: int) -> StockLevel:
    """The level row, locked for this transaction (PostgreSQL; SQLite's IMMEDIATE transaction
    already holds the database's write lock), created at zero when missing."""
    level, _created = StockLevel.objects.select_for_update().get_or_create(
        warehouse_id=warehouse_id, variant_id=variant_id
    )
    return level


def announce(warehouse_id: int, variant_ids: list[int]) -> None:
    """Tell the layers above that these variants' available changed in this warehouse, and
    with them every bundle that uses one of them."""
    variant_ids = sorted(set(variant_ids) | set(bundles.bundles_using(variant_ids)))
    stock_changed.send(sender=StockLevel, warehouse_id=warehouse_id, variant_ids=variant_ids)
