"""The Dashboard's figures: how the shops sell, what waits for the seller, what the stock is
worth, what runs out next and how each integration's sync is doing.

Every figure is traceable (``docs/dashboard.md`` says where each comes from):

- sales per channel, shop and day come from the sales aggregates (``reports/sales.py``: paid
  orders that were not cancelled or returned, on their WIB day), never from a year of orders;
- orders waiting, oversold SKUs, stock value and sync health are small indexed queries over
  orders, stock levels, listings, push records and webhook deliveries, as they are now;
- days of cover divides a SKU's available stock by its average daily units over the last 30
  days (``sales.units_sold``, the same definition as the slow movers report: a bundle's sales
  count for its components);
- the comparison with the period before is like for like: today so far against yesterday up
  to the same time of day, the last 7 days (today so far included) against the 7 days before
  them up to the same time — never a part of a day against a whole one.

Nothing here knows about requests or roles: the view decides what a user may see (money
figures need ``VIEW_REPORTS``) and builds the links.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from satustok.catalog.models import BundleComponent, Variant
from satustok.channels import registry
from satustok.channels.models import ChannelAccount, Health, LinkMethod, Listing
from satustok.inventory.models import StockLevel
from satustok.orders.models import Order, OrderStatus, WebhookDelivery
from satustok.orders.returns import awaiting_decision
from satustok.orders.status import FINAL, HOLDING
from satustok.reports import sales
from satustok.reports.models import SalesDay, SkuSalesDay
from satustok.reports.stock_reports import Missing, stock_levels, value
from satustok.sync.models import PushRecord, PushResult

__all__ = [
    "COVER_WINDOW_DAYS",
    "PERIODS",
    "RUNNING_OUT_DAYS",
    "Period",
    "period_named",
    "running_out",
    "sales_overview",
    "stock_value",
    "sync_health",
    "waiting_orders",
]

COVER_WINDOW_DAYS = 30  # days of cover from the average daily sales of the last 30 days
RUNNING_OUT_DAYS = 14  # fewer days of cover than this: running out
SHORTEST_CHART_DAYS = 7  # "today" is charted with the days before it, a bar alone says little


# --- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The days a figure covers: ``days`` WIB days ending today (both ends included)."""

    key: str
    label: Any  # a lazy translation
    days: int
    last: date

    @property
    def first(self) -> date:
        return self.last - timedelta(days=self.days - 1)

    @property
    def previous(self) -> tuple[date, date]:
        """The period of the same length just before this one (for the comparison)."""
        return self.first - timedelta(days=self.days), self.first - timedelta(days=1)

    @property
    def chart_days(self) -> list[date]:
        count = max(self.days, SHORTEST_CHART_DAYS)
        return [self.last - timedelta(days=offset) for offset in range(count - 1, -1, -1)]


PERIODS: dict[str, tuple[Any, int]] = {
    "today": (_("Today"), 1),
    "7d": (_("Last 7 days"), 7),
    "30d": (_("Last 30 days"), 30),
}
DEFAULT_PERIOD = "7d"


def period_named(key: str | None, today: date | None = None) -> Period:
    """The period ``key`` names (an unknown key: the default, never an error), ending today."""
    chosen = key if key in PERIODS else DEFAULT_PERIOD
    label, days = PERIODS[chosen]
    return Period(chosen, label, days, today or timezone.localdate())


# --- sales --------------------------------------------------------------------------------


@dataclass
class Figures:
    orders: int = 0
    units: int = 0
    revenue: int = 0

    def add(self, orders: int, units: int, revenue: int) -> None:
        self.orders += orders
        self.units += units
        self.revenue += revenue


@dataclass
class ShopSales:
    account_id: int
    shop_name: str
    channel: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class ChannelSales:
    channel: str
    label: str
    figures: Figures = field(default_factory=Figures)
    shops: list[ShopSales] = field(default_factory=list)


@dataclass
class SalesOverview:
    period: Period
    total: Figures
    previous: Figures  # the period before, for "vs the 7 days before"
    channels: list[ChannelSales]
    chart_days: list[date]
    # Per channel label, a value per chart day.
    revenue_by_day: dict[str, list[int]]
    orders_by_day: dict[str, list[int]]

    def change(self, name: str) -> int | None:
        """``name``'s change against the previous period, in whole percent (None: nothing
        before to compare with)."""
        before, now = getattr(self.previous, name), getattr(self.total, name)
        return None if not before else round(100 * (now - before) / before)


