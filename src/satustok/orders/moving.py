"""Moving a shop from one integration to another: a legacy Tokopedia shop now served through
TikTok Shop's API is the case in point, but nothing here names a channel.

The seller connects the shop through the new channel and imports it (its listings link by SKU
to the masters the old integration's listings already use: no second master), then moves the
old integration over. At that moment, in one transaction with both integrations locked:

- the old integration stops pushing and cannot be switched on again (health *moved*, which no
  later call changes); it keeps following the orders it had until they are final, and lists
  orders only up to the move, for a backfill's length after it (an order placed before the move
  but not seen yet — a lost webhook, a poll not run, an order listed only once paid — is its);
- the new one is fed by the same master warehouse (no stock jump) and pushes if either did
  (every linked listing once, at the master stock);
- an order counts on one integration only: one placed from the move on, on the new one; one
  placed before it, on the old one if the old one reports that storefront's orders (the cut is
  on a whole second: channels stamp orders to the second). So a Tokopedia-storefront sale seen
  through both APIs is counted once — the other integration stores it with the effect
  *counted elsewhere* — while a sale of a storefront only the new integration reports (TikTok
  Shop's own) is its own whenever placed. What either had already done with an order on the
  other's side (the new one's first polls backfill two days) is undone at the move.

Refused, and nothing changed: moving an integration onto itself, one already moved, onto one
already moved or already moved onto, or onto one that has not imported its products yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from satustok.catalog.models import Variant
from satustok.channels import registry
from satustok.channels.models import ChannelAccount, Health
from satustok.core import activity
from satustok.orders import effects
from satustok.orders.models import Order
from satustok.orders.status import FINAL, StockEffect
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
    handed_over: int = 0  # orders one integration held that the other counts: their effect undone


REFUSALS = {
    "same": gettext_lazy("An integration cannot be moved onto itself."),
    "moved": gettext_lazy("This integration was already moved."),
    "successor_moved": gettext_lazy("The integration to move to was itself moved."),
    "other_marketplace": gettext_lazy(
        "The new integration does not serve every marketplace this one does: only a shop now "
        "reached through an API that also serves its marketplace can move onto it."
    ),
    "already_moved_here": gettext_lazy(
        "Another integration was already moved onto this one; a shop moves here once."
    ),
    "not_imported": gettext_lazy(
        "Import the new integration's products first (Sync Product), so its listings link to "
        "the same master products."
    ),
}


def move_integration(legacy: ChannelAccount, successor: ChannelAccount) -> Moved:
    """One transaction with both integrations locked (in id order), so two moves at once — a
    double click, or the same integration moved twice — cannot both pass the checks."""
    # Channels stamp orders to the second: the cut is on a whole second, so an order stamped
    # in the second of the move counts on the new integration, and on the old one never.
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        old, new = _locked(legacy.pk, successor.pk)
        _check(old, new)
        pushing = old.push_stock or new.push_stock
        _retire(old, new, now)
        _take_over(new, old.warehouse_id, now, pushing)
        handed_over = _hand_over(old, new)
        activity.record(
            None,
            activity.Action.INTEGRATION_MOVED,
            old,
            before={"orders_from": None},
            after={"moved_to": new.pk, "moved_to_name": str(new), "handed_over": handed_over},
        )
    legacy.refresh_from_db()  # the caller's objects say what was done
    successor.refresh_from_db()
    return _report(legacy, successor, handed_over)


def _locked(legacy_id: int, successor_id: int) -> tuple[ChannelAccount, ChannelAccount]:
    rows = ChannelAccount.objects.select_for_update().filter(pk__in=(legacy_id, successor_id))
    found = {account.pk: account for account in rows.order_by("pk")}
    return found[legacy_id], found[successor_id]


def _check(legacy: ChannelAccount, successor: ChannelAccount) -> None:
    if legacy.pk == successor.pk:
        raise MoveRefused("same")
    if legacy.moved_to_id is not None:
        raise MoveRefused("moved")
    if successor.moved_to_id is not None:
        raise MoveRefused("successor_moved")
    if not may_move_onto(legacy, successor):
        raise MoveRefused("other_marketplace")
    if successor.orders_from is not None:
        # A second cut would leave the orders between the two counted by no integration.
        raise MoveRefused("already_moved_here")
    if not successor.listings.exists():
        raise MoveRefused("not_imported")


def _take_over(successor: ChannelAccount, warehouse_id: int, now: datetime, pushing: bool) -> None:
    """The same master warehouse feeds it; it pushes if either did (every linked listing once:
    the warehouse may have changed, and the shop must show the master stock from now on)."""
    successor.warehouse_id = warehouse_id
    successor.orders_from = now
    successor.save(update_fields=["warehouse", "orders_from"])
    if pushing:
        pusher.set_push_stock(successor, True)  # the nudge goes out when this commits


def _hand_over(legacy: ChannelAccount, successor: ChannelAccount) -> int:
    """Orders each integration already holds on the other's side of the cut: the new one's
    from before the move (its first polls backfill two days), the old one's from after it. The
    other integration counts them, so what these did to stock is undone."""
    cut = successor.orders_from
    assert cut is not None
    candidates = Order.objects.filter(account=successor, ordered_at__lt=cut) | Order.objects.filter(
        account=legacy, ordered_at__gte=cut
    )
    count = 0
    for order in candidates.exclude(stock_effect=StockEffect.ELSEWHERE).order_by("pk"):
        locked = Order.objects.select_for_update().select_related("account").get(pk=order.pk)
        if counts_here(locked.account, locked.ordered_at, locked.storefront):
            continue  # a sale of a storefront only the new integration reports: still its
        effects.settle(locked, StockEffect.ELSEWHERE)
        locked.save(update_fields=["stock_effect", "updated_at"])  # the sales aggregates see it
        count += 1
    return count


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


def _report(legacy: ChannelAccount, successor: ChannelAccount, handed_over: int) -> Moved:
    old = set(legacy.listings.exclude(variant=None).values_list("variant", flat=True))
    new = set(successor.listings.exclude(variant=None).values_list("variant", flat=True))
    missing = Variant.objects.filter(pk__in=old - new).order_by("sku").values_list("sku", flat=True)
    still_open = Order.objects.filter(account=legacy).exclude(status__in=FINAL).count()
    return Moved(legacy, successor, len(old & new), list(missing), still_open, handed_over)


def counts_here(account: ChannelAccount, ordered_at: datetime, storefront: str = "") -> bool:
    """Does an order placed at ``ordered_at`` (on ``storefront``) move master stock through
    ``account``? Not on a moved integration from its move on; not on the integration it moved
    to before the move, if the old one reported that storefront's orders (it counted them)."""
    if account.moved_at is not None and ordered_at >= account.moved_at:
        return False
    if account.orders_from is None or ordered_at >= account.orders_from:
        return True
    return storefront_of(account, storefront) not in storefronts_moved_from(account)


def may_move_onto(legacy: ChannelAccount, successor: ChannelAccount) -> bool:
    """The new integration reports every storefront the old one did: the same shop, another
    API (whose sales it all sees from the move on)."""
    old = registry.describe(legacy.channel).own_storefronts
    return set(old) <= set(registry.describe(successor.channel).own_storefronts)


def storefront_of(account: ChannelAccount, storefront: str) -> str:
    return storefront or registry.describe(account.channel).own_storefronts[0]


def storefronts_moved_from(account: ChannelAccount) -> set[str]:
    """The storefronts whose orders the integrations moved onto ``account`` reported."""
    channels = account.moved_from.values_list("channel", flat=True)
    return {s for channel in channels for s in registry.describe(channel).own_storefronts}
