"""The sync engine's reliability on every channel (``world``: Tokopedia, Shopee, TikTok Shop),
one parametrised suite: webhooks sent twice, lost and out of order; a channel throttling its
stock updates; access tokens the channel stops accepting; and two workers finding the same
refused token at once. The marketplace side is each channel's sandbox over real HTTP; the hub's
side is its real receiver (a live server), queue (inline), ingestion and pusher.

(Coalescing, permanent refusals, retries with backoff, a worker killed mid-push, bursts and
floods: ``tests/hub/test_pusher.py``, on the same worlds.)"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from orders_helpers import master, wait_until

from channel_worlds import World, import_now
from satustok.channels.models import ChannelAccount, Health
from satustok.channels.registry import connector
from satustok.inventory import stock
from satustok.inventory.models import MovementReason, StockMovement
from satustok.orders import poller
from satustok.orders.models import DeliveryStatus, Order, OrderStatus, WebhookDelivery
from satustok.orders.registration import register_webhooks
from satustok.sync import pusher

pytestmark = pytest.mark.django_db(transaction=True)

WEBHOOK_SECONDS = 15


def a_shared_sku(account: ChannelAccount) -> str:
    listing = account.listings.filter(variant__isnull=False, stock__gte=3).order_by("sku").first()
    assert listing is not None
    return listing.sku


def listening(world: World, live_server: Any, settings: Any) -> ChannelAccount:
    """The world's shop connected, imported, its webhooks pointed at a live hub."""
    settings.PUBLIC_URL = live_server.url
    account = world.connect()
    register_webhooks(account)
    return account


def processed(account: ChannelAccount, external_id: str) -> int:
    """Webhook deliveries about this order the hub has processed."""
    return WebhookDelivery.objects.filter(
        account=account, order_external_id=external_id, status=DeliveryStatus.PROCESSED
    ).count()


def movements(order: Order, reason: str) -> int:
    return StockMovement.objects.filter(reference=order.reference, reason=reason).count()


def test_a_webhook_sent_twice_reserves_once(world: World, live_server: Any, settings: Any) -> None:
    account = listening(world, live_server, settings)
    sku = a_shared_sku(account)
    on_hand, reserved = master(account, sku)
    world.webhooks(duplicate=True)

    external_id = world.place_order(sku, 2)

    order = wait_until(
        lambda: Order.objects.filter(external_id=external_id, status=OrderStatus.OPEN).first(),
        timeout=WEBHOOK_SECONDS,
    )
    assert order is not None, f"order {external_id} never reached the hub"
    # The second copy of (at least) the first webhook processed too, before looking again.
    assert wait_until(lambda: processed(account, external_id) >= 2, timeout=WEBHOOK_SECONDS)
    assert master(account, sku) == (on_hand, reserved + 2)
    assert movements(order, MovementReason.ORDER_RESERVE) == 1
    assert Order.objects.filter(external_id=external_id).count() == 1


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
    assert order.status == OrderStatus.OPEN and movements(order, MovementReason.ORDER_RESERVE) == 1
    assert master(account, sku) == (on_hand, reserved + 2)


def test_webhooks_out_of_order_end_at_the_latest_status(
    world: World, live_server: Any, settings: Any
) -> None:
    """The cancellation's webhook arrives before the new order's: the order ends cancelled, its
    stock released, never reserved again by the late "new order" event."""
    account = listening(world, live_server, settings)
    sku = a_shared_sku(account)
    before = master(account, sku)
    world.webhooks(reorder=True)

    external_id = world.place_order(sku, 1)
    world.cancel_order(external_id)

    order = wait_until(
        lambda: Order.objects.filter(external_id=external_id, status=OrderStatus.CANCELLED).first(),
        timeout=WEBHOOK_SECONDS,
    )
    assert order is not None, "the cancellation never reached the hub"
    # Both events processed (the older one after the newer), before looking again.
    assert wait_until(lambda: processed(account, external_id) >= 2, timeout=WEBHOOK_SECONDS)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert master(account, sku) == before


def test_a_throttled_channel_still_converges(world: World) -> None:
    account = world.connect()
    world.rate_limit_stock_updates(2)
    calls_before = world.stock_update_calls()

    pusher.set_push_stock(account, True)  # its first round meets the 429s
    pusher.push_account(account.pk)  # and whatever that round left due goes now

    linked = account.listings.filter(variant__isnull=False)
    desired = pusher.desired_quantities(account, linked)
    for listing in linked:
        assert world.shown_stock(listing) == desired[listing.pk], listing.sku
    changed = sum(1 for listing in linked if listing.stock != desired[listing.pk])
    assert world.stock_update_calls() - calls_before >= 2 + min(1, changed)  # the 429s counted
    assert ChannelAccount.objects.get(pk=account.pk).health == Health.CONNECTED


def test_an_expired_token_is_renewed_and_the_push_goes_through(world: World) -> None:
    account = world.connect()
    pusher.set_push_stock(account, True)
    pusher.push_account(account.pk)
    listing = account.listings.filter(variant__isnull=False, stock__gte=3).order_by("sku").first()
    assert listing is not None and listing.variant_id is not None
    world.expire_tokens()

    stock.move(
        account.warehouse_id, listing.variant_id, on_hand=-1, reason=MovementReason.ADJUSTMENT
    )
    pusher.push_account(account.pk)

    listing.refresh_from_db()
    wanted = pusher.desired_quantities(account, [listing])[listing.pk]
    assert world.shown_stock(listing) == wanted and listing.needs_push is False
    assert ChannelAccount.objects.get(pk=account.pk).health == Health.CONNECTED


def test_two_workers_meeting_a_refused_token_renew_it_once(world: World) -> None:
    """Both read the shop after the channel stopped accepting the stored token: each is
    refused, one renews, the other uses what the first stored — no refresh token is spent
    twice, and both reads succeed."""
    account = import_now(world.connect())
    world.expire_tokens()
    results: list[int] = []
    failures: list[BaseException] = []

    def read_first_page() -> None:
        try:
            mine = ChannelAccount.objects.get(pk=account.pk)
            source = connector(mine.channel).catalog_source(mine)
            try:
                results.append(len(source.page(1).units))
            finally:
                source.close()
        except BaseException as failed:  # reported below, in the test's thread
            failures.append(failed)

    workers = [threading.Thread(target=read_first_page) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert not failures, failures
    assert len(results) == 2 and all(count > 0 for count in results)
    assert world.refresh_reuses() == 0
    assert ChannelAccount.objects.get(pk=account.pk).health == Health.CONNECTED
