"""Changing the warehouse that feeds an integration: its stock is pushed from the new one and
its new orders reserve there (unless their shop warehouse is mapped to another).

Open orders do not stop it: each order keeps the hub warehouse it was first seen in
(``Order.warehouse``) and releases, ships and restocks there, so nothing reserved is stranded;
the orders that come after the switch reserve in the new warehouse.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from satustok.channels.models import ChannelAccount
from satustok.core import activity
from satustok.inventory.models import Warehouse
from satustok.sync import pusher, tasks


class SwitchRefused(ValueError):
    """The integration keeps its warehouse; the message says why."""


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
        before = locked.warehouse
        ChannelAccount.objects.filter(pk=account.pk).update(warehouse=warehouse)
        account.warehouse = warehouse
        pusher.mark_account_dirty(account)
        _log(account, before, warehouse)
    if account.push_stock:
        transaction.on_commit(lambda: tasks.push_stock(account.pk))
    return True


def _log(account: ChannelAccount, before: Warehouse, after: Warehouse) -> None:
    activity.record(
        None,
        activity.Action.INTEGRATION_SETTINGS,
        account,
        before={"warehouse": before.code},
        after={"warehouse": after.code},
    )
