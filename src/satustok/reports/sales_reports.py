"""Sales over a date range: by SKU, by master product, by channel and shop, over time (day,
ISO week from Monday, calendar month, all in WIB), top sellers and slow movers.

Every figure is a sum of the sales aggregates (``reports.sales``: :class:`SalesDay` per shop
and day, :class:`SkuSalesDay` per shop, SKU and day), refreshed once before each report is
built (so its tables and notes read the same rows), which are
themselves sums of order lines — so a report number traces to orders: *orders* counts the
sold orders (paid, not cancelled or returned) ordered in the range, *units* sums their lines'
quantities, *revenue* their lines' price × quantity in whole rupiah.

A SKU's *orders* are the orders with at least one line of it, so the orders of several SKUs
or of a product's variants do not add up to the orders of a shop (one order holds several):
the SKU and product reports total units and revenue only. Lines linked to no master SKU count
in the shop and time reports but in no SKU's; the SKU report says how much that is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from satustok.channels import registry
from satustok.channels.models import ChannelAccount
from satustok.core.formatting import grouped, rupiah
from satustok.core.spreadsheet import DATE, INTEGER, RUPIAH, Column
from satustok.reports import sales
from satustok.reports.filters import DAY, MONTH, REVENUE, WEEK, Filters, today
from satustok.reports.models import SalesDay, SkuSalesDay
from satustok.reports.stock_reports import stock_levels
from satustok.reports.tables import ChartData, ReportResult, Section, Series

SUMS = {"orders": Sum("orders"), "units": Sum("units"), "revenue": Sum("revenue")}
TOP_CHART_BARS = 20


def refreshed_first(
    build: Callable[[Filters], ReportResult],
) -> Callable[[Filters], ReportResult]:
    """A report built on freshly refreshed aggregates: one refresh per report, before its
    first read (a refresh between two reads could make its tables disagree)."""

    @wraps(build)
    def built(filters: Filters) -> ReportResult:
        sales.refresh_for_reading()
        return build(filters)

    return built


def _days(model: Any, filters: Filters) -> QuerySet[Any]:
    """The range's aggregate rows (of one shop if chosen)."""
    rows = model.objects.filter(day__gte=filters.start, day__lte=filters.end)
    if filters.shop is not None:
        rows = rows.filter(account=filters.shop)
    return rows.order_by()


def _shop_totals(filters: Filters) -> dict[str, int]:
    found = _days(SalesDay, filters).aggregate(**SUMS)
    return {key: found[key] or 0 for key in SUMS}


# --- by SKU, by product ----------------------------------------------------------------------


def per_variant(filters: Filters) -> list[dict[str, Any]]:
    """Orders, units and revenue per master SKU in the range, with its names (joined: one
    query, whatever the number of SKUs)."""
    names = {
        "variant__sku": "sku",
        "variant__name": "name",
        "variant__product_id": "product_id",
        "variant__product__name": "product__name",
    }
    rows = _days(SkuSalesDay, filters).values("variant_id", *names).annotate(**SUMS)
    return [
        {
            "pk": row["variant_id"],
            **{short: row[joined] for joined, short in names.items()},
            **{key: row[key] or 0 for key in SUMS},
        }
        for row in rows
    ]


@refreshed_first
def sales_by_sku(filters: Filters) -> ReportResult:
    found = sorted(per_variant(filters), key=lambda v: (-v["revenue"], v["sku"]))
    rows = [
        (v["sku"], v["product__name"], v["name"], v["orders"], v["units"], v["revenue"])
        for v in found
    ]
    units, revenue = sum(r[4] for r in rows), sum(r[5] for r in rows)
    columns = [
        Column("SKU", width=20),
        Column(_("Product"), width=36),
        Column(_("Variant"), width=20),
        Column(_("Orders"), INTEGER),
        Column(_("Units"), INTEGER),
        Column(_("Revenue"), RUPIAH, 18),
    ]
    section = Section(
        "skus", _("Sales by SKU"), columns, rows, (_("Total"), None, None, None, units, revenue)
    )
    return ReportResult(sections=[section], notes=_unlinked_note(filters, units, revenue))


def _unlinked_note(filters: Filters, units: int, revenue: int) -> list[str]:
    shops = _shop_totals(filters)
    if shops["units"] == units and shops["revenue"] == revenue:
        return []
    return [
        _(
            "Lines linked to no master SKU are not in this report: %(units)s units, "
            "%(revenue)s (the shop report counts them)."
        )
        % {
            "units": grouped(shops["units"] - units),
            "revenue": rupiah(shops["revenue"] - revenue),
        }
    ]


