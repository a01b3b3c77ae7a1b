"""Which warehouse feeds which integration, as far as deleting a warehouse is concerned: one
that still feeds an integration (its stock is pushed from there, its orders reserve there)
cannot go. The domain (``inventory/warehouses.py``) checks the stock; this layer knows the
integrations. Switching an integration's warehouse looks at its orders too, so it lives in
``orders/warehouse_switch.py``.

A warehouse also stays while a shop location is mapped to it (its stock is pushed there) and
while open orders hold stock in it (``Order.warehouse``: an order moves its stock in the
warehouse it was first seen in, and keeps it; once the warehouse is gone, the orders done
with it fall back on their integration's). The orders are read through the warehouse's
reverse relation, so this layer never imports the orders flow above it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from satustok.channels.models import ChannelAccount, ShopLocation
from satustok.inventory.models import Warehouse
from satustok.inventory.warehouses import WarehouseChangeRefused, delete_warehouse


def fed_integrations(warehouse: Warehouse) -> list[ChannelAccount]:
    return list(ChannelAccount.objects.filter(warehouse=warehouse).order_by("shop_name"))


def delete_unless_feeding(warehouse: Warehouse) -> None:
    """Delete ``warehouse`` unless an integration is fed from it or it is not empty."""
    with transaction.atomic():
        # The warehouse's row is locked: a switch onto it (orders/warehouse_switch.py) locks
        # it too, so no integration starts being fed from it while it is deleted.
        list(Warehouse.objects.select_for_update().filter(pk=warehouse.pk))
        fed = list(
            ChannelAccount.objects.filter(warehouse=warehouse)
            .order_by("shop_name")
            .values_list("shop_name", flat=True)
        )
        if fed:
            raise WarehouseChangeRefused(
                _(
                    "%(warehouse)s feeds %(shops)s: their stock is pushed from it and their "
                    "orders reserve in it. Choose another warehouse on each integration's "
                    "page first."
                )
                % {"warehouse": warehouse.name, "shops": ", ".join(fed)}
            )
        _refuse_if_mapped(warehouse)
        _refuse_if_orders_name_it(warehouse)
        delete_warehouse(warehouse)


def _refuse_if_mapped(warehouse: Warehouse) -> None:
    mapped = list(
        ShopLocation.objects.filter(warehouse=warehouse)
        .order_by("account__shop_name", "name")
        .values_list("account__shop_name", "name", "location_id")
    )
    if mapped:
        where = ", ".join(f"{shop} ({name or location})" for shop, name, location in mapped)
        raise WarehouseChangeRefused(
            _(
                "%(warehouse)s feeds the shop warehouses %(where)s: their stock is pushed from "
                "it. Map them to another warehouse on each integration's page first."
            )
            % {"warehouse": warehouse.name, "where": where}
        )


# Line effects that still hold units in the order's warehouse (orders.status.StockEffect).
_HOLDING = ("reserved", "baseline")


def _refuse_if_orders_name_it(warehouse: Warehouse) -> None:
    orders = warehouse.orders  # type: ignore[attr-defined]  # Order.warehouse's reverse relation
    holding = orders.filter(lines__stock_effect__in=_HOLDING).values("pk").distinct().count()
    if holding:
        raise WarehouseChangeRefused(
            _(
                "Open orders hold stock in %(warehouse)s (%(count)s): they ship or release it "
                "there. Ship or cancel those orders first, then delete the warehouse."
            )
            % {"warehouse": warehouse.name, "count": holding}
        )
