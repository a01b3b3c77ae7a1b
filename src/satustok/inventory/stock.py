"""The stock service: the only code that changes stock levels.

Every change is an atomic ``UPDATE … SET on_hand = on_hand + delta`` (never read-modify-write,
so two workers cannot lose an update) and a ledger row, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction

from satustok.inventory.models import StockLevel, StockMovement


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
    """Start new variants' stock at the given on-hand quantities (new levels only)."""
    with transaction.atomic():
        levels = [
            StockLevel(warehouse_id=warehouse_id, variant_id=variant_id, on_hand=qty)
            for variant_id, qty in quantities
        ]
        StockLevel.objects.bulk_create(levels)
        StockMovement.objects.bulk_create(
            StockMovement(
                level=level, on_hand_delta=level.on_hand, reason=reason, reference=reference
            )
            for level in levels
        )
