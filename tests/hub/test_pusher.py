"""The stock pusher against each channel's sandbox: level-triggered, coalescing, recording every
row, clearing only what is still desired, flagging permanent refusals, retrying the rest.

One suite for every channel: shop A is the Tokopedia demo shop (imported first, its stock is the
master's) and shop B, the shop pushed to, is each channel's demo shop in turn (``world``,
``tests/channel_worlds.py``)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.utils import timezone

from channel_worlds import TokopediaWorld, World, import_now, pushing_shops
from satustok.catalog.models import Variant
from satustok.channels import registry
from satustok.channels.models import ChannelAccount, Listing
from satustok.channels.protocol import Credentials
from satustok.inventory import stock
from satustok.sync import pusher, tasks
from satustok.sync.models import PushRecord, PushResult

pytestmark = pytest.mark.django_db

SHOP_A, SHOP_B = 480001, 480002


@pytest.fixture
def shops(fast_sandbox: Any, world: World) -> tuple[ChannelAccount, ChannelAccount]:
    """Shop A (Tokopedia) and the world's shop B, connected and imported (A first)."""
    shop_a = TokopediaWorld(fast_sandbox).connect(SHOP_A)
    return shop_a, world.connect()


def shared_variant(shop_a: ChannelAccount, shop_b: ChannelAccount) -> Variant:
    return (
        Variant.objects.filter(listings__account=shop_a)
        .filter(listings__account=shop_b)
        .order_by("sku_key")
        .first()
    )  # type: ignore[return-value]


def test_switching_push_on_pushes_every_linked_listing_once(world: World, shops: Any) -> None:
    _, shop_b = shops
    pusher.set_push_stock(shop_b, True)
    summary = pusher.push_account(shop_b.pk)
    linked = shop_b.listings.filter(variant__isnull=False)
    desired = pusher.desired_quantities(shop_b, linked)
    for listing in linked:
        assert world.shown_stock(listing) == desired[listing.pk]
    assert summary.unchanged + summary.ok == linked.count()
    assert not linked.filter(needs_push=True).exists()


def test_push_is_off_after_connecting(world: World, shops: Any) -> None:
    _, shop_b = shops
    assert shop_b.push_stock is False
    assert pusher.push_account(shop_b.pk).sent == 0
    assert world.stock_update_calls() == 0


def test_a_burst_of_changes_is_coalesced_into_the_latest_value(world: World, shops: Any) -> None:
    shop_a, shop_b = shops
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    variant = shared_variant(shop_a, shop_b)
    for _ in range(5):
        stock.reserve(shop_b.warehouse_id, variant.pk, 1, reference="test")
    calls_before = world.stock_update_calls()
    summary = pusher.push_account(shop_b.pk)
    listing = variant.listings.get(account=shop_b)
    assert world.shown_stock(listing) == stock.available(shop_b.warehouse_id, variant.pk)
    assert world.stock_update_calls() - calls_before == 1
    records = PushRecord.objects.filter(listing=listing, batch__in=summary.batches)
    assert records.count() == 1 and records.get().result == PushResult.OK


