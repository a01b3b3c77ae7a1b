"""Bundles (kits): a variant made of other variants, with no stock of its own.

"Paket 3 Kaos" = 3 × KAOS-01. A bundle's available in a warehouse is what its scarcest
component allows: the least, over its components, of the component's available ÷ its quantity
(rounded down). Selling, releasing, shipping or restocking a bundle moves its components —
:func:`expand` turns each change of a bundle into its components' changes inside
``stock.move_many`` — so the ledger only ever holds real units on real shelves, and a
component's change reaches every bundle that uses it (:func:`bundles_using`).

A component is never a bundle itself (one level of nesting keeps the arithmetic and the
picking list plain), and a bundle is never a component.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from satustok.catalog.models import BundleComponent, Variant
from satustok.catalog.sku import sku_key
from satustok.core import activity
from satustok.inventory.models import MovementReason, StockLevel

if TYPE_CHECKING:
    from satustok.inventory.stock import Change

MAX_COMPONENTS = 20  # no kit a seller packs has more distinct parts
MAX_COMPONENT_QUANTITY = 10_000
PART_OF_A_BUNDLE = gettext_noop("part of a bundle")

Recipe = list[tuple[int, int]]  # (component variant id, quantity in one bundle)


class BundleRefused(ValueError):
    """A recipe that cannot be saved, in words for the seller."""


@dataclass(frozen=True, slots=True)
class Part:
    """One line of a recipe, as the seller gives it."""

    component: Variant
    quantity: int


# --- reading --------------------------------------------------------------------------------


def recipes(variant_ids: Iterable[int | None]) -> dict[int, Recipe]:
    """The recipe of each bundle among these variants (variants that are not bundles are
    absent). One query."""
    ids = {variant_id for variant_id in variant_ids if variant_id is not None}
    found: dict[int, Recipe] = defaultdict(list)
    if not ids:
        return found
    rows = BundleComponent.objects.filter(bundle_id__in=ids).order_by("bundle_id", "component_id")
    for bundle, component, quantity in rows.values_list("bundle_id", "component_id", "quantity"):
        found[bundle].append((component, quantity))
    return dict(found)


def is_bundle(variant_id: int) -> bool:
    return BundleComponent.objects.filter(bundle_id=variant_id).exists()


def bundles_using(component_ids: Iterable[int]) -> list[int]:
    """The bundles that use any of these variants, in id order."""
    ids = set(component_ids)
    if not ids:
        return []
    found = BundleComponent.objects.filter(component_id__in=ids).values_list("bundle_id", flat=True)
    return sorted(set(found))


def bundle_available(recipe: Recipe, available: dict[int, int]) -> int:
    """What a bundle's scarcest component allows, from the components' available. An
    oversold component (available below 0) gives a negative result: the bundle is oversold."""
    return min(available.get(component, 0) // quantity for component, quantity in recipe)


def explain_bundle(recipe: Recipe, available: dict[int, int], skus: dict[int, str]) -> str:
    """The bundle's available in words: "paket: min(KAOS-01 40 ÷ 3 = 13, TOPI 5 ÷ 1 = 5) = 5"."""
    parts = ", ".join(
        f"{skus.get(component, component)} {available.get(component, 0)} ÷ {quantity}"
        f" = {available.get(component, 0) // quantity}"
        for component, quantity in recipe
    )
    return _("bundle: min(%(parts)s) = %(n)d") % {
        "parts": parts,
        "n": bundle_available(recipe, available),
    }


# --- moving ---------------------------------------------------------------------------------


