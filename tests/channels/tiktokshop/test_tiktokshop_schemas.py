"""Parsing the payloads the hub reads, in every form the fact sheet allows: ids as numbers or
text, prices as decimal strings or numbers, optional fields missing or null, the webhook's own
spelling of a cancellation, seller-level webhooks, unknown webhook types."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pydantic
import pytest

from satustok.channels.http.errors import MalformedPayload
from satustok.channels.tiktokshop.schemas import (
    AuthorizationExpiring,
    AuthorizedShops,
    Cancellation,
    InventorySearch,
    MirrorStatusChange,
    Order,
    OrderSearchPage,
    OrderStatusChange,
    Product,
    ProductSearchPage,
    SellerDeauthorization,
    TokenGrant,
    UpdateResult,
    Warehouses,
    WebhookRegistrations,
    parse_webhook,
)

pytestmark = pytest.mark.dbless

ISSUED = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)


def test_a_token_grant_with_absolute_expiries() -> None:
    grant = TokenGrant.model_validate(
        {
            "access_token": "ROW_abc",
            "access_token_expire_in": 1717833600,  # 2024-06-08 08:00 UTC
            "refresh_token": "ROW_def",
            "refresh_token_expire_in": 1725609600,
            "open_id": "7010736057180325637",
            "seller_name": "Toko Maju",
            "seller_base_region": "ID",
            "user_type": 0,
            "granted_scopes": ["seller.product.basic", "seller.order.info"],
        }
    )
    assert grant.access_token.get_secret_value() == "ROW_abc"
    assert "ROW_abc" not in repr(grant)
    assert grant.access_expires_at(ISSUED) == datetime(2024, 6, 8, 8, 0, tzinfo=UTC)
    assert grant.refresh_expires_at(ISSUED) == datetime.fromtimestamp(1725609600, UTC)
    assert grant.granted_scopes == ["seller.product.basic", "seller.order.info"]


def test_a_token_grant_with_lifetimes_or_nothing() -> None:
    grant = TokenGrant.model_validate(
        {
            "access_token": "a",
            "refresh_token": "r",
            "access_token_expire_in": 3600,
            "granted_scopes": None,
            "open_id": None,
        }
    )
    assert grant.access_expires_at(ISSUED) == ISSUED + timedelta(hours=1)
    assert grant.refresh_expires_at(ISSUED) == ISSUED + timedelta(days=7)
    assert (grant.granted_scopes, grant.open_id) == ([], "")


def test_authorized_shops_with_numeric_ids() -> None:
    shops = AuthorizedShops.model_validate(
        {
            "shops": [
                {
                    "id": 7494105515082810525,
                    "cipher": "ROW_sz2-9AAAAAC5i0xXesBU",
                    "name": "Toko",
                    "region": "ID",
                    "seller_type": "LOCAL",
                    "code": "IDLCTXQHN6",
                },
                {"id": "7494105515082810526", "cipher": "ROW_x"},
            ]
        }
    ).shops
    assert [shop.id for shop in shops] == ["7494105515082810525", "7494105515082810526"]
    assert shops[0].cipher == "ROW_sz2-9AAAAAC5i0xXesBU" and shops[1].seller_type == ""


PRODUCT_202309 = {
    "id": "1729592969712207008",
    "title": "Kaos Polos Katun",
    "status": "ACTIVATE",
    "create_time": 1700000000,
    "update_time": "1700000500",
    "skus": [
        {
            "id": "1729592969712207012",
            "seller_sku": "KAOS-M",
            "price": {"currency": "IDR", "tax_exclusive_price": "75000", "sale_price": "69000"},
            "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 12}],
        },
        {
            "id": 1729592969712207013,
            "seller_sku": None,
            "price": {"currency": "IDR", "tax_exclusive_price": 75000.0},
            "inventory": None,
        },
    ],
}


def test_a_product_search_page_of_version_202309() -> None:
    page = ProductSearchPage.model_validate(
        {"products": [PRODUCT_202309], "next_page_token": "b2Zmc2V0PTE=", "total_count": 3}
    )
    (product,) = page.products
    first, second = product.skus
    assert (page.next_page_token, page.total_count) == ("b2Zmc2V0PTE=", 3)
    assert product.is_active and product.update_time == 1700000500
    assert first.price is not None and first.price.amount == 69000
    assert first.available == 12 and first.inventory[0].warehouse_id == "7068517275539719942"
    assert second.id == "1729592969712207013" and second.seller_sku == ""
    assert second.price is not None and second.price.amount == 75000
    assert second.available == 0 and second.is_active  # no status_info before 202502
    assert product.integrated_platform_statuses == []


def test_a_product_of_version_202502_with_platforms_and_sku_status() -> None:
    product = Product.model_validate(
        {
            **PRODUCT_202309,
            "skus": [
                {**PRODUCT_202309["skus"][0], "status_info": {"status": "DEACTIVATED"}},  # type: ignore[index]
            ],
            "integrated_platform_statuses": [
                {"platform": "TOKOPEDIA", "status": "PLATFORM_DEACTIVATED"},
                {"platform": "TIKTOK_SHOP", "status": "ACTIVATE"},
            ],
        }
    )
    assert not product.skus[0].is_active
    assert product.platform_status("TOKOPEDIA") == "PLATFORM_DEACTIVATED"
    assert product.platform_status("LAZADA") is None


def test_a_product_detail_with_sales_attributes() -> None:
    product = Product.model_validate(
        {
            "id": "1729592969712207008",
            "title": "Kaos",
            "description": "<p>Katun</p>",
            "status": "ACTIVATE",
            "skus": [
                {
                    "id": "1729592969712207012",
                    "seller_sku": "KAOS-M-MERAH",
                    "price": {"currency": "IDR", "sale_price": "69000.50"},
                    "sales_attributes": [
                        {"id": 100000, "name": "Warna", "value_id": "1", "value_name": "Merah"},
                        {"name": "Ukuran", "value_name": "M"},
                    ],
                    "external_sku_id": "X-1",
                }
            ],
        }
    )
    sku = product.skus[0]
    assert sku.variant_name == "Merah / M" and sku.sales_attributes[0].id == "100000"
    assert sku.price is not None and sku.price.sale_price == 69001  # rounded half up
    assert product.description == "<p>Katun</p>"


@pytest.mark.parametrize("price", ["abc", [1], "1e999999"])
def test_a_price_that_is_not_a_number_is_refused(price: Any) -> None:
    with pytest.raises(pydantic.ValidationError, match="sale_price"):
        Product.model_validate({"id": "1", "skus": [{"id": "2", "price": {"sale_price": price}}]})


def test_a_float_id_is_refused_rather_than_rounded() -> None:
    with pytest.raises(pydantic.ValidationError, match="id"):
        Product.model_validate({"id": 1.729592969712207e18})


def test_warehouses() -> None:
    warehouses = Warehouses.model_validate(
        {
            "warehouses": [
                {
                    "id": "7068517275539719942",
                    "name": "Gudang Jakarta",
                    "type": "SALES_WAREHOUSE",
                    "effect_status": "ENABLED",
                    "is_default": True,
                    "address": {"city": "Jakarta"},
                },
                {
                    "id": 7068517275539719943,
                    "name": "Retur",
                    "type": "RETURN_WAREHOUSE",
                    "effect_status": "ENABLED",
                },
            ]
        }
    ).warehouses
    assert warehouses[0].is_default and warehouses[0].sells
    assert warehouses[1].id == "7068517275539719943" and not warehouses[1].sells
    assert not warehouses[1].is_default


def test_inventory_search() -> None:
    found = InventorySearch.model_validate(
        {
            "inventory": [
                {
                    "product_id": 1729592969712207008,
                    "skus": [
                        {
                            "id": "1729592969712207012",
                            "seller_sku": "KAOS-M",
                            "total_available_quantity": 12,
                            "total_committed_quantity": 2,
                            "warehouse_inventory": [
                                {
                                    "warehouse_id": "7068517275539719942",
                                    "available_quantity": 12,
                                    "committed_quantity": 2,
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    ).inventory
    assert found[0].product_id == "1729592969712207008"
    assert found[0].skus[0].warehouse_inventory[0].committed_quantity == 2


def test_an_inventory_update_with_per_sku_errors() -> None:
    result = UpdateResult.model_validate(
        {
            "errors": [
                {
                    "code": 17019022,
                    "message": "The SKU does not exist",
                    "detail": {"sku_id": 1729592969712207099, "extra_errors": None},
                },
                {
                    "code": 12052230,
                    "message": "Warehouse refused",
                    "detail": {
                        "sku_id": "1729592969712207012",
                        "extra_errors": [
                            {
                                "warehouse_id": "7068517275539719942",
                                "code": 1,
                                "message": "warehouse is disabled",
                            }
                        ],
                    },
                },
            ]
        }
    )
    assert not result.ok
    assert result.failed_sku_ids == {"1729592969712207099", "1729592969712207012"}
    assert result.errors[1].reason == "Warehouse refused; warehouse is disabled"
    assert UpdateResult.model_validate({}).ok and UpdateResult.model_validate({"errors": None}).ok


ORDER = {
    "id": "576461413038785752",
    "status": "AWAITING_SHIPMENT",
    "create_time": 1718300000,
    "update_time": 1718305585,
    "paid_time": 1718300100,
    "user_id": "7021436810468230477",
    "buyer_message": "Tolong bungkus rapi",
    "payment": {
        "currency": "IDR",
        "sub_total": "138000",
        "shipping_fee": "9000",
        "total_amount": "147000",
        "buyer_service_fee": "1000",
    },
    "recipient_address": {
        "name": "Budi",
        "phone_number": "(+62)812****89",
        "full_address": "Jl. Merdeka 1, Jakarta",
        "postal_code": "10110",
        "district_info": [{"address_level": "L0", "address_name": "Indonesia"}],
    },
    "line_items": [
        {
            "id": "577086512123755123",
            "sku_id": "1729592969712207012",
            "product_id": "1729592969712207008",
            "product_name": "Kaos",
            "sku_name": "M",
            "seller_sku": "KAOS-M",
            "sale_price": "69000",
            "original_price": "75000",
            "display_status": "AWAITING_SHIPMENT",
            "package_id": "1153132168123859123",
            "is_gift": False,
        },
        {
            "id": "577086512123755124",
            "sku_id": "1729592969712207012",
            "product_id": "1729592969712207008",
            "seller_sku": "KAOS-M",
            "sale_price": 69000,
            "original_price": 75000,
        },
    ],
    "packages": [{"id": "1153132168123859123"}],
    "tracking_number": None,
    "shipping_provider": "J&T Express",
    "warehouse_id": "7068517275539719942",
    "fulfillment_type": "FULFILLMENT_BY_SELLER",
    "is_on_hold_order": False,
    "rts_sla_time": 1718500000,
    "tts_sla_time": 1718600000,
}


def test_an_order_search_page() -> None:
    page = OrderSearchPage.model_validate(
        {"orders": [ORDER], "next_page_token": "", "total_count": 1}
    )
    (order,) = page.orders
    assert order.commerce_platform == "TIKTOK_SHOP" and not order.is_tokopedia
    assert order.payment is not None and order.payment.total_amount == 147000
    assert order.payment.buyer_service_fee == 1000 and order.payment.seller_discount is None
    assert order.recipient_address is not None and order.recipient_address.name == "Budi"
    assert order.units_by_sku() == {"1729592969712207012": 2}  # one line per unit
    assert [line.sale_price for line in order.line_items] == [69000, 69000]
    assert order.tracking_number == "" and order.packages[0].id == "1153132168123859123"
    assert order.cancel_reason == "" and order.cancel_time is None


def test_a_cancelled_tokopedia_order_with_numeric_ids() -> None:
    order = Order.model_validate(
        {
            **ORDER,
            "id": 576461413038785753,
            "status": "CANCELLED",
            "cancel_time": 1718306000,
            "cancel_reason": "Out of stock",
            "cancellation_initiator": "SELLER",
            "commerce_platform": "TOKOPEDIA",
            "fulfillment_type": "FULFILLMENT_BY_DILAYANI_TOKOPEDIA",
            "line_items": [
                {
                    "id": 577086512123755125,
                    "sku_id": 1729592969712207012,
                    "cancel_reason": "Out of stock",
                    "is_gift": "true",
                }
            ],
            "payment": None,
            "packages": None,
        }
    )
    assert order.id == "576461413038785753" and order.is_tokopedia
    assert order.line_items[0].sku_id == "1729592969712207012" and order.line_items[0].is_gift
    assert order.payment is None and order.packages == []
    assert order.cancellation_initiator == "SELLER"


def test_a_blank_commerce_platform_is_tiktok_shop() -> None:
    assert Order.model_validate({"id": "1", "commerce_platform": None}).commerce_platform == (
        "TIKTOK_SHOP"
    )
    assert Order.model_validate({"id": "1", "commerce_platform": ""}).commerce_platform == (
        "TIKTOK_SHOP"
    )


def test_a_cancellation_and_webhook_registrations() -> None:
    cancellation = Cancellation.model_validate(
        {"cancel_id": 4035318504577175123, "cancel_status": "CANCELLATION_REQUEST_COMPLETE"}
    )
    assert cancellation.cancel_id == "4035318504577175123"
    registrations = WebhookRegistrations.model_validate(
        {
            "webhooks": [
                {
                    "event_type": "ORDER_STATUS_CHANGE",
                    "address": "https://x/hook",
                    "create_time": 1718300000,
                    "update_time": 1718300000,
                }
            ],
            "total_count": 1,
        }
    )
    assert registrations.webhooks[0].event_type == "ORDER_STATUS_CHANGE"


# --- webhooks ----------------------------------------------------------------------------------

SHEET_WEBHOOK = (
    b'{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507",'
    b'"timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178",'
    b'"order_status":"UNPAID","update_time":1718305585}}'
)


def _webhook(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def test_the_sheet_s_order_status_webhook() -> None:
    envelope = parse_webhook(SHEET_WEBHOOK)
    change = envelope.order_status_change()
    assert envelope.shop_id == "7495540735365777507" and not envelope.is_seller_level
    assert envelope.tts_notification_id == "7380066284010030890"
    assert change == OrderStatusChange(
        order_id="576653688135258178",
        order_status="UNPAID",
        is_on_hold_order=True,
        update_time=1718305585,
    )
    assert envelope.typed_data() == change and envelope.mirror_status_change() is None


def test_the_webhook_spells_a_cancellation_cancel() -> None:
    body = _webhook(
        type=1,
        tts_notification_id=7380066284010030891,
        shop_id=7495540735365777507,
        timestamp=1718305600,
        data={"order_id": 576653688135258178, "order_status": "CANCEL", "update_time": 1718305600},
    )
    change = parse_webhook(body).order_status_change()
    assert change is not None
    assert (change.order_status, change.status) == ("CANCEL", "CANCELLED")
    assert change.order_id == "576653688135258178" and not change.is_on_hold_order
    other = OrderStatusChange(order_id="1", order_status="CANCELLED")
    assert other.status == "CANCELLED"


def test_a_seller_level_mirror_webhook() -> None:
    body = _webhook(
        type=35,
        tts_notification_id="7380066284010030892",
        seller_open_id="7010736057180325637",
        timestamp=1718305700,
        data={
            "tts_shop_id": 7495540735365777507,
            "mirror_status": "MIRRORED",
            "update_time": 1718305700,
        },
    )
    envelope = parse_webhook(body)
    assert envelope.is_seller_level and envelope.seller_open_id == "7010736057180325637"
    assert envelope.mirror_status_change() == MirrorStatusChange(
        tts_shop_id="7495540735365777507", mirror_status="MIRRORED", update_time=1718305700
    )
    assert envelope.order_status_change() is None


def test_authorization_webhooks() -> None:
    gone = parse_webhook(_webhook(type=6, shop_id="1", data={"message": "deauthorized"}))
    assert gone.typed_data() == SellerDeauthorization(message="deauthorized")
    expiring = parse_webhook(
        _webhook(
            type=7,
            shop_id="1",
            data={"message": "expiring in 30 days", "expiration_time": "1627587506"},
        )
    )
    assert expiring.typed_data() == AuthorizationExpiring(
        message="expiring in 30 days", expiration_time=1627587506
    )


def test_an_unknown_webhook_type_keeps_its_data_raw() -> None:
    data = {"invoice_id": "1", "invoice_status": "ISSUED"}  # 36 INVOICE_STATUS_CHANGE
    envelope = parse_webhook(_webhook(type=36, shop_id="1", data=data))
    assert envelope.typed_data() == data
    assert parse_webhook(_webhook(type=36, shop_id="1", data=None)).typed_data() == {}


def test_an_inventory_change_reads_the_available_quantity_where_it_is_given() -> None:
    """Type 27's shape is uncertain (sheet §7): the quantity in ``inventory_distribution``,
    else at the top level, else none (the hub then pushes its value again)."""
    spread = {"product_id": "1", "sku_id": "2", "inventory_distribution": {"available_quantity": 7}}
    flat = {"product_id": "1", "sku_id": "2", "available_quantity": 4}
    bare = {"product_id": "1", "sku_id": "2", "current_inventory_status": "LOW_STOCK"}
    read = [
        parse_webhook(_webhook(type=27, shop_id="1", data=data)).inventory_status_change()
        for data in (spread, flat, bare)
    ]
    assert [change.available for change in read if change is not None] == [7, 4, None]


def test_webhook_data_sent_as_a_json_string_is_decoded() -> None:
    body = _webhook(
        type=1, shop_id="1", data=json.dumps({"order_id": "9", "order_status": "UNPAID"})
    )
    change = parse_webhook(body).order_status_change()
    assert change is not None and change.order_id == "9"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b"not json", "webhook body"),
        (b'{"shop_id":"1"}', "webhook type"),
        (_webhook(type=1, shop_id="1", data={"order_status": "UNPAID"}), "webhook data.order_id"),
    ],
)
def test_a_malformed_webhook_names_what_is_wrong(body: bytes, where: str) -> None:
    with pytest.raises(MalformedPayload, match=where):
        envelope = parse_webhook(body)
        envelope.typed_data()
