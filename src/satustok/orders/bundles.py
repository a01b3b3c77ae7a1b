"""Changing a bundle's recipe, which open orders may forbid.

An order holding a bundle reserved its components by the recipe of that moment, and releases or
ships them by the recipe of the later moment: if the recipe changed in between, it would give
back other units than it took (and could release another order's reservation). So a recipe
is changed only while no open order holds the bundle — the seller finishes or cancels those
orders first — and the refusal says how many there are.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import ngettext

from satustok.catalog.models import Variant
from satustok.inventory import bundles
from satustok.inventory.bundles import BundleRefused, Part
from satustok.orders.models import OrderLine
from satustok.orders.status import StockEffect

# What an open line of an order holds: stock it will release or take by the recipe it knows.
HOLDING = (StockEffect.RESERVED, StockEffect.BASELINE)

__all__ = ["BundleRefused", "HeldByOrders", "Part", "change_recipe", "holding_orders"]


class HeldByOrders(BundleRefused):
    """Open orders hold the bundle: its recipe waits until they ship or are cancelled."""


def holding_orders(variant: Variant) -> tuple[int, int]:
    """How many open orders hold this variant, and how many of its units."""
    lines = OrderLine.objects.filter(variant=variant, stock_effect__in=HOLDING)
    totals = lines.aggregate(units=Sum("quantity"))
    return lines.values("order_id").distinct().count(), totals["units"] or 0


def change_recipe(bundle: Variant, parts: Sequence[Part]) -> list[int]:
    """Set a bundle's components (none: an ordinary variant again), unless open orders hold
    it; see :func:`satustok.inventory.bundles.set_recipe`. The check and the change are one
    transaction under the variant's row lock, which a reservation of the bundle takes too
    (``bundles.expand``): no order can reserve by the old recipe in between."""
    with transaction.atomic():
        Variant.objects.select_for_update().filter(pk=bundle.pk).first()
        _refuse_if_held(bundle)
        return bundles.set_recipe(bundle, parts)


def _refuse_if_held(bundle: Variant) -> None:
    orders, units = holding_orders(bundle)
    if orders:
        raise HeldByOrders(
            ngettext(
                "%(orders)d open order holds %(units)d of %(sku)s. Its components are counted "
                "by the recipe it was placed with: change the recipe after it ships or is "
                "cancelled.",
                "%(orders)d open orders hold %(units)d of %(sku)s. Their components are counted "
                "by the recipe they were placed with: change the recipe after they ship or are "
                "cancelled.",
                orders,
            )
            % {"orders": orders, "units": units, "sku": bundle.sku}
        )
