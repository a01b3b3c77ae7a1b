"""The fulfilment calls of the Shopee client against the sandbox, over real HTTP: shipping
parameters, ship_order (pickup, drop-off, non-integrated), the tracking number, the airway
bill's four calls, the buyer's cancellation request and returns, with every refusal the
sandbox makes raised as the client's error tree (Shopee's own words)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from shopee_client_helpers import DEMO_SHOP

from satustok.channels.http.errors import ActionRejected, NotFound, ValidationError
from satustok.channels.shopee.client import ShopeeClient
from satustok_sandbox.shopee.handle import ShopeeControl

FIRST = 20_000_100_001  # an item without models in the demo seed


def placed(shopee: ShopeeControl, **extra: object) -> str:
    lines = [{"item_id": FIRST, "model_id": 0, "quantity": 1}]
    return str(shopee.place_order(DEMO_SHOP, lines, **extra)["order_sn"])


def pickup_slot(client: ShopeeClient, order_sn: str) -> tuple[int, str]:
    params = client.get_shipping_parameter(order_sn)
    assert params.info_needed.pickup == ["address_id", "pickup_time_id"]
    assert params.info_needed.dropoff == [] and params.info_needed.non_integrated is None
    assert params.pickup is not None
    address = params.pickup.address_list[0]
    assert len(address.time_slot_list) == 3
    return address.address_id, address.time_slot_list[0].pickup_time_id


def test_pickup_then_a_second_ship_order_is_refused(
    client: ShopeeClient, shopee: ShopeeControl
) -> None:
    order_sn = placed(shopee)
    assert client.get_tracking_number(order_sn).tracking_number == ""
    address_id, slot = pickup_slot(client, order_sn)
    client.ship_order(order_sn, pickup={"address_id": address_id, "pickup_time_id": slot})
    held = shopee.order(order_sn)
    assert held["order_status"] == "PROCESSED" and not held["shipped"]
    assert held["shipment"] == {
        "method": "pickup",
        "address_id": address_id,
        "pickup_time_id": slot,
    }
    assert client.get_tracking_number(order_sn).tracking_number == held["tracking_number"] != ""
    with pytest.raises(ActionRejected) as again:
        client.ship_order(order_sn, dropoff={})
    assert again.value.error_code == "logistics.package_already_shipped"
    with pytest.raises(ActionRejected):  # and no more slots for an arranged package
        client.get_shipping_parameter(order_sn)


def test_an_unknown_or_expired_slot_is_refused(make_client: object, shopee: ShopeeControl) -> None:
    client = make_client(authorized=DEMO_SHOP)  # type: ignore[operator]
    order_sn = placed(shopee)
    address_id, slot = pickup_slot(client, order_sn)
    with pytest.raises(ActionRejected) as unknown:
        client.ship_order(order_sn, pickup={"address_id": address_id, "pickup_time_id": "1"})
    assert "pickup_time_id" in str(unknown.value)
    shopee.advance_clock(2 * 86_400)  # the first slot (tomorrow 09:00) has passed
    client = make_client(authorized=DEMO_SHOP)  # type: ignore[operator]  # a fresh token
    with pytest.raises(ActionRejected) as expired:
        client.ship_order(order_sn, pickup={"address_id": address_id, "pickup_time_id": slot})
    assert "expired" in str(expired.value)
    assert shopee.order(order_sn)["order_status"] == "READY_TO_SHIP"


def test_a_missing_key_or_an_unoffered_method_is_refused(
    client: ShopeeClient, shopee: ShopeeControl
) -> None:
    order_sn = placed(shopee)
    with pytest.raises(ValidationError) as missing:  # our bug: info_needed named it
        client.ship_order(order_sn, pickup={"address_id": 77000011})
    assert "pickup_time_id is required" in str(missing.value)
    with pytest.raises(ActionRejected):
        client.ship_order(order_sn, non_integrated={"tracking_number": "JP1234567890"})
    with pytest.raises(ValidationError):  # the client checks before sending
        client.ship_order(order_sn)


def test_non_integrated_ships_at_once_and_refuses_a_bad_tracking_number(
    client: ShopeeClient, shopee: ShopeeControl
) -> None:
    order_sn = placed(shopee, logistics="non_integrated")
    params = client.get_shipping_parameter(order_sn)
    assert params.info_needed.non_integrated == ["tracking_number"]
    assert params.info_needed.pickup is None
    with pytest.raises(ActionRejected) as bad:
        client.ship_order(order_sn, non_integrated={"tracking_number": "x!"})
    assert "tracking_number" in str(bad.value)
    client.ship_order(order_sn, non_integrated={"tracking_number": "JNE0012345678"})
    held = shopee.order(order_sn)
    assert held["order_status"] == "SHIPPED" and held["shipped"]
    assert held["tracking_number"] == "JNE0012345678"


def test_the_airway_bill_is_created_polled_and_downloaded_as_a_pdf(
    client: ShopeeClient, shopee: ShopeeControl
) -> None:
    order_sn = placed(shopee)
    package = shopee.order(order_sn)["package_number"]
    early = client.create_shipping_document([(order_sn, package, "")])
    assert early[0].fail_error == "logistics.error_status"
    assert early[0].fail_message == "Order status does not support awb printing"
    with pytest.raises(ActionRejected):
        client.download_shipping_document([(order_sn, package)])

    address_id, slot = pickup_slot(client, order_sn)
    client.ship_order(order_sn, pickup={"address_id": address_id, "pickup_time_id": slot})
    tracking = client.get_tracking_number(order_sn, package).tracking_number
    parameter = client.get_shipping_document_parameter([(order_sn, package)])
    assert parameter[0].suggest_shipping_document_type == "NORMAL_AIR_WAYBILL"
    created = client.create_shipping_document([(order_sn, package, tracking)])
    assert created[0].fail_error == "" and created[0].package_number == package
    assert client.get_shipping_document_result([(order_sn, package)])[0].status == "PROCESSING"
    with pytest.raises(ActionRejected):
        client.download_shipping_document([(order_sn, package)])
    assert client.get_shipping_document_result([(order_sn, package)])[0].status == "READY"
    pdf = client.download_shipping_document([(order_sn, package)])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert order_sn in text and tracking in text and "SPX" in text
    assert shopee.order(order_sn)["labels_downloaded"] == 1


def test_buyer_cancellation_is_answered_only_while_requested(
    client: ShopeeClient, shopee: ShopeeControl
) -> None:
    order_sn = placed(shopee)
    with pytest.raises(ActionRejected):
        client.handle_buyer_cancellation(order_sn, "ACCEPT")
    shopee.request_cancellation(order_sn, "Need to change delivery address")
    (detail,) = client.get_orders([order_sn])
    assert detail.order_status == "IN_CANCEL"
    assert detail.buyer_cancel_reason == "Need to change delivery address"
    client.handle_buyer_cancellation(order_sn, "REJECT")
    assert shopee.order(order_sn)["order_status"] == "READY_TO_SHIP"
    shopee.request_cancellation(order_sn)
    client.handle_buyer_cancellation(order_sn, "ACCEPT")
    assert shopee.order(order_sn)["order_status"] == "CANCELLED"
    with pytest.raises(ValidationError):
        client.handle_buyer_cancellation(order_sn, "MAYBE")


def test_returns_are_listed_and_read_in_detail(client: ShopeeClient, shopee: ShopeeControl) -> None:
    order_sn = placed(shopee)
    shopee.move_order(order_sn, "SHIPPED")
    shopee.deliver(order_sn)
    opened = shopee.return_order(order_sn, [{"item_id": FIRST, "model_id": 0, "quantity": 1}])
    return_sn = opened["return"]["return_sn"]
    assert opened["order_status"] == "TO_RETURN"
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    listed = list(client.iter_returns(now - timedelta(days=1), now + timedelta(minutes=1)))
    assert [(r.return_sn, r.order_sn) for r in listed] == [(return_sn, order_sn)]
    detail = client.get_return_detail(return_sn)
    assert detail.status == "REQUESTED" and [(i.item_id, i.amount) for i in detail.item] == [
        (FIRST, 1)
    ]
    assert detail.refund_amount and detail.refund_amount > 0
    with pytest.raises(NotFound):
        client.get_return_detail("999")
