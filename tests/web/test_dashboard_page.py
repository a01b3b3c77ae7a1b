"""The Dashboard page: the sales cards, the charts' data and the tables behind them equal the
orders; the period switch; links into the order queue; money hidden from Staff; the page reads
the aggregates (its queries do not grow with the orders); charts load from static files only."""

from __future__ import annotations

import json
import re
from datetime import datetime, time, timedelta
from html import unescape
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from roles_support import an_integration, user_with_role
from sales_support import JAKARTA, SOLD, LinePlan, place, variants, wib_day
from satustok.catalog.models import Variant
from satustok.channels.connect import default_warehouse
from satustok.core.access import Role
from satustok.inventory.models import StockLevel
from satustok.orders.models import Order, OrderLine
from satustok.reports import sales
from satustok.reports.models import SalesDay

pytestmark = pytest.mark.django_db


def at(days_back: int, hour: int) -> datetime:
    day = timezone.localdate() - timedelta(days=days_back)
    return datetime.combine(day, time(hour), tzinfo=JAKARTA)


@pytest.fixture
def shop_orders() -> list[Order]:
    """Three shops on two channels, orders over the last ten days in every status."""
    shops = [
        an_integration(channel="tokopedia", shop_id="1", shop_name="Batik Sari"),
        an_integration(channel="shopee", shop_id="2", shop_name="Sari Shopee"),
        an_integration(channel="tiktokshop", shop_id="3", shop_name="Sari TikTok"),
    ]
    skus = variants(3)
    statuses = [
        "completed",
        "open",
        "cancelled",
        "shipped",
        "pending_payment",
        "returned",
        "accepted",
    ]
    orders = []
    for n in range(30):
        orders.append(
            place(
                shops[n % 3],
                at(n % 10, n % 24),
                [LinePlan(1 + n % 4, 10_000 * (1 + n % 7), skus[n % 3])],
                status=statuses[n % len(statuses)],
            )
        )
    return orders


def as_role(client: Client, role: str) -> Client:
    client.force_login(user_with_role(role))
    return client


def spec(page: str, chart_id: str) -> dict[str, Any]:
    found = re.search(
        rf'<script id="{chart_id}-spec" type="application/json">(.*?)</script>', page, re.S
    )
    assert found, f"no spec for {chart_id}"
    return dict(json.loads(found.group(1)))


def table_values(page: str, table_id: str) -> dict[str, list[int]]:
    """{row key: [data-value of each cell]} of the table behind a chart."""
    body = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', body, re.S)
    return {
        key: [int(float(v)) for v in re.findall(r'data-value="([^"]+)"', cells)]
        for key, cells in rows
    }


def expected(orders: list[Order], first: int, last: int = 0) -> tuple[int, int, int]:
    """(orders, units, revenue) of the sold orders placed ``first``..``last`` days back."""
    today = timezone.localdate()
    chosen = [
        o
        for o in orders
        if o.status in SOLD
        and today - timedelta(days=first) <= wib_day(o.ordered_at) <= today - timedelta(days=last)
    ]
    lines = OrderLine.objects.filter(order__in=chosen)
    return (
        len(chosen),
        sum(line.quantity for line in lines),
        sum(line.quantity * line.price for line in lines),
    )


def card(page: str, key: str) -> int:
    found = re.search(rf'data-testid="{key}"><div class="stat" data-value="(-?\d+)"', page)
    assert found, key
    return int(found.group(1))


@pytest.mark.parametrize(("period", "days"), [("today", 1), ("7d", 7), ("30d", 30)])
def test_the_sales_cards_equal_the_orders_of_the_period(
    client: Client, shop_orders: list[Order], period: str, days: int
) -> None:
    page = as_role(client, Role.OWNER).get(reverse("web:home"), {"period": period})
    html = page.content.decode()
    orders, units, revenue = expected(shop_orders, days - 1)
    assert (card(html, "sales-orders"), card(html, "sales-units")) == (orders, units)
    assert card(html, "sales-revenue") == revenue
    assert f'data-period="{period}" class="active" aria-current="page"' in html


