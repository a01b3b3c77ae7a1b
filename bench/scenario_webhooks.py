"""``webhooks``: a load generator on loopback posts signed ``order_notification`` webhooks to the
hub as fast as it takes them, then waits for the queue to drain.

Set-up: shop A (K SKUs) connected and imported, the hub running (``satustok run --no-sandbox``
by default), webhooks registered (the hub's secret for the app). One real order is placed on
the sandbox and its delivered ``order_notification`` body is the template; every generated
order gets its own id and invoice and 1–3 lines of A's products, and is signed like Tokopedia
does (``Authorization-Hmac`` = hex HMAC-SHA256 of the raw body with the webhook secret).
Bodies are built and signed before the clock starts.

Load: C threads, each with one keep-alive ``httpx.Client``, post until ``posts`` are sent or
``max_seconds`` pass. Figures: accepted/s = 200 answers ÷ (last answer − first post);
after draining (every accepted delivery processed, bounded): *lost* = accepted orders not in
the database, *not_once* = orders whose ``order_reserve`` movements differ from their lines
(a missing or a doubled reservation). Push is off (one shop): the load is ingestion.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import random
import threading
import time
from collections import Counter
from typing import Any

import httpx

from bench import seeds, stack

DRAIN_TIMEOUT = 240.0
FIRST_ORDER_ID = 880_000_000


def run(
    posts: int, max_seconds: float, concurrency: int, skus: int, worker_processes: int = 0
) -> dict[str, Any]:
    sandbox = stack.Sandbox(seeds.shared_shops(skus), latency_ms=0, unlimited=True)
    try:
        stack.point_hub_at(sandbox)
        account = stack.connect(seeds.SHOP_A)
        stack.import_now(account)
        with stack.Hub(sandbox, stack.Topology(workers=worker_processes)) as hub:
            result = measure(sandbox, hub, account, posts, max_seconds, concurrency, skus)
            result["hub"] = hub.topology.describe()
    finally:
        sandbox.stop()
    return result


def measure(
    sandbox: stack.Sandbox,
    hub: stack.Hub,
    account: Any,
    posts: int,
    max_seconds: float,
    concurrency: int,
    skus: int,
    drain_timeout: float = DRAIN_TIMEOUT,
) -> dict[str, Any]:
    secret = stack.register_webhooks(account, hub.url)
    template = template_body(sandbox, account)
    bodies = generated_bodies(template, posts, skus)
    url = hub.webhook_url(account.pk, "order_notification")
    cpu_start = hub.cpu_seconds()
    answers, started, ended = post_all(url, bodies, secret, concurrency, max_seconds)
    cpu_posted = hub.cpu_seconds()
    accepted_ids = [oid for oid, status, _ in answers if status == 200]
    post_seconds = ended - started
    drained, drain_seconds = wait_drained(len(accepted_ids), drain_timeout)
    cpu_drained = hub.cpu_seconds()
    checks = check_orders(account, accepted_ids, {oid: n for oid, n in bodies_lines(bodies)})
    latencies = [seconds for _, status, seconds in answers if status == 200]
    return {
        "posted": len(answers),
        "accepted": len(accepted_ids),
        "refused": Counter(str(status) for _, status, _ in answers if status != 200),
        "post_seconds": round(post_seconds, 3),
        "accepted_per_second": round(len(accepted_ids) / post_seconds, 1) if post_seconds else 0,
        "answer_ms": stack.summary_ms(latencies),
        "drained": drained,
        "drain_seconds_after_posting": round(drain_seconds, 2),
        "processed_per_second": checks.pop("processed_per_second"),
        **checks,
        "concurrency": concurrency,
        # CPU seconds the hub's processes used while posting, and from then until drained.
        "hub_cpu_seconds_posting": stack.cpu_delta(cpu_start, cpu_posted),
        "hub_cpu_seconds_draining": stack.cpu_delta(cpu_posted, cpu_drained),
        "hub_cpu_ms_per_order": _per_order(cpu_start, cpu_drained, len(accepted_ids)),
    }


def _per_order(before: dict[str, float], after: dict[str, float], orders: int) -> dict[str, float]:
    """Hub CPU per accepted order, receiving and processing, by process."""
    if not orders:
        return {}
    return {role: round(s * 1000 / orders, 2) for role, s in stack.cpu_delta(before, after).items()}


def template_body(sandbox: stack.Sandbox, account: Any) -> dict[str, Any]:
    """A real ``order_notification`` body from the sandbox, and the hub done with it."""
    from satustok.orders.models import DeliveryStatus, WebhookDelivery

    order = sandbox.place_order(
        int(account.shop_id), [{"product_id": seeds.FIRST_ID_A, "quantity": 1}]
    )
    found: list[dict[str, Any]] = []

    def delivered() -> bool:
        found[:] = [
            d["payload"]
            for d in sandbox.deliveries("order_notification")
            if d["payload"]["order_id"] == order["order_id"]
        ]
        return bool(found)

    stack.wait_until(delivered, timeout=30)
    stack.wait_until(
        lambda: WebhookDelivery.objects.filter(
            order_external_id=str(order["order_id"]), status=DeliveryStatus.PROCESSED
        ).exists(),
        timeout=60,
    )
    return found[0]


def generated_bodies(
    template: dict[str, Any], count: int, skus: int
) -> list[tuple[str, bytes, int]]:
    """(order id, raw body, lines) for each generated order."""
    rng = random.Random(5)
    line = template["products"][0]
    bodies = []
    now = int(time.time())
    for i in range(count):
        order_id = FIRST_ORDER_ID + i
        indexes = rng.sample(range(skus), rng.randint(1, 3))
        products = []
        for index in indexes:
            product = copy.deepcopy(line)
            quantity = rng.randint(1, 2)
            product.update(
                id=seeds.FIRST_ID_A + index,
                sku=seeds.shared_sku(index),
                name=f"Barang {index}",
                quantity=quantity,
                total_price=product["price"] * quantity,
            )
            products.append(product)
        payload = dict(template)
        payload.update(
            order_id=order_id,
            invoice_num=f"INV/BENCH/{order_id}",
            invoice_ref_num=f"INV/BENCH/{order_id}",
            products=products,
            products_fulfilled=[],
            bundle_detail={"bundle": [], "non_bundle": products, "total_product": len(products)},
            create_time=now,
        )
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        bodies.append((str(order_id), body, len(products)))
    return bodies


def bodies_lines(bodies: list[tuple[str, bytes, int]]) -> list[tuple[str, int]]:
    return [(oid, lines) for oid, _, lines in bodies]


def post_all(
    url: str,
    bodies: list[tuple[str, bytes, int]],
    secret: str,
    concurrency: int,
    max_seconds: float,
) -> tuple[list[tuple[str, int, float]], float, float]:
    signed = [
        (oid, body, hmac.new(secret.encode(), body, hashlib.sha256).hexdigest())
        for oid, body, _ in bodies
    ]
    lock = threading.Lock()
    cursor = iter(signed)
    answers: list[tuple[str, int, float]] = []
    started = time.perf_counter()
    deadline = started + max_seconds
    last = [started]

    def worker() -> None:
        with httpx.Client(timeout=30, trust_env=False) as client:
            while time.perf_counter() < deadline:
                with lock:
                    item = next(cursor, None)
                if item is None:
                    return
                oid, body, signature = item
                sent = time.perf_counter()
                try:
                    status = client.post(
                        url,
                        content=body,
                        headers={
                            "Content-Type": "application/json",
                            "Authorization-Hmac": signature,
                        },
                    ).status_code
                except httpx.HTTPError:
                    status = 0
                done = time.perf_counter()
                with lock:
                    answers.append((oid, status, done - sent))
                    last[0] = max(last[0], done)

    pool = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=max_seconds + 60)
    return answers, started, last[0]


def wait_drained(accepted: int, timeout: float, interval: float = 0.5) -> tuple[bool, float]:
    """Wait until every accepted generated delivery is processed (or failed), bounded."""
    from satustok.orders.models import DeliveryStatus, WebhookDelivery

    started = time.perf_counter()
    rows = WebhookDelivery.objects.filter(
        event="order_notification", signature_ok=True, body__contains="INV/BENCH/"
    )
    done = rows.filter(status__in=[DeliveryStatus.PROCESSED, DeliveryStatus.FAILED])
    try:
        stack.wait_until(lambda: done.count() >= accepted, timeout=timeout, interval=interval)
    except TimeoutError:
        return False, time.perf_counter() - started
    return True, time.perf_counter() - started


def check_orders(account: Any, accepted_ids: list[str], lines: dict[str, int]) -> dict[str, Any]:
    from django.db.models import Count, Max, Min

    from satustok.inventory.models import MovementReason, StockMovement
    from satustok.orders.models import DeliveryStatus, Order, WebhookDelivery

    orders = dict(
        Order.objects.filter(account=account, external_id__in=accepted_ids).values_list(
            "external_id", "pk"
        )
    )
    lost = [oid for oid in accepted_ids if oid not in orders]
    reserves = dict(
        StockMovement.objects.filter(
            reason=MovementReason.ORDER_RESERVE,
            reference__in=[f"order:{pk}" for pk in orders.values()],
        )
        .values("reference")
        .annotate(n=Count("id"))
        .values_list("reference", "n")
    )
    not_once = [oid for oid, pk in orders.items() if reserves.get(f"order:{pk}", 0) != lines[oid]]
    generated = WebhookDelivery.objects.filter(
        event="order_notification", signature_ok=True, body__contains="INV/BENCH/"
    )
    span = generated.aggregate(first=Min("received_at"), last=Max("processed_at"))
    processed = generated.filter(status=DeliveryStatus.PROCESSED).count()
    seconds = (
        (span["last"] - span["first"]).total_seconds() if span["first"] and span["last"] else 0
    )
    return {
        "orders_in_db": len(orders),
        "lost": len(lost),
        "not_once": len(not_once),
        "deliveries_stored": generated.count(),
        "deliveries_processed": processed,
        "deliveries_failed": generated.filter(status=DeliveryStatus.FAILED).count(),
        "reserve_movements": sum(reserves.values()),
        "lines_accepted": sum(lines[oid] for oid in accepted_ids),
        "processed_per_second": round(processed / seconds, 1) if seconds else None,
    }
