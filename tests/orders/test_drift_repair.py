"""What the shops show, kept true when a marketplace changes stock by itself, on every channel
(``world``: Tokopedia, Shopee, TikTok Shop; the other shop is always the Tokopedia master shop).

- An unpaid order the channel already holds stock for (Shopee, TikTok Shop) is reserved in the
  hub at once, so the other shop falls with it; its cancellation (the payment timing out)
  releases it once.
- A cancellation after shipping that the marketplace restocks by itself, and a seller's edit in
  the seller centre, are repaired: the shop gets the master value again, by the channel's stock
  webhook where it sends one, else (and with every webhook lost) by the periodic read-back.
- The sync log says which push repaired drift, why, and what the shop showed.

Real HTTP to the sandboxes, a live hub receiving their webhooks, tasks run inline. The grace
before a drift is pushed is 0 here and the read-back interval 1 s (settings), so every wait is
a poll with a generous bound."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from orders_helpers import ledger, listing, master, wait_until

from channel_worlds import MASTER_SHOP, TokopediaWorld, World, worlds_where
from satustok.channels.models import ChannelAccount, Listing
from satustok.channels.protocol import StockCause, StockReport
from satustok.inventory import stock
from satustok.inventory.models import MovementReason
from satustok.orders.models import Order, OrderStatus, StockEffect
from satustok.orders.registration import register_webhooks
from satustok.sync import drift, pusher, tasks
from satustok.sync.models import PushRecord

pytestmark = pytest.mark.django_db(transaction=True)

SECONDS = 20  # generous: each wait ends as soon as its condition holds


@pytest.fixture(autouse=True)
def _drift_at_once(settings: Any) -> None:
    settings.SATUSTOK_DRIFT_GRACE_SECONDS = 0
    settings.SATUSTOK_DRIFT_CHECK_SECONDS = 1


@dataclass
class Shops:
    world: World
    tokopedia: TokopediaWorld
    here: ChannelAccount  # the world's shop
    other: ChannelAccount  # the Tokopedia master shop
    sku: str

    def listings(self) -> tuple[Listing, Listing]:
        mine = listing(self.here, self.sku)
        return mine, self.other.listings.get(variant=mine.variant)

    def available(self) -> int:
        on_hand, reserved = master(self.here, self.sku)
        return on_hand - reserved

    def shown(self) -> tuple[int, int]:
        here, other = self.listings()
        return self.world.shown_stock(here), self.tokopedia.shown_stock(other)

    def everywhere_master(self) -> bool:
        wanted = max(self.available(), 0)
        return self.shown() == (wanted, wanted)


def two_shops(world: World, fast_sandbox: Any, live_server: Any, settings: Any) -> Shops:
    """The Tokopedia master shop imported first (its stock is the master's), then the world's
    shop; webhooks at a live hub, both pushing, a SKU both sell with a few units."""
    settings.PUBLIC_URL = live_server.url
    tokopedia = TokopediaWorld(fast_sandbox)
    other = tokopedia.connect(MASTER_SHOP)
    here = world.connect()
    register_webhooks(here)
    for account in (other, here):
        pusher.set_push_stock(account, True)
        pusher.push_account(account.pk)
    shops = Shops(world, tokopedia, here, other, a_sku_both_sell(here, other))
    assert shops.everywhere_master(), shops.shown()
    return shops


def a_sku_both_sell(here: ChannelAccount, other: ChannelAccount) -> str:
    """A SKU of a variant each shop lists once, with at least 4 available."""
    theirs = other.listings.filter(variant__isnull=False).values_list("variant", flat=True)
    once = {v for v in theirs if list(theirs).count(v) == 1}
    for found in here.listings.filter(variant__in=once).order_by("sku"):
        on_hand, reserved = master(here, found.sku)
        if on_hand - reserved >= 4 and here.listings.filter(variant=found.variant).count() == 1:
            return found.sku
    raise AssertionError("the demo shops share no SKU with stock")


def order_of(external_id: str, status: str) -> Order | None:
    return Order.objects.filter(external_id=external_id, status=status).first()


def reading_back(check: Any) -> Any:
    """``check``, with a read-back round first (what the minute task does)."""

    def look() -> Any:
        tasks.check_drift()
        return check()

    return look


def drift_pushes(listing_: Listing, cause: str | None = None) -> list[PushRecord]:
    found = PushRecord.objects.filter(listing=listing_).exclude(drift_cause="")
    return list(found.filter(drift_cause=cause) if cause else found)


@worlds_where("holds_unpaid")  # Tokopedia takes stock at payment: an unpaid order holds none
def test_an_unpaid_order_the_channel_holds_is_reserved_at_once_and_released_once(
    world: World, fast_sandbox: Any, live_server: Any, settings: Any
) -> None:
    shops = two_shops(world, fast_sandbox, live_server, settings)
    on_hand, reserved = master(shops.here, shops.sku)
    available = on_hand - reserved

    external_id = world.place_unpaid_order(shops.sku, 2)

    order = wait_until(lambda: order_of(external_id, OrderStatus.PENDING_PAYMENT), SECONDS)
    assert order is not None, "the unpaid order never reached the hub"
    assert order.stock_effect == StockEffect.RESERVED
    assert master(shops.here, shops.sku) == (on_hand, reserved + 2)
    # The other shop falls with the channel's own shown stock, without waiting for payment.
    assert wait_until(lambda: shops.shown() == (available - 2, available - 2), SECONDS), (
        shops.shown()
    )

    world.cancel_order(external_id)  # the buyer never pays: the order is cancelled

    cancelled = wait_until(lambda: order_of(external_id, OrderStatus.CANCELLED), SECONDS)
    assert cancelled is not None, "the cancellation never reached the hub"
    assert master(shops.here, shops.sku) == (on_hand, reserved)
    assert ledger(cancelled) == [
        (MovementReason.ORDER_RESERVE, 0, 2),
        (MovementReason.ORDER_RELEASE, 0, -2),
    ]  # each unit reserved once, released once
    assert wait_until(lambda: shops.shown() == (available, available), SECONDS), shops.shown()


@worlds_where("restocks_after_shipping")  # TikTok Shop cancels no order once it has shipped
def test_a_cancellation_after_shipping_restocked_by_the_marketplace_is_repaired(
    world: World, fast_sandbox: Any, live_server: Any, settings: Any
) -> None:
    shops = two_shops(world, fast_sandbox, live_server, settings)
    on_hand, reserved = master(shops.here, shops.sku)
    external_id = world.place_order(shops.sku, 1)
    assert wait_until(lambda: order_of(external_id, OrderStatus.OPEN), SECONDS)
    world.ship_order(external_id)
    assert wait_until(lambda: order_of(external_id, OrderStatus.SHIPPED), SECONDS)
    assert wait_until(shops.everywhere_master, SECONDS), shops.shown()

    world.cancel_after_shipping(external_id)  # the marketplace puts the unit back on sale

    assert wait_until(lambda: order_of(external_id, OrderStatus.CANCELLED), SECONDS)
    # The hub waits for the seller to restock the parcel: master stock stays one lower ...
    assert master(shops.here, shops.sku) == (on_hand - 1, reserved)
    # ... and the shop that restocked by itself is set back to it.
    repaired = (
        shops.everywhere_master if world.restock_webhook else reading_back(shops.everywhere_master)
    )
    assert wait_until(repaired, SECONDS), shops.shown()
    here, _ = shops.listings()
    cause = StockCause.MARKETPLACE_RESTOCK if world.restock_webhook else StockCause.READ_BACK
    record = drift_pushes(here, cause)
    assert record, "no push recorded the repaired drift"
    assert record[0].shown_before == on_hand - reserved and record[0].quantity == on_hand - 1


@worlds_where("seller_edit_webhook")  # Shopee sends no webhook for a seller's stock edit
def test_a_seller_edit_is_repaired_by_the_channel_webhook(
    world: World, fast_sandbox: Any, live_server: Any, settings: Any, admin_client: Any
) -> None:
    shops = two_shops(world, fast_sandbox, live_server, settings)
    here, _ = shops.listings()
    wanted = shops.available()

    world.edit_stock(here, wanted + 7)

    assert wait_until(shops.everywhere_master, SECONDS), shops.shown()
    assert shops.shown() == (wanted, wanted)
    record = drift_pushes(here, StockCause.SELLER_EDIT)
    assert record and record[0].shown_before == wanted + 7 and record[0].quantity == wanted
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = admin_client.get(reverse("web:sync_log_pushes") + "?drift=1").content.decode()
    assert f"drift repaired: shop showed {wanted + 7}, hub pushed {wanted}" in page
    assert "seller edit" in page


def test_with_every_webhook_lost_the_read_back_repairs_a_seller_edit_within_the_interval(
    world: World, fast_sandbox: Any, live_server: Any, settings: Any
) -> None:
    shops = two_shops(world, fast_sandbox, live_server, settings)
    here, _ = shops.listings()
    wanted = shops.available()
    tasks.check_drift()  # a first pass: the next is due one interval later
    world.webhooks(drop=True)

    world.edit_stock(here, wanted + 5)
    started = time.monotonic()

    assert shops.shown() == (wanted + 5, wanted)  # nothing told the hub
    assert wait_until(reading_back(shops.everywhere_master), SECONDS), shops.shown()
    assert time.monotonic() - started < settings.SATUSTOK_DRIFT_CHECK_SECONDS + 10
    record = drift_pushes(here, StockCause.READ_BACK)
    assert record and record[0].shown_before == wanted + 5 and record[0].quantity == wanted


def test_the_read_back_leaves_a_shop_showing_the_master_value_alone(
    world: World, fast_sandbox: Any, live_server: Any, settings: Any
) -> None:
    shops = two_shops(world, fast_sandbox, live_server, settings)
    calls = world.stock_update_calls()

    tasks.check_drift()

    assert shops.everywhere_master()
    assert world.stock_update_calls() == calls
    assert not PushRecord.objects.exclude(drift_cause="").exists()


def test_an_old_stock_report_never_leaves_the_shop_showing_a_stale_value(
    world: World, fast_sandbox: Any, live_server: Any, settings: Any
) -> None:
    """The review's race: a late echo of an earlier push (one unit fewer) arrives while the
    shop shows the master; a sale then brings the master down to the echoed value. Had the echo
    been believed, the hub would think the shop already shows it and push nothing."""
    settings.SATUSTOK_DRIFT_GRACE_SECONDS = 30  # as in production: the push waits
    shops = two_shops(world, fast_sandbox, live_server, settings)
    here, _ = shops.listings()
    wanted = shops.available()

    drift.note_reports(
        shops.here, [StockReport(here.external_id, wanted - 1, StockCause.SELLER_EDIT)]
    )
    assert here.variant_id is not None
    stock.reserve(shops.here.warehouse_id, here.variant_id, 1, reference="test:sale")
    Listing.objects.filter(pk=here.pk).update(push_retry_at=None)  # the grace has passed
    pusher.push_account(shops.here.pk)

    assert wait_until(shops.everywhere_master, SECONDS), shops.shown()
    assert shops.shown() == (wanted - 1, wanted - 1)