def test_a_change_during_the_push_keeps_the_listing_dirty(
    world: World, shops: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop_a, shop_b = shops
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    variant = shared_variant(shop_a, shop_b)
    connector = registry.connector(shop_b.channel)
    real_push = connector.push_stock
    changed = {"done": False}

    def push_then_sell(account: Any, pushes: Any) -> Any:
        outcomes = real_push(account, pushes)
        if not changed["done"]:
            changed["done"] = True
            stock.reserve(shop_b.warehouse_id, variant.pk, 2, reference="sold meanwhile")
        return outcomes

    stock.reserve(shop_b.warehouse_id, variant.pk, 1, reference="first sale")
    monkeypatch.setattr(connector, "push_stock", push_then_sell)
    pusher.push_account(shop_b.pk)  # loops: the second round pushes the newer value
    listing = variant.listings.get(account=shop_b)
    assert world.shown_stock(listing) == stock.available(shop_b.warehouse_id, variant.pk)
    listing.refresh_from_db()
    assert listing.needs_push is False and listing.last_pushed_qty == world.shown_stock(listing)


def test_a_push_round_costs_the_same_queries_for_one_listing_or_all(
    world: World, shops: Any
) -> None:
    """Claiming, settling and clearing are a few statements per round, never one per listing
    (a deferred field read per claimed row once cost a query each)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, shop_b = shops
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    linked = shop_b.listings.filter(variant__isnull=False).order_by("id")
    assert linked.count() >= 10

    def queries_pushing(listings: Any) -> int:
        Listing.objects.filter(pk__in=[lst.pk for lst in listings]).update(
            needs_push=True,
            last_pushed_qty=-1,  # each differs from what the channel shows
        )
        with CaptureQueriesContext(connection) as captured:
            summary = pusher.push_account(shop_b.pk)
        assert summary.ok == len(listings)
        return len(captured.captured_queries)

    one = queries_pushing(list(linked[:1]))
    everything = list(linked)
    assert queries_pushing(everything) <= one + world.calls_per_round(len(everything))


def test_an_oversold_sku_shows_zero_everywhere(fast_sandbox: Any, world: World, shops: Any) -> None:
    shop_a, shop_b = shops
    variant = shared_variant(shop_a, shop_b)
    for account in shops:
        pusher.set_push_stock(account, True)
    on_hand = stock.available(shop_a.warehouse_id, variant.pk)
    stock.reserve(shop_a.warehouse_id, variant.pk, on_hand + 3, reference="two shops sold the last")
    for account in shops:
        pusher.push_account(account.pk)
    assert stock.available(shop_a.warehouse_id, variant.pk) == -3  # the oversell stays visible
    shown = {shop_a.pk: TokopediaWorld(fast_sandbox).shown_stock, shop_b.pk: world.shown_stock}
    for listing in variant.listings.all():
        assert shown[listing.account_id](listing) == 0


def test_a_permanent_refusal_is_flagged_on_the_listing(world: World, shops: Any) -> None:
    shop_a, shop_b = shops
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    listing = shared_variant(shop_a, shop_b).listings.get(account=shop_b)
    Listing.objects.filter(pk=listing.pk).update(external_id=world.gone_external_id)  # gone
    stock.reserve(shop_b.warehouse_id, listing.variant_id, 1, reference="sale")
    pusher.push_account(shop_b.pk)
    listing.refresh_from_db()
    assert listing.push_blocked and listing.push_error  # the channel's own words
    assert PushRecord.objects.filter(listing=listing).first().result == PushResult.FAILED  # type: ignore[union-attr]
    assert pusher.push_account(shop_b.pk).sent == 0  # not retried until fixed


def test_a_failing_channel_is_retried_with_backoff_then_converges(world: World, shops: Any) -> None:
    shop_a, shop_b = shops
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    variant = shared_variant(shop_a, shop_b)
    stock.reserve(shop_b.warehouse_id, variant.pk, 1, reference="sale")
    world.fail_stock_updates()
    summary = pusher.push_account(shop_b.pk)
    listing = variant.listings.get(account=shop_b)
    listing.refresh_from_db()
    assert summary.retrying == 1 and listing.needs_push and listing.push_retry_at > timezone.now()
    assert PushRecord.objects.filter(listing=listing, result=PushResult.RETRY).exists()
    world.heal()
    Listing.objects.filter(pk=listing.pk).update(push_retry_at=timezone.now())  # backoff elapsed
    assert shop_b.pk in pusher.accounts_due()  # what the sweep nudges
    pusher.push_account(shop_b.pk)
    assert world.shown_stock(listing) == stock.available(shop_b.warehouse_id, variant.pk)


def test_only_listings_of_the_changed_warehouse_are_marked(shops: Any) -> None:
    shop_a, shop_b = shops
    from satustok.inventory.models import Warehouse

    other = Warehouse.objects.create(name="Gudang Lain", code="lain")
    variant = shared_variant(shop_a, shop_b)
    Listing.objects.update(needs_push=False)
    stock.move(other.pk, variant.pk, on_hand=5, reason="adjustment")
    assert not Listing.objects.filter(needs_push=True).exists()
    stock.move(shop_a.warehouse_id, variant.pk, on_hand=5, reason="adjustment")
    assert Listing.objects.filter(needs_push=True).count() == 2


def test_listings_linked_by_an_import_are_due_a_push(fast_sandbox: Any, world: World) -> None:
    TokopediaWorld(fast_sandbox).connect(SHOP_A)
    shop_b = world.connect(imported=False)
    pusher.set_push_stock(shop_b, True)  # on before anything is linked
    import_now(shop_b)
    linked = shop_b.listings.filter(variant__isnull=False)
    assert linked.exists() and not linked.filter(needs_push=False).exists()
    pusher.push_account(shop_b.pk)
    desired = pusher.desired_quantities(shop_b, linked)
    assert all(world.shown_stock(lst) == desired[lst.pk] for lst in linked)


def test_a_listing_linked_by_hand_is_due_a_push(shops: Any) -> None:
    from satustok.channels.linking import link_by_hand

    shop_a, shop_b = shops
    unlinked = shop_b.listings.filter(variant__isnull=True).first()
    link_by_hand(unlinked, shared_variant(shop_a, shop_b).sku)
    unlinked.refresh_from_db()
    assert unlinked.needs_push and unlinked.link_method == "manual"


def test_a_worker_killed_mid_push_holds_nothing_for_long(world: World, shops: Any) -> None:
    """The stock change committed, the worker died before pushing (its lease left behind): once
    the lease runs out, the sweep nudges the integration and it converges."""
    from datetime import timedelta

    shop_a, shop_b = shops
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    variant = shared_variant(shop_a, shop_b)
    stock.reserve(shop_b.warehouse_id, variant.pk, 1, reference="sale before the crash")
    dead_lease = timezone.now() + timedelta(seconds=30)
    ChannelAccount.objects.filter(pk=shop_b.pk).update(push_lease_until=dead_lease)
    with pytest.raises(pusher.PushBusy):
        pusher.push_account(shop_b.pk)  # a live-looking lease: someone else is pushing
    ChannelAccount.objects.filter(pk=shop_b.pk).update(push_lease_until=timezone.now())
    assert shop_b.pk in tasks.sweep.call_local()  # the sweep's nudge runs the push (inline)
    listing = variant.listings.get(account=shop_b)
    assert world.shown_stock(listing) == stock.available(shop_b.warehouse_id, variant.pk)
    assert ChannelAccount.objects.get(pk=shop_b.pk).push_lease_until is None


def test_nudges_finding_the_lease_taken_come_back_once_per_second(
    shops: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every nudge that finds another worker pushing would be lost if none came back; one
    comeback a second is enough (it runs after all of them), so a burst's many nudges do not
    keep the queue busy long after the push converged."""
    from datetime import timedelta

    _, shop_b = shops
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    busy_until = timezone.now() + timedelta(seconds=30)
    ChannelAccount.objects.filter(pk=shop_b.pk).update(push_lease_until=busy_until)
    comebacks: list[tuple[Any, int]] = []
    monkeypatch.setattr(
        tasks.push_stock, "schedule", lambda args, delay: comebacks.append((args, delay))
    )
    tasks._comebacks.forget()
    for _ in range(5):
        tasks.push_stock.call_local(shop_b.pk)
    assert comebacks == [((shop_b.pk,), tasks.PUSH_LOCK_RETRY_SECONDS)]

    tasks._comebacks.forget()  # a second later (the window passed): the next busy nudge
    tasks.push_stock.call_local(shop_b.pk)  # schedules a comeback of its own
    assert len(comebacks) == 2


def sell_while_pushing(
    shop_a: ChannelAccount,
    shop_b: ChannelAccount,
    variants: list[Variant],
    sales: int,
    pause: float,
) -> tuple[int, float, int]:
    """``sales`` one-unit sales on shop A over ``variants`` in turn, ``pause`` seconds apart,
    while a stream of push nudges for B runs; returns the push rounds it took (a batch of
    records is one round), the seconds the selling lasted, and the stalls: gaps between two
    sales longer than the pusher's flood pause (a loaded machine stopped selling for a moment,
    and the pusher rightly took the pause)."""
    import contextlib
    import itertools
    import threading
    import time

    last_before = PushRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    selling = threading.Event()
    selling.set()

    def nudged_pusher() -> None:  # what a stream of push nudges amounts to
        while selling.is_set():
            with contextlib.suppress(pusher.PushBusy):
                pusher.push_account(shop_b.pk)

    pushing = threading.Thread(target=nudged_pusher)
    started = time.monotonic()
    pushing.start()
    sold_at = []
    for n in range(sales):
        stock.reserve(shop_a.warehouse_id, variants[n % len(variants)].pk, 1, reference=f"s{n}")
        sold_at.append(time.monotonic())
        time.sleep(pause)
    selling.clear()
    pushing.join()
    during = PushRecord.objects.filter(id__gt=last_before).order_by()
    stalls = sum(1 for a, b in itertools.pairwise(sold_at) if b - a > pusher.FLOOD_PAUSE)
    return during.values("batch").distinct().count(), time.monotonic() - started, stalls


def assert_b_shows_the_master(
    world: World, shop_b: ChannelAccount, variants: list[Variant]
) -> None:
    pusher.push_account(shop_b.pk)  # anything after the pusher let go
    for variant in variants:
        listing = variant.listings.get(account=shop_b)
        shown = max(stock.available(shop_b.warehouse_id, variant.pk), 0)  # oversold shows 0
        assert world.shown_stock(listing) == shown


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_sales_becomes_a_few_calls(
    fast_sandbox: Any, world: World, settings: Any
) -> None:
    shop_a, shop_b, variants = pushing_shops(fast_sandbox, world, 10)
    settings.SATUSTOK_PUSH_COALESCE_MS = 100
    settings.SATUSTOK_PUSH_URGENT_AT = 0  # ordinary SKUs: a nearly sold-out one skips windows
    calls_before = world.stock_update_calls()
    rounds, elapsed, _stalls = sell_while_pushing(shop_a, shop_b, variants, 30, 0.01)  # 10 SKUs
    # Not one push per sale: a few rounds, each sending every SKU changed since the last in as
    # few calls as the channel allows (Tokopedia: 100 rows a call, so one call a round; Shopee:
    # one item a call). Rounds start at least 100 ms apart (plus the first at once and the
    # trailing looks), however slow the machine: a loaded one stretches the burst, not the
    # number of rounds per second.
    assert 1 <= rounds <= min(29, int(elapsed / 0.1) + 3), (rounds, elapsed)
    assert world.stock_update_calls() - calls_before <= rounds * world.calls_per_round(10)
    assert_b_shows_the_master(world, shop_b, variants)


@pytest.mark.django_db(transaction=True)
def test_a_flood_of_sales_waits_for_a_pause_between_rounds(
    fast_sandbox: Any, world: World, settings: Any
) -> None:
    """While listings change faster than ``FLOOD_ROWS_PER_SECOND``, each round waits until the
    changes pause (or ``SATUSTOK_PUSH_FLOOD_WAIT_MS``): a flash sale is a call or so per wait,
    not per coalescing window, and still ends at the latest values."""
    shop_a, shop_b, variants = pushing_shops(fast_sandbox, world, 25)
    settings.SATUSTOK_PUSH_COALESCE_MS = 50
    settings.SATUSTOK_PUSH_FLOOD_WAIT_MS = 600
    settings.SATUSTOK_PUSH_URGENT_AT = 0  # ordinary SKUs: a nearly sold-out one skips windows
    rounds, elapsed, stalls = sell_while_pushing(shop_a, shop_b, variants, 300, 0.005)
    # Every 50 ms this would be elapsed / 0.05 rounds (over 30); waiting for a pause that never
    # comes while selling: about one round per 0.6 s, plus the first few and the last, plus one
    # for each moment a loaded machine stopped selling (a real pause, which a round may take).
    assert 1 <= rounds <= int(elapsed / 0.6) + 4 + stalls, (rounds, elapsed, stalls)
    assert_b_shows_the_master(world, shop_b, variants)


@pytest.mark.parametrize(
    ("round_sizes", "waits"),
    [([30, 3, 3, 1], 0), ([1, 30, 3, 1, 1], 2), ([1, 30, 30, 30], 3)],
)
def test_only_listings_changing_at_flood_rate_make_the_next_round_wait_for_a_pause(
    settings: Any, monkeypatch: pytest.MonkeyPatch, round_sizes: list[int], waits: int
) -> None:
    """Rounds 200 ms apart. A first round, however large, has no rate. 30 listings a round
    (150 a second) starts a flood: the next round waits for a pause; 3 a round (15 a second)
    would not start one but keeps one going; 1 a round (5 a second) ends it. A flood also ends
    when a look finds nothing, so an ordinary sale's latency never grows."""
    settings.SATUSTOK_PUSH_COALESCE_MS = 200
    claims = iter([[Listing()] * size for size in round_sizes])
    monkeypatch.setattr(pusher, "_claim", lambda account: next(claims, []))
    waited: list[float] = []
    monkeypatch.setattr(pusher, "_wait_for_pause", lambda *a, until, signal: waited.append(until))
    rounds = list(pusher._rounds(ChannelAccount(), threading.Event()))
    assert [len(r) for r in rounds] == round_sizes
    assert len(waited) == waits


def test_an_ended_authorization_pauses_pushes_and_reconnect_sends_what_is_due(
    fast_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shopee: the seller's approval ended (revoked, and the access token ran out). The pusher
    stops without counting failures, the sweep leaves the shop alone, the listing stays due;
    after Reconnect it goes out."""
    from django.conf import settings

    from channel_worlds import ShopeeWorld
    from satustok.channels.connect import finish_authorization
    from satustok.channels.models import Health

    shopee = fast_sandbox.shopee
    shopee.reset()
    monkeypatch.setattr(settings, "SHOPEE_API_URL", shopee.base_url)
    world = ShopeeWorld(shopee)
    shop_a = TokopediaWorld(fast_sandbox).connect(SHOP_A)
    shop_b = world.connect()
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    variant = shared_variant(shop_a, shop_b)
    listing = variant.listings.get(account=shop_b)

    shopee.revoke(world.shop_id)
    shopee.expire_access_tokens()
    stock.reserve(shop_a.warehouse_id, variant.pk, 1, reference="sale while revoked")
    summary = pusher.push_account(shop_b.pk)

    shop_b.refresh_from_db()
    listing.refresh_from_db()
    assert shop_b.health == Health.NEEDS_RECONNECT and summary.failed == 0
    assert listing.needs_push and listing.push_failures == 0 and not listing.push_blocked
    assert shop_b.pk not in pusher.accounts_due()  # the sweep leaves it alone
    assert pusher.push_account(shop_b.pk).sent == 0  # paused, not retried

    code = shopee.authorize(shop_id=world.shop_id)["code"]
    partner = shopee.partner()
    credentials = Credentials(
        str(partner["partner_id"]), str(partner["partner_id"]), partner["partner_key"]
    )
    finish_authorization("shopee", credentials, code, str(world.shop_id), reconnecting=shop_b)
    pusher.push_account(shop_b.pk)
    assert world.shown_stock(listing) == stock.available(shop_b.warehouse_id, variant.pk)


@pytest.mark.django_db(transaction=True)
def test_nudges_within_the_coalescing_window_queue_one_push_that_sees_them_all(
    fast_sandbox: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five sales in a burst queue one push task, not five; the pusher it runs looks again
    one window after finding nothing, so a change committed meanwhile is not left behind."""
    import threading
    import time

    world = TokopediaWorld(fast_sandbox)
    shop_a = world.connect(SHOP_A)
    shop_b = world.connect(SHOP_B)
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    variant = shared_variant(shop_a, shop_b)
    settings.SATUSTOK_PUSH_COALESCE_MS = 300
    queued: list[int] = []
    monkeypatch.setattr(tasks, "push_stock", queued.append)
    tasks._nudges.forget()
    for n in range(5):
        stock.reserve(shop_a.warehouse_id, variant.pk, 1, reference=f"burst {n}")
    assert queued.count(shop_b.pk) == 1

    # The queued pusher runs before the next sale commits: it finds what is due, and its
    # look one window later finds the sale whose nudge was skipped.
    pusher.push_account(shop_b.pk)
    later = threading.Thread(
        target=lambda: (
            time.sleep(0.1),
            stock.reserve(shop_a.warehouse_id, variant.pk, 1, reference="meanwhile"),
        )
    )
    later.start()
    pusher.push_account(shop_b.pk)  # nothing due at its first look
    later.join()
    listing = variant.listings.get(account=shop_b)
    assert world.shown_stock(listing) == stock.available(shop_b.warehouse_id, variant.pk)
