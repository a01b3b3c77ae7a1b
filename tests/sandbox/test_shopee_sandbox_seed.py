"""The Shopee seed section: validation, schemas, the demo world's promises (shared SKUs with the
Tokopedia demo shops, every messy case) and the large-seed generator."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import pytest
from shopee_helpers import PARTNER_ID, PARTNER_KEY, V2, ShopeeApi

from satustok_sandbox.server import start_in_thread
from satustok_sandbox.shopee.demo import large_seed, shopee_demo_seed
from satustok_sandbox.shopee.seed import SCHEMA_PATH, ShopeeSeed, schema_text
from satustok_sandbox.shopee.state import SandboxClock, build_state
from satustok_sandbox.tokopedia import SeedError, demo_seed, parse_seed
from satustok_sandbox.tokopedia.seed import schema_text as whole_schema_text

TOKOPEDIA = {
    "apps": [{"fs_id": 1, "client_id": "id", "client_secret": "secret"}],
    "shops": [{"shop_id": 10, "name": "Toko", "tier": "power_merchant", "fs_ids": [1]}],
}
SHOPEE = {
    "partners": [{"partner_id": 77, "partner_key": "k", "name": "mine"}],
    "shops": [{"shop_id": 500, "shop_name": "Toko Oranye"}],
    "items": [
        {"item_id": 9001, "shop_id": 500, "item_name": "Kain", "item_sku": "K-1", "price": 50_000,
         "stock": 4},
        {"item_id": 9002, "shop_id": 500, "item_name": "Kemeja", "tier_variation": [
            {"name": "Ukuran", "options": ["M", "L"]}], "models": [
            {"model_id": 1, "model_sku": "KM-M", "tier_index": [0], "price": 90_000, "stock": 2},
            {"model_id": 2, "model_sku": "KM-L", "tier_index": [1], "price": 90_000}]},
    ],
    "orders": [{"order_sn": "ABC123", "shop_id": 500, "created_seconds_ago": 60,
                "lines": [{"item_id": 9002, "model_id": 1}]}],
}  # fmt: skip


def problem(shopee: dict[str, Any]) -> str:
    with pytest.raises(SeedError) as error:
        parse_seed({**TOKOPEDIA, "shopee": shopee}, "my-seed.json")
    return str(error.value)


def test_a_seed_without_shopee_still_loads_and_one_with_it_validates() -> None:
    assert parse_seed(TOKOPEDIA).shopee is None
    seed = parse_seed({**TOKOPEDIA, "shopee": SHOPEE})
    assert seed.shopee is not None and seed.shopee.items[1].models[1].stock == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"items": [{**SHOPEE["items"][0], "shop_id": 1}]}, "items[0].shop_id: shop 1"),
        ({"items": [{**SHOPEE["items"][0], "price": None}]}, "price: required"),
        ({"items": [{**SHOPEE["items"][1], "models": [
            {"model_id": 1, "tier_index": [5], "price": 1000}]}]}, "past the options"),
        ({"orders": [{**SHOPEE["orders"][0], "lines": [{"item_id": 9002, "model_id": 0}]}]},
         "lines[0].model_id"),
        ({"items": [{**SHOPEE["items"][0], "seller_stock": [{"location_id": "X", "stock": 1}]}]},
         "'X' is not a location"),
        ({"partners": [SHOPEE["partners"][0]] * 2}, "partner_id 77 appears more than once"),
    ],
)  # fmt: skip
def test_problems_name_the_field(change: dict[str, Any], expected: str) -> None:
    message = problem({**SHOPEE, **change})
    assert message.startswith("my-seed.json: invalid seed") and "shopee" in message
    assert expected in message


def test_the_committed_schemas_are_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()
    whole = json.loads(whole_schema_text())
    assert "ShopeeSeed" in whole["$defs"] and "shopee" in whole["properties"]


def test_a_custom_world_runs() -> None:
    with start_in_thread(seed={**TOKOPEDIA, "shopee": SHOPEE}) as sandbox:
        assert sandbox.info["shopee"]["partners"][0]["partner_id"] == 77
        model = sandbox.shopee.model_stock(9002, 1)
        assert model["stock"] == 2 and model["order_reserved"] == 1  # the seeded open order
        api = ShopeeApi(sandbox, shop_id=500, partner_id=77, partner_key="k").authorize()
        items = api.items("NORMAL")
        assert items == [9001, 9002]
        api.close()


def test_the_demo_world_is_deterministic() -> None:
    assert shopee_demo_seed().model_dump() == shopee_demo_seed().model_dump()
    seed = shopee_demo_seed()
    assert [p.partner_id for p in seed.partners] == [PARTNER_ID, 2001888]
    assert seed.partners[0].partner_key == PARTNER_KEY
    assert {s.shop_id: s.status for s in seed.shops} == {
        7700001: "NORMAL", 7700002: "BANNED", 7700003: "NORMAL"
    }  # fmt: skip


def unit_skus(seed: ShopeeSeed, shop_id: int) -> list[str]:
    skus: list[str] = []
    for item in (i for i in seed.items if i.shop_id == shop_id):
        skus += [m.model_sku for m in item.models] if item.models else [item.item_sku]
    return skus


def tokopedia_skus(shop_id: int) -> set[str]:
    skus = set()
    for product in (p for p in demo_seed().products if p.shop_id == shop_id):
        rows = product.variant.children if product.variant else [product]
        skus |= {row.sku for row in rows if row.sku and row.status != 0}
    return skus


def test_the_demo_store_shares_skus_with_both_tokopedia_shops() -> None:
    shopee = set(unit_skus(shopee_demo_seed(), 7700001)) - {""}
    sari, official = tokopedia_skus(480001), tokopedia_skus(480002)
    assert len(shopee & sari & official) >= 40
    assert len((shopee & sari) - official) >= 10
    normalised = {s.strip().lower() for s in sari}
    near_misses = [s for s in shopee - sari if s.strip().lower() in normalised]
    assert len(near_misses) >= 2  # " SB-OTR-SDM-047 " and "sb-rok-sdm-048"


def test_the_demo_store_has_every_messy_case() -> None:
    seed = shopee_demo_seed()
    items = [i for i in seed.items if i.shop_id == 7700001]
    statuses = Counter(i.item_status for i in items)
    assert statuses["UNLIST"] >= 2 and statuses["BANNED"] >= 1
    assert statuses["SELLER_DELETE"] >= 1 and statuses["REVIEWING"] >= 1
    assert any(not i.models and i.item_sku == "" for i in items)
    assert any(m.model_sku == "" for i in items for m in i.models)
    assert any(len({m.model_sku for m in i.models}) < len(i.models) for i in items if i.models)
    skus = Counter(i.item_sku for i in items if not i.models and i.item_sku)
    assert any(n > 1 for n in skus.values())
    assert any(m.model_status == "MODEL_UNAVAILABLE" for i in items for m in i.models)
    assert any(i.reserved_stock for i in items)
    assert any(i.models and i.item_sku for i in items)  # a parent SKU that is no unit's
    assert Counter(o.order_status for o in seed.orders if o.shop_id == 7700001)["SHIPPED"] == 2


def test_large_seeds_page_in_constant_time() -> None:
    seed = ShopeeSeed.model_validate(large_seed(5_000))
    state = build_state(seed, SandboxClock())
    started = time.perf_counter()
    for offset in range(0, 4_900, 50):
        ids, total = state.index.page(7_900_001, ["NORMAL", "UNLIST"], offset, 100)
        assert len(ids) == 100 and total == 5_000
    assert time.perf_counter() - started < 2.0  # O(page): 100 pages of 5,000 items
    assert seed.items[9].models and seed.items[19].item_status == "UNLIST"


def test_the_demo_store_lists_through_the_api(fast_shop_api: ShopeeApi) -> None:
    every = fast_shop_api.items("NORMAL", "UNLIST", "BANNED", "REVIEWING", "DELETED")
    assert len(every) == 61
    info = fast_shop_api.get(f"{V2}/shop/get_shop_info").json()
    assert info["shop_name"] == "Demo Shopee Store"