def expand(changes: Sequence[Change]) -> list[Change]:
    """The same changes with each bundle's replaced by its components' (quantity × the
    recipe's), in the given order; changes of ordinary variants pass through untouched. Call
    inside the moving transaction (it locks the bundles' rows)."""
    found = recipes(change.variant_id for change in changes)
    if not found:
        return list(changes)
    # The bundles' rows, locked as a recipe change locks them (``orders/bundles.py``), then
    # their recipes read again: a change waits for this move, or this move for the change.
    locked = Variant.objects.select_for_update().filter(pk__in=sorted(found)).order_by("pk")
    found = recipes(locked.values_list("pk", flat=True))
    expanded: list[Change] = []
    for change in changes:
        recipe = found.get(change.variant_id)
        if recipe is None:
            expanded.append(change)
            continue
        for component, quantity in recipe:
            expanded.append(
                replace(
                    change,
                    variant_id=component,
                    on_hand=change.on_hand * quantity,
                    reserved=change.reserved * quantity,
                    note=change.note or PART_OF_A_BUNDLE,
                )
            )
    return expanded


# --- changing a recipe ---------------------------------------------------------------------


def parts_from_rows(rows: Sequence[tuple[str, str | int]]) -> list[Part]:
    """The recipe that rows of (component SKU, quantity) describe, as a form or a request gives
    them; empty rows are skipped, and a refusal names the row (counted from 1)."""
    filled = [
        (number, str(sku).strip(), str(quantity).strip())
        for number, (sku, quantity) in enumerate(rows, 1)
        if str(sku).strip() or str(quantity).strip()
    ]
    wanted = {sku_key(sku) for _n, sku, _q in filled if "\x00" not in sku}
    found = {v.sku_key: v for v in Variant.objects.filter(sku_key__in=wanted)}
    parts = []
    for number, sku, quantity in filled:
        if "\x00" in sku:
            raise BundleRefused(
                _("Row %(row)d: a SKU cannot contain a NUL character.") % {"row": number}
            )
        component = found.get(sku_key(sku))
        if component is None:
            raise BundleRefused(
                _("Row %(row)d: no master product has SKU %(sku)s.")
                % {"row": number, "sku": sku or "—"}
            )
        if not (quantity.isdecimal() and len(quantity) <= 9) or int(quantity) < 1:
            raise BundleRefused(
                _("Row %(row)d: the quantity of %(sku)s must be a whole number from 1 to %(most)d.")
                % {"row": number, "sku": component.sku, "most": MAX_COMPONENT_QUANTITY}
            )
        parts.append(Part(component, int(quantity)))
    return parts


def set_recipe(bundle: Variant, parts: Sequence[Part]) -> list[int]:
    """Make ``bundle`` a bundle of these parts (no parts: an ordinary variant again), in one
    transaction with an activity entry. Its own stock, if it had any as an ordinary variant,
    is set to 0 in the ledger: from now on its available comes from its components. Returns
    the warehouses whose pushes the change affects (the caller's front end need not care: the
    stock signal marks the bundle's listings).

    The caller (a flow above this layer) refuses the change while open orders hold the
    bundle: their stock was reserved by the old recipe and must be released by it."""
    _check_parts(bundle, parts)
    from satustok.inventory import stock

    with transaction.atomic():
        Variant.objects.select_for_update().filter(pk=bundle.pk).first()  # one editor at a time
        before = _recipe_words(recipes([bundle.pk]).get(bundle.pk, []))
        BundleComponent.objects.filter(bundle=bundle).delete()
        own = _empty_own_levels(bundle) if parts else []  # before the recipe: no expansion
        BundleComponent.objects.bulk_create(
            BundleComponent(bundle=bundle, component=part.component, quantity=part.quantity)
            for part in parts
        )
        warehouses = sorted(set(own) | _warehouses_in_use())
        for warehouse_id in warehouses:
            stock.announce(warehouse_id, [bundle.pk])
        after = _recipe_words([(part.component.pk, part.quantity) for part in parts])
        activity.record(
            None,
            activity.Action.MASTER_EDITED,
            bundle,
            before={"components": before},
            after={"components": after},
        )
    return warehouses


