"""Reports in Chromium on ``make run``'s stack: a month of orders written into the stack's
database (a shop of its own, in March 2024 — before any range the dashboard or another test
looks at), the *Sales over time* report opened from the menu and filtered by week, its table
equal to the sums computed here from the orders, its chart drawn, the XLSX downloaded and read
back with openpyxl equal to the table; the *Sales by SKU* XLSX keeps a product named like a
formula as text. Everything written is deleted again at the end."""

from __future__ import annotations

import io
import json
import subprocess
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from browser_support import Stack, log_in, screenshot

from running_hub import satustok

EVIL = '=HYPERLINK("http://evil.example","klik")'
SHOP_ID = "laporan-browser-1"
# (day in March 2024, hour WIB, status, [(sku, quantity, unit price)])
ORDERS = [
    (4, 9, "completed", [("RPT-KAOS", 2, 75_000), ("RPT-TOPI", 1, 40_000)]),
    (6, 23, "shipped", [("RPT-KAOS", 1, 75_000)]),
    (10, 0, "delivered", [("RPT-EVIL", 3, 12_500)]),  # Sunday → the week of March 4th
    (11, 0, "open", [("RPT-TOPI", 4, 38_000)]),  # Monday → the next week
    (11, 10, "cancelled", [("RPT-KAOS", 9, 75_000)]),  # not a sale
    (20, 15, "completed", [("RPT-KAOS", 5, 70_000), ("RPT-EVIL", 1, 12_500)]),
    (27, 8, "pending_payment", [("RPT-TOPI", 2, 40_000)]),  # not paid: not a sale
]
SOLD = {"open", "accepted", "ready_to_ship", "shipped", "delivered", "completed"}

SEED = """
import json
from datetime import datetime, timedelta, timezone
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.connect import default_warehouse
from satustok.channels.models import ChannelAccount
from satustok.orders.models import Order, OrderLine
plan = json.loads({plan!r})
products = {{"RPT-KAOS": "Kaos Laporan", "RPT-TOPI": "Topi Laporan", "RPT-EVIL": plan["evil"]}}
variants = {{sku: Variant.objects.create(product=MasterProduct.objects.create(name=name), sku=sku)
            for sku, name in products.items()}}
shop = ChannelAccount.objects.create(
    channel="tokopedia", shop_id=plan["shop_id"], shop_name="Toko Laporan", app_id="1",
    client_id="laporan", client_secret="laporan-secret-of-some-length",
    warehouse=default_warehouse())
wib = timezone(timedelta(hours=7))
for number, (day, hour, status, lines) in enumerate(plan["orders"]):
    order = Order.objects.create(
        account=shop, external_id=f"RPT-{{number}}", status=status, channel_status=status,
        ordered_at=datetime(2024, 3, day, hour, tzinfo=wib),
        item_count=sum(q for _s, q, _p in lines))
    for sku, quantity, price in lines:
        OrderLine.objects.create(order=order, external_product_id=sku, sku=sku, quantity=quantity,
                                 price=price, variant=variants[sku], linked=True)
print(json.dumps({{"shop": shop.pk, "products": [v.product_id for v in variants.values()]}}))
"""

CLEAN = """
from satustok.catalog.models import MasterProduct
from satustok.channels.models import ChannelAccount
ChannelAccount.objects.filter(channel="tokopedia", shop_id={shop_id!r}).delete()
MasterProduct.objects.filter(variants__sku__startswith="RPT-").delete()
"""


