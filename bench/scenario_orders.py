"""``orders``: the order list as a work queue at N orders (100,000 in full), built directly in
the database.

1. **Build** (not a figure): 2 warehouses, 6 shops over the three channels, 500 master SKUs,
   N orders with ``bulk_create`` — statuses spread as a busy shop's are (most completed, a
   third still to ship, some cancelled and returned), ship-by deadlines from 2 days overdue
   to 3 days ahead on the to-ship ones, 6 couriers, tracking numbers once arranged, 1–3
   lines each (channel SKU and linked master SKU), ``item_count`` filled as ingest fills it.
2. **Queries**, each timed ``rounds`` times after one warm-up (the figures' samples):
   - ``tab_counts``: the grouped count of every tab under the shop + courier filter;
   - ``filtered_page``: the to-ship tab + one shop + one courier, page 1 (rows fetched);
   - ``page_200``: the to-ship tab alone, page 200 (offset 9,950; the quick run asks its
     last page instead);
   - ``search``: one tracking number;
   - ``view``: the whole Orders page for the filtered page, through Django's test Client
     (tab counts, the page, the filters' choices, the template), logged in as an Owner.
   Each query reports p50 and p95 in milliseconds (``queries``).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

BATCH = 5_000
SKUS = 500
COURIERS = ("JNE Reguler", "J&T Express", "SiCepat REG", "AnterAja", "GoSend Instant", "Pos")
# (status, weight): a shop a few months in — most orders done, a third still to ship.
STATUS_SPREAD = (
    ("pending_payment", 3),
    ("open", 12),
    ("accepted", 10),
    ("ready_to_ship", 10),
    ("shipped", 10),
    ("delivered", 5),
    ("completed", 40),
    ("cancelled", 7),
    ("returned", 3),
)
TO_SHIP = frozenset({"open", "accepted", "ready_to_ship"})
PER_PAGE = 50


def run(orders: int, rounds: int) -> dict[str, Any]:
    started = time.perf_counter()
    shop_id = build(orders)
    result: dict[str, Any] = {
        "orders_built": orders,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    queries = measure(shop_id, rounds)
    result["queries"] = {name: _summary(samples) for name, samples in queries.items()}
    for name, samples in queries.items():
        result[f"{name}_ms"] = [round(s, 2) for s in samples]
    return result


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2)}


def build(count: int) -> int:
    """The shops, the catalogue and ``count`` orders; returns the shop the filters name."""
    from django.db import transaction

    from satustok.catalog.models import MasterProduct, Variant
    from satustok.catalog.sku import sku_key
    from satustok.channels.connect import default_warehouse
    from satustok.channels.models import ChannelAccount
    from satustok.inventory.models import Warehouse

    rng = random.Random(14)
    warehouses = [default_warehouse(), Warehouse.objects.create(name="Gudang 2", code="gudang-2")]
    accounts = [
        ChannelAccount.objects.create(
            channel=channel,
            shop_id=f"{9000 + k}",
            shop_name=f"Toko Antrian {k}",
            app_id="1",
            client_id=f"bench-{k}",
            client_secret="bench-secret",
            warehouse=warehouses[k % 2],
        )
        for k, channel in enumerate(("tokopedia", "shopee", "tiktokshop") * 2)
    ]
    product = MasterProduct.objects.create(name="Antrian")
    variants = Variant.objects.bulk_create(
        Variant(product=product, sku=f"ANT-{i:04d}", sku_key=sku_key(f"ANT-{i:04d}"))
        for i in range(SKUS)
    )
    statuses = [s for s, _ in STATUS_SPREAD]
    weights = [w for _, w in STATUS_SPREAD]
    for start in range(0, count, BATCH):
        with transaction.atomic():
            _batch(rng, range(start, min(start + BATCH, count)), accounts, variants, statuses,
                   weights)  # fmt: skip
    return accounts[1].pk


def _batch(
    rng: random.Random,
    indexes: range,
    accounts: list[Any],
    variants: list[Any],
    statuses: list[str],
    weights: list[int],
) -> None:
    from django.utils import timezone

    from satustok.orders.models import Order, OrderLine

    now = timezone.now()
    orders, line_plans = [], []
    for i in indexes:
        status = rng.choices(statuses, weights)[0]
        lines = [(rng.choice(variants), rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]
        arranged = status not in {"pending_payment", "open", "accepted", "cancelled"}
        orders.append(
            Order(
                account=accounts[i % len(accounts)],
                external_id=f"{5_000_000_000 + i}",
                invoice=f"INV/20261207/MPL/{i:09d}",
                status=status,
                channel_status=status.upper(),
                buyer_name=f"Pembeli {rng.randint(1, 20_000)}",
                total=sum(q for _, q in lines) * 75_000,
                ordered_at=now - timedelta(minutes=rng.randint(0, 90 * 24 * 60)),
                ship_by=now + timedelta(minutes=rng.randint(-2 * 24 * 60, 3 * 24 * 60))
                if status in TO_SHIP
                else None,
                courier=rng.choice(COURIERS) if status != "pending_payment" else "",
                tracking_number=f"TRK{i:010d}" if arranged else "",
                item_count=sum(q for _, q in lines),
            )
        )
        line_plans.append(lines)
    created = Order.objects.bulk_create(orders)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            external_product_id=str(variant.pk),
            sku=variant.sku,
            name=variant.sku,
            quantity=quantity,
            price=75_000,
            variant=variant,
            linked=True,
        )
        for order, lines in zip(created, line_plans, strict=True)
        for variant, quantity in lines
    )


def measure(shop_id: int, rounds: int) -> dict[str, list[float]]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from satustok.orders.models import Order
    from satustok.orders.queue import QueueFilters, QueuePaginator, queue, tab_counts

    filtered = QueueFilters.from_params(
        {"tab": "to_ship", "integration": str(shop_id), "courier": COURIERS[2]}
    )
    to_ship = QueueFilters.from_params({"tab": "to_ship"})
    tracking = Order.objects.exclude(tracking_number="").order_by("-id")[0].tracking_number
    to_ship_count = tab_counts(to_ship)["to_ship"]
    deep_page = min(200, max(1, -(-to_ship_count // PER_PAGE)))

    def page(filters: QueueFilters, number: int) -> None:
        paginator = QueuePaginator(queue(filters), PER_PAGE, count=to_ship_count)
        list(paginator.page(number).object_list)

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    owner = get_user_model().objects.create(username="bench-owner", is_superuser=True)
    client = Client()
    client.force_login(owner)
    url = reverse("web:orders")
    params = filtered.as_params()

    def view() -> None:
        response = client.get(url, params)
        assert response.status_code == 200, response.status_code

    timed: dict[str, Callable[[], Any]] = {
        "tab_counts": lambda: tab_counts(filtered),
        "filtered_page": lambda: list(queue(filtered)[:PER_PAGE]),
        "page_200": lambda: page(to_ship, deep_page),
        "search": lambda: list(queue(QueueFilters.from_params({"q": tracking}))),
        "view": view,
    }
    return {name: _time(call, rounds) for name, call in timed.items()}


def _time(call: Callable[[], Any], rounds: int) -> list[float]:
    call()  # warm-up: the first call pays for the connection's caches, not the query
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples
