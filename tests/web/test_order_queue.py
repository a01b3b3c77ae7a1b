"""The order list as a work queue (``orders/queue.py`` and the Orders page): each filter
narrows to exactly the orders the ORM finds, the tab counts are the ORM's counts, the to-ship
tabs put overdue orders first then the soonest deadline, search finds a tracking number,
hostile query strings still give the page, and the page reads in English on request."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from roles_support import an_integration, user_with_role
from satustok.catalog.models import MasterProduct, Variant
from satustok.core.access import Role
from satustok.inventory.models import Warehouse
from satustok.orders.models import Order, OrderLine, OrderStatus
from satustok.orders.queue import QueueFilters, countdown, queue, tab_counts

pytestmark = pytest.mark.django_db

NOW = timezone.now()
WIB = timezone.get_default_timezone()
COURIERS = ["JNE Reguler", "SiCepat REG", ""]
STATUSES = list(OrderStatus.values)


@pytest.fixture
def world() -> dict[str, Any]:
    """Two shops on two channels fed by two warehouses, and 45 orders spread over statuses,
    deadlines, couriers, buyers, days and SKUs."""
    north = Warehouse.objects.create(name="Gudang Utara", code="utara")
    first = an_integration(shop_name="Toko Satu")
    second = an_integration(channel="shopee", shop_id="77", shop_name="Toko Dua", warehouse=north)
    product = MasterProduct.objects.create(name="Kaos")
    variants = [Variant.objects.create(product=product, sku=f"KAOS-{n}") for n in range(3)]
    orders = []
    for n in range(45):
        order = Order.objects.create(
            account=first if n % 3 else second,
            external_id=f"9{n:04d}",
            invoice=f"INV/2026/{n:04d}",
            status=STATUSES[n % len(STATUSES)],
            channel_status=str(n),
            buyer_name=["Budi Santoso", "Siti Aminah", "Agus"][n % 3],
            ordered_at=NOW - timedelta(days=n % 10, hours=n),
            ship_by=None if n % 7 == 0 else NOW + timedelta(hours=(n % 11) - 4, minutes=n),
            courier=COURIERS[n % 3],
            tracking_number=f"TRK{n:06d}" if n % 2 else "",
            item_count=n % 4 + 1,
            has_unlinked_lines=n % 5 == 0,
        )
        OrderLine.objects.create(
            order=order,
            external_product_id=str(n),
            sku=f"CH-{n % 4}-X",
            quantity=1,
            variant=variants[n % 3] if n % 4 else None,
            linked=bool(n % 4),
        )
        orders.append(order)
    return {"first": first, "second": second, "north": north, "orders": orders}


@pytest.fixture
def viewer(client: Client) -> Client:
    client.force_login(user_with_role(Role.VIEWER))
    client.cookies["django_language"] = "en"
    return client


def shown(client: Client, **params: str) -> list[str]:
    """The external ids of the rows the list shows, in order (page 1)."""
    response = client.get(reverse("web:orders"), params)
    assert response.status_code == 200
    return re.findall(r'data-order="([^"]+)"', response.content.decode())


def ids(orders: Any) -> list[str]:
    return list(orders.values_list("external_id", flat=True))


def wib_day(moment: datetime) -> str:
    return timezone.localtime(moment, WIB).date().isoformat()


def test_each_filter_narrows_to_exactly_what_the_orm_finds(
    world: dict[str, Any], viewer: Client
) -> None:
    everything = Order.objects.all()
    day = wib_day(NOW - timedelta(days=3))
    start = datetime.fromisoformat(day).replace(tzinfo=WIB)
    cases: list[tuple[dict[str, str], Any]] = [
        ({"channel": "shopee"}, everything.filter(account__channel="shopee")),
        ({"integration": str(world["first"].pk)}, everything.filter(account=world["first"])),
        ({"warehouse": str(world["north"].pk)}, everything.filter(account=world["second"])),
        ({"courier": "SiCepat REG"}, everything.filter(courier="SiCepat REG")),
        (
            {"date_from": day, "date_to": day},
            everything.filter(ordered_at__gte=start, ordered_at__lt=start + timedelta(days=1)),
        ),
        ({"sku": "CH-2"}, everything.filter(lines__sku__startswith="CH-2")),
        ({"sku": "KAOS-1"}, everything.filter(lines__variant__sku="KAOS-1")),
        ({"buyer": "siti"}, everything.filter(buyer_name__icontains="siti")),
        ({"q": "TRK000007"}, everything.filter(tracking_number="TRK000007")),
        ({"q": "INV/2026/0012"}, everything.filter(invoice="INV/2026/0012")),
        ({"q": "90031"}, everything.filter(external_id="90031")),
        ({"unlinked": "1"}, everything.filter(has_unlinked_lines=True)),
        (
            {"channel": "tokopedia", "courier": "SiCepat REG", "tab": "to_ship"},
            everything.filter(
                account__channel="tokopedia",
                courier="SiCepat REG",
                status__in=["open", "accepted", "ready_to_ship"],
            ),
        ),
    ]
    for params, expected in cases:
        found = shown(viewer, **params)
        assert sorted(found) == sorted(ids(expected.distinct())), params
        assert 0 < len(found) < 45, params  # each case narrows to something


def test_tab_counts_equal_the_orms_counts(world: dict[str, Any], viewer: Client) -> None:
    html = viewer.get(reverse("web:orders"), {"integration": world["first"].pk}).content.decode()
    counts = dict(re.findall(r'data-testid="tab-([a-z_]+)" data-count="(\d+)"', html))
    mine = Order.objects.filter(account=world["first"])
    assert int(counts["all"]) == mine.count()
    assert (
        int(counts["to_ship"])
        == mine.filter(Q(status="open") | Q(status="accepted") | Q(status="ready_to_ship")).count()
    )
    for status in STATUSES:
        assert int(counts[status]) == mine.filter(status=status).count(), status
    assert tab_counts(QueueFilters()) == {
        **{s: Order.objects.filter(status=s).count() for s in STATUSES},
        "all": 45,
        "to_ship": Order.objects.filter(status__in=["open", "accepted", "ready_to_ship"]).count(),
    }


def test_to_ship_puts_overdue_first_then_the_soonest_deadline(
    world: dict[str, Any], viewer: Client
) -> None:
    found = shown(viewer, tab="to_ship")
    deadlines = [Order.objects.get(external_id=e).ship_by for e in found]
    dated = [d for d in deadlines if d is not None]
    assert dated == sorted(dated) and dated[0] < NOW  # overdue ones lead
    assert deadlines[len(dated) :] == [None] * (len(deadlines) - len(dated))  # no deadline last
    html = viewer.get(reverse("web:orders"), {"tab": "to_ship"}).content.decode()
    overdue = sum(1 for d in dated if d < timezone.now())
    assert html.count('data-overdue="1"') == overdue and "overdue" in html
    # Elsewhere the newest first.
    everything = shown(viewer)
    assert everything == ids(Order.objects.order_by("-ordered_at", "-id"))[:50]


def test_countdown_speaks_the_sellers_language() -> None:
    order = Order(status=OrderStatus.ACCEPTED, ship_by=NOW + timedelta(hours=2, minutes=14))
    with translation.override("id"):
        ahead = countdown(order, NOW + timedelta(seconds=20))
        late = countdown(order, NOW + timedelta(hours=5, minutes=14))
    assert ahead is not None and ahead.text == "2 j 13 m lagi"
    assert late is not None and late.text == "terlambat 3 j 0 m"


@translation.override("en")
def test_countdown_is_worked_out_on_the_server() -> None:
    order = Order(status=OrderStatus.ACCEPTED, ship_by=NOW + timedelta(hours=2, minutes=14))
    ahead = countdown(order, NOW + timedelta(seconds=20))
    assert ahead is not None and ahead.text == "2 h 13 m left" and ahead.urgent
    late = countdown(order, NOW + timedelta(hours=5, minutes=14))
    assert late is not None and late.overdue and late.text == "overdue 3 h 0 m"
    far = countdown(order, NOW - timedelta(days=2))
    assert far is not None and far.text == "2 d 2 h left" and not far.urgent
    order.status = OrderStatus.SHIPPED
    assert countdown(order, NOW) is None  # nothing left to ship


def test_search_by_tracking_number_finds_the_one_order(
    world: dict[str, Any], viewer: Client
) -> None:
    assert shown(viewer, q="TRK000021") == ["90021"]
    assert shown(viewer, q="TRK00002") == ids(  # a beginning finds its orders
        Order.objects.filter(tracking_number__startswith="TRK00002").order_by("-ordered_at")
    )
    html = viewer.get(reverse("web:orders"), {"q": "TRK000021"}).content.decode()
    assert 'data-testid="tracking-number">TRK000021<' in html


@pytest.mark.parametrize(
    "params",
    [
        {"integration": "99999999999999999999999"},
        {"warehouse": "-1", "courier": "\x00", "q": "a\x00b"},
        {"date_from": "2026-13-45", "date_to": "kemarin"},
        {"tab": "<script>", "page": "99999999999999999999"},
        {"sku": "x" * 5000, "buyer": "%' OR 1=1 --", "status": "nope"},
        {"page": "-3", "integration": "²"},
    ],
)
def test_hostile_filters_give_the_page(
    world: dict[str, Any], viewer: Client, params: dict[str, str]
) -> None:
    response = viewer.get(reverse("web:orders"), params)
    assert response.status_code == 200


def test_pages_use_the_known_count_and_stay_filtered(world: dict[str, Any], viewer: Client) -> None:
    extra = [
        Order(
            account=world["first"],
            external_id=f"8{n:04d}",
            status=OrderStatus.OPEN,
            channel_status="220",
            ordered_at=NOW,
            ship_by=NOW + timedelta(days=1, minutes=n),
        )
        for n in range(60)
    ]
    Order.objects.bulk_create(extra)
    first_page = shown(viewer, tab="open")
    second = viewer.get(reverse("web:orders"), {"tab": "open", "page": "2"}).content.decode()
    rest = re.findall(r'data-order="([^"]+)"', second)
    assert len(first_page) == 50 and not set(first_page) & set(rest)
    assert len(first_page) + len(rest) == Order.objects.filter(status="open").count()
    assert "tab=open&amp;page=1" in second or "tab=open&page=1" in second  # the pager keeps it
    filters = QueueFilters.from_params({"tab": "open"})
    assert list(queue(filters).values_list("external_id", flat=True))[:50] == first_page


def test_english_on_request_and_indonesian_by_default(
    world: dict[str, Any], client: Client
) -> None:
    client.force_login(user_with_role(Role.VIEWER))
    default = client.get(reverse("web:orders")).content.decode()
    assert '<html lang="id">' in default
    client.cookies["django_language"] = "en"
    english = client.get(reverse("web:orders")).content.decode()
    assert '<html lang="en">' in english and "To ship" in english and "Returns" in english


def test_the_bulk_bar_shows_only_to_those_who_work_orders(
    world: dict[str, Any], viewer: Client, client: Client
) -> None:
    html = viewer.get(reverse("web:orders")).content.decode()
    assert 'data-testid="bulk-bar"' not in html and 'name="order"' not in html
    staff = Client()
    staff.force_login(user_with_role(Role.STAFF))
    html = staff.get(reverse("web:orders"), {"tab": "to_ship"}).content.decode()
    assert 'data-testid="bulk-bar"' in html and 'data-testid="select-page"' in html
    assert html.count('name="order"') == len(re.findall(r'data-order="', html))
    assert 'name="tab" value="to_ship"' in html  # "all in this filter" sends the filter
