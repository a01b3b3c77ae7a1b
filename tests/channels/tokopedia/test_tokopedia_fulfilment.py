"""Over loopback HTTP against the sandbox: request pickup, confirm shipping with an AWB, the HTML
shipping label, the buyer's cancellation request (reject-cancel, or nack 8 to approve), and
every refusal of the shipping state machine, through the client and the order source."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import pytest

from satustok.channels.http.errors import ActionRejected, ServerError, ValidationError
from satustok.channels.protocol import OrderStatus, Shipment, ShipMethod
from satustok.channels.tokopedia.orders import TokopediaOrders

if TYPE_CHECKING:
    from conftest import ClientFactory, PlaceOrder
    from satustok.channels.tokopedia.client import TokopediaClient
    from satustok_sandbox.server import RunningSandbox

pytestmark = pytest.mark.dbless

SHOP = 480001


def fulfilment(sandbox: RunningSandbox, order_id: int) -> dict[str, Any]:
    return sandbox.control("GET", f"orders/{order_id}/fulfilment")


@pytest.fixture
def source(client: TokopediaClient) -> TokopediaOrders:
    return TokopediaOrders(lambda: client, SHOP, pickup_wait=5.0)


@pytest.fixture
def accepted(client: TokopediaClient, place_order: PlaceOrder) -> int:
    order_id = int(place_order()["order_id"])
    client.accept_order(order_id)
    return order_id


def test_pickup_moves_to_450_then_the_courier_collects(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox, accepted: int
) -> None:
    result = client.request_pickup(accepted, SHOP)
    assert (result.order_id, result.shop_id) == (accepted, SHOP)
    assert len(result.request_time) == len("2025-01-01 10:00:00")
    assert client.get_order(order_id=accepted).order_status == 450
    held = tokopedia_sandbox.control("POST", f"orders/{accepted}/collect")
    assert held["order_status"] == 500 and held["awb"]
    assert held["ship_method"] == "pickup"
    shipped = client.get_order(order_id=accepted)
    assert shipped.order_info.shipping_info is not None
    assert shipped.order_info.shipping_info.awb == held["awb"]


def test_pickup_refusals(
    client: TokopediaClient, place_order: PlaceOrder, tokopedia_sandbox: RunningSandbox
) -> None:
    order_id = int(place_order()["order_id"])
    with pytest.raises(ActionRejected, match="not eligible for pickup") as before_accept:
        client.request_pickup(order_id, SHOP)
    assert before_accept.value.error_code == "LGS_USC_011"
    client.accept_order(order_id)
    client.request_pickup(order_id, SHOP)
    with pytest.raises(ActionRejected, match="already been requested") as second:
        client.request_pickup(order_id, SHOP)
    assert second.value.error_code == "LGS_USC_011"
    assert fulfilment(tokopedia_sandbox, order_id)["history"] == [220, 400, 450]


def test_pickup_without_permission_is_refused_with_lgs_usc_012(
    client: TokopediaClient, place_order: PlaceOrder, tokopedia_sandbox: RunningSandbox
) -> None:
    order_id = int(place_order()["order_id"])
    tokopedia_sandbox.tokopedia.state.orders[order_id].shipping_agency = "Pos Indonesia"
    client.accept_order(order_id)
    with pytest.raises(ActionRejected, match="permission") as refused:
        client.request_pickup(order_id, SHOP)
    assert refused.value.error_code == "LGS_USC_012"


def test_pickup_right_after_accept_is_asked_again_until_ready(
    make_client: ClientFactory, place_order: PlaceOrder, tokopedia_sandbox: RunningSandbox
) -> None:
    """The sandbox refuses a pickup sooner than the configured delay after the accept; the
    client's own sleep moves the sandbox clock, so the wait costs no real time."""
    tokopedia_sandbox.control("POST", "fulfilment", {"pickup_delay_seconds": 5})
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        tokopedia_sandbox.control("POST", "clock", {"advance_seconds": seconds})

    client = make_client(sleep=sleep)
    order_id = int(place_order()["order_id"])
    client.accept_order(order_id)
    client.request_pickup(order_id, SHOP, max_wait=30)
    assert 5 <= sum(slept) <= 7
    assert fulfilment(tokopedia_sandbox, order_id)["order_status"] == 450


