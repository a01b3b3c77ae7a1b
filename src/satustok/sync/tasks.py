"""Background jobs. Tasks are nudges: each re-reads its run from the database, so running one
twice, or on any worker, does no harm (a finished run is left alone)."""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.db import connections, transaction
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from satustok.channels import registry
from satustok.channels.http.errors import ChannelError
from satustok.channels.models import ChannelAccount
from satustok.channels.problems import explain
from satustok.core import queue
from satustok.core.debounce import Debounce
from satustok.inventory import digest
from satustok.sync import controls, drift, imports, prices, pusher
from satustok.sync.models import ImportRun, RunState

UNFINISHED = (RunState.QUEUED, RunState.FETCHING, RunState.APPLYING)


@HUEY.on_shutdown()
def close_database_connections() -> None:
    """A stopping worker thread gives its database connection back (PostgreSQL counts them)."""
    connections.close_all()


log = logging.getLogger(__name__)


@db_task()
def run_import(run_id: int) -> None:
    run_import_now(run_id)


def run_import_now(run_id: int) -> ImportRun:
    """Run or resume an import in this process; channel failures end the run with a message."""
    run = ImportRun.objects.select_related("account").get(pk=run_id)
    if run.is_finished:
        return run
    source = registry.connector(run.account.channel).catalog_source(run.account)
    try:
        imports.execute(run, source)
    except ChannelError as error:
        problem = explain(
            error,
            channel=run.account.get_channel_display(),
            app_id=run.account.app_id,
            shop_id=run.account.shop_id,
        )
        log.warning(
            "import %s failed: %s",
            run.pk,
            type(error).__name__,
            extra={"run": run.pk, "integration": run.account_id},
        )
        imports.fail(
            run,
            f"{problem.headline}. "
            + _("Stopped after page %(page)s; try again to continue from there.")
            % {"page": run.pages_done},
        )
    return run


def resume_unfinished() -> list[int]:
    """Queue again every run a stopped worker left half-way (called when the worker starts)."""
    unfinished = list(ImportRun.objects.filter(state__in=UNFINISHED).values_list("pk", flat=True))
    for run_id in unfinished:
        run_import(run_id)
    return unfinished


def retry(run: ImportRun) -> None:
    """Continue a failed run from its last finished page."""
    ImportRun.objects.filter(pk=run.pk).update(state=RunState.QUEUED, error="", finished_at=None)
    run_import(run.pk)


# --- stock push ---------------------------------------------------------------------------

PUSH_LOCK_RETRY_SECONDS = 1


@db_task(priority=queue.PUSH_PRIORITY)  # ahead of waiting webhook batches (core/queue.py)
def push_stock(account_id: int) -> None:
    """Converge one integration. One pusher per integration at a time (a lease in the database,
    so it holds across workers and machines and expires if a worker dies); a nudge that finds
    it taken comes back a second later rather than being lost."""
    _push_stock(account_id)


# A nearly sold-out SKU's push: ahead of every other task waiting, ordinary pushes included.
URGENT_PUSH_PRIORITY = queue.PUSH_PRIORITY + 10


@db_task(priority=URGENT_PUSH_PRIORITY)
def push_stock_urgent(account_id: int) -> None:
    """:func:`push_stock` for an integration with a nearly sold-out SKU marked. When a pusher
    holds the integration, in this process it is signalled; in another, it sees the urgent
    listing at its next look (``pusher._urgent_due``, at most a flood pause away)."""
    try:
        pusher.push_account(account_id)
    except pusher.PushBusy:
        if not pusher.wakeups.wake(account_id) and _comebacks.allow(
            account_id, PUSH_LOCK_RETRY_SECONDS
        ):
            push_stock.schedule((account_id,), delay=PUSH_LOCK_RETRY_SECONDS)


def _push_stock(account_id: int) -> None:
    try:
        pusher.push_account(account_id)
    except pusher.PushBusy:
        # One comeback per integration per second is enough: it runs after every nudge that
        # found the lease taken meanwhile. Each rescheduling its own kept a thousand-move
        # burst's nudges bouncing for half a minute after the push had converged.
        if _comebacks.allow(account_id, PUSH_LOCK_RETRY_SECONDS):
            push_stock.schedule((account_id,), delay=PUSH_LOCK_RETRY_SECONDS)


@db_periodic_task(crontab(minute="*"))
def sweep() -> list[int]:
    """Repair what a lost nudge left behind: nudge every integration with something due."""
    due = pusher.accounts_due()
    for account_id in due:
        push_stock(account_id)
    return due


