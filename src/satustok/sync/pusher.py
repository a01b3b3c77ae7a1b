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
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from satustok.catalog.models import Variant
from satustok.channels import health, locations, registry
from satustok.channels.http.errors import AuthorizationEnded, ChannelError
from satustok.channels.models import ChannelAccount, Health, Listing
from satustok.channels.protocol import PricePush, PushOutcome, StockPush
from satustok.core import activity
from satustok.core.bulk import update_values
from satustok.inventory import bundles, stock
from satustok.sync import rules
from satustok.sync.models import PushKind, PushRecord, PushResult

log = logging.getLogger(__name__)

CLAIM_LIMIT = 1000  # listings read per round; the connector chunks them to the channel's limit
MARK_CHUNK = 500  # variant ids per UPDATE (SQLite's variable limit)
RETRY_BACKOFF = (2, 5, 15, 60, 300)  # seconds after the 1st, 2nd, … consecutive failure


@dataclass(frozen=True)
class Track:
    """The columns one kind of push keeps on a listing and its integration. Stock and price
    (``sync/prices.py``) each have their own, so neither waits for, nor clears, the other;
    the lease, claim-by-version, settling and backoff below work on either."""

    kind: str  # a PushKind: what the sync log rows say they pushed
    dirty: str
    version: str
    blocked: str
    error: str
    retry_at: str
    failures: str
    last_value: str
    pushed_at: str
    lease: str
    urgent: str = ""  # stock only: the mark of a nearly sold-out SKU's listing


STOCK = Track(
    PushKind.STOCK, "needs_push", "dirty_version", "push_blocked", "push_error",
    "push_retry_at", "push_failures", "last_pushed_qty", "last_pushed_at", "push_lease_until",
    "push_urgent",
)  # fmt: skip


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


@dataclass(frozen=True)
class Marked:
    """What a stock change marked: the integrations to nudge, and those among them with a
    nearly sold-out SKU to push at once (:func:`urgent_variants`)."""

    accounts: frozenset[int]
    urgent: frozenset[int]


def mark_dirty(warehouse_id: int, variant_ids: Sequence[int]) -> Marked:
    """Mark the listings fed by these levels for a push (and urgent, those of a nearly
    sold-out SKU); returns the integrations to nudge, and which of them urgently."""
    fed = set(ChannelAccount.objects.filter(warehouse_id=warehouse_id).values_list("pk", flat=True))
    fed |= locations.accounts_fed_through_locations(warehouse_id)  # a shop location's warehouse
    if not fed:
        return Marked(frozenset(), frozenset())
    accounts: set[int] = set()
    urgent_accounts: set[int] = set()
    for start in range(0, len(variant_ids), MARK_CHUNK):
        chunk = list(variant_ids[start : start + MARK_CHUNK])
        # Found by variant, then kept by integration in Python: filtering both in SQL let SQLite
        # (without statistics) walk every listing of the integration through its (account, sku)
        # index for each chunk — half of a 10,000-unit import's apply time.
        found = Listing.objects.filter(variant_id__in=chunk).values_list(
            "pk", "account_id", "variant_id", "push_blocked"
        )
        marked = [row for row in found if row[1] in fed]
        if not marked:
            continue
        Listing.objects.filter(pk__in=[row[0] for row in marked]).update(
            needs_push=True, dirty_version=F("dirty_version") + 1
        )
        accounts.update(row[1] for row in marked)
        urgent = urgent_variants(warehouse_id, chunk)
        # A blocked listing is not claimed: marking it urgent would wake pushers for nothing.
        hot = [row for row in marked if row[2] in urgent and not row[3]]
        if hot:
            Listing.objects.filter(pk__in=[row[0] for row in hot]).update(push_urgent=True)
            urgent_accounts.update(row[1] for row in hot)
    return Marked(frozenset(accounts), frozenset(urgent_accounts))


def urgent_variants(warehouse_id: int, variant_ids: Sequence[int]) -> set[int]:
    """The variants among these with ``SATUSTOK_PUSH_URGENT_AT`` or fewer available left: in a
    sell-out every moment a shop still shows the last units sells them again, so their
    listings skip the windows that batch ordinary changes (0 turns urgency off)."""
    threshold = settings.SATUSTOK_PUSH_URGENT_AT
    if threshold <= 0:
        return set()
    available = stock.available_many(warehouse_id, variant_ids)
    return {variant for variant, have in available.items() if have <= threshold}


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
    switch_push(
        account,
        "push_stock",
        enabled,
        moved=_("This shop moved to %(other)s, which pushes its stock now."),
        action=activity.Action.PUSH_SWITCHED,
        when_on=_push_every_listing,
    )


