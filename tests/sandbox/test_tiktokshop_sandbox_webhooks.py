"""TikTok Shop webhooks: per-shop registration through the API, Partner Center addresses, the
signed envelope, type 1 on every order status change (CANCEL for cancellations), types 6, 7
and 35, retries and the delivery faults."""

from __future__ import annotations

import json
import time
from typing import Any

from tiktokshop_helpers import (
    APP_KEY,
    APP_SECRET,
    OTHER_APP_KEY,
    SELLER,
    SHOP,
    SLD_SKU,
    TikTokApi,
    error_of,
    ok,
    webhook_signature,
)
from tokopedia_sandbox_helpers import Receiver

from satustok_sandbox.tiktokshop.handle import TikTokShopControl

WEBHOOKS = "/event/202309/webhooks"
DAY, YEAR = 86_400, 365 * 86_400


def wait_for(receiver: Receiver, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while len(receiver.received) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(receiver.received) >= count, receiver.received
    return [r.json() for r in receiver.received]


def register(api: TikTokApi, receiver: Receiver, event: str = "ORDER_STATUS_CHANGE") -> str:
    address = f"{receiver.url}/tts/{event.lower()}"
    assert ok(api.call("PUT", WEBHOOKS, body={"address": address, "event_type": event})) == {}
    return address


def test_registration_through_the_api(tts_api: TikTokApi, receiver: Receiver) -> None:
    address = register(tts_api, receiver)
    listed = ok(tts_api.get(WEBHOOKS))
    assert listed["total_count"] == 1
    (row,) = listed["webhooks"]
    assert (row["event_type"], row["address"]) == ("ORDER_STATUS_CHANGE", address)
    assert isinstance(row["create_time"], int) and row["update_time"] >= row["create_time"]
    bad = tts_api.call(
        "PUT", WEBHOOKS, body={"address": "ftp://x", "event_type": "ORDER_STATUS_CHANGE"}
    )
    assert error_of(bad)[1] == 40001
    unknown = tts_api.call("PUT", WEBHOOKS, body={"address": address, "event_type": "NOPE"})
    assert error_of(unknown)[1] == 40001
    assert (
        error_of(
            tts_api.call(
                "PUT",
                WEBHOOKS,
                body={"address": address, "event_type": "ORDER_STATUS_CHANGE"},
                shop=False,
            )
        )[1]
        == 106013
    )
    deleted = tts_api.call("DELETE", WEBHOOKS, body={"event_type": "ORDER_STATUS_CHANGE"})
    assert ok(deleted) == {} and ok(tts_api.get(WEBHOOKS)) == {"webhooks": [], "total_count": 0}


def test_order_status_changes_are_signed_type_1_with_cancel(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl, receiver: Receiver
) -> None:
    register(tts_api, receiver)
    order = tiktokshop.place_order(SHOP, [{"sku_id": SLD_SKU}], status="UNPAID")
    tiktokshop.move_order(order["id"], "ON_HOLD")
    tiktokshop.cancel_order_as_buyer(order["id"])
    payloads = wait_for(receiver, 3)
    assert [p["data"]["order_status"] for p in payloads] == ["UNPAID", "ON_HOLD", "CANCEL"]
    assert [p["data"]["is_on_hold_order"] for p in payloads] == [False, True, False]
    first = receiver.received[0]
    assert first.headers["Authorization"] == webhook_signature(APP_KEY, APP_SECRET, first.body)
    assert not first.headers["Authorization"].startswith("Bearer")
    envelope = payloads[2]
    assert list(envelope) == ["type", "tts_notification_id", "shop_id", "timestamp", "data"]
    assert envelope["type"] == 1 and envelope["shop_id"] == SHOP
    assert envelope["data"] == {
        "order_id": order["id"],
        "order_status": "CANCEL",
        "is_on_hold_order": False,
        "update_time": tiktokshop.order(order["id"])["update_time"],
    }
    ids = {p["tts_notification_id"] for p in payloads}
    assert len(ids) == 3 and all(len(i) == 19 and i.isdigit() for i in ids)
    log = tiktokshop.wait_for_deliveries(3, type_=1)
    assert log[0]["signature"] == webhook_signature(APP_KEY, APP_SECRET, log[0]["body"].encode())
    assert log[0]["event"] == "ORDER_STATUS_CHANGE" and log[0]["status_code"] == 200
    later = tiktokshop.deliveries(after=log[0]["id"])
    assert [d["id"] for d in later] == [d["id"] for d in log[1:]]


def test_the_seller_cancel_api_also_sends_cancel(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl, receiver: Receiver
) -> None:
    register(tts_api, receiver)
    order = tiktokshop.place_order(SHOP, [{"sku_id": SLD_SKU}])
    body = {"order_id": order["id"], "cancel_reason": "seller_cancel_reason_out_of_stock"}
    ok(tts_api.post("/return_refund/202309/cancellations", body))
    statuses = [p["data"]["order_status"] for p in wait_for(receiver, 2)]
    assert statuses == ["AWAITING_SHIPMENT", "CANCEL"]


def test_only_authorized_apps_hear_a_shops_events(
    tiktokshop: TikTokShopControl, receiver: Receiver
) -> None:
    tiktokshop.set_app_webhook(f"{receiver.url}/partner-center")  # Partner Center, every type
    unheard = tiktokshop.place_order(SHOP, [{"sku_id": SLD_SKU}])  # nobody authorized yet
    tiktokshop.authorize()
    heard = tiktokshop.place_order(SHOP, [{"sku_id": SLD_SKU}])
    payloads = wait_for(receiver, 1)
    tiktokshop.move_order(heard["id"], "AWAITING_COLLECTION")
    payloads = wait_for(receiver, 2)
    assert [p["data"]["order_id"] for p in payloads] == [heard["id"], heard["id"]]
    assert unheard["id"] not in json.dumps(payloads)
    assert {r.path for r in receiver.received} == {"/partner-center"}


def test_a_shop_registration_wins_over_the_partner_center_address(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl, receiver: Receiver
) -> None:
    tiktokshop.set_app_webhook(f"{receiver.url}/partner-center", ["ORDER_STATUS_CHANGE"])
    register(tts_api, receiver)
    tiktokshop.place_order(SHOP, [{"sku_id": SLD_SKU}])
    wait_for(receiver, 1)
    assert [r.path for r in receiver.received] == ["/tts/order_status_change"]


def test_revoking_sends_type_6(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl, receiver: Receiver
) -> None:
    register(tts_api, receiver, "SELLER_DEAUTHORIZATION")
    tiktokshop.revoke()
    (payload,) = wait_for(receiver, 1)
    assert payload["type"] == 6 and payload["shop_id"] == SHOP
    assert receiver.received[0].headers["Authorization"] == webhook_signature(
        APP_KEY, APP_SECRET, receiver.received[0].body
    )


def test_type_7_on_demand_and_daily_in_the_last_30_days(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl, receiver: Receiver
) -> None:
    register(tts_api, receiver, "UPCOMING_AUTHORIZATION_EXPIRATION")
    expires = tiktokshop.authorizations()[0]["expires_at"]
    tiktokshop.notify_authorization_expiring()
    (first,) = wait_for(receiver, 1)
    assert first["type"] == 7 and first["shop_id"] == SHOP
    assert first["data"]["expire_time"] == expires
    assert tiktokshop.advance_clock(YEAR - 31 * DAY)["expiry_notices"] == 0
    assert tiktokshop.advance_clock(2 * DAY)["expiry_notices"] == 1  # 29 days left
    assert tiktokshop.advance_clock(60)["expiry_notices"] == 0  # the same day
    assert tiktokshop.advance_clock(DAY)["expiry_notices"] == 1
    assert [p["type"] for p in wait_for(receiver, 3)] == [7, 7, 7]
    assert tiktokshop.authorizations()[0]["expiry_notices"] == [29, 28]


def test_type_35_is_seller_level(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl, receiver: Receiver
) -> None:
    register(tts_api, receiver, "TOKOPEDIA_MIRROR_STATUS_CHANGE")
    answer = tiktokshop.notify_tokopedia_mirror(SHOP, "ROLLED_BACK")
    assert answer["app_keys"] == [APP_KEY]
    (payload,) = wait_for(receiver, 1)
    assert payload["type"] == 35 and payload["seller_open_id"] == SELLER
    assert "shop_id" not in payload
    assert payload["data"]["tts_shop_id"] == SHOP
    assert payload["data"]["mirror_status"] == "ROLLED_BACK"
    assert isinstance(payload["data"]["update_time"], int)


def test_failed_deliveries_are_retried(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl, receiver: Receiver
) -> None:
    receiver.status = 500
    register(tts_api, receiver)
    tiktokshop.place_order(SHOP, [{"sku_id": SLD_SKU}])
    attempts = tiktokshop.wait_for_deliveries(3, type_=1)
    assert [a["attempt"] for a in attempts] == [1, 2, 3]
    assert {a["status_code"] for a in attempts} == {500}
    assert len({a["notification_id"] for a in attempts}) == 1


def test_duplicate_drop_and_reorder_faults(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl, receiver: Receiver
) -> None:
    register(tts_api, receiver)
    tiktokshop.set_faults(webhooks={"duplicate_next": 1})
    first = tiktokshop.place_order(SHOP, [{"sku_id": SLD_SKU}])
    twice = wait_for(receiver, 2)
    assert twice[0] == twice[1] and twice[0]["data"]["order_id"] == first["id"]
    tiktokshop.set_faults(webhooks={"drop_next": 1})
    tiktokshop.place_order(SHOP, [{"sku_id": SLD_SKU}])
    dropped = tiktokshop.wait_for_deliveries(3, type_=1)[-1]
    assert dropped["dropped"] is True and len(receiver.received) == 2
    tiktokshop.set_faults(webhooks={"reorder": True})
    order = tiktokshop.place_order(SHOP, [{"sku_id": SLD_SKU}], status="UNPAID")
    tiktokshop.move_order(order["id"], "AWAITING_SHIPMENT")
    statuses = [p["data"]["order_status"] for p in wait_for(receiver, 4)[2:]]
    assert statuses == ["AWAITING_SHIPMENT", "UNPAID"]


def test_the_subscriptions_view(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl, receiver: Receiver
) -> None:
    address = register(tts_api, receiver)
    tiktokshop.set_app_webhook(f"{receiver.url}/pc", ["SELLER_DEAUTHORIZATION"])
    view = tiktokshop.webhook_subscriptions()
    assert view["sent_types"] == [1, 6, 7, 11, 12, 27, 35]
    assert view["apps"] == {
        APP_KEY: {"SELLER_DEAUTHORIZATION": f"{receiver.url}/pc"},
        OTHER_APP_KEY: {},
    }
    assert view["shops"] == [
        {
            "app_key": APP_KEY,
            "shop_id": SHOP,
            "event_type": "ORDER_STATUS_CHANGE",
            "address": address,
        }
    ]
