"""A nearly sold-out SKU is pushed first and at once (``sync/pusher.py``, "urgent"): ahead of a
backlog of ordinary pushes, and without waiting for the coalescing windows of a pusher that is
already running. On every channel (``tests/channel_worlds.py``)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import transaction

from channel_worlds import World, pushing_shops
from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount, Listing
from satustok.inventory import stock
from satustok.sync import pusher
from satustok.sync.models import PushRecord


def last_record_id() -> int:
    return PushRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0


def hottest(shop_b: ChannelAccount, variants: list[Variant]) -> tuple[Variant, Listing]:
    """The SKU whose listing on B is claimed last by id (so only urgency can put it first)."""
    listings = {lst.variant_id: lst for lst in Listing.objects.filter(account=shop_b)}
    variant = max(variants, key=lambda v: listings[v.pk].pk)
    return variant, listings[variant.pk]


def sell_out(warehouse_id: int, variant: Variant, reference: str) -> None:
    left = stock.available(warehouse_id, variant.pk)
    stock.reserve(warehouse_id, variant.pk, left, reference=reference)


@pytest.mark.django_db(transaction=True)
def test_a_sku_reaching_zero_is_pushed_ahead_of_a_backlog_of_ordinary_pushes(
    fast_sandbox: Any, world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop_a, shop_b, variants = pushing_shops(fast_sandbox, world, 25)
    settings.SATUSTOK_PUSH_URGENT_AT = 3
    hot, hot_listing = hottest(shop_b, variants)
    plenty = [v for v in variants if stock.available(shop_a.warehouse_id, v.pk) > 4]
    backlog = [v for v in plenty if v.pk != hot.pk]  # still above 3 after a sale: ordinary
    assert len(backlog) >= 15
    monkeypatch.setattr(pusher, "CLAIM_LIMIT", 10)  # a backlog of three rounds and more
    before = last_record_id()
    with transaction.atomic():  # the pushes run when this commits (the queue is inline here)
        for n, variant in enumerate(backlog):
            stock.reserve(shop_a.warehouse_id, variant.pk, 1, reference=f"ordinary-{n}")
        sell_out(shop_a.warehouse_id, hot, "the-last-units")
    records = list(PushRecord.objects.filter(id__gt=before).order_by("id"))
    assert len({r.batch for r in records}) >= 3, "the backlog took several rounds"
    first = records[0]
    assert (first.listing_id, first.quantity) == (hot_listing.pk, 0)
    assert world.shown_stock(hot_listing) == 0
    backlog_listings = {r.listing_id for r in records[1:]}
    assert len(backlog_listings) == len(backlog)
    hot_listing.refresh_from_db()
    assert not hot_listing.push_urgent and not hot_listing.needs_push


@pytest.mark.django_db(transaction=True)
def test_a_sku_reaching_zero_wakes_a_pusher_waiting_out_its_coalescing_window(
    fast_sandbox: Any, world: World, settings: Any
) -> None:
    """The pusher already runs and will not look again for 60 s; the sell-out wakes it."""
    shop_a, shop_b, variants = pushing_shops(fast_sandbox, world, 3)
    hot, hot_listing = hottest(shop_b, variants)
    warm = next(v for v in variants if v.pk != hot.pk)
    settings.SATUSTOK_PUSH_COALESCE_MS = 60_000
    warm_listing = Listing.objects.get(account=shop_b, variant=warm)
    # Due without a nudge: the pusher under test claims it in its first round, then waits.
    Listing.objects.filter(pk=warm_listing.pk).update(needs_push=True)
    running = threading.Thread(target=_push_quietly, args=(shop_b.pk,))
    running.start()
    try:
        _wait_for(lambda: not Listing.objects.filter(pk=warm_listing.pk, needs_push=True).exists())
        assert pusher.wakeups.running(shop_b.pk)
        sell_out(shop_a.warehouse_id, hot, "the-last-units")  # its nudge finds the pusher busy
        _wait_for(lambda: world.shown_stock(hot_listing) == 0)
    finally:
        _let_go(shop_b.pk, running)


def _push_quietly(account_id: int) -> None:
    from django.db import connections

    try:
        pusher.push_account(account_id)
    finally:
        connections.close_all()


def _wait_for(check: Any, timeout: float = 20.0) -> None:
    """Far less than the pusher's 60 s window: only a wake-up meets it."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within 20 s: the pusher was not woken"
        time.sleep(0.05)


def _let_go(account_id: int, running: threading.Thread) -> None:
    """Each wake-up makes the pusher look once; after its trailing looks it lets go."""
    deadline = time.monotonic() + 60
    while running.is_alive() and time.monotonic() < deadline:
        pusher.wakeups.wake(account_id)
        running.join(0.05)
