"""TikTok Shop orders in the hub's words: one line per SKU counted from its line items (each is
one unit), items cancelled on their own left out, the storefront kept, statuses ranked."""

from __future__ import annotations

from typing import Any

import pytest

from satustok.channels.protocol import OrderStatus
from satustok.channels.tiktokshop.orders import from_order, lines, unified
from satustok.channels.tiktokshop.schemas import Order


def item(sku: str, n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{sku}-{n}",
        "sku_id": sku,
        "product_id": "P1",
        "product_name": "Kaos",
        "seller_sku": f"SKU-{sku}",
        "sale_price": "50000",
        **extra,
    }


def order(*items: dict[str, Any], **extra: Any) -> Order:
    return Order.model_validate(
        {
            "id": "576",
            "status": "AWAITING_SHIPMENT",
            "create_time": 1_700_000_000,
            "line_items": list(items),
            **extra,
        }
    )


def test_units_are_counted_from_line_items_per_sku() -> None:
    found = lines(order(item("A", 1), item("A", 2), item("B", 1)))
    assert [(line.external_product_id, line.sku, line.quantity, line.price) for line in found] == [
        ("P1:A", "SKU-A", 2, 50_000),
        ("P1:B", "SKU-B", 1, 50_000),
    ]


def test_an_item_cancelled_on_its_own_is_left_out() -> None:
    found = lines(order(item("A", 1), item("A", 2, display_status="CANCELLED"), item("B", 1)))
    assert {line.sku: line.quantity for line in found} == {"SKU-A": 1, "SKU-B": 1}


def test_a_wholly_cancelled_order_keeps_its_lines() -> None:
    cancelled = [item("A", 1, package_status="CANCELLED"), item("A", 2, package_status="CANCELLED")]
    assert [line.quantity for line in lines(order(*cancelled, status="CANCELLED"))] == [2]


def test_the_storefront_is_kept_and_the_status_ranked() -> None:
    tokopedia = from_order(order(item("A", 1), commerce_platform="TOKOPEDIA"))
    assert tokopedia.invoice.endswith("(Tokopedia)") and tokopedia.status == OrderStatus.OPEN
    assert from_order(order(item("A", 1))).invoice.endswith("(TikTok Shop)")


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("UNPAID", "ON_HOLD"),
        ("ON_HOLD", "AWAITING_SHIPMENT"),
        ("AWAITING_COLLECTION", "IN_TRANSIT"),
        ("DELIVERED", "COMPLETED"),
        ("COMPLETED", "CANCELLED"),
    ],
)
def test_statuses_only_move_forward(earlier: str, later: str) -> None:
    assert unified(earlier)[1] < unified(later)[1]


def test_the_webhooks_cancel_is_a_cancellation() -> None:
    assert unified("CANCEL") == unified("CANCELLED") == (OrderStatus.CANCELLED, 900)
