"""Shopee product reads: item list paging and item_status forms, base info, models, search."""

from __future__ import annotations

import random

import pytest
from shopee_helpers import SHOP, V2, ShopeeApi, error_of

from satustok_sandbox.shopee.handle import ShopeeControl
from satustok_sandbox.shopee.state import ItemIndex

ITEM_LIST = f"{V2}/product/get_item_list"
BASE_INFO = f"{V2}/product/get_item_base_info"
MODELS = f"{V2}/product/get_model_list"
SEARCH = f"{V2}/product/search_item"
FIRST = 20_000_100_001  # the first demo item: no models, shared SKU SB-SLD-SDM-046
SHARED_FAMILY = 20_000_100_037  # models SB-VAR01-MRH-S / SB-VAR01-BRU-S
GROUPED = 20_000_100_039  # four shared singles as models, the second MODEL_UNAVAILABLE
DELETED = 20_000_100_040


def test_paging_through_normal_items(shop_api: ShopeeApi) -> None:
    first = shop_api.ok(shop_api.get(ITEM_LIST, {"offset": 0, "page_size": 20,
                                                 "item_status": "NORMAL"}))  # fmt: skip
    assert len(first["item"]) == 20 and first["has_next_page"] and first["next_offset"] == 20
    assert set(first["item"][0]) >= {"item_id", "item_status", "update_time"}
    assert first["total_count"] == 56
    every = shop_api.items("NORMAL")
    assert len(every) == len(set(every)) == 56 and every == sorted(every)
    last = shop_api.ok(shop_api.get(ITEM_LIST, {"offset": 40, "page_size": 20,
                                                "item_status": "NORMAL"}))  # fmt: skip
    assert len(last["item"]) == 16 and last["has_next_page"] is False
    beyond = shop_api.ok(shop_api.get(ITEM_LIST, {"offset": 500, "page_size": 20,
                                                  "item_status": "NORMAL"}))  # fmt: skip
    assert beyond["item"] == [] and beyond["total_count"] == 56


@pytest.mark.parametrize(
    "statuses",
    [
        [("item_status", "NORMAL"), ("item_status", "UNLIST")],
        [("item_status", "NORMAL,UNLIST")],
        [("item_status", '["NORMAL","UNLIST"]')],
        [("item_status[]", "UNLIST"), ("item_status[]", "NORMAL")],
    ],
)
def test_every_item_status_form_lists_the_same(
    shop_api: ShopeeApi, statuses: list[tuple[str, str]]
) -> None:
    page = shop_api.ok(shop_api.get(ITEM_LIST, [("page_size", 100), *statuses]))
    assert page["total_count"] == 58
    assert {row["item_status"] for row in page["item"]} == {"NORMAL", "UNLIST"}


def test_item_list_parameter_errors(shop_api: ShopeeApi) -> None:
    no_status = shop_api.get(ITEM_LIST, {"page_size": 10})
    assert error_of(no_status)[:2] == (400, "product.error_param")
    too_big = shop_api.get(ITEM_LIST, {"page_size": 101, "item_status": "NORMAL"})
    assert error_of(too_big)[:2] == (400, "product.error_param")
    bad = shop_api.get(ITEM_LIST, {"page_size": 10, "item_status": "GONE"})
    assert "GONE" in error_of(bad)[2]
    deleted = shop_api.ok(shop_api.get(ITEM_LIST, {"page_size": 10, "item_status": "DELETED"}))
    assert [row["item_id"] for row in deleted["item"]] == [DELETED]


def test_update_time_filters(shop_api: ShopeeApi, shopee: ShopeeControl) -> None:
    shopee.patch_item(FIRST, stock=7)
    since = int(shopee.now()) - 5
    page = shop_api.ok(shop_api.get(ITEM_LIST, {"page_size": 10, "item_status": "NORMAL",
                                                "update_time_from": since}))  # fmt: skip
    assert [row["item_id"] for row in page["item"]] == [FIRST]


def test_the_item_index_pages_like_a_sorted_union() -> None:
    rng = random.Random(5)
    index, by_status = ItemIndex(), dict[str, list[int]]()
    for item_id in rng.sample(range(1, 10_000), 600):
        status = rng.choice(["NORMAL", "UNLIST", "BANNED"])
        index.add(1, status, item_id)
        by_status.setdefault(status, []).append(item_id)
    for statuses in (["NORMAL"], ["NORMAL", "UNLIST"], ["BANNED", "UNLIST", "NORMAL"]):
        union = sorted(i for s in statuses for i in by_status[s])
        for offset in (0, 1, 99, 250, len(union) - 1, len(union)):
            ids, total = index.page(1, statuses, offset, 37)
            assert total == len(union) and ids == union[offset : offset + 37]


