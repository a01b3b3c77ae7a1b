"""The sales aggregates (``reports/sales.py``) equal sums computed in the test from the orders:
after a first refresh, after every kind of change refreshed incrementally, after a rebuild, and
when two refreshes run at once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError, close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roles_support import an_integration
from sales_support import (
    ALL_STATUSES,
    LinePlan,
    expected_sales,
    expected_sku_sales,
    place,
    stored_sales,
    stored_sku_sales,
    variants,
)
from satustok.channels.models import Listing
from satustok.orders.ingest import relink
from satustok.orders.models import Order, OrderLine
from satustok.reports import filters, sales, sales_reports, tasks
from satustok.reports.models import SalesDay, SalesWatermark, SkuSalesDay

# WIB midnight is 17:00 UTC: orders are placed around it, so a wrong time zone moves them.
MIDNIGHT_UTC = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


def around_midnight(day_offset: int, minutes: int) -> datetime:
    return MIDNIGHT_UTC + timedelta(days=day_offset, minutes=minutes)


@pytest.fixture
def shops(db: Any) -> list[Any]:
    return [
        an_integration(channel="tokopedia", shop_id="480001", shop_name="Toko Satu"),
        an_integration(channel="shopee", shop_id="77001", shop_name="Toko Dua"),
        an_integration(channel="tiktokshop", shop_id="99001", shop_name="Toko Tiga"),
    ]


@pytest.fixture
def skus(db: Any) -> list[Any]:
    return variants(4)


def assert_aggregates_match_orders() -> None:
    assert stored_sales() == expected_sales()
    assert stored_sku_sales() == expected_sku_sales()


# --- the numbers --------------------------------------------------------------------------

order_plans = st.lists(
    st.fixed_dictionaries(
        {
            "shop": st.integers(0, 2),
            "day": st.integers(0, 3),
            "minutes": st.integers(-90, 90),  # either side of WIB midnight
            "status": st.sampled_from(ALL_STATUSES),
            "elsewhere": st.booleans(),
            "lines": st.lists(
                st.tuples(
                    st.integers(1, 5), st.integers(0, 250_000), st.integers(-1, 3)
                ),  # quantity, price, variant (-1: unlinked)
                min_size=0,
                max_size=3,
            ),
        }
    ),
    max_size=25,
)


@given(plans=order_plans)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_first_refresh_equals_the_sums_of_the_orders(
    shops: list[Any], skus: list[Any], plans: list[dict[str, Any]]
) -> None:
    Order.objects.all().delete()
    SalesWatermark.objects.all().delete()
    for plan in plans:
        place(
            shops[plan["shop"]],
            around_midnight(plan["day"], plan["minutes"]),
            [LinePlan(q, p, skus[v] if v >= 0 else None) for q, p, v in plan["lines"]],
            status=plan["status"],
            stock_effect="elsewhere" if plan["elsewhere"] else "none",
        )
    result = sales.refresh()
    assert result.rebuilt  # no watermark yet: everything
    assert_aggregates_match_orders()


def test_an_order_just_before_and_just_after_wib_midnight_lands_on_two_days(
    shops: list[Any], skus: list[Any]
) -> None:
    before = place(shops[0], around_midnight(0, -1), [LinePlan(2, 10_000, skus[0])])
    after = place(shops[0], around_midnight(0, 1), [LinePlan(3, 20_000, skus[0])])
    sales.refresh()
    rows = {row.day: row for row in SalesDay.objects.all()}
    assert set(rows) == {datetime(2026, 11, 30).date(), datetime(2026, 12, 1).date()}
    assert (rows[before.ordered_at.astimezone(sales.wib()).date()].units, 2) == (2, 2)
    assert rows[after.ordered_at.astimezone(sales.wib()).date()].revenue == 60_000


def test_unlinked_lines_count_for_the_shop_not_for_a_sku(shops: list[Any], skus: list[Any]) -> None:
    place(shops[0], around_midnight(0, 30), [LinePlan(1, 5_000, None), LinePlan(2, 7_000, skus[1])])
    sales.refresh()
    (day,) = SalesDay.objects.all()
    assert (day.orders, day.units, day.revenue) == (1, 3, 19_000)
    (sku_day,) = SkuSalesDay.objects.all()
    assert (sku_day.variant_id, sku_day.units, sku_day.revenue) == (skus[1].pk, 2, 14_000)


# --- staying current ----------------------------------------------------------------------


def test_a_new_order_is_counted_by_the_next_refresh(shops: list[Any], skus: list[Any]) -> None:
    place(shops[0], around_midnight(0, 10), [LinePlan(1, 50_000, skus[0])])
    sales.refresh()
    new = place(shops[1], around_midnight(1, 10), [LinePlan(4, 12_500, skus[2])])
    result = sales.refresh()
    # Its day, and the first order's (saved within the overlap, so read again).
    assert result.days is not None and new.ordered_at.astimezone(sales.wib()).date() in result.days
    assert_aggregates_match_orders()


def test_a_cancellation_takes_the_order_out_of_its_day(shops: list[Any], skus: list[Any]) -> None:
    keep = place(shops[0], around_midnight(0, 10), [LinePlan(1, 50_000, skus[0])])
    cancelled = place(shops[0], around_midnight(0, 20), [LinePlan(2, 30_000, skus[0])])
    sales.refresh()
    assert SalesDay.objects.get().orders == 2
    cancelled.status = "cancelled"
    cancelled.save()
    sales.refresh()
    row = SalesDay.objects.get()
    assert (row.orders, row.units, row.revenue) == (1, 1, 50_000)
    assert SkuSalesDay.objects.get().orders == 1
    assert keep.pk in Order.objects.values_list("pk", flat=True)
    assert_aggregates_match_orders()


def test_a_day_left_without_sales_loses_its_rows(shops: list[Any], skus: list[Any]) -> None:
    only = place(shops[2], around_midnight(2, 0), [LinePlan(1, 1_000, skus[3])])
    sales.refresh()
    only.status = "returned"
    only.save()
    sales.refresh()
    assert not SalesDay.objects.exists() and not SkuSalesDay.objects.exists()


def test_a_line_linked_afterwards_moves_into_its_sku(shops: list[Any], skus: list[Any]) -> None:
    account = shops[0]
    order = place(account, around_midnight(0, 40), [LinePlan(3, 9_000, None)])
    sales.refresh()
    assert not SkuSalesDay.objects.exists()
    line = order.lines.get()
    Listing.objects.create(
        account=account, external_id=line.external_product_id, sku="X", variant=skus[2]
    )
    relink(order)  # what the order page's "Link again" and the poller do
    assert OrderLine.objects.get(pk=line.pk).variant_id == skus[2].pk
    sales.refresh()
    row = SkuSalesDay.objects.get()
    assert (row.variant_id, row.units, row.revenue) == (skus[2].pk, 3, 27_000)
    assert_aggregates_match_orders()


def test_a_late_commit_inside_the_overlap_is_still_read(shops: list[Any], skus: list[Any]) -> None:
    sales.refresh()
    late = place(shops[0], around_midnight(0, 5), [LinePlan(1, 42_000, skus[0])])
    # Saved (stamped) before the last refresh read, committed after it: invisible back then.
    read_through = SalesWatermark.objects.get().read_through
    Order.objects.filter(pk=late.pk).update(updated_at=read_through - sales.OVERLAP / 2)
    assert sales.refresh_if_changed() is None  # nothing newer than the mark: no work
    sales.refresh()  # the periodic one reads back OVERLAP
    assert SalesDay.objects.get().revenue == 42_000


def test_refresh_if_changed_is_two_small_queries_when_nothing_changed(
    shops: list[Any], skus: list[Any]
) -> None:
    place(shops[0], around_midnight(0, 5), [LinePlan(1, 42_000, skus[0])])
    assert sales.refresh_if_changed() is not None  # the first one builds
    with CaptureQueriesContext(connection) as queries:
        assert sales.refresh_if_changed() is None
    assert len(queries) == 2  # the watermark, and "any order newer?" over the updated_at index
    place(shops[0], around_midnight(0, 6), [LinePlan(1, 1_000, skus[0])])
    assert sales.refresh_if_changed() is not None
    assert_aggregates_match_orders()


def test_rebuild_equals_the_incremental_refreshes(shops: list[Any], skus: list[Any]) -> None:
    rng_plan = [
        (0, 0, 10, "completed"),
        (1, 0, -10, "open"),
        (2, 1, 15, "shipped"),
        (0, 2, -30, "pending_payment"),
        (1, 3, 45, "accepted"),
    ]
    orders = []
    for shop, day, minutes, status in rng_plan:
        orders.append(
            place(
                shops[shop],
                around_midnight(day, minutes),
                [LinePlan(2, 10_000 + day, skus[shop]), LinePlan(1, 3_000, None)],
                status=status,
            )
        )
        sales.refresh()
    orders[3].status = "open"  # paid now
    orders[3].save()
    sales.refresh()
    orders[0].status = "returned"
    orders[0].save()
    sales.refresh()
    incremental = (stored_sales(), stored_sku_sales())
    result = sales.rebuild()
    assert result.rebuilt
    assert (stored_sales(), stored_sku_sales()) == incremental
    assert_aggregates_match_orders()


def test_the_periodic_task_refreshes(shops: list[Any], skus: list[Any]) -> None:
    place(shops[1], around_midnight(0, 5), [LinePlan(2, 8_000, skus[1])])
    assert tasks.refresh_sales.call_local() == -1  # the first: a rebuild
    place(shops[1], around_midnight(3, 5), [LinePlan(1, 8_000, skus[1])])
    assert tasks.refresh_sales.call_local() >= 1
    assert_aggregates_match_orders()


def test_the_command_refreshes_and_rebuilds(
    shops: list[Any], skus: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    place(shops[0], around_midnight(0, 5), [LinePlan(2, 8_000, skus[1])])
    call_command("reports", "refresh", "--json")
    first = json.loads(capsys.readouterr().out)
    assert first["rebuilt"] is True and first["sales_rows"] == 1 and first["sku_rows"] == 1
    place(shops[1], around_midnight(1, 5), [LinePlan(1, 8_000, skus[1])])
    call_command("reports", "refresh", "--json")
    second = json.loads(capsys.readouterr().out)
    assert second["rebuilt"] is False and "2026-12-01" in second["days"]
    call_command("reports", "refresh", "--rebuild")
    assert "2" in capsys.readouterr().out  # two shop days, in words
    assert_aggregates_match_orders()


# --- refreshes at once ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_refreshes_at_once_count_every_order_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("several writers at once need PostgreSQL")
    shops = [an_integration(shop_id=f"5{n}", shop_name=f"Toko {n}") for n in range(2)]
    skus = variants(3, "CC")
    for index in range(60):
        place(
            shops[index % 2],
            around_midnight(index % 5, index - 30),
            [LinePlan(1 + index % 3, 1_000 * (index + 1), skus[index % 3])],
            status="completed" if index % 4 else "cancelled",
        )
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def refresh_now(rebuild: bool) -> None:
        try:
            start.wait()
            (sales.rebuild if rebuild else sales.refresh)()
        except BaseException as error:  # reported to the test's thread below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=refresh_now, args=(n % 2 == 0,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert SalesWatermark.objects.count() == 1
    assert_aggregates_match_orders()
    assert timezone.now() > SalesWatermark.objects.get().read_through


def test_a_refresh_over_more_than_a_thousand_scattered_days_recomputes_everything(
    shops: list[Any], skus: list[Any]
) -> None:
    """One OR branch per run of days would pass SQLite's expression depth (1,000) and fail every
    minute; past ``MAX_RUNS`` runs the refresh recomputes every day instead."""
    place(shops[0], around_midnight(-3000, 60), [LinePlan(1, 1_000, skus[0])])
    sales.refresh()
    first = around_midnight(-2500, 60)
    Order.objects.bulk_create(  # every other day: 1,100 runs of one day
        Order(
            account=shops[n % 2],
            external_id=f"SCATTER-{n}",
            status="completed",
            channel_status="COMPLETED",
            ordered_at=first + timedelta(days=2 * n),
            item_count=0,
        )
        for n in range(1_100)
    )
    done = sales.refresh()
    assert done.rebuilt
    assert SalesDay.objects.filter(orders=1).count() == 1_100 + 1
    assert_aggregates_match_orders()


def test_a_database_too_busy_to_refresh_is_no_error_for_a_reader(
    shops: list[Any], skus: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    place(shops[0], around_midnight(0, 5), [LinePlan(1, 42_000, skus[0])])

    def locked() -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(sales, "refresh", locked)
    assert sales.refresh_for_reading() is None  # logged; the aggregates stay as they were
    assert SalesDay.objects.count() == 0
    assert Order.objects.count() == 1  # the caller's transaction is still usable


def test_a_sales_report_refreshes_once_before_it_reads(
    shops: list[Any], skus: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two refreshes in one report (its table, then its note) could read two different states:
    the note's "lines linked to no SKU" came out negative."""
    place(shops[0], around_midnight(0, 5), [LinePlan(1, 42_000, skus[0])])
    calls: list[int] = []
    real = sales.refresh_if_changed
    monkeypatch.setattr(sales, "refresh_if_changed", lambda: calls.append(1) or real())
    result = sales_reports.sales_by_sku(filters.parse({}))
    assert len(calls) == 1
    assert result.sections[0].rows[0][5] == 42_000 and result.notes == []
