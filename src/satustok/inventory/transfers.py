"""Moving stock from one warehouse to another: one ledger line out, one in, one reference.

A transfer never creates an oversell: it moves at most what is available (on hand − reserved)
in the source, checked while both levels are locked, so two transfers at once cannot both take
the last units. The levels change through ``inventory/stock.py`` like every other change, so
each side sends ``stock_changed`` and the integrations fed by either warehouse are pushed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from satustok.catalog.models import BundleComponent, Variant
from satustok.core import activity
from satustok.core.access import Permission, require
from satustok.inventory import stock
from satustok.inventory.access import WarehouseRefused, check_warehouse
from satustok.inventory.adjustments import MAX_QUANTITY
from satustok.inventory.models import MovementReason, StockLevel, Warehouse

NOTE_MAX = 255


class TransferRefused(ValueError):
    """A transfer the hub refuses, in words for the seller; nothing was moved."""


@dataclass(frozen=True, slots=True)
class Transfer:
    reference: str  # "transfer:…", on both ledger lines
    variant: Variant
    source: Warehouse
    destination: Warehouse
    quantity: int


def transfer(
    source: Warehouse,
    destination: Warehouse,
    variant: Variant,
    quantity: int,
    user: Any = None,
    note: str = "",
) -> Transfer:
    """Move ``quantity`` on hand of ``variant`` from ``source`` to ``destination``. ``user``
    None is the operator at the command line (never limited)."""
    _check_request(source, destination, variant, quantity)
    _check_user(user, source, destination)
    reference = f"transfer:{uuid.uuid4().hex[:12]}"
    note = " ".join(note.split())[:NOTE_MAX]
    with transaction.atomic():
        levels = _lock_both(source, destination, variant)
        _check_enough(levels.get(source.pk), quantity, source)
        _check_room(levels.get(destination.pk), quantity, destination)
        stock.move_many(source.pk, [_side(variant, -quantity, reference, note)])
        stock.move_many(destination.pk, [_side(variant, quantity, reference, note)])
        _log(variant, source, destination, quantity, reference)
    return Transfer(reference, variant, source, destination, quantity)


def _side(variant: Variant, on_hand: int, reference: str, note: str) -> stock.Change:
    reason = MovementReason.TRANSFER_IN if on_hand > 0 else MovementReason.TRANSFER_OUT
    return stock.Change(variant.pk, reason, on_hand=on_hand, reference=reference, note=note)


def _check_request(
    source: Warehouse, destination: Warehouse, variant: Variant, quantity: int
) -> None:
    if quantity <= 0:
        raise TransferRefused(_("Transfer at least one unit."))
    if quantity > MAX_QUANTITY:
        raise TransferRefused(
            _("The quantity can be at most %(max)s.")
            % {"max": number_format(MAX_QUANTITY, force_grouping=True)}
        )
    if source.pk == destination.pk:
        raise TransferRefused(_("Choose two different warehouses."))
    if BundleComponent.objects.filter(bundle=variant).exists():
        raise TransferRefused(
            _("%(sku)s is a bundle: a bundle has no stock of its own; transfer its components.")
            % {"sku": variant.sku}
        )


def _check_user(user: Any, source: Warehouse, destination: Warehouse) -> None:
    """Both warehouses must be the user's: a transfer changes the stock of each."""
    if user is None:
        return
    require(user, Permission.ADJUST_STOCK)
    try:
        check_warehouse(user, source)
        check_warehouse(user, destination)
    except WarehouseRefused as refused:
        raise TransferRefused(str(refused)) from None


def _lock_both(
    source: Warehouse, destination: Warehouse, variant: Variant
) -> dict[int, StockLevel]:
    """Both levels, locked in warehouse order (PostgreSQL; SQLite's IMMEDIATE transaction holds
    the write lock already): a transfer A→B and one B→A at once wait, never deadlock."""
    levels = (
        StockLevel.objects.select_for_update()
        .filter(variant=variant, warehouse_id__in=[source.pk, destination.pk])
        .order_by("warehouse_id")
    )
    return {level.warehouse_id: level for level in levels}


def _check_enough(level: StockLevel | None, quantity: int, source: Warehouse) -> None:
    available = level.available if level is not None else 0
    if quantity > available:
        raise TransferRefused(
            _(
                "Only %(available)s available in %(warehouse)s: cannot transfer %(quantity)s "
                "(units held by open orders stay)."
            )
            % {
                "available": number_format(available, force_grouping=True),
                "warehouse": source.name,
                "quantity": number_format(quantity, force_grouping=True),
            }
        )


def _check_room(level: StockLevel | None, quantity: int, destination: Warehouse) -> None:
    on_hand = level.on_hand if level is not None else 0
    if on_hand + quantity > MAX_QUANTITY:
        raise TransferRefused(
            _("%(warehouse)s would hold more than %(max)s of one SKU.")
            % {
                "warehouse": destination.name,
                "max": number_format(MAX_QUANTITY, force_grouping=True),
            }
        )


def _log(
    variant: Variant, source: Warehouse, destination: Warehouse, quantity: int, reference: str
) -> None:
    activity.record(
        None,
        activity.Action.STOCK_TRANSFERRED,
        variant,
        label=f"{variant.sku}: {source.name} → {destination.name}",
        after={
            "change": "transfer",
            "quantity": quantity,
            "from": source.code,
            "to": destination.code,
            "reference": reference,
        },
    )
