"""The report queries (``reports/*_report*.py``): every number equals a sum the test computes
itself from the orders, the ledger rows and the stock levels it made; bad filters are refused
with a message per field."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from roles_support import an_integration
from sales_support import SOLD, LinePlan, place, wib_day
from satustok.catalog.models import BundleComponent, MasterProduct, Variant
from satustok.core import activity
from satustok.core.models import Via
from satustok.inventory import stock
from satustok.inventory.models import MovementReason, StockMovement, Warehouse, WarehouseAccess
from satustok.reports import (
    activity_reports,
    dashboard,
    filters,
    ledger_report,
    sales_reports,
    stock_reports,
)
from satustok.reports.filters import FilterError
from satustok.sync.models import Bucket, ImportRun, PushKind, PushRecord, PushResult, RunState

# Monday 30 November 2026 begins at 17:00 UTC on the Sunday: orders around it fall on either
# side of an ISO week and of a month (December 1st is the Tuesday).
MONDAY = date(2026, 11, 30)
START, END = date(2026, 11, 20), date(2026, 12, 10)


def moment(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour``:``minute`` WIB on ``day``, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def chosen(**query: Any) -> filters.Filters:
    return filters.parse({"start": START.isoformat(), "end": END.isoformat(), **query})


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    shops = [
        an_integration(channel="tokopedia", shop_id="480001", shop_name="Toko Satu"),
        an_integration(channel="shopee", shop_id="77001", shop_name="Toko Dua"),
    ]
    batik = MasterProduct.objects.create(name="Batik Tulis")
    tricky = MasterProduct.objects.create(name='=HYPERLINK("http://evil.example","klik")')
    skus = [
        Variant.objects.create(
            product=batik, sku="BTK-01", name="Merah", price=150_000, cost=90_000
        ),
        Variant.objects.create(product=batik, sku="BTK-02", name="Biru", price=160_000),
        Variant.objects.create(product=tricky, sku="EVIL-1", price=10_000, cost=4_000),
        Variant.objects.create(product=tricky, sku="IDLE-1", price=5_000, cost=1_000),
    ]
    btk1, btk2, evil, _idle = skus
    plans = [
        # (shop, WIB day, hour, status, lines)
        (0, MONDAY - timedelta(days=1), 23, "completed", [(2, 150_000, btk1), (1, 160_000, btk2)]),
        (0, MONDAY, 0, "shipped", [(1, 150_000, btk1)]),
        (1, MONDAY, 9, "open", [(3, 10_000, evil), (1, 25_000, None)]),
        (1, date(2026, 12, 1), 12, "cancelled", [(5, 150_000, btk1)]),
        (1, date(2026, 12, 1), 13, "pending_payment", [(5, 150_000, btk1)]),
        (1, date(2026, 12, 2), 8, "delivered", [(4, 160_000, btk2)]),
        (0, date(2026, 11, 19), 22, "completed", [(9, 150_000, btk1)]),  # before the range
        (0, date(2026, 12, 11), 1, "completed", [(9, 150_000, btk1)]),  # after it
    ]
    orders = [
        place(shops[s], moment(day, hour), [LinePlan(q, p, v) for q, p, v in lines], status=st)
        for s, day, hour, st, lines in plans
    ]
    return {"shops": shops, "skus": skus, "orders": orders}


def sold_lines(orders: list[Any]) -> list[tuple[Any, Any]]:
    """(order, line) of every sold order ordered within the range, computed from the rows."""
    return [
        (order, line)
        for order in orders
        if order.status in SOLD and START <= wib_day(order.ordered_at) <= END
        for line in order.lines.all()
    ]


# --- sales ----------------------------------------------------------------------------------


def test_sales_by_sku_equals_the_order_lines(world: dict[str, Any]) -> None:
    expected: dict[str, list[Any]] = defaultdict(lambda: [set(), 0, 0])
    for order, line in sold_lines(world["orders"]):
        if line.variant is not None:
            figures = expected[line.variant.sku]
            figures[0].add(order.pk)
            figures[1] += line.quantity
            figures[2] += line.quantity * line.price
    result = sales_reports.sales_by_sku(chosen())
    section = result.sections[0]
    got = {row[0]: (row[3], row[4], row[5]) for row in section.rows}
    assert got == {sku: (len(o), u, r) for sku, (o, u, r) in expected.items()}
    assert section.totals is not None
    assert section.totals[4:] == (
        sum(f[1] for f in expected.values()),
        sum(f[2] for f in expected.values()),
    )
    # The unlinked line (1 × Rp 25.000) is named in a note, not lost.
    assert any("25.000" in note for note in result.notes)


def test_sales_by_product_adds_its_variants(world: dict[str, Any]) -> None:
    expected: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for _order, line in sold_lines(world["orders"]):
        if line.variant is not None:
            expected[line.variant.product.name][0] += line.quantity
            expected[line.variant.product.name][1] += line.quantity * line.price
    rows = sales_reports.sales_by_product(chosen()).sections[0].rows
    assert {row[0]: [row[2], row[3]] for row in rows} == expected


def test_sales_by_shop_and_channel(world: dict[str, Any]) -> None:
    expected: dict[str, list[Any]] = defaultdict(lambda: [set(), 0, 0])
    for order, line in sold_lines(world["orders"]):
        figures = expected[order.account.shop_name]
        figures[0].add(order.pk)
        figures[1] += line.quantity
        figures[2] += line.quantity * line.price
    result = sales_reports.sales_by_shop(chosen())
    shops = result.section("shops")
    assert shops is not None
    got = {row[1]: (row[2], row[3], row[4]) for row in shops.rows}
    assert got == {shop: (len(o), u, r) for shop, (o, u, r) in expected.items()}
    for row in shops.rows:  # average order = revenue ÷ orders, whole rupiah
        assert row[5] == round(row[4] / row[2])
    channels = result.section("channels")
    assert channels is not None and channels.totals is not None
    assert channels.totals[1:4] == (
        sum(len(f[0]) for f in expected.values()),
        sum(f[1] for f in expected.values()),
        sum(f[2] for f in expected.values()),
    )
    assert result.chart is not None
    assert sorted(result.chart.series[0].values) == sorted(f[2] for f in expected.values())


def test_one_shop_only(world: dict[str, Any]) -> None:
    shop = world["shops"][1]
    rows = sales_reports.sales_by_shop(chosen(shop=str(shop.pk))).section("shops").rows  # type: ignore[union-attr]
    assert [row[1] for row in rows] == ["Toko Dua"]


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_sales_over_time_buckets_in_wib(world: dict[str, Any], period: str) -> None:
    def start_of(day: date) -> date:
        if period == "week":
            return day - timedelta(days=day.weekday())
        return day.replace(day=1) if period == "month" else day

    expected: dict[date, list[Any]] = defaultdict(lambda: [set(), 0, 0])
    for order, line in sold_lines(world["orders"]):
        figures = expected[start_of(wib_day(order.ordered_at))]
        figures[0].add(order.pk)
        figures[1] += line.quantity
        figures[2] += line.quantity * line.price
    result = sales_reports.sales_over_time(chosen(period=period))
    summary = result.section("periods")
    assert summary is not None
    got = {row[0]: (row[1], row[2], row[3]) for row in summary.rows if row[1]}
    assert got == {day: (len(o), u, r) for day, (o, u, r) in expected.items()}
    # Every period of the range is a row, those without sales too.
    labels = [row[0] for row in summary.rows]
    assert labels[0] == start_of(START) and labels[-1] == start_of(END)
    assert len(labels) == len(set(labels))
    if period == "day":
        assert len(labels) == (END - START).days + 1
    # The chart shows revenue per channel over the same periods.
    assert result.chart is not None
    assert sum(sum(s.values) for s in result.chart.series) == sum(f[2] for f in expected.values())


def test_top_sellers_by_units_and_by_revenue(world: dict[str, Any]) -> None:
    units: dict[str, int] = defaultdict(int)
    revenue: dict[str, int] = defaultdict(int)
    for _order, line in sold_lines(world["orders"]):
        if line.variant is not None:
            units[line.variant.sku] += line.quantity
            revenue[line.variant.sku] += line.quantity * line.price
    by_units = sales_reports.top_sellers(chosen(limit="2")).sections[0].rows
    assert [row[0] for row in by_units] == [1, 2]
    assert [row[1] for row in by_units] == sorted(units, key=lambda s: -units[s])[:2]
    assert [row[5] for row in by_units] == sorted(units.values(), reverse=True)[:2]
    by_revenue = sales_reports.top_sellers(chosen(by="revenue")).sections[0].rows
    assert [row[6] for row in by_revenue] == sorted(revenue.values(), reverse=True)


def test_slow_movers_put_unsold_stock_first(world: dict[str, Any]) -> None:
    btk1, btk2, evil, idle = world["skus"]
    warehouse = world["shops"][0].warehouse
    for variant, quantity in ((btk1, 5), (btk2, 7), (evil, 3), (idle, 40)):
        stock.move(warehouse.pk, variant.pk, on_hand=quantity, reason=MovementReason.ADJUSTMENT)
    rows = sales_reports.slow_movers(chosen()).sections[0].rows
    assert rows[0][:4] == ("IDLE-1", '=HYPERLINK("http://evil.example","klik")', 40, 0)
    assert rows[0][4] is None and rows[0][5] is None  # never sold
    sold = {row[0]: row[3] for row in rows}
    assert sold == {"IDLE-1": 0, "EVIL-1": 3, "BTK-02": 5, "BTK-01": 3}
    assert [row[3] for row in rows] == sorted(row[3] for row in rows)
    # The last sale is the latest day the SKU sold on, even outside the range.
    last = {row[0]: row[4] for row in rows}
    assert last["BTK-01"] == date(2026, 12, 11)
    assert last["BTK-02"] == date(2026, 12, 2)


# --- stock ----------------------------------------------------------------------------------


@pytest.fixture
def stocked(world: dict[str, Any]) -> dict[str, Any]:
    btk1, btk2, evil, idle = world["skus"]
    main = world["shops"][0].warehouse
    second = Warehouse.objects.create(name="Gudang Dua", code="dua")
    stock.move(main.pk, btk1.pk, on_hand=10, reserved=2, reason=MovementReason.ADJUSTMENT)
    stock.move(main.pk, btk2.pk, on_hand=4, reason=MovementReason.ADJUSTMENT)  # no cost
    stock.move(second.pk, evil.pk, on_hand=6, reason=MovementReason.ADJUSTMENT)
    stock.move(second.pk, idle.pk, on_hand=-3, reason=MovementReason.ADJUSTMENT)  # counted short
    bundle_product = MasterProduct.objects.create(name="Paket")
    bundle = Variant.objects.create(product=bundle_product, sku="PAKET-1", price=300_000, cost=1)
    BundleComponent.objects.create(bundle=bundle, component=btk1, quantity=2)
    return {"main": main, "second": second, "bundle": bundle}


def test_stock_value_per_sku_and_warehouse(stocked: dict[str, Any]) -> None:
    result = stock_reports.stock_value(filters.parse({}))
    detail = result.section("skus")
    assert detail is not None
    rows = {(row[0], row[1]): row for row in detail.rows}
    main, second = stocked["main"].name, "Gudang Dua"
    assert set(rows) == {(main, "BTK-01"), (main, "BTK-02"), (second, "EVIL-1"), (second, "IDLE-1")}
    assert rows[(main, "BTK-01")][4:] == (10, 2, 8, 90_000, 150_000, 900_000, 1_500_000)
    assert rows[(main, "BTK-02")][9:] == (0, 640_000)  # no cost: worth nothing at cost
    assert rows[(second, "IDLE-1")][4] == -3 and rows[(second, "IDLE-1")][9:] == (0, 0)
    summary = {row[0]: row for row in result.section("warehouses").rows}  # type: ignore[union-attr]
    assert summary[main][1:] == (2, 14, 2, 12, 900_000, 2_140_000, 1, 0)
    assert summary[second][1:] == (2, 3, 0, 3, 24_000, 60_000, 0, 0)
    totals = result.section("warehouses").totals  # type: ignore[union-attr]
    assert totals == ("Total", 4, 17, 2, 15, 924_000, 2_200_000, 1, 0)
    assert len(result.notes) == 1 and "1" in result.notes[0]  # one SKU without a cost


def test_stock_value_keeps_to_the_sellers_warehouses(stocked: dict[str, Any]) -> None:
    clerk = get_user_model().objects.create(username="gudang2")
    WarehouseAccess.objects.create(user=clerk, warehouse=stocked["second"])
    result = stock_reports.stock_value(filters.parse({}, user=clerk))
    assert {row[0] for row in result.section("skus").rows} == {"Gudang Dua"}  # type: ignore[union-attr]
    one = stock_reports.stock_value(filters.parse({"warehouse": str(stocked["main"].pk)}))
    assert {row[1] for row in one.section("skus").rows} == {"BTK-01", "BTK-02"}  # type: ignore[union-attr]


# --- the ledger -----------------------------------------------------------------------------


def test_ledger_filters_and_totals(stocked: dict[str, Any]) -> None:
    btk1 = Variant.objects.get(sku="BTK-01")
    alice = get_user_model().objects.create(username="alice")
    main = stocked["main"]
    with activity.acting(lambda: activity.actor_for(alice, Via.UI)):
        stock.move(main.pk, btk1.pk, on_hand=-1, reason=MovementReason.ADJUSTMENT, note="rusak")
        stock.move(main.pk, btk1.pk, on_hand=5, reason=MovementReason.ADJUSTMENT)
    stock.reserve(main.pk, btk1.pk, 1, "order:1")
    everything = filters.parse({})
    result = ledger_report.stock_ledger(everything)
    section = result.sections[0]
    movements = StockMovement.objects.all()
    assert len(section.rows) == movements.count()
    assert section.totals is not None
    assert section.totals[5] == sum(m.on_hand_delta for m in movements)
    assert section.totals[6] == sum(m.reserved_delta for m in movements)
    newest = section.rows[0]
    assert newest[2] == "BTK-01" and newest[6] == 1 and newest[7] == "order:1"

    by_alice = ledger_report.stock_ledger(filters.parse({"user": "alice"})).sections[0]
    assert [row[5] for row in by_alice.rows] == [5, -1]
    assert all(row[9] == "alice" for row in by_alice.rows)
    by_hub = ledger_report.stock_ledger(filters.parse({"user": "-", "sku": "btk-01 "})).sections[0]
    assert len(by_hub.rows) == movements.filter(user=None, level__variant=btk1).count()
    reserved = ledger_report.stock_ledger(filters.parse({"reason": "order_reserve"})).sections[0]
    assert [row[7] for row in reserved.rows] == ["order:1"]
    assert list(reserved.rows) == reserved.rows[0:10]  # streamed rows = a page's rows


def test_ledger_dates_are_wib_days(stocked: dict[str, Any]) -> None:
    btk1 = Variant.objects.get(sku="BTK-01")
    movement = stock.move(stocked["main"].pk, btk1.pk, on_hand=1, reason=MovementReason.ADJUSTMENT)
    # 23:30 WIB on December 3rd is 16:30 UTC: the 3rd in WIB, whatever UTC says.
    StockMovement.objects.filter(pk=movement.pk).update(
        created_at=moment(date(2026, 12, 3), 23, 30)
    )
    on_the_3rd = filters.parse({"start": "2026-12-03", "end": "2026-12-03"})
    assert [row[5] for row in ledger_report.stock_ledger(on_the_3rd).sections[0].rows] == [1]
    on_the_4th = filters.parse({"start": "2026-12-04", "end": "2026-12-04"})
    assert len(ledger_report.stock_ledger(on_the_4th).sections[0].rows) == 0


# --- import runs and push failures -----------------------------------------------------------


def test_import_runs_in_range(world: dict[str, Any]) -> None:
    shop = world["shops"][0]
    inside = ImportRun.objects.create(
        account=shop,
        state=RunState.DONE,
        units_fetched=12,
        units_applied=9,
        counts={Bucket.LINKED: 4, Bucket.NEW_MASTER: 5, Bucket.SKIPPED_NO_STOCK: 2,
                Bucket.SKIPPED_EMPTY_SKU: 1},
    )  # fmt: skip
    outside = ImportRun.objects.create(account=shop, state=RunState.FAILED, error="boom")
    ImportRun.objects.filter(pk=outside.pk).update(created_at=timezone.now() - timedelta(days=90))
    rows = activity_reports.import_runs(filters.parse({})).sections[0].rows
    assert [row[0] for row in rows] == [inside.pk]
    assert rows[0][6:12] == (12, 9, 4, 5, 3, 0)


def test_push_failures_per_shop(world: dict[str, Any]) -> None:
    from satustok.channels.models import Listing

    shop_a, shop_b = world["shops"]
    listing = Listing.objects.create(account=shop_a, external_id="L1", sku="BTK-01")
    other = Listing.objects.create(account=shop_b, external_id="L2", sku="BTK-02")
    for account, row, result in (
        (shop_a, listing, PushResult.FAILED),
        (shop_a, listing, PushResult.RETRY),
        (shop_a, listing, PushResult.OK),
        (shop_b, other, PushResult.FAILED),
    ):
        PushRecord.objects.create(
            account=account, listing=row, quantity=3, result=result, message="no"
        )
    PushRecord.objects.create(
        account=shop_b, listing=other, quantity=0, price=99_000, kind=PushKind.PRICE,
        result=PushResult.FAILED, message="below minimum",
    )  # fmt: skip
    result = activity_reports.push_failures(filters.parse({}))
    per_shop = {row[0]: row[1:] for row in result.section("shops").rows}  # type: ignore[union-attr]
    assert per_shop == {"Tokopedia · Toko Satu": (1, 1), "Shopee · Toko Dua": (2, 0)}
    pushes = result.section("pushes").rows  # type: ignore[union-attr]
    assert len(pushes) == 4
    assert pushes[0][5:7] == (None, 99_000)  # a price row shows its price, not a quantity
    refused = activity_reports.push_failures(
        filters.parse({"result": "failed", "shop": str(shop_a.pk)})
    )
    assert len(refused.section("pushes").rows) == 1  # type: ignore[union-attr]


# --- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-13-01"}, "start"),
        ({"start": "kemarin"}, "start"),
        ({"end": "1999-12-31"}, "end"),
        ({"start": "2026-12-10", "end": "2026-12-01"}, "end"),
        ({"start": "2023-01-01", "end": "2026-12-01"}, "end"),
        ({"period": "year"}, "period"),
        ({"shop": "999999"}, "shop"),
        ({"shop": "1e3"}, "shop"),
        ({"warehouse": "-1"}, "warehouse"),
        ({"sku": "NOPE"}, "sku"),
        ({"user": "nobody"}, "user"),
        ({"reason": "stolen"}, "reason"),
        ({"result": "ok"}, "result"),
        ({"limit": "0"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"by": "profit"}, "by"),
    ],
)
def test_bad_filters_are_refused_in_words(db: Any, query: dict[str, str], field: str) -> None:
    with pytest.raises(FilterError) as refused:
        filters.parse(query)
    assert set(refused.value.problems) == {field}
    assert refused.value.problems[field].strip()


def test_default_range_is_the_last_30_days(db: Any) -> None:
    chosen_filters = filters.parse({})
    assert chosen_filters.end == filters.today()
    assert chosen_filters.days == 30
    assert filters.parse({"start": "2025-01-01", "end": "2026-12-31"}).days == 730


def test_slow_movers_count_a_components_sales_inside_bundles(world: dict[str, Any]) -> None:
    """A SKU that sells only inside a bundle is not slow: each bundle sold takes its quantity
    off the SKU's shelf (as the dashboard's days of cover count it)."""
    shop, warehouse = world["shops"][0], world["shops"][0].warehouse
    product = MasterProduct.objects.create(name="Kaos")
    inside, alone = (Variant.objects.create(product=product, sku=s) for s in ("ISI-1", "SEPI-1"))
    bundle = Variant.objects.create(product=product, sku="PAKET-ISI")
    BundleComponent.objects.create(bundle=bundle, component=inside, quantity=3)
    for variant in (inside, alone):
        stock.move(warehouse.pk, variant.pk, on_hand=50, reason=MovementReason.ADJUSTMENT)
    place(shop, moment(MONDAY, 10), [LinePlan(2, 100_000, bundle)])
    place(shop, moment(END + timedelta(days=3), 10), [LinePlan(1, 100_000, bundle)])  # later
    rows = {row[0]: row for row in sales_reports.slow_movers(chosen()).sections[0].rows}
    assert rows["ISI-1"][3] == 2 * 3 and rows["ISI-1"][4] == END + timedelta(days=3)
    assert rows["SEPI-1"][3] == 0 and rows["SEPI-1"][4] is None
    assert "PAKET-ISI" not in rows  # a bundle has no shelf of its own
    other_shop = sales_reports.slow_movers(chosen(shop=str(world["shops"][1].pk)))
    assert {row[0]: row[3] for row in other_shop.sections[0].rows}["ISI-1"] == 0


def longest_in_list(queries: Any) -> int:
    """The most values any ``IN (…)`` list of literal values held in the captured queries."""
    lists = re.findall(r"IN \(([^()]*)\)", " ".join(q["sql"] for q in queries.captured_queries))
    return max((len(found.split(",")) for found in lists if found.strip()), default=0)


def test_no_query_lists_every_sku(world: dict[str, Any]) -> None:
    """SQLite caps a statement's variables (32,766; 999 before 3.32): the SKU-wide reads are
    subqueries and joins, never an ``IN`` list as long as the catalogue."""
    shop = world["shops"][0]
    product = MasterProduct.objects.create(name="Banyak")
    many = [Variant.objects.create(product=product, sku=f"BYK-{n:02d}") for n in range(30)]
    for variant in many:
        stock.move(shop.warehouse.pk, variant.pk, on_hand=5, reason=MovementReason.ADJUSTMENT)
    place(shop, moment(MONDAY, 12), [LinePlan(1, 1_000, v) for v in many])
    place(shop, timezone.now(), [LinePlan(30, 1_000, v) for v in many])  # 5 days of cover
    sales_reports.slow_movers(chosen())  # refreshes
    for build in (sales_reports.slow_movers, sales_reports.sales_by_sku, sales_reports.top_sellers):
        with CaptureQueriesContext(connection) as queries:
            result = build(chosen(limit="1000"))
        assert len(result.sections[0].rows) >= 30
        assert longest_in_list(queries) < 30, build.__name__
    with CaptureQueriesContext(connection) as queries:
        running = dashboard.running_out(limit=5)
    assert running.count >= 30 and longest_in_list(queries) < 30
