"""Reports as files: XLSX (a real spreadsheet: typed cells, Rupiah number format, frozen header,
one sheet per section) and CSV (one section, UTF-8 with a byte-order mark so Excel reads the
accents right). Every text cell goes through ``core.spreadsheet.safe_cell`` in both, so a
product named ``=HYPERLINK(…)`` stays text.

A report of up to :data:`IMMEDIATE_ROWS` rows is written while the seller waits (well under a
second). A longer one — a year of the stock ledger — is a :class:`ReportExport` written by a
queue worker (``reports/export_tasks.py``), which counts the rows it has written so the page
can show progress, and keeps the file in the database for the seller to download. Exports are
kept :data:`KEEP_DAYS` days, and at most :data:`KEEP_PER_USER` per seller (the oldest go
first) — deleted by the periodic sweep only, never by a download: a download is a GET, and a
page elsewhere could make a seller's browser request it (an image tag) to wipe their files. A
worker that died mid-export leaves a row that the sweep marks failed :data:`RUNNING_TOO_LONG`
after the worker *started* it (a queue backed up for an hour does not fail exports that have
only just begun).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from satustok.core.formatting import grouped
from satustok.core.spreadsheet import Sheet, write_csv, write_xlsx
from satustok.reports import catalogue, filters
from satustok.reports.catalogue import Report
from satustok.reports.filters import FilterError, Filters
from satustok.reports.models import ExportFormat, ExportState, ReportExport
from satustok.reports.tables import ReportResult, Row, Section

log = logging.getLogger(__name__)

IMMEDIATE_ROWS = 5_000  # more rows than this: written in the background
MAX_ROWS = 1_000_000  # an XLSX sheet holds 1,048,576 rows; beyond this, narrow the filters
KEEP_DAYS = 7
KEEP_PER_USER = 20
PROGRESS_EVERY = 500  # rows written between two progress updates
QUEUED_TOO_LONG = timedelta(minutes=2)  # a lost task: queued again
RUNNING_TOO_LONG = timedelta(hours=1)  # a worker that died: the export is marked failed
CONTENT_TYPES: dict[str, str] = {
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}
SECTION_PARAM, LANGUAGE_PARAM = "_section", "_language"


class ExportRefused(ValueError):
    """The file cannot be made as asked; the message says why, for the seller."""


@dataclass(frozen=True)
class File:
    name: str
    content: bytes
    content_type: str


# --- writing a file --------------------------------------------------------------------------


def file_name(
    report: Report, chosen: Filters, file_format: str, section: Section | None = None
) -> str:
    """``satustok-sales-by-sku-2026-11-01-2026-11-30.xlsx`` (a CSV names its section)."""
    parts = ["satustok", report.name]
    if section is not None:
        parts.append(section.key)
    if report.dated:
        parts += [chosen.start.isoformat(), chosen.end.isoformat()]
    else:
        parts.append(filters.today().isoformat())
    return "-".join(parts) + f".{file_format}"


def csv_section(result: ReportResult, key: str = "") -> Section:
    """The section a CSV holds: the one asked for, else the report's last (its detail)."""
    if not key:
        return result.sections[-1]
    found = result.section(key)
    if found is None:
        raise ExportRefused(_("This report has no table “%(key)s”.") % {"key": key})
    return found


def write(
    result: ReportResult,
    file_format: str,
    section_key: str = "",
    counted: Any = None,
) -> bytes:
    """The report as an XLSX (every section a sheet) or a CSV (one section). ``counted``
    wraps each section's rows (progress)."""
    wrap = counted or (lambda rows: rows)
    if file_format == ExportFormat.CSV:
        section = csv_section(result, section_key)
        return csv_bytes(section.sheet(wrap(section.rows)))
    buffer = io.BytesIO()
    write_xlsx([section.sheet(wrap(section.rows)) for section in result.sections], buffer)
    return buffer.getvalue()


def csv_bytes(sheet: Sheet) -> bytes:
    text = io.StringIO()
    text.write("\ufeff")  # the byte-order mark: Excel then reads the file as UTF-8
    write_csv(sheet, text)
    return text.getvalue().encode("utf-8")


def rows_to_write(result: ReportResult, file_format: str, section_key: str = "") -> int:
    if file_format == ExportFormat.CSV:
        return len(csv_section(result, section_key).rows)
    return result.row_count


def check_size(rows: int) -> None:
    if rows > MAX_ROWS:
        raise ExportRefused(
            _(
                "%(rows)s rows is more than one file can hold (%(most)s): choose a shorter "
                "range or narrow the filters."
            )
            % {"rows": grouped(rows), "most": grouped(MAX_ROWS)}
        )


def immediate_file(
    report: Report, chosen: Filters, result: ReportResult, file_format: str, section_key: str = ""
) -> File:
    """The file, written now (the caller checked it is small enough)."""
    section = csv_section(result, section_key) if file_format == ExportFormat.CSV else None
    content = write(result, file_format, section_key)
    return File(
        file_name(report, chosen, file_format, section), content, CONTENT_TYPES[file_format]
    )


def is_long(result: ReportResult, file_format: str, section_key: str = "") -> bool:
    return rows_to_write(result, file_format, section_key) > IMMEDIATE_ROWS


# --- background exports ----------------------------------------------------------------------


