"""Shopee orders: list window and cursor paging, detail fields, cancellation and its stock."""

from __future__ import annotations

import time
from typing import Any

from shopee_helpers import SHOP, V2, ShopeeApi, error_of

from satustok_sandbox.shopee.handle import ShopeeControl, ShopeeControlError

ORDER_LIST = f"{V2}/order/get_order_list"
ORDER_DETAIL = f"{V2}/order/get_order_detail"
CANCEL = f"{V2}/order/cancel_order"
BUYER_CANCEL = f"{V2}/order/handle_buyer_cancellation"
FIRST = 20_000_100_001
SHARED_FAMILY = 20_000_100_037
DAY = 86_400


def window(days: float = 15, field: str = "create_time", **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"time_range_field": field, "time_from": now - int(days * DAY), "time_to": now,
            "page_size": 100, **extra}  # fmt: skip


def all_orders(api: ShopeeApi, page_size: int, **extra: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = api.ok(api.get(ORDER_LIST, window(page_size=page_size, cursor=cursor, **extra)))
        rows += page["order_list"]
        if not page["more"]:
            assert page["next_cursor"] == ""
            return rows
        cursor = page["next_cursor"]


def test_the_list_window_is_at_most_15_days(shop_api: ShopeeApi) -> None:
    too_long = shop_api.get(ORDER_LIST, window(days=15.01))
    assert error_of(too_long)[:2] == (400, "order.order_list_invalid_time")
    backwards = window()
    backwards["time_from"], backwards["time_to"] = backwards["time_to"], backwards["time_from"]
    assert error_of(shop_api.get(ORDER_LIST, backwards))[1] == "order.order_list_invalid_time"
    no_field = shop_api.get(ORDER_LIST, window(field="pay_time"))
    assert error_of(no_field)[:2] == (400, "order.error_param")


def test_cursor_paging_sees_every_order_once(shop_api: ShopeeApi) -> None:
    everything = all_orders(shop_api, page_size=100)
    assert len(everything) == 13 and "order_status" not in everything[0]
    paged = all_orders(shop_api, page_size=4, response_optional_fields="order_status")
    assert [r["order_sn"] for r in paged] == [r["order_sn"] for r in everything]
    assert {r["order_status"] for r in paged} >= {"UNPAID", "READY_TO_SHIP", "CANCELLED"}
    recent = shop_api.ok(shop_api.get(ORDER_LIST, window(days=1)))["order_list"]
    assert 1 <= len(recent) < 13
    shipped = shop_api.ok(shop_api.get(ORDER_LIST, window(order_status="SHIPPED")))
    assert len(shipped["order_list"]) == 2


def test_an_order_placed_between_pages_is_not_lost(
    shop_api: ShopeeApi, shopee: ShopeeControl
) -> None:
    first = shop_api.ok(shop_api.get(ORDER_LIST, window(page_size=10)))
    placed = shopee.place_order(SHOP, [{"item_id": FIRST, "quantity": 1}])
    rest = shop_api.ok(shop_api.get(ORDER_LIST, window(page_size=10, cursor=first["next_cursor"])))
    seen = [r["order_sn"] for r in first["order_list"] + rest["order_list"]]
    assert len(seen) == len(set(seen)) == 14 and seen[-1] == placed["order_sn"]


def test_detail_fields_follow_response_optional_fields(
    shop_api: ShopeeApi, shopee: ShopeeControl
) -> None:
    order_sn = shopee.place_order(SHOP, [{"item_id": FIRST, "quantity": 2}])["order_sn"]
    plain = shop_api.ok(shop_api.get(ORDER_DETAIL, {"order_sn_list": order_sn}))["order_list"][0]
    assert plain["order_sn"] == order_sn and plain["order_status"] == "READY_TO_SHIP"
    assert plain["region"] == "ID" and plain["currency"] == "IDR" and plain["cod"] is False
    assert "item_list" not in plain and "buyer_username" not in plain
    fields = "item_list,buyer_username,total_amount,recipient_address,package_list"
    full = shop_api.ok(
        shop_api.get(ORDER_DETAIL, {"order_sn_list": order_sn, "response_optional_fields": fields})
    )
    row = full["order_list"][0]  # fmt: skip
    line = row["item_list"][0]
    assert (line["item_id"], line["model_id"], line["model_quantity_purchased"]) == (FIRST, 0, 2)
    assert line["item_sku"] == "SB-SLD-SDM-046" and line["model_sku"] == ""
    assert row["total_amount"] == 2 * line["model_discounted_price"] + 10_000
    assert row["buyer_username"] == "budi.s" and row["recipient_address"]["city"]
    assert row["package_list"][0]["item_list"][0]["model_quantity"] == 2
    both = shop_api.get(ORDER_DETAIL, [("order_sn_list", order_sn), ("order_sn_list", "NOPE")])
    assert len(both.json()["response"]["order_list"]) == 1 and "NOPE" in both.json()["warning"]
    too_many = shop_api.get(
        ORDER_DETAIL, {"order_sn_list": ",".join(f"X{i:05d}" for i in range(51))}
    )
    assert error_of(too_many)[:2] == (400, "order.error_param")


def test_placing_takes_stock_and_cancelling_gives_it_back(
    shop_api: ShopeeApi, shopee: ShopeeControl
) -> None:
    model = shopee.item(SHARED_FAMILY)["models"][0]
    before = shopee.model_stock(SHARED_FAMILY, model["model_id"])
    order = shopee.place_order(
        SHOP, [{"item_id": SHARED_FAMILY, "model_id": model["model_id"], "quantity": 2}]
    )
    during = shopee.model_stock(SHARED_FAMILY, model["model_id"])
    assert during["stock"] == before["stock"] - 2
    assert during["total_reserved_stock"] == before["total_reserved_stock"] + 2
    api_stock = shop_api.ok(
        shop_api.get(f"{V2}/product/get_model_list", {"item_id": SHARED_FAMILY})
    )["model"][0]["stock_info_v2"]
    assert api_stock["summary_info"]["total_reserved_stock"] == 2  # fmt: skip
    body = {"order_sn": order["order_sn"], "cancel_reason": "CUSTOMER_REQUEST"}
    assert shop_api.ok(shop_api.post(CANCEL, body))["update_time"] > 0
    after = shopee.model_stock(SHARED_FAMILY, model["model_id"])
    assert after["stock"] == before["stock"] and after["total_reserved_stock"] == 0
    cancelled = shopee.order(order["order_sn"])
    assert cancelled["order_status"] == "CANCELLED" and cancelled["cancel_by"] == "seller"
    again = shop_api.post(CANCEL, body)
    assert error_of(again)[:2] == (200, "error_busi")


def test_cancel_rules(shop_api: ShopeeApi, shopee: ShopeeControl) -> None:
    order_sn = shopee.place_order(SHOP, [{"sku": "SB-SLD-SDM-046"}])["order_sn"]
    no_items = shop_api.post(CANCEL, {"order_sn": order_sn, "cancel_reason": "OUT_OF_STOCK"})
    assert error_of(no_items)[:2] == (400, "order.error_param")
    area = shop_api.post(CANCEL, {"order_sn": order_sn, "cancel_reason": "UNDELIVERABLE_AREA"})
    assert "TW and MY" in error_of(area)[2]
    unknown = shop_api.post(CANCEL, {"order_sn": "NOPE123", "cancel_reason": "CUSTOMER_REQUEST"})
    assert error_of(unknown)[:2] == (200, "error_not_found")
    shopee.move_order(order_sn, "SHIPPED")
    late = shop_api.post(CANCEL, {"order_sn": order_sn, "cancel_reason": "CUSTOMER_REQUEST"})
    assert error_of(late)[:2] == (200, "error_busi")


def test_out_of_stock_cancellation_empties_the_named_units(
    shop_api: ShopeeApi, shopee: ShopeeControl
) -> None:
    order_sn = shopee.place_order(SHOP, [{"item_id": FIRST, "quantity": 1}])["order_sn"]
    body = {"order_sn": order_sn, "cancel_reason": "OUT_OF_STOCK",
            "item_list": [{"item_id": FIRST, "model_id": 0}]}  # fmt: skip
    shop_api.ok(shop_api.post(CANCEL, body))
    assert shopee.model_stock(FIRST)["stock"] == 0


def test_buyer_cancellation_requests(shop_api: ShopeeApi, shopee: ShopeeControl) -> None:
    order_sn = shopee.place_order(SHOP, [{"item_id": FIRST, "quantity": 1}])["order_sn"]
    shopee.move_order(order_sn, "IN_CANCEL", reason="Salah pilih ukuran")
    shop_api.ok(shop_api.post(BUYER_CANCEL, {"order_sn": order_sn, "operation": "REJECT"}))
    assert shopee.order(order_sn)["order_status"] == "READY_TO_SHIP"
    shopee.move_order(order_sn, "IN_CANCEL")
    shop_api.ok(shop_api.post(BUYER_CANCEL, {"order_sn": order_sn, "operation": "ACCEPT"}))
    assert shopee.order(order_sn)["order_status"] == "CANCELLED"


def test_the_control_api_refuses_impossible_orders(shopee: ShopeeControl) -> None:
    refusals: list[tuple[dict[str, Any], int]] = [
        ({"item_id": FIRST, "quantity": 100_000}, 409),
        ({"item_id": SHARED_FAMILY}, 409),  # an item with models needs a model_id
        ({"item_id": 20_000_100_058}, 409),  # BANNED item
        ({"sku": "SB-KMJ-SKJ-051"}, 409),  # the SKU is on two listings
        ({"item_id": 42}, 404),
    ]
    for line, status in refusals:
        try:
            shopee.place_order(SHOP, [line])
        except ShopeeControlError as error:
            assert error.status == status, (line, error.message)
        else:
            raise AssertionError(f"{line} was accepted")
