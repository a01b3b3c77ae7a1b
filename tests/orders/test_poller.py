"""The poller against the sandbox: the 2-day backfill, ≤ 3-day windows from the high-water mark
with an overlap, a frozen upper bound, re-reading older orders, and catching what webhooks
dropped."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from orders_helpers import SHOP_A

from satustok.channels.models import ChannelAccount
from satustok.inventory.models import StockMovement
from satustok.orders import poller, tasks
from satustok.orders.models import Order, OrderStatus, OrderSyncState

pytestmark = pytest.mark.django_db

SKU = "SB-MSK-SDM-050"
DAY = 86_400


def seeded_order_ids(shop_id: int, within_seconds: int) -> set[str]:
    """The demo seed's paid orders of a shop created within the last ``within_seconds``."""
    from satustok_sandbox.tokopedia.demo import demo_seed

    return {
        str(order.order_id)
        for order in demo_seed().orders
        if order.shop_id == shop_id
        and order.status not in (100, 103, 200)
        and (order.created_seconds_ago or 0) < within_seconds
    }


def list_windows(sandbox: Any) -> list[tuple[int, int]]:
    windows = []
    for call in sandbox.calls():
        if call["group"] == "order_list":
            query = parse_qs(call["query"])
            windows.append((int(query["from_date"][0]), int(query["to_date"][0])))
    return sorted(set(windows))


def set_mark(account: ChannelAccount, high_water: datetime, deep: datetime | None = None) -> None:
    OrderSyncState.objects.update_or_create(
        account=account,
        defaults={"high_water": high_water, "deep_polled_at": deep or high_water},
    )


def test_the_first_poll_backfills_two_days_without_counting_stock_twice(
    sandbox: Any, shop_a: ChannelAccount
) -> None:
    now = timezone.now()
    result = poller.poll_account(shop_a.pk, now=now)
    assert not result.error and result.until == now and result.since == now - timedelta(days=2)
    found = set(Order.objects.filter(account=shop_a).values_list("external_id", flat=True))
    assert found == seeded_order_ids(SHOP_A, 2 * DAY - 60)
    assert list_windows(sandbox) == [
        (int((now - timedelta(days=2)).timestamp()), int(now.timestamp()))
    ]
    # Tokopedia's stock, read by the import, already left these orders out.
    assert not StockMovement.objects.filter(reference__startswith="order:").exists()
    linked = [line for o in Order.objects.all() for line in o.lines.all() if line.linked]
    assert linked and all(line.in_baseline for line in linked)
    assert OrderSyncState.objects.get(account=shop_a).high_water == now


def test_later_polls_go_back_from_the_mark_in_windows_of_three_days_at_most(
    sandbox: Any, shop_a: ChannelAccount
) -> None:
    now = timezone.now()
    mark = now - timedelta(days=7)
    set_mark(shop_a, mark, deep=now)
    result = poller.poll_account(shop_a.pk, now=now)
    assert result.since == mark - poller.OVERLAP and timedelta(minutes=1) <= poller.OVERLAP
    windows = list_windows(sandbox)
    assert len(windows) == 3 and all(end - start <= 3 * DAY for start, end in windows)
    assert windows[0][0] == int((mark - poller.OVERLAP).timestamp())
    assert windows[-1][1] == int(now.timestamp())
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    found = set(Order.objects.values_list("external_id", flat=True))
    assert found == seeded_order_ids(SHOP_A, 7 * DAY - 600)


def test_the_upper_bound_is_frozen_and_the_next_poll_overlaps_it(
    sandbox: Any, shop_a: ChannelAccount
) -> None:
    poller.poll_account(shop_a.pk)
    frozen = timezone.now()
    placed = sandbox.place_order(SHOP_A, [{"sku": SKU, "quantity": 1}])
    too_early = frozen - timedelta(seconds=2)  # a run that started before the order
    OrderSyncState.objects.filter(account=shop_a).update(high_water=too_early - timedelta(hours=1))
    poller.poll_account(shop_a.pk, now=too_early, force=True)
    assert not Order.objects.filter(external_id=str(placed["order_id"])).exists()
    assert OrderSyncState.objects.get(account=shop_a).high_water == too_early
    result = poller.poll_account(shop_a.pk, force=True)
    assert result.since == too_early - poller.OVERLAP
    assert Order.objects.get(external_id=str(placed["order_id"])).status == OrderStatus.OPEN


