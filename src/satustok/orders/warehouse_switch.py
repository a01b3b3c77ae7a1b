"""Changing the warehouse that feeds an integration: its stock is pushed from the new one and
its orders reserve there from now on.

Refused while the integration has open orders holding stock in the old warehouse (reserved,
or counted in the import baseline and not yet shipped): an order releases, ships or puts back
its units in the warehouse of its integration *at that moment*, so after a switch those
orders would take from the new warehouse what they hold in the old one — the old one's
reservations would never be released. Finishing (or cancelling) them first keeps every
reservation where it is released.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from satustok.channels.models import ChannelAccount
from satustok.core import activity
from satustok.inventory.models import Warehouse
from satustok.orders.models import OrderLine, StockEffect
from satustok.sync import pusher, tasks

# Line effects that still hold (or will put back) units in the integration's warehouse.
HOLDING_EFFECTS = (StockEffect.RESERVED, StockEffect.BASELINE)


class SwitchRefused(ValueError):
    """The integration keeps its warehouse; the message says why."""


def orders_holding_stock(account: ChannelAccount) -> int:
    """Open orders of ``account`` whose lines hold stock in its warehouse now."""
    lines = OrderLine.objects.filter(order__account=account, stock_effect__in=HOLDING_EFFECTS)
    return lines.values("order_id").distinct().count()


def switch_warehouse(account: ChannelAccount, warehouse: Warehouse) -> bool:
    """Feed ``account`` from ``warehouse``; every linked listing is pushed again from it.
    Returns False when it already was."""
    if account.warehouse_id == warehouse.pk:
        return False
    with transaction.atomic():
        # The account's row, then the new warehouse's (a delete locks the warehouse first and
        # touches no account row, so the two never wait on each other in a circle).
        locked = ChannelAccount.objects.select_for_update().get(pk=account.pk)
        if not Warehouse.objects.select_for_update().filter(pk=warehouse.pk).exists():
            raise SwitchRefused(_("That warehouse no longer exists."))
        _refuse_open_orders(locked)
        before = locked.warehouse
        ChannelAccount.objects.filter(pk=account.pk).update(warehouse=warehouse)
        account.warehouse = warehouse
        pusher.mark_account_dirty(account)
        _log(account, before, warehouse)
    if account.push_stock:
        transaction.on_commit(lambda: tasks.push_stock(account.pk))
    return True


def _refuse_open_orders(account: ChannelAccount) -> None:
    holding = orders_holding_stock(account)
    if holding:
        raise SwitchRefused(
            _(
                "Open orders of %(shop)s hold stock in %(warehouse)s (%(count)s). They release "
                "or ship it from the warehouse of the integration at that moment, so after a "
                "switch the reservations in %(warehouse)s would never be released. Ship or "
                "cancel those orders first, then switch."
            )
            % {
                "count": holding,
                "shop": account.shop_name,
                "warehouse": account.warehouse.name,
            }
        )


def _log(account: ChannelAccount, before: Warehouse, after: Warehouse) -> None:
    activity.record(
        None,
        activity.Action.INTEGRATION_SETTINGS,
        account,
        before={"warehouse": before.code},
        after={"warehouse": after.code},
    )
