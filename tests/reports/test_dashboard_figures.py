"""The Dashboard's figures (``reports/dashboard.py``) against numbers worked out in the test from
the orders, stock levels, listings, push records and webhook deliveries themselves."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from roles_support import an_integration
from sales_support import JAKARTA, SOLD, LinePlan, place, variants, wib_day
from satustok.catalog.models import BundleComponent, MasterProduct, Variant
from satustok.channels.connect import default_warehouse
from satustok.channels.models import Health, LinkMethod, Listing
from satustok.inventory.models import StockLevel, Warehouse
from satustok.orders.models import Order, OrderLine, WebhookDelivery
from satustok.reports import dashboard, sales
from satustok.sync.models import PushRecord

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 8)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A WIB moment of ``day``."""
    return datetime.combine(day, time(hour, minute), tzinfo=JAKARTA)


@pytest.fixture
def shops() -> list[Any]:
    return [
        an_integration(channel="tokopedia", shop_id="1", shop_name="Batik Sari"),
        an_integration(channel="tokopedia", shop_id="2", shop_name="Sari Official"),
        an_integration(channel="shopee", shop_id="3", shop_name="Sari Shopee"),
    ]


# --- sales --------------------------------------------------------------------------------


def test_the_periods_sales_per_channel_and_shop_equal_the_orders(shops: list[Any]) -> None:
    skus = variants(3)
    plans = [  # (shop, days before today, hour, status, [(qty, price, sku)])
        (0, 0, 9, "open", [(2, 50_000, 0)]),
        (1, 0, 23, "completed", [(1, 120_000, 1), (3, 10_000, None)]),
        (2, 0, 0, "shipped", [(1, 75_000, 2)]),
        (2, 1, 12, "cancelled", [(5, 75_000, 2)]),
        (0, 3, 8, "delivered", [(4, 25_000, 0)]),
        (2, 6, 7, "accepted", [(1, 99_000, 1)]),
        (1, 7, 10, "completed", [(2, 30_000, 1)]),  # the day before the 7 days
        (0, 12, 10, "completed", [(1, 30_000, 0)]),  # in the 7 days before
        (0, 20, 10, "pending_payment", [(1, 30_000, 0)]),
    ]
    orders = [
        place(
            shops[shop],
            at(TODAY - timedelta(days=back), hour),
            [LinePlan(q, p, skus[s] if s is not None else None) for q, p, s in lines],
            status=status,
        )
        for shop, back, hour, status, lines in plans
    ]
    sales.refresh()
    day_over = at(TODAY + timedelta(days=1), 0)  # whole days on both sides of the comparison
    for key, days in (("today", 1), ("7d", 7), ("30d", 30)):
        period = dashboard.period_named(key, TODAY)
        overview = dashboard.sales_overview(period, now=day_over)
        first = TODAY - timedelta(days=days - 1)
        inside = [o for o in orders if o.status in SOLD and first <= wib_day(o.ordered_at)]
        assert (overview.total.orders, overview.total.units, overview.total.revenue) == sums(
            inside
        ), key
        for channel in overview.channels:
            mine = [o for o in inside if o.account.channel == channel.channel]
            assert (channel.figures.orders, channel.figures.units, channel.figures.revenue) == sums(
                mine
            )
            for shop in channel.shops:
                theirs = [o for o in mine if o.account_id == shop.account_id]
                assert (shop.figures.orders, shop.figures.revenue) == sums(theirs)[::2]
        before_first, before_last = period.previous
        before = [
            o
            for o in orders
            if o.status in SOLD and before_first <= wib_day(o.ordered_at) <= before_last
        ]
        assert overview.previous.revenue == sums(before)[2], key


def test_the_chart_series_hold_a_value_per_day_and_channel(shops: list[Any]) -> None:
    skus = variants(1)
    place(shops[0], at(TODAY, 10), [LinePlan(1, 10_000, skus[0])])
    place(shops[1], at(TODAY, 11), [LinePlan(2, 10_000, skus[0])])
    place(shops[2], at(TODAY - timedelta(days=2), 11), [LinePlan(1, 40_000, skus[0])])
    sales.refresh()
    overview = dashboard.sales_overview(dashboard.period_named("7d", TODAY))
    assert overview.chart_days == [TODAY - timedelta(days=n) for n in range(6, -1, -1)]
    assert overview.revenue_by_day == {
        "Tokopedia": [0, 0, 0, 0, 0, 0, 30_000],  # two shops of one channel: one series
        "Shopee": [0, 0, 0, 0, 40_000, 0, 0],
    }
    assert overview.orders_by_day["Tokopedia"][-1] == 2
    today = dashboard.sales_overview(dashboard.period_named("today", TODAY))
    assert len(today.chart_days) == dashboard.SHORTEST_CHART_DAYS  # a single bar says little
    assert today.total.revenue == 30_000