def sales_overview(period: Period, now: datetime | None = None) -> SalesOverview:
    """Orders, units and revenue of ``period`` per channel and shop, the period before (up to
    the same time of day, see :func:`_cutoff`), and the daily series of the chart — from the
    aggregates (a few hundred rows) and, for the part of a day, that day's orders."""
    accounts = {
        pk: (name, channel)
        for pk, name, channel in ChannelAccount.objects.values_list("pk", "shop_name", "channel")
    }
    chart_days = period.chart_days
    earliest = min(chart_days[0], period.previous[0])
    rows = SalesDay.objects.filter(day__gte=earliest, day__lte=period.last).values_list(
        "day", "account_id", "orders", "units", "revenue"
    )
    total, previous = Figures(), Figures()
    previous_first, previous_last = period.previous
    cutoff = _cutoff(period, now or timezone.now())
    if cutoff is not None:  # the previous period's last day counts up to the same time only
        previous_last -= timedelta(days=1)
        previous.add(
            *_sold_between(sales.day_bounds(period.previous[1], period.previous[1])[0], cutoff)
        )
    shops: dict[int, ShopSales] = {}
    daily: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])
    for day, account_id, orders, units, revenue in rows:
        name, channel = accounts.get(account_id, ("", ""))
        if period.first <= day <= period.last:
            total.add(orders, units, revenue)
            shop = shops.setdefault(account_id, ShopSales(account_id, name, channel))
            shop.figures.add(orders, units, revenue)
        elif previous_first <= day <= previous_last:
            previous.add(orders, units, revenue)
        daily[(channel, day)][0] += revenue
        daily[(channel, day)][1] += orders
    channels = _by_channel(shops.values())
    series_channels = sorted({channel for channel, _day in daily}, key=_channel_order)
    return SalesOverview(
        period=period,
        total=total,
        previous=previous,
        channels=channels,
        chart_days=chart_days,
        revenue_by_day={
            registry.label(c): [daily[(c, d)][0] if (c, d) in daily else 0 for d in chart_days]
            for c in series_channels
        },
        orders_by_day={
            registry.label(c): [daily[(c, d)][1] if (c, d) in daily else 0 for d in chart_days]
            for c in series_channels
        },
    )


def _cutoff(period: Period, now: datetime) -> datetime | None:
    """Where the previous period's last day stops counting, so that the comparison is like for
    like: as much of that day as has passed of ``period``'s last day (today) by ``now``. None
    when the period's last day is over (the whole day counts on both sides)."""
    start, end = sales.day_bounds(period.last, period.last)
    if now >= end:
        return None
    elapsed = max(now - start, timedelta(0))
    return sales.day_bounds(period.previous[1], period.previous[1])[0] + elapsed


def _sold_between(start: datetime, end: datetime) -> tuple[int, int, int]:
    """(orders, units, revenue) sold from ``start`` to ``end`` (a part of one day: a few
    hundred orders over the ``ordered_at`` index), counted as the aggregates count them."""
    orders = sales.sold_orders().filter(ordered_at__gte=start, ordered_at__lt=end).count()
    lines = (
        sales.sold_lines()
        .filter(order__ordered_at__gte=start, order__ordered_at__lt=end)
        .aggregate(units=Sum("quantity"), revenue=Sum(F("price") * F("quantity")))
    )
    return orders, int(lines["units"] or 0), int(lines["revenue"] or 0)


def _channel_order(code: str) -> tuple[int, str]:
    """Channels in the registry's order (the order of the menus), unknown ones last."""
    known = registry.codes()
    return (known.index(code) if code in known else len(known), code)


def _by_channel(shops: Iterable[ShopSales]) -> list[ChannelSales]:
    channels: dict[str, ChannelSales] = {}
    for shop in sorted(shops, key=lambda s: (-s.figures.revenue, s.shop_name)):
        entry = channels.setdefault(
            shop.channel, ChannelSales(shop.channel, registry.label(shop.channel))
        )
        entry.shops.append(shop)
        entry.figures.add(shop.figures.orders, shop.figures.units, shop.figures.revenue)
    return sorted(channels.values(), key=lambda c: _channel_order(c.channel))


