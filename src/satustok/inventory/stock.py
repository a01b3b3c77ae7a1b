"""The stock service: the only code that changes stock levels.

Every change is an atomic ``UPDATE … SET on_hand = on_hand + delta`` (never read-modify-write,
so two workers cannot lose an update) and a ledger row, in one transaction. The same
transaction sends :data:`stock_changed`, which the sync app turns into "these listings must be
pushed" — so a committed stock change can never miss its push, and a rolled-back one never
causes one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from satustok.core.bulk import insert_rows
from satustok.inventory.models import MovementReason, StockLevel, StockMovement

# Sent inside the changing transaction: sender=StockLevel, warehouse_id, variant_ids.
stock_changed = Signal()


def available(warehouse_id: int, variant_id: int) -> int:
    return available_many(warehouse_id, [variant_id]).get(variant_id, 0)


def available_many(warehouse_id: int, variant_ids: Iterable[int | None]) -> dict[int, int]:
    """Available (on hand − reserved) per variant; a variant without a level has none."""
    ids = [variant_id for variant_id in variant_ids if variant_id is not None]
    levels = StockLevel.objects.filter(warehouse_id=warehouse_id, variant_id__in=ids)
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
        _announce(warehouse_id, [variant_id for variant_id, _qty in quantities])


def _level_ids(warehouse_id: int, variant_ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(variant_ids), 500):  # SQLite's variable limit
        chunk = variant_ids[start : start + 500]
        levels = StockLevel.objects.filter(warehouse_id=warehouse_id, variant_id__in=chunk)
        found.update(levels.values_list("variant_id", "id"))
    return found


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
    with transaction.atomic():
        level = _level_for_update(warehouse_id, variant_id)
        reserved = max(reserved, -level.reserved)
        StockLevel.objects.filter(pk=level.pk).update(
            on_hand=F("on_hand") + on_hand, reserved=F("reserved") + reserved
        )
        movement = StockMovement.objects.create(
            level=level,
            on_hand_delta=on_hand,
            reserved_delta=reserved,
            reason=reason,
            reference=reference,
            note=note,
        )
        _announce(warehouse_id, [variant_id])
    return movement


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


def reserve(warehouse_id: int, variant_id: int, quantity: int, reference: str) -> StockMovement:
    """A new paid order holds ``quantity``: available falls everywhere at once."""
    return move(
        warehouse_id,
        variant_id,
        reserved=quantity,
        reason=MovementReason.ORDER_RESERVE,
        reference=reference,
    )


def release(warehouse_id: int, variant_id: int, quantity: int, reference: str) -> StockMovement:
    """A cancelled or rejected order gives back what it held."""
    return move(
        warehouse_id,
        variant_id,
        reserved=-quantity,
        reason=MovementReason.ORDER_RELEASE,
        reference=reference,
    )


def ship(warehouse_id: int, variant_id: int, quantity: int, reference: str) -> StockMovement:
    """A shipped order leaves the shelf: on hand and reserved both fall."""
    return move(
        warehouse_id,
        variant_id,
        on_hand=-quantity,
        reserved=-quantity,
        reason=MovementReason.ORDER_SHIP,
        reference=reference,
    )


def restock(warehouse_id: int, variant_id: int, quantity: int, reference: str) -> StockMovement:
    """A returned parcel the seller put back on the shelf."""
    return move(
        warehouse_id,
        variant_id,
        on_hand=quantity,
        reason=MovementReason.RETURN_RESTOCK,
        reference=reference,
    )


def _level_for_update(warehouse_id: int, variant_id: int) -> StockLevel:
    """The level row, locked for this transaction (PostgreSQL; SQLite's IMMEDIATE transaction
    already holds the database's write lock), created at zero when missing."""
    level, _created = StockLevel.objects.select_for_update().get_or_create(
        warehouse_id=warehouse_id, variant_id=variant_id
    )
    return level


def _announce(warehouse_id: int, variant_ids: list[int]) -> None:
    stock_changed.send(sender=StockLevel, warehouse_id=warehouse_id, variant_ids=variant_ids)
