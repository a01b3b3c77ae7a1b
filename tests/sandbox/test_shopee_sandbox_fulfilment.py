"""The Shopee sandbox's shipping steps through its control API: the parcel's journey (collect,
fail pickup, deliver, fail delivery), the buyer's requests (cancel, ask to cancel, return) and
the refusals of steps out of order; the deadline Shopee sets on a paid order."""

from __future__ import annotations

import pytest

from satustok_sandbox.shopee.handle import ShopeeControl, ShopeeControlError

SHOP = 7700001
FIRST = 20_000_100_001


def placed(shopee: ShopeeControl, **extra: object) -> dict:
    lines = [{"item_id": FIRST, "model_id": 0, "quantity": 1}]
    return shopee.place_order(SHOP, lines, **extra)


def test_the_parcels_journey_refuses_steps_out_of_order(shopee: ShopeeControl) -> None:
    order_sn = placed(shopee)["order_sn"]
    for step in (shopee.collect, shopee.deliver, shopee.fail_delivery, shopee.return_order):
        with pytest.raises(ShopeeControlError) as refused:
            step(order_sn)
        assert refused.value.status == 409
    shopee.move_order(order_sn, "PROCESSED")
    assert shopee.fail_pickup(order_sn)["order_status"] == "RETRY_SHIP"
    shopee.move_order(order_sn, "PROCESSED")
    collected = shopee.collect(order_sn)
    assert collected["order_status"] == "SHIPPED" and collected["shipped"]
    assert collected["tracking_number"].startswith("SPXID")
    assert shopee.deliver(order_sn)["order_status"] == "TO_CONFIRM_RECEIVE"
    with pytest.raises(ShopeeControlError):  # more than was bought
        shopee.return_order(order_sn, [{"item_id": FIRST, "model_id": 0, "quantity": 5}])
    returned = shopee.return_order(order_sn)
    assert returned["order_status"] == "TO_RETURN" and returned["return"]["item"][0]["amount"] == 1
    assert shopee.patch_return(returned["return"]["return_sn"], "ACCEPTED")["status"] == "ACCEPTED"


def test_a_failed_delivery_cancels_and_gives_the_stock_back(shopee: ShopeeControl) -> None:
    before = shopee.model_stock(FIRST)["stock"]
    order_sn = placed(shopee)["order_sn"]
    shopee.move_order(order_sn, "SHIPPED")
    failed = shopee.fail_delivery(order_sn)
    assert failed["order_status"] == "CANCELLED" and failed["cancel_reason"] == "Failed Delivery"
    assert shopee.model_stock(FIRST)["stock"] == before


def test_buyer_cancellations(shopee: ShopeeControl) -> None:
    unpaid = placed(shopee, status="UNPAID")["order_sn"]
    assert shopee.buyer_cancel(unpaid)["cancel_by"] == "buyer"
    paid = placed(shopee)["order_sn"]
    with pytest.raises(ShopeeControlError):  # a paid order is asked, not cancelled outright
        shopee.buyer_cancel(paid)
    asked = shopee.request_cancellation(paid, "Modify existing order")
    assert asked["order_status"] == "IN_CANCEL"
    assert asked["buyer_cancel_reason"] == "Modify existing order"
    shipped = placed(shopee)["order_sn"]
    shopee.move_order(shipped, "SHIPPED")
    with pytest.raises(ShopeeControlError):
        shopee.request_cancellation(shipped)


def test_a_paid_order_must_ship_within_two_days_of_payment(shopee: ShopeeControl) -> None:
    order = placed(shopee)
    sandbox_order = shopee.sandbox.state.orders[order["order_sn"]]
    from satustok_sandbox.shopee.order_api import order_json

    row = order_json(shopee.sandbox.state, sandbox_order, set())
    assert row["days_to_ship"] == 2 and row["ship_by_date"] == order["pay_time"] + 2 * 86_400
    assert abs(order["pay_time"] - shopee.now()) < 5
