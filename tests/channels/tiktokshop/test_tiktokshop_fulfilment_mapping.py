"""TikTok Shop's shipping facts in the hub's words: deadlines, packages, recipient (masked as
given), the payment breakdown, cancellation requests, returns; the shipping steps each status
allows; and the webhooks of each step (11 cancellation, 12 return, 4 package) parsed so that the
hub reads the order whole. Payload shapes follow the official SDK's Order202309 /
ReturnRefund202309 / Fulfillment202309 models."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from satustok.channels.protocol import OrderStatus, PaymentPart, ShipMethod
from satustok.channels.tiktokshop import fulfilment
from satustok.channels.tiktokshop.orders import from_order, parse
from satustok.channels.tiktokshop.schemas import HandoverTimeSlots, Order, ReturnRecord

SLA = 1_717_000_000
ORDER: dict[str, Any] = {
    "id": "576461413038785752",
    "status": "AWAITING_SHIPMENT",
    "create_time": SLA - 86_400,
    "rts_sla_time": SLA,
    "tts_sla_time": SLA + 86_400,
    "shipping_provider": "J&T Express",
    "shipping_provider_id": "6617675021119438849",
    "shipping_type": "TIKTOK",
    "tracking_number": "",
    "is_buyer_request_cancel": True,
    "cancel_reason": "",
    "packages": [{"id": "1152321127278713123"}],
    "recipient_address": {
        "name": "B***i S.",
        "phone_number": "(+62)812****5678",
        "full_address": "Jl. Merdeka No. 10, Kota Bandung, Indonesia",
    },
    "payment": {
        "currency": "IDR",
        "sub_total": "150000",
        "shipping_fee": "10000",
        "seller_discount": "5000",
        "platform_discount": "0",
        "shipping_insurance_fee": "1000",
        "buyer_service_fee": "1000",
        "total_amount": "157000",
    },
    "line_items": [
        {"id": "5771", "sku_id": "S1", "product_id": "P1", "sale_price": "50000"},
        {"id": "5772", "sku_id": "S1", "product_id": "P1", "sale_price": "50000"},
        {"id": "5773", "sku_id": "S2", "product_id": "P1", "sale_price": "50000"},
    ],
}


def _order(**changes: Any) -> Order:
    return Order.model_validate({**ORDER, **changes})


def test_the_fulfilment_fields_are_filled_from_the_order() -> None:
    mapped = from_order(_order())
    assert mapped.ship_by == datetime.fromtimestamp(SLA, UTC)  # rts_sla_time: arrange by then
    assert mapped.courier == "J&T Express" and mapped.packages == ("1152321127278713123",)
    assert mapped.recipient is not None and mapped.recipient.name == "B***i S."
    assert mapped.recipient.phone == "(+62)812****5678"  # masked stays masked
    assert mapped.cancel_requested
    assert [(p.key, p.amount) for p in mapped.payment] == [
        ("subtotal", 150_000),
        ("shipping", 10_000),
        ("discount", -5_000),
        ("insurance", 1_000),
        ("fee", 1_000),
        ("total", 157_000),
    ]
    assert all(isinstance(part, PaymentPart) for part in mapped.payment)


def test_the_deadline_follows_the_step_the_seller_owes() -> None:
    arranged = from_order(_order(status="AWAITING_COLLECTION", tracking_number="JX1"))
    assert arranged.ship_by == datetime.fromtimestamp(SLA + 86_400, UTC)
    assert arranged.tracking_number == "JX1"
    assert from_order(_order(status="IN_TRANSIT")).ship_by is None


def test_a_completed_return_reports_the_order_returned_with_its_units() -> None:
    record = ReturnRecord.model_validate(
        {
            "return_id": "4200",
            "order_id": ORDER["id"],
            "return_type": "RETURN_AND_REFUND",
            "return_status": "RETURN_OR_REFUND_REQUEST_COMPLETE",
            "return_line_items": [
                {"return_line_item_id": "1", "order_line_item_id": "5771", "sku_id": "S1"},
                {"return_line_item_id": "2", "order_line_item_id": "5773", "sku_id": "S2"},
            ],
        }
    )
    mapped = from_order(_order(status="DELIVERED"), [record])
    assert mapped.status == OrderStatus.RETURNED and mapped.channel_status == "RETURNED"
    assert {(i.external_product_id, i.quantity) for i in mapped.returned_items} == {
        ("P1:S1", 1),
        ("P1:S2", 1),
    }
    pending = record.model_copy(update={"return_status": "RETURN_OR_REFUND_REQUEST_PENDING"})
    assert from_order(_order(status="DELIVERED"), [pending]).status == OrderStatus.DELIVERED
    refund_only = record.model_copy(update={"return_type": "REFUND"})
    kept = from_order(_order(status="DELIVERED"), [refund_only])
    assert kept.status == OrderStatus.DELIVERED and not kept.returned_items, "goods kept"


def test_the_actions_follow_the_status() -> None:
    to_ship = fulfilment.seller_actions("AWAITING_SHIPMENT", _base())
    assert to_ship.can_arrange_shipment and ShipMethod.PICKUP in to_ship.ship_methods
    assert not to_ship.can_print_label and to_ship.can_answer_cancellation
    arranged = fulfilment.seller_actions("AWAITING_COLLECTION", _base())
    assert arranged.can_print_label and not arranged.can_arrange_shipment
    done = fulfilment.seller_actions("DELIVERED", _base())
    assert not (done.can_print_label or done.can_answer_cancellation or done.ship_methods)


def _base() -> Any:
    from satustok.channels.protocol import SellerActions

    return SellerActions()


def test_slots_become_pickup_options_with_start_end_ids() -> None:
    slots = HandoverTimeSlots.model_validate(
        {
            "can_pickup": True,
            "can_drop_off": True,
            "pickup_slots": [
                {"start_time": 1_717_120_800, "end_time": 1_717_131_600, "avaliable": True},
                {"start_time": 1_717_135_200, "end_time": 1_717_149_600, "avaliable": False},
            ],
        }
    )
    pickup, drop_off = fulfilment.options(_order(), slots)
    assert pickup.method == ShipMethod.PICKUP and drop_off.method == ShipMethod.DROP_OFF
    assert [slot.id for slot in pickup.slots] == ["1717120800-1717131600"]
    assert fulfilment.parse_slot_id(pickup.slots[0].id) == (1_717_120_800, 1_717_131_600)
    (own,) = fulfilment.options(_order(shipping_type="SELLER"), None)
    assert own.method == ShipMethod.SELF_SHIP and own.needs_tracking_number


def _envelope(type_: int, data: dict[str, Any]) -> bytes:
    body = {"type": type_, "tts_notification_id": "7380", "shop_id": "7494", "timestamp": SLA}
    return json.dumps({**body, "data": data}).encode()


def test_a_cancellation_request_webhook_reads_the_order_whole() -> None:
    data = {
        "order_id": ORDER["id"],
        "cancellations_role": "BUYER",
        "cancel_status": "CANCELLATION_REQUEST_PENDING",
        "cancel_id": "4100",
        "create_time": SLA,
    }
    message = parse("notify", _envelope(11, data))
    assert message.order is not None and message.order.external_id == ORDER["id"]
    assert message.order.lines == ()  # the hub reads it whole
    assert "CANCELLATION_REQUEST_PENDING" in message.summary


def test_return_and_package_webhooks_name_their_order() -> None:
    back = {
        "order_id": ORDER["id"],
        "return_role": "BUYER",
        "return_type": "RETURN_AND_REFUND",
        "return_status": "RETURN_OR_REFUND_REQUEST_COMPLETE",
        "return_id": "4200",
    }
    assert parse("notify", _envelope(12, back)).external_id == ORDER["id"]
    package = {
        "sc_type": "SPLIT",
        "role_type": "ROLE_SELLER",
        "package_list": [{"package_id": "115", "order_list": [{"order_id": ORDER["id"]}]}],
        "update_time": SLA,
    }
    assert parse("notify", _envelope(4, package)).external_id == ORDER["id"]
    assert parse("notify", _envelope(4, {"sc_type": "COMBINE"})).record_only