def _push_every_listing(account: ChannelAccount) -> None:
    from satustok.sync import tasks

    mark_account_dirty(account)
    transaction.on_commit(lambda: tasks.push_stock(account.pk))


def switch_push(
    account: ChannelAccount,
    switch: str,
    enabled: bool,
    *,
    moved: str,
    action: str,
    when_on: Callable[[ChannelAccount], None],
) -> None:
    """Switch one kind of push (the integration's boolean ``switch``) on or off, in one
    transaction with its activity entry; ``when_on`` marks what switching on sends. A moved
    integration is refused (``moved``: the words, with the successor as ``%(other)s``)."""
    if enabled and account.moved_to_id is not None:
        raise PushRefused(moved % {"other": str(account.moved_to)})
    with transaction.atomic():
        before = getattr(account, switch)
        ChannelAccount.objects.filter(pk=account.pk).update(**{switch: enabled})
        setattr(account, switch, enabled)
        activity.record(None, action, account, before={switch: before}, after={switch: enabled})
        if enabled:
            when_on(account)


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
    if not take_lease(account_id):
        raise PushBusy(account_id)
    signal = wakeups.start(account_id)
    try:
        for claimed in _rounds(account, signal):
            _push_round(account, claimed, summary)
            take_lease(account_id, renew=True)
    except PushPaused:
        log.warning("push to integration %s paused: reconnect needed", account_id)
    finally:
        wakeups.forget(account_id, signal)
        release_lease(account_id)
    return summary


class Wakeups:
    """The pushers running in this process, each with a signal that an urgent listing of its
    integration was marked (set after that change committed). A pusher waiting between rounds
    wakes on it and claims at once; one about to let go looks again if it was set meanwhile
    (under the lock, so no signal falls between the look and the letting go)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signals: dict[int, threading.Event] = {}

    def start(self, account_id: int) -> threading.Event:
        with self._lock:
            signal = self._signals[account_id] = threading.Event()
            return signal

    def wake(self, account_id: int) -> bool:
        """Signal the integration's pusher here; False when none runs in this process."""
        with self._lock:
            signal = self._signals.get(account_id)
            if signal is None:
                return False
            signal.set()
            return True

    def running(self, account_id: int) -> bool:
        with self._lock:
            return account_id in self._signals

    def may_stop(self, account_id: int, signal: threading.Event) -> bool:
        """Whether the pusher may let go: no urgent change arrived since its last claim."""
        with self._lock:
            if signal.is_set():
                return False
            self.forget_locked(account_id, signal)
            return True

    def forget(self, account_id: int, signal: threading.Event) -> None:
        with self._lock:
            self.forget_locked(account_id, signal)

    def forget_locked(self, account_id: int, signal: threading.Event) -> None:
        """Only the pusher's own signal: a later pusher of the integration keeps its own."""
        if self._signals.get(account_id) is signal:
            del self._signals[account_id]


wakeups = Wakeups()


