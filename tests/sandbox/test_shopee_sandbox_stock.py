"""Shopee stock and price updates: one item per call, per-model success and failure lists."""

from __future__ import annotations

from typing import Any

from shopee_helpers import TWO_WAREHOUSES, V2, ShopeeApi, error_of

from satustok_sandbox.server import RunningSandbox
from satustok_sandbox.shopee.handle import ShopeeControl

UPDATE_STOCK = f"{V2}/product/update_stock"
UPDATE_PRICE = f"{V2}/product/update_price"
FIRST = 20_000_100_001
PROMOTED = 20_000_100_016  # stock 40, 5 reserved by a promotion
SHARED_FAMILY = 20_000_100_037
DELETED = 20_000_100_040
BANNED_ITEM = 20_000_100_058


def stock_body(item_id: int, *entries: tuple[int, Any]) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "stock_list": [
            {"model_id": model_id, "seller_stock": [{"stock": stock}]}
            for model_id, stock in entries
        ],
    }


def test_update_stock_of_an_item_without_models(shop_api: ShopeeApi, shopee: ShopeeControl) -> None:
    before = shopee.item(FIRST)["update_time"]
    shopee.advance_clock(5)
    result = shop_api.ok(shop_api.post(UPDATE_STOCK, stock_body(FIRST, (0, 17))))
    assert result == {
        "success_list": [{"model_id": 0, "location_id": "IDZ7700001", "stock": 17}],
        "failure_list": [],
    }
    unit = shopee.model_stock(FIRST)
    assert unit["stock"] == 17 and unit["seller_stock"] == {"IDZ7700001": 17}
    assert shopee.item(FIRST)["update_time"] > before
    read = shop_api.base_info(FIRST)[0]["stock_info_v2"]
    assert read["seller_stock"][0]["stock"] == 17
    assert read["summary_info"]["total_available_stock"] == 17


def test_partial_failure_is_a_success_with_a_failure_list(
    shop_api: ShopeeApi, shopee: ShopeeControl
) -> None:
    models = shopee.item(SHARED_FAMILY)["models"]
    first, second = models[0]["model_id"], models[1]["model_id"]
    body = stock_body(SHARED_FAMILY, (first, 9), (second, -1), (123, 5), (0, 4))
    payload = shop_api.post(UPDATE_STOCK, body).json()
    assert payload["error"] == ""
    assert payload["response"]["success_list"] == [
        {"model_id": first, "location_id": "IDZ7700001", "stock": 9}
    ]
    failures = {
        row["model_id"]: row["failed_reason"] for row in payload["response"]["failure_list"]
    }
    assert set(failures) == {second, 123, 0}
    assert failures[123] == failures[0] == "Wrong model_id."
    assert "stock" in failures[second].lower()
    assert shopee.model_stock(SHARED_FAMILY, first)["stock"] == 9


def test_when_everything_fails_the_error_says_so(shop_api: ShopeeApi) -> None:
    below_reserved = shop_api.post(UPDATE_STOCK, stock_body(PROMOTED, (0, 3)))
    status, error, _ = error_of(below_reserved)
    assert (status, error) == (200, "error_busi_update_stock_failed")
    failure = below_reserved.json()["response"]["failure_list"][0]
    assert "reserved" in failure["failed_reason"]
    assert shop_api.ok(shop_api.post(UPDATE_STOCK, stock_body(PROMOTED, (0, 5))))["success_list"]
    for refused in (DELETED, BANNED_ITEM):
        answer = shop_api.post(UPDATE_STOCK, stock_body(refused, (0, 3)))
        assert error_of(answer)[1] == "error_busi_update_stock_failed"


def test_whole_call_errors(shop_api: ShopeeApi) -> None:
    unknown = shop_api.post(UPDATE_STOCK, stock_body(42, (0, 1)))
    assert error_of(unknown)[:2] == (200, "error_item_not_found")
    too_many = shop_api.post(UPDATE_STOCK, stock_body(FIRST, *[(0, 1)] * 51))
    assert error_of(too_many)[:2] == (400, "product.error_param")
    no_item = shop_api.post(UPDATE_STOCK, {"stock_list": []})
    assert error_of(no_item)[:2] == (400, "product.error_param")
    raw = shop_api.client.post(
        UPDATE_STOCK, params=shop_api.common(UPDATE_STOCK), content=b"not json"
    )
    assert error_of(raw)[:2] == (400, "product.error_param")


def test_a_two_location_shop_needs_location_ids(shopee_sandbox: RunningSandbox) -> None:
    api = ShopeeApi(shopee_sandbox, shop_id=TWO_WAREHOUSES).authorize()
    item_id = api.items()[0]
    unnamed = api.post(UPDATE_STOCK, stock_body(item_id, (0, 5)))
    assert error_of(unnamed) == (
        200, "error_busi", "This shop has multi warehouse, please input location id."
    )  # fmt: skip
    body = {
        "item_id": item_id,
        "stock_list": [{"model_id": 0, "seller_stock": [{"location_id": "IDZ7700003B",
                                                           "stock": 12}]}],
    }  # fmt: skip
    assert api.ok(api.post(UPDATE_STOCK, body))["success_list"][0]["stock"] == 12
    stock = api.base_info(item_id)[0]["stock_info_v2"]["seller_stock"]
    assert [row["location_id"] for row in stock] == ["IDZ7700003A", "IDZ7700003B"]
    assert stock[1]["stock"] == 12
    api.close()


def test_update_price(shop_api: ShopeeApi, shopee: ShopeeControl) -> None:
    body = {"item_id": FIRST, "price_list": [{"model_id": 0, "original_price": 150000}]}
    result = shop_api.ok(shop_api.post(UPDATE_PRICE, body))
    assert result["success_list"] == [{"model_id": 0, "original_price": 150000.0}]
    assert shopee.model_stock(FIRST)["price"] == 150_000
    cents = {"item_id": FIRST, "price_list": [{"model_id": 0, "original_price": 150000.5}]}
    refused = shop_api.post(UPDATE_PRICE, cents)
    assert error_of(refused)[:2] == (200, "error_busi")
    assert "whole rupiah" in refused.json()["response"]["failure_list"][0]["failed_reason"]
    promoted = {"item_id": PROMOTED, "price_list": [{"model_id": 0, "original_price": 90000}]}
    reason = shop_api.post(UPDATE_PRICE, promoted).json()["response"]["failure_list"][0]
    assert reason["failed_reason"].startswith("error_cannt_edit_price_in_promotion")


def test_a_frozen_shop_reads_but_refuses_changes(
    shop_api: ShopeeApi, shopee: ShopeeControl
) -> None:
    shopee.patch_shop(shop_api.shop_id, status="FROZEN")
    assert shop_api.base_info(FIRST)[0]["item_id"] == FIRST
    frozen = shop_api.post(UPDATE_STOCK, stock_body(FIRST, (0, 1)))
    assert error_of(frozen)[:2] == (200, "error_busi") and "frozen" in error_of(frozen)[2]
