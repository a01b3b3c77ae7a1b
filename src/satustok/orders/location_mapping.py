"""Changing which hub warehouse feeds each of a shop's own locations (``channels/locations.py``).

An order keeps the hub warehouse it was first seen in (``Order.warehouse``): a mapping changed
while orders are open applies to the orders that come after, and the open ones release, ship
and restock where they reserved. Every linked listing is then pushed again, per location.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from satustok.channels import locations
from satustok.channels.models import ChannelAccount
from satustok.core import activity
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
