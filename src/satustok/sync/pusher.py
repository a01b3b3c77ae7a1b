"""The stock pusher: converge every listing of an integration to its desired quantity.

Level-triggered (ARCHITECTURE-BRIEF "the one idea"): a stock change marks listings dirty in
its own transaction (:func:`mark_dirty`, connected to ``inventory.stock.stock_changed``); the
pusher of one integration takes the dirty listings, computes what each should show *now*
(coalescing any burst into the latest value), sends only what differs from what was last
pushed, records every row, and clears a listing only if nothing changed it meanwhile (its
``dirty_version`` is still the one read). Jobs are nudges; a periodic sweep finds whatever a lost
nudge left dirty. A crash, a duplicate nudge or a 429 delays convergence, never corrupts it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from satustok.catalog.models import Variant
from satustok.channels import health, registry
from satustok.channels.http.errors import AuthorizationEnded, ChannelError
from satustok.channels.models import ChannelAccount, Health, Listing
from satustok.channels.protocol import PushOutcome, StockPush
from satustok.core import activity
from satustok.core.bulk import update_values
from satustok.inventory import stock
from satustok.sync import rules
from satustok.sync.models import PushRecord, PushResult

log = logging.getLogger(__name__)

CLAIM_LIMIT = 1000  # listings read per round; the connector chunks them to the channel's limit
MARK_CHUNK = 500  # variant ids per UPDATE (SQLite's variable limit)
RETRY_BACKOFF = (2, 5, 15, 60, 300)  # seconds after the 1st, 2nd, … consecutive failure


@dataclass
class PushSummary:
    sent: int = 0
    ok: int = 0
    failed: int = 0
    retrying: int = 0
    unchanged: int = 0
    calls: int = 0
    batches: list[str] = field(default_factory=list)


# --- marking ------------------------------------------------------------------------------


def mark_dirty(warehouse_id: int, variant_ids: Sequence[int]) -> set[int]:
    """Mark the listings fed by these levels for a push; returns the integrations to nudge."""
    fed = set(ChannelAccount.objects.filter(warehouse_id=warehouse_id).values_list("pk", flat=True))
    accounts: set[int] = set()
    for start in range(0, len(variant_ids), MARK_CHUNK):
        chunk = list(variant_ids[start : start + MARK_CHUNK])
        # Found by variant, then kept by integration in Python: filtering both in SQL let SQLite
        # (without statistics) walk every listing of the integration through its (account, sku)
        # index for each chunk — half of a 10,000-unit import's apply time.
        found = Listing.objects.filter(variant_id__in=chunk).values_list("pk", "account_id")
        marked = [(pk, account) for pk, account in found if account in fed]
        Listing.objects.filter(pk__in=[pk for pk, _ in marked]).update(
            needs_push=True, dirty_version=F("dirty_version") + 1
        )
        accounts.update(account for _, account in marked)
    return accounts


def mark_variants_dirty(variant_ids: Sequence[int]) -> set[int]:
    """Mark every linked listing of these variants for a push, whichever warehouse feeds its
    integration (a master archived or brought back changes what all of them should show);
    returns the integrations to nudge (``tasks.nudge_after_commit``)."""
    accounts: set[int] = set()
    for start in range(0, len(variant_ids), MARK_CHUNK):
        found = Listing.objects.filter(variant_id__in=variant_ids[start : start + MARK_CHUNK])
        accounts.update(found.values_list("account_id", flat=True).distinct())
        found.update(needs_push=True, dirty_version=F("dirty_version") + 1)
    return accounts


def mark_account_dirty(account: ChannelAccount) -> None:
    account.listings.filter(variant__isnull=False).update(
        needs_push=True, dirty_version=F("dirty_version") + 1, push_blocked=False, push_error=""
    )


class PushRefused(ValueError):
    """Pushing cannot be switched on: the shop moved to another integration, which pushes."""


def set_push_stock(account: ChannelAccount, enabled: bool) -> None:
    """Switch pushing on or off. Switching on pushes every linked listing once, so the channel
    shows the master stock from that moment (including any import mismatch). A moved
    integration is refused: two integrations pushing one shop would fight."""
    if enabled and account.moved_to_id is not None:
        raise PushRefused(
            _("This shop moved to %(other)s, which pushes its stock now.")
            % {"other": str(account.moved_to)}
        )
    with transaction.atomic():
        before = account.push_stock
        ChannelAccount.objects.filter(pk=account.pk).update(push_stock=enabled)
        account.push_stock = enabled
        activity.record(
            None,
            activity.Action.PUSH_SWITCHED,
            account,
            before={"push_stock": before},
            after={"push_stock": enabled},
        )
        if enabled:
            mark_account_dirty(account)
    if enabled:
        from satustok.sync import tasks

        transaction.on_commit(lambda: tasks.push_stock(account.pk))


# --- pushing ------------------------------------------------------------------------------


TRAILING_LOOKS = 2  # empty looks, ``coalesce`` apart, before a pusher lets go
LEASE_SECONDS = 60  # renewed every round; a killed pusher blocks its integration this long


class PushBusy(Exception):
    """Another worker is pushing this integration right now."""


def push_account(account_id: int) -> PushSummary:
    """Push until nothing due is left dirty. Safe to run twice: the second finds nothing.
    Raises :class:`PushBusy` when another worker holds the integration's lease."""
    summary = PushSummary()
    account = ChannelAccount.objects.select_related("warehouse").get(pk=account_id)
    if not account.push_stock or account.health == Health.NEEDS_RECONNECT:
        return summary  # paused: the listings stay dirty and go out after Reconnect
    if not _take_lease(account_id):
        raise PushBusy(account_id)
    try:
        for claimed in _rounds(account):
            _push_round(account, claimed, summary)
            _take_lease(account_id, renew=True)
    except PushPaused:
        log.warning("push to integration %s paused: reconnect needed", account_id)
    finally:
        ChannelAccount.objects.filter(pk=account_id).update(push_lease_until=None)
    return summary


