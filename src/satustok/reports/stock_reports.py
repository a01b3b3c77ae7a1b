"""Stock on hand and its value per warehouse.

One row per SKU and warehouse (``inventory.StockLevel``): on hand, reserved, available, the
variant's unit cost and master price, and the value of what is on hand at each — on hand ×
cost and on hand × price, whole rupiah. Bundles are left out: they have no stock of their own
(their units are their components'), so counting them would count the same shelf twice. A
negative on hand (more taken than was counted) is shown as it is but is worth nothing: value
is never negative. SKUs whose cost or price is not set count nothing towards that value; the
report says how many there are, so a total that is partial says so.

Shared with the dashboard and the slow movers (one definition each): :func:`stock_levels` (the
levels that count: not bundles', in the seller's warehouses) and :class:`Missing` (*SKUs
without cost*: the distinct SKUs with units on hand whose cost is not set — a SKU in two
warehouses is one SKU). Values are summed in Python: on hand × cost can pass the 64-bit
integers a database sums in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from satustok.catalog.models import BundleComponent
from satustok.core.spreadsheet import INTEGER, RUPIAH, Column
from satustok.inventory.models import StockLevel
from satustok.reports.filters import Filters
from satustok.reports.tables import ChartData, ReportResult, Row, Section, Series


@dataclass
class Missing:
    """The SKUs with units on hand whose cost, or master price, is not set: distinct SKUs."""

    cost: set[str] = field(default_factory=set)
    price: set[str] = field(default_factory=set)

    def note(self, sku: str, on_hand: int, cost: int | None, price: int | None) -> None:
        if on_hand > 0 and cost is None:
            self.cost.add(sku)
        if on_hand > 0 and price is None:
            self.price.add(sku)

    def add(self, other: Missing) -> None:
        self.cost |= other.cost
        self.price |= other.price


@dataclass
class WarehouseTotals:
    name: str
    skus: int = 0
    on_hand: int = 0
    reserved: int = 0
    available: int = 0
    at_cost: int = 0
    at_price: int = 0
    missing: Missing = field(default_factory=Missing)

    def add(
        self, sku: str, on_hand: int, reserved: int, cost: int | None, price: int | None
    ) -> None:
        self.skus += 1
        self.on_hand += on_hand
        self.reserved += reserved
        self.available += on_hand - reserved
        self.at_cost += value(on_hand, cost)
        self.at_price += value(on_hand, price)
        self.missing.note(sku, on_hand, cost, price)

    def row(self) -> Row:
        return (
            self.name, self.skus, self.on_hand, self.reserved, self.available, self.at_cost,
            self.at_price, len(self.missing.cost), len(self.missing.price),
        )  # fmt: skip


def value(on_hand: int, unit: int | None) -> int:
    """What ``on_hand`` units are worth at ``unit`` rupiah each (0: unknown or nothing there)."""
    return max(on_hand, 0) * unit if unit is not None else 0


def stock_levels(filters: Filters | None = None) -> QuerySet[StockLevel]:
    """The levels that count as stock: not bundles' (a bundle's units are its components'), in
    the seller's warehouses (every warehouse without ``filters``)."""
    levels = StockLevel.objects.exclude(variant__in=BundleComponent.objects.values("bundle"))
    if filters is None:
        return levels
    if filters.warehouses is not None:
        levels = levels.filter(warehouse_id__in=filters.warehouses)
    if filters.warehouse is not None:
        levels = levels.filter(warehouse=filters.warehouse)
    return levels


def stock_value(filters: Filters) -> ReportResult:
    rows = stock_levels(filters).order_by("warehouse__name", "warehouse_id", "variant__sku_key")
    columns = (
        "warehouse__name", "variant__sku", "variant__product__name", "variant__name", "on_hand",
        "reserved", "variant__cost", "variant__price",
    )  # fmt: skip
    detail: list[Row] = []
    per_warehouse: dict[str, WarehouseTotals] = {}
    for warehouse, sku, product, variant, on_hand, reserved, cost, price in rows.values_list(
        *columns
    ):
        totals = per_warehouse.setdefault(warehouse, WarehouseTotals(warehouse))
        totals.add(sku, on_hand, reserved, cost, price)
        detail.append(
            (warehouse, sku, product, variant, on_hand, reserved, on_hand - reserved, cost,
             price, value(on_hand, cost), value(on_hand, price))
        )  # fmt: skip
    summary = [totals.row() for totals in per_warehouse.values()]
    missing = Missing()
    for totals in per_warehouse.values():
        missing.add(totals.missing)
    return ReportResult(
        sections=[
            Section(
                "warehouses",
                _("By warehouse"),
                _summary_columns(),
                summary,
                _summary_totals(per_warehouse.values(), missing),
            ),
            Section("skus", _("By SKU"), _detail_columns(), detail, _detail_totals(detail)),
        ],
        notes=_notes(len(missing.cost), len(missing.price)),
        chart=_chart(per_warehouse.values()),
    )


def _summary_columns() -> list[Column]:
    return [
        Column(_("Warehouse"), width=24),
        Column(_("SKUs"), INTEGER),
        Column(_("On hand"), INTEGER),
        Column(_("Reserved"), INTEGER),
        Column(_("Available"), INTEGER),
        Column(_("Value at cost"), RUPIAH, 18),
        Column(_("Value at price"), RUPIAH, 18),
        Column(_("SKUs without cost"), INTEGER),
        Column(_("SKUs without price"), INTEGER),
    ]


def _detail_columns() -> list[Column]:
    return [
        Column(_("Warehouse"), width=24),
        Column("SKU", width=20),
        Column(_("Product"), width=36),
        Column(_("Variant"), width=20),
        Column(_("On hand"), INTEGER),
        Column(_("Reserved"), INTEGER),
        Column(_("Available"), INTEGER),
        Column(_("Unit cost"), RUPIAH, 14),
        Column(_("Price"), RUPIAH, 14),
        Column(_("Value at cost"), RUPIAH, 18),
        Column(_("Value at price"), RUPIAH, 18),
    ]


def _summary_totals(per_warehouse: Iterable[WarehouseTotals], missing: Missing) -> Row:
    """Sums over the warehouses; the SKUs without cost or price counted once each."""
    rows = [totals.row() for totals in per_warehouse]
    sums = (sum(row[i] for row in rows) for i in range(1, 7))
    return (_("Total"), *sums, len(missing.cost), len(missing.price))


def _detail_totals(detail: list[Row]) -> Row:
    sums = [sum(row[i] for row in detail) for i in (4, 5, 6)]
    at_cost, at_price = sum(row[9] for row in detail), sum(row[10] for row in detail)
    return (_("Total"), None, None, None, *sums, None, None, at_cost, at_price)


def _notes(without_cost: int, without_price: int) -> list[str]:
    notes = []
    if without_cost:
        notes.append(
            _("%(count)s SKUs in stock have no unit cost: the value at cost leaves them out.")
            % {"count": without_cost}
        )
    if without_price:
        notes.append(
            _("%(count)s SKUs in stock have no master price: the value at price leaves them out.")
            % {"count": without_price}
        )
    return notes


def _chart(per_warehouse: Iterable[WarehouseTotals]) -> ChartData:
    warehouses = list(per_warehouse)
    return ChartData(
        kind="bar",
        title=_("Stock value per warehouse"),
        labels=[w.name for w in warehouses],
        series=[
            Series(_("Value at cost"), [w.at_cost for w in warehouses]),
            Series(_("Value at price"), [w.at_price for w in warehouses]),
        ],
        unit="rupiah",
    )
