"""A burst of webhooks that do not name the goods (Shopee's and TikTok Shop's status pushes for
new orders) is read together: one order-detail call for the lot, not one per order — one by
one, a flash sale's orders left the hub 15–25 s behind the sale (docs/flash-sale.md)."""

from __future__ import annotations

import json
import time

import pytest

from channel_worlds import World, worlds_where
from satustok.channels.models import ChannelAccount
from satustok.orders import webhooks
from satustok.orders.models import DeliveryStatus, Order, WebhookDelivery
from satustok.orders.source import order_source

ORDER_READS = {"shopee": "order/get_order_detail", "tiktokshop": "order/202309/orders"}
BURST = 12


def order_reads(world: World) -> int:
    sandbox = getattr(world, "shopee", None) or getattr(world, "tts", None)
    api = sandbox.stats()["apis"].get(ORDER_READS[world.channel]) or {}
    return int(api.get("calls", 0))


def status_push(world: World, account: ChannelAccount, external_id: str) -> str:
    """The channel's push for an order placed UNPAID, as the marketplace sends it."""
    now = int(time.time())
    if world.channel == "shopee":
        data = {"ordersn": external_id, "status": "UNPAID", "update_time": now}
        return json.dumps(
            {"shop_id": int(account.shop_id), "code": 3, "timestamp": now, "data": data}
        )
    data = {"order_id": external_id, "order_status": "UNPAID", "update_time": now}
    body = {"type": 1, "tts_notification_id": f"n{external_id}", "shop_id": account.shop_id}
    return json.dumps({**body, "timestamp": now, "data": data})


@worlds_where("holds_unpaid")
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_new_orders_named_without_their_goods_is_read_in_one_call(
    world: World,
) -> None:
    account = world.connect()
    listing = account.listings.filter(variant__isnull=False).order_by("id").first()
    assert listing is not None and listing.variant is not None
    placed = [world.place_unpaid_order(listing.variant.sku, 1) for _ in range(BURST)]
    event = order_source(account).webhook_events[0]
    for external_id in placed:
        WebhookDelivery.objects.create(
            account=account,
            channel=world.channel,
            event=event,
            body=status_push(world, account, external_id),
            signature_ok=True,
        )
    reads_before = order_reads(world)
    webhooks.process_waiting()
    assert order_reads(world) - reads_before == 1
    orders = Order.objects.filter(account=account, external_id__in=placed)
    assert orders.count() == BURST
    assert not WebhookDelivery.objects.exclude(status=DeliveryStatus.PROCESSED).exists()