def _rounds(account: ChannelAccount, signal: threading.Event) -> Iterator[list[Listing]]:
    """The claims to push, one round at a time. The first round goes at once (a lone sale
    reaches the other shops without delay); later rounds start at least ``coalesce`` seconds
    apart, and after pushing the pusher looks again ``TRAILING_LOOKS`` times before letting go,
    so a burst of sales becomes a few large calls instead of one call per sale. While listings
    change faster than :data:`FLOOD_ROWS_PER_SECOND`, each round also waits for the flood to
    pause (:func:`_wait_for_pause`).
    A pusher that found nothing looks once more, ``coalesce`` later: a nudge skipped because
    this one was queued just before it (``tasks.nudge_after_commit``) is seen by that look.
    A listing of a nearly sold-out SKU (``push_urgent``) waits for none of this: its change
    wakes the pusher (``signal``, :class:`Wakeups`), which pushes the urgent listings alone at
    once, and goes on waiting for the ordinary round (which would spend the channel's rate
    budget on every changed listing each time: Tokopedia counts each row)."""
    coalesce = settings.SATUSTOK_PUSH_COALESCE_MS / 1000
    longest = max(coalesce, settings.SATUSTOK_PUSH_FLOOD_WAIT_MS / 1000)
    last_start, idle_looks, pushed, flood = float("-inf"), 0, False, False
    renewed = time.monotonic()
    while True:
        if idle_looks > (0 if not coalesce else TRAILING_LOOKS if pushed else 1):
            if wakeups.may_stop(account.pk, signal):
                return
            idle_looks = 0
        if time.monotonic() - renewed > LEASE_SECONDS / 3:  # looking without pushing, too
            take_lease(account.pk, renew=True)
            renewed = time.monotonic()
        urgent = signal.wait(max(0.0, last_start + coalesce - time.monotonic()))
        if flood and not urgent:
            quiet = max(coalesce, FLOOD_PAUSE)
            urgent = _wait_for_pause(account, quiet, until=last_start + longest, signal=signal)
        signal.clear()  # before claiming: a change signalled after this is claimed next round
        # Woken for urgency before the ordinary round is due: the urgent listings alone. With
        # nothing urgent left (a round took it just before), an ordinary look instead.
        hurry = urgent and _ordinary_round_not_due(last_start, coalesce, longest, flood)
        if hurry and (hurried := _claim(account, urgent_only=True)):
            yield hurried
            continue
        claimed = _claim(account)
        since_last, last_start = time.monotonic() - last_start, time.monotonic()
        if not claimed:
            idle_looks, flood = idle_looks + 1, False
            continue
        idle_looks, pushed = 0, True
        threshold = FLOOD_ENDS_BELOW if flood else FLOOD_ROWS_PER_SECOND
        flood = bool(coalesce) and len(claimed) >= threshold * since_last
        yield claimed


def _ordinary_round_not_due(
    last_start: float, coalesce: float, longest: float, flood: bool
) -> bool:
    """Whether the ordinary round is still to wait: its window, or a flood's pause."""
    return time.monotonic() < last_start + (longest if flood else coalesce)


# Listings changed per second from which a flood is pouring in (a flash sale): 10 orders a
# second over a thousand products (36,000 an hour) still go out every ``coalesce``. A flood
# ends below a lower rate: a round after a wait holds at most every product once, and 50
# products a second over a one-second wait flipped in and out of flood (22–29 calls, not 20).
FLOOD_ROWS_PER_SECOND = 50
FLOOD_ENDS_BELOW = 10
# The pause that ends a wait: longer than the gaps between the commits of webhook batches while
# a flood lasts (100–200 ms under load; a 100 ms pause took a round per batch, 22 calls not 15).
FLOOD_PAUSE = 0.3


def _wait_for_pause(
    account: ChannelAccount, quiet: float, until: float, signal: threading.Event
) -> bool:
    """Wait until the integration's due listings stop changing for ``quiet`` seconds, or until
    ``until`` (monotonic); True when an urgent listing was marked meanwhile (signalled in this
    process, or seen in the database when another process marked it): it goes out at once.
    While sales pour in, every round pushes only the latest values, so waiting costs no
    correctness: a 1,000-order burst took one call per 100 ms window (45 to 90 calls) and now
    takes about one per ``SATUSTOK_PUSH_FLOOD_WAIT_MS``; when the flood stops, the last values
    go out ``quiet`` later, not a whole wait later."""
    seen = _dirty_marker(account)
    while (left := until - time.monotonic()) > 0:
        if signal.wait(min(quiet, left)) or _urgent_due(account):
            return True
        now = _dirty_marker(account)
        if now == seen:
            return False
        seen = now
    return False


def _urgent_due(account: ChannelAccount) -> bool:
    """An urgent listing of the integration is due (marked by another process, say)."""
    return _due(account, urgent_only=True).exists()


def _dirty_marker(account: ChannelAccount) -> tuple[int, int]:
    """Changes the moment any listing of the integration is marked (again) for a push."""
    dirty = account.listings.filter(needs_push=True).aggregate(
        rows=Count("id"), versions=Sum("dirty_version")
    )
    return dirty["rows"] or 0, dirty["versions"] or 0