def test_orders_behind_the_window_are_read_again_one_by_one(
    sandbox: Any, shop_a: ChannelAccount, settings: Any
) -> None:
    poller.poll_account(shop_a.pk)
    moving = Order.objects.get(channel_status="220", account=shop_a)
    sandbox.move_order(int(moving.external_id), 400)
    settings.SATUSTOK_ORDER_REPOLL_LIMIT = 2
    waiting = Order.objects.exclude(status__in=["completed", "cancelled", "returned"]).count()
    result = poller.poll_account(shop_a.pk, force=True)
    assert result.listed == 0 and result.reread == 2 < waiting
    for _ in range(waiting):  # the rest follow, those read longest ago first
        poller.poll_account(shop_a.pk, force=True)
    moving.refresh_from_db()
    assert moving.status == OrderStatus.ACCEPTED and moving.events.last().source == "poll"  # type: ignore[union-attr]


def test_a_failed_poll_keeps_the_mark_and_says_why(sandbox: Any, shop_a: ChannelAccount) -> None:
    mark = timezone.now() - timedelta(minutes=10)
    set_mark(shop_a, mark, deep=timezone.now())
    sandbox.place_order(SHOP_A, [{"sku": SKU, "quantity": 1}])
    sandbox.set_faults(malformed_next=1, only_groups=["order_list"])
    result = poller.poll_account(shop_a.pk)
    state = OrderSyncState.objects.get(account=shop_a)
    assert result.error and state.poll_error == result.error
    assert state.high_water == mark and state.lease_until is None
    retried = poller.poll_account(shop_a.pk, force=True)  # the next poll starts from the mark
    assert not retried.skipped and not retried.error and retried.listed == 1
    state.refresh_from_db()
    assert state.high_water > mark and state.poll_error == ""


def test_one_poll_at_a_time_and_only_when_due(shop_a: ChannelAccount) -> None:
    assert not poller.poll_account(shop_a.pk).skipped
    assert poller.poll_account(shop_a.pk).skipped  # not due yet
    OrderSyncState.objects.filter(account=shop_a).update(
        lease_until=timezone.now() + timedelta(minutes=1)
    )
    assert poller.poll_account(shop_a.pk, force=True).skipped  # another worker holds it
    OrderSyncState.objects.filter(account=shop_a).update(
        lease_until=timezone.now() - timedelta(seconds=1)  # a crashed worker's lease ran out
    )
    assert not poller.poll_account(shop_a.pk, force=True).skipped


def test_once_an_hour_the_poll_looks_back_two_days_for_late_payments(
    shop_a: ChannelAccount,
) -> None:
    now = timezone.now()
    set_mark(shop_a, now - timedelta(minutes=1), deep=now - timedelta(hours=2))
    assert poller.poll_account(shop_a.pk, now=now).since == now - poller.BACKFILL
    assert OrderSyncState.objects.get(account=shop_a).deep_polled_at == now


def test_the_schedule_spreads_polls_over_each_minute(shop_a: ChannelAccount, settings: Any) -> None:
    assert poller.poll_offsets(10) == [0, 10, 20, 30, 40, 50]
    assert poller.poll_offsets(60) == [0] and poller.poll_offsets(300) == [0]
    settings.SATUSTOK_ORDER_POLL_SECONDS = 60
    assert tasks.schedule_order_polls.call_local() == [shop_a.pk]
    assert OrderSyncState.objects.get(account=shop_a).poll_finished_at is not None