@refreshed_first
def sales_by_product(filters: Filters) -> ReportResult:
    products: dict[int, dict[str, Any]] = {}
    for v in per_variant(filters):
        product = products.setdefault(
            v["product_id"], {"name": v["product__name"], "skus": 0, "units": 0, "revenue": 0}
        )
        product["skus"] += 1
        product["units"] += v["units"]
        product["revenue"] += v["revenue"]
    found = sorted(products.values(), key=lambda p: (-p["revenue"], p["name"]))
    rows = [(p["name"], p["skus"], p["units"], p["revenue"]) for p in found]
    columns = [
        Column(_("Product"), width=40),
        Column(_("SKUs sold"), INTEGER),
        Column(_("Units"), INTEGER),
        Column(_("Revenue"), RUPIAH, 18),
    ]
    totals = (_("Total"), sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows))
    section = Section("products", _("Sales by product"), columns, rows, totals)
    return ReportResult(sections=[section], notes=_unlinked_note(filters, totals[2], totals[3]))


# --- by channel and shop ---------------------------------------------------------------------


@refreshed_first
def sales_by_shop(filters: Filters) -> ReportResult:
    grouped = _days(SalesDay, filters).values("account_id").annotate(**SUMS)
    figures = {row["account_id"]: row for row in grouped}
    accounts = ChannelAccount.objects.filter(pk__in=figures).order_by("channel", "shop_name", "pk")
    shops = [
        (registry.label(a.channel), a.shop_name or a.shop_id, *_figures(figures[a.pk]))
        for a in accounts
    ]
    channels: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for channel, _shop, orders, units, revenue, _average in shops:
        for index, amount in enumerate((orders, units, revenue)):
            channels[channel][index] += amount
    per_channel = [
        (channel, *sums, _average_order(sums[2], sums[0])) for channel, sums in channels.items()
    ]
    total = [sum(sums[i] for sums in channels.values()) for i in (0, 1, 2)]
    return ReportResult(
        sections=[
            Section(
                "channels",
                _("By channel"),
                _shop_columns(with_shop=False),
                per_channel,
                (_("Total"), *total, _average_order(total[2], total[0])),
            ),
            Section(
                "shops",
                _("By shop"),
                _shop_columns(with_shop=True),
                shops,
                (_("Total"), None, *total, _average_order(total[2], total[0])),
            ),
        ],
        chart=ChartData(
            kind="bar",
            title=_("Revenue per shop"),
            labels=[f"{channel} · {shop}" for channel, shop, *_rest in shops],
            series=[Series(_("Revenue"), [row[4] for row in shops])],
            unit="rupiah",
        ),
    )


def _figures(row: dict[str, Any]) -> tuple[int, int, int, int]:
    orders, units, revenue = row["orders"] or 0, row["units"] or 0, row["revenue"] or 0
    return orders, units, revenue, _average_order(revenue, orders)


