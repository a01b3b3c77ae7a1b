"""Drift repair: keep what the shops show equal to the master stock when a marketplace changes
a listing's stock by itself.

The pusher assumes a shop shows what the hub last pushed. Marketplaces break that: Tokopedia
puts the units of an order cancelled after shipping back on sale, a seller edits stock in the
seller centre, Shopee and TikTok Shop take stock for unpaid orders. Two ways in:

- **Reports** (:func:`note_reports`): a product-change webhook says what a listing shows now
  (a :class:`~satustok.channels.protocol.StockReport`), or only that it changed.
- **Read-back** (:func:`read_back`): every ``SATUSTOK_DRIFT_CHECK_SECONDS`` the linked
  listings' stock is read through the channel's catalogue pages, at most
  ``SATUSTOK_DRIFT_CHECK_PAGES`` pages a round (a larger shop goes on from that page in the
  next minute's round), so a lost webhook or a channel that sends none is caught too.

A listing showing something other than the hub last pushed is *drifted*: the hub no longer
knows what the shop shows (``last_pushed_qty`` becomes unknown), the cause and the shown value
are kept on it, and it is marked due. The pusher then sends the master value (level-triggered,
as for any change) and its :class:`~satustok.sync.models.PushRecord` carries the cause: the
sync log reads "drift repaired: shop showed 7, hub pushed 5 (cause: seller edit)". The shown
value is never taken as the hub's belief: a report can be old (a late echo of an earlier push,
a reordered webhook, a page read before the last push landed), and believing it would leave the
shop showing a stale value that no later change corrects. At worst an old report costs one push
of the value the shop already shows. The push waits ``SATUSTOK_DRIFT_GRACE_SECONDS``: a
marketplace's stock change after a sale often comes before the order's own webhook, and the
master value is right only once the order has moved it.

Only integrations with *push stock* on are repaired (otherwise the shop's stock is the seller's
to keep), never a paused one (approval ended) or one whose shop moved elsewhere.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from satustok.channels import registry
from satustok.channels.http.errors import ChannelError
from satustok.channels.models import ChannelAccount, Health, Listing
from satustok.channels.protocol import ChannelUnit, StockCause, StockReport
from satustok.core.bulk import update_values

log = logging.getLogger(__name__)

# A read-back round stops reading pages after this long, so that the next minute's round
# (a periodic task) never overlaps it on the same integration.
ROUND_SECONDS = 40.0

COMPARED_FIELDS = ("id", "account_id", "external_id", "last_pushed_qty", "needs_push")


def repairs(account: ChannelAccount) -> bool:
    """Does the hub keep this integration's stock (and so repair its drift)?"""
    return (
        account.push_stock
        and account.moved_to_id is None
        and account.health != Health.NEEDS_RECONNECT
    )


def note_reports(account: ChannelAccount, reports: Iterable[StockReport]) -> int:
    """Compare a channel's stock reports with what the hub pushed; mark the drifted listings
    for the master value. Returns how many drifted.

    A report the channel says a sale caused is left to the order behind it: the order moves
    the master (by webhook, or the poller if the webhook is lost), and the pusher follows.
    Repairing it would put the sold unit back on the shop until the order arrives."""
    latest = {report.external_id: report for report in reports if report.cause != StockCause.SALE}
    if not latest or not repairs(account):
        return 0
    drifted = [
        (listing, latest[listing.external_id])
        for listing in _comparable(account, latest)
        if _differs(listing, latest[listing.external_id].quantity)
    ]
    mark_drifted(account, drifted)
    return len(drifted)


def _comparable(account: ChannelAccount, external_ids: Iterable[str]) -> list[Listing]:
    """The linked, pushable listings among these ids (never-pushed ones are left to the
    switch that turned pushing on: it marks every linked listing)."""
    return list(
        Listing.objects.filter(
            account=account,
            external_id__in=list(external_ids),
            variant__isnull=False,
            push_blocked=False,
            last_pushed_qty__isnull=False,
        ).only(*COMPARED_FIELDS)
    )


def _differs(listing: Listing, shown: int | None) -> bool:
    """``None``: the channel said the stock changed without the value; push it again."""
    return shown is None or shown != listing.last_pushed_qty


