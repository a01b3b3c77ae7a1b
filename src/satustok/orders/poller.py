"""The order poller: the backstop that catches whatever webhooks missed.

Per integration, one poll:

1. **claims** the integration with a lease in the database (a conditional UPDATE), so two
   workers never poll one shop at once and a crashed worker's lease simply runs out;
2. freezes its **upper bound** (``until``) at the start;
3. **lists** orders created in ``[since, until]`` in windows of at most 3 days (the client
   splits them), where ``since`` is the last high-water mark minus an overlap of a few minutes,
   or ``until`` − 2 days on the first run (the backfill). Every order goes through ``ingest``,
   which absorbs the overlap's duplicates;
4. **re-reads** orders not final that were created before ``since`` (Tokopedia lists by
   create time, so their later moves are not in the list), a bounded number per run, those
   read longest ago first;
5. **re-links** lines that were not linked (the seller may have linked the listing since);
6. moves the high-water mark to ``until`` only if all of that succeeded.

Once an hour the list goes back the whole 2 days again: an order is listed by its create time
but only once it is paid, so one paid hours after it was created falls behind the mark.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from satustok.channels import health
from satustok.channels.http.errors import ChannelError, NotFound
from satustok.channels.models import ChannelAccount
from satustok.channels.problems import explain
from satustok.channels.protocol import ChannelOrder, OrderSource, UnknownOrderStatus
from satustok.orders.ingest import ingest, ingest_many, relink
from satustok.orders.models import EventSource, Order, OrderSyncState
from satustok.orders.source import order_source
from satustok.orders.status import FINAL

log = logging.getLogger(__name__)

BACKFILL = timedelta(days=2)
OVERLAP = timedelta(minutes=5)
DEEP_EVERY = timedelta(hours=1)
LEASE = timedelta(minutes=10)
RELINK_LIMIT = 100


def poll_interval() -> int:
    """Seconds between polls of one integration (``SATUSTOK_ORDER_POLL_SECONDS``)."""
    return max(1, int(getattr(settings, "SATUSTOK_ORDER_POLL_SECONDS", 60)))


def repoll_limit() -> int:
    """Orders re-read one by one per poll (``SATUSTOK_ORDER_REPOLL_LIMIT``)."""
    return max(0, int(getattr(settings, "SATUSTOK_ORDER_REPOLL_LIMIT", 50)))


@dataclass
class PollResult:
    account_id: int
    skipped: bool = False
    since: datetime | None = None
    until: datetime | None = None
    listed: int = 0
    reread: int = 0
    relinked: int = 0
    completed: bool = False  # only a completed poll moves the mark
    error: str = ""


def poll_account(
    account_id: int, *, now: datetime | None = None, force: bool = False
) -> PollResult:
    """Poll one integration. ``now`` freezes the upper bound (tests); ``force`` ignores the
    interval (not the lease)."""
    until = now or timezone.now()
    state, _ = OrderSyncState.objects.get_or_create(account_id=account_id)
    if not _claim(state, until, force):
        return PollResult(account_id, skipped=True)
    state.refresh_from_db()  # the mark as the poll that held the lease before us left it
    account = ChannelAccount.objects.get(pk=account_id)
    result = PollResult(account_id, since=window_start(state, until), until=until)
    source = order_source(account)
    try:
        _run(account, source, result)
        result.completed = True
        health.observe(account)
    except ChannelError as error:
        health.observe(account, error)
        result.error = _describe(error, account)
        log.warning(
            "order poll of integration %s failed: %s",
            account_id,
            type(error).__name__,
            extra={"integration": account_id},
        )
    finally:
        source.close()
        _release(state, result)
    return result


def _describe(error: ChannelError, account: ChannelAccount) -> str:
    problem = explain(
        error, channel=account.get_channel_display(), app_id=account.app_id, shop_id=account.shop_id
    )
    return f"{problem.headline} ({problem.params.get('cause', '')})"


def window_start(state: OrderSyncState, until: datetime) -> datetime:
    if state.high_water is None or _deep_due(state, until):
        return until - BACKFILL
    return min(state.high_water, until) - OVERLAP


def _deep_due(state: OrderSyncState, until: datetime) -> bool:
    return state.deep_polled_at is None or until - state.deep_polled_at >= DEEP_EVERY


def _run(account: ChannelAccount, source: OrderSource, result: PollResult) -> None:
    assert result.since is not None and result.until is not None
    listed_until = _list_until(account, result.until)
    if result.since < listed_until:
        result.listed = _list(account, source, result.since, listed_until)
    result.reread = _reread(account, source, before=result.since)
    result.relinked = _relink_waiting(account)


def _list_until(account: ChannelAccount, until: datetime) -> datetime:
    """How far to list. A moved integration (orders/moving.py) lists only up to its move, and
    only for a backfill's length after it: an order placed before the move but paid (so listed)
    or delivered late is still its to count; the new integration counts everything after."""
    if account.moved_at is None:
        return until
    if until - account.moved_at > BACKFILL:
        return account.moved_at - BACKFILL  # nothing more to find: an empty window
    return min(until, account.moved_at)


# Orders listed are ingested this many at a time (``ingest_many``: the new ones in a handful of
# statements): one by one, reading a flash sale's 1,300 orders per shop took over 30 s.
LIST_CHUNK = 100


def _list(account: ChannelAccount, source: OrderSource, since: datetime, until: datetime) -> int:
    """Ingest the orders listed, a chunk at a time; what was listed before a failure of the
    listing is ingested before the failure goes on up."""
    count, chunk = 0, []
    try:
        for incoming in source.orders_between(since, until):
            chunk.append(incoming)
            if len(chunk) == LIST_CHUNK:
                _ingest_chunk(account, chunk)
                count, chunk = count + len(chunk), []
    except ChannelError:
        _ingest_chunk(account, chunk)
        raise
    _ingest_chunk(account, chunk)
    return count + len(chunk)


def _ingest_chunk(account: ChannelAccount, chunk: list[ChannelOrder]) -> None:
    """Together; one by one when that fails (so one bad order is the only one that fails)."""
    if not chunk:
        return
    try:
        ingest_many(account, chunk, EventSource.POLL)
    except Exception:
        log.warning("%d polled orders failed together; one by one", len(chunk), exc_info=True)
        for incoming in chunk:
            ingest(account, incoming, EventSource.POLL)


def _reread(account: ChannelAccount, source: OrderSource, *, before: datetime) -> int:
    """Orders the list no longer covers, still moving: read each one (bounded)."""
    waiting = (
        Order.objects.filter(account=account, ordered_at__lt=before)
        .exclude(status__in=FINAL)
        .order_by(F("polled_at").asc(nulls_first=True), "id")[: repoll_limit()]
    )
    for order in waiting:
        try:
            ingest(account, source.order(order.external_id), EventSource.POLL)
        except (NotFound, UnknownOrderStatus) as gone:
            log.warning(
                "order %s could not be re-read: %s",
                order.pk,
                gone,
                extra={"order": order.pk, "integration": account.pk},
            )
            Order.objects.filter(pk=order.pk).update(polled_at=timezone.now())
    return len(waiting)


def _relink_waiting(account: ChannelAccount) -> int:
    waiting = Order.objects.filter(account=account, has_unlinked_lines=True).exclude(
        status__in=FINAL
    )
    relinked = 0
    for order in waiting.order_by("updated_at")[:RELINK_LIMIT]:
        relinked += not relink(order).has_unlinked_lines
    return relinked


# --- the lease and the mark ------------------------------------------------------------------


def _claim(state: OrderSyncState, now: datetime, force: bool) -> bool:
    """Take the integration for this poll, if no live lease holds it and a poll is due."""
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    due = Q(poll_started_at__isnull=True) | Q(
        poll_started_at__lte=now - timedelta(seconds=poll_interval() * 0.8)
    )
    claim = OrderSyncState.objects.filter(free, pk=state.pk)
    if not force:
        claim = claim.filter(due)
    return bool(claim.update(lease_until=now + LEASE, poll_started_at=now))


def _release(state: OrderSyncState, result: PollResult) -> None:
    this = OrderSyncState.objects.filter(pk=state.pk)
    this.update(lease_until=None, poll_finished_at=timezone.now(), poll_error=result.error)
    if not result.completed:
        return
    assert result.since is not None and result.until is not None
    # The mark only moves forward, whatever order concurrent polls finish in.
    this.filter(Q(high_water__isnull=True) | Q(high_water__lt=result.until)).update(
        high_water=result.until
    )
    if result.since <= result.until - BACKFILL:
        this.update(deep_polled_at=result.until)


# --- scheduling ------------------------------------------------------------------------------


def poll_offsets(interval: int) -> list[int]:
    """Delays (seconds) of the polls one per-minute tick schedules for an integration."""
    return list(range(0, 60, interval)) if interval < 60 else [0]


def accounts_to_poll() -> list[int]:
    return list(ChannelAccount.objects.order_by("pk").values_list("pk", flat=True))
