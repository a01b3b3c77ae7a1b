"""The lenient models, on the shapes the fact sheet documents (and the spellings it doubts)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from satustok.channels.http.errors import MalformedPayload
from satustok.channels.shopee.schemas import (
    ItemBaseInfoList,
    ItemListPage,
    ModelList,
    OrderDetailList,
    OrderListPage,
    ShopInfo,
    StockUpdateResult,
    TokenResponse,
    parse_push,
)

pytestmark = pytest.mark.dbless

ISSUED = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def token_body(**fields: Any) -> dict[str, Any]:
    return {
        "access_token": "4d6b1f0a6e5b4c6f8a7e2b1c9d0e3f4a",
        "refresh_token": "7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d",
        "expire_in": 14400,
        "request_id": "e3e3e7f3",
        "error": "",
        "message": "",
        **fields,
    }


def test_token_get_reads_top_level_fields_and_hides_the_tokens() -> None:
    body = token_body(shop_id_list=[600000], merchant_id_list=[])
    tokens = TokenResponse.model_validate(body)
    assert tokens.access_token.get_secret_value() == body["access_token"]
    assert tokens.shop_id_list == [600000]
    assert body["access_token"] not in repr(tokens) and body["refresh_token"] not in repr(tokens)
    assert tokens.expires_at(ISSUED) == ISSUED + timedelta(hours=4)


def test_refresh_answer_with_string_ids() -> None:
    tokens = TokenResponse.model_validate(token_body(shop_id="600000", partner_id="2001887"))
    assert (tokens.shop_id, tokens.partner_id) == (600000, 2001887)


@pytest.mark.parametrize(
    ("expire_in", "expected"),
    [
        (14400, ISSUED + timedelta(seconds=14400)),
        ("14400", ISSUED + timedelta(seconds=14400)),
        # the doc sample: a value that looks like a Unix time
        ((ISSUED + timedelta(hours=4)).timestamp(), ISSUED + timedelta(hours=4)),
        # a Unix time already past says nothing usable: the documented 4 hours
        ((ISSUED - timedelta(days=1)).timestamp(), ISSUED + timedelta(hours=4)),
        (None, ISSUED + timedelta(hours=4)),
    ],
)
def test_expire_in_is_read_as_seconds_or_as_a_timestamp(
    expire_in: object, expected: datetime
) -> None:
    body = token_body(expire_in=expire_in)
    if expire_in is None:
        del body["expire_in"]
    assert TokenResponse.model_validate(body).expires_at(ISSUED) == expected


def test_shop_info_at_the_top_level_or_wrapped() -> None:
    top = {"shop_name": "Toko Batik", "region": "ID", "status": "NORMAL", "expire_time": 1735689600}
    for body in (top, {"response": top, "error": ""}):
        shop = ShopInfo.model_validate(body)
        assert (shop.shop_name, shop.region, shop.is_open) == ("Toko Batik", "ID", True)
        assert shop.authorization_expires_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert not ShopInfo.model_validate({**top, "status": "BANNED"}).is_open


def test_item_list_page_with_ids_as_text_and_an_empty_page() -> None:
    page = ItemListPage.model_validate(
        {
            "item": [
                {"item_id": 34001, "item_status": "NORMAL", "update_time": 1700000000},
                {"item_id": "34002", "item_status": "UNLIST", "tag": {"kit": False}},
            ],
            "total_count": 2,
            "has_next_page": False,
            "next_offset": 2,
        }
    )
    assert page.item_ids == [34001, 34002]
    empty = ItemListPage.model_validate({"item": None, "total_count": 0, "has_next_page": False})
    assert empty.item == [] and empty.next_offset == 0


def test_item_base_info_with_and_without_models() -> None:
    parsed = ItemBaseInfoList.model_validate(
        {
            "item_list": [
                {
                    "item_id": 34001,
                    "item_name": "Kemeja Batik",
                    "item_sku": "BTK-001",
                    "item_status": "NORMAL",
                    "has_model": False,
                    "price_info": [
                        {"currency": "IDR", "original_price": 150000, "current_price": 135000}
                    ],
                    "stock_info_v2": {
                        "summary_info": {"total_reserved_stock": 2, "total_available_stock": 10},
                        "seller_stock": [
                            {"location_id": "IDZ", "stock": 7, "if_saleable": True},
                            {"location_id": "IDX", "stock": 5},
                        ],
                        "shopee_stock": [],
                    },
                    "weight": "0.3",
                },
                {"item_id": "34002", "item_sku": None, "has_model": True, "item_status": "NORMAL"},
            ]
        }
    )
    plain, variant = parsed.item_list
    assert (plain.item_sku, plain.price, plain.seller_stock) == ("BTK-001", 135000.0, 12)
    assert plain.stock_info_v2 is not None and plain.stock_info_v2.reserved == 2
    assert (variant.item_id, variant.item_sku, variant.price, variant.seller_stock) == (
        34002,
        "",
        None,
        0,
    )


def test_model_list_names_each_models_options() -> None:
    models = ModelList.model_validate(
        {
            "tier_variation": [
                {"name": "Warna", "option_list": [{"option": "Merah"}, {"option": "Biru"}]},
                {"name": "Ukuran", "option_list": [{"option": "M"}, {"option": "L"}]},
            ],
            "model": [
                {
                    "model_id": 2000001,
                    "model_sku": "BTK-002-MRH-L",
                    "model_status": "MODEL_NORMAL",
                    "tier_index": [0, 1],
                    "price_info": [{"currency": "IDR", "original_price": 99000}],
                    "stock_info_v2": {"seller_stock": [{"stock": "4"}]},
                },
                {"model_id": "2000002", "model_status": "MODEL_UNAVAILABLE", "tier_index": [1]},
            ],
        }
    )
    first, second = models.model
    assert first.option_names(models.tier_variation) == ["Merah", "L"]
    assert (first.model_sku, first.price, first.seller_stock, first.is_available) == (
        "BTK-002-MRH-L",
        99000.0,
        4,
        True,
    )
    assert (second.model_id, second.is_available, second.model_sku) == (2000002, False, "")


def test_update_stock_result_lists_both_outcomes() -> None:
    result = StockUpdateResult.model_validate(
        {
            "success_list": [{"model_id": 2000001, "location_id": "IDZ", "stock": 5}],
            "failure_list": [{"model_id": "2000002", "failed_reason": "stock below reserved"}],
        }
    )
    assert result.failed_model_ids == {2000002}
    merged = result.merged(StockUpdateResult.model_validate({"success_list": None}))
    assert merged == result


def test_order_list_page() -> None:
    page = OrderListPage.model_validate(
        {
            "more": True,
            "next_cursor": "20",
            "order_list": [
                {"order_sn": "2405011ABCD"},
                {"order_sn": "2405012EFGH", "order_status": "READY_TO_SHIP"},
            ],
        }
    )
    assert [o.order_sn for o in page.order_list] == ["2405011ABCD", "2405012EFGH"]
    assert page.order_list[1].order_status == "READY_TO_SHIP"
    done = OrderListPage.model_validate({"more": False, "next_cursor": None, "order_list": None})
    assert done.order_list == [] and done.next_cursor == ""


def test_order_detail_with_its_lines() -> None:
    orders = OrderDetailList.model_validate(
        {
            "order_list": [
                {
                    "order_sn": "2405011ABCD",
                    "region": "ID",
                    "currency": "IDR",
                    "cod": False,
                    "order_status": "READY_TO_SHIP",
                    "create_time": 1714550400,
                    "update_time": "1714550500",
                    "pay_time": 1714550450,
                    "buyer_username": "pembeli01",
                    "total_amount": 270000,
                    "item_list": [
                        {
                            "item_id": 34001,
                            "item_name": "Kemeja Batik",
                            "item_sku": "BTK-001",
                            "model_id": 0,
                            "model_sku": "",
                            "model_quantity_purchased": 2,
                            "model_original_price": 150000,
                            "model_discounted_price": 135000,
                            "order_item_id": "34001",
                        },
                        {
                            "item_id": "34002",
                            "item_sku": "BTK-002",
                            "model_id": "2000001",
                            "model_sku": "BTK-002-MRH-L",
                            "model_quantity_purchased": 1,
                        },
                    ],
                    "package_list": [{"package_number": "OFG1"}],
                }
            ]
        }
    )
    (order,) = orders.order_list
    assert (order.order_status, order.update_time, order.total_amount) == (
        "READY_TO_SHIP",
        1714550500,
        270000.0,
    )
    plain, variant = order.item_list
    assert (plain.sku, plain.model_id, plain.model_quantity_purchased) == ("BTK-001", 0, 2)
    assert (variant.sku, variant.model_id) == ("BTK-002-MRH-L", 2000001)


def test_an_order_detail_without_optional_fields() -> None:
    orders = OrderDetailList.model_validate({"order_list": [{"order_sn": "X1"}]})
    assert orders.order_list[0].item_list == []


PUSH_BODY = (
    b'{"data":{"items":[],"ordersn":"2112132KAD867D","status":"READY_TO_SHIP",'
    b'"update_time":1639390316},"shop_id":30011,"code":3,"timestamp":1639390316}'
)


def test_order_status_push_reads_ordersn() -> None:
    push = parse_push(PUSH_BODY)
    assert (push.code, push.shop_id, push.timestamp) == (3, 30011, 1639390316)
    status = push.order_status()
    assert status is not None
    assert (status.order_sn, status.status, status.update_time) == (
        "2112132KAD867D",
        "READY_TO_SHIP",
        1639390316,
    )
    assert push.reserved_stock() is None


def test_order_status_push_also_reads_order_sn() -> None:
    body = {"code": 3, "shop_id": "30011", "data": {"order_sn": "X9", "status": "CANCELLED"}}
    status = parse_push(json.dumps(body).encode()).order_status()
    assert status is not None and status.order_sn == "X9"


@pytest.mark.parametrize("model_key", ["model_id", "variation_id"])
def test_reserved_stock_push(model_key: str) -> None:
    body = {
        "code": 8,
        "shop_id": 30011,
        "timestamp": 1639390316,
        "data": {
            "shop_id": 30011,
            "item_id": "34002",
            model_key: 2000001,
            "action": "place_order",
            "changed_values": [{"name": "reserved_stock", "old": 0, "new": 1}],
        },
    }
    change = parse_push(json.dumps(body).encode()).reserved_stock()
    assert change is not None
    assert (change.item_id, change.model_id, change.action) == (34002, 2000001, "place_order")
    assert change.changed_values[0].new == 1


def test_a_partner_level_push_has_no_shop_and_lost_pushes_carry_data_as_text() -> None:
    body = {"code": 12, "timestamp": 1639390316, "data": json.dumps({"expire_before": 1})}
    push = parse_push(json.dumps(body).encode())
    assert (push.shop_id, push.data, push.order_status()) == (None, {"expire_before": 1}, None)


@pytest.mark.parametrize("body", [b"not json", b'{"shop_id": 1}', b'{"code": "three"}'])
def test_a_malformed_push_names_what_is_wrong(body: bytes) -> None:
    with pytest.raises(MalformedPayload) as raised:
        parse_push(body)
    assert raised.value.endpoint == "push"


def test_a_code_3_push_without_an_order_is_refused() -> None:
    push = parse_push(b'{"code": 3, "shop_id": 1, "data": {"status": "SHIPPED"}}')
    with pytest.raises(MalformedPayload, match=r"push data\.ordersn"):
        push.order_status()
