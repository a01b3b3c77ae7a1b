"""The TikTok Shop seed section: validation, schemas, the demo world's promises (SKUs shared with
the Tokopedia and Shopee demo shops, every messy case), the info document and the CLI line."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import httpx
import pytest
from tiktokshop_helpers import (
    APP_KEY,
    APP_SECRET,
    CIPHER,
    JAKARTA,
    PLAIN_CIPHER,
    RETURNS,
    SERVICE_ID,
    SHOP,
    YOGYA,
    TikTokApi,
    ok,
)

from satustok_sandbox.server import RunningSandbox, start_in_thread
from satustok_sandbox.shopee.demo import shopee_demo_seed
from satustok_sandbox.tiktokshop.demo import SHARED_SKUS, tiktokshop_demo_seed
from satustok_sandbox.tiktokshop.seed import SCHEMA_PATH, schema_text
from satustok_sandbox.tokopedia import SeedError, demo_seed, parse_seed
from satustok_sandbox.tokopedia.seed import schema_text as whole_schema_text

TOKOPEDIA = {"apps": [{"fs_id": 1, "client_id": "id", "client_secret": "secret"}]}
TIKTOK = {
    "apps": [
        {"app_key": "k", "app_secret": "s", "service_id": "42", "redirect_url": "https://x/cb"}
    ],
    "sellers": [{"open_id": "o1", "seller_name": "Toko Satu"}],
    "shops": [{"shop_id": "7000000000000000001", "name": "Toko Satu", "open_id": "o1"}],
    "products": [
        {
            "product_id": "1000000000000000001",
            "shop_id": "7000000000000000001",
            "title": "Kain",
            "skus": [
                {"sku_id": "2000000000000000001", "seller_sku": "K-1", "price": 50_000, "stock": 4}
            ],
        },
    ],
    "orders": [
        {
            "order_id": "500000000000000001",
            "shop_id": "7000000000000000001",
            "items": [{"seller_sku": "K-1", "quantity": 2}],
        }
    ],
}


def problem(tiktokshop: dict[str, Any]) -> str:
    with pytest.raises(SeedError) as error:
        parse_seed({**TOKOPEDIA, "tiktokshop": tiktokshop}, "my-seed.json")
    return str(error.value)


def test_a_seed_without_tiktokshop_still_loads_and_one_with_it_validates() -> None:
    assert parse_seed(TOKOPEDIA).tiktokshop is None
    seed = parse_seed({**TOKOPEDIA, "tiktokshop": TIKTOK})
    assert seed.tiktokshop is not None and seed.tiktokshop.products[0].skus[0].stock == 4


def _product(**changes: Any) -> dict[str, Any]:
    return {**TIKTOK["products"][0], **changes}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"products": [_product(shop_id="7000000000000000009")]},
            "products[0].shop_id: shop 7000000000000000009",
        ),
        ({"products": [_product(product_id="123")]}, "should match pattern"),
        (
            {
                "products": [
                    _product(
                        skus=[
                            {
                                "sku_id": "2000000000000000001",
                                "price": 1000,
                                "inventory": [
                                    {"warehouse_id": "7300000000000000099", "quantity": 1}
                                ],
                            }
                        ]
                    )
                ]
            },
            "7300000000000000099 is no sales warehouse",
        ),
        ({"products": [_product(status="ON_SALE")]}, "tiktokshop.products[0].status"),
        ({"shops": [{**TIKTOK["shops"][0], "open_id": "nobody"}]}, "'nobody' is not one of"),
        (
            {"orders": [{**TIKTOK["orders"][0], "items": [{"seller_sku": "NOPE"}]}]},
            "'NOPE' is not exactly one SKU",
        ),
        ({"apps": [TIKTOK["apps"][0]] * 2}, "app_key 'k' appears more than once"),
        (
            {"apps": [{**TIKTOK["apps"][0], "webhooks": {"NOPE": "https://x"}}]},
            "'NOPE' is not an event type",
        ),
    ],
)
def test_problems_name_the_field(change: dict[str, Any], expected: str) -> None:
    message = problem({**TIKTOK, **change})
    assert message.startswith("my-seed.json: invalid seed") and "tiktokshop" in message
    assert expected in message


def test_the_committed_schemas_are_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()
    whole = json.loads(whole_schema_text())
    assert "TikTokShopSeed" in whole["$defs"] and "tiktokshop" in whole["properties"]


def test_a_custom_world_runs() -> None:
    with start_in_thread(seed={**TOKOPEDIA, "tiktokshop": TIKTOK}) as sandbox:
        control = sandbox.tiktokshop
        (shop,) = control.info["shops"]
        assert shop["cipher"].startswith("ROW_") and shop["warehouses"][0]["is_default"]
        api = TikTokApi(sandbox, app_key="k", app_secret="s", cipher=shop["cipher"])
        api.access_token = control.issue_tokens()["access_token"]
        (product,) = api.search()["products"]
        # the seeded order holds 2 as committed stock; the seeded 4 stay available
        inventory = ok(
            api.post("/product/202309/inventory/search", {"sku_ids": ["2000000000000000001"]})
        )["inventory"][0]["skus"][0]
        assert (inventory["total_available_quantity"], inventory["total_committed_quantity"]) == (
            4,
            2,
        )
        assert product["skus"][0]["seller_sku"] == "K-1"
        api.close()


def test_the_demo_shares_skus_with_the_tokopedia_and_shopee_demo_shops() -> None:
    tokopedia = demo_seed()

    def tokopedia_skus(shop_id: int) -> set[str]:
        products = [p for p in tokopedia.products if p.shop_id == shop_id]
        singles = {p.sku for p in products if p.variant is None}
        return singles | {c.sku for p in products if p.variant for c in p.variant.children}

    shopee = {
        sku
        for item in shopee_demo_seed().items
        if item.shop_id == 7700001
        for sku in [item.item_sku, *(m.model_sku for m in item.models)]
    }
    ours = {s.seller_sku for p in tiktokshop_demo_seed().products for s in p.skus}
    assert len(SHARED_SKUS) == 12 and set(SHARED_SKUS) <= ours
    for shared in (tokopedia_skus(480001), tokopedia_skus(480002), shopee):
        assert set(SHARED_SKUS) <= shared


def test_the_demo_messy_cases(fast_tts_api: TikTokApi) -> None:
    seed = tiktokshop_demo_seed()
    products = [p for p in seed.products if p.shop_id == SHOP]
    statuses = [p.status for p in products]
    assert {"FREEZE", "DELETED", "SELLER_DEACTIVATED"} <= set(statuses)
    skus = [(p, s) for p in products for s in p.skus]
    assert any(s.seller_sku == "" and p.status == "ACTIVATE" for p, s in skus)
    assert any(s.status == "DEACTIVATED" and p.status == "ACTIVATE" for p, s in skus)
    assert any(p.listing_platforms == ["TIKTOK_SHOP"] for p in products)
    # through the API: two sales warehouses, SKUs in both, one only in Jakarta, one at zero
    rows = fast_tts_api.search({"status": "ACTIVATE"})["products"]
    stocked = [
        {i["warehouse_id"]: i["quantity"] for i in s["inventory"]} for p in rows for s in p["skus"]
    ]
    assert any(set(s) == {YOGYA, JAKARTA} for s in stocked)
    assert {JAKARTA: 9} in stocked and {YOGYA: 0} in stocked
    assert all(RETURNS not in s for s in stocked)
    both = [
        p
        for p in fast_tts_api.search(version="202502")["products"]
        if {x["platform"] for x in p["integrated_platform_statuses"]}
        == {"TOKOPEDIA", "TIKTOK_SHOP"}
    ]
    assert len(both) >= 12


def test_the_info_document(tiktokshop_sandbox: RunningSandbox) -> None:
    info = tiktokshop_sandbox.info["tiktokshop"]
    server = tiktokshop_sandbox.base_url
    assert info["base_url"] == f"{server}/tiktokshop/open-api"
    assert info["auth_url"] == f"{server}/tiktokshop/auth"
    assert info["services_url"] == f"{server}/tiktokshop/services"
    assert info["control_url"] == f"{server}/_sandbox/tiktokshop/"
    assert info["apps"][0] == {
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "service_id": SERVICE_ID,
        "name": "satustok demo",
        "redirect_url": "",
    }
    assert [(s["id"], s["cipher"]) for s in info["shops"]] == [
        (SHOP, CIPHER),
        ("7494000000000000002", PLAIN_CIPHER),
    ]
    answered = httpx.get(f"{info['control_url']}info", trust_env=False).json()
    assert answered == info


def test_the_cli_json_line_carries_tiktokshop() -> None:
    run = "from satustok_sandbox.cli import main; import sys; main(sys.argv[1:])"
    process = subprocess.Popen(
        [sys.executable, "-c", run, "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())["tiktokshop"]
        assert info["apps"][0]["app_key"] == APP_KEY
        page = httpx.get(
            f"{info['services_url']}/open/authorize",
            params={"service_id": SERVICE_ID},
            trust_env=False,
        )
        assert page.status_code == 409  # the demo app has no redirect URL registered yet
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
