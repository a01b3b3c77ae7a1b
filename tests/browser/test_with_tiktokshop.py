"""Three marketplaces, one stock, in Chromium on ``make run``'s stack: the "Tokopedia & TikTok
Shop" shop connected through TikTok Shop's authorization page (the redirect registered for the
app, and back), imported beside the Tokopedia and Shopee shops so that shared SKUs are one
master each; a sale on the TikTok Shop storefront and a Tokopedia-storefront sale placed
through TikTok Shop each lower the stock on Tokopedia and Shopee; then the legacy Tokopedia
integration is moved onto the TikTok Shop one, keeping every master and taking no stock.

It runs after the two-channel test of the session (file order) and reuses its shops; run alone,
it connects them itself."""

from __future__ import annotations

import subprocess
from typing import Any

import httpx
from browser_support import Stack, log_in, screenshot
from test_founding_flow import menu
from test_two_channels import (
    SECONDS,
    SHOPEE_SHOP,
    _shopee_stock,
    _tokopedia_stock,
    catalog,
    connect_tokopedia_once,
    import_shop,
    open_shopee_form,
    switch_on_push_and_webhooks,
)

from running_hub import eventually, satustok

TIKTOK_SHOP = "7494000000000000001"
TIKTOK_SHOP_NAME = "Sari Batik (Tokopedia & TikTok Shop)"
TOKOPEDIA_NAME, SHOPEE_NAME = "Sari Official Store", "Demo Shopee Store"
CHANNELS = {TOKOPEDIA_NAME: "tokopedia", SHOPEE_NAME: "shopee", TIKTOK_SHOP_NAME: "tiktokshop"}


def tiktok_control(stack: Stack) -> str:
    return stack.control_url.replace("/_sandbox/tokopedia/", "/_sandbox/tiktokshop/")


def connected(page: Any, shop_name: str) -> bool:
    menu(page, "Integrations")
    return bool(page.get_by_role("link", name=shop_name).count())


def connect_shopee_once(page: Any, stack: Stack) -> None:
    if connected(page, SHOPEE_NAME):
        return
    open_shopee_form(page)
    page.get_by_label("Partner ID").fill(stack.shopee_partner_id)
    page.get_by_label("Partner Key").fill(stack.shopee_partner_key)
    page.get_by_role("button", name="Connect").click()
    page.get_by_label("Shop to authorize").select_option(str(SHOPEE_SHOP))
    page.get_by_role("button", name="Confirm Authorization").click()
    page.wait_for_selector(f"h1:has-text('{SHOPEE_NAME}')")
    import_shop(page, "Shopee", f"Shopee · {SHOPEE_NAME}")


def connect_tiktokshop(page: Any, stack: Stack) -> None:
    app = httpx.get(f"{tiktok_control(stack)}info", timeout=5).json()["apps"][0]
    menu(page, "Integrations")
    page.get_by_role("link", name="Add Integrations").first.click()
    page.locator("[data-channel=tiktokshop]").get_by_role("link", name="View", exact=True).click()
    page.get_by_label("App Key").fill(app["app_key"])
    page.get_by_label("App Secret").fill(app["app_secret"])
    page.get_by_label("Service ID").fill(app["service_id"])
    screenshot(page, "10-tiktokshop-form")
    page.get_by_role("button", name="Connect").click()
    # TikTok Shop's own page (the sandbox's): the seller logs in and authorizes; it sends the
    # browser to the redirect registered for the app, this hub.
    page.wait_for_selector("text=Authorize")
    assert "/tiktokshop/services/open/authorize" in page.url
    page.get_by_label("Seller account").select_option(index=0)
    screenshot(page, "11-tiktokshop-authorization")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_selector(f"h1:has-text('{TIKTOK_SHOP_NAME}')")
    assert page.url.startswith(stack.url + "/integrations/")
    assert app["app_secret"] not in page.content()


def shared_by_all(variants: list[dict[str, Any]]) -> dict[str, str]:
    """A master SKU listed on the three shops (each one's listing id by channel)."""
    for variant in variants:
        listed = {
            CHANNELS[ls["shop"]]: ls["external_id"]
            for ls in variant["listings"]
            if ls["shop"] in CHANNELS
        }
        if len(listed) == 3 and variant["available"] > 3:
            return {"sku": variant["sku"], **listed}
    raise AssertionError("no SKU is shared by the three shops")


