"""Which warehouse feeds which integration, as far as deleting a warehouse is concerned: one
that still feeds an integration (its stock is pushed from there, its orders reserve there)
cannot go. The domain (``inventory/warehouses.py``) checks the stock; this layer knows the
integrations. Switching an integration's warehouse looks at its orders too, so it lives in
``orders/warehouse_switch.py``."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from satustok.channels.models import ChannelAccount
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
        delete_warehouse(warehouse)
