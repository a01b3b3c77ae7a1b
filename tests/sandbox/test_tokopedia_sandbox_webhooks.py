"""Webhook registration and signed delivery to a real receiver on loopback."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest
from tokopedia_sandbox_helpers import SARI, Api, Receiver, register_all

from satustok_sandbox.server import RunningSandbox

IN_STOCK = 2100050


def wait_for(receiver: Receiver, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.received) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(receiver.received) >= count, receiver.received


def test_register_then_list_and_register_again_replaces_everything(api: Api) -> None:
    first = api.post(
        "/v1/fs/{fs}/register",
        {"fs_id": 15001, "order_notification_url": "http://127.0.0.1:9/a",
         "product_changes_url": "http://127.0.0.1:9/b", "webhook_secret": "s3cret"},
    )  # fmt: skip
    assert first.json() == {"data": "success", "status": "200 Ok", "error_message": []}
    listed = api.get("/v1/fs/{fs}").json()["data"]
    assert listed["order_notification_url"] == "http://127.0.0.1:9/a"
    assert listed["webhook_secret"] == "s3cret"
    api.post("/v1/fs/{fs}/register", {"order_status_url": "http://127.0.0.1:9/c"})
    replaced = api.get("/v1/fs/{fs}").json()["data"]
    assert replaced["order_notification_url"] == "" and replaced["product_changes_url"] == ""
    assert replaced["order_status_url"] == "http://127.0.0.1:9/c"
    app_secret = api.sandbox.app(15001)["webhook_secret"]
    assert replaced["webhook_secret"] == app_secret


def test_register_refuses_bad_urls_and_a_foreign_fs_id(api: Api) -> None:
    bad_url = api.post("/v1/fs/{fs}/register", {"order_status_url": "ftp://x"})
    foreign = api.post("/v1/fs/{fs}/register", {"fs_id": 15002})
    for response in (bad_url, foreign):
        assert response.status_code == 400
        assert response.json()["status"] == "400 Bad Request"
        assert response.json()["error_message"]


def test_a_new_order_is_notified_with_a_valid_hmac(
    tokopedia_sandbox: RunningSandbox, api: Api, receiver: Receiver
) -> None:
    register_all(api, receiver, webhook_secret="hush")
    order = tokopedia_sandbox.place_order(SARI, [{"product_id": IN_STOCK, "quantity": 2}])
    wait_for(receiver, 2)
    notification = receiver.events("/order_notification")[0]
    expected = hmac.new(b"hush", notification.body, hashlib.sha256).hexdigest()
    assert notification.headers["Authorization-Hmac"] == expected
    payload = notification.json()
    assert payload["order_id"] == order["order_id"] and payload["order_status"] == 220
    assert payload["products"][0]["id"] == IN_STOCK and "header" not in payload
    change = receiver.events("/product_changes")[0].json()["product_changes_data"][0]
    assert change["action"] == "stock_decrement" and change["product_id"] == IN_STOCK
    assert int(change["previous_value"]) - int(change["value"]) == 2


def test_status_moves_and_cancellations_go_to_their_own_urls(
    tokopedia_sandbox: RunningSandbox, api: Api, receiver: Receiver
) -> None:
    register_all(api, receiver)
    order_id = tokopedia_sandbox.place_order(SARI, [{"product_id": IN_STOCK}])["order_id"]
    api.post(f"/v1/order/{order_id}/fs/{{fs}}/ack")
    tokopedia_sandbox.move_order(order_id, 0)
    wait_for(receiver, 5)
    assert receiver.events("/order_status")[0].json()["order_status"] == 400
    cancellation = receiver.events("/order_cancellation")[0].json()
    assert (
        cancellation["order_status"] == 0 and cancellation["product_details"][0]["id"] == IN_STOCK
    )
    actions = [
        r.json()["product_changes_data"][0]["action"] for r in receiver.events("/product_changes")
    ]
    assert actions == ["stock_decrement", "stock_increment"]


def test_the_app_secret_signs_when_none_is_registered(
    tokopedia_sandbox: RunningSandbox, api: Api, receiver: Receiver
) -> None:
    register_all(api, receiver)
    api.post("/inventory/v1/fs/{fs}/stock/update", [{"product_id": IN_STOCK, "new_stock": 8}],
             {"shop_id": SARI})  # fmt: skip
    wait_for(receiver, 1)
    secret = tokopedia_sandbox.app(15001)["webhook_secret"].encode()
    delivery = receiver.received[0]
    assert (
        delivery.headers["Authorization-Hmac"]
        == hmac.new(secret, delivery.body, "sha256").hexdigest()
    )
    assert delivery.json()["product_changes_data"][0]["action"] == "stock_overwrite"


def test_every_attempt_is_logged_and_failures_are_retried(
    tokopedia_sandbox: RunningSandbox, api: Api, receiver: Receiver
) -> None:
    receiver.status = 500
    register_all(api, receiver)
    tokopedia_sandbox.patch_product(IN_STOCK, stock=1)
    log = tokopedia_sandbox.wait_for_deliveries(3)
    assert [(d["attempt"], d["status_code"]) for d in log] == [(1, 500), (2, 500), (3, 500)]
    assert {d["event"] for d in log} == {"product_changes"}
    assert log[0]["payload"]["product_changes_data"][0]["value"] == "1"


def test_a_reader_of_the_log_can_ask_for_only_what_is_new(
    tokopedia_sandbox: RunningSandbox, api: Api, receiver: Receiver
) -> None:
    register_all(api, receiver)
    tokopedia_sandbox.patch_product(IN_STOCK, stock=1)
    first = tokopedia_sandbox.wait_for_deliveries(1)
    tokopedia_sandbox.patch_product(IN_STOCK, stock=2)
    tokopedia_sandbox.wait_for_deliveries(2)
    newer = tokopedia_sandbox.deliveries("product_changes", after=first[-1]["id"])
    assert [d["payload"]["product_changes_data"][0]["value"] for d in newer] == ["2"]
    assert tokopedia_sandbox.deliveries(after=newer[-1]["id"]) == []
    assert tokopedia_sandbox.stats()["webhook_deliveries"] == 2
    with pytest.raises(tokopedia_sandbox.error, match="after"):
        tokopedia_sandbox.control("GET", "webhooks/deliveries", after="last")


def test_drop_next_and_duplicate_next(
    tokopedia_sandbox: RunningSandbox, api: Api, receiver: Receiver
) -> None:
    register_all(api, receiver)
    tokopedia_sandbox.set_faults(webhooks={"drop_next": 1, "duplicate_next": 1})
    tokopedia_sandbox.patch_product(IN_STOCK, stock=1)
    tokopedia_sandbox.patch_product(IN_STOCK, stock=2)
    wait_for(receiver, 2)
    values = [r.json()["product_changes_data"][0]["value"] for r in receiver.received]
    assert values == ["2", "2"]
    log = tokopedia_sandbox.deliveries()
    assert [(d["dropped"], d["duplicate"]) for d in log] == [
        (True, False),
        (False, False),
        (False, True),
    ]


def test_reorder_delivers_a_burst_newest_first(
    tokopedia_sandbox: RunningSandbox, api: Api, receiver: Receiver
) -> None:
    register_all(api, receiver)
    tokopedia_sandbox.set_faults(webhooks={"reorder": True})
    order_id = tokopedia_sandbox.place_order(SARI, [{"product_id": IN_STOCK}])["order_id"]
    tokopedia_sandbox.move_order(order_id, 400)
    wait_for(receiver, 3)
    assert [r.path for r in receiver.received] == [
        "/order_status",
        "/product_changes",
        "/order_notification",
    ]


def test_fractional_drop_is_reproducible_with_a_random_seed(
    tokopedia_sandbox: RunningSandbox, api: Api, receiver: Receiver
) -> None:
    outcomes = []
    for _ in range(2):
        tokopedia_sandbox.reset()  # forgets tokens and registrations too
        api.token = None
        register_all(api, receiver)
        tokopedia_sandbox.set_faults(random_seed=7, webhooks={"drop": 0.5})
        for stock in range(1, 11):
            tokopedia_sandbox.patch_product(IN_STOCK, stock=stock)
        log = tokopedia_sandbox.wait_for_deliveries(10)
        outcomes.append([d["dropped"] for d in log])
    assert outcomes[0] == outcomes[1]
    assert 0 < sum(outcomes[0]) < 10


def test_shops_of_other_apps_do_not_notify_us(
    tokopedia_sandbox: RunningSandbox, api: Api, receiver: Receiver
) -> None:
    register_all(api, receiver)
    tokopedia_sandbox.place_order(480005, [{"product_id": 6_300_001}])
    tokopedia_sandbox.patch_product(IN_STOCK, stock=3)
    wait_for(receiver, 1)
    time.sleep(0.2)
    assert [r.path for r in receiver.received] == ["/product_changes"]