def mark_drifted(account: ChannelAccount, drifted: Sequence[tuple[Listing, StockReport]]) -> None:
    """Record each drift on its listing and mark it due after the grace; nudge the pusher."""
    if not drifted:
        return
    grace = settings.SATUSTOK_DRIFT_GRACE_SECONDS
    not_before = timezone.now() + timedelta(seconds=grace) if grace > 0 else None
    for listing, report in drifted:
        log.info(
            "listing %s drifted: shows %s, hub pushed %s (%s)",
            listing.pk,
            report.quantity,
            listing.last_pushed_qty,
            report.cause,
            extra={"integration": account.pk, "listing": listing.pk},
        )
    ids = [listing.pk for listing, _ in drifted]
    with transaction.atomic():
        update_values(
            Listing,
            ["last_pushed_qty", "drift_shown", "drift_cause", "needs_push"],
            [(None, r.quantity, r.cause, True, listing.pk) for listing, r in drifted],
            increment=["dirty_version"],  # a pusher holding the old version keeps it due
        )
        marked = Listing.objects.filter(pk__in=ids)
        if not_before is not None:  # a backoff already later than the grace is kept
            marked.filter(Q(push_retry_at__isnull=True) | Q(push_retry_at__lt=not_before)).update(
                push_retry_at=not_before
            )
        transaction.on_commit(lambda: _nudge(account.pk, grace))


def _nudge(account_id: int, grace: float) -> None:
    from satustok.sync import tasks  # tasks import this module

    if grace > 0:
        tasks.push_stock.schedule((account_id,), delay=grace)
    else:
        tasks.push_stock(account_id)


# --- read-back ------------------------------------------------------------------------------


def accounts_to_check() -> list[int]:
    """Integrations whose read-back is due: a round was never run, or the last full pass
    started ``SATUSTOK_DRIFT_CHECK_SECONDS`` ago, or a pass is half-way (it goes on)."""
    since = timezone.now() - timedelta(seconds=settings.SATUSTOK_DRIFT_CHECK_SECONDS)
    due = Q(drift_checked_at__isnull=True) | Q(drift_checked_at__lte=since) | Q(drift_page__gt=1)
    candidates = ChannelAccount.objects.filter(due, push_stock=True, moved_to__isnull=True)
    return list(
        candidates.exclude(health=Health.NEEDS_RECONNECT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def read_back(account_id: int) -> int:
    """One read-back round of an integration: up to ``SATUSTOK_DRIFT_CHECK_PAGES`` catalogue
    pages from where the last round stopped. Returns how many listings drifted."""
    account = ChannelAccount.objects.get(pk=account_id)
    if not repairs(account):
        return 0
    page, drifted = account.drift_page, 0
    source = registry.connector(account.channel).catalog_source(account)
    ends = time.monotonic() + ROUND_SECONDS
    try:
        for _ in range(max(1, settings.SATUSTOK_DRIFT_CHECK_PAGES)):
            if time.monotonic() > ends:
                break  # the next minute's round goes on from here
            units = source.page(page).units
            if not units:
                page = 1  # the pass is complete
                break
            drifted += compare_units(account, units)
            page += 1
    except ChannelError as error:
        log.warning(
            "drift read-back of integration %s stopped at page %s: %s",
            account_id,
            page,
            type(error).__name__,
            extra={"integration": account_id},
        )
    finally:
        source.close()
    _remember(account, page)
    return drifted


def _remember(account: ChannelAccount, page: int) -> None:
    """Where the next round starts; a finished pass also starts the interval again."""
    fields: dict[str, object] = {"drift_page": page}
    if page == 1:
        fields["drift_checked_at"] = timezone.now()
    ChannelAccount.objects.filter(pk=account.pk).update(**fields)


def compare_units(account: ChannelAccount, units: Iterable[ChannelUnit]) -> int:
    """Compare a page of the shop's units with what the hub pushed. A listing already due is
    left alone: its push is coming, and the page may have been read before the last one."""
    shown = {unit.external_id: unit.stock for unit in units if unit.stock_known}
    drifted = [
        (
            listing,
            StockReport(listing.external_id, shown[listing.external_id], StockCause.READ_BACK),
        )
        for listing in _comparable(account, shown)
        if not listing.needs_push and shown[listing.external_id] != listing.last_pushed_qty
    ]
    mark_drifted(account, drifted)
    return len(drifted)