# --- orders waiting for the seller -----------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """One kind of order waiting for the seller: how many, and the order queue's filter
    (query parameters of the Orders page) or the page that lists them."""

    key: str
    label: Any
    count: int
    params: Mapping[str, str] = field(default_factory=dict)
    page: str = "orders"  # "orders" (with ``params``) or "returns"
    urgent: bool = False


def waiting_orders(now: datetime | None = None) -> list[Waiting]:
    """The order queue's to-do, by what the seller has to do next: a grouped count of the
    orders to ship (the (status, …) indexes), the overdue ones, the buyers' cancellation
    requests, the orders with lines no master SKU follows, and the returns to decide."""
    now = now or timezone.now()
    holding = sorted(HOLDING)
    by_status = dict(
        Order.objects.filter(status__in=holding)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    overdue = Order.objects.filter(status__in=holding, ship_by__lt=now).count()
    # Named statuses (not "not final"), so the (status, …) indexes serve it: the completed
    # orders, most of a year's, are never read.
    open_statuses = sorted(set(OrderStatus.values) - FINAL)
    cancel_asked = Order.objects.filter(status__in=open_statuses, cancel_requested=True).count()
    unlinked = (
        Order.objects.filter(has_unlinked_lines=True).exclude(status=OrderStatus.CANCELLED).count()
    )
    return [
        Waiting(
            "open",
            _("Paid, not accepted yet"),
            by_status.get(OrderStatus.OPEN, 0),
            {"tab": "open"},
        ),
        Waiting(
            "accepted",
            _("Accepted, shipment to arrange"),
            by_status.get(OrderStatus.ACCEPTED, 0),
            {"tab": "accepted"},
        ),
        Waiting(
            "ready_to_ship",
            _("Ready to ship, waiting for the courier"),
            by_status.get(OrderStatus.READY_TO_SHIP, 0),
            {"tab": "ready_to_ship"},
        ),
        Waiting("overdue", _("Past their ship-by time"), overdue, {"tab": "to_ship"}, urgent=True),
        Waiting(
            "cancel_requested",
            _("Buyer asked to cancel"),
            cancel_asked,
            {"tab": "to_ship"},
            urgent=True,
        ),
        Waiting("unlinked", _("With lines not linked to a SKU"), unlinked, {"unlinked": "1"}),
        Waiting("returns", _("Returns to decide"), awaiting_decision().count(), page="returns"),
    ]


# --- stock --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockValue:
    units: int  # units on hand over every warehouse (bundles have no stock of their own)
    at_cost: int  # Σ on hand × cost, over the SKUs with a cost
    at_price: int  # Σ on hand × master price, over the SKUs with a price
    skus_on_hand: int
    skus_without_cost: int  # SKUs on hand whose cost is not known: the value at cost is partial
    skus_without_price: int


def stock_value() -> StockValue:
    """What the stock on the shelves is worth: on hand per SKU summed by the database (the
    levels of the stock value report, ``stock_reports.stock_levels``), × cost and × price in
    Python — the products can pass a 64-bit integer, which the database would refuse."""
    per_sku = (
        stock_levels()
        .filter(on_hand__gt=0)
        .order_by()
        .values_list("variant__sku", "variant__cost", "variant__price")
        .annotate(on_hand=Sum("on_hand"))
    )
    units = at_cost = at_price = skus = 0
    missing = Missing()
    for sku, cost, price, on_hand in per_sku:
        units, skus = units + on_hand, skus + 1
        at_cost += value(on_hand, cost)
        at_price += value(on_hand, price)
        missing.note(sku, on_hand, cost, price)
    return StockValue(
        units=units,
        at_cost=at_cost,
        at_price=at_price,
        skus_on_hand=skus,
        skus_without_cost=len(missing.cost),
        skus_without_price=len(missing.price),
    )


@dataclass(frozen=True)
class RunningOut:
    variant_id: int
    sku: str
    name: str
    available: int
    sold: int  # units sold in the window (its own sales and its bundles')
    per_day: float  # sold ÷ window days
    days_left: float  # available ÷ per_day (0 when nothing is available)


@dataclass(frozen=True)
class RunningOutList:
    items: list[RunningOut]  # the shortest cover first, at most ``limit``
    count: int  # how many SKUs are under the threshold in all
    threshold_days: int
    window_days: int


def running_out(
    today: date | None = None,
    *,
    threshold_days: int = RUNNING_OUT_DAYS,
    window_days: int = COVER_WINDOW_DAYS,
    limit: int = 10,
) -> RunningOutList:
    """The SKUs that sold in the last ``window_days`` days and have fewer than
    ``threshold_days`` days of cover left, at the pace of those days."""
    today = today or timezone.localdate()
    first = today - timedelta(days=window_days - 1)
    sold = _units_sold(first, today)
    if not sold:
        return RunningOutList([], 0, threshold_days, window_days)
    # The SKUs that sold as a subquery, not an IN list of every one (SQLite caps a statement's
    # variables): their own sales' and the components of the bundles that sold.
    sold_skus = SkuSalesDay.objects.filter(day__gte=first, day__lte=today).values("variant_id")
    components = BundleComponent.objects.filter(bundle_id__in=sold_skus).values("component_id")
    available = dict(
        StockLevel.objects.filter(Q(variant_id__in=sold_skus) | Q(variant_id__in=components))
        .order_by()
        .values_list("variant_id")
        .annotate(a=Sum(F("on_hand") - F("reserved")))
        .values_list("variant_id", "a")
    )
    rows = []
    for variant_id, units in sold.items():
        per_day = units / window_days
        left = available.get(variant_id, 0) or 0
        days_left = max(left, 0) / per_day
        if days_left < threshold_days:
            rows.append((days_left, variant_id, left, units, per_day))
    rows.sort()
    names = _names([variant_id for _d, variant_id, *_rest in rows[:limit]])
    items = [
        RunningOut(variant_id, *names[variant_id], left, units, round(per_day, 2), days_left)
        for days_left, variant_id, left, units, per_day in rows[:limit]
        if variant_id in names
    ]
    return RunningOutList(items, len(rows), threshold_days, window_days)


def _units_sold(first: date, last: date) -> dict[int, int]:
    """Units sold per SKU between ``first`` and ``last`` (``sales.units_sold``: its own lines
    and its bundles'), archived masters left out: they are no longer sold."""
    sold = sales.units_sold(first, last)
    archived = set(
        Variant.objects.filter(product__archived_at__isnull=False).values_list("pk", flat=True)
    )
    return {pk: units for pk, units in sold.items() if pk not in archived}


def _names(variant_ids: list[int]) -> dict[int, tuple[str, str]]:  # at most ``limit`` ids
    """{variant id: (SKU, product name and variant name)}."""
    found = Variant.objects.filter(pk__in=variant_ids).values_list(
        "pk", "sku", "product__name", "name"
    )
    return {
        pk: (sku, " · ".join(n for n in (product, name) if n)) for pk, sku, product, name in found
    }


# --- sync health --------------------------------------------------------------------------


@dataclass(frozen=True)
class IntegrationHealth:
    account: ChannelAccount
    last_push: datetime | None  # the latest stock push a listing of it received
    failed_pushes_hour: int  # push rows refused or to retry in the last hour
    webhooks_hour: int  # webhook deliveries stored in the last hour (signature checked)
    webhooks_day: int  # … and in the last 24 hours
    unlinked_listings: int

    @property
    def needs_reconnect(self) -> bool:
        return self.account.health == Health.NEEDS_RECONNECT


def sync_health(now: datetime | None = None) -> list[IntegrationHealth]:
    """Per integration: its last push, failed pushes in the last hour, webhooks received in
    the last hour and day, listings not linked — four grouped queries in all."""
    now = now or timezone.now()
    hour_ago, day_ago = now - timedelta(hours=1), now - timedelta(days=1)
    listings = {
        account_id: (last, unlinked)
        for account_id, last, unlinked in Listing.objects.order_by()
        .values_list("account_id")
        .annotate(
            last=Max("last_pushed_at"),
            unlinked=Count("id", filter=Q(link_method=LinkMethod.UNLINKED)),
        )
        .values_list("account_id", "last", "unlinked")
    }
    failed = _count_by_account(
        PushRecord.objects.filter(created_at__gte=hour_ago).exclude(result=PushResult.OK)
    )
    webhooks = {
        account_id: (hour, day)
        for account_id, hour, day in WebhookDelivery.objects.filter(received_at__gte=day_ago)
        .order_by()
        .values_list("account_id")
        .annotate(hour=Count("id", filter=Q(received_at__gte=hour_ago)), day=Count("id"))
        .values_list("account_id", "hour", "day")
    }
    return [
        IntegrationHealth(
            account=account,
            last_push=listings.get(account.pk, (None, 0))[0],
            failed_pushes_hour=failed.get(account.pk, 0),
            webhooks_hour=webhooks.get(account.pk, (0, 0))[0],
            webhooks_day=webhooks.get(account.pk, (0, 0))[1],
            unlinked_listings=listings.get(account.pk, (None, 0))[1],
        )
        for account in ChannelAccount.objects.order_by("shop_name", "pk")
    ]


def _count_by_account(rows: Any) -> dict[int, int]:
    return dict(
        rows.order_by()
        .values_list("account_id")
        .annotate(n=Count("id"))
        .values_list("account_id", "n")
    )