def take_lease(account_id: int, renew: bool = False, track: Track = STOCK) -> bool:
    """One conditional UPDATE: whoever changes the row holds the lease."""
    now = timezone.now()
    rows = ChannelAccount.objects.filter(pk=account_id)
    if not renew:
        free = Q(**{f"{track.lease}__isnull": True}) | Q(**{f"{track.lease}__lt": now})
        rows = rows.filter(free)
    return rows.update(**{track.lease: now + timedelta(seconds=LEASE_SECONDS)}) == 1


def release_lease(account_id: int, track: Track = STOCK) -> None:
    ChannelAccount.objects.filter(pk=account_id).update(**{track.lease: None})


CLAIMED_FIELDS = (
    "id", "account_id", "external_id", "variant_id", "last_pushed_qty", "dirty_version",
    "push_failures", "drift_cause", "drift_shown", "last_pushed_locations",
)  # fmt: skip


def _claim(account: ChannelAccount, urgent_only: bool = False) -> list[Listing]:
    # ``account_id`` is among the loaded fields: through ``account.listings`` Django sets each
    # row's ``account`` after reading its ``account_id``, and a deferred one cost a query per
    # row (1,000 extra queries a full round; a quarter of a worker's time draining a backlog).
    return list(
        _due(account, urgent_only)
        .order_by("-push_urgent", "id")  # a nearly sold-out SKU's first, ahead of any backlog
        .only(*CLAIMED_FIELDS)[:CLAIM_LIMIT]
    )


def _due(account: ChannelAccount, urgent_only: bool = False) -> QuerySet[Listing]:
    """The integration's listings due for a push (or only the urgent ones)."""
    due = Q(push_retry_at__isnull=True) | Q(push_retry_at__lte=timezone.now())
    if urgent_only:
        due &= Q(push_urgent=True)
    return account.listings.filter(due, needs_push=True, push_blocked=False, variant__isnull=False)


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
    A variant of an archived master is no longer sold: 0, whatever its stock.
    A shop pushed per location (``channels/locations.py``) shows the sum of its locations,
    each explained in turn (:func:`located_quantities`)."""
    return located_quantities(account, listings)[0]


Located = tuple[dict[int, rules.Explained], dict[int, dict[str, int]]]


def located_quantities(account: ChannelAccount, listings: Iterable[Listing]) -> Located:
    """What each listing should show and why, and, for a shop pushed per location, what each
    of its locations should show (``{listing id: {location id: quantity}}``; empty otherwise).
    Each location goes through the same rules from its own hub warehouse's available."""
    listings = list(listings)
    context = rules.load_context(account, listings)
    plan = locations.push_plan(account)
    if not plan:
        return _explained_in(account, account.warehouse_id, listings, context), {}
    shown = {
        feed.warehouse_id: _explained_in(account, feed.warehouse_id, listings, context)
        for feed in plan
        if not feed.shown_by
    }
    found, by_location = {}, {}
    for listing in listings:
        parts = {feed: _at_location(feed, shown, listing.pk) for feed in plan}
        total = sum(part.quantity for part in parts.values())
        steps = [f"{feed.label}: {part.text};" for feed, part in parts.items()]
        steps.append(_("%(n)d in all") % {"n": total})
        found[listing.pk] = rules.Explained(total, tuple(steps))
        by_location[listing.pk] = {feed.location_id: part.quantity for feed, part in parts.items()}
    return found, by_location


def _at_location(
    feed: locations.LocationFeed, shown: dict[int, dict[int, rules.Explained]], listing_id: int
) -> rules.Explained:
    """One location's part: its warehouse's, or 0 where another location shows that stock
    (two locations showing the same units would sell them twice)."""
    if feed.shown_by:
        words = _("same warehouse as %(location)s → 0") % {"location": feed.shown_by}
        return rules.Explained(0, (words,))
    return shown[feed.warehouse_id][listing_id]


def _explained_in(
    account: ChannelAccount, warehouse_id: int, listings: list[Listing], context: rules.Context
) -> dict[int, rules.Explained]:
    """Each listing's quantity and its steps from the available in ``warehouse_id``."""
    variant_ids = [lst.variant_id for lst in listings]
    available = stock.available_many(warehouse_id, variant_ids)
    archived = _archived(variant_ids)
    ceiling = registry.connector(account.channel).max_shown_stock
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
    return _with_bundle_words(warehouse_id, listings, found)