def test_an_unknown_period_is_the_default_never_an_error() -> None:
    assert dashboard.period_named("<script>", TODAY).key == dashboard.DEFAULT_PERIOD
    assert dashboard.period_named(None, TODAY).days == 7


def test_the_change_against_the_period_before(shops: list[Any]) -> None:
    skus = variants(1)
    place(shops[0], at(TODAY, 10), [LinePlan(3, 10_000, skus[0])])
    place(shops[0], at(TODAY - timedelta(days=8), 10), [LinePlan(2, 10_000, skus[0])])
    sales.refresh()
    overview = dashboard.sales_overview(dashboard.period_named("7d", TODAY))
    assert overview.change("revenue") == 50 and overview.change("orders") == 0
    quiet = dashboard.sales_overview(dashboard.period_named("today", TODAY - timedelta(days=30)))
    assert quiet.change("revenue") is None  # nothing before: no percentage


def sums(orders: list[Order]) -> tuple[int, int, int]:
    lines = list(OrderLine.objects.filter(order__in=orders))
    return (
        len(orders),
        sum(line.quantity for line in lines),
        sum(line.quantity * line.price for line in lines),
    )


# --- orders waiting -----------------------------------------------------------------------


def test_the_orders_waiting_are_counted_by_what_the_seller_does_next(shops: list[Any]) -> None:
    skus = variants(1)
    now = timezone.now()

    def order(status: str, **fields: Any) -> Order:
        made = place(shops[0], now - timedelta(hours=1), [LinePlan(1, 1, skus[0])], status=status)
        Order.objects.filter(pk=made.pk).update(**fields)
        return made

    for status, count in (("open", 3), ("accepted", 2), ("ready_to_ship", 1), ("completed", 4)):
        for _ in range(count):
            order(status)
    order("open", ship_by=now - timedelta(hours=2))  # overdue
    order("accepted", ship_by=now + timedelta(hours=2))  # not yet
    order("open", cancel_requested=True)
    order("cancelled", cancel_requested=True)  # answered: final
    place(shops[1], now, [LinePlan(1, 1, None)], status="open")  # a line no SKU follows
    place(shops[1], now, [LinePlan(1, 1, None)], status="cancelled")
    counts = {entry.key: entry.count for entry in dashboard.waiting_orders(now)}
    assert counts == {
        "open": 3 + 1 + 1 + 1,
        "accepted": 2 + 1,
        "ready_to_ship": 1,
        "overdue": 1,
        "cancel_requested": 1,
        "unlinked": 1,
        "returns": 0,
    }
    params = {entry.key: dict(entry.params) for entry in dashboard.waiting_orders(now)}
    assert params["open"] == {"tab": "open"} and params["unlinked"] == {"unlinked": "1"}


# --- stock --------------------------------------------------------------------------------


def test_stock_value_at_cost_and_price_leaves_bundles_out_and_says_what_is_missing() -> None:
    main, second = default_warehouse(), Warehouse.objects.create(name="Gudang 2", code="g2")
    product = MasterProduct.objects.create(name="Kemeja")
    full = Variant.objects.create(product=product, sku="A", cost=40_000, price=100_000)
    no_cost = Variant.objects.create(product=product, sku="B", price=50_000)
    no_price = Variant.objects.create(product=product, sku="C", cost=7_000)
    empty = Variant.objects.create(product=product, sku="D")  # nothing on hand: not counted
    bundle = Variant.objects.create(product=product, sku="PAKET", cost=1, price=1)
    BundleComponent.objects.create(bundle=bundle, component=full, quantity=2)
    levels = [(main, full, 5), (second, full, 3), (main, no_cost, 4), (second, no_price, 10)]
    for warehouse, variant, on_hand in levels:
        StockLevel.objects.create(warehouse=warehouse, variant=variant, on_hand=on_hand)
    StockLevel.objects.create(warehouse=main, variant=empty, on_hand=0)
    StockLevel.objects.create(warehouse=main, variant=bundle, on_hand=99)  # stray: ignored
    value = dashboard.stock_value()
    assert value.at_cost == 8 * 40_000 + 10 * 7_000
    assert value.at_price == 8 * 100_000 + 4 * 50_000
    assert (value.units, value.skus_on_hand) == (22, 3)
    assert (value.skus_without_cost, value.skus_without_price) == (1, 1)