def test_pickup_gives_up_after_its_bound(
    make_client: ClientFactory, place_order: PlaceOrder, tokopedia_sandbox: RunningSandbox
) -> None:
    tokopedia_sandbox.control("POST", "fulfilment", {"pickup_delay_seconds": 600})
    client = make_client(sleep=lambda seconds: None)  # time never passes
    order_id = int(place_order()["order_id"])
    client.accept_order(order_id)
    ticks = iter(range(1000))
    client._clock = lambda: float(next(ticks))
    with pytest.raises(ServerError) as not_ready:
        client.request_pickup(order_id, SHOP, max_wait=3)
    assert not_ready.value.error_code == "LGS_API_006"


def test_confirm_shipping_checks_the_awb(client: TokopediaClient, accepted: int) -> None:
    for bad in ("JNE12", "JNE-1234-5678", "A" * 31):
        with pytest.raises(ActionRejected, match="Invalid AWB") as refused:
            client.confirm_shipping(accepted, bad)
        assert refused.value.error_code == "LGS_USC_006"
    client.confirm_shipping(accepted, "JNE1234567890")
    with pytest.raises(ActionRejected) as second:
        client.confirm_shipping(accepted, "JNE1234567891")  # a second ship call
    assert second.value.error_code == "LGS_USC_006"


def test_label_is_html_from_400_and_marks_printed(
    client: TokopediaClient, place_order: PlaceOrder, tokopedia_sandbox: RunningSandbox
) -> None:
    order_id = int(place_order()["order_id"])
    with pytest.raises(ActionRejected) as early:
        client.shipping_label(order_id)
    assert early.value.error_code == "LGS_USC_001"
    client.accept_order(order_id)
    preview = client.shipping_label(order_id, printed=False)
    assert fulfilment(tokopedia_sandbox, order_id)["labels_printed"] == 0
    page = client.shipping_label(order_id).decode()
    assert preview.decode() == page
    assert page.startswith("<!DOCTYPE html>") and str(order_id) in page
    assert "JNE" in page and "INV/" in page
    view = fulfilment(tokopedia_sandbox, order_id)
    assert (view["label_fetches"], view["labels_printed"]) == (2, 1)


def test_reject_cancel_request_and_its_refusals(
    client: TokopediaClient, accepted: int, tokopedia_sandbox: RunningSandbox
) -> None:
    with pytest.raises(ActionRejected) as none_pending:
        client.reject_cancel_request(accepted, SHOP)
    assert none_pending.value.error_code == "ORD_USC_020"
    tokopedia_sandbox.control("POST", f"orders/{accepted}/cancel-request", {"reason": "Salah"})
    info = client.get_order(order_id=accepted).cancel_request_info
    assert info is not None and info.reason == "Salah"
    client.reject_cancel_request(accepted, SHOP)
    assert client.get_order(order_id=accepted).cancel_request_info is None
    assert client.get_order(order_id=accepted).order_status == 400


# --- through the order source ---------------------------------------------------------------


def test_source_flow_pickup_label_and_mapping(
    source: TokopediaOrders, client: TokopediaClient, place_order: PlaceOrder
) -> None:
    order_id = str(place_order()["order_id"])
    assert source.shipping_options(order_id) == ()
    source.accept(order_id)
    options = source.shipping_options(order_id)
    assert [o.method for o in options] == [ShipMethod.PICKUP, ShipMethod.SELF_SHIP]
    assert [o.slots for o in options] == [(), ()]
    assert options[1].needs_tracking_number
    order = source.order(order_id)
    assert order.ship_by is not None and order.ship_by.utcoffset() is not None
    assert order.packages == (order_id,)
    assert order.courier == "JNE Reguler"
    source.arrange_shipment(order_id, Shipment(ShipMethod.PICKUP))
    assert source.order(order_id).channel_status == "450"
    (label,) = source.labels(order_id)
    assert (label.package_id, label.media_type) == (order_id, "text/html")
    assert order_id.encode() in label.content


