"""Stock by upload in Chromium on ``make run``'s stack: the template downloaded from the stock
upload page, edited with openpyxl as a spreadsheet would save it — good changes and three bad
rows — and uploaded: the preview names the three errors by row and column, offers no Confirm,
and nothing is written (stock and ledger as before). The fixed file is uploaded and confirmed:
exactly the good changes are written, one ledger line each naming the upload, and the shop's
sandbox shows the new stock (pushed).

The shop is the demo Tokopedia shop the founding-flow test connects (connected and imported
here when this test runs alone), with *push stock* switched on; the SKUs are ones only that
shop lists and no other browser test counts on (not the fulfilment test's), so the other tests
of the session see their own SKUs untouched."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from browser_support import Stack, log_in, screenshot
from openpyxl import load_workbook
from test_content_security_policy import RECORD_VIOLATIONS
from test_founding_flow import SHOP_A, fill_credentials, menu, open_tokopedia_form
from test_fulfilment import SKUS as FULFILMENT_SKUS
from test_fulfilment import Hub, api_token
from test_two_channels import SECONDS, _tokopedia_stock, catalog, import_shop
from test_with_tiktokshop import connected, switch_on_push_and_webhooks_once

from running_hub import eventually
from satustok.core.sheet_reading import MAX_UPLOAD_BYTES

SHOP = "Toko Sari Batik"
SKU, WAREHOUSE, SET_TO, ADD = 1, 3, 6, 7  # the template's columns (from 1)


def shop_ready(page: Any, stack: Stack) -> None:
    """The demo shop connected, imported and pushing (an earlier test may have done part)."""
    if not connected(page, SHOP):
        open_tokopedia_form(page)
        fill_credentials(page, stack, SHOP_A)
        page.get_by_role("button", name="Connect").click()
        page.wait_for_selector(f"h1:has-text('{SHOP}')")
    if not any(ls["shop"] == SHOP for variant in catalog(stack) for ls in variant["listings"]):
        import_shop(page, "Tokopedia", f"Tokopedia · {SHOP}")
    switch_on_push_and_webhooks_once(page, stack, SHOP)


def only_on_the_shop(stack: Stack, hub: Hub, count: int) -> list[dict[str, Any]]:
    """``count`` SKUs listed on the shop alone (linked by SKU), nothing reserved, a few units on
    hand in the main warehouse, not a bundle: each with its listing and its stock now."""
    found = []
    for variant in catalog(stack):
        listings = variant["listings"]
        if variant["sku"] in FULFILMENT_SKUS or not listings:
            continue
        if any(ls["shop"] != SHOP or ls["link"] != "auto_sku" for ls in listings):
            continue
        level = hub.client.get("/stock", params={"sku": variant["sku"]}).json()
        main = [w for w in level["warehouses"] if w["code"] == "utama"]
        if level["components"] or level["reserved"] or not main or main[0]["on_hand"] < 3:
            continue
        found.append(
            {
                "sku": variant["sku"],
                "listing": listings[0]["external_id"],
                "on_hand": main[0]["on_hand"],
                "ledger": ledger_count(hub, variant["sku"]),
            }
        )
        if len(found) == count:
            return found
    raise AssertionError(f"fewer than {count} SKUs listed on {SHOP} alone")


def ledger_count(hub: Hub, sku: str) -> int:
    answer = hub.client.get("/stock/movements", params={"sku": sku, "limit": 1})
    return int(answer.json()["count"])


def on_hand(hub: Hub, sku: str) -> int:
    level = hub.client.get("/stock", params={"sku": sku}).json()
    return next(w["on_hand"] for w in level["warehouses"] if w["code"] == "utama")


def download_template(page: Any, stack: Stack) -> bytes:
    menu(page, "Inventory")
    page.get_by_test_id("stock-upload-link").click()
    assert page.evaluate("window.__violations") == []
    with page.expect_download() as download:
        page.get_by_test_id("download-template").click()
    return Path(download.value.path()).read_bytes()


def edited(
    template: bytes, changes: dict[str, tuple[int, object]], extra: list[list[Any]]
) -> tuple[bytes, dict[str, int]]:
    """The template with ``changes`` (SKU → (column, value)) in the main-warehouse rows and
    ``extra`` rows appended, saved by openpyxl as a spreadsheet saves it; the row of each
    changed SKU and of each appended row ("+1", "+2", …)."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    rows: dict[str, int] = {}
    for number in range(2, sheet.max_row + 1):
        sku = sheet.cell(number, SKU).value
        if sku in changes and sheet.cell(number, WAREHOUSE).value == "utama":
            column, value = changes[sku]
            sheet.cell(number, column, value)
            rows[sku] = number
    for offset, row in enumerate(extra, start=1):
        sheet.append(row)
        rows[f"+{offset}"] = sheet.max_row
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), rows


