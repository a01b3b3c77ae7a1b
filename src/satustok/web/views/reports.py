"""Reports: the list of reports, one report's page (filter form, chart, tables with totals,
download buttons), its downloads, and the background exports' pages (progress polled by htmx
like a bulk action's, then the download link).

The page and the files show the same rows (``reports/tables.py``): a table cell is the
spreadsheet cell formatted for reading (``Rp 150.000``, WIB times), with the raw value in
``data-value``. A big table is paged here; the file holds every row. Who may open what is the
report's own permission (``reports/catalogue.py``); exports are their creator's only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRefresh

from satustok.channels.models import ChannelAccount
from satustok.core.access import NotAllowed, Permission, can, refusal
from satustok.core.spreadsheet import DATE, DATETIME, INTEGER, RUPIAH, Column
from satustok.inventory.access import allowed_warehouse_ids
from satustok.inventory.models import MovementReason, Warehouse
from satustok.reports import catalogue, exports, filters
from satustok.reports.catalogue import Report
from satustok.reports.filters import FilterError, Filters
from satustok.reports.models import ExportFormat, ExportState, ReportExport
from satustok.reports.tables import ChartData, ReportResult, Row, Section
from satustok.sync.models import PushResult
from satustok.web.access import forbidden, requires
from satustok.web.charts import Chart, chart
from satustok.web.templatetags.satustok import number, rupiah, wib

PAGE_ROWS = 100
RECENT_EXPORTS = 20
FORMATS = tuple(ExportFormat.values)


@requires(Permission.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    shown = catalogue.visible_to(request.user)
    groups = [
        (_("Sales"), [r for r in shown if r.group == "sales"]),
        (_("Stock"), [r for r in shown if r.group == "stock"]),
        (_("Operations"), [r for r in shown if r.group == "operations"]),
    ]
    context = {
        "nav": "reports",
        "groups": [(title, reports) for title, reports in groups if reports],
        "exports": _my_exports(request)[:5],
    }
    return render(request, "web/reports/index.html", context)


@requires(Permission.VIEW)
def report_page(request: HttpRequest, name: str) -> HttpResponse:
    report = _allowed_report(request, name)
    if isinstance(report, HttpResponse):
        return report
    try:
        chosen = filters.parse(request.GET, report.fields, user=request.user)
    except FilterError as wrong:
        return _page(request, report, None, None, wrong.problems, status=400)
    return _page(request, report, chosen, report.build(chosen), {})


@requires(Permission.VIEW)
def download(request: HttpRequest, name: str, file_format: str) -> HttpResponse:
    """The report as a file now, or — when long — as a background export to wait for."""
    report = _allowed_report(request, name)
    if isinstance(report, HttpResponse):
        return report
    if file_format not in FORMATS:
        raise Http404("no such file format")
    try:
        chosen = filters.parse(request.GET, report.fields, user=request.user)
    except FilterError as wrong:
        return _page(request, report, None, None, wrong.problems, status=400)
    section_key = request.GET.get("section", "")
    result = report.build(chosen)
    try:
        if exports.is_long(result, file_format, section_key):
            exports.check_size(exports.rows_to_write(result, file_format, section_key))
            export = exports.start(report, chosen, file_format, request.user, section_key)
            return redirect("web:report_export", pk=export.pk)
        made = exports.immediate_file(report, chosen, result, file_format, section_key)
    except exports.ExportRefused as refused:
        return _page(request, report, chosen, result, {"file": str(refused)}, status=400)
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = f'attachment; filename="{made.name}"'
    return response


# --- background exports ----------------------------------------------------------------------


@requires(Permission.VIEW)
def export_list(request: HttpRequest) -> HttpResponse:
    context = {"nav": "reports", "exports": _my_exports(request)}
    return render(request, "web/reports/exports.html", context)


@requires(Permission.VIEW)
def export_page(request: HttpRequest, pk: int) -> HttpResponse:
    export = _my_export(request, pk)
    context = {"nav": "reports", "export": export, "report": catalogue.get(export.report)}
    return render(request, "web/reports/export.html", context)


@requires(Permission.VIEW)
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled every second; once finished the whole page reloads."""
    export = _my_export(request, pk)
    if export.state in (ExportState.DONE, ExportState.FAILED):
        return HttpResponseClientRefresh()
    return render(request, "web/reports/_export_progress.html", {"export": export})


