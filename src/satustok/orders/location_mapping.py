"""Changing which hub warehouse feeds each of a shop's own locations (``channels/locations.py``).

Refused, like switching the integration's warehouse (``orders/warehouse_switch.py``), while
open orders of the integration hold stock: an order releases or ships its units in the
warehouse it was reserved in, and a mapping changed under it would make the shop show stock
from one warehouse while its orders are still counted in another. Every linked listing is then
pushed again, per location.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from satustok.channels import locations
from satustok.channels.models import ChannelAccount
from satustok.core import activity
from satustok.orders.warehouse_switch import orders_holding_stock
from satustok.sync import pusher, tasks


class MappingRefused(ValueError):
    """The mapping stays as it was; the message says why."""


class UnknownMapping(MappingRefused):
    """The mapping named a location the shop does not have, or no warehouse."""


def set_locations(account: ChannelAccount, wanted: Mapping[str, int | None]) -> int:
    """Map shop locations to hub warehouses (``{location id: warehouse id, or None for the
    integration's own}``; locations not named keep theirs). Returns how many changed."""
    with transaction.atomic():
        # The integration's row, as a warehouse switch locks it: one change at a time.
        locked = ChannelAccount.objects.select_for_update().get(pk=account.pk)
        try:
            changed = locations.changes(locked, wanted)
        except locations.UnknownLocation as unknown:
            raise UnknownMapping(
                _("Unknown shop warehouse or hub warehouse: %(what)s.") % {"what": str(unknown)}
            ) from None
        if not changed:
            return 0
        _refuse_open_orders(locked)
        before = {row.location_id: _code(row.warehouse) for row, _ in changed}
        locations.apply(changed)
        after = {row.location_id: _code(warehouse) for row, warehouse in changed}
        activity.record(
            None,
            activity.Action.INTEGRATION_SETTINGS,
            locked,
            before={"locations": before},
            after={"locations": after},
        )
        pusher.mark_account_dirty(locked)
    if locked.push_stock:
        transaction.on_commit(lambda: tasks.push_stock(locked.pk))
    return len(changed)


def _code(warehouse: object) -> str:
    return str(getattr(warehouse, "code", "")) or "—"


def _refuse_open_orders(account: ChannelAccount) -> None:
    holding = orders_holding_stock(account)
    if holding:
        raise MappingRefused(
            _(
                "Open orders of %(shop)s hold stock (%(count)s). They release or ship it from "
                "the warehouse they were reserved in, so the shop's locations cannot change "
                "warehouse under them. Ship or cancel those orders first, then change the "
                "mapping."
            )
            % {"count": holding, "shop": account.shop_name}
        )