def buy_on_tiktokshop(stack: Stack, sku: str, storefront: str) -> None:
    answer = httpx.post(
        f"{tiktok_control(stack)}orders",
        json={
            "shop_id": TIKTOK_SHOP,
            "items": [{"seller_sku": sku, "quantity": 1}],
            "commerce_platform": storefront,
        },
        timeout=5,
    )
    assert answer.status_code < 300, answer.text


def satustok_cli(stack: Stack, *args: str) -> None:
    done = subprocess.run(
        satustok(*args), env=stack.env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def masters_and_stock(stack: Stack) -> dict[str, int]:
    return {variant["sku"]: variant["available"] for variant in catalog(stack)}


def test_tiktokshop_joins_the_one_stock_and_the_legacy_shop_moves_over(
    page: Any, stack: Stack
) -> None:
    log_in(page, stack)
    connect_tokopedia_once(page, stack)
    import_shop(page, "Tokopedia", f"Tokopedia · {TOKOPEDIA_NAME}")
    connect_shopee_once(page, stack)
    connect_tiktokshop(page, stack)
    screenshot(page, "12-tiktokshop-integration")
    import_shop(page, "TikTok Shop", f"TikTok Shop · {TIKTOK_SHOP_NAME}")
    for shop_name in (TOKOPEDIA_NAME, SHOPEE_NAME, TIKTOK_SHOP_NAME):
        switch_on_push_and_webhooks_once(page, stack, shop_name)

    shared = shared_by_all(catalog(stack))
    shown = {
        "tokopedia": lambda: _tokopedia_stock(stack, shared["tokopedia"]),
        "shopee": lambda: _shopee_stock(stack, shared["shopee"]),
    }
    eventually(lambda: shown["tokopedia"]() == shown["shopee"]() > 3, SECONDS)
    before = shown["tokopedia"]()

    buy_on_tiktokshop(stack, shared["sku"], "TIKTOK_SHOP")
    first = eventually(lambda: shown["tokopedia"]() == shown["shopee"]() == before - 1, SECONDS)
    buy_on_tiktokshop(stack, shared["sku"], "TOKOPEDIA")
    second = eventually(lambda: shown["tokopedia"]() == shown["shopee"]() == before - 2, SECONDS)
    print(f"\nTikTok Shop sale → the others {first:.2f}s; Tokopedia storefront {second:.2f}s")

    # The legacy Tokopedia integration moves onto the TikTok Shop one. Every integration is
    # polled first, so no poll (each is due again a minute later) reserves a backfilled order
    # while the levels are compared.
    satustok_cli(stack, "orders", "poll")
    levels = masters_and_stock(stack)
    menu(page, "Integrations")
    page.get_by_role("link", name=TIKTOK_SHOP_NAME).first.click()
    # Only Tokopedia integrations are offered (a marketplace TikTok Shop also serves), the one
    # sharing the most master products first: the shop to move.
    offered = page.locator("#legacy option")
    texts = [offered.nth(i).inner_text() for i in range(offered.count())]
    assert texts and all(text.startswith("Tokopedia · ") for text in texts), texts
    legacy_name = texts[0].removeprefix("Tokopedia · ").split(" — ")[0]
    page.get_by_label("Integration to move here").select_option(
        offered.first.get_attribute("value")
    )
    screenshot(page, "13-move-here")
    page.get_by_role("button", name="Move here").click()
    page.wait_for_selector("text=moved here")
    after = masters_and_stock(stack)
    # Every master stays; the move takes no stock (no second master, no jump down). What the
    # TikTok Shop integration had reserved of Tokopedia-storefront sales — the old one counts
    # those — is handed back, so a level may rise, never fall.
    assert after.keys() == levels.keys()
    assert all(after[sku] >= levels[sku] for sku in levels), {
        sku: (levels[sku], after[sku]) for sku in levels if after[sku] < levels[sku]
    }
    menu(page, "Integrations")
    page.get_by_role("link", name=legacy_name).first.click()
    page.wait_for_selector("[data-testid=moved]")


def switch_on_push_and_webhooks_once(page: Any, stack: Stack, shop_name: str) -> None:
    menu(page, "Integrations")
    page.get_by_role("link", name=shop_name).first.click()
    if page.locator("#push-form .badge.ok").count() and page.locator("#webhooks .badge.ok").count():
        return
    switch_on_push_and_webhooks(page, stack, shop_name)
