"""TikTok Shop orders: placement against the shown stock, one line item per unit, the status
machine's stock effects, search with cursors and half-open windows, detail, cancellation."""

from __future__ import annotations

from typing import Any

import pytest
from tiktokshop_helpers import (
    BLS_SKU,
    JAKARTA,
    PLAIN_SHOP,
    SHOP,
    SLD_SKU,
    TAS_SKU,
    VAR_DEACTIVATED,
    YOGYA,
    TikTokApi,
    error_of,
    ok,
)

from satustok_sandbox.tiktokshop.handle import TikTokShopControl, TikTokShopControlError

SEARCH = "/order/202309/orders/search"
DETAIL = "/order/202309/orders"
CANCEL = "/return_refund/202309/cancellations"


def committed(control: TikTokShopControl, sku_id: str) -> tuple[int, int]:
    sku = control.sku(sku_id)
    return sku["total_available"], sku["total_committed"]


def search(api: TikTokApi, body: dict[str, Any] | None = None, **params: Any) -> dict[str, Any]:
    return ok(api.post(SEARCH, body or {}, params))


def test_an_order_has_one_line_item_per_unit(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    placed = tiktokshop.place_order(
        SHOP, [{"seller_sku": "SB-TAS-SDM-049", "quantity": 3}, {"sku_id": SLD_SKU}]
    )
    (order,) = ok(tts_api.get(DETAIL, {"ids": placed["id"]}))["orders"]
    items = order["line_items"]
    assert len(items) == 4 and "quantity" not in items[0]
    assert [i["sku_id"] for i in items].count(TAS_SKU) == 3 and len({i["id"] for i in items}) == 4
    assert {i["seller_sku"] for i in items} == {"SB-TAS-SDM-049", "SB-SLD-SDM-046"}
    assert order["status"] == "AWAITING_SHIPMENT" and order["commerce_platform"] == "TIKTOK_SHOP"
    assert order["payment"]["sub_total"] == str(3 * 49_900 + 850_000)
    assert order["payment"]["total_amount"] == str(3 * 49_900 + 850_000 + 10_000)
    assert order["packages"] == [{"id": items[0]["package_id"]}] and order["warehouse_id"] == YOGYA
    assert order["recipient_address"]["region_code"] == "ID" and len(order["id"]) == 18


def test_placing_takes_available_into_committed(tiktokshop: TikTokShopControl) -> None:
    assert committed(tiktokshop, TAS_SKU) == (20, 2)
    tiktokshop.place_order(SHOP, [{"sku_id": TAS_SKU, "quantity": 14}])
    sku = tiktokshop.sku(TAS_SKU)["warehouses"]
    assert sku == {
        YOGYA: {"available": 0, "committed": 14},
        JAKARTA: {"available": 6, "committed": 2},
    }


def test_an_order_beyond_the_shown_stock_is_refused(tiktokshop: TikTokShopControl) -> None:
    with pytest.raises(TikTokShopControlError) as refused:
        tiktokshop.place_order(SHOP, [{"sku_id": TAS_SKU, "quantity": 21}])
    assert refused.value.status == 409 and "20 available" in refused.value.message
    with pytest.raises(TikTokShopControlError) as zero:
        tiktokshop.place_order(SHOP, [{"sku_id": BLS_SKU}])
    assert zero.value.status == 409
    with pytest.raises(TikTokShopControlError) as deactivated:
        tiktokshop.place_order(SHOP, [{"sku_id": VAR_DEACTIVATED}])
    assert "DEACTIVATED" in deactivated.value.message
    assert committed(tiktokshop, TAS_SKU) == (20, 2)  # nothing was taken


def test_commerce_platform_tokopedia(tts_api: TikTokApi, tiktokshop: TikTokShopControl) -> None:
    placed = tiktokshop.place_order(SHOP, [{"sku_id": SLD_SKU}], commerce_platform="TOKOPEDIA")
    (order,) = ok(tts_api.get(DETAIL, {"ids": placed["id"]}))["orders"]
    assert order["commerce_platform"] == "TOKOPEDIA"
    with pytest.raises(TikTokShopControlError) as refused:  # listed on TikTok Shop only
        tiktokshop.place_order(
            SHOP, [{"seller_sku": "TTS-MSK-LIVE-01"}], commerce_platform="TOKOPEDIA"
        )
    assert "not listed on TOKOPEDIA" in refused.value.message


def test_shipping_releases_and_cancelling_returns_the_stock(
    tiktokshop: TikTokShopControl,
) -> None:
    shipped = tiktokshop.place_order(SHOP, [{"sku_id": SLD_SKU, "quantity": 2}], status="UNPAID")
    assert committed(tiktokshop, SLD_SKU) == (22, 3)  # the demo's UNPAID order holds 1
    for status in ("ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION"):
        tiktokshop.move_order(shipped["id"], status)
    assert tiktokshop.order(shipped["id"])["tracking_number"]
    tiktokshop.move_order(shipped["id"], "IN_TRANSIT")
    assert committed(tiktokshop, SLD_SKU) == (22, 1)
    cancelled = tiktokshop.place_order(SHOP, [{"sku_id": SLD_SKU, "quantity": 5}])
    assert committed(tiktokshop, SLD_SKU) == (17, 6)
    after = tiktokshop.cancel_order_as_buyer(cancelled["id"])
    assert after["status"] == "CANCELLED" and after["cancellation_initiator"] == "BUYER"
    assert committed(tiktokshop, SLD_SKU) == (22, 1)
    with pytest.raises(TikTokShopControlError):
        tiktokshop.move_order(shipped["id"], "AWAITING_SHIPMENT")  # backwards
    with pytest.raises(TikTokShopControlError):
        tiktokshop.move_order(shipped["id"], "CANCELLED")  # too late
    assert committed(tiktokshop, SLD_SKU) == (22, 1)


def test_search_pages_newest_first_with_a_token(fast_tts_api: TikTokApi) -> None:
    control = fast_tts_api.control
    for _ in range(3):
        control.place_order(SHOP, [{"sku_id": SLD_SKU}])
    everything = search(fast_tts_api, page_size=100)
    assert everything["total_count"] == 12 and everything["next_page_token"] == ""
    created = [o["create_time"] for o in everything["orders"]]
    assert created == sorted(created, reverse=True)
    seen: list[str] = []
    token = ""
    while True:
        page = search(fast_tts_api, page_size=5, **({"page_token": token} if token else {}))
        assert page["total_count"] == 12 and len(page["orders"]) <= 5
        seen += [o["id"] for o in page["orders"]]
        token = page["next_page_token"]
        if not token:
            break
    assert seen == [o["id"] for o in everything["orders"]]
    ascending = search(fast_tts_api, page_size=100, sort_order="ASC")["orders"]
    assert [o["id"] for o in ascending] == seen[::-1]
    assert search(fast_tts_api)["orders"].__len__() == 12  # default page_size 20
    other_sort = {
        "page_size": 5,
        "page_token": search(fast_tts_api, page_size=5)["next_page_token"],
        "sort_field": "update_time",
    }
    assert error_of(fast_tts_api.post(SEARCH, {}, other_sort))[1] == 40001


def test_time_windows_are_ge_inclusive_and_lt_exclusive(fast_tts_api: TikTokApi) -> None:
    orders = search(fast_tts_api, page_size=100)["orders"]
    moment = orders[4]["create_time"]
    at = [o["id"] for o in orders if o["create_time"] == moment]
    exactly = search(fast_tts_api, {"create_time_ge": moment, "create_time_lt": moment + 1})
    assert [o["id"] for o in exactly["orders"]] == at and exactly["total_count"] == len(at)
    empty = search(fast_tts_api, {"create_time_ge": moment, "create_time_lt": moment})
    assert empty["orders"] == [] and empty["total_count"] == 0
    before = search(fast_tts_api, {"create_time_lt": moment}, page_size=100)["orders"]
    assert all(o["create_time"] < moment for o in before) and len(before) == len(orders) - 5
    fast_tts_api.control.advance_clock(60)
    moved = fast_tts_api.control.move_order(orders[0]["id"], "ON_HOLD")
    updated = search(fast_tts_api, {"update_time_ge": moved["update_time"]})["orders"]
    assert [o["id"] for o in updated] == [orders[0]["id"]]


def test_the_status_and_warehouse_filters(fast_tts_api: TikTokApi) -> None:
    control = fast_tts_api.control
    jakarta_only = control.place_order(SHOP, [{"seller_sku": "SB-SRG-SKJ-055"}])
    awaiting = search(fast_tts_api, {"order_status": "AWAITING_SHIPMENT"})["orders"]
    assert len(awaiting) == 3 and {o["status"] for o in awaiting} == {"AWAITING_SHIPMENT"}
    in_jakarta = search(fast_tts_api, {"warehouse_ids": [JAKARTA]})["orders"]
    assert [o["id"] for o in in_jakarta] == [jakarta_only["id"]]
    bad = fast_tts_api.post(SEARCH, {"order_status": "SHIPPED"}, {})
    assert error_of(bad)[1] == 40001
    assert error_of(fast_tts_api.post(SEARCH, {}, {"page_size": 101}))[1] == 40001


def test_detail_takes_at_most_50_ids(fast_tts_api: TikTokApi) -> None:
    ids = [o["id"] for o in search(fast_tts_api)["orders"]][:3]
    found = ok(fast_tts_api.get(DETAIL, {"ids": ",".join([*ids, "576999999999999999"])}))
    assert [o["id"] for o in found["orders"]] == ids
    too_many = ",".join(f"5760000000000001{n:02d}" for n in range(51))
    status, code, message = error_of(fast_tts_api.get(DETAIL, {"ids": too_many}))
    assert (status, code) == (200, 40001) and "50" in message
    assert error_of(fast_tts_api.get(DETAIL))[1] == 40001


def test_orders_of_another_shop_stay_hidden(fast_tts_api: TikTokApi) -> None:
    control = fast_tts_api.control
    plain = control.place_order(PLAIN_SHOP, [{"seller_sku": "KPN-PTH-001"}])
    assert ok(fast_tts_api.get(DETAIL, {"ids": plain["id"]}))["orders"] == []
    assert plain["id"] not in [o["id"] for o in search(fast_tts_api)["orders"]]


def test_the_seller_cancels_through_the_api(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    placed = tiktokshop.place_order(SHOP, [{"sku_id": TAS_SKU, "quantity": 2}])
    answer = ok(
        tts_api.post(
            CANCEL, {"order_id": placed["id"], "cancel_reason": "seller_cancel_reason_out_of_stock"}
        )
    )
    assert answer["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"
    assert answer["cancel_id"].isdigit()
    order = tiktokshop.order(placed["id"])
    assert order["status"] == "CANCELLED" and order["cancellation_initiator"] == "SELLER"
    assert order["cancel_reason"] == "seller_cancel_reason_out_of_stock"
    assert committed(tiktokshop, TAS_SKU) == (20, 2)
    again = error_of(tts_api.post(CANCEL, {"order_id": placed["id"], "cancel_reason": "x"}))
    assert again[1] == 21011002
    unknown = tts_api.post(CANCEL, {"order_id": "576999999999999999", "cancel_reason": "x"})
    assert error_of(unknown)[1] == 21011001
    assert error_of(tts_api.post(CANCEL, {"order_id": placed["id"]}))[1] == 40001
