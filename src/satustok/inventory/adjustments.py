"""Stock adjustments by the seller: set (after a count), receive, remove — always with a reason.

Used by the Inventory page, ``satustok stock …`` and the REST API alike.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from satustok.catalog.models import Variant
from satustok.catalog.sku import sku_key
from satustok.inventory import stock
from satustok.inventory.models import MovementReason, StockLevel, StockMovement, Warehouse

ACTIONS = ("set", "add", "remove")


class AdjustmentRefused(ValueError):
    pass


def find_variant(sku: str) -> Variant:
    variant = Variant.objects.filter(sku_key=sku_key(sku)).select_related("product").first()
    if variant is None:
        raise AdjustmentRefused(_("No master product has SKU %(sku)s.") % {"sku": sku.strip()})
    return variant


def default_warehouse() -> Warehouse:
    warehouse, _created = Warehouse.objects.get_or_create(
        code="utama", defaults={"name": "Gudang Utama"}
    )
    return warehouse


def adjust(
    variant: Variant,
    action: str,
    quantity: int,
    reason: str,
    *,
    warehouse: Warehouse | None = None,
    actor: str = "",
) -> StockMovement:
    """Apply one adjustment; the ledger row carries the reason and who made it."""
    _check(action, quantity, reason)
    warehouse = warehouse or default_warehouse()
    reference = f"user:{actor}" if actor else "adjustment"
    with transaction.atomic():
        if action == "set":
            return stock.set_on_hand(
                warehouse.pk, variant.pk, quantity, reference=reference, note=reason.strip()
            )
        if action == "remove":
            _check_enough(warehouse, variant, quantity)
        delta = quantity if action == "add" else -quantity
        return stock.move(
            warehouse.pk,
            variant.pk,
            on_hand=delta,
            reason=MovementReason.ADJUSTMENT,
            reference=reference,
            note=reason.strip(),
        )


def _check_enough(warehouse: Warehouse, variant: Variant, quantity: int) -> None:
    on_hand = (
        StockLevel.objects.filter(warehouse=warehouse, variant=variant)
        .values_list("on_hand", flat=True)
        .first()
    ) or 0
    if quantity > on_hand:
        raise AdjustmentRefused(
            _("Only %(on_hand)s on hand: cannot remove %(quantity)s.")
            % {"on_hand": on_hand, "quantity": quantity}
        )


def _check(action: str, quantity: int, reason: str) -> None:
    if action not in ACTIONS:
        raise AdjustmentRefused(_("Choose set, add or remove."))
    if quantity < 0:
        raise AdjustmentRefused(_("The quantity cannot be negative."))
    if not reason.strip():
        raise AdjustmentRefused(_("Say why the stock changes (the ledger keeps the reason)."))
