"""Sales per WIB day, kept up to date from orders: what the dashboard and the sales reports read
instead of a year of orders.

**What counts as a sale** (one definition, :data:`SOLD_STATUSES` and :func:`sold_orders`): an
order the buyer has paid and that is not cancelled or returned — New (paid), Accepted, Ready to
ship, Shipped, Delivered, Completed; not Pending payment, Cancelled, Returned — counted on the
WIB day of its ``ordered_at``. An order a moved shop's other integration counts (stock effect
*counted elsewhere*, ``orders/moving.py``) is that integration's sale, not a second one. Per
shop and day (:class:`~satustok.reports.models.SalesDay`):

- *orders*: how many such orders;
- *units*: Σ ``OrderLine.quantity`` over their lines;
- *revenue*: Σ ``OrderLine.price × quantity`` (whole rupiah: the item subtotal, before the
  channel's fees, vouchers and shipping).

:class:`~satustok.reports.models.SkuSalesDay` holds the same per shop, day and master SKU, over
the lines linked to a variant (``OrderLine.variant``); a line linked to nothing counts in its
shop's day only. Its *orders* are the orders with at least one line of that SKU.

**How the rows stay exact.** A day's rows are never nudged up or down: :func:`refresh` finds the
days of the orders changed since it last read (``Order.updated_at``, indexed), recomputes each
of those days whole from its orders (grouped in SQL) and replaces its rows, in one
transaction. A new order, a cancellation, a return or a line linked to a SKU afterwards all
save their order, so its day is recomputed on the next refresh. The first refresh, and
:func:`rebuild`, recompute every day. So a row always equals the sum of its orders' lines, and
a rebuild gives the same rows as any sequence of refreshes.

Who refreshes: a Huey task every minute (``reports/tasks.py``), and the dashboard and each
sales report once before they read (:func:`refresh_for_reading`: two small indexed queries when
nothing changed; a database busy with a long write is not an error there, the page shows the
aggregates as they are and the periodic refresh catches up).

**Units sold per SKU** (:func:`units_sold`, the one definition the dashboard's days of cover and
the slow movers report share): a SKU's own lines, plus each bundle's units × the SKU's quantity
in it — a bundle sold empties its components' shelves.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import Count, DateField, F, Func, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from satustok.catalog.models import BundleComponent
from satustok.channels.models import ChannelAccount
from satustok.core.bulk import insert_rows
from satustok.orders.models import Order, OrderLine, OrderStatus, StockEffect
from satustok.reports.models import SalesDay, SalesWatermark, SkuSalesDay

log = logging.getLogger(__name__)

__all__ = [
    "OVERLAP",
    "SOLD_STATUSES",
    "Refreshed",
    "day_bounds",
    "last_sold",
    "rebuild",
    "refresh",
    "refresh_for_reading",
    "refresh_if_changed",
    "sold_lines",
    "sold_orders",
    "units_sold",
    "wib",
]

# Paid, not cancelled or returned: the statuses whose orders are sales.
SOLD_STATUSES: frozenset[str] = frozenset(
    {
        OrderStatus.OPEN,
        OrderStatus.ACCEPTED,
        OrderStatus.READY_TO_SHIP,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    }
)

# A refresh re-reads orders changed this long before its last read. ``updated_at`` is stamped
# when an order is saved, not when its transaction commits: an order saved at 10:00:00 by a
# transaction that commits at 10:00:03 was invisible to a refresh reading at 10:00:01, and its
# stamp is older than that refresh's mark. Re-reading a few minutes back catches such late
# commits (a long ingest batch, a slow worker; also small clock differences between the
# machines of a PostgreSQL setup); recomputing a day twice is harmless, it comes out the same.
OVERLAP = timedelta(minutes=5)
WATERMARK_ID = 1  # the one row of SalesWatermark
# More runs of consecutive days than this to recompute: recompute every day instead. Each run
# is one OR branch of the query, and SQLite refuses an expression deeper than 1,000; a refresh
# after a long stop (or a bulk re-import of old orders) touching that many scattered days would
# fail every minute and never advance the watermark.
MAX_RUNS = 200


def wib() -> tzinfo:
    """The hub's time zone (``TIME_ZONE``, Asia/Jakarta): a sale's day is its WIB day."""
    return timezone.get_default_timezone()


def wib_day(field: str) -> Func | TruncDate:
    """The WIB day of the moment in ``field``, computed by the database.

    Django's ``TruncDate(field, tzinfo=…)`` is native SQL on PostgreSQL, but on SQLite it
    calls a Python function for every row: over a year of order lines that was three quarters
    of a rebuild (8.2 of 10.8 s). A zone whose offset never changes (WIB has been UTC+7 since
    1964: no daylight saving) needs no zone rules, only that offset, so on SQLite the day is
    SQLite's own ``date(moment, '+420 minutes')`` (moments are stored in UTC), 4× faster;
    anywhere else, or for a zone with daylight saving, ``TruncDate``."""
    minutes = _fixed_offset_minutes()
    if connection.vendor == "sqlite" and minutes is not None:
        shift = Value(f"{minutes:+d} minutes")
        return Func(F(field), shift, function="date", output_field=DateField())
    return TruncDate(field, tzinfo=wib())


@lru_cache(maxsize=1)
def _fixed_offset_minutes() -> int | None:
    """The hub's zone's UTC offset in minutes if it was the same throughout the last 30 years
    and the next (orders are not older), else None."""
    zone, this_year = wib(), timezone.now().year
    offsets = {
        zone.utcoffset(datetime(year, month, 1))
        for year in range(this_year - 30, this_year + 2)
        for month in (1, 7)
    }
    offset = offsets.pop() if len(offsets) == 1 else None
    return None if offset is None else int(offset.total_seconds() // 60)


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The moments [start, end) covering the WIB days ``first`` to ``last``, both included."""
    start = datetime.combine(first, time.min, tzinfo=wib())
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=wib())
    return start, end


