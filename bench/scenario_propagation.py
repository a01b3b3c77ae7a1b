"""``propagation``: two shops sharing N SKUs, push on for B; orders placed on A at a steady rate
through the sandbox's control API (one unit of a random shared SKU each). Figure: per order,
the time from the order placed (the sandbox's time of its 220) to shop B's stock on the
sandbox accounting for it (the sandbox's time of the first stock change of that SKU on B to
``B0 − units ordered so far``), p50 and p99. Both times are the sandbox's clock
(``bench/world.py``). The hub runs as ``satustok run --no-sandbox`` in its own process (web
and a two-thread Huey consumer on the SQLite queue, or ``DATABASE_URL``/``SATUSTOK_QUEUE_URL``).

After the steady load, ``idle_probes`` lone orders, each after ``idle_seconds`` without any:
the latency of a sale after a quiet spell (idle queue workers, a pusher that has let go),
against its floor — the order's own webhook delivery (the hub's record) plus one
stock-update round trip to B (the hub's connector, measured before the probes).

The breakdown splits each latency with the hub's records (same machine clock): placed →
received (the sandbox's delivery of ``order_notification`` and the hub storing it) →
processed (queue wait + ingestion, ``WebhookDelivery.processed_at``) → B changed (nudge queue
wait + push call).
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from bench import stack, world

DRAIN_TIMEOUT = 30.0  # seconds after the last order for B to catch up


def run(
    skus: int,
    rate: float,
    seconds: float,
    latency_ms: int,
    idle_seconds: float,
    idle_probes: int = 1,
    seed: int = 3,
) -> dict[str, Any]:
    with world.two_shops(skus, latency_ms) as shops:
        result = measure(shops, rate, seconds, seed)
        probes = idle_probe(shops, idle_seconds, idle_probes)
        result["idle_probe"] = probes
        result["idle_p50_ms"] = probes["p50_ms"]
        result["idle_vs_floor"] = probes["vs_floor"]
        result["setup_seconds"] = shops.setup_seconds
        result["hub"] = shops.hub.topology.describe()
    return result


def measure(shops: world.TwoShops, rate: float, seconds: float, seed: int = 3) -> dict[str, Any]:
    """Place ``rate`` orders/s for ``seconds`` on A; per-order latency to B (see module doc)."""
    rng = random.Random(seed)
    stats_before = shops.sandbox.stats()
    cpu_before, sandbox_cpu = shops.hub.cpu_seconds(), shops.sandbox.cpu_seconds()
    orders = _place_paced(shops, rng, rate, seconds)
    placing = orders[-1]["placed"] - orders[0]["placed"] if orders else 0.0
    latencies, waited = _wait_for_b(shops, orders)
    stats_after = shops.sandbox.stats()
    cpu = stack.cpu_delta(cpu_before, shops.hub.cpu_seconds())
    matched = [lat for lat in latencies if lat is not None]
    summary = stack.summary_ms(matched)
    unmatched = len(latencies) - len(matched)
    return {
        "orders": len(orders),
        "placed_per_second": round(len(orders) / placing, 1) if placing else None,
        "unmatched": unmatched,
        # An order B never reflected counts as infinitely late: p99 is None if over 1% missed.
        "p50_ms": _pct_with_missing(latencies, 50),
        "p99_ms": _pct_with_missing(latencies, 99),
        "latency_ms": summary,
        "breakdown_ms": _breakdown(orders),
        "waited_after_last_order_s": round(waited, 2),
        "stock_update_calls": _delta(stats_before, stats_after, "stock_update", "calls"),
        "stock_update_rows": _delta(stats_before, stats_after, "stock_update", "items"),
        "rate_limited": _delta(stats_before, stats_after, "stock_update", "rate_limited"),
        # CPU the hub's processes (and the sandbox's) used from the first order until B caught up.
        "hub_cpu_seconds": cpu,
        "hub_cpu_ms_per_order": {r: round(s * 1000 / len(orders), 1) for r, s in cpu.items()}
        if orders
        else {},
        "sandbox_cpu_seconds": round(shops.sandbox.cpu_seconds() - sandbox_cpu, 2),
        # Per order: [placed (wall clock, s), latency ms or None] — to see when the tail happens.
        "per_order": [
            [round(o["placed"], 3), None if lat is None else round(lat * 1000, 1)]
            for o, lat in zip(orders, latencies, strict=True)
        ],
    }


def idle_probe(shops: world.TwoShops, idle_seconds: float, probes: int = 1) -> dict[str, Any]:
    """``probes`` lone orders on the least-ordered SKUs, each after ``idle_seconds`` of quiet;
    each one's latency to B, and the floor: its webhook's delivery + one stock-update round
    trip to B."""
    round_trip = b_round_trip(shops)
    latencies, deliveries = [], []
    for n in range(probes):
        time.sleep(idle_seconds)  # the quiet itself: what is measured is the order after it
        latency, delivery = _one_probe(shops, shops.skus - 1 - n)
        latencies.append(latency)
        deliveries.append(delivery)
    measured = [lat for lat in latencies if lat is not None]
    known = [d for d in deliveries if d is not None]
    p50 = statistics.median(measured) if len(measured) == len(latencies) and measured else None
    floor = (statistics.median(known) + round_trip) * 1000 if known else None
    return {
        "idle_seconds": idle_seconds,
        "latencies_ms": latencies,
        "p50_ms": None if p50 is None else round(p50, 1),
        "delivery_ms": [None if d is None else round(d * 1000, 1) for d in deliveries],
        "round_trip_ms": round(round_trip * 1000, 1),
        "floor_ms": None if floor is None else round(floor, 1),
        "vs_floor": None if p50 is None or not floor else round(p50 / floor, 2),
    }


def _one_probe(shops: world.TwoShops, index: int) -> tuple[float | None, float | None]:
    """One order on A of SKU ``index``: (ms until B showed it, s until the hub held its
    webhook)."""
    changes = shops.b_changes()
    product_b = world.seeds.FIRST_ID_B + index
    current = min((v for _, v in changes.get(product_b, [])), default=shops.b0)
    answer = shops.sandbox.place_order(
        shops.a.shop_id, [{"product_id": shops.product_a(index), "quantity": 1}]
    )
    placed = world.placed_at(answer)
    reached = None
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while reached is None and time.monotonic() < deadline:
        time.sleep(0.1)
        changes = shops.b_changes()
        reached = world.first_reaching(changes.get(product_b, []), placed, current - 1)
    latency = None if reached is None else round((reached - placed) * 1000, 1)
    return latency, _delivered_after(answer["order_id"], placed)


def _delivered_after(order_id: object, placed: float) -> float | None:
    from satustok.orders.models import WebhookDelivery

    first = (
        WebhookDelivery.objects.filter(order_external_id=str(order_id))
        .order_by("received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    return None if first is None else max(0.0, first.timestamp() - placed)


def b_round_trip(shops: world.TwoShops, samples: int = 9) -> float:
    """One stock-update round trip to B: the hub's connector setting a listing of B to the
    value it already shows (median of ``samples``)."""
    from satustok.channels import registry
    from satustok.channels.protocol import StockPush

    listing = shops.b.listings.filter(variant__isnull=False).order_by("id").first()
    push = [StockPush(listing.external_id, int(listing.last_pushed_qty or 0))]
    connector = registry.connector(shops.b.channel)
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        connector.push_stock(shops.b, push)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _place_paced(
    shops: world.TwoShops, rng: random.Random, rate: float, seconds: float
) -> list[dict[str, Any]]:
    """One order every 1/rate s (on schedule, not after the previous answer), bounded."""
    total = int(rate * seconds)
    counts: dict[int, int] = {}
    orders: list[dict[str, Any]] = []
    start = time.perf_counter()
    for i in range(total):
        due = start + i / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        index = rng.randrange(shops.skus)
        answer = shops.sandbox.place_order(
            shops.a.shop_id, [{"product_id": shops.product_a(index), "quantity": 1}]
        )
        counts[index] = counts.get(index, 0) + 1
        orders.append(
            {
                "order_id": answer["order_id"],
                "index": index,
                "placed": world.placed_at(answer),
                "target": shops.b0 - counts[index],
            }
        )
    return orders


def _wait_for_b(
    shops: world.TwoShops, orders: list[dict[str, Any]]
) -> tuple[list[float | None], float]:
    """Each order's latency (None if B never showed it within DRAIN_TIMEOUT)."""
    started = time.perf_counter()
    while True:
        changes = shops.b_changes()
        latencies: list[float | None] = []
        for order in orders:
            product_b = order["index"] + world.seeds.FIRST_ID_B
            reached = world.first_reaching(
                changes.get(product_b, []), order["placed"], order["target"]
            )
            order["b_changed"] = reached
            latencies.append(None if reached is None else reached - order["placed"])
        waited = time.perf_counter() - started
        if all(lat is not None for lat in latencies) or waited > DRAIN_TIMEOUT:
            return latencies, waited
        time.sleep(0.5)


