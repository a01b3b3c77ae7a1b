"""``python -m bench.workers_child PARAMS_JSON``: the ``workers`` measurements (see
``bench/scenario_workers.py``) for each worker count in ``PARAMS["workers"]``, with
``DATABASE_URL`` and ``SATUSTOK_QUEUE_URL`` from the environment; prints one JSON line
``{"<workers>": {...}, ...}``."""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from typing import Any

BACKLOG_TIMEOUT = 240.0
RELEASE_TASKS = 8  # tasks queued for a backlog: more than the consumers of two workers (2 × 2)


def main(argv: list[str]) -> int:
    params = json.loads(argv[0])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satustok.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    results = {str(n): measure(n, params) for n in params["workers"]}
    print(json.dumps(results))
    return 0


def measure(workers: int, params: dict[str, Any]) -> dict[str, Any]:
    from bench import stack

    topology = stack.Topology(workers=workers)
    result: dict[str, Any] = {"hub": topology.describe(), "queue": stack.queue_name()}
    fresh()
    result["propagation"] = propagation_backlog(topology, params)
    result["propagation_per_second"] = result["propagation"]["orders_per_second"]
    fresh()
    result["webhooks"] = webhooks_backlog(topology, params)
    result["webhooks_per_second"] = result["webhooks"]["deliveries_per_second"]
    return result


