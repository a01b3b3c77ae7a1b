"""The Tokopedia status table and the mappers from Tokopedia payloads to ChannelOrder."""

from __future__ import annotations

import json

import pytest
from orders_helpers import sign

from satustok.channels.http.errors import MalformedPayload
from satustok.channels.protocol import UnknownOrderStatus
from satustok.channels.tokopedia import webhooks
from satustok.channels.tokopedia.orders import (
    CANCELLED_RANK,
    STATUS_TABLE,
    TokopediaOrders,
    from_row,
    from_single,
    unified,
)
from satustok.channels.tokopedia.schemas import OrderRow, SingleOrder
from satustok.orders.status import OrderStatus as S

# Every code of the fact sheet's table (§7).
SHEET_CODES = {0, 2, 3, 4, 5, 6, 10, 11, 15, 100, 103, 200, 220, 221, 400, 401, 450, 500, 501}
SHEET_CODES |= {520, 530, 540, 550, 600, 601, 690, 691, 695, 698, 699, 700, 701}

PRODUCT = {"id": 2100050, "name": "Masker", "quantity": 2, "price": 25000, "sku": "SB-MSK-050"}


def test_every_status_code_of_the_sheet_is_in_the_table() -> None:
    assert set(STATUS_TABLE) == SHEET_CODES


@pytest.mark.parametrize(
    ("code", "status"),
    [(100, S.PENDING_PAYMENT), (220, S.OPEN), (400, S.ACCEPTED), (450, S.READY_TO_SHIP),
     (500, S.SHIPPED), (600, S.DELIVERED), (700, S.COMPLETED), (550, S.RETURNED),
     (10, S.CANCELLED), (699, S.CANCELLED), (691, S.PENDING_PAYMENT), (401, S.ACCEPTED)],
)  # fmt: skip
def test_codes_map_to_the_unified_status(code: int, status: S) -> None:
    assert unified(code)[0] == status


def test_ranks_follow_the_life_cycle_not_the_numbers() -> None:
    life = [100, 200, 220, 400, 450, 501, 520, 530, 500, 540, 600, 700]
    ranks = [unified(code)[1] for code in life]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert unified(690)[1] < unified(220)[1]  # a fraud flag after payment moves nothing back
    assert all(
        unified(c)[1] == CANCELLED_RANK for c, (s, _) in STATUS_TABLE.items() if s == S.CANCELLED
    )
    assert max(rank for _, rank in STATUS_TABLE.values()) == CANCELLED_RANK


def test_an_unknown_code_is_refused_not_guessed() -> None:
    with pytest.raises(UnknownOrderStatus):
        unified(123)


def test_a_list_row_maps_to_a_channel_order() -> None:
    row = OrderRow.model_validate(
        {"fs_id": "15001", "order_id": 900, "invoice_ref_num": "INV/1", "products": [PRODUCT],
         "buyer": {"id": 1, "name": "Sari"}, "shop_id": 480001,
         "amt": {"ttl_product_price": 50000, "ttl_amount": 59000},
         "order_status": 220, "create_time": 1_700_000_000}
    )  # fmt: skip
    order = from_row(row)
    assert (order.external_id, order.channel_status, order.status) == ("900", "220", "open")
    assert (order.invoice, order.buyer_name, order.total) == ("INV/1", "Sari", 59000)
    assert order.created_at.timestamp() == 1_700_000_000
    line = order.lines[0]
    assert (line.external_product_id, line.sku, line.quantity, line.price) == (
        "2100050", "SB-MSK-050", 2, 25000,
    )  # fmt: skip


def test_a_single_order_maps_with_its_rfc3339_times() -> None:
    single = SingleOrder.model_validate(
        {"order_id": 900, "invoice_number": "INV/1", "order_status": 400, "open_amt": 59000,
         "buyer_info": {"buyer_fullname": "Sari"}, "create_time": "2026-11-20T10:00:00+07:00",
         "order_info": {"order_detail": [{"product_id": 5, "product_name": "Kain",
                                          "quantity": 1, "product_price": 9000, "sku": "K-1"}]}}
    )  # fmt: skip
    order = from_single(single)
    assert order.status == "accepted" and order.total == 59000 and order.lines[0].sku == "K-1"
    assert order.created_at.isoformat() == "2026-11-20T10:00:00+07:00"


def test_webhooks_are_verified_in_constant_time_on_the_raw_body() -> None:
    body = b'{"order_id": 1}'
    assert webhooks.verify(body, sign(body, "s3cret"), "s3cret")
    assert webhooks.verify(body, sign(body, "s3cret").upper(), "s3cret")  # hex, any case
    assert not webhooks.verify(body + b" ", sign(body, "s3cret"), "s3cret")
    assert not webhooks.verify(body, sign(body, "other"), "s3cret")
    assert not webhooks.verify(body, "", "s3cret") and not webhooks.verify(body, "x", "")


def test_webhook_payloads_parse_into_messages() -> None:
    notification = webhooks.parse(
        "order_notification",
        json.dumps(
            {"fs_id": 15001, "order_id": 901, "invoice_num": "INV/2", "products": [PRODUCT],
             "customer": {"id": 2, "name": "Budi"}, "shop_id": 480001,
             "amt": {"ttl_product_price": 50000, "ttl_amount": 59000},
             "order_status": 220, "create_time": 1_700_000_000}
        ).encode(),
    )  # fmt: skip
    assert notification.order is not None and notification.shop_ids == ("480001",)
    assert notification.order.invoice == "INV/2" and notification.order.buyer_name == "Budi"
    status = webhooks.parse(
        "order_cancellation",
        b'{"fs_id": 15001, "order_id": 901, "order_status": 10, "shop_id": 480001}',
    )
    assert status.change is not None and status.change.status == "cancelled"
    assert status.external_id == "901" and status.order is None
    changes = webhooks.parse(
        "product_changes",
        json.dumps(
            {"fs_id": 15001, "product_changes_data": [
                {"action": "stock_decrement", "product_id": 1, "shop_id": 480002, "value": "3",
                 "previous_value": "5", "update_time": 1}]}
        ).encode(),
    )  # fmt: skip
    assert changes.order is None and changes.change is None and changes.shop_ids == ("480002",)


def test_a_malformed_webhook_names_the_field() -> None:
    with pytest.raises(MalformedPayload, match="order_id"):
        webhooks.parse(
            "order_status", b'{"fs_id": 1, "order_id": "x", "order_status": 400, "shop_id": 1}'
        )
    with pytest.raises(MalformedPayload):
        webhooks.parse("order_status", b"not json")


def test_seller_actions_follow_the_status() -> None:
    source = TokopediaOrders(lambda: None, 480001)  # type: ignore[arg-type,return-value]
    assert source.actions("220").can_accept and source.actions("220").can_reject
    assert not source.actions("400").can_accept and source.actions("400").can_reject
    assert not source.actions("500").can_reject
    codes = [reason.code for reason in source.actions("220").reject_reasons]
    assert codes == [0, 1, 2, 3, 4, 5, 7, 8]
