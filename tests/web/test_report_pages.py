"""The report pages: each report opens with its table, totals, chart and download links; the
numbers on the page are sums of the orders the test placed; money reports refuse Staff;
bad filters say what is wrong (400, never a 500); a long table is paged; a long download
becomes a background export whose page shows progress, then the link."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from roles_support import ROLES, an_integration, user_with_role
from sales_support import LinePlan, place
from satustok.catalog.models import MasterProduct, Variant
from satustok.core.access import ROLE_PERMISSIONS, Role
from satustok.inventory import stock
from satustok.inventory.models import MovementReason
from satustok.reports import catalogue, exports, sales
from satustok.reports.models import ExportFormat, ExportState, ReportExport

pytestmark = pytest.mark.django_db

DAY = date(2026, 12, 1)
RANGE = {"start": "2026-11-25", "end": "2026-12-05"}


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=7)


@pytest.fixture
def shop_data() -> dict[str, Any]:
    shop = an_integration(shop_name="Toko Satu")
    product = MasterProduct.objects.create(name="Kaos Polos")
    red = Variant.objects.create(product=product, sku="KAOS-M", price=50_000, cost=30_000)
    blue = Variant.objects.create(product=product, sku="KAOS-B", price=55_000)
    place(shop, at(DAY, 10), [LinePlan(2, 50_000, red), LinePlan(1, 55_000, blue)])
    place(shop, at(DAY + timedelta(days=1), 10), [LinePlan(3, 50_000, red)], status="open")
    place(shop, at(DAY, 11), [LinePlan(9, 50_000, red)], status="cancelled")
    stock.move(shop.warehouse.pk, red.pk, on_hand=20, reason=MovementReason.ADJUSTMENT)
    return {"shop": shop, "red": red, "blue": blue}


def login(client: Client, role: str = Role.OWNER) -> Any:
    user = user_with_role(role)
    client.force_login(user)
    return user


def cells(page: str, testid: str) -> list[list[str]]:
    """The data-value of every cell of a report table's body rows."""
    table = page.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.findall(r'data-value="([^"]*)"', row) for row in body.split("</tr>") if "<td" in row]


def totals(page: str, testid: str) -> list[str]:
    table = page.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'data-value="([^"]*)"', table.split("<tfoot>", 1)[1])


def test_sales_by_sku_page_shows_the_orders_sums(client: Client, shop_data: dict[str, Any]) -> None:
    login(client)
    page = client.get(reverse("web:report", args=["sales-by-sku"]), RANGE).content.decode()
    rows = {row[0]: row for row in cells(page, "section-skus")}
    # KAOS-M: 2 + 3 units in 2 orders (the cancelled order does not count), Rp 250.000.
    assert rows["KAOS-M"][3:] == ["2", "5", "250000"]
    assert rows["KAOS-B"][3:] == ["1", "1", "55000"]
    assert totals(page, "section-skus")[4:] == ["6", "305000"]
    assert "Rp 250.000" in page
    assert 'data-testid="download-xlsx"' in page and 'data-testid="download-csv"' in page


def test_sales_over_time_has_a_chart_with_the_same_numbers(
    client: Client, shop_data: dict[str, Any]
) -> None:
    login(client)
    page = client.get(
        reverse("web:report", args=["sales-over-time"]), {**RANGE, "period": "day"}
    ).content.decode()
    assert 'data-testid="chart-report-sales-over-time"' in page
    assert 'data-chart="report-sales-over-time-spec"' in page
    rows = {row[0]: row[1:] for row in cells(page, "section-periods")}
    assert rows["2026-12-01"] == ["1", "3", "155000"]
    assert rows["2026-12-02"] == ["1", "3", "150000"]
    assert rows["2026-11-25"] == ["0", "0", "0"]
    chart_table = cells(page, "chart-report-sales-over-time-table")
    assert sum(int(value) for row in chart_table for value in row) == 305_000


@pytest.mark.parametrize("name", list(catalogue.REPORTS))
@pytest.mark.parametrize("role", ROLES)
def test_each_report_opens_for_the_roles_that_may(
    client: Client, shop_data: dict[str, Any], name: str, role: str
) -> None:
    login(client, role)
    report = catalogue.REPORTS[name]
    response = client.get(reverse("web:report", args=[name]), RANGE)
    download = client.get(reverse("web:report_download", args=[name, "xlsx"]), RANGE)
    if report.permission in ROLE_PERMISSIONS[role]:
        assert response.status_code == 200
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment;")
    else:
        assert response.status_code == 403 and download.status_code == 403
        assert 'data-testid="forbidden"' in response.content.decode()