@requires(Permission.VIEW)
def export_file(request: HttpRequest, pk: int) -> HttpResponse:
    export = _my_export(request, pk)
    if export.state != ExportState.DONE:
        raise Http404("this export has no file (yet)")
    response = HttpResponse(exports.content_of(export), content_type=exports.content_type(export))
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
    return response


def _my_exports(request: HttpRequest) -> list[ReportExport]:
    mine = ReportExport.objects.filter(created_by_id=request.user.pk).defer("content")
    found = list(mine[:RECENT_EXPORTS])
    for export in found:
        report = catalogue.get(export.report)
        export.title = report.title if report else export.report  # type: ignore[attr-defined]
    return found


def _my_export(request: HttpRequest, pk: int) -> ReportExport:
    """Only the seller who started an export sees it (it may hold figures of their
    warehouses only)."""
    return get_object_or_404(
        ReportExport.objects.defer("content"), pk=pk, created_by_id=request.user.pk
    )


def _allowed_report(request: HttpRequest, name: str) -> Report | HttpResponse:
    report = catalogue.get(name)
    if report is None:
        raise Http404("no such report")
    if not report.allowed(request.user):
        return forbidden(request, NotAllowed(refusal(report.permission)))
    return report


# --- the page --------------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    value: str  # the raw value, as data
    numeric: bool


@dataclass
class ShownSection:
    key: str
    title: str
    headers: list[tuple[str, bool]]  # (heading, numeric)
    rows: list[list[Cell]]
    totals: list[Cell] | None
    page: Page[Any] | None
    previous_url: str
    next_url: str
    csv_url: str
    count: int


