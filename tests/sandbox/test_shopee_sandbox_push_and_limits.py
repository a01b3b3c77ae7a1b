"""Shopee pushes (signed url|body, retries, lost messages), the per-partner rate limit, faults
and stats."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from shopee_helpers import PARTNER_KEY, SHOP, V2, ShopeeApi, error_of, hmac_hex
from tokopedia_sandbox_helpers import Receiver

from satustok_sandbox.shopee.handle import ShopeeControl

SET_PUSH = f"{V2}/push/set_app_push_config"
GET_PUSH = f"{V2}/push/get_app_push_config"
LOST = f"{V2}/push/get_lost_push_message"
CONFIRM = f"{V2}/push/confirm_consumed_lost_push_message"
ITEM_LIST = f"{V2}/product/get_item_list"
LISTING = {"page_size": 1, "item_status": "NORMAL"}
FIRST = 20_000_100_001


def wait_for(receiver: Receiver, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.received) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(receiver.received) >= count, receiver.received


def test_push_config_through_the_api(shop_api: ShopeeApi, receiver: Receiver) -> None:
    url = f"{receiver.url}/shopee/push"
    off = [1, 2, 4, 15, 29]
    body = {"callback_url": url, "set_push_config_on": [3, 8], "set_push_config_off": off}
    assert shop_api.ok(shop_api.post(SET_PUSH, body, shop=False)) == {"result": "success"}
    config = shop_api.ok(shop_api.get(GET_PUSH, shop=False))
    assert config["callback_url"] == url and config["push_config_on_list"] == [3, 8]
    assert config["push_config_off_list"] == off and config["live_push_status"] == "Normal"
    bad = shop_api.post(SET_PUSH, {"callback_url": "ftp://x"}, shop=False)
    assert error_of(bad)[:2] == (400, "push.error_param")


def test_an_order_is_pushed_signed_over_url_and_body(
    shop_api: ShopeeApi, shopee: ShopeeControl, receiver: Receiver
) -> None:
    url = f"{receiver.url}/shopee/push?source=sandbox"
    shopee.set_push_config(url, codes_on=[3, 8])
    order = shopee.place_order(SHOP, [{"item_id": FIRST, "quantity": 3}])
    wait_for(receiver, 2)
    by_code = {json.loads(r.body)["code"]: r for r in receiver.received}
    status = by_code[3]
    assert status.headers["Authorization"] == hmac_hex(
        PARTNER_KEY, url.encode() + b"|" + status.body
    )
    payload = json.loads(status.body)
    assert payload["shop_id"] == SHOP and isinstance(payload["timestamp"], int)
    assert payload["data"] == {
        "ordersn": order["order_sn"], "status": "READY_TO_SHIP",
        "update_time": order["update_time"], "items": [],
    }  # fmt: skip
    reserved = json.loads(by_code[8].body)["data"]
    assert (reserved["item_id"], reserved["model_id"], reserved["action"]) == (
        FIRST,
        0,
        "place_order",
    )
    assert reserved["changed_values"] == [{"name": "reserved_stock", "old": 0, "new": 3}]
    shopee.move_order(order["order_sn"], "CANCELLED")
    wait_for(receiver, 4)
    statuses = [json.loads(r.body)["data"].get("status") for r in receiver.received]
    assert statuses.count("CANCELLED") == 1
    log = shopee.wait_for_deliveries(2, code=3)
    assert [d["payload"]["data"]["status"] for d in log] == ["READY_TO_SHIP", "CANCELLED"]
    assert log[0]["signature"] == hmac_hex(PARTNER_KEY, f"{url}|{log[0]['body']}")


def test_only_authorized_partners_get_a_shops_pushes(
    shopee: ShopeeControl, receiver: Receiver
) -> None:
    shopee.set_push_config(f"{receiver.url}/push", codes_on=[3])
    unauthorized = shopee.place_order(SHOP, [{"item_id": FIRST}])["order_sn"]
    shopee.authorize(SHOP)
    authorized = shopee.place_order(SHOP, [{"item_id": FIRST}])["order_sn"]
    wait_for(receiver, 1)
    # Pushes go out in order: had the first order's been sent, it would have come first.
    pushed = {json.loads(r.body)["data"]["ordersn"] for r in receiver.received}
    assert authorized in pushed and unauthorized not in pushed


def test_failed_pushes_are_retried_then_kept_as_lost(
    shop_api: ShopeeApi, shopee: ShopeeControl, receiver: Receiver
) -> None:
    receiver.status = 500
    shopee.set_push_config(f"{receiver.url}/push", codes_on=[3])
    order_sn = shopee.place_order(SHOP, [{"item_id": FIRST}])["order_sn"]
    attempts = shopee.wait_for_deliveries(3, code=3)
    assert [a["attempt"] for a in attempts] == [1, 2, 3]
    assert {a["status_code"] for a in attempts} == {500}
    deadline = time.monotonic() + 2
    while not shopee.lost_pushes() and time.monotonic() < deadline:
        time.sleep(0.02)
    lost = shop_api.ok(shop_api.get(LOST, shop=False))
    message = lost["push_message_list"][0]
    assert message["code"] == 3 and json.loads(message["data"])["ordersn"] == order_sn
    assert lost["has_next_page"] is False and lost["last_message_id"] >= 1
    confirm = {"last_message_id": lost["last_message_id"]}
    shop_api.ok(shop_api.post(CONFIRM, confirm, shop=False))
    assert shop_api.ok(shop_api.get(LOST, shop=False))["push_message_list"] == []


def test_the_drop_fault_loses_a_push(
    shopee: ShopeeControl, shop_api: ShopeeApi, receiver: Receiver
) -> None:
    shopee.set_push_config(f"{receiver.url}/push", codes_on=[3])
    shopee.set_faults(push={"drop_next": 1})
    shopee.place_order(SHOP, [{"item_id": FIRST}])
    dropped = shopee.wait_for_deliveries(1, code=3)
    assert dropped[0]["dropped"] is True and receiver.received == []


def test_the_reorder_fault_sends_a_burst_newest_first(
    shopee: ShopeeControl, shop_api: ShopeeApi, receiver: Receiver
) -> None:
    shopee.set_push_config(f"{receiver.url}/push", codes_on=[3])
    shopee.set_faults(push={"reorder": True})
    order_sn = shopee.place_order(SHOP, [{"item_id": FIRST}])["order_sn"]
    shopee.move_order(order_sn, "PROCESSED")
    deadline = time.monotonic() + 5
    while len(receiver.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    statuses = [json.loads(r.body)["data"]["status"] for r in receiver.received[:2]]
    assert statuses == ["PROCESSED", "READY_TO_SHIP"]


def test_the_rate_limit_answers_429(shop_api: ShopeeApi, shopee: ShopeeControl) -> None:
    shopee.set_rate_limit(rate=0.5, burst=2, partner_id=shop_api.partner_id)
    assert [shop_api.get(ITEM_LIST, LISTING).status_code for _ in range(2)] == [200, 200]
    limited = shop_api.get(ITEM_LIST, LISTING)
    assert error_of(limited)[:2] == (429, "error_rate_limit")
    assert int(limited.headers["Retry-After"]) >= 1
    assert shopee.stats()["rate_limited"] == 1
    other = ShopeeApi(shop_api.sandbox, partner_id=2001888,
                      partner_key="another-system-shopee-partner-key-2001888")  # fmt: skip
    assert other.get(f"{V2}/push/get_app_push_config", shop=False).status_code == 200
    other.close()
    shopee.clear_faults()
    assert shop_api.get(ITEM_LIST, LISTING).status_code == 200


def test_server_faults(shop_api: ShopeeApi, shopee: ShopeeControl) -> None:
    shopee.set_faults(fail_next=1, error="error_system_busy", error_status=503)
    assert error_of(shop_api.get(ITEM_LIST, LISTING))[:2] == (503, "error_system_busy")
    assert shop_api.get(ITEM_LIST, LISTING).status_code == 200
    shopee.set_faults(forced={"product.update_stock": {"error": "error_inner", "count": 2}})
    body = {"item_id": FIRST, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 1}]}]}
    post = f"{V2}/product/update_stock"
    assert [error_of(shop_api.post(post, body))[:2] for _ in range(2)] == [(500, "error_inner")] * 2
    assert shop_api.post(post, body).json()["error"] == ""
    shopee.set_faults(rate_limit_next=1, only_apis=["/api/v2/product/get_item_list"])
    assert shop_api.ok(shop_api.get(f"{V2}/shop/get_warehouse_detail"))
    assert error_of(shop_api.get(ITEM_LIST, LISTING))[0] == 429


def test_a_hanging_call_times_the_client_out(shop_api: ShopeeApi, shopee: ShopeeControl) -> None:
    shopee.set_faults(timeout_next=1, timeout_seconds=1.0)
    with pytest.raises(httpx.ReadTimeout):
        shop_api.client.get(ITEM_LIST, params=shop_api.common(ITEM_LIST) + list(LISTING.items()),
                            timeout=0.2)  # fmt: skip
    assert shop_api.get(ITEM_LIST, LISTING).status_code == 200


def test_stats_and_the_call_log(shop_api: ShopeeApi, shopee: ShopeeControl) -> None:
    shop_api.get(ITEM_LIST, LISTING)
    shop_api.get(ITEM_LIST, {"page_size": 0, "item_status": "NORMAL"})
    stats = shopee.stats()["apis"]["product/get_item_list"]
    assert stats["calls"] == 2 and stats["statuses"] == {"200": 1, "400": 1}
    assert stats["errors"] == {"product.error_param": 1}
    call = shopee.calls()[-1]
    assert call["path"] == "/shopee/api/v2/product/get_item_list" and call["shop_id"] == SHOP