def propagation_backlog(topology: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Orders on A over distinct SKUs, stored by the web process while the workers are stopped;
    then the workers start: orders ÷ (workers running → B shows every SKU's new value)."""
    from bench import scenario_burst, stack, world

    prop = params["propagation"]
    # The channel's rate limit would pace B's pushes whatever the workers do: none here.
    with world.two_shops(prop["skus"], params["latency_ms"], topology, unlimited=True) as shops:
        shops.hub.stop_workers()
        before = _last_delivery_id()
        placed = scenario_burst.place_burst(shops, prop["orders"], prop["threads"])
        _wait_stored(shops.sandbox, len(placed))
        per_sku = Counter(o["index"] for o in placed)
        shops.hub.start_workers_idle()
        cpu_before = _cpu(shops.hub, shops.sandbox)
        started = _release_backlog(before)  # the sandbox's clock is the machine's here
        converged_at, _ = scenario_burst.wait_converged(shops, dict(per_sku), started)
        seconds = None if converged_at is None else converged_at - started
        cpu = stack.cpu_delta(cpu_before, _cpu(shops.hub, shops.sandbox))
        return {
            "orders": len(placed),
            "skus": len(per_sku),
            "seconds": None if seconds is None else round(seconds, 3),
            # ingesting vs pushing: the rest of ``seconds`` is B's pushes catching up
            "ingested_seconds": round(_last_processed("order_notification") - started, 3),
            "orders_per_second": round(len(placed) / seconds, 1) if seconds else None,
            "cpu_seconds": cpu,
            "cores_busy": _cores_busy(cpu, seconds),
            "web": shops.hub.web_command,
        }


def webhooks_backlog(topology: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Signed order notifications posted while the workers are stopped; then the workers start:
    deliveries ÷ (workers running → the last one processed), and none lost or doubled."""
    from bench import scenario_webhooks as hooks_scenario
    from bench import seeds, stack

    hooks = params["webhooks"]
    sandbox = stack.Sandbox(seeds.shared_shops(hooks["skus"]), latency_ms=0, unlimited=True)
    try:
        stack.point_hub_at(sandbox)
        account = stack.connect(seeds.SHOP_A)
        stack.import_now(account)
        with stack.Hub(sandbox, topology) as hub:
            secret = stack.register_webhooks(account, hub.url)
            template = hooks_scenario.template_body(sandbox, account)  # processed by a worker
            hub.stop_workers()
            before = _last_delivery_id()
            bodies = hooks_scenario.generated_bodies(template, hooks["posts"], hooks["skus"])
            url = hub.webhook_url(account.pk, "order_notification")
            answers, _, _ = hooks_scenario.post_all(
                url, bodies, secret, hooks["concurrency"], max_seconds=120
            )
            accepted = [oid for oid, status, _ in answers if status == 200]
            hub.start_workers_idle()
            cpu_before = _cpu(hub, sandbox)
            started = _release_backlog(before)
            drained, _ = hooks_scenario.wait_drained(len(accepted), BACKLOG_TIMEOUT, interval=0.05)
            seconds = _last_processed() - started if drained else None
            cpu = stack.cpu_delta(cpu_before, _cpu(hub, sandbox))
            lines = dict(hooks_scenario.bodies_lines(bodies))
            checks = hooks_scenario.check_orders(account, accepted, lines)
            checks.pop("processed_per_second")  # that one counts from the first post
            return {
                "deliveries": len(accepted),
                "seconds": None if seconds is None else round(seconds, 3),
                "deliveries_per_second": round(len(accepted) / seconds, 1) if seconds else None,
                **checks,
                "cpu_seconds": cpu,
                "cores_busy": _cores_busy(cpu, seconds),
            }
    finally:
        sandbox.stop()


def _wait_stored(sandbox: Any, orders: int) -> None:
    """Until the sandbox has sent what the orders caused and the web process has stored an
    ``order_notification`` delivery for each (unprocessed: no worker runs)."""
    from bench import stack, world
    from satustok.orders.models import DeliveryStatus, WebhookDelivery

    world.settle_deliveries(sandbox)
    waiting = WebhookDelivery.objects.filter(
        event="order_notification", status=DeliveryStatus.RECEIVED
    )
    stack.wait_until(lambda: waiting.count() >= orders, timeout=60, interval=0.2)


def _last_delivery_id() -> int:
    from satustok.orders.models import WebhookDelivery

    return WebhookDelivery.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _cpu(hub: Any, sandbox: Any) -> dict[str, float]:
    """CPU seconds so far of everything on the machine that takes part: the hub's processes,
    the sandbox and the PostgreSQL server."""
    from bench import stack

    return {
        **hub.cpu_seconds(),
        "sandbox": sandbox.cpu_seconds(),
        "postgres": stack.postgres_cpu_seconds(),
    }


def _cores_busy(cpu: dict[str, float], seconds: float | None) -> float | None:
    """How many cores the measurement kept busy on average. With one worker, the cores of the
    machine divided by this is the most any number of workers could speed it up."""
    return round(sum(cpu.values()) / seconds, 2) if seconds else None


def _release_backlog(after_id: int) -> float:
    """Queue processing for the stored backlog (deliveries after ``after_id``) as the web
    process's nudges would — a few tasks, each taking batches until none is left — and return
    when (epoch seconds). The nudges queued while it was stored were dropped with
    ``start_workers_idle``: every worker is up and idle when the work arrives, none has a
    head start, and none is still booting (which costs a core for about a second)."""
    from satustok.orders.models import WebhookDelivery
    from satustok.orders.tasks import process_webhook

    backlog = WebhookDelivery.objects.filter(id__gt=after_id).order_by("id")
    started = time.time()
    for delivery_id in backlog.values_list("id", flat=True)[:RELEASE_TASKS]:
        process_webhook(delivery_id)
    return started


def _last_processed(event: str | None = None) -> float:
    """When the last generated delivery (or the last of ``event``) was processed (epoch
    seconds, the hub's record)."""
    from django.db.models import Max

    from satustok.orders.models import WebhookDelivery

    deliveries = WebhookDelivery.objects
    generated = (
        deliveries.filter(event=event) if event else deliveries.filter(body__contains="INV/BENCH/")
    )
    return float(generated.aggregate(last=Max("processed_at"))["last"].timestamp())


def fresh() -> None:
    from django.core.management import call_command

    from bench import stack

    call_command("flush", "--noinput", verbosity=0)
    stack.flush_queue()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
