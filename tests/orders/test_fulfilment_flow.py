"""An order worked from the hub on every channel (``world``: Tokopedia, Shopee, TikTok Shop),
through each channel's real shipping steps on its sandbox over HTTP, with the webhooks sent
twice and newest first: accepted where the channel has that step, pickup arranged in the
earliest slot, its labels one PDF page per package, collected, delivered, returned and
restocked — the ledger shows each unit reserved once, shipped once and restocked once. And a
buyer's cancellation request, approved (released once) or refused (still held)."""

from __future__ import annotations

from typing import Any

import pytest
from orders_helpers import master, wait_until
from pypdf import PdfReader

from channel_worlds import World
from satustok.channels.models import ChannelAccount
from satustok.channels.problems import SellerProblem
from satustok.channels.protocol import Shipment, ShipMethod
from satustok.inventory.models import MovementReason, StockMovement
from satustok.orders import actions, returns
from satustok.orders.models import Order, OrderStatus
from satustok.orders.registration import register_webhooks

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS = 20


def listening(world: World, live_server: Any, settings: Any) -> ChannelAccount:
    settings.PUBLIC_URL = live_server.url
    account = world.connect()
    register_webhooks(account)
    world.webhooks(duplicate=True, reorder=True)
    return account


def a_shared_sku(account: ChannelAccount) -> str:
    listing = account.listings.filter(variant__isnull=False, stock__gte=3).order_by("sku").first()
    assert listing is not None
    return listing.sku


def arrived(external_id: str, *statuses: str) -> Order:
    found = wait_until(
        lambda: Order.objects.filter(external_id=external_id, status__in=statuses).first(),
        timeout=SECONDS,
    )
    assert found is not None, f"order {external_id} never reached {statuses}"
    return Order.objects.select_related("account__warehouse").get(pk=found.pk)


def moves(order: Order, reason: str) -> int:
    return StockMovement.objects.filter(reference=order.reference, reason=reason).count()


def accepted_where_the_channel_asks(order: Order) -> Order:
    """Accepted on a channel with an accept step (a buyer asks to cancel an accepted order
    there; before that, the buyer cancels outright)."""
    if actions.allowed(order).can_accept:
        actions.accept(order)
        order.refresh_from_db()
    return order


def buyer_asks_to_cancel(world: World, external_id: str) -> Order:
    world.request_cancellation(external_id)
    order = wait_until(
        lambda: Order.objects.filter(external_id=external_id, cancel_requested=True).first(),
        timeout=SECONDS,
    )
    assert order is not None, "the buyer's request never reached the hub"
    return order


def arrange_pickup(order: Order) -> Order:
    order = accepted_where_the_channel_asks(order)
    assert actions.allowed(order).can_arrange_shipment, order.channel_status
    options = {option.method: option for option in actions.shipping_options(order)}
    pickup = options[ShipMethod.PICKUP]
    slot = pickup.slots[0].id if pickup.slots else ""
    return actions.arrange_shipment(order, Shipment(ShipMethod.PICKUP, slot_id=slot))


def test_an_order_worked_from_the_hub_ships_once_and_its_return_restocks_once(
    world: World, live_server: Any, settings: Any
) -> None:
    account = listening(world, live_server, settings)
    sku = a_shared_sku(account)
    on_hand, reserved = master(account, sku)

    external_id = world.place_order(sku, 2)
    order = arrange_pickup(arrived(external_id, OrderStatus.OPEN))
    order = arrived(external_id, OrderStatus.READY_TO_SHIP)
    assert actions.allowed(order).can_print_label

    pdf = actions.label_pdf(order, "10x15")
    order.refresh_from_db()
    assert len(PdfReader(_bytes(pdf)).pages) == max(1, len(order.packages))
    assert order.labels_printed_at is not None

    world.ship_order(external_id)
    order = arrived(external_id, OrderStatus.SHIPPED)
    assert wait_until(lambda: master(account, sku) == (on_hand - 2, reserved), timeout=SECONDS)
    assert world.shipped_in_sandbox(external_id)

    world.deliver(external_id)
    world.return_order(external_id)
    order = arrived(external_id, OrderStatus.RETURNED)
    assert order in returns.awaiting_decision()
    returns.restock_all(order)
    assert master(account, sku) == (on_hand, reserved)
    reasons = MovementReason
    counts = [moves(order, r) for r in (reasons.ORDER_RESERVE, reasons.ORDER_SHIP)]
    assert counts == [1, 1] and moves(order, reasons.RETURN_RESTOCK) == 1
    with pytest.raises(returns.NothingToDecide):
        returns.restock_all(order)


def test_arranging_twice_is_refused_in_the_channels_words(
    world: World, live_server: Any, settings: Any
) -> None:
    account = listening(world, live_server, settings)
    external_id = world.place_order(a_shared_sku(account), 1)
    order = arrange_pickup(arrived(external_id, OrderStatus.OPEN))
    order = arrived(external_id, OrderStatus.READY_TO_SHIP)
    with pytest.raises(SellerProblem) as refused:
        actions.arrange_shipment(order, Shipment(ShipMethod.PICKUP))
    assert refused.value.headline and refused.value.explanation


def test_an_approved_cancellation_request_releases_once(
    world: World, live_server: Any, settings: Any
) -> None:
    account = listening(world, live_server, settings)
    sku = a_shared_sku(account)
    before = master(account, sku)
    external_id = world.place_order(sku, 1)
    accepted_where_the_channel_asks(arrived(external_id, OrderStatus.OPEN))

    order = buyer_asks_to_cancel(world, external_id)
    assert actions.allowed(order).can_answer_cancellation
    actions.answer_cancellation(order, approve=True)

    order = arrived(external_id, OrderStatus.CANCELLED)
    assert wait_until(lambda: master(account, sku) == before, timeout=SECONDS)
    assert moves(order, MovementReason.ORDER_RELEASE) == 1


def test_a_refused_cancellation_request_keeps_the_order_and_its_stock(
    world: World, live_server: Any, settings: Any
) -> None:
    account = listening(world, live_server, settings)
    sku = a_shared_sku(account)
    on_hand, reserved = master(account, sku)
    external_id = world.place_order(sku, 1)
    accepted_where_the_channel_asks(arrived(external_id, OrderStatus.OPEN))

    order = buyer_asks_to_cancel(world, external_id)
    actions.answer_cancellation(order, approve=False)
    order.refresh_from_db()
    assert order.status != OrderStatus.CANCELLED and not order.cancel_requested
    assert actions.allowed(order).can_arrange_shipment, f"still to ship ({order.channel_status})"
    assert master(account, sku) == (on_hand, reserved + 1)
    assert moves(order, MovementReason.ORDER_RELEASE) == 0


def _bytes(pdf: bytes) -> Any:
    import io

    return io.BytesIO(pdf)
