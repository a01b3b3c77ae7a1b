"""Shopee's fulfilment payloads in the hub's words: an order detail (shaped like the samples of
Shopee's get_order_detail docs and public SDKs) mapped onto the ChannelOrder fields, the
shipping parameter onto ship options and ship_order bodies, the pushes of each shipping step,
and the actions each status allows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from satustok.channels.http.errors import ActionRejected
from satustok.channels.protocol import OrderStatus, PaymentPart, Shipment, ShipMethod
from satustok.channels.shopee import fulfilment
from satustok.channels.shopee.orders import REJECT_REASONS, ShopeeOrders, from_detail, parse
from satustok.channels.shopee.schemas import OrderDetail, ReturnRecord, ShippingParameter

DETAIL = {
    "order_sn": "201218V2Y6E59M",
    "region": "ID",
    "currency": "IDR",
    "cod": False,
    "order_status": "PROCESSED",
    "create_time": 1608263596,
    "update_time": 1608263700,
    "days_to_ship": 3,
    "ship_by_date": 1608522796,
    "message_to_seller": "",
    "buyer_user_id": 123,
    "buyer_username": "buyer_id",
    "estimated_shipping_fee": 12000.0,
    "recipient_address": {
        "name": "B***i",
        "phone": "******89",
        "town": "",
        "district": "Coblong",
        "city": "Kota Bandung",
        "state": "Jawa Barat",
        "region": "ID",
        "zipcode": "40132",
        "full_address": "Jl. D****** No. **, Coblong, Kota Bandung",
    },
    "item_list": [
        {
            "item_id": 100,
            "item_name": "Kaos",
            "item_sku": "KAOS",
            "model_id": 7,
            "model_name": "Merah,XL",
            "model_sku": "KAOS-M-XL",
            "model_quantity_purchased": 2,
            "model_original_price": 60000.0,
            "model_discounted_price": 50000.0,
        }
    ],
    "total_amount": 105000.0,
    "buyer_cancel_reason": "",
    "cancel_by": "",
    "cancel_reason": "",
    "package_list": [
        {
            "package_number": "OFG121578896133442",
            "logistics_status": "LOGISTICS_REQUEST_CREATED",
            "shipping_carrier": "SPX Standard",
            "item_list": [{"item_id": 100, "model_id": 7, "model_quantity": 2}],
        }
    ],
    "shipping_carrier": "SPX Standard",
}


def detail(**changes: object) -> OrderDetail:
    return OrderDetail.model_validate({**DETAIL, **changes})


def test_an_arranged_order_maps_every_fulfilment_field() -> None:
    order = from_detail(detail(), tracking_number="SPXID0123456789")
    assert (order.status, order.channel_status) == (OrderStatus.READY_TO_SHIP, "PROCESSED")
    assert order.ship_by == datetime.fromtimestamp(1608522796, UTC)
    assert order.courier == "SPX Standard" and order.tracking_number == "SPXID0123456789"
    assert order.packages == ("OFG121578896133442",)
    assert order.recipient is not None and order.recipient.phone == "******89"  # stays masked
    assert order.recipient.address.startswith("Jl. D******")
    assert order.payment == (
        PaymentPart("subtotal", "Merchandise subtotal", 100000),
        PaymentPart("shipping", "Shipping fee (estimated)", 12000),
        PaymentPart("discount", "Vouchers and discounts", -7000),
        PaymentPart("total", "Order total", 105000),
    )
    assert not order.cancel_requested and order.returned_items == ()


def test_without_a_package_the_order_is_its_own_package_and_shipped_has_no_deadline() -> None:
    order = from_detail(detail(order_status="SHIPPED", package_list=None))
    assert order.packages == ("201218V2Y6E59M",) and order.ship_by is None


def test_a_cancellation_request_keeps_the_status_and_rank_it_stood_at() -> None:
    arranged = from_detail(detail(order_status="IN_CANCEL", buyer_cancel_reason="Modify order"))
    assert arranged.channel_status == "IN_CANCEL" and arranged.cancel_requested
    assert arranged.cancel_reason == "Modify order"
    processed = from_detail(detail())
    assert (arranged.status, arranged.status_rank) == (processed.status, processed.status_rank)
    waiting = from_detail(
        detail(order_status="IN_CANCEL", package_list=[{"logistics_status": "LOGISTICS_READY"}])
    )
    paid = from_detail(detail(order_status="READY_TO_SHIP"))
    assert (waiting.status, waiting.status_rank) == (paid.status, paid.status_rank)


def test_a_return_maps_to_returned_with_the_lines_sent_back() -> None:
    returns = [
        ReturnRecord.model_validate(
            {
                "return_sn": 2012,
                "status": "REQUESTED",
                "item": [{"item_id": 100, "model_id": 7, "amount": 1}],
            }
        ),
        ReturnRecord.model_validate(
            {
                "return_sn": "2013",
                "status": "CANCELLED",
                "item": [{"item_id": 100, "model_id": 7, "amount": 1}],
            }
        ),
        ReturnRecord.model_validate(  # a refund without sending anything back
            {
                "return_sn": "2014",
                "status": "ACCEPTED",
                "needs_logistics": False,
                "item": [{"item_id": 100, "model_id": 7, "amount": 5}],
            }
        ),
        ReturnRecord.model_validate(
            {
                "return_sn": "2015",
                "status": "CLOSED",
                "item": [{"item_id": 100, "model_id": 7, "amount": 3}],
            }
        ),
    ]
    order = from_detail(detail(order_status="TO_RETURN"), returns=returns)
    assert order.status == OrderStatus.RETURNED
    assert [(i.external_product_id, i.quantity) for i in order.returned_items] == [("100:7", 1)]


PARAMETER = {
    "info_needed": {"dropoff": [], "pickup": ["address_id", "pickup_time_id"]},
    "dropoff": {"branch_list": None},
    "pickup": {
        "address_list": [
            {
                "address_id": 3019,
                "address_flag": [],
                "time_slot_list": [{"date": 1639472400, "pickup_time_id": "1639472400"}],
            },
            {
                "address_id": 2826,
                "address_flag": ["default_address", "pickup_address"],
                "time_slot_list": [
                    {"date": 1639472400, "pickup_time_id": "1639472400"},
                    {"date": 1639558800, "pickup_time_id": 1639558800},
                ],
            },
        ]
    },
}


def test_the_shipping_parameter_becomes_options_and_ship_order_bodies() -> None:
    params = ShippingParameter.model_validate(PARAMETER)
    pickup, dropoff = fulfilment.ship_options(params)
    assert pickup.method == ShipMethod.PICKUP and [s.id for s in pickup.slots] == [
        "1639472400",
        "1639558800",
    ]
    assert pickup.slots[0].starts_at == datetime.fromtimestamp(1639472400, UTC)
    assert dropoff.method == ShipMethod.DROP_OFF and not dropoff.needs_tracking_number
    chosen = Shipment(ShipMethod.PICKUP, slot_id="1639558800")
    assert fulfilment.ship_body(params, chosen) == (
        "pickup",
        {"address_id": 2826, "pickup_time_id": "1639558800"},
    )
    assert fulfilment.ship_body(params, Shipment(ShipMethod.DROP_OFF)) == ("dropoff", {})
    with pytest.raises(ActionRejected):
        fulfilment.ship_body(params, Shipment(ShipMethod.SELF_SHIP, tracking_number="X1"))
    own = ShippingParameter.model_validate({"info_needed": {"non_integrated": ["tracking_no"]}})
    (option,) = fulfilment.ship_options(own)
    assert option.method == ShipMethod.SELF_SHIP and option.needs_tracking_number
    shipped = fulfilment.ship_body(own, Shipment(ShipMethod.SELF_SHIP, tracking_number=" JX1 "))
    assert shipped == ("non_integrated", {"tracking_no": "JX1"})


def push(code: int, data: dict[str, object]) -> bytes:
    return json.dumps({"shop_id": 7700001, "code": code, "timestamp": 1, "data": data}).encode()


def test_each_shipping_steps_push_is_parsed() -> None:
    request = parse("push", push(3, {"ordersn": "A1", "status": "IN_CANCEL", "update_time": 1}))
    assert request.order is not None and request.order.lines == () and request.external_id == "A1"
    moved = parse("push", push(3, {"ordersn": "A1", "status": "SHIPPED", "update_time": 2}))
    assert moved.change is not None and moved.change.status == OrderStatus.SHIPPED
    tracked = parse(
        "push",
        push(4, {"ordersn": "A1", "forder_id": "F", "package_number": "P", "tracking_no": "T9"}),
    )
    assert tracked.order is not None and tracked.external_id == "A1" and "T9" in tracked.summary
    document = parse("push", push(15, {"order_sn": "A1", "package_number": "P", "status": "READY"}))
    assert document.record_only and "READY" in document.summary
    returned = parse("push", push(29, {"return_sn": 99, "order_sn": "A1", "status": "REQUESTED"}))
    assert returned.order is not None and returned.external_id == "A1"
    orphan = parse("push", push(29, {"return_sn": "99", "status": "ACCEPTED"}))
    assert orphan.record_only and "99" in orphan.summary


def test_actions_follow_shopees_statuses() -> None:
    source = ShopeeOrders(account=None, build=lambda: None)  # type: ignore[arg-type,return-value]
    paid = source.actions("READY_TO_SHIP")
    assert paid.can_arrange_shipment and set(paid.ship_methods) == {
        ShipMethod.PICKUP,
        ShipMethod.DROP_OFF,
        ShipMethod.SELF_SHIP,
    }
    assert not paid.can_print_label and paid.can_answer_cancellation and paid.can_reject
    arranged = source.actions("PROCESSED")
    assert arranged.can_print_label and not arranged.can_arrange_shipment
    assert source.actions("RETRY_SHIP").can_arrange_shipment
    shipped = source.actions("SHIPPED")
    assert not (shipped.can_print_label or shipped.can_answer_cancellation or shipped.can_reject)
    assert paid.reject_reasons == REJECT_REASONS