def test_staff_sees_only_operational_reports_in_the_list(client: Client) -> None:
    login(client, Role.STAFF)
    page = client.get(reverse("web:reports")).content.decode()
    shown = set(re.findall(r'data-report="([^"]+)"', page))
    assert shown == {"stock-ledger", "import-runs", "push-failures"}
    assert 'data-testid="nav-reports"' in page
    login(client, Role.VIEWER)
    page = client.get(reverse("web:reports")).content.decode()
    assert set(re.findall(r'data-report="([^"]+)"', page)) == set(catalogue.REPORTS)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-02-30"}, "start"),
        ({"start": "2026-12-05", "end": "2026-12-01"}, "end"),
        ({"start": "2020-01-01", "end": "2026-12-01"}, "end"),
        ({"shop": "abc"}, "shop"),
        ({"period": "hour"}, "period"),
    ],
)
def test_bad_filters_show_the_form_with_the_reason(
    client: Client, shop_data: dict[str, Any], query: dict[str, str], field: str
) -> None:
    login(client)
    for url in (
        reverse("web:report", args=["sales-over-time"]),
        reverse("web:report_download", args=["sales-over-time", "csv"]),
    ):
        response = client.get(url, query)
        assert response.status_code == 400
        page = response.content.decode()
        assert f'data-testid="problem-{field}"' in page
        assert 'data-testid="report-problems"' in page
        assert 'data-testid="section-' not in page


def test_unknown_report_or_format_is_not_found(client: Client) -> None:
    login(client)
    assert client.get(reverse("web:report", args=["profit"])).status_code == 404
    url = reverse("web:report_download", args=["stock-value", "pdf"])
    assert client.get(url).status_code == 404


def test_the_ledger_is_paged_and_its_totals_cover_every_row(
    client: Client, shop_data: dict[str, Any]
) -> None:
    red, warehouse = shop_data["red"], shop_data["shop"].warehouse
    for _ in range(130):
        stock.move(warehouse.pk, red.pk, on_hand=1, reason=MovementReason.ADJUSTMENT)
    login(client)
    url = reverse("web:report", args=["stock-ledger"])
    first = client.get(url, {"sku": "KAOS-M"}).content.decode()
    assert len(cells(first, "section-movements")) == 100
    assert totals(first, "section-movements")[5] == "150"  # 20 + 130 × 1, every row
    assert 'data-testid="pager-next"' in first
    second = client.get(url, {"sku": "KAOS-M", "page_movements": "2"}).content.decode()
    assert len(cells(second, "section-movements")) == 31
    assert 'data-testid="pager-previous"' in second


