"""The stock ledger (``inventory.StockMovement``) filtered by SKU, reason, person, warehouse and
date range, newest first.

It can be millions of rows, so the rows are a :class:`~satustok.reports.tables.QueryRows`:
the page reads one page of them, a file streams them. The totals — the sum of the on hand and
reserved changes of the rows shown — are what tie the ledger to the levels: over all time, a
level's changes add up to its on hand and reserved.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from satustok.core.spreadsheet import DATETIME, INTEGER, Column
from satustok.inventory.models import MovementReason, StockMovement
from satustok.reports.filters import Filters
from satustok.reports.tables import QueryRows, ReportResult, Row, Section

FIELDS = (
    "created_at", "level__warehouse__name", "level__variant__sku",
    "level__variant__product__name", "reason", "on_hand_delta", "reserved_delta", "reference",
    "note", "user__username",
)  # fmt: skip


def movements(filters: Filters) -> QuerySet[StockMovement]:
    found = StockMovement.objects.filter(
        created_at__gte=filters.since, created_at__lt=filters.until
    )
    if filters.warehouses is not None:
        found = found.filter(level__warehouse_id__in=filters.warehouses)
    if filters.warehouse is not None:
        found = found.filter(level__warehouse=filters.warehouse)
    if filters.variant is not None:
        found = found.filter(level__variant=filters.variant)
    if filters.reason:
        found = found.filter(reason=filters.reason)
    if filters.user_id is not None:
        found = found.filter(user_id=filters.user_id)
    if filters.hub_only:
        found = found.filter(user__isnull=True)
    return found


def stock_ledger(filters: Filters) -> ReportResult:
    found = movements(filters)
    sums = found.aggregate(
        rows=Count("id"), on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
    )
    rows = QueryRows(found.order_by("-created_at", "-id").values_list(*FIELDS), _row)
    rows._count = sums["rows"]  # counted with the sums: one query fewer
    totals = (
        _("Total"),
        None,
        None,
        None,
        None,
        sums["on_hand"] or 0,
        sums["reserved"] or 0,
        None,
        None,
        None,
    )
    return ReportResult(sections=[Section("movements", _("Stock ledger"), columns(), rows, totals)])


def columns() -> list[Column]:
    return [
        Column(_("When"), DATETIME, 18),
        Column(_("Warehouse"), width=20),
        Column("SKU", width=20),
        Column(_("Product"), width=32),
        Column(_("Reason"), width=20),
        Column(_("On hand change"), INTEGER),
        Column(_("Reserved change"), INTEGER),
        Column(_("Reference"), width=20),
        Column(_("Note"), width=24),
        Column(_("By"), width=14),
    ]


REASONS = dict(MovementReason.choices)


def _row(values: tuple[Any, ...]) -> Row:
    when, warehouse, sku, product, reason, on_hand, reserved, reference, note, user = values
    label = str(REASONS.get(reason, reason))
    return (
        when,
        warehouse,
        sku,
        product,
        label,
        on_hand,
        reserved,
        reference,
        note,
        user or _("hub"),
    )