def _check_parts(bundle: Variant, parts: Sequence[Part]) -> None:
    if len(parts) > MAX_COMPONENTS:
        raise BundleRefused(_("A bundle has at most %(n)d components.") % {"n": MAX_COMPONENTS})
    seen: set[int] = set()
    for part in parts:
        _check_part(bundle, part, seen)
    if parts and BundleComponent.objects.filter(component=bundle).exists():
        raise BundleRefused(
            _("%(sku)s is a component of another bundle, so it cannot be a bundle itself.")
            % {"sku": bundle.sku}
        )


def _check_part(bundle: Variant, part: Part, seen: set[int]) -> None:
    sku = {"sku": part.component.sku}
    if not 1 <= part.quantity <= MAX_COMPONENT_QUANTITY:
        raise BundleRefused(
            _("The quantity of %(sku)s must be a whole number from 1 to %(most)d.")
            % {**sku, "most": MAX_COMPONENT_QUANTITY}
        )
    if part.component.pk == bundle.pk:
        raise BundleRefused(_("A bundle cannot contain itself."))
    if part.component.pk in seen:
        raise BundleRefused(_("%(sku)s is listed twice: give it once, with its quantity.") % sku)
    if is_bundle(part.component.pk):
        raise BundleRefused(_("%(sku)s is a bundle itself: add its components instead.") % sku)
    seen.add(part.component.pk)


def _empty_own_levels(bundle: Variant) -> list[int]:
    """Set a variant's own on-hand to 0 where it has any (it becomes a bundle); returns the
    warehouses it had levels in."""
    from satustok.inventory import stock

    levels = list(StockLevel.objects.select_for_update().filter(variant=bundle))
    for level in levels:
        if level.on_hand:
            stock.move_many(
                level.warehouse_id,
                [
                    stock.Change(
                        bundle.pk,
                        MovementReason.ADJUSTMENT,
                        on_hand=-level.on_hand,
                        reference="bundle",
                        note=gettext_noop("became a bundle: its stock comes from its components"),
                    )
                ],
            )
    return [level.warehouse_id for level in levels]


def _warehouses_in_use() -> set[int]:
    return set(StockLevel.objects.values_list("warehouse_id", flat=True).distinct())


def _recipe_words(recipe: Recipe) -> list[str]:
    skus = dict(Variant.objects.filter(pk__in=[c for c, _q in recipe]).values_list("pk", "sku"))
    return [f"{quantity} × {skus.get(component, component)}" for component, quantity in recipe]


def available_everywhere(bundle_ids: Iterable[int]) -> dict[int, int]:
    """Each bundle's available summed over the warehouses (each warehouse's own scarcest
    component: units in two warehouses cannot be packed into one bundle)."""
    found = recipes(bundle_ids)
    components = {component for recipe in found.values() for component, _q in recipe}
    levels = StockLevel.objects.filter(variant_id__in=components)
    by_warehouse: dict[int, dict[int, int]] = defaultdict(dict)
    for warehouse, variant, on_hand, reserved in levels.values_list(
        "warehouse_id", "variant_id", "on_hand", "reserved"
    ):
        by_warehouse[warehouse][variant] = on_hand - reserved
    return {
        bundle: sum(bundle_available(recipe, there) for there in by_warehouse.values())
        for bundle, recipe in found.items()
    }


def explanations(warehouse_id: int, variant_ids: Iterable[int | None]) -> dict[int, str]:
    """For the bundles among these variants, how their available in this warehouse is made
    (:func:`explain_bundle`); the pusher puts it before the rest of a listing's explanation."""
    found = recipes(variant_ids)
    if not found:
        return {}
    components = {component for recipe in found.values() for component, _q in recipe}
    levels = StockLevel.objects.filter(warehouse_id=warehouse_id, variant_id__in=components)
    available = {
        variant: on_hand - reserved
        for variant, on_hand, reserved in levels.values_list("variant_id", "on_hand", "reserved")
    }
    skus = dict(Variant.objects.filter(pk__in=components).values_list("pk", "sku"))
    return {bundle: explain_bundle(recipe, available, skus) for bundle, recipe in found.items()}