def sold_orders() -> QuerySet[Order]:
    """Every order that is a sale (see the module's docstring)."""
    return Order.objects.filter(status__in=SOLD_STATUSES).exclude(
        stock_effect=StockEffect.ELSEWHERE
    )


def sold_lines() -> QuerySet[OrderLine]:
    """Every line of an order that is a sale."""
    return OrderLine.objects.filter(order__status__in=SOLD_STATUSES).filter(
        ~Q(order__stock_effect=StockEffect.ELSEWHERE)
    )


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did: the days it recomputed (None: every day, a rebuild) and rows."""

    days: tuple[date, ...] | None
    sales_rows: int
    sku_rows: int
    read_through: datetime

    @property
    def rebuilt(self) -> bool:
        return self.days is None


def refresh() -> Refreshed:
    """Bring the aggregates up to date with every order changed since the last refresh (less
    :data:`OVERLAP`); the first refresh rebuilds them all. Concurrent refreshes take turns on
    the watermark row (``select_for_update``; on SQLite writers take turns anyway)."""
    _ensure_watermark()
    with transaction.atomic():
        mark = SalesWatermark.objects.select_for_update().get(pk=WATERMARK_ID)
        # Frozen once the lock is held: what is saved from here on is the next refresh's.
        upper = timezone.now()
        days = None if mark.read_through is None else _touched_days(mark.read_through - OVERLAP)
        if days is not None and len(_runs(days)) > MAX_RUNS:
            days = None  # scattered over too many runs: a rebuild is one plain query
        result = _recompute(days, upper)
        mark.read_through, mark.refreshed_at = upper, upper
        mark.save(update_fields=["read_through", "refreshed_at"])
    return result


def rebuild() -> Refreshed:
    """Recompute every day from the orders (what the first refresh does)."""
    _ensure_watermark()
    with transaction.atomic():
        mark = SalesWatermark.objects.select_for_update().get(pk=WATERMARK_ID)
        upper = timezone.now()
        result = _recompute(None, upper)
        mark.read_through, mark.refreshed_at = upper, upper
        mark.save(update_fields=["read_through", "refreshed_at"])
    return result


def refresh_if_changed() -> Refreshed | None:
    """A refresh when an order changed since the last one (or none was made yet), else nothing
    but two small queries: the watermark row, and "any order newer?" over the ``updated_at``
    index (pages call it through :func:`refresh_for_reading`). The orders a late
    commit left behind (see :data:`OVERLAP`) are picked up by the next refresh, at the latest
    the periodic one a minute later."""
    read_through = (
        SalesWatermark.objects.filter(pk=WATERMARK_ID)
        .values_list("read_through", flat=True)
        .first()
    )
    if read_through is not None and not Order.objects.filter(updated_at__gt=read_through).exists():
        return None
    return refresh()


def refresh_for_reading() -> Refreshed | None:
    """:func:`refresh_if_changed` for a page or a report about to read the aggregates. A
    database too busy to refresh now (SQLite's write lock held by a 50,000-row upload being
    applied: "database is locked") is logged, not an error: the reader gets the aggregates as
    they are, and the periodic refresh catches up within a minute."""
    try:
        if connection.in_atomic_block:  # a savepoint: the caller's transaction stays usable
            with transaction.atomic():
                return refresh_if_changed()
        return refresh_if_changed()
    except OperationalError:
        log.warning("sales aggregates not refreshed before reading: database busy", exc_info=True)
        return None


def _ensure_watermark() -> None:
    """The one watermark row, created outside the refresh's transaction (two first refreshes
    at once: one creates it, the other finds it)."""
    SalesWatermark.objects.get_or_create(pk=WATERMARK_ID)


def _touched_days(since: datetime) -> list[date]:
    """The WIB days of the orders saved after ``since`` (over the ``updated_at`` index)."""
    days = (
        Order.objects.filter(updated_at__gt=since)
        .annotate(day=wib_day("ordered_at"))
        .order_by()
        .values_list("day", flat=True)
        .distinct()
    )
    return sorted(days)


def _recompute(days: Sequence[date] | None, upper: datetime) -> Refreshed:
    """Replace the rows of ``days`` (None: of every day) by rows computed from the orders."""
    if days is not None and not days:
        return Refreshed((), 0, 0, upper)
    per_sku = _line_sums(days)
    sales = _sales_rows(_order_counts(days), per_sku)
    skus = [(*key, *figures) for key, figures in per_sku.items() if key[2] is not None]
    for model in (SalesDay, SkuSalesDay):
        rows = model.objects.all() if days is None else model.objects.filter(day__in=days)
        rows.delete()
    insert_rows(SalesDay, ["day", "account", "orders", "units", "revenue"], sales)
    insert_rows(SkuSalesDay, ["day", "account", "variant", "orders", "units", "revenue"], skus)
    if days is None:
        log.info("sales aggregates rebuilt: %d shop days, %d SKU days", len(sales), len(skus))
    return Refreshed(None if days is None else tuple(days), len(sales), len(skus), upper)


def _in_days(days: Sequence[date] | None, field: str) -> Q:
    """``field`` (a moment) within the WIB days ``days``: one range per run of consecutive
    days, so the ``ordered_at`` index serves it; everything when ``days`` is None."""
    if days is None:
        return Q()
    condition = Q(pk__in=[])
    for first, last in _runs(days):
        start, end = day_bounds(first, last)
        condition |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return condition


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs: [1, 2, 3, 7] → [(1, 3), (7, 7)]."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


Row = tuple[object, ...]
SkuKey = tuple[date, int, int | None]  # (day, account, variant; None: lines linked to none)


def _order_counts(days: Sequence[date] | None) -> dict[tuple[date, int], int]:
    """Sold orders per (day, account), counted from the orders (an order without lines is
    still an order)."""
    counted = (
        sold_orders()
        .filter(_in_days(days, "ordered_at"))
        .annotate(day=wib_day("ordered_at"))
        .order_by()
        .values_list("day", "account_id")
        .annotate(n=Count("id"))
    )
    return {(day, account_id): n for day, account_id, n in counted}


def _line_sums(days: Sequence[date] | None) -> dict[SkuKey, tuple[int, int, int]]:
    """(orders, units, revenue) per (day, account, variant) over the sold orders' lines — the
    lines linked to no variant grouped under None. One pass over the lines serves both tables:
    a shop's day is the sum of its groups."""
    lines = (
        sold_lines()
        .filter(_in_days(days, "order__ordered_at"))
        .annotate(day=wib_day("order__ordered_at"))
        .order_by()
        .values_list("day", "order__account_id", "variant_id")
        .annotate(
            orders=Count("order_id", distinct=True),
            units=Sum("quantity"),
            revenue=Sum(F("price") * F("quantity")),
        )
    )
    return {
        (day, account, variant): (orders, int(units or 0), int(revenue or 0))
        for day, account, variant, orders, units, revenue in lines
    }


