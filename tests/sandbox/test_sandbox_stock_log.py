"""The shown-stock log (``GET stock-log``) of every sandbox: each change of the stock buyers see
— a buyer's order, a cancellation that restocks, a partner's stock update (also one that changes
nothing), a seller's edit — is one record with the hub's unit key, the total after it and its
cause, in order; ``after`` and ``shop_id`` page and filter; a reset clears it; a placed order
says when it took its stock (``placed_at``, wall clock); and an order above the shown stock is
refused. The log itself (bounds, paging, threads) is tested in-process at the end."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from shopee_helpers import SHOP as SHOPEE_SHOP
from shopee_helpers import TWO_WAREHOUSES, V2, ShopeeApi
from tiktokshop_helpers import JAKARTA, TAS_PRODUCT, TAS_SKU, YOGYA, TikTokApi, ok
from tiktokshop_helpers import SHOP as TIKTOK_SHOP
from tokopedia_sandbox_helpers import SARI, Api

from satustok_sandbox.common.handle import ControlHandle, SandboxControlError
from satustok_sandbox.common.stocklog import StockLog
from satustok_sandbox.server import RunningSandbox
from satustok_sandbox.shopee.handle import ShopeeControl
from satustok_sandbox.tiktokshop.handle import TikTokShopControl

Row = tuple[str, str, str, int, str]  # shop_id, unit, sku, stock, cause


def rows(records: list[dict[str, Any]]) -> list[Row]:
    return [(r["shop_id"], r["unit"], r["sku"], r["stock"], r["cause"]) for r in records]


def placed_between(place: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Place an order; its ``placed_at`` must lie between the wall-clock times around the call."""
    before = time.time()
    order = place()
    after = time.time()
    assert before <= order["placed_at"] <= after
    return order


def check_log(control: ControlHandle, expected: list[Row], started: float) -> None:
    """The whole log is ``expected``, numbered 1…n, timed in order within the test; ``after``
    pages it, ``shop_id`` filters it, and a reset clears it."""
    log = control.stock_log()
    assert rows(log) == expected
    assert [r["id"] for r in log] == list(range(1, len(expected) + 1))
    times = [r["at"] for r in log]
    assert times == sorted(times) and started <= times[0] and times[-1] <= time.time()
    assert control.stock_log(after=2) == log[2:]
    assert control.stock_log(after=len(log)) == []
    shop_id = expected[0][0]
    assert control.stock_log(shop_id=shop_id) == [r for r in log if r["shop_id"] == shop_id]
    assert control.stock_log(shop_id="1") == []
    with pytest.raises(SandboxControlError) as bad:
        control.control("GET", "stock-log", after="-1")
    assert bad.value.status == 400
    control.reset()
    assert control.stock_log() == []


# --- Tokopedia: unit "<product_id>" --------------------------------------------------------

IN_STOCK = 2100050  # SB-MSK-SDM-050, active, in stock (shop 480001)
STOCK_UPDATE = "/inventory/v1/fs/{fs}/stock/update"
INCREMENT = "/inventory/v1/fs/{fs}/stock/increment"


