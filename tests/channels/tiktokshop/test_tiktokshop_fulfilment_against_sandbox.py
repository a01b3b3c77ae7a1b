"""The fulfilment calls of the TikTok Shop client against the sandbox, over real HTTP: packages,
handover slots, shipping, shipping documents (real PDFs), cancellation requests and returns, and
each refusal reaching the error tree with TikTok Shop's own words."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pytest
from pypdf import PdfReader
from tiktokshop_client_helpers import DEMO_SHOP

from satustok.channels.http.errors import ActionRejected, NotFound
from satustok.channels.tiktokshop.client import TikTokShopClient

if TYPE_CHECKING:
    from satustok_sandbox.tiktokshop.handle import TikTokShopControl

SKU = "1729100000000000001"  # SB-SLD-SDM-046, 24 in stock in the demo shop


def _order(tiktokshop: TikTokShopControl, **extra: Any) -> tuple[str, str]:
    placed = tiktokshop.place_order(DEMO_SHOP, [{"sku_id": SKU, "quantity": 1}], **extra)
    return str(placed["id"]), str(placed["packages"][0]["id"])


def test_a_package_is_picked_up_in_an_offered_slot_and_its_label_is_a_pdf(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    order_id, package_id = _order(tiktokshop)
    slots = client.handover_time_slots(package_id)
    assert slots.can_pickup and slots.can_drop_off and slots.pickup_slots
    first = slots.pickup_slots[0]
    assert first.available and first.start_time > tiktokshop.now()
    with pytest.raises(ActionRejected, match="not ready"):
        client.shipping_document(package_id)  # nothing to print before shipping
    client.ship_package(package_id, "PICKUP", pickup_slot=(first.start_time, first.end_time))
    package = client.get_package(package_id)
    assert package.handover_method == "PICKUP" and package.tracking_number
    assert package.pickup_slot is not None and package.pickup_slot.start_time == first.start_time
    (order,) = client.get_orders([order_id])
    assert (
        order.status == "AWAITING_COLLECTION" and order.tracking_number == package.tracking_number
    )
    document = client.shipping_document(package_id)
    assert document.tracking_number == package.tracking_number
    pdf = client.download_document(document.doc_url)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 1
    text = pages[0].extract_text()
    assert order_id in text and package.tracking_number in text
    held = tiktokshop.fulfillment(order_id)
    assert held["labels_printed"] == 1 and held["handover_method"] == "PICKUP"


def test_a_second_ship_call_is_refused_in_tiktoks_words(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    _order_id, package_id = _order(tiktokshop)
    client.ship_package(package_id, "DROP_OFF")
    with pytest.raises(ActionRejected, match="already been shipped") as refused:
        client.ship_package(package_id, "DROP_OFF")
    assert refused.value.error_code == "21001012"


def test_an_expired_or_unknown_slot_is_refused(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    _order_id, package_id = _order(tiktokshop)
    slot = client.handover_time_slots(package_id).pickup_slots[0]
    with pytest.raises(ActionRejected, match="not available"):
        client.ship_package(package_id, "PICKUP", pickup_slot=(slot.start_time + 60, slot.end_time))
    tiktokshop.advance_clock(slot.start_time - tiktokshop.now() + 1)
    with pytest.raises(ActionRejected, match="expired"):
        client.ship_package(package_id, "PICKUP", pickup_slot=(slot.start_time, slot.end_time))


def test_self_shipment_is_refused_on_a_tiktok_package_and_checked_on_a_seller_one(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    _order_id, platform_package = _order(tiktokshop)
    with pytest.raises(ActionRejected, match="self_shipment is only"):
        client.ship_package(
            platform_package, "DROP_OFF", self_shipment=("JNE1234567890", "6617675021119438850")
        )
    order_id, package_id = _order(tiktokshop, shipping_type="SELLER")
    assert client.handover_time_slots(package_id).can_pickup is False
    with pytest.raises(ActionRejected, match="Invalid tracking number"):
        client.ship_package(package_id, "DROP_OFF", self_shipment=("x!", "6617675021119438850"))
    client.ship_package(
        package_id, "DROP_OFF", self_shipment=("JNE1234567890", "6617675021119438850")
    )
    (order,) = client.get_orders([order_id])
    assert order.tracking_number == "JNE1234567890" and order.shipping_provider == "JNE"


def test_a_seller_shipped_order_is_marked_shipped(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    order_id, package_id = _order(tiktokshop, shipping_type="SELLER")
    shipped = client.mark_package_as_shipped(order_id, "SCP99887766", "6617675021119438851")
    assert shipped.package_id == package_id
    assert tiktokshop.fulfillment(order_id)["tracking_number"] == "SCP99887766"


def test_an_ineligible_order_and_an_unknown_package_are_refused(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    _order_id, package_id = _order(tiktokshop, status="UNPAID")
    with pytest.raises(ActionRejected, match="UNPAID"):
        client.ship_package(package_id, "DROP_OFF")
    with pytest.raises(NotFound):
        client.get_package("1100000000000000000")


def test_packages_are_searched_page_by_page(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    ids = {_order(tiktokshop)[1] for _ in range(3)}
    first = client.search_packages(page_size=2)
    second = client.search_packages(first.next_page_token, page_size=2)
    seen = {p.package_id for p in first.packages + second.packages}
    assert first.next_page_token and ids <= seen | {
        p.package_id for p in client.search_packages(page_size=50).packages
    }


def test_a_buyer_cancellation_request_is_approved_once(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    order_id, _package = _order(tiktokshop)
    cancel_id = tiktokshop.request_cancellation(order_id, "Ganti alamat")["cancel_id"]
    (order,) = client.get_orders([order_id])
    assert order.is_buyer_request_cancel
    (pending,) = client.cancellations_of([order_id], "CANCELLATION_REQUEST_PENDING")
    assert pending.cancel_id == cancel_id and pending.role == "BUYER"
    client.approve_cancellation(cancel_id)
    (order,) = client.get_orders([order_id])
    assert order.status == "CANCELLED" and not order.is_buyer_request_cancel
    with pytest.raises(ActionRejected, match="cannot be answered"):
        client.reject_cancellation(cancel_id, "seller_reject_apply_product_has_been_packed")
    with pytest.raises(NotFound):
        client.approve_cancellation("4100000000000000000")


def test_a_rejected_request_leaves_the_order_to_ship(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    order_id, _package = _order(tiktokshop)
    cancel_id = tiktokshop.request_cancellation(order_id)["cancel_id"]
    client.reject_cancellation(cancel_id, "seller_reject_apply_product_has_been_packed")
    (order,) = client.get_orders([order_id])
    assert order.status == "AWAITING_SHIPMENT" and not order.is_buyer_request_cancel
    (answered,) = client.cancellations_of([order_id])
    assert answered.cancel_status == "CANCELLATION_REQUEST_CANCEL"


def test_a_return_names_the_units_that_came_back(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    placed = tiktokshop.place_order(DEMO_SHOP, [{"sku_id": SKU, "quantity": 3}])
    order_id, package_id = str(placed["id"]), str(placed["packages"][0]["id"])
    client.ship_package(package_id, "DROP_OFF")
    tiktokshop.collect(order_id)
    tiktokshop.deliver(order_id)
    tiktokshop.return_order(order_id, [{"sku_id": SKU, "quantity": 2}])
    (record,) = client.returns_of([order_id])
    assert record.return_status == "RETURN_OR_REFUND_REQUEST_COMPLETE"
    assert [line.sku_id for line in record.return_line_items] == [SKU, SKU]
    assert client.returns_of([order_id], "RETURN_OR_REFUND_REQUEST_PENDING") == []
