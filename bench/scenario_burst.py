"""``burst``: N orders over K SKUs placed on shop A as fast as the sandbox's control API takes
them (T threads), with push on for B and the hub running as ``satustok run --no-sandbox``.

Figures: the time from the first order placed (sandbox clock) until shop B converged — for
every SKU, the first stock change on B to ``B0 − units ordered`` (sandbox clock, from the
``product_changes`` it announces: ``bench/world.py``) — and the number of stock-update calls
the sandbox received meanwhile (``GET stats`` → ``groups.stock_update.calls``, difference
before and after). ``placing_seconds`` says how long the sandbox took to take the orders; the
target assumes "within one second".
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from bench import stack, world

CONVERGE_TIMEOUT = 90.0


def run(orders: int, skus: int, threads: int, latency_ms: int) -> dict[str, Any]:
    with world.two_shops(skus, latency_ms) as shops:
        result = measure(shops, orders, threads)
        result["setup_seconds"] = shops.setup_seconds
        result["hub"] = shops.hub.topology.describe()
    return result


def measure(shops: world.TwoShops, orders: int, threads: int) -> dict[str, Any]:
    before = shops.sandbox.stats()
    cpu_before, sandbox_cpu = shops.hub.cpu_seconds(), shops.sandbox.cpu_seconds()
    placed = place_burst(shops, orders, threads)
    first = min(o["placed"] for o in placed)
    last = max(o["placed"] for o in placed)
    per_sku: dict[int, int] = {}
    for order in placed:
        per_sku[order["index"]] = per_sku.get(order["index"], 0) + 1
    converged_at, waited = wait_converged(shops, per_sku, first)
    time.sleep(1.0)  # a trailing push after convergence still counts
    after = shops.sandbox.stats()
    cpu = stack.cpu_delta(cpu_before, shops.hub.cpu_seconds())
    calls = after["groups"]["stock_update"]["calls"] - before["groups"]["stock_update"]["calls"]
    rows = after["groups"]["stock_update"]["items"] - before["groups"]["stock_update"]["items"]
    return {
        "orders": len(placed),
        "skus": len(per_sku),
        "placing_seconds": round(last - first, 3),
        "converged_seconds": None if converged_at is None else round(converged_at - first, 3),
        "converged_after_last_order_seconds": (
            None if converged_at is None else round(converged_at - last, 3)
        ),
        "stock_update_calls": calls,
        "stock_update_rows": rows,
        "rate_limited": after["groups"]["stock_update"]["rate_limited"]
        - before["groups"]["stock_update"]["rate_limited"],
        "webhook_deliveries": after["webhook_deliveries"] - before["webhook_deliveries"],
        "hub_side": _hub_side(placed, first),
        "waited_seconds": round(waited, 2),
        "hub_cpu_seconds": cpu,
        "sandbox_cpu_seconds": round(shops.sandbox.cpu_seconds() - sandbox_cpu, 2),
    }


def place_burst(shops: world.TwoShops, orders: int, threads: int) -> list[dict[str, Any]]:
    """``orders`` one-unit orders, SKU ``i % K``, from ``threads`` threads with keep-alive."""
    jobs = list(range(orders))
    lock = threading.Lock()
    placed: list[dict[str, Any]] = []
    errors: list[str] = []

    def worker() -> None:
        with httpx.Client(base_url=shops.sandbox.control_url, timeout=30, trust_env=False) as c:
            while True:
                with lock:
                    if not jobs:
                        return
                    i = jobs.pop()
                index = i % shops.skus
                body = {
                    "shop_id": int(shops.a.shop_id),
                    "items": [{"product_id": shops.product_a(index), "quantity": 1}],
                }
                answer = c.post("orders", json=body)
                if answer.status_code != 201:
                    errors.append(answer.text)
                    continue
                with lock:
                    placed.append(
                        {
                            "order_id": answer.json()["order_id"],
                            "index": index,
                            "placed": world.placed_at(answer.json()),
                        }
                    )

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    if errors:
        raise RuntimeError(f"{len(errors)} orders refused, e.g. {errors[0]}")
    return placed


def wait_converged(
    shops: world.TwoShops, per_sku: dict[int, int], first: float
) -> tuple[float | None, float]:
    started = time.perf_counter()
    while True:
        changes = shops.b_changes()
        reached = [
            world.first_reaching(
                changes.get(world.seeds.FIRST_ID_B + index, []), first, shops.b0 - count
            )
            for index, count in per_sku.items()
        ]
        waited = time.perf_counter() - started
        if all(at is not None for at in reached):
            return max(at for at in reached if at is not None), waited
        if waited > CONVERGE_TIMEOUT:
            return None, waited
        time.sleep(0.25)


def _hub_side(placed: list[dict[str, Any]], first: float) -> dict[str, Any]:
    """When the hub had received and processed the last order notification (its records)."""
    from django.db.models import Max

    from satustok.orders.models import WebhookDelivery

    ids = [str(o["order_id"]) for o in placed]
    rows = WebhookDelivery.objects.filter(event="order_notification", order_external_id__in=ids)
    agg = rows.aggregate(received=Max("received_at"), processed=Max("processed_at"))
    return {
        "notifications_processed": rows.count(),
        "last_received_after_first_order_s": (
            round(agg["received"].timestamp() - first, 3) if agg["received"] else None
        ),
        "last_processed_after_first_order_s": (
            round(agg["processed"].timestamp() - first, 3) if agg["processed"] else None
        ),
    }
