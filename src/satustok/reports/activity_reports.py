"""What the hub did with the shops in a range: import runs, and the stock and price pushes a
channel refused or that wait to be retried.

Import runs (``sync.ImportRun``) started in the range, with their counts per bucket — the same
numbers as each run's *Finish* report. Push failures are the sync log's rows
(``sync.PushRecord``) whose result was *refused* (for good, until the seller fixes the
listing) or *will retry*, with the channel's own words; a summary counts them per shop.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from satustok.channels import registry
from satustok.channels.models import ChannelAccount
from satustok.core.spreadsheet import DATETIME, INTEGER, RUPIAH, Column
from satustok.reports.filters import Filters
from satustok.reports.tables import QueryRows, ReportResult, Row, Section
from satustok.sync.models import (
    Bucket,
    ImportRun,
    PushKind,
    PushRecord,
    PushResult,
    RunMode,
    RunState,
)

SKIPPED = (Bucket.SKIPPED_EMPTY_SKU, Bucket.SKIPPED_INACTIVE, Bucket.SKIPPED_NO_STOCK)


def shop_label(channel: str, shop_name: str, shop_id: str) -> str:
    return f"{registry.label(channel)} · {shop_name or shop_id}"


# --- import runs -----------------------------------------------------------------------------


def import_runs(filters: Filters) -> ReportResult:
    runs = ImportRun.objects.filter(created_at__gte=filters.since, created_at__lt=filters.until)
    if filters.shop is not None:
        runs = runs.filter(account=filters.shop)
    runs = runs.select_related("account", "created_by").order_by("-created_at", "-id")
    rows = [_run_row(run) for run in runs]
    totals = (_("Total"), None, None, None, None, None,
              *(sum(row[i] for row in rows) for i in range(6, 12)), None, None, None)  # fmt: skip
    section = Section("runs", _("Import runs"), _run_columns(), rows, totals)
    failed = sum(1 for run in rows if run[5] == RunState.FAILED.label)
    notes = (
        [_("%(count)s runs failed: their error says why.") % {"count": failed}] if failed else []
    )
    return ReportResult(sections=[section], notes=notes)


def _run_columns() -> list[Column]:
    return [
        Column(_("Run"), INTEGER, 8),
        Column(_("Started"), DATETIME, 18),
        Column(_("Channel"), width=14),
        Column(_("Shop"), width=24),
        Column(_("Kind"), width=10),
        Column(_("State"), width=14),
        Column(_("Units read"), INTEGER),
        Column(_("Units imported"), INTEGER),
        Column(_("Linked"), INTEGER),
        Column(_("New masters"), INTEGER),
        Column(_("Skipped"), INTEGER),
        Column(_("Conflicts"), INTEGER),
        Column(_("Finished"), DATETIME, 18),
        Column(_("By"), width=14),
        Column(_("Error"), width=40),
    ]


def _run_row(run: ImportRun) -> Row:
    counts: dict[str, int] = run.counts or {}
    account = run.account
    return (
        run.pk,
        run.created_at,
        registry.label(account.channel),
        account.shop_name or account.shop_id,
        str(RunMode(run.mode).label),
        str(RunState(run.state).label),
        run.units_fetched,
        run.units_applied if run.mode == RunMode.IMPORT else 0,
        counts.get(Bucket.LINKED, 0),
        counts.get(Bucket.NEW_MASTER, 0),
        sum(counts.get(bucket, 0) for bucket in SKIPPED),
        counts.get(Bucket.CONFLICT_DUPLICATE_SKU, 0),
        run.finished_at,
        run.created_by.get_username() if run.created_by else "",
        run.error,
    )


# --- push failures ---------------------------------------------------------------------------

PUSH_FIELDS = (
    "created_at", "account__channel", "account__shop_name", "account__shop_id",
    "listing__external_id", "listing__sku", "kind", "quantity", "price", "result", "message",
)  # fmt: skip


def failed_pushes(filters: Filters) -> QuerySet[PushRecord]:
    results = [filters.result] if filters.result else [PushResult.FAILED, PushResult.RETRY]
    found = PushRecord.objects.filter(
        created_at__gte=filters.since, created_at__lt=filters.until, result__in=results
    )
    if filters.shop is not None:
        found = found.filter(account=filters.shop)
    return found


def push_failures(filters: Filters) -> ReportResult:
    found = failed_pushes(filters)
    per_shop = _per_shop(found)
    rows = QueryRows(found.order_by("-created_at", "-id").values_list(*PUSH_FIELDS), _push_row)
    summary_totals = (_("Total"), sum(r[1] for r in per_shop), sum(r[2] for r in per_shop))
    return ReportResult(
        sections=[
            Section("shops", _("Per shop"), _shop_columns(), per_shop, summary_totals),
            Section("pushes", _("Failed pushes"), _push_columns(), rows),
        ]
    )


def _per_shop(found: QuerySet[PushRecord]) -> list[Row]:
    """Refused and will-retry rows per shop, counted by the database."""
    counted: Counter[tuple[int, str]] = Counter()
    for account_id, result, count in (
        found.order_by().values_list("account_id", "result").annotate(count=Count("id"))
    ):
        counted[(account_id, result)] += count
    shops = {account_id for account_id, _result in counted}
    labels = {
        account.pk: shop_label(account.channel, account.shop_name, account.shop_id)
        for account in ChannelAccount.objects.filter(pk__in=shops)
    }
    return sorted(
        (labels[pk], counted[(pk, PushResult.FAILED)], counted[(pk, PushResult.RETRY)])
        for pk in shops
    )


def _shop_columns() -> list[Column]:
    return [
        Column(_("Shop"), width=30),
        Column(_("Refused"), INTEGER),
        Column(_("Will retry"), INTEGER),
    ]


def _push_columns() -> list[Column]:
    return [
        Column(_("When"), DATETIME, 18),
        Column(_("Shop"), width=30),
        Column(_("Listing"), width=16),
        Column("SKU", width=20),
        Column(_("What"), width=8),
        Column(_("Quantity"), INTEGER),
        Column(_("Price"), RUPIAH, 14),
        Column(_("Result"), width=12),
        Column(_("The channel's words"), width=48),
    ]


RESULTS = dict(PushResult.choices)
KINDS = dict(PushKind.choices)


def _push_row(values: tuple[Any, ...]) -> Row:
    when, channel, name, shop_id, listing, sku, kind, quantity, price, result, message = values
    is_price = kind == PushKind.PRICE
    return (
        when,
        shop_label(channel, name, shop_id),
        listing,
        sku,
        str(KINDS.get(kind, kind)),
        None if is_price else quantity,
        price if is_price else None,
        str(RESULTS.get(result, result)),
        message,
    )
