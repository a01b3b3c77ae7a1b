"""One stock across two marketplaces, in Chromium on ``make run``'s stack: a Tokopedia shop
connected with its credentials, the Shopee shop connected through Shopee's approval page (the
redirect and back), both imported so that shared SKUs link to one master each, then a sale on
Shopee lowers the stock on Tokopedia and a sale on Tokopedia lowers it on Shopee."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import httpx
from browser_support import Stack, log_in, screenshot
from test_founding_flow import fill_credentials, menu, open_tokopedia_form

from running_hub import eventually, satustok

TOKOPEDIA_SHOP, SHOPEE_SHOP = 480002, 7700001
SECONDS = 30  # a browser round trip: longer than the CLI's wait


def open_shopee_form(page: Any) -> None:
    menu(page, "Integrations")
    page.get_by_role("link", name="Add Integrations").first.click()
    page.locator("[data-channel=shopee]").get_by_role("link", name="View", exact=True).click()


def connect_tokopedia_once(page: Any, stack: Stack) -> None:
    """The Tokopedia shop, unless an earlier test of the session connected it already."""
    menu(page, "Integrations")
    if page.get_by_role("link", name="Sari Official Store").count():
        return
    open_tokopedia_form(page)
    fill_credentials(page, stack, TOKOPEDIA_SHOP)
    page.get_by_role("button", name="Connect").click()
    page.wait_for_selector("h1:has-text('Sari Official Store')")


def import_shop(page: Any, channel: str, integration: str) -> None:
    menu(page, "Product Catalog")
    page.get_by_role("link", name=f"Sync Product from {channel}").click()
    page.get_by_label("Integration").select_option(label=integration)
    page.get_by_role("button", name="Next").click()
    page.wait_for_selector("#report[data-mode=preview]", timeout=60_000)
    page.get_by_role("button", name="Finish").click()
    page.wait_for_selector("#report[data-mode=import]", timeout=60_000)


def switch_on_push_and_webhooks(page: Any, stack: Stack, shop_name: str) -> None:
    menu(page, "Integrations")
    page.get_by_role("link", name=shop_name).first.click()
    page.locator("#push-form").get_by_role("button", name="Switch on").click()
    page.wait_for_selector("#push-form .badge.ok")
    page.get_by_role("button", name="Register webhooks").click()
    page.wait_for_selector("#webhooks .badge.ok")


def catalog(stack: Stack) -> list[dict[str, Any]]:
    done = subprocess.run(
        satustok("catalog", "list", "--json"),
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_a_sale_on_either_marketplace_lowers_the_stock_on_the_other(
    page: Any, stack: Stack
) -> None:
    log_in(page, stack)
    connect_tokopedia_once(page, stack)
    import_shop(page, "Tokopedia", "Tokopedia · Sari Official Store")

    open_shopee_form(page)
    page.get_by_label("Partner ID").fill(stack.shopee_partner_id)
    page.get_by_label("Partner Key").fill(stack.shopee_partner_key)
    screenshot(page, "07-shopee-form")
    page.get_by_role("button", name="Connect").click()
    # Shopee's own page (the sandbox's): choose the shop and confirm; it sends us back.
    page.wait_for_selector("text=Confirm Authorization")
    assert "/shopee/api/v2/shop/auth_partner" in page.url
    page.get_by_label("Shop to authorize").select_option(str(SHOPEE_SHOP))
    screenshot(page, "08-shopee-approval")
    page.get_by_role("button", name="Confirm Authorization").click()
    page.wait_for_selector("h1:has-text('Demo Shopee Store')")
    assert page.url.startswith(stack.url + "/integrations/")
    assert stack.shopee_partner_key not in page.content()
    screenshot(page, "09-shopee-integration")
    import_shop(page, "Shopee", "Shopee · Demo Shopee Store")

    for shop_name in ("Sari Official Store", "Demo Shopee Store"):
        switch_on_push_and_webhooks(page, stack, shop_name)

    shared = _shared_variant(catalog(stack))
    tokopedia_id, shopee_id = shared["tokopedia"], shared["shopee"]
    shown = {
        "tokopedia": lambda: _tokopedia_stock(stack, tokopedia_id),
        "shopee": lambda: _shopee_stock(stack, shopee_id),
    }
    eventually(lambda: shown["tokopedia"]() == shown["shopee"]() > 2, SECONDS)  # both: master
    before = shown["tokopedia"]()

    _buy_on_shopee(stack, shared["sku"])
    to_tokopedia = eventually(lambda: shown["tokopedia"]() == before - 1, SECONDS)
    _buy_on_tokopedia(stack, tokopedia_id)
    to_shopee = eventually(lambda: shown["shopee"]() == before - 2, SECONDS)
    assert shown["tokopedia"]() == before - 2
    print(
        f"\nShopee sale → Tokopedia {to_tokopedia:.2f}s; Tokopedia sale → Shopee {to_shopee:.2f}s"
    )


SHOPS = {"Sari Official Store": "tokopedia", "Demo Shopee Store": "shopee"}


def _shared_variant(variants: list[dict[str, Any]]) -> dict[str, str]:
    """A master SKU listed on both shops (each marketplace's listing id by channel)."""
    for variant in variants:
        listed = {
            SHOPS[ls["shop"]]: ls["external_id"]
            for ls in variant["listings"]
            if ls["shop"] in SHOPS
        }
        if len(listed) == 2:
            return {"sku": variant["sku"], **listed}
    raise AssertionError("no SKU is shared by the Tokopedia and the Shopee shop")


def _tokopedia_stock(stack: Stack, product_id: str) -> int:
    answer = httpx.get(f"{stack.control_url}products/{product_id}", timeout=5)
    return int(answer.json()["stock"])


def _shopee_stock(stack: Stack, external_id: str) -> int:
    item_id, model_id = external_id.split(":")
    control = stack.control_url.replace("/_sandbox/tokopedia/", "/_sandbox/shopee/")
    answer = httpx.get(f"{control}items/{item_id}/models/{model_id}", timeout=5).json()
    return int(answer["stock"])


def _buy_on_shopee(stack: Stack, sku: str) -> None:
    control = stack.control_url.replace("/_sandbox/tokopedia/", "/_sandbox/shopee/")
    answer = httpx.post(
        f"{control}orders",
        json={"shop_id": SHOPEE_SHOP, "lines": [{"sku": sku, "quantity": 1}]},
        timeout=5,
    )
    assert answer.status_code < 300, answer.text


def _buy_on_tokopedia(stack: Stack, product_id: str) -> None:
    answer = httpx.post(
        f"{stack.control_url}orders",
        json={"shop_id": TOKOPEDIA_SHOP, "items": [{"product_id": int(product_id), "quantity": 1}]},
        timeout=5,
    )
    assert answer.status_code < 300, answer.text
