"""``dashboard``: the Dashboard over a year of orders (1,000 a day for 365 days in full: 365,000
orders, ~730,000 lines), built directly in the database.

1. **Build** (not a figure, but reported): 2 warehouses, 6 shops over the three channels, K
   master SKUs with a cost and a price and stock in both warehouses, a listing per SKU and
   shop, a day of webhook deliveries and a few failed pushes (sync health has something to
   count), and the orders — inserted as plain rows (``core/bulk``): each day's orders spread
   over its 24 WIB hours, 1–3 lines each (one line in 20 linked to no SKU), statuses as a
   year-old shop's (the last three days still to ship, older ones mostly completed, some
   cancelled and returned, a few unpaid).
2. **Figures**:
   - ``rebuild_seconds``: ``reports.sales.rebuild()`` — every day recomputed from the orders;
   - ``refresh_ms``: ``reports.sales.refresh()`` after N new orders (stored through the ORM,
     as ingestion stores them), and ``idle_refresh_ms``: ``refresh_if_changed()`` with
     nothing changed (what each page view pays);
   - ``view_p50_ms`` / ``view_p95_ms``: the Dashboard page for the last 30 days through
     Django's test Client as an Owner (every query and the template; after a warm-up), R
     requests; ``view_today_p50_ms`` the same for today.

On PostgreSQL the build ends with ``ANALYZE`` (what autovacuum does on a live hub soon after
such a load): without statistics the planner took the year of orders for a few rows.

``seed()`` is also what the browser test of the Dashboard uses to fill its hub's database.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

CHUNK_DAYS = 10  # days of orders per insert round (memory stays flat at a year)
CHANNELS = ("tokopedia", "shopee", "tiktokshop")
# (status, weight) of orders older than three days; the last three days are still to ship.
SETTLED = (("completed", 85), ("cancelled", 8), ("returned", 3), ("pending_payment", 4))
RECENT = (
    ("open", 30),
    ("accepted", 20),
    ("ready_to_ship", 20),
    ("shipped", 20),
    ("pending_payment", 5),
    ("cancelled", 5),
)
UNLINKED_EVERY = 20  # one line in 20 sells a listing no master SKU follows


@dataclass(frozen=True)
class Seeded:
    accounts: list[int]
    variants: list[int]
    orders: int
    lines: int
    seconds: float


def run(
    orders_per_day: int, days: int, skus: int, new_orders: int, requests: int
) -> dict[str, Any]:
    seeded = seed(orders_per_day=orders_per_day, days=days, skus=skus)
    result: dict[str, Any] = {
        "orders": seeded.orders,
        "lines": seeded.lines,
        "build_seconds": round(seeded.seconds, 1),
    }
    result.update(_rebuild())
    result.update(_refresh(seeded, new_orders))
    result.update(_views(requests))
    return result


# --- the figures --------------------------------------------------------------------------


def _rebuild() -> dict[str, Any]:
    from satustok.reports import sales

    started = time.perf_counter()
    done = sales.rebuild()
    return {
        "rebuild_seconds": round(time.perf_counter() - started, 2),
        "sales_days": done.sales_rows,
        "sku_sales_days": done.sku_rows,
    }


def _refresh(seeded: Seeded, new_orders: int) -> dict[str, Any]:
    from django.utils import timezone

    from satustok.orders.models import Order, OrderLine
    from satustok.reports import sales

    rng = random.Random(99)
    now = timezone.now()
    for index in range(new_orders):
        order = Order.objects.create(
            account_id=rng.choice(seeded.accounts),
            external_id=f"NEW-{index}",
            status="open",
            channel_status="OPEN",
            ordered_at=now - timedelta(seconds=index),
            item_count=1,
        )
        OrderLine.objects.create(
            order=order,
            external_product_id="1",
            quantity=1,
            price=50_000,
            variant_id=rng.choice(seeded.variants),
            linked=True,
        )
    started = time.perf_counter()
    done = sales.refresh()
    refresh_ms = (time.perf_counter() - started) * 1000
    idle = []
    for _ in range(5):
        started = time.perf_counter()
        assert sales.refresh_if_changed() is None
        idle.append((time.perf_counter() - started) * 1000)
    return {
        "refresh_ms": round(refresh_ms, 1),
        "refreshed_days": len(done.days or ()),
        "idle_refresh_ms": round(statistics.median(idle), 2),
    }


def _views(requests: int) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    owner = get_user_model().objects.create(username="bench-dashboard", is_superuser=True)
    client = Client()
    client.force_login(owner)
    url = reverse("web:home")

    def view(period: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(url, {"period": period})
            assert response.status_code == 200, response.status_code

        return get

    month, today = _time(view("30d"), requests), _time(view("today"), requests)
    return {
        "view_ms": {"30d": _summary(month), "today": _summary(today)},
        "view_p50_ms": round(statistics.median(month), 1),
        "view_p95_ms": _summary(month)["p95_ms"],
        "view_today_p50_ms": round(statistics.median(today), 1),
    }


def _time(call: Callable[[], Any], rounds: int) -> list[float]:
    call()  # warm-up: templates compiled, the connection's caches filled
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1)}


# --- the year of orders -------------------------------------------------------------------


def seed(*, orders_per_day: int, days: int, skus: int, shops: int = 6, seed: int = 17) -> Seeded:
    """Shops, SKUs, stock, listings, a day of webhooks and ``orders_per_day`` × ``days``
    orders ending now, in the database Django is set up on; returns what it made."""
    from django.db import transaction

    started = time.perf_counter()
    rng = random.Random(seed)
    with transaction.atomic():
        accounts = _accounts(shops)
        variants = _catalogue(rng, skus)
        _listings_and_health(rng, accounts, variants)
    orders = lines = 0
    for first in range(0, days, CHUNK_DAYS):
        with transaction.atomic():
            made = _orders(rng, accounts, variants, range(first, min(first + CHUNK_DAYS, days)),
                           orders_per_day)  # fmt: skip
        orders, lines = orders + made[0], lines + made[1]
    _analyze()
    return Seeded(accounts, variants, orders, lines, time.perf_counter() - started)


def _analyze() -> None:
    """PostgreSQL: table statistics, as autovacuum keeps them on a live hub (right after a bulk
    load it has not run yet, and the planner would guess a year of orders is a few rows)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _accounts(count: int) -> list[int]:
    from satustok.channels.connect import default_warehouse
    from satustok.channels.models import ChannelAccount
    from satustok.inventory.models import Warehouse

    warehouses = [
        default_warehouse(),
        Warehouse.objects.get_or_create(code="gudang-2", defaults={"name": "Gudang 2"})[0],
    ]
    return [
        ChannelAccount.objects.create(
            channel=CHANNELS[k % len(CHANNELS)],
            shop_id=f"{70_000 + k}",
            shop_name=f"Toko Setahun {k + 1}",
            app_id="1",
            client_id=f"year-{k}",
            client_secret="year-secret",
            warehouse=warehouses[k % 2],
            push_stock=True,
        ).pk
        for k in range(count)
    ]