def test_running_out_divides_available_by_the_last_30_days_pace(shops: list[Any]) -> None:
    main = default_warehouse()
    product = MasterProduct.objects.create(name="Kaos")
    fast, slow, idle, oversold = (
        Variant.objects.create(product=product, sku=s) for s in ("FAST", "SLOW", "IDLE", "OVER")
    )
    bundle = Variant.objects.create(product=product, sku="PAKET-3")
    BundleComponent.objects.create(bundle=bundle, component=slow, quantity=3)
    for variant, on_hand, reserved in (
        (fast, 20, 5),
        (slow, 100, 0),
        (idle, 1, 0),
        (oversold, 2, 4),
    ):
        StockLevel.objects.create(
            warehouse=main, variant=variant, on_hand=on_hand, reserved=reserved
        )
    # Last 30 days: FAST 60 units (2 a day: 15 available = 7.5 days); SLOW 30 units of its own
    # + 10 bundles × 3 = 60 (2 a day: 50 days); OVER 3 units (available -2: 0 days).
    for back in range(30):
        place(shops[0], at(TODAY - timedelta(days=back), 10), [LinePlan(2, 1_000, fast)])
        place(shops[0], at(TODAY - timedelta(days=back), 11), [LinePlan(1, 1_000, slow)])
    for back in range(10):
        place(shops[1], at(TODAY - timedelta(days=back), 12), [LinePlan(1, 5_000, bundle)])
    place(shops[2], at(TODAY, 8), [LinePlan(3, 1_000, oversold)])
    place(shops[2], at(TODAY - timedelta(days=40), 8), [LinePlan(50, 1_000, idle)])  # too old
    place(shops[2], at(TODAY, 9), [LinePlan(50, 1_000, idle)], status="cancelled")
    sales.refresh()
    found = dashboard.running_out(TODAY)
    assert [item.sku for item in found.items] == ["OVER", "FAST"]
    over, quick = found.items
    assert (over.available, over.sold, over.days_left) == (-2, 3, 0)
    assert (quick.available, quick.sold, quick.per_day, quick.days_left) == (15, 60, 2.0, 7.5)
    assert found.count == 2
    wider = dashboard.running_out(TODAY, threshold_days=60)
    assert {item.sku: item.sold for item in wider.items}["SLOW"] == 30 + 10 * 3
    assert "PAKET-3" not in {item.sku for item in wider.items}  # no stock of its own
    product.archived_at = timezone.now()
    product.save()
    assert dashboard.running_out(TODAY).items == []  # no longer sold


# --- sync health --------------------------------------------------------------------------


def test_sync_health_per_integration(shops: list[Any]) -> None:
    now = timezone.now()
    pushed = now - timedelta(minutes=3)
    listings = [
        Listing.objects.create(
            account=shops[0],
            external_id="1",
            link_method=LinkMethod.AUTO_SKU,
            last_pushed_at=pushed - timedelta(hours=1),
        ),
        Listing.objects.create(
            account=shops[0],
            external_id="2",
            link_method=LinkMethod.AUTO_SKU,
            last_pushed_at=pushed,
        ),
        Listing.objects.create(account=shops[0], external_id="3", link_method=LinkMethod.UNLINKED),
        Listing.objects.create(account=shops[1], external_id="9", link_method=LinkMethod.UNLINKED),
    ]
    for result, minutes_ago in (("failed", 5), ("retry", 50), ("failed", 70), ("ok", 1)):
        record = PushRecord.objects.create(
            account=shops[0], listing=listings[0], quantity=1, result=result
        )
        PushRecord.objects.filter(pk=record.pk).update(
            created_at=now - timedelta(minutes=minutes_ago)
        )
    for account, minutes_ago in ((shops[1], 10), (shops[1], 120), (shops[1], 2000), (shops[2], 30)):
        delivery = WebhookDelivery.objects.create(account=account, channel="x", event="order")
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            received_at=now - timedelta(minutes=minutes_ago)
        )
    shops[2].health = Health.NEEDS_RECONNECT
    shops[2].save()
    health = {entry.account.pk: entry for entry in dashboard.sync_health(now)}
    first, second, third = (health[shop.pk] for shop in shops)
    assert first.last_push == pushed and first.failed_pushes_hour == 2
    assert (first.unlinked_listings, second.unlinked_listings) == (1, 1)
    assert (second.webhooks_hour, second.webhooks_day) == (1, 2)
    assert (third.webhooks_hour, third.webhooks_day, third.needs_reconnect) == (1, 1, True)
    assert second.last_push is None and not first.needs_reconnect