def test_the_revenue_chart_and_its_table_hold_each_days_sums(
    client: Client, shop_orders: list[Order]
) -> None:
    html = as_role(client, Role.OWNER).get(reverse("web:home"), {"period": "7d"}).content.decode()
    chart = spec(html, "revenue-by-day")
    today = timezone.localdate()
    days = [today - timedelta(days=n) for n in range(6, -1, -1)]
    assert chart["labels"] == [day.isoformat() for day in days]
    assert (chart["kind"], chart["unit"], chart["stacked"], chart["dates"]) == (
        "bar",
        "rupiah",
        True,
        True,
    )
    by_channel = {series["label"]: series["values"] for series in chart["series"]}
    assert set(by_channel) == {"Tokopedia", "Shopee", "TikTok Shop"}
    for index, day in enumerate(days):
        back = (today - day).days
        assert (
            sum(values[index] for values in by_channel.values())
            == expected(shop_orders, back, back)[2]
        )
    table = table_values(html, "revenue-by-day-table")
    assert [table[day.isoformat()] for day in days] == [
        [by_channel[label][i] for label in by_channel] for i in range(7)
    ]
    assert table["total"] == [sum(values) for values in by_channel.values()]
    orders_chart = spec(html, "orders-by-day")
    assert sum(sum(s["values"]) for s in orders_chart["series"]) == expected(shop_orders, 6)[0]


def test_the_table_per_channel_and_shop(client: Client, shop_orders: list[Order]) -> None:
    html = as_role(client, Role.VIEWER).get(reverse("web:home"), {"period": "30d"}).content.decode()
    body = html.split('id="sales-by-shop"', 1)[1].split("</table>", 1)[0]
    for order in shop_orders[:3]:
        shop = order.account
        row = re.search(rf'<tr class="sub" data-account="{shop.pk}">(.*?)</tr>', body, re.S)
        assert row and shop.shop_name in row.group(1)
        mine = [o for o in shop_orders if o.account_id == shop.pk]
        values = [int(v) for v in re.findall(r'data-value="(\d+)"', row.group(1))]
        assert values == list(expected(mine, 29))


def test_staff_sees_the_work_but_no_money(client: Client, shop_orders: list[Order]) -> None:
    response = as_role(client, Role.STAFF).get(reverse("web:home"))
    html = response.content.decode()
    assert response.status_code == 200
    for hidden in ('id="sales"', "revenue-by-day", "sales-revenue", "stock-at-cost", "Rp "):
        assert hidden not in html, hidden
    assert 'id="waiting"' in html and 'data-testid="waiting-open"' in html
    assert "chart.umd.min.js" not in html  # no chart, no charting library


def test_the_waiting_cards_link_into_the_order_queue(
    client: Client, shop_orders: list[Order]
) -> None:
    html = as_role(client, Role.STAFF).get(reverse("web:home")).content.decode()
    found = re.search(
        r'href="([^"]+)" data-testid="waiting-open">\s*<div class="stat" data-value="(\d+)"', html
    )
    assert found
    assert unescape(found.group(1)) == reverse("web:orders") + "?tab=open"
    assert int(found.group(2)) == sum(1 for o in shop_orders if o.status == "open")
    queue = client.get(unescape(found.group(1)))
    assert queue.status_code == 200


def test_a_new_order_shows_on_the_next_view_without_waiting_for_the_task(
    client: Client, shop_orders: list[Order]
) -> None:
    owner = as_role(client, Role.OWNER)
    before = card(
        owner.get(reverse("web:home"), {"period": "today"}).content.decode(), "sales-revenue"
    )
    place(shop_orders[0].account, timezone.now(), [LinePlan(2, 333_000, None)], status="open")
    after = card(
        owner.get(reverse("web:home"), {"period": "today"}).content.decode(), "sales-revenue"
    )
    assert after - before == 666_000


