"""Reports: the same reports as the UI's pages (``reports/catalogue.py``), as JSON rows or as
XLSX/CSV files. A file longer than the UI's immediate limit becomes a background export (202,
with the export to poll) whose file is fetched when it is ready.

Filters are query parameters named as in the UI (``start``, ``end``, ``period``, ``shop``,
``warehouse``, ``sku``, ``reason``, ``user``, ``result``, ``by``, ``limit``); a report reads
the ones it takes and ignores the others. Wrong values answer 422 ``invalid_input`` with one
message per field. The sales and stock-value reports need the ``view_reports`` capability
(Owner, Admin, Viewer); the stock ledger, import runs and push failures only ``view``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from satustok.api.errors import ApiError, field_errors, not_found
from satustok.api.schemas import Id, errors
from satustok.core.access import NotAllowed, refusal
from satustok.reports import catalogue, exports, filters
from satustok.reports.catalogue import Report
from satustok.reports.filters import FilterError
from satustok.reports.models import ReportExport
from satustok.reports.tables import Section

router = Router(tags=["reports"])
MAX_PAGE_SIZE = 5000


class ReportOut(Schema):
    name: str
    title: str
    description: str
    filters: list[str] = Field(description="the query parameters this report reads")
    permission: str


class ColumnOut(Schema):
    header: str
    kind: str = Field(description="text, int, rupiah (whole rupiah), date or datetime (WIB)")


class SectionOut(Schema):
    key: str
    title: str
    columns: list[ColumnOut]
    rows: list[list[Any]] = Field(description="this page of rows, cells in column order")
    totals: list[Any] | None = Field(description="the totals line over every row, if any")
    row_count: int = Field(description="rows in the section (all pages)")


class ResultOut(Schema):
    report: str
    title: str
    start: date | None
    end: date | None
    filters: dict[str, str] = Field(description="the filters as given")
    notes: list[str]
    sections: list[SectionOut]


class ExportOut(Schema):
    id: int
    report: str
    format: str
    state: Literal["queued", "running", "done", "failed"]
    total: int = Field(description="rows to write, once known")
    done: int = Field(description="rows written so far")
    file_name: str
    error: str = Field(description="why it failed, in words")
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_format(export: ReportExport) -> str:
        return export.file_format


class ReportQuery(Schema):
    start: str = ""
    end: str = ""
    period: str = ""
    shop: str = ""
    warehouse: str = ""
    sku: str = ""
    reason: str = ""
    user: str = ""
    result: str = ""
    by: str = ""
    limit: str = ""
    format: Literal["json", "xlsx", "csv"] = Field("json", description="json rows, or a file")
    section: str = Field("", description="CSV: the section to write (default: the last)")
    offset: int = Field(
        0, ge=0, le=exports.MAX_ROWS, description="JSON: the first row of each section to return"
    )
    page_size: int = Field(1000, ge=1, le=MAX_PAGE_SIZE, description="JSON: rows per section")


@router.get("", response=list[ReportOut], summary="The reports this token's user may open")
def list_reports(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "name": r.name,
            "title": str(r.title),
            "description": str(r.description),
            "filters": list(r.fields),
            "permission": str(r.permission),
        }
        for r in catalogue.visible_to(request.user)
    ]


@router.get("/exports/{export_id}", response={200: ExportOut, **errors(404)})
def get_export(request: HttpRequest, export_id: Id) -> ReportExport:
    """A background export: its state and progress (``done`` of ``total`` rows)."""
    return _my_export(request, export_id)


@router.get("/exports/{export_id}/file", response={200: bytes, **errors(404, 409)})
def export_file(request: HttpRequest, export_id: Id) -> HttpResponse:
    export = _my_export(request, export_id)
    if export.state != "done":
        raise ApiError(409, "not_ready", _("The export is not ready yet (or failed)."))
    return _file(exports.content_of(export), exports.content_type(export), export.file_name)


@router.get(
    "/{name}",
    response={200: ResultOut, 202: ExportOut, **errors(403, 404, 422)},
    summary="One report as JSON rows, or as an XLSX/CSV file (long ones: a background export)",
)
def get_report(request: HttpRequest, name: str, query: Query[ReportQuery]) -> Any:
    report = _report(request, name)
    given = query.dict(include=set(filters.KNOWN_FIELDS))
    try:
        chosen = filters.parse(given, report.fields, user=request.user)
    except FilterError as wrong:
        raise field_errors(
            {field: [problem] for field, problem in wrong.problems.items()}
        ) from None
    result = report.build(chosen)
    if query.format == "json":
        return _json(report, chosen, result, query)
    try:
        if exports.is_long(result, query.format, query.section):
            exports.check_size(exports.rows_to_write(result, query.format, query.section))
            return Status(
                202, exports.start(report, chosen, query.format, request.user, query.section)
            )
        made = exports.immediate_file(report, chosen, result, query.format, query.section)
    except exports.ExportRefused as refused:
        raise ApiError(422, "export_refused", str(refused)) from None
    return _file(made.content, made.content_type, made.name)


def _report(request: HttpRequest, name: str) -> Report:
    report = catalogue.get(name)
    if report is None:
        raise not_found("report", name)
    if not report.allowed(request.user):
        raise NotAllowed(refusal(report.permission))
    return report


def _my_export(request: HttpRequest, export_id: int) -> ReportExport:
    export = (
        ReportExport.objects.defer("content")
        .filter(pk=export_id, created_by_id=request.user.pk)
        .first()
    )
    if export is None:
        raise not_found("export", export_id)
    return export


def _json(
    report: Report, chosen: filters.Filters, result: Any, query: ReportQuery
) -> dict[str, Any]:
    window = slice(query.offset, query.offset + query.page_size)
    return {
        "report": report.name,
        "title": str(report.title),
        "start": chosen.start if "start" in report.fields else None,
        "end": chosen.end if "end" in report.fields else None,
        "filters": chosen.raw,
        "notes": result.notes,
        "sections": [_section(section, window) for section in result.sections],
    }


def _section(section: Section, window: slice) -> dict[str, Any]:
    return {
        "key": section.key,
        "title": section.title,
        "columns": [{"header": c.header, "kind": c.kind} for c in section.columns],
        "rows": [_plain(row) for row in section.rows[window]],
        "totals": _plain(section.totals) if section.totals else None,
        "row_count": len(section.rows),
    }


def _plain(row: Any) -> list[Any]:
    """Times in WIB, as the UI and the files show them."""
    return [timezone.localtime(v) if isinstance(v, datetime) else v for v in row]


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
