"""Order ingestion on every channel (``world``, ``tests/channel_worlds.py``): a buyer's order
reaches a live hub by the channel's signed webhook and reserves its stock exactly once, even
when every webhook arrives twice; when the webhooks are lost, the poll finds the order."""

from __future__ import annotations

from typing import Any

import pytest
from orders_helpers import master, wait_until

from channel_worlds import World
from satustok.channels.models import ChannelAccount
from satustok.inventory.models import MovementReason, StockMovement
from satustok.orders import poller
from satustok.orders.models import Order, OrderStatus
from satustok.orders.registration import register_webhooks

pytestmark = pytest.mark.django_db(transaction=True)


def a_shared_sku(account: ChannelAccount) -> str:
    """A linked listing with stock to sell."""
    listing = account.listings.filter(variant__isnull=False, stock__gte=3).order_by("sku").first()
    assert listing is not None
    return listing.sku


def reserves(order: Order) -> int:
    return StockMovement.objects.filter(
        reference=order.reference, reason=MovementReason.ORDER_RESERVE
    ).count()


def test_an_order_reaches_the_hub_by_webhook_and_reserves_once_though_sent_twice(
    world: World, live_server: Any, settings: Any
) -> None:
    settings.PUBLIC_URL = live_server.url
    account = world.connect()
    register_webhooks(account)
    sku = a_shared_sku(account)
    on_hand, reserved = master(account, sku)
    world.webhooks(duplicate=True)

    external_id = world.place_order(sku, 2)

    order = wait_until(
        lambda: Order.objects.filter(external_id=external_id, status=OrderStatus.OPEN).first(),
        timeout=15,
    )
    assert order is not None, f"order {external_id} never reached the hub"
    wait_until(lambda: False, timeout=0.5)  # let the second copy of each webhook arrive
    assert master(account, sku) == (on_hand, reserved + 2)
    assert reserves(order) == 1 and Order.objects.filter(external_id=external_id).count() == 1


def test_with_the_webhooks_lost_the_poll_finds_the_order(world: World, settings: Any) -> None:
    settings.PUBLIC_URL = "http://127.0.0.1:9"  # nowhere: nothing is delivered
    account = world.connect()
    register_webhooks(account)
    poller.poll_account(account.pk)
    sku = a_shared_sku(account)
    on_hand, reserved = master(account, sku)
    world.webhooks(drop=True)

    external_id = world.place_order(sku, 2)
    assert not Order.objects.filter(external_id=external_id).exists()
    poller.poll_account(account.pk, force=True)

    order = Order.objects.get(external_id=external_id)
    assert order.status == OrderStatus.OPEN and reserves(order) == 1
    assert master(account, sku) == (on_hand, reserved + 2)
