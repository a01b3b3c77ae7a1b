"""The founding document's flow, click by click, in Chromium on ``make run``'s stack:
login › Integrations › Add Integrations › View (Tokopedia) › FS ID, Shop ID, Client ID,
Client Secret › Product Catalog › Sync Product from Tokopedia › Next › Finish."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from browser_support import Stack, log_in, screenshot

from seed_oracle import bucket_counts, expected_buckets

SHOP_A = 480001


def shown_counts(page: Any) -> dict[str, int]:
    counts = {}
    for item in page.locator(".legend li").all():
        counts[item.get_attribute("data-bucket")] = int(
            item.locator(".count").inner_text().replace(".", "")
        )
    return counts


def menu(page: Any, entry: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=entry, exact=True).click()


def open_tokopedia_form(page: Any) -> None:
    menu(page, "Integrations")
    page.get_by_role("link", name="Add Integrations").first.click()
    page.locator("[data-channel=tokopedia]").get_by_role("link", name="View", exact=True).click()


def fill_credentials(page: Any, stack: Stack, shop_id: int, secret: str | None = None) -> None:
    page.get_by_label("FS ID").fill("15001")
    page.get_by_label("Shop ID").fill(str(shop_id))
    page.get_by_label("Client ID").fill(stack.client_id)
    page.get_by_label("Client Secret").fill(secret or stack.client_secret)


def test_connect_preview_and_import_the_demo_shop(page: Any, stack: Stack) -> None:
    log_in(page, stack)
    screenshot(page, "01-dashboard-empty")
    open_tokopedia_form(page)
    fill_credentials(page, stack, SHOP_A)
    screenshot(page, "02-tokopedia-form")
    page.get_by_role("button", name="Connect").click()

    page.wait_for_selector("h1:has-text('Toko Sari Batik')")
    masked = page.get_by_test_id("masked-secret").inner_text()
    assert stack.client_secret not in page.content() and masked.endswith(stack.client_secret[-4:])
    screenshot(page, "03-integration")

    menu(page, "Product Catalog")
    page.get_by_role("link", name="Sync Product from Tokopedia").click()
    page.get_by_label("Integration").select_option(label="Tokopedia · Toko Sari Batik")
    page.get_by_role("button", name="Next").click()
    page.wait_for_selector("#report[data-mode=preview]", timeout=60_000)
    expected = bucket_counts(expected_buckets(SHOP_A))
    assert shown_counts(page) == expected
    screenshot(page, "04-preview")

    page.get_by_role("button", name="Finish").click()
    page.wait_for_selector("#report[data-mode=import]", timeout=60_000)
    assert shown_counts(page) == expected
    screenshot(page, "05-report")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download what is not imported (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    not_imported = sum(expected.values()) - expected["new_master"] - expected["linked"]
    assert len(rows) == not_imported and all(row["reason"] for row in rows)

    page.get_by_role("link", name="Open the Product Catalog").click()
    assert page.locator("#catalog tr[data-sku]").count() > 0
    screenshot(page, "06-catalog")


def test_progress_is_shown_while_the_shop_is_read(page: Any, stack: Stack) -> None:
    log_in(page, stack)
    page.goto(stack.url + "/catalog/sync/tokopedia/")
    import httpx

    httpx.post(stack.control_url + "faults", json={"latency_ms": 400}, timeout=5)
    try:
        page.get_by_role("button", name="Next").click()
        page.wait_for_selector("#run-progress .progress")
        screenshot(page, "07-progress")
        page.wait_for_selector("#report[data-mode=preview]", timeout=60_000)
    finally:
        httpx.delete(stack.control_url + "faults", timeout=5)
