"""The stock pusher against the Tokopedia sandbox: level-triggered, coalescing, recording every
row, clearing only what is still desired, flagging permanent refusals, retrying the rest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from satustok.catalog.models import Variant
from satustok.channels import registry
from satustok.channels.connect import connect_shop
from satustok.channels.models import ChannelAccount, Listing
from satustok.inventory import stock
from satustok.sync import imports, pusher, tasks
from satustok.sync.models import PushRecord, PushResult

pytestmark = pytest.mark.django_db

SHOP_A, SHOP_B = 480001, 480002


@pytest.fixture
def shops(
    fast_sandbox: Any, demo_credentials: Callable[..., Any]
) -> tuple[ChannelAccount, ChannelAccount]:
    """Both demo shops connected and imported (A first: its stock is the master's)."""
    accounts = []
    for shop_id in (SHOP_A, SHOP_B):
        account = connect_shop("tokopedia", demo_credentials(fast_sandbox), str(shop_id))
        tasks.run_import_now(imports.start_run(account).pk)
        accounts.append(account)
    return accounts[0], accounts[1]


def shared_variant(shop_a: ChannelAccount, shop_b: ChannelAccount) -> Variant:
    return (
        Variant.objects.filter(listings__account=shop_a)
        .filter(listings__account=shop_b)
        .order_by("sku_key")
        .first()
    )  # type: ignore[return-value]


def channel_stock(sandbox: Any, listing: Listing) -> int:
    return int(sandbox.product(int(listing.external_id))["stock"])


def test_switching_push_on_pushes_every_linked_listing_once(fast_sandbox: Any, shops: Any) -> None:
    _, shop_b = shops
    pusher.set_push_stock(shop_b, True)
    summary = pusher.push_account(shop_b.pk)
    linked = shop_b.listings.filter(variant__isnull=False)
    desired = pusher.desired_quantities(shop_b, linked)
    for listing in linked:
        assert channel_stock(fast_sandbox, listing) == desired[listing.pk]
    assert summary.unchanged + summary.ok == linked.count()
    assert not linked.filter(needs_push=True).exists()


def test_push_is_off_after_connecting(fast_sandbox: Any, shops: Any) -> None:
    _, shop_b = shops
    assert shop_b.push_stock is False
    assert pusher.push_account(shop_b.pk).sent == 0
    assert fast_sandbox.stats()["groups"]["stock_update"]["calls"] == 0


def test_a_burst_of_changes_is_coalesced_into_the_latest_value(
    fast_sandbox: Any, shops: Any
) -> None:
    shop_a, shop_b = shops
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    variant = shared_variant(shop_a, shop_b)
    for _ in range(5):
        stock.reserve(shop_b.warehouse_id, variant.pk, 1, reference="test")
    calls_before = fast_sandbox.stats()["groups"]["stock_update"]["calls"]
    summary = pusher.push_account(shop_b.pk)
    listing = variant.listings.get(account=shop_b)
    assert channel_stock(fast_sandbox, listing) == stock.available(shop_b.warehouse_id, variant.pk)
    assert fast_sandbox.stats()["groups"]["stock_update"]["calls"] - calls_before == 1
    records = PushRecord.objects.filter(listing=listing, batch__in=summary.batches)
    assert records.count() == 1 and records.get().result == PushResult.OK


def test_a_change_during_the_push_keeps_the_listing_dirty(
    fast_sandbox: Any, shops: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop_a, shop_b = shops
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    variant = shared_variant(shop_a, shop_b)
    connector = registry.connector("tokopedia")
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
    assert channel_stock(fast_sandbox, listing) == stock.available(shop_b.warehouse_id, variant.pk)
    listing.refresh_from_db()
    assert listing.needs_push is False and listing.last_pushed_qty == channel_stock(
        fast_sandbox, listing
    )


def test_an_oversold_sku_shows_zero_everywhere(fast_sandbox: Any, shops: Any) -> None:
    shop_a, shop_b = shops
    variant = shared_variant(shop_a, shop_b)
    for account in shops:
        pusher.set_push_stock(account, True)
    on_hand = stock.available(shop_a.warehouse_id, variant.pk)
    stock.reserve(shop_a.warehouse_id, variant.pk, on_hand + 3, reference="two shops sold the last")
    for account in shops:
        pusher.push_account(account.pk)
    assert stock.available(shop_a.warehouse_id, variant.pk) == -3  # the oversell stays visible
    for listing in variant.listings.all():
        assert channel_stock(fast_sandbox, listing) == 0


def test_a_permanent_refusal_is_flagged_on_the_listing(fast_sandbox: Any, shops: Any) -> None:
    shop_a, shop_b = shops
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    listing = shared_variant(shop_a, shop_b).listings.get(account=shop_b)
    Listing.objects.filter(pk=listing.pk).update(external_id="999999999")  # gone from the shop
    stock.reserve(shop_b.warehouse_id, listing.variant_id, 1, reference="sale")
    pusher.push_account(shop_b.pk)
    listing.refresh_from_db()
    assert listing.push_blocked and listing.push_error == "Invalid Product ID."
    assert PushRecord.objects.filter(listing=listing).first().result == PushResult.FAILED  # type: ignore[union-attr]
    assert pusher.push_account(shop_b.pk).sent == 0  # not retried until fixed


def test_a_failing_channel_is_retried_with_backoff_then_converges(
    fast_sandbox: Any, shops: Any
) -> None:
    shop_a, shop_b = shops
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    variant = shared_variant(shop_a, shop_b)
    stock.reserve(shop_b.warehouse_id, variant.pk, 1, reference="sale")
    fast_sandbox.set_faults(error_rate=1.0, only_groups=["stock_update"])
    summary = pusher.push_account(shop_b.pk)
    listing = variant.listings.get(account=shop_b)
    listing.refresh_from_db()
    assert summary.retrying == 1 and listing.needs_push and listing.push_retry_at > timezone.now()
    assert PushRecord.objects.filter(listing=listing, result=PushResult.RETRY).exists()
    fast_sandbox.clear_faults()
    Listing.objects.filter(pk=listing.pk).update(push_retry_at=timezone.now())  # backoff elapsed
    assert shop_b.pk in pusher.accounts_due()  # what the sweep nudges
    pusher.push_account(shop_b.pk)
    assert channel_stock(fast_sandbox, listing) == stock.available(shop_b.warehouse_id, variant.pk)


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


def test_listings_linked_by_an_import_are_due_a_push(
    fast_sandbox: Any, demo_credentials: Callable[..., Any]
) -> None:
    shop_a = connect_shop("tokopedia", demo_credentials(fast_sandbox), str(SHOP_A))
    tasks.run_import_now(imports.start_run(shop_a).pk)
    shop_b = connect_shop("tokopedia", demo_credentials(fast_sandbox), str(SHOP_B))
    pusher.set_push_stock(shop_b, True)  # on before anything is linked
    tasks.run_import_now(imports.start_run(shop_b).pk)
    linked = shop_b.listings.filter(variant__isnull=False)
    assert linked.exists() and not linked.filter(needs_push=False).exists()
    pusher.push_account(shop_b.pk)
    desired = pusher.desired_quantities(shop_b, linked)
    assert all(channel_stock(fast_sandbox, lst) == desired[lst.pk] for lst in linked)


def test_a_listing_linked_by_hand_is_due_a_push(shops: Any) -> None:
    from satustok.channels.linking import link_by_hand

    shop_a, shop_b = shops
    unlinked = shop_b.listings.filter(variant__isnull=True).first()
    link_by_hand(unlinked, shared_variant(shop_a, shop_b).sku)
    unlinked.refresh_from_db()
    assert unlinked.needs_push and unlinked.link_method == "manual"


def test_a_worker_killed_mid_push_holds_nothing_for_long(fast_sandbox: Any, shops: Any) -> None:
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
    assert channel_stock(fast_sandbox, listing) == stock.available(shop_b.warehouse_id, variant.pk)
    assert ChannelAccount.objects.get(pk=shop_b.pk).push_lease_until is None


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_sales_becomes_a_few_calls(
    fast_sandbox: Any, demo_credentials: Callable[..., Any], settings: Any
) -> None:
    import contextlib
    import threading
    import time

    shop_a = connect_shop("tokopedia", demo_credentials(fast_sandbox), str(SHOP_A))
    tasks.run_import_now(imports.start_run(shop_a).pk)
    shop_b = connect_shop("tokopedia", demo_credentials(fast_sandbox), str(SHOP_B))
    tasks.run_import_now(imports.start_run(shop_b).pk)
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    variants = list(
        Variant.objects.filter(listings__account=shop_b).filter(listings__account=shop_a)[:10]
    )
    settings.SATUSTOK_PUSH_COALESCE_MS = 100
    calls_before = fast_sandbox.stats()["groups"]["stock_update"]["calls"]
    selling = threading.Event()
    selling.set()

    def nudged_pusher() -> None:  # what a stream of push nudges amounts to
        while selling.is_set():
            with contextlib.suppress(pusher.PushBusy):
                pusher.push_account(shop_b.pk)

    pushing = threading.Thread(target=nudged_pusher)
    pushing.start()
    for n in range(30):  # a burst: 30 sales over 10 SKUs, 10 ms apart
        stock.reserve(shop_a.warehouse_id, variants[n % 10].pk, 1, reference=f"burst {n}")
        time.sleep(0.01)
    selling.clear()
    pushing.join()
    calls = fast_sandbox.stats()["groups"]["stock_update"]["calls"] - calls_before
    assert 1 <= calls <= 10  # not one call per sale
    pusher.push_account(shop_b.pk)  # anything after the pusher let go
    for variant in variants:
        listing = variant.listings.get(account=shop_b)
        assert channel_stock(fast_sandbox, listing) == stock.available(
            shop_b.warehouse_id, variant.pk
        )
