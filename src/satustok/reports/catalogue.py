"""Every report the hub offers, by name: its title, who may open it, the filters its form shows
and the function that builds it. The web pages, the downloads, the background exports and the
REST API all start here, so a report is added in one place.

Sales, top sellers, slow movers and stock value show money or how the business sells: they
need ``VIEW_REPORTS`` (Owner, Admin, Viewer; not Staff). The stock ledger, import runs and
push failures are operational records that Staff already sees on the SKU pages and in the
sync log: they need only ``VIEW``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from satustok.core.access import Permission, can
from satustok.reports import activity_reports, ledger_report, sales_reports, stock_reports
from satustok.reports.filters import Filters
from satustok.reports.tables import ReportResult

SALES_FILTERS = ("start", "end", "shop")


@dataclass(frozen=True)
class Report:
    name: str  # in addresses and file names
    title: Promise
    description: Promise
    permission: Permission
    fields: tuple[str, ...]  # the filters its form shows (see reports.filters)
    build: Callable[[Filters], ReportResult]
    group: str = "sales"  # "sales", "stock" or "operations": where the index lists it
    dated: bool = True  # the file name carries the range

    def allowed(self, user: Any) -> bool:
        return can(user, self.permission)


REPORTS: dict[str, Report] = {
    report.name: report
    for report in (
        Report(
            "sales-over-time",
            _("Sales over time"),
            _("Orders, units and revenue per day, week or month, per channel and shop."),
            Permission.VIEW_REPORTS,
            ("start", "end", "period", "shop"),
            sales_reports.sales_over_time,
        ),
        Report(
            "sales-by-shop",
            _("Sales by channel and shop"),
            _("Orders, units, revenue and average order per channel and per shop."),
            Permission.VIEW_REPORTS,
            ("start", "end"),
            sales_reports.sales_by_shop,
        ),
        Report(
            "sales-by-sku",
            _("Sales by SKU"),
            _("Orders, units and revenue of every master SKU that sold."),
            Permission.VIEW_REPORTS,
            SALES_FILTERS,
            sales_reports.sales_by_sku,
        ),
        Report(
            "sales-by-product",
            _("Sales by product"),
            _("Units and revenue per master product, its variants together."),
            Permission.VIEW_REPORTS,
            SALES_FILTERS,
            sales_reports.sales_by_product,
        ),
        Report(
            "top-sellers",
            _("Top sellers"),
            _("The SKUs that sold the most units or brought the most revenue."),
            Permission.VIEW_REPORTS,
            (*SALES_FILTERS, "by", "limit"),
            sales_reports.top_sellers,
        ),
        Report(
            "slow-movers",
            _("Slow movers"),
            _("SKUs in stock that sold the fewest units, those that sold none first."),
            Permission.VIEW_REPORTS,
            (*SALES_FILTERS, "warehouse", "limit"),
            sales_reports.slow_movers,
        ),
        Report(
            "stock-value",
            _("Stock on hand and its value"),
            _("On hand, reserved and available per SKU and warehouse, valued at cost and price."),
            Permission.VIEW_REPORTS,
            ("warehouse",),
            stock_reports.stock_value,
            group="stock",
            dated=False,
        ),
        Report(
            "stock-ledger",
            _("Stock ledger"),
            _("Every change to stock: by SKU, reason, person, warehouse and date."),
            Permission.VIEW,
            ("start", "end", "sku", "reason", "user", "warehouse"),
            ledger_report.stock_ledger,
            group="stock",
        ),
        Report(
            "import-runs",
            _("Import runs"),
            _("Every product import and preview, with its counts per bucket."),
            Permission.VIEW,
            ("start", "end", "shop"),
            activity_reports.import_runs,
            group="operations",
        ),
        Report(
            "push-failures",
            _("Push failures"),
            _("Stock and price pushes a channel refused or that will be retried."),
            Permission.VIEW,
            ("start", "end", "shop", "result"),
            activity_reports.push_failures,
            group="operations",
        ),
    )
}


def get(name: str) -> Report | None:
    return REPORTS.get(name)


def visible_to(user: Any) -> list[Report]:
    return [report for report in REPORTS.values() if report.allowed(user)]