def test_tokopedia_stock_log(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    started = time.time()
    product = tokopedia_sandbox.product(IN_STOCK)
    stock, sku, unit, shop = product["stock"], product["sku"], str(IN_STOCK), str(SARI)
    with pytest.raises(SandboxControlError) as refused:  # one more than shown: refused
        tokopedia_sandbox.place_order(SARI, [{"product_id": IN_STOCK, "quantity": stock + 1}])
    assert refused.value.status == 409 and tokopedia_sandbox.stock_log() == []
    order = placed_between(
        lambda: tokopedia_sandbox.place_order(SARI, [{"product_id": IN_STOCK, "quantity": 2}])
    )
    nack = f"/v1/order/{order['order_id']}/fs/{{fs}}/nack"
    assert api.post(nack, {"reason_code": 8, "reason": "Pembeli minta batal"}).json()["data"]
    params = {"shop_id": SARI}
    api.post(STOCK_UPDATE, [{"product_id": IN_STOCK, "new_stock": stock}], params)  # unchanged
    api.post(INCREMENT, [{"product_id": IN_STOCK, "stock_value": 5}], params)
    tokopedia_sandbox.patch_product(IN_STOCK, stock=3)
    log = tokopedia_sandbox.stock_log()
    assert log[0]["at"] == order["placed_at"]
    check_log(
        tokopedia_sandbox,
        [
            (shop, unit, sku, stock - 2, "order"),
            (shop, unit, sku, stock, "release"),
            (shop, unit, sku, stock, "api"),
            (shop, unit, sku, stock + 5, "api"),
            (shop, unit, sku, 3, "seller"),
        ],
        started,
    )


# --- Shopee: unit "<item_id>:<model_id>" (model 0: no models) -------------------------------

FIRST = 20_000_100_001  # SB-SLD-SDM-046, no models, one location
SHARED_FAMILY = 20_000_100_037  # an item with models
UPDATE_STOCK = f"{V2}/product/update_stock"
CANCEL = f"{V2}/order/cancel_order"


def test_shopee_stock_log(shop_api: ShopeeApi, shopee: ShopeeControl) -> None:
    started = time.time()
    stock = shopee.model_stock(FIRST)["stock"]
    unit, shop, sku = f"{FIRST}:0", str(SHOPEE_SHOP), "SB-SLD-SDM-046"
    model = shopee.item(SHARED_FAMILY)["models"][0]
    model_view = shopee.model_stock(SHARED_FAMILY, model["model_id"])
    model_stock, model_sku = model_view["stock"], model_view["sku"]
    with pytest.raises(SandboxControlError) as refused:
        shopee.place_order(SHOPEE_SHOP, [{"item_id": FIRST, "quantity": stock + 1}])
    assert refused.value.status == 409 and shopee.stock_log() == []
    lines = [
        {"item_id": FIRST, "quantity": 2},
        {"item_id": SHARED_FAMILY, "model_id": model["model_id"], "quantity": 1},
    ]
    order = placed_between(lambda: shopee.place_order(SHOPEE_SHOP, lines))
    body = {"order_sn": order["order_sn"], "cancel_reason": "CUSTOMER_REQUEST"}
    shop_api.ok(shop_api.post(CANCEL, body))
    unchanged = {
        "item_id": FIRST,
        "stock_list": [{"model_id": 0, "seller_stock": [{"stock": stock}]}],
    }
    shop_api.ok(shop_api.post(UPDATE_STOCK, unchanged))
    shopee.patch_item(FIRST, stock=7)
    model_unit = f"{SHARED_FAMILY}:{model['model_id']}"
    assert {r["at"] for r in shopee.stock_log()[:2]} == {order["placed_at"]}
    check_log(
        shopee,
        [
            (shop, unit, sku, stock - 2, "order"),
            (shop, model_unit, model_sku, model_stock - 1, "order"),
            (shop, unit, sku, stock, "release"),
            (shop, model_unit, model_sku, model_stock, "release"),
            (shop, unit, sku, stock, "api"),
            (shop, unit, sku, 7, "seller"),
        ],
        started,
    )


def test_shopee_stock_log_sums_the_locations(
    shopee_sandbox: RunningSandbox, shopee: ShopeeControl
) -> None:
    api = ShopeeApi(shopee_sandbox, shop_id=TWO_WAREHOUSES).authorize()
    try:
        item_id = api.items()[0]
        levels = shopee.model_stock(item_id)["seller_stock"]
        entry = {"model_id": 0, "seller_stock": [{"location_id": "IDZ7700003B", "stock": 12}]}
        api.ok(api.post(UPDATE_STOCK, {"item_id": item_id, "stock_list": [entry]}))
    finally:
        api.close()
    [record] = shopee.stock_log()
    assert record["unit"] == f"{item_id}:0" and record["shop_id"] == str(TWO_WAREHOUSES)
    assert record["stock"] == levels["IDZ7700003A"] + 12 == shopee.model_stock(item_id)["stock"]


# --- TikTok Shop: unit "<product_id>:<sku_id>" ----------------------------------------------


def test_tiktokshop_stock_log(tts_api: TikTokApi, tiktokshop: TikTokShopControl) -> None:
    started = time.time()
    view = tiktokshop.sku(TAS_SKU)  # stocked in Yogyakarta and Jakarta
    levels = {w: v["available"] for w, v in view["warehouses"].items()}
    total, sku, shop = view["total_available"], view["seller_sku"], TIKTOK_SHOP
    unit = f"{TAS_PRODUCT}:{TAS_SKU}"
    with pytest.raises(SandboxControlError) as refused:
        tiktokshop.place_order(TIKTOK_SHOP, [{"sku_id": TAS_SKU, "quantity": total + 1}])
    assert refused.value.status == 409 and tiktokshop.stock_log() == []
    order = placed_between(
        lambda: tiktokshop.place_order(TIKTOK_SHOP, [{"sku_id": TAS_SKU, "quantity": 2}])
    )
    tiktokshop.cancel_order_as_buyer(order["id"])  # two units back: one record
    inventory = [{"warehouse_id": w, "quantity": q} for w, q in levels.items()]  # unchanged
    body = {"skus": [{"id": TAS_SKU, "inventory": inventory}]}
    assert ok(tts_api.post(f"/product/202309/products/{TAS_PRODUCT}/inventory/update", body)) == {
        "errors": []
    }
    tiktokshop.patch_sku(TAS_SKU, stock=4, warehouse_id=YOGYA)
    assert tiktokshop.stock_log()[0]["at"] == order["placed_at"]
    check_log(
        tiktokshop,
        [
            (shop, unit, sku, total - 2, "order"),
            (shop, unit, sku, total, "release"),
            (shop, unit, sku, total, "api"),
            (shop, unit, sku, 4 + levels[JAKARTA], "seller"),
        ],
        started,
    )


# --- the log itself -------------------------------------------------------------------------


def test_the_log_is_bounded_pages_and_filters() -> None:
    log = StockLog(capacity=300)  # drops the oldest 3 at a time
    for number in range(1, 1001):
        log.record(7 if number % 2 else 8, f"{number}:0", "", number, "api", at=float(number))
    kept = log.after()
    assert 298 <= len(kept) <= 300 and kept[-1].id == 1000 == log.last_id
    assert [r.id for r in kept] == list(range(kept[0].id, 1001))
    assert [r.id for r in log.after(0, limit=5)] == list(range(kept[0].id, kept[0].id + 5))
    assert [r.id for r in log.after(995)] == [996, 997, 998, 999, 1000]
    assert [r.id for r in log.after(995, shop_id="7")] == [997, 999]
    assert [r.id for r in log.after(990, shop_id="8", limit=2)] == [992, 994]
    assert log.after(1000) == [] and log.after(5000) == []
    assert kept[-1].as_json() == {
        "id": 1000, "at": 1000.0, "shop_id": "8", "unit": "1000:0", "sku": "",
        "stock": 1000, "cause": "api",
    }  # fmt: skip
    with pytest.raises(ValueError):
        log.record(7, "1:0", "", 1, "restock")  # type: ignore[arg-type]
    log.clear()
    assert log.after() == [] and log.record(7, "1:0", "", 1, "other").id == 1


def test_the_log_numbers_appends_from_many_threads_once_each() -> None:
    log = StockLog()

    def append() -> None:
        for number in range(2000):
            log.record(1, str(number), "", number, "order")

    threads = [threading.Thread(target=append) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.id for r in log.after()] == list(range(1, 8001))