def test_a_long_download_runs_in_the_background_and_its_page_shows_progress_then_the_link(
    client: Client, shop_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    user = login(client)
    monkeypatch.setattr(exports, "IMMEDIATE_ROWS", 0)
    page = client.get(reverse("web:report", args=["stock-ledger"]))
    assert 'data-testid="report-long"' in page.content.decode()
    # Queued, not yet run: the page polls for progress.
    with django_capture_on_commit_callbacks(execute=False):
        response = client.get(reverse("web:report_download", args=["stock-ledger", "xlsx"]))
    export = ReportExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:report_export", args=[export.pk])
    assert export.created_by == user and export.state == ExportState.QUEUED
    waiting = client.get(response["Location"]).content.decode()
    assert 'data-state="queued"' in waiting
    assert reverse("web:report_export_progress", args=[export.pk]) in waiting
    assert 'data-testid="export-file"' not in waiting
    progress = client.get(reverse("web:report_export_progress", args=[export.pk]))
    assert 'data-testid="export-progress"' in progress.content.decode()
    assert client.get(reverse("web:report_export_file", args=[export.pk])).status_code == 404

    exports.run(export.pk)  # what the queue worker does
    finished = client.get(reverse("web:report_export_progress", args=[export.pk]))
    assert finished.headers.get("HX-Refresh") == "true"
    done = client.get(response["Location"]).content.decode()
    assert 'data-state="done"' in done and 'data-testid="export-file"' in done
    file = client.get(reverse("web:report_export_file", args=[export.pk]))
    assert file.status_code == 200
    assert file["Content-Type"] == exports.CONTENT_TYPES[ExportFormat.XLSX]
    assert file.content[:2] == b"PK"  # a zip: an XLSX workbook
    mine = client.get(reverse("web:report_exports")).content.decode()
    assert f'data-export="{export.pk}"' in mine


def test_an_export_is_its_creators_only(client: Client, shop_data: dict[str, Any]) -> None:
    owner = user_with_role(Role.OWNER, "pemilik")
    export = ReportExport.objects.create(
        report="stock-ledger", file_format="csv", created_by=owner, state=ExportState.DONE,
        content=b"x", file_name="x.csv",
    )  # fmt: skip
    login(client, Role.ADMIN)
    for name in ("web:report_export", "web:report_export_progress", "web:report_export_file"):
        assert client.get(reverse(name, args=[export.pk])).status_code == 404


def test_a_failed_export_says_why(client: Client, shop_data: dict[str, Any]) -> None:
    user = login(client)
    export = ReportExport.objects.create(
        report="sales-over-time", params={"start": "yesterday"}, file_format="xlsx", created_by=user
    )
    exports.run(export.pk)
    page = client.get(reverse("web:report_export", args=[export.pk])).content.decode()
    assert 'data-testid="export-error"' in page and 'data-state="failed"' in page
    export.refresh_from_db()
    assert "yesterday" in export.error


def test_top_sellers_with_skus_shaped_like_dates_answer_with_their_chart(
    client: Client, shop_data: dict[str, Any]
) -> None:
    """``BAJU-00001`` is ten characters with a dash at index 4: guessed to be a date, it made
    the page a 500. A chart's labels are text or dates as the report made them."""
    product = MasterProduct.objects.create(name="Baju")
    shirt = Variant.objects.create(product=product, sku="BAJU-00001")
    black = Variant.objects.create(product=product, sku="KAOS-HITAM")
    later = DAY + timedelta(days=20)  # a day only these two SKUs sold on
    place(
        shop_data["shop"], at(later, 12), [LinePlan(5, 10_000, shirt), LinePlan(4, 10_000, black)]
    )
    login(client)
    that_day = {"start": later.isoformat(), "end": later.isoformat()}
    response = client.get(reverse("web:report", args=["top-sellers"]), that_day)
    assert response.status_code == 200
    page = response.content.decode()
    found = re.search(
        r'<script id="report-top-sellers-spec" type="application/json">(.*?)</script>', page, re.S
    )
    assert found
    spec = json.loads(found.group(1))
    assert spec["dates"] is False
    assert spec["labels"] == ["BAJU-00001", "KAOS-HITAM"]
    over_time = client.get(reverse("web:report", args=["sales-over-time"]), RANGE).content.decode()
    dated = re.search(
        r'<script id="report-sales-over-time-spec" type="application/json">(.*?)</script>',
        over_time,
        re.S,
    )
    assert dated and json.loads(dated.group(1))["dates"] is True


def test_download_links_do_not_carry_the_download_attribute(
    client: Client, shop_data: dict[str, Any]
) -> None:
    """A long report answers a download with a redirect to its export's page; with
    ``download`` on the link Chromium saved that page as the file. The server's
    Content-Disposition: attachment already makes a short one a download."""
    login(client)
    page = client.get(reverse("web:report", args=["sales-by-sku"]), RANGE).content.decode()
    links = re.findall(r'<a [^>]*data-testid="download-[^"]*"[^>]*>', page)
    assert len(links) >= 3  # XLSX, CSV, and a CSV per table
    assert all(not re.search(r"\sdownload(\s|>|=)", link) for link in links), links


def test_a_report_page_while_the_database_is_busy_shows_the_last_aggregates(
    client: Client, shop_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client)
    client.get(reverse("web:report", args=["sales-by-sku"]), RANGE)  # aggregates made

    def locked() -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(sales, "refresh", locked)
    place(shop_data["shop"], at(DAY, 15), [LinePlan(1, 50_000, shop_data["red"])])  # not yet in
    response = client.get(reverse("web:report", args=["sales-by-sku"]), RANGE)
    assert response.status_code == 200
    rows = {row[0]: row for row in cells(response.content.decode(), "section-skus")}
    assert rows["KAOS-M"][4:] == ["5", "250000"]  # as before the new order


def test_the_user_filter_lists_everyone_only_to_those_who_see_the_business(
    client: Client, shop_data: dict[str, Any]
) -> None:
    others = [user_with_role(Role.ADMIN), user_with_role(Role.VIEWER)]
    url = reverse("web:report", args=["stock-ledger"])

    def names(page: str) -> set[str]:
        select = page.split('data-testid="filter-user"', 1)[1].split("</select>", 1)[0]
        return set(re.findall(r'<option value="([^"]+)"', select)) - {"-"}

    staff = login(client, Role.STAFF)
    assert names(client.get(url).content.decode()) == {staff.username}
    owner = login(client, Role.OWNER)
    assert names(client.get(url).content.decode()) >= {
        owner.username,
        staff.username,
        *(u.username for u in others),
    }