def test_source_self_ship_needs_a_tracking_number(
    source: TokopediaOrders, accepted: int, tokopedia_sandbox: RunningSandbox
) -> None:
    order_id = str(accepted)
    with pytest.raises(ValidationError):
        source.arrange_shipment(order_id, Shipment(ShipMethod.SELF_SHIP))
    with pytest.raises(ActionRejected, match="drop_off"):
        source.arrange_shipment(order_id, Shipment(ShipMethod.DROP_OFF))
    source.arrange_shipment(order_id, Shipment(ShipMethod.SELF_SHIP, tracking_number="SC12345678"))
    shipped = source.order(order_id)
    assert (shipped.status, shipped.tracking_number) == (OrderStatus.SHIPPED, "SC12345678")
    assert fulfilment(tokopedia_sandbox, accepted)["ship_method"] == "self_ship"


def test_source_answers_cancellation(
    source: TokopediaOrders,
    client: TokopediaClient,
    place_order: PlaceOrder,
    tokopedia_sandbox: RunningSandbox,
) -> None:
    kept, approved = (str(place_order(i)["order_id"]) for i in (0, 1))
    for order_id in (kept, approved):
        source.accept(order_id)
        tokopedia_sandbox.control("POST", f"orders/{order_id}/cancel-request", {"reason": "Ganti"})
        asked = source.order(order_id)
        assert (asked.cancel_requested, asked.cancel_reason) == (True, "Ganti")
    source.arrange_shipment(approved, Shipment(ShipMethod.PICKUP))  # also at 450
    source.answer_cancellation(kept, approve=False)
    source.answer_cancellation(approved, approve=True)
    assert not source.order(kept).cancel_requested
    assert source.order(kept).status == OrderStatus.ACCEPTED
    gone = source.order(approved)
    assert (gone.channel_status, gone.status) == ("10", OrderStatus.CANCELLED)
    source.arrange_shipment(kept, Shipment(ShipMethod.SELF_SHIP, tracking_number="JT12345678"))
    with pytest.raises(ActionRejected) as no_request:  # shipped, and the request was refused
        source.answer_cancellation(kept, approve=True)
    assert no_request.value.error_code == "ORD_USC_008"


def test_deliver_fail_and_return_control_calls(
    source: TokopediaOrders, accepted: int, tokopedia_sandbox: RunningSandbox
) -> None:
    order_id = str(accepted)
    source.arrange_shipment(order_id, Shipment(ShipMethod.PICKUP))
    tokopedia_sandbox.control("POST", f"orders/{accepted}/collect")
    tokopedia_sandbox.control("POST", f"orders/{accepted}/deliver")
    assert source.order(order_id).status == OrderStatus.DELIVERED
    back = tokopedia_sandbox.control("POST", f"orders/{accepted}/return", {"items": []})
    assert back["order_status"] == 550 and back["returned_items"]
    assert source.order(order_id).status == OrderStatus.RETURNED
    with pytest.raises(tokopedia_sandbox.error) as twice:
        tokopedia_sandbox.control("POST", f"orders/{accepted}/deliver")
    assert twice.value.status == 409


def test_actions_per_status(source: TokopediaOrders) -> None:
    new, accepted, waiting, shipped, done = (
        source.actions(code) for code in ("220", "400", "450", "500", "700")
    )
    assert new.can_accept and not new.can_arrange_shipment and not new.can_print_label
    assert accepted.ship_methods == ("pickup", "self_ship") and accepted.can_print_label
    assert accepted.can_answer_cancellation and not new.can_answer_cancellation
    assert not waiting.can_arrange_shipment and waiting.can_print_label
    assert source.actions("520").ship_methods == ("self_ship",)
    assert shipped.can_answer_cancellation and not shipped.can_arrange_shipment
    assert done == type(done)(reject_reasons=done.reject_reasons)


def test_concurrent_label_reads_are_each_counted(
    client: TokopediaClient, accepted: int, tokopedia_sandbox: RunningSandbox
) -> None:
    threads = [threading.Thread(target=client.shipping_label, args=(accepted,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fulfilment(tokopedia_sandbox, accepted)["labels_printed"] == 3