def test_the_page_reads_aggregates_its_queries_do_not_grow_with_orders(
    client: Client, shop_orders: list[Order]
) -> None:
    owner = as_role(client, Role.OWNER)
    owner.get(reverse("web:home"))  # the first view brings the aggregates up to date

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner.get(reverse("web:home"), {"period": "30d"}).status_code == 200
        return len(captured)

    few = queries()
    shop = shop_orders[0].account
    for n in range(40):
        place(shop, at(n % 20, 10), [LinePlan(1, 5_000, None)])
    owner.get(reverse("web:home"))  # refreshes the aggregates
    assert queries() == few
    assert SalesDay.objects.count() <= 3 * 30  # a row per shop and day, not per order


def test_stock_value_and_missing_costs_are_shown(client: Client, shop_orders: list[Order]) -> None:
    sku = Variant.objects.order_by("pk").first()
    assert sku is not None
    sku.cost, sku.price = 12_000, 30_000
    sku.save()
    StockLevel.objects.create(warehouse=default_warehouse(), variant=sku, on_hand=10)
    other = Variant.objects.order_by("pk")[1]
    StockLevel.objects.create(warehouse=default_warehouse(), variant=other, on_hand=5)
    html = as_role(client, Role.ADMIN).get(reverse("web:home")).content.decode()
    assert card(html, "stock-at-cost") == 120_000 and card(html, "stock-at-price") == 300_000
    assert 'data-testid="skus-without-cost" data-value="1"' in html


def test_an_odd_period_gets_the_default_not_an_error(
    client: Client, shop_orders: list[Order]
) -> None:
    response = as_role(client, Role.OWNER).get(reverse("web:home"), {"period": "'; drop--"})
    assert response.status_code == 200
    assert 'data-period="7d" class="active"' in response.content.decode()


def test_the_chart_scripts_are_static_files_loaded_once(
    client: Client, shop_orders: list[Order]
) -> None:
    html = as_role(client, Role.OWNER).get(reverse("web:home")).content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    sources = [re.search(r'src="([^"]+)"', s) for s in scripts]
    loaded = [found.group(1) for found in sources if found]
    assert loaded.count("/static/web/vendor/chartjs/chart.umd.min.js") == 1
    assert loaded.count("/static/web/charts.js") == 1
    inline = [s for s, src in zip(scripts, sources, strict=True) if not src]
    assert inline and all('type="application/json"' in s for s in inline)  # data only
    for name in ("/static/web/vendor/chartjs/chart.umd.min.js", "/static/web/charts.js"):
        assert client.get(name).status_code == 200


def test_an_empty_hub_shows_how_to_start(client: Client) -> None:
    html = as_role(client, Role.OWNER).get(reverse("web:home")).content.decode()
    assert reverse("web:integration_add") in html and 'id="sales"' not in html


def test_staff_sees_no_pace_of_sales_in_running_out(
    client: Client, shop_orders: list[Order]
) -> None:
    """ "Per day" is the units sold ÷ 30: the sales Staff may not see, in another form."""
    for variant in Variant.objects.all():
        StockLevel.objects.create(warehouse=default_warehouse(), variant=variant, on_hand=1)
    owner = as_role(client, Role.OWNER).get(reverse("web:home")).content.decode()
    assert 'data-testid="running-out"' in owner and 'data-testid="per-day"' in owner
    staff = as_role(client, Role.STAFF).get(reverse("web:home")).content.decode()
    assert 'data-testid="running-out"' in staff and 'data-testid="per-day"' not in staff
    head = staff.split('data-testid="running-out"', 1)[1].split("</thead>", 1)[0]
    assert head.count("<th ") == 4  # SKU, product, available, days left


def test_the_dashboard_while_the_database_is_busy_shows_the_last_aggregates(
    client: Client, shop_orders: list[Order], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 50,000-row upload being applied holds SQLite's write lock: the refresh before reading
    failed with "database is locked" and the page with it."""
    owner = as_role(client, Role.OWNER)
    before = card(
        owner.get(reverse("web:home"), {"period": "today"}).content.decode(), "sales-revenue"
    )

    def locked() -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(sales, "refresh", locked)
    place(shop_orders[0].account, timezone.now(), [LinePlan(1, 777_000, None)], status="open")
    response = owner.get(reverse("web:home"), {"period": "today"})
    assert response.status_code == 200
    assert card(response.content.decode(), "sales-revenue") == before
