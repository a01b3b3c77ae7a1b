"""The seed format: validation messages, the committed schema, and the demo seed's promises."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from satustok_sandbox.server import start_in_thread
from satustok_sandbox.tokopedia import SeedError, demo_seed, load_seed, parse_seed
from satustok_sandbox.tokopedia.seed import SCHEMA_PATH, Seed, schema_text

APP = {"fs_id": 1, "client_id": "id", "client_secret": "secret"}
PRODUCT = {"product_id": 1, "shop_id": 10, "name": "X", "price": 1000}
ITEM = {"product_id": 100}


def minimal(**overrides: Any) -> dict[str, Any]:
    return {
        "apps": [APP],
        "shops": [{"shop_id": 10, "name": "Toko", "tier": "power_merchant", "fs_ids": [1]}],
        "products": [
            {"product_id": 100, "shop_id": 10, "name": "Kain", "sku": "K-1", "price": 50_000}
        ],
        **overrides,
    }


def problem(document: dict[str, Any]) -> str:
    with pytest.raises(SeedError) as error:
        parse_seed(document, "my-seed.json")
    return str(error.value)


def test_a_minimal_seed_is_valid() -> None:
    seed = parse_seed(minimal())
    assert seed.shops[0].domain == ""  # filled from the name when the world is built
    assert seed.apps[0].token_ttl_seconds == 2_592_000


def test_field_errors_name_the_field() -> None:
    message = problem(minimal(shops=[{"shop_id": 10, "name": "Toko", "tier": "gold"}]))
    assert message.startswith("my-seed.json: invalid seed")
    assert "shops[0].tier:" in message and "power_merchant" in message


def test_linking_a_regular_merchant_is_refused_with_a_clear_message() -> None:
    shops = [{"shop_id": 10, "name": "Toko", "tier": "regular_merchant", "fs_ids": [1]}]
    message = problem(minimal(shops=shops))
    assert "shops[0].fs_ids: shop 10 is a regular_merchant" in message
    assert "official_store" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"apps": [APP, APP]}, "fs_id 1 appears more than once"),
        ({"shops": [{"shop_id": 10, "name": "T", "tier": "official_store", "fs_ids": [9]}]},
         "fs_id 9 is not one of the apps"),
        ({"products": [{"product_id": 1, "shop_id": 99, "name": "X", "price": 1000}]},
         "products[0].shop_id: shop 99"),
        ({"products": [{"product_id": 1, "shop_id": 10, "name": "X"}]}, "price: required"),
        ({"products": [{"product_id": 1, "shop_id": 10, "name": "X", "price": 50}]},
         "products[0].price"),
        ({"orders": [{"order_id": 1, "shop_id": 10, "items": [{"sku": "NOPE"}]}]},
         "orders[0].items[0].sku"),
        ({"orders": [{"order_id": 1, "shop_id": 10, "status": 999, "items": [ITEM]}]},
         "not a Tokopedia order status"),
        ({"rate_limits": {"everything": {"rate": 1, "burst": 1}}}, "rate_limits.everything"),
        ({"products": [{**PRODUCT, "sku": "S" * 51}]}, "products[0].sku"),
    ],
)  # fmt: skip
def test_cross_reference_and_value_errors(change: dict[str, Any], expected: str) -> None:
    assert expected in problem(minimal(**change))


def test_variant_children_need_one_option_per_name() -> None:
    variant = {
        "names": ["Warna", "Ukuran"],
        "children": [{"product_id": 2, "options": ["Merah"], "price": 1000}],
    }
    products = [{"product_id": 1, "shop_id": 10, "name": "Kemeja", "variant": variant}]
    assert "children[0].options" in problem(minimal(products=products))


def test_load_seed_reports_missing_files_and_bad_json(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"apps": [}', encoding="utf-8")
    with pytest.raises(SeedError, match="cannot read"):
        load_seed(tmp_path / "absent.json")
    with pytest.raises(SeedError, match="not valid JSON at line 1"):
        load_seed(broken)


def test_the_committed_schema_is_the_generated_one() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()
    assert json.loads(schema_text())["title"] == "satustok Tokopedia sandbox seed"


def test_a_file_seed_with_rate_limits_and_orders_runs(tmp_path: Path) -> None:
    document = minimal(
        rate_limits={"shop_info": {"rate": 1, "burst": 2}},
        orders=[
            {"order_id": 5, "shop_id": 10, "created_seconds_ago": 60, "items": [{"sku": "K-1"}]}
        ],
    )
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with start_in_thread(seed=path) as sandbox:
        assert sandbox.order(5)["items"][0]["product_id"] == 100
        assert sandbox.control("GET", "faults")["limits"]["shop_info"]["burst"] == 2


def test_the_demo_seed_is_deterministic() -> None:
    first = demo_seed().model_dump()
    second = demo_seed().model_dump()
    assert first == second
    assert Seed.model_validate(first) == demo_seed()
    assert first["apps"][0]["client_id"] == demo_seed().apps[0].client_id


def sellable(seed: Seed, shop_id: int) -> list[dict[str, Any]]:
    """Every non-deleted sellable unit (single or variant child) of a shop."""
    units = []
    for product in (p for p in seed.products if p.shop_id == shop_id):
        rows = product.variant.children if product.variant else [product]
        units += [
            {"sku": r.sku, "status": r.status, "stock": r.stock} for r in rows if r.status != 0
        ]
    return units


def test_the_demo_seed_has_every_messy_case() -> None:
    seed = demo_seed()
    units = sellable(seed, 480001)
    statuses = Counter(unit["status"] for unit in units)
    skus = Counter(unit["sku"] for unit in units if unit["sku"])
    normalised = Counter(unit["sku"].strip().lower() for unit in units if unit["sku"])
    case_or_space = [
        k
        for k, n in normalised.items()
        if n > 1 and k not in {s.lower() for s, m in skus.items() if m > 1}
    ]
    assert len(units) >= 150
    assert sum(1 for unit in units if unit["sku"] == "") >= 5
    assert statuses[3] >= 5 and statuses[-2] >= 2
    assert sum(1 for unit in units if unit["stock"] == 0) >= 5
    assert sum(1 for n in skus.values() if n > 1) >= 3
    assert len(case_or_space) >= 4
    assert any(p.variant and 2 <= len(p.variant.children) <= 4 for p in seed.products)


def test_the_demo_shops_and_the_official_store_overlap() -> None:
    seed = demo_seed()
    shops = {shop.shop_id: shop for shop in seed.shops}
    official = {unit["sku"] for unit in sellable(seed, 480002) if unit["sku"]}
    sari = {unit["sku"] for unit in sellable(seed, 480001) if unit["sku"]}
    assert len(official & sari) >= 40 and official - sari
    assert (shops[480001].tier, shops[480002].tier, shops[480003].tier) == (
        "power_merchant", "official_store", "regular_merchant"
    )  # fmt: skip
    assert shops[480003].fs_ids == [] and shops[480005].fs_ids == [15002]
    assert not shops[480004].is_open and shops[480004].close_note
    assert all(shop.warehouses for shop in seed.shops)
    assert [app.fs_id for app in seed.apps] == [15001, 15002]
