"""The Dashboard: the seller's first screen — sales today and over the last 7 / 30 days per
channel and shop (numbers and a chart with the table behind it), the orders waiting for
action, stock value, SKUs running out, oversold SKUs, low stock, listings not linked, and each
integration's sync health.

Fast at a year of orders (``bench/scenario_dashboard.py``): sales come from the aggregates
(``reports/sales.py``; refreshed here first, two small indexed queries when no order changed;
a database busy with a long write shows the last aggregates instead of failing), the
rest are small grouped or indexed queries (``reports/dashboard.py``). Money figures — sales
and stock value — need ``VIEW_REPORTS``: a Staff user sees the work, not the takings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import ChannelAccount, Listing
from satustok.core.access import Permission, can
from satustok.inventory.digest import last_digest
from satustok.inventory.low_stock import low_stock
from satustok.inventory.models import StockLevel
from satustok.orders.models import Order, OrderStatus
from satustok.reports import dashboard, sales
from satustok.sync.models import ImportRun
from satustok.web.access import requires
from satustok.web.charts import Chart, chart

SHOWN = 10  # rows of each list on the page; the full lists are a link away


@requires(Permission.VIEW)
def home(request: HttpRequest) -> HttpResponse:
    integrations = list(ChannelAccount.objects.order_by("shop_name"))
    context: dict[str, Any] = {"nav": "dashboard", "integrations": integrations}
    if integrations:
        context.update(_desk(request))
    return render(request, "web/dashboard.html", context)


def _desk(request: HttpRequest) -> dict[str, Any]:
    sees_money = can(request.user, Permission.VIEW_REPORTS)
    sales.refresh_for_reading()  # days of cover read the aggregates too, whoever looks
    now = timezone.now()
    health = dashboard.sync_health(now)
    waiting = dashboard.waiting_orders(now)
    context: dict[str, Any] = {
        "sees_money": sees_money,
        "waiting": _with_links(waiting),
        "running_out": dashboard.running_out(limit=SHOWN),
        "health": health,
        "unlinked": sum(entry.unlinked_listings for entry in health),
        **_catalogue(),
        **_stock_lists(request, unlinked_orders=_count_of(waiting, "unlinked")),
        "recent_runs": ImportRun.objects.select_related("account")[:5],
    }
    if sees_money:
        context.update(_money(request))
    return context


def _money(request: HttpRequest) -> dict[str, Any]:
    period = dashboard.period_named(request.GET.get("period"))
    overview = dashboard.sales_overview(period)
    return {
        "period": period,
        "periods": [
            {"key": key, "label": label, "active": key == period.key}
            for key, (label, _days) in dashboard.PERIODS.items()
        ],
        "overview": overview,
        "sales_figures": _sales_figures(overview),
        "revenue_chart": _revenue_chart(overview),
        "orders_chart": _orders_chart(overview),
        "stock_value": dashboard.stock_value(),
    }


def _sales_figures(overview: dashboard.SalesOverview) -> list[dict[str, Any]]:
    """The three cards: the period's total and its change against the period before."""
    labels = {"orders": _("Orders"), "units": _("Units sold"), "revenue": _("Revenue")}
    return [
        {
            "key": key,
            "label": label,
            "value": getattr(overview.total, key),
            "money": key == "revenue",
            "change": overview.change(key),
        }
        for key, label in labels.items()
    ]


def _revenue_chart(overview: dashboard.SalesOverview) -> Chart:
    return chart(
        "revenue-by-day",
        title=_("Revenue per day and channel"),
        labels=overview.chart_days,
        series=overview.revenue_by_day,
        unit="rupiah",
        kind="bar",
        stacked=True,
        label_heading=_("Day"),
    )


def _orders_chart(overview: dashboard.SalesOverview) -> Chart:
    return chart(
        "orders-by-day",
        title=_("Orders per day and channel"),
        labels=overview.chart_days,
        series=overview.orders_by_day,
        unit="count",
        kind="line",
        label_heading=_("Day"),
    )


def _with_links(waiting: list[dashboard.Waiting]) -> list[dict[str, Any]]:
    orders, returns = reverse("web:orders"), reverse("web:returns")
    return [
        {
            "entry": entry,
            "url": returns if entry.page == "returns" else f"{orders}?{urlencode(entry.params)}",
        }
        for entry in waiting
    ]


def _catalogue() -> dict[str, Any]:
    return {
        "products": MasterProduct.objects.count(),
        "variants": Variant.objects.count(),
        "listings": Listing.objects.count(),
    }


def _count_of(waiting: list[dashboard.Waiting], key: str) -> int:
    return next(entry.count for entry in waiting if entry.key == key)


def _stock_lists(request: HttpRequest, *, unlinked_orders: int) -> dict[str, Any]:
    oversold = StockLevel.objects.filter(reserved__gt=F("on_hand")).select_related(
        "variant", "warehouse"
    )
    # Orders whose lines match no master SKU: their stock is not followed (rule 7). Counted
    # with the orders waiting (the same filter), listed here.
    unlinked = (
        Order.objects.filter(has_unlinked_lines=True)
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("account")
    )
    low = low_stock(request.user)  # the warehouses this user works in
    return {
        "oversold": oversold[:20],
        "oversold_count": oversold.count(),
        "unlinked_orders": unlinked[:SHOWN],
        "unlinked_orders_count": unlinked_orders,
        "low_stock": low[:SHOWN],
        "low_stock_count": low.count(),
        "last_digest": last_digest(),
    }
