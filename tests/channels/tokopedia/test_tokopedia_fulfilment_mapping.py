"""Fulfilment fields from Tokopedia payloads shaped like the public samples (the Get Single
Order sample of NDA's tests, the list row of the docs), and the order webhooks of each step."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from satustok.channels.protocol import OrderStatus, PaymentPart, Recipient
from satustok.channels.tokopedia import webhooks
from satustok.channels.tokopedia.orders import WEBHOOK_EVENTS, from_row, from_single
from satustok.channels.tokopedia.schemas import OrderRow, SingleOrder

pytestmark = pytest.mark.dbless


def single_sample(**changes: Any) -> dict[str, Any]:
    sample: dict[str, Any] = {
        "order_id": 12490706,
        "buyer_id": 8970588,
        "seller_id": 5510391,
        "invoice_number": "INV/20170720/XVII/VII/16283710",
        "order_status": 400,
        "open_amt": 193000,
        "item_price": 184000,
        "buyer_info": {"buyer_fullname": "maul", "buyer_phone": "0857****5678"},
        "shipment_fulfillment": {
            "accept_deadline": "2017-07-22T17:50:58.061156Z",
            "confirm_shipping_deadline": "2017-07-24T17:50:58+07:00",
            "is_accepted": True,
        },
        "order_info": {
            "order_detail": [
                {
                    "product_id": 375822451,
                    "product_name": "Kaos",
                    "quantity": 2,
                    "product_price": 92000,
                    "sku": "KAOS-M",
                }
            ],
            "shipping_info": {
                "logistic_name": "JNE",
                "logistic_service": "Reguler",
                "shipping_price": 9000,
                "insurance_price": 0,
                "awb": "",
            },
            "destination": {
                "receiver_name": "maul",
                "receiver_phone": "0857****5678",
                "address_street": "jalan gatot subroto kav 123456789",
                "address_district": "Jagakarsa",
                "address_city": "Kota Administrasi Jakarta Selatan",
                "address_province": "DKI Jakarta",
                "address_postal": "123456",
            },
        },
        "payment_info": {"payment_id": 11539459, "discount_amount": 0},
        "cancel_request_info": None,
        "create_time": "2017-07-20T17:50:58.061156Z",
    }
    sample.update(changes)
    return sample


def test_single_order_fulfilment_fields() -> None:
    order = from_single(SingleOrder.model_validate(single_sample()))
    assert order.ship_by == datetime(2017, 7, 24, 10, 50, 58, tzinfo=UTC)  # +07:00 → UTC
    assert order.courier == "JNE Reguler" and order.tracking_number == ""
    assert order.packages == ("12490706",)
    assert order.recipient == Recipient(
        "maul",
        "0857****5678",
        "jalan gatot subroto kav 123456789, Jagakarsa, Kota Administrasi Jakarta Selatan, "
        "DKI Jakarta, 123456",
    )
    assert order.payment == (
        PaymentPart("subtotal", "Total product price", 184000),
        PaymentPart("shipping", "Shipping cost", 9000),
        PaymentPart("total", "Total", 193000),
    )
    assert not order.cancel_requested


def test_new_order_counts_down_to_the_accept_deadline_and_shipped_to_none() -> None:
    new = from_single(SingleOrder.model_validate(single_sample(order_status=220)))
    assert new.ship_by == datetime(2017, 7, 22, 17, 50, 58, 61156, tzinfo=UTC)
    shipped = single_sample(order_status=500)
    shipped["order_info"]["shipping_info"]["awb"] = "JP1234567890"
    order = from_single(SingleOrder.model_validate(shipped))
    assert (order.ship_by, order.tracking_number) == (None, "JP1234567890")


def test_cancel_request_info_and_discount() -> None:
    payload = single_sample(
        cancel_request_info={"create_time": "2017-07-21T10:00:00Z", "reason": "Salah alamat"},
        payment_info={"discount_amount": 10000},
    )
    order = from_single(SingleOrder.model_validate(payload))
    assert (order.cancel_requested, order.cancel_reason) == (True, "Salah alamat")
    assert PaymentPart("discount", "Discount", -10000) in order.payment
    at_401 = from_single(SingleOrder.model_validate(single_sample(order_status=401)))
    assert at_401.cancel_requested and at_401.status == OrderStatus.ACCEPTED


def test_list_row_fulfilment_fields() -> None:
    row = {
        "fs_id": "13004",
        "order_id": 123456789,
        "invoice_ref_num": "INV/20200115/XX/I/123",
        "products": [{"id": 1, "Name": "Kaos", "quantity": 1, "price": 50000, "sku": "K1"}],
        "recipient": {
            "Name": "Budi",
            "phone": "62812****4321",
            "address": {
                "address_full": "Jl. Merdeka 1",
                "city": "Kota Bandung",
                "postal_code": "40111",
            },
        },
        "shop_id": 480001,
        "logistics": {"shipping_id": 1, "shipping_agency": "SiCepat", "service_type": "REG"},
        "amt": {
            "ttl_product_price": 50000,
            "shipping_cost": 10000,
            "insurance_cost": 500,
            "ttl_amount": 55500,
            "voucher_amount": 5000,
            "toppoints_amount": 0,
        },
        "order_status": 400,
        "create_time": 1579075200,
        "shipment_fulfillment": {
            "accept_deadline": "2020-01-16T14:00:00+07:00",
            "confirm_shipping_deadline": "2020-01-18T14:00:00+07:00",
        },
        "custom_fields": {"awb": ""},
    }
    order = from_row(OrderRow.model_validate(row))
    assert order.ship_by == datetime(2020, 1, 18, 7, 0, tzinfo=UTC)
    assert order.courier == "SiCepat REG"
    assert order.recipient == Recipient(
        "Budi", "62812****4321", "Jl. Merdeka 1, Kota Bandung, 40111"
    )
    assert [(p.key, p.amount) for p in order.payment] == [
        ("subtotal", 50000),
        ("shipping", 10000),
        ("insurance", 500),
        ("discount", -5000),
        ("total", 55500),
    ]
    assert order.packages == ("123456789",)


# --- webhooks of each step ------------------------------------------------------------------


def status_event(code: int) -> bytes:
    body = {"fs_id": 13004, "order_id": 12490706, "order_status": code, "shop_id": 480001}
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (400, OrderStatus.ACCEPTED),
        (450, OrderStatus.READY_TO_SHIP),
        (500, OrderStatus.SHIPPED),
        (600, OrderStatus.DELIVERED),
        (700, OrderStatus.COMPLETED),
        (550, OrderStatus.RETURNED),
    ],
)
def test_order_status_webhook_of_each_step(code: int, status: OrderStatus) -> None:
    message = webhooks.parse("order_status", status_event(code))
    assert message.change is not None and message.change.status == status
    assert message.shop_ids == ("480001",)


def test_buyer_cancel_request_webhook_is_a_thin_order_read_whole() -> None:
    assert "order_request_cancellation" in WEBHOOK_EVENTS
    message = webhooks.parse("order_request_cancellation", b'{"order_id": 12490706}')
    assert message.order is not None and message.order.lines == ()  # ingestion reads it whole
    assert message.order.cancel_requested and message.external_id == "12490706"
    assert message.shop_ids == ()  # routed to the integration whose URL received it


def test_cancellation_webhook_cancels() -> None:
    message = webhooks.parse("order_cancellation", status_event(10))
    assert message.change is not None and message.change.status == OrderStatus.CANCELLED