@pytest.mark.parametrize(
    "ids", [[("item_id_list", f"{FIRST},{GROUPED}")],
            [("item_id_list", FIRST), ("item_id_list", GROUPED)],
            [("item_id_list", f"[{FIRST}, {GROUPED}]")]],
)  # fmt: skip
def test_base_info_in_every_list_form(shop_api: ShopeeApi, ids: list[tuple[str, object]]) -> None:
    items = shop_api.ok(shop_api.get(BASE_INFO, ids))["item_list"]
    single, grouped = items
    assert (single["item_id"], grouped["item_id"]) == (FIRST, GROUPED)
    assert single["item_sku"] == "SB-SLD-SDM-046" and single["has_model"] is False
    assert single["price_info"][0]["currency"] == "IDR"
    assert single["price_info"][0]["current_price"] % 100 == 0
    stock = single["stock_info_v2"]
    assert stock["seller_stock"][0]["location_id"] == "IDZ7700001"
    assert stock["summary_info"]["total_available_stock"] == stock["seller_stock"][0]["stock"]
    assert grouped["has_model"] is True and "price_info" not in grouped
    assert grouped["item_sku"] == ""


def test_base_info_limits_and_unknown_ids(shop_api: ShopeeApi) -> None:
    too_many = shop_api.get(
        BASE_INFO, {"item_id_list": ",".join(str(FIRST + i) for i in range(51))}
    )
    assert error_of(too_many)[:2] == (400, "product.error_param")
    partial = shop_api.get(BASE_INFO, {"item_id_list": f"{FIRST},123"}).json()
    assert [i["item_id"] for i in partial["response"]["item_list"]] == [FIRST]
    assert "123" in partial["warning"]
    deleted = shop_api.base_info(DELETED)[0]
    assert deleted["item_status"] == "SELLER_DELETE"


def test_model_list(shop_api: ShopeeApi) -> None:
    family = shop_api.ok(shop_api.get(MODELS, {"item_id": SHARED_FAMILY}))
    assert [t["name"] for t in family["tier_variation"]] == ["Warna", "Ukuran"]
    skus = [m["model_sku"] for m in family["model"]]
    assert skus == ["SB-VAR01-MRH-S", "SB-VAR01-BRU-S"]
    model = family["model"][0]
    assert model["tier_index"] == [0, 0] and model["model_status"] == "MODEL_NORMAL"
    assert model["price_info"][0]["original_price"] > 0
    assert model["stock_info_v2"]["seller_stock"][0]["if_saleable"] is True
    grouped = shop_api.ok(shop_api.get(MODELS, {"item_id": GROUPED}))["model"]
    assert grouped[1]["model_status"] == "MODEL_UNAVAILABLE"
    assert grouped[1]["stock_info_v2"]["seller_stock"][0]["if_saleable"] is False
    plain = shop_api.ok(shop_api.get(MODELS, {"item_id": FIRST}))
    assert plain["model"] == [] and plain["tier_variation"] == []
    assert error_of(shop_api.get(MODELS, {"item_id": 42}))[:2] == (200, "error_item_not_found")


def test_search_by_sku_is_exact(shop_api: ShopeeApi) -> None:
    def search(**params: object) -> dict:
        return shop_api.ok(shop_api.get(SEARCH, {"page_size": 10, **params}))

    assert search(item_sku="SB-SLD-SDM-046")["item_id_list"] == [FIRST]
    assert search(item_sku="SB-VAR01-BRU-S")["item_id_list"] == [SHARED_FAMILY]
    assert search(item_sku="sb-sld-sdm-046")["item_id_list"] == []
    spaced = search(item_sku=" SB-OTR-SDM-047 ")["item_id_list"]
    assert search(item_sku="SB-OTR-SDM-047")["item_id_list"] == [] and len(spaced) == 1
    duplicated = search(item_sku="SB-KMJ-SKJ-051")  # listed twice (a "(promo)" copy)
    assert len(duplicated["item_id_list"]) == 2 and duplicated["next_offset"] == ""
    assert search(item_sku="SPE-KPS-001")["item_id_list"] == []  # UNLIST: default NORMAL only
    assert len(search(item_sku="SPE-KPS-001", item_status="UNLIST")["item_id_list"]) == 1
    none = shop_api.get(SEARCH, {"page_size": 10})
    assert error_of(none)[:2] == (400, "product.error_param")


def test_search_by_name_pages_with_a_string_cursor(shop_api: ShopeeApi) -> None:
    first = shop_api.ok(shop_api.get(SEARCH, {"page_size": 3, "item_name": "kemeja"}))
    assert len(first["item_id_list"]) == 3 and first["next_offset"] == "3"
    second = shop_api.ok(shop_api.get(SEARCH, {"page_size": 3, "item_name": "kemeja",
                                               "offset": first["next_offset"]}))  # fmt: skip
    assert not set(first["item_id_list"]) & set(second["item_id_list"])
    assert first["total_count"] == second["total_count"] >= 6


def test_another_shops_item_is_not_found(shop_api: ShopeeApi) -> None:
    other = shop_api.get(MODELS, {"item_id": 20_000_120_001})
    assert error_of(other)[:2] == (200, "error_item_not_belong_shop")
    assert shop_api.shop_id == SHOP