def _sales_rows(
    orders: dict[tuple[date, int], int], per_sku: dict[SkuKey, tuple[int, int, int]]
) -> list[Row]:
    """(day, account, orders, units, revenue) per shop and day."""
    totals: dict[tuple[date, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for key, count in orders.items():
        totals[key][0] = count
    for (day, account, _variant), (_orders, units, revenue) in per_sku.items():
        totals[(day, account)][1] += units
        totals[(day, account)][2] += revenue
    return [(day, account, *figures) for (day, account), figures in sorted(totals.items())]


# --- units sold per SKU ----------------------------------------------------------------------


def units_sold(first: date, last: date, account: ChannelAccount | None = None) -> dict[int, int]:
    """Units sold per master SKU from ``first`` to ``last`` (WIB days, both included; of one
    shop if given): its own lines, plus each bundle's units × the SKU's quantity in it. Bundles
    are left out (they have no shelf of their own); SKUs that sold nothing are absent."""
    rows = SkuSalesDay.objects.filter(day__gte=first, day__lte=last)
    if account is not None:
        rows = rows.filter(account=account)
    sold: dict[int, int] = {
        variant_id: int(units or 0)
        for variant_id, units in rows.order_by()
        .values_list("variant_id")
        .annotate(u=Sum("units"))
        .values_list("variant_id", "u")
    }
    # Only the recipes of the bundles that sold (a subquery, not a list of every SKU).
    recipes = BundleComponent.objects.filter(bundle_id__in=rows.values("variant_id"))
    bundles: set[int] = set()
    for bundle_id, component_id, quantity in recipes.values_list(
        "bundle_id", "component_id", "quantity"
    ):
        bundles.add(bundle_id)
        sold[component_id] = sold.get(component_id, 0) + sold.get(bundle_id, 0) * quantity
    return {pk: units for pk, units in sold.items() if units and pk not in bundles}


def last_sold(variant_ids: QuerySet[Any]) -> dict[int, date]:
    """The last WIB day each SKU of ``variant_ids`` (a subquery of variant ids) sold, on its own
    or inside a bundle."""
    recipes = BundleComponent.objects.filter(component_id__in=variant_ids)
    rows = SkuSalesDay.objects.filter(
        Q(variant_id__in=variant_ids) | Q(variant_id__in=recipes.values("bundle_id"))
    )
    last: dict[int, date] = dict(
        rows.order_by()
        .values_list("variant_id")
        .annotate(last=Max("day"))
        .values_list("variant_id", "last")
    )
    for bundle_id, component_id in recipes.values_list("bundle_id", "component_id"):
        if bundle_id in last and (component_id not in last or last[component_id] < last[bundle_id]):
            last[component_id] = last[bundle_id]
    return last