def _average_order(revenue: int, orders: int) -> int:
    """Revenue per order, rounded to whole rupiah (0 without orders)."""
    return (revenue + orders // 2) // orders if orders else 0


def _shop_columns(*, with_shop: bool) -> list[Column]:
    first = [Column(_("Channel"), width=16)]
    if with_shop:
        first.append(Column(_("Shop"), width=28))
    return [
        *first,
        Column(_("Orders"), INTEGER),
        Column(_("Units"), INTEGER),
        Column(_("Revenue"), RUPIAH, 18),
        Column(_("Average order"), RUPIAH, 16),
    ]


# --- over time -------------------------------------------------------------------------------


def period_start(day: date, period: str) -> date:
    """The first day of the day's period: itself, its ISO week's Monday, its month's 1st."""
    if period == WEEK:
        return day - timedelta(days=day.weekday())
    if period == MONTH:
        return day.replace(day=1)
    return day


def periods(filters: Filters) -> list[date]:
    """Every period the range touches, in order (a period with no sales is a zero, not a gap)."""
    found: list[date] = []
    day = filters.start
    while day <= filters.end:
        start = period_start(day, filters.period)
        if not found or found[-1] != start:
            found.append(start)
        day += timedelta(days=1)
    return found


@refreshed_first
def sales_over_time(filters: Filters) -> ReportResult:
    rows = _days(SalesDay, filters).values_list("day", "account_id", "orders", "units", "revenue")
    per_period: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    per_shop: dict[tuple[date, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for day, account_id, *figures in rows:
        start = period_start(day, filters.period)
        for index, amount in enumerate(figures):
            per_period[start][index] += amount
            per_shop[(start, account_id)][index] += amount
    labels = periods(filters)
    accounts = {a.pk: a for a in ChannelAccount.objects.filter(pk__in={k[1] for k in per_shop})}
    summary = [(start, *per_period[start]) for start in labels]
    detail = sorted(
        (
            start,
            registry.label(accounts[pk].channel),
            accounts[pk].shop_name or accounts[pk].shop_id,
            *sums,
        )
        for (start, pk), sums in per_shop.items()
    )
    total = [sum(sums[i] for sums in per_period.values()) for i in (0, 1, 2)]
    return ReportResult(
        sections=[
            Section(
                "periods",
                _("Sales per period"),
                _period_columns(filters.period, False),
                summary,
                (_("Total"), *total),
            ),
            Section(
                "shops",
                _("Per period and shop"),
                _period_columns(filters.period, True),
                detail,
                (_("Total"), None, None, *total),
            ),
        ],
        chart=_time_chart(filters, labels, per_shop, accounts),
    )


def _period_columns(period: str, with_shop: bool) -> list[Column]:
    heading = {DAY: _("Day"), WEEK: _("Week from"), MONTH: _("Month")}[period]
    shop = [Column(_("Channel"), width=16), Column(_("Shop"), width=28)] if with_shop else []
    return [
        Column(heading, DATE, 12),
        *shop,
        Column(_("Orders"), INTEGER),
        Column(_("Units"), INTEGER),
        Column(_("Revenue"), RUPIAH, 18),
    ]


def _time_chart(
    filters: Filters,
    labels: list[date],
    per_shop: dict[tuple[date, int], list[int]],
    accounts: dict[int, ChannelAccount],
) -> ChartData:
    """Revenue per period, one series per channel."""
    per_channel: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for (start, pk), (_orders, _units, revenue) in per_shop.items():
        per_channel[registry.label(accounts[pk].channel)][start] += revenue
    return ChartData(
        kind="bar" if len(labels) <= 62 else "line",
        title=_("Revenue per channel"),
        labels=list(labels),
        series=[
            Series(name, [days[label] for label in labels])
            for name, days in sorted(per_channel.items())
        ],
        unit="rupiah",
    )


# --- top sellers and slow movers -------------------------------------------------------------


@refreshed_first
def top_sellers(filters: Filters) -> ReportResult:
    key = "revenue" if filters.by == REVENUE else "units"
    found = sorted(per_variant(filters), key=lambda v: (-v[key], -v["revenue"], v["sku"]))
    rows = [
        (rank, v["sku"], v["product__name"], v["name"], v["orders"], v["units"], v["revenue"])
        for rank, v in enumerate(found[: filters.limit], start=1)
    ]
    columns = [
        Column(_("Rank"), INTEGER, 6),
        Column("SKU", width=20),
        Column(_("Product"), width=36),
        Column(_("Variant"), width=20),
        Column(_("Orders"), INTEGER),
        Column(_("Units"), INTEGER),
        Column(_("Revenue"), RUPIAH, 18),
    ]
    shown = rows[:TOP_CHART_BARS]
    unit = "rupiah" if key == "revenue" else "count"
    return ReportResult(
        sections=[Section("top", _("Top sellers"), columns, rows)],
        chart=ChartData(
            kind="bar",
            title=_("Top sellers by revenue") if key == "revenue" else _("Top sellers by units"),
            labels=[row[1] for row in shown],
            series=[
                Series(
                    _("Revenue") if key == "revenue" else _("Units"),
                    [row[6 if key == "revenue" else 5] for row in shown],
                )
            ],
            unit=unit,
        ),
    )


@refreshed_first
def slow_movers(filters: Filters) -> ReportResult:
    """SKUs with stock on hand, fewest units sold in the range first (none sold included).
    Units sold are ``sales.units_sold``: a SKU's own sales and its bundles' (a component that
    sells only inside bundles is not slow), as the dashboard's days of cover count them."""
    on_hand = _on_hand(filters)
    sold = sales.units_sold(filters.start, filters.end, filters.shop)
    last_sold = sales.last_sold(_stocked(filters).values("variant_id"))
    ranked = sorted(on_hand, key=lambda pk: (sold.get(pk, 0), -on_hand[pk][2], on_hand[pk][0]))
    now = today()
    rows = [
        (
            on_hand[pk][0], on_hand[pk][1], on_hand[pk][2], sold.get(pk, 0), last_sold.get(pk),
            (now - last_sold[pk]).days if pk in last_sold else None,
        )
        for pk in ranked[: filters.limit]
    ]  # fmt: skip
    columns = [
        Column("SKU", width=20),
        Column(_("Product"), width=36),
        Column(_("On hand"), INTEGER),
        Column(_("Units sold"), INTEGER),
        Column(_("Last sold"), DATE, 12),
        Column(_("Days since last sale"), INTEGER),
    ]
    return ReportResult(sections=[Section("slow", _("Slow movers"), columns, rows)])


def _stocked(filters: Filters) -> QuerySet[Any]:
    """The stock value report's levels (``stock_reports.stock_levels``) with units on hand."""
    return stock_levels(filters).filter(on_hand__gt=0)


def _on_hand(filters: Filters) -> dict[int, tuple[str, str, int]]:
    """SKU, product name and on hand (over the seller's warehouses) of every SKU with stock."""
    grouped_levels = (
        stock_levels(filters).order_by()
        .values("variant_id", "variant__sku", "variant__product__name")
        .annotate(on_hand=Sum("on_hand")).filter(on_hand__gt=0)
    )  # fmt: skip
    return {
        row["variant_id"]: (row["variant__sku"], row["variant__product__name"], row["on_hand"])
        for row in grouped_levels
    }
