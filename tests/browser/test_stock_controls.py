"""Catalogue and stock controls in Chromium on ``make run``'s stack, on every connected shop:

- a bundle made from two components on a product's page (a SKU listed on every shop becomes
  "1 × A + 2 × B"): every shop shows what its scarcest component allows; one bundle sold on
  Shopee lowers both components and the bundle on every shop (the time is printed);
- a 50% push rule on one shop: that shop shows half, the others the whole available;
- a master price changed on the product page reaches every shop whose *Push price* is on
  (Shopee and TikTok Shop, switched on here), and not the one where it is off.

The shops are connected, imported and pushing through the other browser tests' helpers (an
earlier test of the session may have done it); this test chooses SKUs no open order holds, so
whatever else the session sold does not move its numbers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from browser_support import Stack, log_in, screenshot
from test_fulfilment import SKUS as FULFILMENT_SKUS
from test_fulfilment import Hub, api_token, set_up_shops, shopee_control, shown_stock
from test_two_channels import SHOPEE_SHOP, catalog
from test_with_tiktokshop import CHANNELS, SHOPEE_NAME, TIKTOK_SHOP_NAME, tiktok_control

from running_hub import eventually

PROPAGATION_SECONDS = 5  # the poll's bound; the time taken is printed (the issue: < 1 s)
SECONDS = 30


def listed_everywhere(stack: Stack, hub: Hub, channels: set[str]) -> list[dict[str, Any]]:
    """Master SKUs listed on every one of ``channels``, not used by the fulfilment test, with
    nothing reserved, most available first: each with its listing per channel."""
    found = []
    for variant in catalog(stack):
        listed = {
            CHANNELS[ls["shop"]]: ls["external_id"]
            for ls in variant["listings"]
            if ls["shop"] in CHANNELS and CHANNELS[ls["shop"]] in channels
        }
        if set(listed) != channels or variant["sku"] in FULFILMENT_SKUS:
            continue
        level = hub.client.get("/stock", params={"sku": variant["sku"]}).json()
        if level["reserved"] == 0 and level["available"] >= 6:
            found.append({"sku": variant["sku"], **listed, "available": level["available"]})
    return sorted(found, key=lambda v: -v["available"])


def everywhere(stack: Stack, listing: dict[str, Any], channels: set[str]) -> dict[str, int]:
    return {channel: shown_stock(stack, channel, listing) for channel in channels}


def timed(check: Callable[[], bool]) -> float:
    return eventually(check, PROPAGATION_SECONDS)


def make_bundle(page: Any, stack: Stack, sku: str, parts: list[tuple[str, int]]) -> None:
    page.goto(stack.url + "/catalog/?q=" + sku)
    page.locator(f"#catalog tr[data-sku='{sku}'] a").first.click()
    row = page.locator(f"tr.bundle-row[data-bundle='{sku}']")
    row.get_by_text("Make this a bundle…").click()
    skus = row.get_by_label("Component SKU")
    quantities = row.get_by_label("Quantity per bundle")
    for number, (component, quantity) in enumerate(parts):
        skus.nth(number).fill(component)
        quantities.nth(number).fill(str(quantity))
    screenshot(page, "40-bundle-recipe")
    row.get_by_role("button", name="Save components").click()
    page.wait_for_selector(f"text=Saved the components of {sku}.")


def set_half_rule(page: Any, shop_name: str, percent: int) -> None:
    page.get_by_role("link", name="Integrations").first.click()
    page.get_by_role("link", name=shop_name).first.click()
    form = page.get_by_test_id("push-rule-form")
    form.get_by_label("Share of available (%)").fill(str(percent))
    form.get_by_role("button", name="Save rule").click()
    page.wait_for_selector("text=Push rule saved.")


def price_shown(stack: Stack, channel: str, listing: dict[str, Any]) -> int:
    """The price the shop on ``channel`` shows for the listing, read from its sandbox."""
    if channel == "tokopedia":
        found = httpx.get(f"{stack.control_url}products/{listing['tokopedia']}", timeout=5)
        return int(found.json()["price"])
    if channel == "shopee":
        item_id, model_id = listing["shopee"].split(":")
        url = f"{shopee_control(stack)}items/{item_id}/models/{model_id}"
        return int(httpx.get(url, timeout=5).json()["price"])
    sku_id = listing["tiktokshop"].split(":")[1]
    return int(httpx.get(f"{tiktok_control(stack)}skus/{sku_id}", timeout=5).json()["price"])


def switch_price_push_on(page: Any, shop_name: str) -> None:
    page.get_by_role("link", name="Integrations").first.click()
    page.get_by_role("link", name=shop_name).first.click()
    card = page.get_by_test_id("price-push")
    if card.get_by_test_id("price-push-state").inner_text() != "On":
        card.get_by_role("button", name="Switch on").click()
        page.wait_for_selector("[data-testid=price-push-state]:has-text('On')")


def set_master_price(page: Any, stack: Stack, sku: str, price: int) -> None:
    page.goto(stack.url + "/catalog/?q=" + sku)
    page.locator(f"#catalog tr[data-sku='{sku}'] a").first.click()
    details = page.locator(f"#variants tr[data-sku='{sku}'] form.details")
    details.get_by_label("Price (Rp)").fill(str(price))
    details.get_by_role("button", name="Save").click()
    page.wait_for_selector(f"text=Saved {sku}.")


def buy_on_shopee(stack: Stack, sku: str, quantity: int) -> None:
    body = {"shop_id": SHOPEE_SHOP, "lines": [{"sku": sku, "quantity": quantity}]}
    answer = httpx.post(f"{shopee_control(stack)}orders", json=body, timeout=10)
    assert answer.status_code == 201, answer.text


def test_a_bundle_sold_on_one_shop_and_a_half_rule_on_another(page: Any, stack: Stack) -> None:
    log_in(page, stack)
    moved = set_up_shops(page, stack)
    channels = {"shopee", "tiktokshop"} | (set() if moved else {"tokopedia"})
    hub = Hub(stack, api_token(stack))
    candidates = listed_everywhere(stack, hub, channels)
    assert len(candidates) >= 3, "three SKUs on every shop with room to sell"
    first, second, kit = candidates[0], candidates[1], candidates[2]

    make_bundle(page, stack, kit["sku"], [(first["sku"], 1), (second["sku"], 2)])
    allowed = min(first["available"], second["available"] // 2)
    eventually(lambda: set(everywhere(stack, kit, channels).values()) == {allowed}, SECONDS)
    screenshot(page, "41-bundle-page")

    started = time.monotonic()
    buy_on_shopee(stack, kit["sku"], 1)
    components = timed(
        lambda: (
            set(everywhere(stack, first, channels).values()) == {first["available"] - 1}
            and set(everywhere(stack, second, channels).values()) == {second["available"] - 2}
        )
    )
    now_allowed = min(first["available"] - 1, (second["available"] - 2) // 2)
    bundle = timed(lambda: set(everywhere(stack, kit, channels).values()) == {now_allowed})
    print(
        f"\nbundle sold on Shopee → components on every shop {components:.2f}s, "
        f"the bundle everywhere {time.monotonic() - started:.2f}s ({bundle:.2f}s more)"
    )

    set_half_rule(page, SHOPEE_NAME, 50)
    try:
        half = (first["available"] - 1) // 2
        try:
            eventually(lambda: shown_stock(stack, "shopee", first) == half, SECONDS)
        except AssertionError:
            raise AssertionError(
                f"{half} {everywhere(stack, first, channels)} "
                f"{hub.client.get('/stock', params={'sku': first['sku']}).json()}"
            ) from None
        others = channels - {"shopee"}
        assert {shown_stock(stack, c, first) for c in others} == {first["available"] - 1}
        page.goto(stack.url + "/inventory/?q=" + first["sku"])
        page.locator("a", has_text=first["sku"]).first.click()
        page.wait_for_selector(f"text=× 50% = {half}")
        screenshot(page, "42-half-rule-explained")
    finally:
        set_half_rule(page, SHOPEE_NAME, 100)

    pushing = {"shopee", "tiktokshop"}
    for shop_name in (SHOPEE_NAME, TIKTOK_SHOP_NAME):
        switch_price_push_on(page, shop_name)
    before = {c: price_shown(stack, c, second) for c in channels}
    new_price = max(before.values()) + 12_300
    started = time.monotonic()
    set_master_price(page, stack, second["sku"], new_price)
    reached = timed(
        lambda: (
            {c: price_shown(stack, c, second) for c in pushing} == dict.fromkeys(pushing, new_price)
        )
    )
    print(
        f"price change → Shopee and TikTok Shop {time.monotonic() - started:.2f}s ({reached:.2f}s)"
    )
    for channel in channels - pushing:
        assert price_shown(stack, channel, second) == before[channel], "its price push is off"
    page.goto(stack.url + "/sync-log/pushes/?kind=price")
    page.wait_for_selector(f"text=Rp {new_price:,}".replace(",", "."))
    screenshot(page, "43-price-pushed")
