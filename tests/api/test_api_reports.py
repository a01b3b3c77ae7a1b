"""``GET /api/reports/{name}``: the reports as JSON rows equal to the orders' sums, as XLSX/CSV
files, long files as background exports; filters checked (422 per field); roles as in the UI."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest
from api_helpers import ApiClient

from roles_support import an_integration, user_with_role
from sales_support import LinePlan, place
from satustok.api import tokens
from satustok.catalog.models import MasterProduct, Variant
from satustok.core.access import Role
from satustok.inventory import stock
from satustok.inventory.models import MovementReason
from satustok.reports import catalogue, exports

RANGE = {"start": "2026-11-25", "end": "2026-12-05"}


@pytest.fixture
def sold(db: Any) -> dict[str, Any]:
    shop = an_integration(shop_name="Toko Satu")
    product = MasterProduct.objects.create(name="Kaos Polos")
    red = Variant.objects.create(product=product, sku="KAOS-M", price=50_000, cost=30_000)
    place(shop, datetime(2026, 12, 1, 3, tzinfo=UTC), [LinePlan(2, 50_000, red)])
    place(shop, datetime(2026, 12, 2, 3, tzinfo=UTC), [LinePlan(1, 48_000, red)])
    stock.move(shop.warehouse.pk, red.pk, on_hand=7, reason=MovementReason.ADJUSTMENT)
    return {"shop": shop, "red": red}


def test_report_as_json_rows(api: ApiClient, sold: dict[str, Any]) -> None:
    answer = api.get("/reports/sales-by-sku", **RANGE)
    assert answer.status_code == 200
    body = answer.json()
    assert body["start"] == "2026-11-25" and body["end"] == "2026-12-05"
    (section,) = body["sections"]
    assert [c["kind"] for c in section["columns"]][3:] == ["int", "int", "rupiah"]
    assert section["rows"] == [["KAOS-M", "Kaos Polos", "", 2, 3, 148_000]]
    assert section["totals"][4:] == [3, 148_000] and section["row_count"] == 1


def test_ledger_pages_and_wib_times(api: ApiClient, sold: dict[str, Any]) -> None:
    for _ in range(4):
        stock.move(sold["shop"].warehouse.pk, sold["red"].pk, on_hand=1, reason="adjustment")
    page = api.get("/reports/stock-ledger", offset=1, page_size=2).json()["sections"][0]
    assert page["row_count"] == 5 and len(page["rows"]) == 2
    assert page["rows"][0][0].endswith("+07:00")  # WIB, as the page and the files show it
    assert page["totals"][5] == 11


def test_report_as_files(api: ApiClient, sold: dict[str, Any]) -> None:
    xlsx = api.get("/reports/stock-value", format="xlsx")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"] == exports.CONTENT_TYPES["xlsx"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert len(book.sheetnames) == 2
    detail = book.worksheets[1]
    assert detail["E2"].value == 7 and detail["J2"].value == 210_000
    csv_answer = api.get("/reports/sales-over-time", format="csv", section="periods", **RANGE)
    assert csv_answer.status_code == 200
    assert csv_answer.content.startswith(b"\xef\xbb\xbf")
    assert "sales-over-time-periods-2026-11-25-2026-12-05.csv" in csv_answer["Content-Disposition"]


def test_a_long_file_is_a_background_export(
    api: ApiClient, sold: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    monkeypatch.setattr(exports, "IMMEDIATE_ROWS", 0)
    with django_capture_on_commit_callbacks(execute=False):
        started = api.get("/reports/stock-ledger", format="csv")
    assert started.status_code == 202
    export = started.json()
    assert export["state"] == "queued" and export["format"] == "csv"
    assert api.get(f"/reports/exports/{export['id']}/file").status_code == 409
    exports.run(export["id"])
    polled = api.get(f"/reports/exports/{export['id']}").json()
    assert polled["state"] == "done" and polled["done"] == polled["total"] == 1
    file = api.get(f"/reports/exports/{export['id']}/file")
    assert file.status_code == 200 and b"KAOS-M" in file.content


def test_bad_filters_answer_422_per_field(api: ApiClient, sold: dict[str, Any]) -> None:
    answer = api.get("/reports/sales-over-time", start="2026-12-05", end="2026-12-01", period="x")
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "invalid_input"
    assert {e["field"] for e in body["errors"]} == {"end", "period"}
    assert api.get("/reports/nope").status_code == 404
    assert api.get("/reports/stock-value", format="pdf").status_code == 422


def test_staff_tokens_see_only_operational_reports(client: Any, sold: dict[str, Any]) -> None:
    staff = ApiClient(client, tokens.issue(user_with_role(Role.STAFF), "staff").key)
    listed = {r["name"] for r in staff.get("/reports").json()}
    assert listed == {"stock-ledger", "import-runs", "push-failures"}
    refused = staff.get("/reports/sales-by-shop")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert staff.get("/reports/stock-ledger").status_code == 200
    viewer = ApiClient(client, tokens.issue(user_with_role(Role.VIEWER), "viewer").key)
    assert {r["name"] for r in viewer.get("/reports").json()} == set(catalogue.REPORTS)


def test_an_export_is_its_creators_only(
    api: ApiClient, client: Any, sold: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "IMMEDIATE_ROWS", 0)
    export = api.get("/reports/stock-value", format="xlsx").json()
    other = ApiClient(client, tokens.issue(user_with_role(Role.OWNER, "lain"), "x").key)
    assert other.get(f"/reports/exports/{export['id']}").status_code == 404


def test_an_offset_past_any_report_is_refused_in_words_not_a_500(
    api: ApiClient, sold: dict[str, Any]
) -> None:
    """A huge offset reached the database (SQLite "datatype mismatch", PostgreSQL "bigint out
    of range"): the query's bounds refuse it first."""
    for offset in (10**19, 2**63, exports.MAX_ROWS + 1, -1):
        answer = api.get("/reports/stock-ledger", offset=offset)
        assert answer.status_code == 422, offset
    last = api.get("/reports/stock-ledger", offset=exports.MAX_ROWS)
    assert last.status_code == 200
    assert last.json()["sections"][0]["rows"] == []