def _catalogue(rng: random.Random, count: int) -> list[int]:
    """Master SKUs with cost and price (one in 15 without a cost), stock in both warehouses."""
    from satustok.catalog.models import MasterProduct, Variant
    from satustok.catalog.sku import sku_key
    from satustok.core.bulk import insert_rows
    from satustok.inventory.models import StockLevel, Warehouse

    product = MasterProduct.objects.create(name="Produk Setahun")
    made = Variant.objects.bulk_create(
        Variant(
            product=product,
            sku=f"THN-{i:04d}",
            sku_key=sku_key(f"THN-{i:04d}"),
            name=f"Varian {i}",
            price=(price := rng.randrange(20, 400) * 1_000),
            cost=None if i % 15 == 0 else price * 6 // 10,
        )
        for i in range(count)
    )
    now = _now()
    levels = [
        (warehouse, variant.pk, rng.randint(0, 400), 0, now)
        for warehouse in Warehouse.objects.values_list("pk", flat=True)
        for variant in made
    ]
    insert_rows(StockLevel, ["warehouse", "variant", "on_hand", "reserved", "updated_at"], levels)
    return [variant.pk for variant in made]


def _listings_and_health(rng: random.Random, accounts: list[int], variants: list[int]) -> None:
    """A listing per SKU and shop (pushed lately), a day of webhook deliveries, a few failed
    pushes in the last hour: sync health has rows to count."""
    from satustok.channels.models import Listing
    from satustok.core.bulk import insert_rows
    from satustok.orders.models import WebhookDelivery
    from satustok.sync.models import PushRecord

    now = _now()
    for account in accounts:
        Listing.objects.bulk_create(
            Listing(
                account_id=account,
                external_id=str(index),
                sku=f"THN-{index:04d}",
                variant_id=variant,
                link_method="auto_sku",
                last_pushed_qty=1,
                last_pushed_at=now - timedelta(seconds=rng.randint(1, 3600)),
            )
            for index, variant in enumerate(variants)
        )
    listing = Listing.objects.filter(account_id=accounts[0]).first()
    assert listing is not None
    for minutes in (5, 20, 45):
        record = PushRecord.objects.create(
            account_id=accounts[0], listing=listing, quantity=1, result="failed", message="x"
        )
        PushRecord.objects.filter(pk=record.pk).update(created_at=now - timedelta(minutes=minutes))
    deliveries = [
        (rng.choice(accounts), "demo", "order_notification", "{}", True, "processed", "", "",
         "", "", now - timedelta(seconds=rng.randint(0, 86_399)), 1)
        for _ in range(3_000)
    ]  # fmt: skip
    fields = [
        "account", "channel", "event", "body", "signature_ok", "status", "error", "outcome",
        "order_external_id", "processed_by", "received_at", "attempts",
    ]  # fmt: skip
    insert_rows(WebhookDelivery, fields, deliveries)