def start(
    report: Report, chosen: Filters, file_format: str, user: Any, section_key: str = ""
) -> ReportExport:
    """Write the export and queue it (once the row is committed)."""
    if file_format not in ExportFormat.values:
        raise ExportRefused(_("Choose XLSX or CSV."))
    params: dict[str, str] = {
        **chosen.raw,
        LANGUAGE_PARAM: translation.get_language() or settings.LANGUAGE_CODE,
    }
    if "start" in report.fields:  # the range as shown now, even if the worker starts tomorrow
        params.update(start=chosen.start.isoformat(), end=chosen.end.isoformat())
    if section_key:
        params[SECTION_PARAM] = section_key
    with transaction.atomic():
        export = ReportExport.objects.create(
            report=report.name, params=params, file_format=file_format, created_by=user
        )
        transaction.on_commit(lambda: _queue(export.pk))
    return export


def _queue(export_id: int) -> None:
    from satustok.reports import export_tasks  # the tasks import this module

    export_tasks.run_export(export_id)


def run(export_id: int) -> ReportExport:
    """Write the export's file, counting rows as it goes. Running it twice does nothing more:
    only the worker that moves it from queued to running writes it."""
    claimed = ReportExport.objects.filter(pk=export_id, state=ExportState.QUEUED).update(
        state=ExportState.RUNNING, started_at=timezone.now()
    )
    export = ReportExport.objects.select_related("created_by").get(pk=export_id)
    if not claimed:
        return export
    language = export.params.get(LANGUAGE_PARAM, settings.LANGUAGE_CODE)
    with translation.override(language):
        try:
            _write_export(export)
        except (ExportRefused, FilterError) as refused:
            _fail(export, str(refused))
        except Exception as error:  # the seller reads a message, the log the rest
            log.exception("report export %s failed", export.pk)
            _fail(export, _unexpected(error))
    export.refresh_from_db()
    return export


def _write_export(export: ReportExport) -> None:
    report = catalogue.get(export.report)
    user = export.created_by
    if report is None or user is None or not report.allowed(user):
        raise ExportRefused(_("This report is not yours to export any more."))
    chosen = filters.parse(export.params, report.fields, user=user)
    result = report.build(chosen)
    section_key = export.params.get(SECTION_PARAM, "")
    total = rows_to_write(result, export.file_format, section_key)
    check_size(total)
    ReportExport.objects.filter(pk=export.pk).update(total=total)
    progress = _Progress(export.pk)
    content = write(result, export.file_format, section_key, counted=progress.rows)
    section = csv_section(result, section_key) if export.file_format == ExportFormat.CSV else None
    ReportExport.objects.filter(pk=export.pk).update(
        state=ExportState.DONE,
        done=total,
        content=content,
        file_name=file_name(report, chosen, export.file_format, section),
        finished_at=timezone.now(),
    )


class _Progress:
    """Counts the rows written and stores the count every :data:`PROGRESS_EVERY` rows."""

    def __init__(self, export_id: int) -> None:
        self.export_id = export_id
        self.done = 0

    def rows(self, rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            yield row
            self.done += 1
            if self.done % PROGRESS_EVERY == 0:
                ReportExport.objects.filter(pk=self.export_id).update(done=self.done)


def _fail(export: ReportExport, message: str) -> None:
    ReportExport.objects.filter(pk=export.pk).update(
        state=ExportState.FAILED, error=message, finished_at=timezone.now(), content=None
    )


def _unexpected(error: Exception) -> str:
    return _(
        "Something unexpected went wrong while writing the file (%(error)s); it was logged. "
        "Start the export again."
    ) % {"error": type(error).__name__}


def content_of(export: ReportExport) -> bytes:
    return bytes(export.content or b"")


def content_type(export: ReportExport) -> str:
    return CONTENT_TYPES.get(export.file_format, "application/octet-stream")


# --- keeping the queue and the table tidy ----------------------------------------------------


def purge() -> int:
    """Delete exports older than :data:`KEEP_DAYS`, and each seller's beyond their newest
    :data:`KEEP_PER_USER` (the periodic sweep's work). How many were deleted."""
    old = ReportExport.objects.filter(created_at__lt=timezone.now() - timedelta(days=KEEP_DAYS))
    deleted = old.delete()[0]
    crowded = (
        ReportExport.objects.filter(created_by__isnull=False)
        .order_by()
        .values_list("created_by_id")
        .annotate(n=Count("id"))
        .filter(n__gt=KEEP_PER_USER)
        .values_list("created_by_id", flat=True)
    )
    for user_id in list(crowded):
        mine = ReportExport.objects.filter(created_by_id=user_id).order_by("-created_at", "-id")
        beyond = list(mine.values_list("pk", flat=True)[KEEP_PER_USER:])
        deleted += ReportExport.objects.filter(pk__in=beyond).delete()[0]
    return deleted


def lost() -> list[int]:
    """Queued exports no worker took (a lost task): to queue again. Running ones whose worker
    died — started more than :data:`RUNNING_TOO_LONG` ago — are marked failed with a message
    (a file half written cannot be resumed)."""
    now = timezone.now()
    too_long = now - RUNNING_TOO_LONG
    ReportExport.objects.filter(
        Q(started_at__lt=too_long)
        # Claimed before ``started_at`` existed: their creation is all there is to go by.
        | Q(started_at__isnull=True, created_at__lt=too_long),
        state=ExportState.RUNNING,
    ).update(
        state=ExportState.FAILED,
        finished_at=now,
        error=_("The export stopped before it finished (its worker stopped). Start it again."),
    )
    waiting = ReportExport.objects.filter(
        Q(state=ExportState.QUEUED), created_at__lt=now - QUEUED_TOO_LONG
    )
    return list(waiting.values_list("pk", flat=True))
