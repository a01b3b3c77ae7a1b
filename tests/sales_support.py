"""Orders for the sales aggregates' tests (tests/reports, tests/web), and the sums those tests
compare the aggregates with — computed here in plain Python from the orders themselves, never
through ``satustok.reports``, so that a wrong query there cannot agree with itself."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import ChannelAccount
from satustok.orders.models import Order, OrderLine

JAKARTA = ZoneInfo("Asia/Jakarta")
# Written out again on purpose (not imported): paid and neither cancelled nor returned.
SOLD = {"open", "accepted", "ready_to_ship", "shipped", "delivered", "completed"}
ALL_STATUSES = (
    "pending_payment",
    "open",
    "accepted",
    "ready_to_ship",
    "shipped",
    "delivered",
    "completed",
    "cancelled",
    "returned",
)


@dataclass(frozen=True)
class LinePlan:
    quantity: int
    price: int
    variant: Variant | None  # None: a line linked to no master SKU


_numbers = iter(range(1, 10**9))


def variants(count: int, prefix: str = "SKU") -> list[Variant]:
    product = MasterProduct.objects.create(name=f"Produk {prefix}")
    return [
        Variant.objects.create(product=product, sku=f"{prefix}-{index:03d}")
        for index in range(count)
    ]


def place(
    account: ChannelAccount,
    ordered_at: datetime,
    lines: Sequence[LinePlan],
    *,
    status: str = "completed",
    stock_effect: str = "none",
) -> Order:
    """An order as ingestion stores it (without touching stock: these tests count sales)."""
    number = next(_numbers)
    order = Order.objects.create(
        account=account,
        external_id=f"S{number}",
        status=status,
        channel_status=status.upper(),
        ordered_at=ordered_at,
        stock_effect=stock_effect,
        item_count=sum(line.quantity for line in lines),
        has_unlinked_lines=any(line.variant is None for line in lines),
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            external_product_id=f"P{line.variant.pk if line.variant else 'x' + str(number)}",
            sku=line.variant.sku if line.variant else f"LEPAS-{number}",
            quantity=line.quantity,
            price=line.price,
            variant=line.variant,
            linked=line.variant is not None,
        )
        for line in lines
    )
    return order


def wib_day(moment: datetime) -> date:
    return moment.astimezone(JAKARTA).date()


def expected_sales(
    orders: Iterable[Order] | None = None,
) -> dict[tuple[date, int], tuple[int, ...]]:
    """{(day, account id): (orders, units, revenue)} summed in Python over every stored order."""
    totals: dict[tuple[date, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for order, lines in _sold(orders):
        figures = totals[(wib_day(order.ordered_at), order.account_id)]
        figures[0] += 1
        figures[1] += sum(line.quantity for line in lines)
        figures[2] += sum(line.price * line.quantity for line in lines)
    return {key: tuple(value) for key, value in totals.items()}


def expected_sku_sales(
    orders: Iterable[Order] | None = None,
) -> dict[tuple[date, int, int], tuple[int, ...]]:
    """{(day, account id, variant id): (orders, units, revenue)} over linked lines."""
    totals: dict[tuple[date, int, int], list[Any]] = defaultdict(lambda: [set(), 0, 0])
    for order, lines in _sold(orders):
        for line in lines:
            if line.variant_id is None:
                continue
            figures = totals[(wib_day(order.ordered_at), order.account_id, line.variant_id)]
            figures[0].add(order.pk)
            figures[1] += line.quantity
            figures[2] += line.price * line.quantity
    return {key: (len(value[0]), value[1], value[2]) for key, value in totals.items()}


def _sold(orders: Iterable[Order] | None) -> list[tuple[Order, list[OrderLine]]]:
    chosen = list(Order.objects.all() if orders is None else orders)
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in OrderLine.objects.filter(order__in=[order.pk for order in chosen]):
        lines[line.order_id].append(line)
    return [
        (order, lines[order.pk])
        for order in chosen
        if order.status in SOLD and order.stock_effect != "elsewhere"
    ]


def stored_sales() -> dict[tuple[date, int], tuple[int, ...]]:
    from satustok.reports.models import SalesDay

    return {
        (row.day, row.account_id): (row.orders, row.units, row.revenue)
        for row in SalesDay.objects.all()
    }


def stored_sku_sales() -> dict[tuple[date, int, int], tuple[int, ...]]:
    from satustok.reports.models import SkuSalesDay

    return {
        (row.day, row.account_id, row.variant_id): (row.orders, row.units, row.revenue)
        for row in SkuSalesDay.objects.all()
    }