ORDER_FIELDS = [
    "account", "external_id", "invoice", "status", "channel_status", "status_rank",
    "buyer_name", "total", "ordered_at", "storefront", "has_unlinked_lines", "stock_effect",
    "courier", "tracking_number", "packages", "recipient_name", "recipient_phone",
    "recipient_address", "payment", "cancel_requested", "cancel_reason", "item_count",
    "created_at", "updated_at",
]  # fmt: skip
LINE_FIELDS = [
    "order", "external_product_id", "sku", "name", "quantity", "price", "variant", "linked",
    "in_baseline", "stock_effect", "return_choice",
]  # fmt: skip


def _orders(
    rng: random.Random,
    accounts: list[int],
    variants: list[int],
    day_offsets: range,
    per_day: int,
) -> tuple[int, int]:
    """The orders of the days ``day_offsets`` back from today (0: today), and their lines."""
    from satustok.core.bulk import insert_returning, insert_rows
    from satustok.orders.models import Order, OrderLine

    now = _now()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows, plans = [], []
    for back in day_offsets:
        day_start = midnight - timedelta(days=back)
        spread = RECENT if back < 3 else SETTLED
        statuses, weights = [s for s, _ in spread], [w for _, w in spread]
        for n in range(per_day):
            ordered_at = min(now, day_start + timedelta(seconds=rng.randint(0, 86_399)))
            status = rng.choices(statuses, weights)[0]
            lines = [_line(rng, variants) for _ in range(rng.randint(1, 3))]
            rows.append(_order_row(rng, accounts, (back, n), status, (ordered_at, now), lines))
            plans.append(lines)
    ids = insert_returning(Order, ORDER_FIELDS, rows)
    line_rows = [
        (order_id, str(variant or 0), "", "", quantity, price, variant, variant is not None,
         False, "none", "")
        for order_id, lines in zip(ids, plans, strict=True)
        for variant, quantity, price in lines
    ]  # fmt: skip
    insert_rows(OrderLine, LINE_FIELDS, line_rows)
    return len(ids), len(line_rows)


def _line(rng: random.Random, variants: list[int]) -> tuple[int | None, int, int]:
    variant = None if rng.randrange(UNLINKED_EVERY) == 0 else rng.choice(variants)
    return variant, rng.choice((1, 1, 1, 2, 2, 3)), rng.randrange(20, 400) * 1_000


def _order_row(
    rng: random.Random,
    accounts: list[int],
    number: tuple[int, int],  # (days back, index in the day)
    status: str,
    moments: tuple[datetime, datetime],  # (ordered at, now)
    lines: list[tuple[int | None, int, int]],
) -> tuple[object, ...]:
    (back, n), (ordered_at, now) = number, moments
    changed = ordered_at + timedelta(hours=rng.randint(0, 72)) if back >= 3 else ordered_at
    return (
        accounts[n % len(accounts)], f"Y{back:03d}-{n:05d}", f"INV/{back:03d}/{n:05d}", status,
        status.upper(), 0, f"Pembeli {rng.randint(1, 50_000)}",
        sum(q * p for _v, q, p in lines), ordered_at, "", any(v is None for v, _q, _p in lines),
        "none", "", "", "[]", "", "", "", "[]", False, "", sum(q for _v, q, _p in lines),
        ordered_at, min(changed, now),
    )  # fmt: skip


def _now() -> datetime:
    from django.utils import timezone

    return timezone.localtime(timezone.now())
