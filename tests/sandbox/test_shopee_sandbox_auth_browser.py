"""The Shopee authorization page in a real browser: the labelled shop choice and the
"Confirm Authorization" button, as a hub's Playwright test will use them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from shopee_helpers import TWO_WAREHOUSES, ShopeeApi

from satustok_sandbox.server import RunningSandbox

CHROMIUM = os.environ.get("SATUSTOK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def test_a_seller_approves_in_the_browser(shopee_sandbox: RunningSandbox) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    redirect = f"{shopee_sandbox.shopee.control_url}info?state=xyz"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
            ],
        )
        page = browser.new_page()
        page.goto(shopee_sandbox.shopee.auth_url(redirect))
        page.get_by_label("Shop to authorize").select_option(str(TWO_WAREHOUSES))
        page.get_by_role("button", name="Confirm Authorization").click()
        page.wait_for_url("**/info?state=xyz&code=*")
        query = parse_qs(urlsplit(page.url).query)
        browser.close()
    assert query["shop_id"] == [str(TWO_WAREHOUSES)] and query["state"] == ["xyz"]
    api = ShopeeApi(shopee_sandbox, shop_id=TWO_WAREHOUSES)
    tokens = api.post(
        "/api/v2/auth/token/get",
        {"code": query["code"][0], "partner_id": api.partner_id, "shop_id": TWO_WAREHOUSES},
        shop=False,
    ).json()
    assert tokens["error"] == "" and tokens["shop_id_list"] == [TWO_WAREHOUSES]
    api.close()