def _rounds(account: ChannelAccount) -> Iterator[list[Listing]]:
    """The claims to push, one round at a time. The first round goes at once (a lone sale
    reaches the other shops without delay); later rounds start at least ``coalesce`` seconds
    apart, and after pushing the pusher looks again ``TRAILING_LOOKS`` times before letting go,
    so a burst of sales becomes a few large calls instead of one call per sale. While listings
    change faster than :data:`FLOOD_ROWS_PER_SECOND`, each round also waits for the flood to
    pause (:func:`_wait_for_pause`).
    A pusher that found nothing looks once more, ``coalesce`` later: a nudge skipped because
    this one was queued just before it (``tasks.nudge_after_commit``) is seen by that look."""
    coalesce = settings.SATUSTOK_PUSH_COALESCE_MS / 1000
    longest = max(coalesce, settings.SATUSTOK_PUSH_FLOOD_WAIT_MS / 1000)
    last_start, idle_looks, pushed, flood = float("-inf"), 0, False, False
    while idle_looks <= (0 if not coalesce else TRAILING_LOOKS if pushed else 1):
        time.sleep(max(0.0, last_start + coalesce - time.monotonic()))
        if flood:
            _wait_for_pause(account, max(coalesce, FLOOD_PAUSE), until=last_start + longest)
        claimed = _claim(account)
        since_last, last_start = time.monotonic() - last_start, time.monotonic()
        if not claimed:
            idle_looks, flood = idle_looks + 1, False
            continue
        idle_looks, pushed = 0, True
        threshold = FLOOD_ENDS_BELOW if flood else FLOOD_ROWS_PER_SECOND
        flood = bool(coalesce) and len(claimed) >= threshold * since_last
        yield claimed