def _page(
    request: HttpRequest,
    report: Report,
    chosen: Filters | None,
    result: ReportResult | None,
    problems: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    query = dict(chosen.raw) if chosen else {}
    context = {
        "nav": "reports",
        "report": report,
        "problems": problems,
        "form": _form(report, request, problems),
        "sections": [_shown(request, s, report, query) for s in result.sections] if result else [],
        "notes": result.notes if result else [],
        "chart": _chart(report, result.chart) if result and result.chart else None,
        "downloads": _download_urls(report, query) if result else {},
        "immediate_rows": exports.IMMEDIATE_ROWS,
        "long": result is not None and result.row_count > exports.IMMEDIATE_ROWS,
        "chosen": chosen,
    }
    return render(request, "web/reports/report.html", context, status=status)


def _download_urls(report: Report, query: dict[str, str]) -> dict[str, str]:
    return {
        file_format: reverse("web:report_download", args=[report.name, file_format]) + _query(query)
        for file_format in FORMATS
    }


def _query(values: dict[str, str]) -> str:
    return "?" + urlencode(values) if values else ""


def _shown(
    request: HttpRequest, section: Section, report: Report, query: dict[str, str]
) -> ShownSection:
    page_param = f"page_{section.key}"
    page: Page[Any] | None = None
    rows: Any = section.rows
    count = len(section.rows)
    if count > PAGE_ROWS:
        page = Paginator(section.rows, PAGE_ROWS).get_page(request.GET.get(page_param))
        rows = page.object_list

    def page_url(number_: int) -> str:
        others = {k: v for k, v in request.GET.items() if k != page_param}
        return "?" + urlencode({**others, page_param: number_})

    csv_url = (
        reverse("web:report_download", args=[report.name, "csv"])
        + "?"
        + urlencode({**query, "section": section.key})
    )
    return ShownSection(
        key=section.key,
        title=section.title,
        headers=[(c.header, _is_number(c)) for c in section.columns],
        rows=[_cells(row, section.columns) for row in rows],
        totals=_cells(section.totals, section.columns) if section.totals else None,
        page=page,
        previous_url=page_url(page.previous_page_number()) if page and page.has_previous() else "",
        next_url=page_url(page.next_page_number()) if page and page.has_next() else "",
        csv_url=csv_url,
        count=count,
    )


def _is_number(column: Column) -> bool:
    return column.kind in (INTEGER, RUPIAH)


def _cells(row: Row, columns: list[Column]) -> list[Cell]:
    return [_cell(value, column) for value, column in zip(row, columns, strict=True)]


def _cell(value: Any, column: Column) -> Cell:
    """A value as the page shows it, and as data (what the spreadsheet cell holds)."""
    numeric = _is_number(column)
    if value is None:
        return Cell("", "", numeric)
    if isinstance(value, str):
        return Cell(value, value, numeric)
    if column.kind == RUPIAH:
        return Cell(rupiah(value), str(value), numeric)
    if column.kind == INTEGER:
        return Cell(number(value), str(value), numeric)
    if column.kind == DATETIME and isinstance(value, datetime):
        return Cell(wib(value), wib(value).removesuffix(" WIB"), numeric)
    if column.kind == DATE and isinstance(value, date):
        return Cell(str(formats.date_format(value, "DATE_FORMAT")), value.isoformat(), numeric)
    return Cell(str(value), str(value), numeric)


def _chart(report: Report, data: ChartData) -> Chart:
    """The report's chart data as a page chart; its labels are dates or text as the report made
    them (a SKU such as ``BAJU-00001`` is text, however much it looks like a date)."""
    return chart(
        f"report-{report.name}",
        title=data.title,
        labels=list(data.labels),
        series={s.name: s.values for s in data.series},
        unit="rupiah" if data.unit == "rupiah" else "count",
        kind="line" if data.kind == "line" else "bar",
    )


# --- the filter form -------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    label: str
    kind: str  # "date", "select", "text", "number"
    value: str
    options: list[tuple[str, str]]
    problem: str


def _form(report: Report, request: HttpRequest, problems: dict[str, str]) -> list[Field]:
    given = {name: filters.clean_text(request.GET.get(name)) for name in report.fields}
    defaults = _defaults()
    fields = []
    for name in report.fields:
        label, kind, options = _FIELD_SPECS[name](request)
        value = given[name] or defaults.get(name, "")
        fields.append(Field(name, label, kind, value, options, problems.get(name, "")))
    return fields


def _defaults() -> dict[str, str]:
    end = filters.today()
    start = end.toordinal() - filters.DEFAULT_DAYS + 1
    return {
        "start": date.fromordinal(start).isoformat(),
        "end": end.isoformat(),
        "limit": str(filters.DEFAULT_LIMIT),
    }


def _shops(request: HttpRequest) -> tuple[str, str, list[tuple[str, str]]]:
    shops = ChannelAccount.objects.order_by("shop_name", "pk")
    options = [("", _("All shops"))] + [(str(a.pk), str(a)) for a in shops]
    return _("Shop"), "select", options


def _warehouses(request: HttpRequest) -> tuple[str, str, list[tuple[str, str]]]:
    allowed = allowed_warehouse_ids(request.user)
    found = Warehouse.objects.order_by("name")
    if allowed is not None:
        found = found.filter(pk__in=allowed)
    options = [("", _("All warehouses"))] + [(str(w.pk), w.name) for w in found]
    return _("Warehouse"), "select", options


def _users(request: HttpRequest) -> tuple[str, str, list[tuple[str, str]]]:
    """Who made a ledger row: every user for those who may see the reports on the business
    (``VIEW_REPORTS``); a Staff user gets their own name only — the list of everyone's user
    names is not theirs to read."""
    options = [("", _("Anyone")), (filters.HUB_USER, _("The hub (orders, imports)"))]
    if can(request.user, Permission.VIEW_REPORTS):
        names = list(
            get_user_model().objects.order_by("username").values_list("username", flat=True)
        )
    else:
        names = [request.user.get_username()]
    return _("By"), "select", options + [(n, n) for n in names]


_FIELD_SPECS: dict[str, Any] = {
    "start": lambda r: (_("From"), "date", []),
    "end": lambda r: (_("Until"), "date", []),
    "period": lambda r: (
        _("Per"),
        "select",
        [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
    ),
    "shop": _shops,
    "warehouse": _warehouses,
    "sku": lambda r: ("SKU", "text", []),
    "reason": lambda r: (
        _("Reason"),
        "select",
        [("", _("Every reason"))] + [(v, str(label)) for v, label in MovementReason.choices],
    ),
    "user": _users,
    "result": lambda r: (
        _("Result"),
        "select",
        [("", _("Refused or will retry"))]
        + [(v, str(label)) for v, label in PushResult.choices if v != PushResult.OK],
    ),
    "by": lambda r: (_("Rank by"), "select", [("units", _("Units")), ("revenue", _("Revenue"))]),
    "limit": lambda r: (_("Rows"), "number", []),
}