def _with_bundle_words(
    warehouse_id: int, listings: list[Listing], found: dict[int, rules.Explained]
) -> dict[int, rules.Explained]:
    """A bundle's explanation starts with how its available was made from its components."""
    words = bundles.explanations(warehouse_id, [lst.variant_id for lst in listings])
    for listing in listings:
        if listing.variant_id in words:
            explained = found[listing.pk]
            steps = (words[listing.variant_id], *explained.steps)
            found[listing.pk] = rules.Explained(explained.quantity, steps)
    return found


def _archived(variant_ids: Iterable[int | None]) -> set[int]:
    """The variants among these whose master is archived (one indexed query a round)."""
    ids = [variant_id for variant_id in variant_ids if variant_id is not None]
    found = Variant.objects.filter(pk__in=ids, product__archived_at__isnull=False)
    return set(found.values_list("pk", flat=True))


def _push_round(account: ChannelAccount, claimed: list[Listing], summary: PushSummary) -> None:
    explained, by_location = located_quantities(account, claimed)
    desired = {pk: found.quantity for pk, found in explained.items()}

    def same(lst: Listing) -> bool:  # per location too, when the shop is pushed so
        shown = lst.last_pushed_qty == desired[lst.pk]
        return shown and (not by_location or lst.last_pushed_locations == by_location[lst.pk])

    unchanged = [lst for lst in claimed if same(lst)]
    with transaction.atomic():  # one commit for the lot (see :func:`settle`)
        clear(unchanged)
        # Unchanged after a drift: a later push already set the shop (its belief is known again).
        _forget_drift([lst for lst in unchanged if lst.drift_cause])
    summary.unchanged += len(unchanged)
    to_send = [lst for lst in claimed if not same(lst)]
    if to_send:
        outcomes = _send(account, to_send, desired, summary, by_location)
        pushed = {pk: (found.quantity, found.text) for pk, found in explained.items()}
        settle(account, to_send, pushed, outcomes, summary)
        _pushed_locations(to_send, outcomes, by_location)


def _pushed_locations(
    listings: list[Listing],
    outcomes: dict[str, PushOutcome],
    by_location: dict[int, dict[str, int]],
) -> None:
    """Remember what each location of a shop pushed per location was set to (and forget it
    once the shop is pushed as one quantity again, so a later mapping pushes afresh)."""
    changed = []
    for listing in listings:
        outcome = outcomes.get(listing.external_id)
        values = by_location.get(listing.pk, {})
        if outcome is not None and outcome.ok and listing.last_pushed_locations != values:
            listing.last_pushed_locations = values
            changed.append(listing)
    if changed:  # one statement a round (none for a shop pushed as one quantity)
        Listing.objects.bulk_update(changed, ["last_pushed_locations"], batch_size=500)