# Listings changed per second from which a flood is pouring in (a flash sale): 10 orders a
# second over a thousand products (36,000 an hour) still go out every ``coalesce``. A flood
# ends below a lower rate: a round after a wait holds at most every product once, and 50
# products a second over a one-second wait flipped in and out of flood (22–29 calls, not 20).
FLOOD_ROWS_PER_SECOND = 50
FLOOD_ENDS_BELOW = 10
# The pause that ends a wait: longer than the gaps between the commits of webhook batches while
# a flood lasts (100–200 ms under load; a 100 ms pause took a round per batch, 22 calls not 15).
FLOOD_PAUSE = 0.3


def _wait_for_pause(account: ChannelAccount, quiet: float, until: float) -> None:
    """Wait until the integration's due listings stop changing for ``quiet`` seconds, or until
    ``until`` (monotonic). While sales pour in, every round pushes only the latest values, so
    waiting costs no correctness: a 1,000-order burst took one call per 100 ms window (45 to 90
    calls) and now takes about one per ``SATUSTOK_PUSH_FLOOD_WAIT_MS``; when the flood stops,
    the last values go out ``quiet`` later, not a whole wait later."""
    seen = _dirty_marker(account)
    while (left := until - time.monotonic()) > 0:
        time.sleep(min(quiet, left))
        now = _dirty_marker(account)
        if now == seen:
            return
        seen = now


def _dirty_marker(account: ChannelAccount) -> tuple[int, int]:
    """Changes the moment any listing of the integration is marked (again) for a push."""
    dirty = account.listings.filter(needs_push=True).aggregate(
        rows=Count("id"), versions=Sum("dirty_version")
    )
    return dirty["rows"] or 0, dirty["versions"] or 0


def _take_lease(account_id: int, renew: bool = False) -> bool:
    """One conditional UPDATE: whoever changes the row holds the lease."""
    now = timezone.now()
    rows = ChannelAccount.objects.filter(pk=account_id)
    if not renew:
        rows = rows.filter(Q(push_lease_until__isnull=True) | Q(push_lease_until__lt=now))
    return rows.update(push_lease_until=now + timedelta(seconds=LEASE_SECONDS)) == 1


CLAIMED_FIELDS = (
    "id", "account_id", "external_id", "variant_id", "last_pushed_qty", "dirty_version",
    "push_failures", "drift_cause", "drift_shown",
)  # fmt: skip


def _claim(account: ChannelAccount) -> list[Listing]:
    due = Q(push_retry_at__isnull=True) | Q(push_retry_at__lte=timezone.now())
    # ``account_id`` is among the loaded fields: through ``account.listings`` Django sets each
    # row's ``account`` after reading its ``account_id``, and a deferred one cost a query per
    # row (1,000 extra queries a full round; a quarter of a worker's time draining a backlog).
    return list(
        account.listings.filter(due, needs_push=True, push_blocked=False, variant__isnull=False)
        .order_by("id")
        .only(*CLAIMED_FIELDS)[:CLAIM_LIMIT]
    )


def desired_quantities(account: ChannelAccount, listings: Iterable[Listing]) -> dict[int, int]:
    """What each listing should show (see :func:`explained_quantities`)."""
    return {pk: found.quantity for pk, found in explained_quantities(account, listings).items()}


def explained_quantities(
    account: ChannelAccount, listings: Iterable[Listing]
) -> dict[int, rules.Explained]:
    """What each listing should show, and why: available in the integration's warehouse, never
    below 0 (an oversold SKU shows 0 everywhere), through the allocations, priority stores and
    push rules that apply (``sync/rules.py``), and never above what the channel can show (else
    the shop would always seem to show less than was pushed, and drift repair would never end).
    A variant of an archived master is no longer sold: 0, whatever its stock."""
    listings = list(listings)
    variant_ids = [lst.variant_id for lst in listings]
    available = stock.available_many(account.warehouse_id, variant_ids)
    archived = _archived(variant_ids)
    ceiling = registry.connector(account.channel).max_shown_stock
    context = rules.load_context(account, listings)
    found = {}
    for listing in listings:
        variant_id = listing.variant_id or 0
        have = available.get(variant_id, 0)
        if variant_id in archived:
            found[listing.pk] = rules.Explained(
                0, (_("available %(n)d") % {"n": have}, _("archived → 0"))
            )
            continue
        rule, own = context.rule_for(listing.pk)
        found[listing.pk] = rules.explain(
            have,
            rule=rule,
            own_rule=own,
            held_elsewhere=context.held_elsewhere.get(variant_id, 0),
            priority=context.priority_for(variant_id),
            account_id=account.pk,
            ceiling=ceiling,
        )
    return found