def upload(page: Any, tmp_path: Path, name: str, data: bytes) -> int:
    path = tmp_path / name
    path.write_bytes(data)
    page.set_input_files("#id_file", str(path))
    page.get_by_test_id("upload-submit").click()
    page.wait_for_url(re.compile(r".*/uploads/\d+/$"))
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def shown_problems(page: Any) -> list[tuple[int, str, str]]:
    rows = page.locator("#upload-problems tr[data-row]")
    return [
        (
            int(row.get_attribute("data-row")),
            row.get_attribute("data-column"),
            row.get_attribute("data-code"),
        )
        for row in rows.all()
    ]


def test_a_stock_upload_with_three_bad_rows_writes_nothing_then_the_fix_is_written_and_pushed(
    page: Any, stack: Stack, tmp_path: Path
) -> None:
    page.add_init_script(RECORD_VIOLATIONS)  # the upload pages' script obeys the CSP
    log_in(page, stack)
    shop_ready(page, stack)
    hub = Hub(stack, api_token(stack))
    a, b, c, d = only_on_the_shop(stack, hub, 4)
    template = download_template(page, stack)

    good = {a["sku"]: (SET_TO, a["on_hand"] + 5), b["sku"]: (ADD, 3), c["sku"]: (ADD, -1)}
    bad, rows = edited(
        template,
        {**good, d["sku"]: (SET_TO, "sepuluh")},
        [
            ["TIDAK-ADA-SKU", "", "utama", None, None, 4, None],
            [c["sku"], "", "gudang-x", None, None, None, 2],
        ],
    )
    too_big = tmp_path / "terlalu-besar.csv"
    too_big.write_bytes(b"SKU\n" + b"A" * MAX_UPLOAD_BYTES)
    page.set_input_files("#id_file", str(too_big))  # refused here, in the page's words
    assert page.get_by_test_id("file-too-big").is_visible()
    assert page.get_by_test_id("upload-submit").is_disabled()
    first = upload(page, tmp_path, "stok-salah.xlsx", bad)
    assert sorted(shown_problems(page)) == sorted(
        [
            (rows[d["sku"]], "Set to", "not_whole_number"),
            (rows["+1"], "SKU", "unknown_sku"),
            (rows["+2"], "Warehouse", "unknown_warehouse"),
        ]
    )
    assert page.get_by_test_id("confirm-upload").count() == 0
    assert page.evaluate("window.__violations") == []
    screenshot(page, "32-stock-upload-preview")
    for sku in (a, b, c, d):  # nothing written: stock and ledger as before
        assert on_hand(hub, sku["sku"]) == sku["on_hand"]
        assert ledger_count(hub, sku["sku"]) == sku["ledger"]

    fixed, _rows = edited(template, {**good, d["sku"]: (SET_TO, d["on_hand"] + 2)}, [])
    menu(page, "Inventory")
    page.get_by_test_id("stock-upload-link").click()
    second = upload(page, tmp_path, "stok-benar.xlsx", fixed)
    assert second != first and not shown_problems(page)
    assert page.locator("#upload-changes tr[data-row]").count() == 4
    page.get_by_test_id("confirm-upload").click()
    page.wait_for_selector("[data-testid=upload-applied]")

    expected = {
        a["sku"]: a["on_hand"] + 5,
        b["sku"]: b["on_hand"] + 3,
        c["sku"]: c["on_hand"] - 1,
        d["sku"]: d["on_hand"] + 2,
    }
    for sku in (a, b, c, d):
        assert on_hand(hub, sku["sku"]) == expected[sku["sku"]]
        assert ledger_count(hub, sku["sku"]) == sku["ledger"] + 1
        newest = hub.client.get("/stock/movements", params={"sku": sku["sku"], "limit": 1}).json()
        line = newest["items"][0]
        assert line["reference"] == f"upload:{second}" and line["reason"] == "stock_upload"
        assert line["on_hand_delta"] == expected[sku["sku"]] - sku["on_hand"]
    pushed = eventually(
        lambda: all(
            _tokopedia_stock(stack, sku["listing"]) == hub.available(sku["sku"])
            for sku in (a, b, c, d)
        ),
        SECONDS,
    )
    print(f"\nstock upload confirmed → the shop shows the new stock after {pushed:.2f}s")