@db_periodic_task(crontab(minute="*"))
def check_drift() -> list[int]:
    """Read back the stock the shops show, for every integration whose check is due
    (``SATUSTOK_DRIFT_CHECK_SECONDS``; checked every minute), and repair what drifted."""
    due = drift.accounts_to_check()
    for account_id in due:
        try:
            drift.read_back(account_id)
        except Exception:  # one integration's failure must not stop the others' checks
            log.exception("drift read-back of integration %s failed", account_id)
    return due


# Every hour, on the hour (Huey's clock is UTC): the day's digest is made from 07:00 WIB, so a
# worker down at seven makes it when it comes back; the day's row keeps it to once a day.
@db_periodic_task(crontab(minute="0"))
def low_stock_digest() -> int | None:
    """The daily low-stock digest (``inventory/digest.py``); the number of SKUs it counted, or
    None when today's is not due or already made."""
    made = digest.make_daily_digest()
    return made.sku_count if made else None


def nudge_after_commit(account_ids: set[int], urgent: frozenset[int] = frozenset()) -> None:
    """Ask for a push once the stock change is committed (never for a rolled-back one); an
    integration with a nearly sold-out SKU marked (``urgent``) is pushed at once."""
    enabled = ChannelAccount.objects.filter(pk__in=account_ids, push_stock=True)
    for account_id in enabled.values_list("pk", flat=True):
        nudge = _nudge_urgent if account_id in urgent else _nudge
        transaction.on_commit(partial(nudge, account_id))


_nudges = Debounce()
_comebacks = Debounce()
_urgent_nudges = Debounce()


URGENT_NUDGE_SECONDS = 0.02  # urgent pushes queued per integration, at most one this often


def _nudge_urgent(account_id: int) -> None:
    """Wake the integration's pusher if it runs in this process (it claims the urgent listing
    first, at once); else queue an urgent push, ahead of every other task (at most one per
    integration every :data:`URGENT_NUDGE_SECONDS`: the one queued before claims this too)."""
    if not pusher.wakeups.wake(account_id) and _urgent_nudges.allow(
        account_id, URGENT_NUDGE_SECONDS
    ):
        push_stock_urgent(account_id)


def _nudge(account_id: int) -> None:
    """Queue a push, but not again within ``SATUSTOK_PUSH_COALESCE_MS`` of the last one this
    process queued for the integration: that pusher looks again at least that much later
    (``pusher._rounds``), so it sees this change too. A thousand stock moves made three
    thousand push tasks before, nearly all of them finding nothing to do."""
    if _nudges.allow(account_id, settings.SATUSTOK_PUSH_COALESCE_MS / 1000):
        push_stock(account_id)


# --- price push (sync/prices.py): the same nudges, lease comebacks and sweep as stock ----------


@db_task(priority=queue.PUSH_PRIORITY)
def push_prices(account_id: int) -> None:
    """Converge one integration's prices; a nudge finding its price lease taken comes back a
    second later (one comeback per integration per second), as for stock."""
    try:
        prices.push_prices(account_id)
    except pusher.PushBusy:
        if _price_comebacks.allow(account_id, PUSH_LOCK_RETRY_SECONDS):
            push_prices.schedule((account_id,), delay=PUSH_LOCK_RETRY_SECONDS)


@db_periodic_task(crontab(minute="*"))
def sweep_prices() -> list[int]:
    """Every minute: nudge every integration with a price due (a lost nudge, a backoff over)."""
    due = prices.accounts_due()
    for account_id in due:
        push_prices(account_id)
    return due


def nudge_prices_after_commit(account_ids: set[int]) -> None:
    """Ask for a price push once the change is committed, for integrations pushing prices
    (the lead calls this with ``prices.mark_prices_dirty``'s answer after a master price edit)."""
    enabled = ChannelAccount.objects.filter(pk__in=account_ids, push_price=True)
    for account_id in enabled.values_list("pk", flat=True):
        transaction.on_commit(partial(push_prices, account_id))


_price_comebacks = Debounce()


@db_periodic_task(crontab(minute="*"))
def allocations_turning() -> list[int]:
    """Every minute: an allocation that started or ended changes what the other integrations
    show; its SKU's listings are pushed again (an allocation ends by itself)."""
    return controls.mark_turning_allocations()


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_old_allocations() -> int:
    """Every night: allocations over for 90 days are deleted."""
    return controls.purge_ended_allocations()