def _pct_with_missing(latencies: list[float | None], q: float) -> float | None:
    if not latencies:
        return None
    values = [float("inf") if lat is None else lat for lat in latencies]
    found = stack.percentile(values, q)
    return None if found == float("inf") else round(found * 1000, 1)


def _breakdown(orders: list[dict[str, Any]]) -> dict[str, Any]:
    """Where the time goes, from the hub's own records of the order_notification deliveries."""
    from satustok.orders.models import WebhookDelivery

    rows = WebhookDelivery.objects.filter(
        event="order_notification", order_external_id__in=[str(o["order_id"]) for o in orders]
    ).values_list("order_external_id", "received_at", "processed_at")
    hub = {oid: (rec.timestamp(), done.timestamp() if done else None) for oid, rec, done in rows}
    received, processed, pushed = [], [], []
    for order in orders:
        times = hub.get(str(order["order_id"]))
        if times is None or times[1] is None:
            continue
        received.append(times[0] - order["placed"])
        processed.append(times[1] - times[0])
        if order.get("b_changed") is not None:
            pushed.append(order["b_changed"] - times[1])
    return {
        "placed_to_received": stack.summary_ms(received),
        "received_to_processed": stack.summary_ms(processed),
        "processed_to_b_changed": stack.summary_ms(pushed),
        "orders_with_hub_records": len(received),
    }


def _delta(before: dict[str, Any], after: dict[str, Any], group: str, key: str) -> int:
    return int(after["groups"][group][key]) - int(before["groups"][group][key])