def test_figures_of_an_empty_hub_are_zeros() -> None:
    sales.refresh()
    assert dashboard.sales_overview(dashboard.period_named("30d")).total == dashboard.Figures()
    assert dashboard.stock_value().at_cost == 0
    assert dashboard.running_out().items == [] and dashboard.sync_health() == []
    assert all(entry.count == 0 for entry in dashboard.waiting_orders())


def test_stock_value_past_a_64_bit_integer_is_exact() -> None:
    """On hand × cost summed in SQL overflowed a bigint at allowed values (PostgreSQL "bigint
    out of range", SQLite "integer overflow"): a 500 on the dashboard."""
    product = MasterProduct.objects.create(name="Mahal")
    dear = Variant.objects.create(product=product, sku="MAHAL", cost=2**62, price=2**62 + 1)
    StockLevel.objects.create(warehouse=default_warehouse(), variant=dear, on_hand=1_000)
    value = dashboard.stock_value()
    assert value.at_cost == 1_000 * 2**62 and value.at_price == 1_000 * (2**62 + 1)
    assert (value.units, value.skus_on_hand, value.skus_without_cost) == (1_000, 1, 0)


def test_skus_without_cost_are_distinct_skus_on_the_dashboard_and_in_the_report() -> None:
    from satustok.reports import filters, stock_reports

    second = Warehouse.objects.create(name="Gudang 2", code="g2")
    product = MasterProduct.objects.create(name="Kemeja")
    no_cost = Variant.objects.create(product=product, sku="TANPA", price=1_000)
    for warehouse in (default_warehouse(), second):  # one SKU in two warehouses
        StockLevel.objects.create(warehouse=warehouse, variant=no_cost, on_hand=3)
    assert dashboard.stock_value().skus_without_cost == 1
    report = stock_reports.stock_value(filters.parse({}))
    totals = report.section("warehouses").totals  # type: ignore[union-attr]
    assert totals is not None and totals[7] == 1  # not 2: the same SKU
    assert [row[7] for row in report.section("warehouses").rows] == [1, 1]  # type: ignore[union-attr]


def test_the_comparison_stops_at_the_same_time_of_day(shops: list[Any]) -> None:
    """Today so far against yesterday up to the same time, not against all of yesterday; the
    last 7 days (today so far included) against the 7 before up to the same time."""
    sku = variants(1)[0]
    noon = at(TODAY, 12)
    place(shops[0], at(TODAY, 9), [LinePlan(1, 10_000, sku)])
    place(shops[0], at(TODAY - timedelta(days=1), 9), [LinePlan(1, 10_000, sku)])
    place(shops[0], at(TODAY - timedelta(days=1), 20), [LinePlan(1, 90_000, sku)])  # after noon
    place(shops[0], at(TODAY - timedelta(days=7), 11), [LinePlan(2, 5_000, sku)])
    place(shops[0], at(TODAY - timedelta(days=7), 13), [LinePlan(1, 70_000, sku)])  # after noon
    place(shops[0], at(TODAY - timedelta(days=8), 23), [LinePlan(3, 1_000, sku)])
    sales.refresh()
    today = dashboard.sales_overview(dashboard.period_named("today", TODAY), now=noon)
    assert (today.previous.orders, today.previous.revenue) == (1, 10_000)
    assert today.change("revenue") == 0
    week = dashboard.sales_overview(dashboard.period_named("7d", TODAY), now=noon)
    assert (week.previous.orders, week.previous.units, week.previous.revenue) == (2, 5, 13_000)
    over = dashboard.period_named("today", TODAY - timedelta(days=7))  # a day that is over
    whole = dashboard.sales_overview(over, now=noon).previous  # the day before it, all of it
    assert (whole.orders, whole.revenue) == (1, 3_000)  # its 23:00 order counts