def _archived(variant_ids: Iterable[int | None]) -> set[int]:
    """The variants among these whose master is archived (one indexed query a round)."""
    ids = [variant_id for variant_id in variant_ids if variant_id is not None]
    found = Variant.objects.filter(pk__in=ids, product__archived_at__isnull=False)
    return set(found.values_list("pk", flat=True))


def _push_round(account: ChannelAccount, claimed: list[Listing], summary: PushSummary) -> None:
    explained = explained_quantities(account, claimed)
    desired = {pk: found.quantity for pk, found in explained.items()}
    unchanged = [lst for lst in claimed if lst.last_pushed_qty == desired[lst.pk]]
    with transaction.atomic():  # one commit for the lot (see :func:`_settle`)
        _clear(unchanged)
        # Unchanged after a drift: a later push already set the shop (its belief is known again).
        _forget_drift([lst for lst in unchanged if lst.drift_cause])
    summary.unchanged += len(unchanged)
    to_send = [lst for lst in claimed if lst.last_pushed_qty != desired[lst.pk]]
    if to_send:
        outcomes = _send(account, to_send, desired, summary)
        _settle(account, to_send, explained, outcomes, summary)


def _send(
    account: ChannelAccount, listings: list[Listing], desired: dict[int, int], summary: PushSummary
) -> dict[str, PushOutcome]:
    connector = registry.connector(account.channel)
    pushes = [StockPush(lst.external_id, desired[lst.pk]) for lst in listings]
    summary.sent += len(pushes)
    summary.calls += -(-len(pushes) // connector.max_push_batch)
    try:
        outcomes = connector.push_stock(account, pushes)
    except AuthorizationEnded as error:
        raise PushPaused(account.pk) from error  # nothing recorded: the rows stay due
    except ChannelError as error:
        health.observe(account, error)
        return _all_failed(pushes, error)
    health.observe(account)
    return {outcome.external_id: outcome for outcome in outcomes}


def _all_failed(pushes: list[StockPush], error: ChannelError) -> dict[str, PushOutcome]:
    """The call as a whole failed (timeout, 5xx after retries, 429): every row retries later."""
    message = f"{type(error).__name__}: {error.error_code or error.status or ''}".strip(": ")
    return {p.external_id: PushOutcome(p.external_id, ok=False, message=message) for p in pushes}


class PushPaused(Exception):
    """The seller's approval of the app ended (the adapter marked the integration
    ``NEEDS_RECONNECT``): pushing pauses instead of counting failures, until Reconnect."""


def _settle(
    account: ChannelAccount,
    listings: list[Listing],
    explained: dict[int, rules.Explained],
    outcomes: dict[str, PushOutcome],
    summary: PushSummary,
) -> None:
    """Write what the channel answered for a round: one transaction, a few statements. On
    SQLite a round of single-row commits queued each one behind every concurrent stock move
    for the write lock, and a pusher sat idle for seconds while a burst was still arriving."""
    batch = uuid.uuid4().hex[:12]
    summary.batches.append(batch)
    settled = Settled()
    for listing in listings:
        outcome = outcomes.get(listing.external_id) or PushOutcome(
            listing.external_id, ok=False, message="no answer for this row"
        )
        settled.add(account, listing, explained[listing.pk], outcome, batch)
    with transaction.atomic():
        settled.write()
    summary.ok += len(settled.ok)
    summary.failed += len(settled.blocked)
    summary.retrying += len(settled.retrying)


@dataclass
class Settled:
    """A round's outcomes sorted by what they do to their listings, then written at once."""

    ok: list[tuple[Listing, int]] = field(default_factory=list)
    blocked: list[tuple[Listing, str]] = field(default_factory=list)
    retrying: list[tuple[Listing, str]] = field(default_factory=list)
    records: list[PushRecord] = field(default_factory=list)

    def add(
        self,
        account: ChannelAccount,
        listing: Listing,
        explained: rules.Explained,
        outcome: PushOutcome,
        batch: str,
    ) -> None:
        quantity = explained.quantity
        if outcome.ok:
            self.ok.append((listing, quantity))
            result = PushResult.OK
        elif outcome.permanent:
            self.blocked.append((listing, outcome.message))
            log.warning(
                "listing %s blocked: %s",
                listing.pk,
                outcome.message,
                extra={"integration": account.pk, "listing": listing.pk},
            )
            result = PushResult.FAILED
        else:
            self.retrying.append((listing, outcome.message))
            result = PushResult.RETRY
        self.records.append(
            PushRecord(
                account=account,
                listing_id=listing.pk,
                quantity=quantity,
                result=result,
                message=outcome.message[:255],
                batch=batch,
                drift_cause=listing.drift_cause,
                shown_before=listing.drift_shown,
                explanation=explained.text[:255],
            )
        )

    def write(self) -> None:
        _pushed(self.ok)
        update_values(
            Listing,
            ["push_blocked", "push_error"],
            [(True, message[:255], listing.pk) for listing, message in self.blocked],
        )
        _retry_later(self.retrying)
        PushRecord.objects.bulk_create(self.records)


PUSHED_FIELDS = (
    "last_pushed_qty", "last_pushed_at", "push_error", "push_failures", "push_retry_at",
)  # fmt: skip


def _pushed(pushed: list[tuple[Listing, int]]) -> None:
    """Remember what the channel now shows; stay dirty if the stock moved while we pushed."""
    now = timezone.now()
    update_values(Listing, PUSHED_FIELDS, [(qty, now, "", 0, None, lst.pk) for lst, qty in pushed])
    _clear([listing for listing, _ in pushed])
    _forget_drift([listing for listing, _ in pushed if listing.drift_cause])


def _forget_drift(listings: list[Listing]) -> None:
    """The drift is repaired (its push recorded it) or gone: the listing forgets it."""
    update_values(Listing, ["drift_cause", "drift_shown"], [("", None, lst.pk) for lst in listings])


def _clear(listings: list[Listing]) -> None:
    """Clear the mark of each listing whose ``dirty_version`` is still the one claimed."""
    update_values(
        Listing,
        ["needs_push"],
        [(False, lst.pk, lst.dirty_version) for lst in listings],
        match=["dirty_version"],
    )


def _retry_later(retrying: list[tuple[Listing, str]]) -> None:
    now = timezone.now()
    rows = []
    for listing, message in retrying:
        failures = listing.push_failures + 1
        delay = RETRY_BACKOFF[min(failures, len(RETRY_BACKOFF)) - 1]
        rows.append((failures, now + timedelta(seconds=delay), message[:255], listing.pk))
    update_values(Listing, ["push_failures", "push_retry_at", "push_error"], rows)


def accounts_due() -> list[int]:
    """Integrations with something due to push (what the sweep nudges)."""
    due = Q(push_retry_at__isnull=True) | Q(push_retry_at__lte=timezone.now())
    return list(
        Listing.objects.filter(
            due,
            needs_push=True,
            push_blocked=False,
            variant__isnull=False,
            account__push_stock=True,
        )
        .exclude(account__health=Health.NEEDS_RECONNECT)
        .values_list("account_id", flat=True)
        .distinct()
    )
