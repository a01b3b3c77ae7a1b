"""Moving a shop from one integration to another: a legacy Tokopedia shop now served through
TikTok Shop's API is the case in point, but nothing here names a channel.

The seller connects the shop through the new channel and imports it (its listings link by SKU
to the masters the old integration's listings already use: no second master), then moves the
old integration over. At that moment:

- the old integration stops pushing (push off, health *moved*) and reads no new orders; it
  keeps following the orders it already had until they are final;
- the new one is fed by the same master warehouse (no stock jump) and pushes if the old one did;
- an order counts on one integration only, by when it was placed: before the move on the old
  one, from the move on the new one. The same sale seen through both APIs (the shop's orders
  were placed on Tokopedia and may be listed by TikTok Shop as well) is therefore reserved once:
  the other integration stores it with the effect *counted elsewhere*.

Refused, and nothing changed: moving an integration onto itself, one already moved, onto one
already moved, or onto one that has not imported its products yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount, Health
from satustok.orders.models import Order
from satustok.orders.status import FINAL
from satustok.sync import pusher


class MoveRefused(ValueError):
    """Why the move cannot be made (``reason``, a key of :data:`REFUSALS`, and its words in the
    active language); nothing was changed."""

    def __init__(self, reason: str) -> None:
        super().__init__(str(REFUSALS[reason]))
        self.reason = reason


@dataclass
class Moved:
    legacy: ChannelAccount
    successor: ChannelAccount
    carried_over: int  # masters the old integration's listings use that the new one lists too
    not_on_successor: list[str] = field(default_factory=list)  # SKUs only the old one listed
    open_orders: int = 0  # still followed by the old integration until final


REFUSALS = {
    "same": gettext_lazy("An integration cannot be moved onto itself."),
    "moved": gettext_lazy("This integration was already moved."),
    "successor_moved": gettext_lazy("The integration to move to was itself moved."),
    "not_imported": gettext_lazy(
        "Import the new integration's products first (Sync Product), so its listings link to "
        "the same master products."
    ),
}


def move_integration(legacy: ChannelAccount, successor: ChannelAccount) -> Moved:
    _check(legacy, successor)
    pushing = legacy.push_stock
    # Channels stamp orders to the second: the cut is on a whole second, so an order stamped
    # in the second of the move counts on the new integration, and on the old one never.
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        _retire(legacy, successor, now)
        successor.warehouse_id = legacy.warehouse_id
        successor.orders_from = now
        successor.save(update_fields=["warehouse", "orders_from"])
    if pushing and not successor.push_stock:
        pusher.set_push_stock(successor, True)  # the new one takes over at the master stock
    return _report(legacy, successor)


def _check(legacy: ChannelAccount, successor: ChannelAccount) -> None:
    if legacy.pk == successor.pk:
        raise MoveRefused("same")
    if legacy.moved_to_id is not None:
        raise MoveRefused("moved")
    if successor.moved_to_id is not None:
        raise MoveRefused("successor_moved")
    if not successor.listings.exists():
        raise MoveRefused("not_imported")


def _retire(legacy: ChannelAccount, successor: ChannelAccount, now: datetime) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        message = gettext("Moved to %(successor)s: that integration serves this shop now.") % {
            "successor": str(successor)
        }
    legacy.push_stock = False
    legacy.moved_to, legacy.moved_at = successor, now
    legacy.health, legacy.health_message = Health.MOVED, message
    legacy.save(update_fields=["push_stock", "moved_to", "moved_at", "health", "health_message"])
    legacy.listings.update(needs_push=False)


def _report(legacy: ChannelAccount, successor: ChannelAccount) -> Moved:
    old = set(legacy.listings.exclude(variant=None).values_list("variant", flat=True))
    new = set(successor.listings.exclude(variant=None).values_list("variant", flat=True))
    missing = Variant.objects.filter(pk__in=old - new).order_by("sku").values_list("sku", flat=True)
    still_open = Order.objects.filter(account=legacy).exclude(status__in=FINAL).count()
    return Moved(legacy, successor, len(old & new), list(missing), still_open)


def counts_here(account: ChannelAccount, ordered_at: datetime) -> bool:
    """Does an order placed at ``ordered_at`` move master stock through ``account``?"""
    if account.moved_at is not None and ordered_at >= account.moved_at:
        return False
    return account.orders_from is None or ordered_at >= account.orders_from