def _send(
    account: ChannelAccount,
    listings: list[Listing],
    desired: dict[int, int],
    summary: PushSummary,
    by_location: dict[int, dict[str, int]] | None = None,
) -> dict[str, PushOutcome]:
    connector = registry.connector(account.channel)
    located = by_location or {}
    pushes = [
        StockPush(lst.external_id, desired[lst.pk], located.get(lst.pk, {})) for lst in listings
    ]
    summary.sent += len(pushes)
    summary.calls += -(-len(pushes) // connector.max_push_batch)
    return call_channel(account, lambda: connector.push_stock(account, pushes), pushes)


def call_channel(
    account: ChannelAccount,
    call: Callable[[], list[PushOutcome]],
    pushes: Sequence[StockPush | PricePush],
) -> dict[str, PushOutcome]:
    """Make one connector push call and key its outcomes by external id. An ended
    authorization pauses the push (nothing recorded: the rows stay due); any other failure of
    the call as a whole fails every row, to be retried."""
    try:
        outcomes = call()
    except AuthorizationEnded as error:
        raise PushPaused(account.pk) from error
    except ChannelError as error:
        health.observe(account, error)
        return _all_failed(pushes, error)
    health.observe(account)
    return {outcome.external_id: outcome for outcome in outcomes}


def _all_failed(
    pushes: Sequence[StockPush | PricePush], error: ChannelError
) -> dict[str, PushOutcome]:
    """The call as a whole failed (timeout, 5xx after retries, 429): every row retries later."""
    message = f"{type(error).__name__}: {error.error_code or error.status or ''}".strip(": ")
    return {p.external_id: PushOutcome(p.external_id, ok=False, message=message) for p in pushes}


class PushPaused(Exception):
    """The seller's approval of the app ended (the adapter marked the integration
    ``NEEDS_RECONNECT``): pushing pauses instead of counting failures, until Reconnect."""


def settle(
    account: ChannelAccount,
    listings: list[Listing],
    pushed: dict[int, tuple[int, str]],
    outcomes: dict[str, PushOutcome],
    summary: PushSummary,
    track: Track = STOCK,
) -> None:
    """Write what the channel answered for a round (``pushed``: each listing's value and its
    explanation): one transaction, a few statements. On SQLite a round of single-row commits
    queued each one behind every concurrent stock move for the write lock, and a pusher sat
    idle for seconds while a burst was still arriving."""
    batch = uuid.uuid4().hex[:12]
    summary.batches.append(batch)
    settled = Settled(track=track)
    for listing in listings:
        outcome = outcomes.get(listing.external_id) or PushOutcome(
            listing.external_id, ok=False, message="no answer for this row"
        )
        value, text = pushed[listing.pk]
        settled.add(account, listing, value, text, outcome, batch)
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
    track: Track = STOCK

    def add(
        self,
        account: ChannelAccount,
        listing: Listing,
        value: int,
        text: str,
        outcome: PushOutcome,
        batch: str,
    ) -> None:
        if outcome.ok:
            self.ok.append((listing, value))
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
        record = PushRecord(
            account=account,
            listing_id=listing.pk,
            kind=self.track.kind,
            quantity=value,
            result=result,
            message=outcome.message[:255],
            batch=batch,
            explanation=text[:255],
        )
        if self.track.kind == PushKind.STOCK:
            record.drift_cause, record.shown_before = listing.drift_cause, listing.drift_shown
        else:  # a price row: the value is a price, the quantity column means nothing
            record.quantity, record.price = 0, value
        self.records.append(record)

    def write(self) -> None:
        track = self.track
        _pushed(self.ok, track)
        update_values(
            Listing,
            [track.blocked, track.error],
            [(True, message[:255], listing.pk) for listing, message in self.blocked],
        )
        _retry_later(self.retrying, track)
        PushRecord.objects.bulk_create(self.records)


def _pushed(pushed: list[tuple[Listing, int]], track: Track = STOCK) -> None:
    """Remember what the channel now shows; stay dirty if the stock moved while we pushed."""
    now = timezone.now()
    fields = (track.last_value, track.pushed_at, track.error, track.failures, track.retry_at)
    update_values(Listing, fields, [(value, now, "", 0, None, lst.pk) for lst, value in pushed])
    clear([listing for listing, _ in pushed], track)
    if track.kind == PushKind.STOCK:
        _forget_drift([listing for listing, _ in pushed if listing.drift_cause])


def _forget_drift(listings: list[Listing]) -> None:
    """The drift is repaired (its push recorded it) or gone: the listing forgets it."""
    update_values(Listing, ["drift_cause", "drift_shown"], [("", None, lst.pk) for lst in listings])


def clear(listings: list[Listing], track: Track = STOCK) -> None:
    """Clear the mark of each listing whose version is still the one claimed (and its urgency:
    a change after the claim marks it again)."""
    fields = [track.dirty, track.urgent] if track.urgent else [track.dirty]
    unmarked = (False,) * len(fields)
    update_values(
        Listing,
        fields,
        [(*unmarked, lst.pk, getattr(lst, track.version)) for lst in listings],
        match=[track.version],
    )


def _retry_later(retrying: list[tuple[Listing, str]], track: Track = STOCK) -> None:
    now = timezone.now()
    rows = []
    for listing, message in retrying:
        failures = getattr(listing, track.failures) + 1
        delay = RETRY_BACKOFF[min(failures, len(RETRY_BACKOFF)) - 1]
        rows.append((failures, now + timedelta(seconds=delay), message[:255], listing.pk))
    update_values(Listing, [track.failures, track.retry_at, track.error], rows)


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
