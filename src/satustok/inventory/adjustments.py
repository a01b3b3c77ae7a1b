"""Stock adjustments by the seller: set (after a count), receive, remove — always with a reason.

Used by the Inventory page, ``satustok stock …`` and the REST API alike.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from satustok.catalog.models import Variant
from satustok.catalog.sku import sku_key
from satustok.core import activity
from satustok.core.access import Permission, require
from satustok.inventory import bundles, stock
from satustok.inventory.access import WarehouseRefused, check_warehouse
from satustok.inventory.models import MovementReason, StockLevel, StockMovement, Warehouse

ACTIONS = ("set", "add", "remove")
# One bound for the UI, the API and the command line: no shelf holds a billion of one SKU, and
# the ledger's integer columns hold about two billion (PostgreSQL refuses more with an error;
# SQLite stores 2^63 and breaks the SKU's movement list). A quantity, or the on-hand it would
# leave, above this is refused in words.
MAX_QUANTITY = 1_000_000_000


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
    if bundles.is_bundle(variant.pk):
        raise AdjustmentRefused(
            _("%(sku)s is a bundle: it has no stock of its own. Adjust its components.")
            % {"sku": variant.sku}
        )
    warehouse = warehouse or default_warehouse()
    _check_allowed(warehouse)
    reference = f"user:{actor}" if actor else "adjustment"
    with transaction.atomic():
        _lock_level(warehouse, variant)
        before = _on_hand(warehouse, variant)
        movement = _apply(variant, action, quantity, reason, warehouse, reference)
        _log(variant, warehouse, action, quantity, reason, before)
        return movement


def _apply(
    variant: Variant, action: str, quantity: int, reason: str, warehouse: Warehouse, reference: str
) -> StockMovement:
    if action == "set":
        return stock.set_on_hand(
            warehouse.pk, variant.pk, quantity, reference=reference, note=reason.strip()
        )
    if action == "remove":
        _check_enough(warehouse, variant, quantity)
    if action == "add":
        _check_room(warehouse, variant, quantity)
    delta = quantity if action == "add" else -quantity
    return stock.move(
        warehouse.pk,
        variant.pk,
        on_hand=delta,
        reason=MovementReason.ADJUSTMENT,
        reference=reference,
        note=reason.strip(),
    )


def _check_allowed(warehouse: Warehouse) -> None:
    """The acting user's role and warehouses (the command line acts as the Owner)."""
    user = activity.current_user()
    if user is None:
        return
    require(user, Permission.ADJUST_STOCK)
    try:
        check_warehouse(user, warehouse)
    except WarehouseRefused as refused:
        raise AdjustmentRefused(str(refused)) from None


def _lock_level(warehouse: Warehouse, variant: Variant) -> None:
    """Hold the level until the adjustment commits: the checks read on hand, and two adds near
    the bound (or two removes of the last units) checked at once would both pass."""
    list(StockLevel.objects.select_for_update().filter(warehouse=warehouse, variant=variant))


def _on_hand(warehouse: Warehouse, variant: Variant) -> int:
    level = StockLevel.objects.filter(warehouse=warehouse, variant=variant)
    return level.values_list("on_hand", flat=True).first() or 0


def _log(
    variant: Variant, warehouse: Warehouse, action: str, quantity: int, reason: str, before: int
) -> None:
    activity.record(
        None,
        activity.Action.STOCK_ADJUSTED,
        variant,
        label=f"{variant.sku} @ {warehouse.name}",
        before={"on_hand": before},
        after={
            "on_hand": _on_hand(warehouse, variant),
            "change": action,
            "quantity": quantity,
            "reason": reason.strip(),
            "warehouse": warehouse.code,
        },
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


def _check_room(warehouse: Warehouse, variant: Variant, quantity: int) -> None:
    on_hand = _on_hand(warehouse, variant)
    if on_hand + quantity > MAX_QUANTITY:
        raise AdjustmentRefused(
            _(
                "%(on_hand)s on hand plus %(quantity)s would be more than %(max)s, the most "
                "one SKU can hold in a warehouse."
            )
            % {
                "on_hand": number_format(on_hand, force_grouping=True),
                "quantity": number_format(quantity, force_grouping=True),
                "max": number_format(MAX_QUANTITY, force_grouping=True),
            }
        )


def _check(action: str, quantity: int, reason: str) -> None:
    if action not in ACTIONS:
        raise AdjustmentRefused(_("Choose set, add or remove."))
    if quantity < 0:
        raise AdjustmentRefused(_("The quantity cannot be negative."))
    if quantity > MAX_QUANTITY:
        raise AdjustmentRefused(
            _("The quantity can be at most %(max)s.")
            % {"max": number_format(MAX_QUANTITY, force_grouping=True)}
        )
    if not reason.strip():
        raise AdjustmentRefused(_("Say why the stock changes (the ledger keeps the reason)."))
