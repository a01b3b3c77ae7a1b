"""The seller's stock controls, changed: an integration's or a listing's push rule, a campaign
allocation, a priority store. Each change is validated, logged, and marks the listings it
touches for a push in the same transaction (the pusher then shows the new quantities and
explains them, ``sync/rules.py``). An allocation that starts or ends is noticed by the minute
sweep (:func:`mark_turning_allocations`): it ends by itself.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount, Listing
from satustok.core import activity
from satustok.sync import pusher
from satustok.sync.models import Allocation, PriorityStore, PushRule
from satustok.sync.rules import Rule

__all__ = [
    "InvalidControl",
    "allocate",
    "clear_priority",
    "end_allocation",
    "mark_turning_allocations",
    "set_listing_rule",
    "set_priority",
    "set_rule",
]

TURNING_WINDOW = timedelta(minutes=3)  # the sweep runs every minute: a late one still sees it


class InvalidControl(ValueError):
    """A control the hub refuses, in words for the seller."""


def set_rule(account: ChannelAccount, rule: Rule) -> PushRule:
    """The integration's push rule (a plain rule — 100%, nothing kept back — is the default)."""
    _check(rule)
    with transaction.atomic():
        row, _created = PushRule.objects.update_or_create(
            account=account, listing=None, defaults=asdict(rule)
        )
        pusher.mark_account_dirty(account)
        _push_soon({account.pk})
        _log(account, {"rule": asdict(rule)})
    return row


def set_listing_rule(listing: Listing, rule: Rule | None) -> PushRule | None:
    """A listing's own rule (replacing the integration's), or none to follow it again."""
    if rule is not None:
        _check(rule)
    with transaction.atomic():
        if rule is None:
            PushRule.objects.filter(listing=listing).delete()
            row = None
        else:
            row, _created = PushRule.objects.update_or_create(
                listing=listing, defaults={"account": listing.account, **asdict(rule)}
            )
        if listing.variant_id is not None:
            _push_soon(pusher.mark_variants_dirty([listing.variant_id]))
        _log(listing, {"rule": asdict(rule) if rule else None})
    return row


def allocate(
    variant: Variant,
    account: ChannelAccount,
    quantity: int,
    starts_at: datetime,
    ends_at: datetime,
    note: str = "",
) -> Allocation:
    if quantity <= 0:
        raise InvalidControl(_("Allocate at least one unit."))
    if ends_at <= starts_at:
        raise InvalidControl(_("The allocation must end after it starts."))
    if ends_at <= timezone.now():
        raise InvalidControl(_("The allocation would already be over."))
    with transaction.atomic():
        row = Allocation.objects.create(
            variant=variant,
            account=account,
            quantity=quantity,
            starts_at=starts_at,
            ends_at=ends_at,
            note=note[:120],
        )
        _push_soon(pusher.mark_variants_dirty([variant.pk]))
        _log(variant, {"allocation": str(row), "from": str(starts_at), "until": str(ends_at)})
    return row


def end_allocation(allocation: Allocation) -> None:
    """End it now (a finished campaign, or one typed by mistake)."""
    with transaction.atomic():
        Allocation.objects.filter(pk=allocation.pk).delete()
        _push_soon(pusher.mark_variants_dirty([allocation.variant_id]))
        _log(allocation.variant, {"allocation ended": str(allocation)})


def set_priority(account: ChannelAccount, threshold: int, variant: Variant | None = None) -> None:
    """Only ``account`` sells the SKU (every SKU without its own, when ``variant`` is None)
    once its available is at or below ``threshold``."""
    if threshold < 0:
        raise InvalidControl(_("The threshold cannot be negative."))
    with transaction.atomic():
        _priority_rows(variant).delete()
        PriorityStore.objects.create(account=account, threshold=threshold, variant=variant)
        _mark_sku_or_all(variant)
        _log(variant or account, {"priority store": account.shop_name, "at or below": threshold})


def clear_priority(variant: Variant | None = None) -> None:
    with transaction.atomic():
        _priority_rows(variant).delete()
        _mark_sku_or_all(variant)


def mark_turning_allocations(now: datetime | None = None) -> list[int]:
    """The variants whose allocation started or ended lately, marked for a push (run every
    minute; marking twice costs one no-op push)."""
    now = now or timezone.now()
    since = now - TURNING_WINDOW
    turning = Allocation.objects.filter(
        Q(starts_at__gt=since, starts_at__lte=now) | Q(ends_at__gt=since, ends_at__lte=now)
    )
    variant_ids = sorted(set(turning.values_list("variant_id", flat=True)))
    if variant_ids:
        _push_soon(pusher.mark_variants_dirty(variant_ids))
    return variant_ids


def purge_ended_allocations(older_than: timedelta = timedelta(days=90)) -> int:
    deleted, _rows = Allocation.objects.filter(ends_at__lt=timezone.now() - older_than).delete()
    return deleted


def _priority_rows(variant: Variant | None) -> QuerySet[PriorityStore]:
    if variant is None:
        return PriorityStore.objects.filter(variant__isnull=True)
    return PriorityStore.objects.filter(variant=variant)


def _mark_sku_or_all(variant: Variant | None) -> None:
    if variant is not None:
        _push_soon(pusher.mark_variants_dirty([variant.pk]))
        return
    for account in ChannelAccount.objects.all():
        pusher.mark_account_dirty(account)
        _push_soon({account.pk})


def _push_soon(account_ids: set[int]) -> None:
    """A control changes what listings show now: their pushers are nudged once it commits
    (not left to the minute sweep)."""
    from satustok.sync import tasks  # tasks imports this module

    tasks.nudge_after_commit(account_ids)


def _check(rule: Rule) -> None:
    if not 0 <= rule.percent <= 100:
        raise InvalidControl(_("The share is a percentage from 0 to 100."))
    if rule.buffer < 0 or (rule.maximum is not None and rule.maximum < 0):
        raise InvalidControl(_("Quantities cannot be negative."))
    if rule.fixed is not None and rule.fixed < 0:
        raise InvalidControl(_("Quantities cannot be negative."))


def _log(target: Model, after: dict[str, object]) -> None:
    activity.record(None, activity.Action.STOCK_CONTROLS_CHANGED, target, after=after)