def shell(stack: Stack, code: str) -> str:
    done = subprocess.run(
        satustok("shell", "-c", code),
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


@pytest.fixture
def seeded(stack: Stack) -> Any:
    shell(stack, CLEAN.format(shop_id=SHOP_ID))  # a run stopped half-way left them
    plan = json.dumps({"orders": ORDERS, "evil": EVIL, "shop_id": SHOP_ID})
    made = json.loads(shell(stack, SEED.format(plan=plan)))
    yield made
    shell(stack, CLEAN.format(shop_id=SHOP_ID))


def expected_weeks() -> dict[str, tuple[int, int, int]]:
    """Orders, units and revenue per ISO week (its Monday), from the plan above."""
    weeks: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for day, _hour, status, lines in ORDERS:
        if status not in SOLD:
            continue
        ordered = date(2024, 3, day)
        week = weeks[(ordered - timedelta(days=ordered.weekday())).isoformat()]
        week[0] += 1
        week[1] += sum(quantity for _sku, quantity, _price in lines)
        week[2] += sum(quantity * price for _sku, quantity, price in lines)
    return {monday: (o, u, r) for monday, (o, u, r) in weeks.items()}


def table_values(page: Any, testid: str) -> list[list[str]]:
    return page.eval_on_selector_all(  # type: ignore[no-any-return]
        f"[data-testid={testid}] tbody tr",
        "rows => rows.map(r => [...r.cells].map(c => c.dataset.value))",
    )


def workbook_rows(download: Any) -> tuple[Any, list[list[Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    return book, [list(row) for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]


def test_a_sales_report_matches_the_orders_and_its_xlsx_matches_the_page(
    page: Any, stack: Stack, seeded: dict[str, Any]
) -> None:
    log_in(page, stack)
    page.click("[data-testid=nav-reports]")
    page.click("[data-report=sales-over-time]")
    page.fill("#filter-start", "2024-03-01")
    page.fill("#filter-end", "2024-03-31")
    page.select_option("#filter-period", "week")
    page.select_option("#filter-shop", str(seeded["shop"]))
    page.click("[data-testid=report-show]")
    page.wait_for_selector("[data-testid=section-periods]")

    shown = table_values(page, "section-periods")
    mondays = [row[0] for row in shown]
    assert mondays == ["2024-02-26", "2024-03-04", "2024-03-11", "2024-03-18", "2024-03-25"]
    weeks = expected_weeks()
    for monday, orders, units, revenue in shown:
        assert (int(orders), int(units), int(revenue)) == weeks.get(monday, (0, 0, 0))
    totals = page.eval_on_selector_all(
        "[data-testid=section-periods] tfoot th", "cells => cells.map(c => c.dataset.value)"
    )
    assert [int(v) for v in totals[1:]] == [sum(w[i] for w in weeks.values()) for i in range(3)]
    assert "Rp " in page.inner_text("[data-testid=section-periods]")

    canvas = "#report-sales-over-time"
    page.wait_for_selector(f"{canvas}[data-drawn='1']", state="attached")
    drawn = page.evaluate(
        f"() => Chart.getChart(document.querySelector('{canvas}')).data.datasets"
        ".map(d => d.data.reduce((a, b) => a + b, 0))"
    )
    assert sum(drawn) == sum(w[2] for w in weeks.values())
    screenshot(page, "31-report-sales")

    with page.expect_download() as downloading:
        page.click("[data-testid=download-xlsx]")
    download = downloading.value
    assert download.suggested_filename == "satustok-sales-over-time-2024-03-01-2024-03-31.xlsx"
    book, rows = workbook_rows(download)
    assert book.worksheets[0].freeze_panes == "A2"
    assert len(rows) == len(shown) + 1  # the table's rows, then the totals line
    for row, cells in zip(rows, shown, strict=False):
        assert isinstance(row[0], datetime) and row[0].date().isoformat() == cells[0]
        assert row[1:] == [int(value) for value in cells[1:]]
    assert rows[-1][1:] == [int(v) for v in totals[1:]]
    assert book.worksheets[0].cell(2, 4).number_format == '"Rp "#,##0'


def test_a_formula_named_product_stays_text_in_the_downloaded_xlsx(
    page: Any, stack: Stack, seeded: dict[str, Any]
) -> None:
    log_in(page, stack)
    page.goto(
        stack.url + f"/reports/sales-by-sku/?start=2024-03-01&end=2024-03-31&shop={seeded['shop']}"
    )
    shown = {row[0]: row for row in table_values(page, "section-skus")}
    assert shown["RPT-EVIL"][1] == EVIL  # the page shows the name as it is
    with page.expect_download() as downloading:
        page.click("[data-testid=download-xlsx]")
    _book, rows = workbook_rows(downloading.value)
    by_sku = {row[0]: row for row in rows if row[0]}
    assert by_sku["RPT-EVIL"][1] == "'" + EVIL
    assert by_sku["RPT-EVIL"][3:] == [int(v) for v in shown["RPT-EVIL"][3:]] == [2, 4, 50_000]
