"""``python -m bench.workers_child PARAMS_JSON``: the ``workers`` measurements (see
``bench/scenario_workers.py``) for each worker count in ``PARAMS["workers"]``, with
``DATABASE_URL`` and ``SATUSTOK_QUEUE_URL`` from the environment; prints one JSON line
``{"<workers>": {...}, ...}``."""

from __future__ import annotations

import json
import os
import sys
from typing import Any


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
    from bench import scenario_burst, scenario_webhooks, seeds, stack, world

    topology = stack.Topology(workers=workers)
    result: dict[str, Any] = {"hub": topology.describe(), "queue": stack.queue_name()}

    fresh()
    prop = params["propagation"]
    with world.two_shops(prop["skus"], params["latency_ms"], topology) as shops:
        burst = scenario_burst.measure(shops, prop["orders"], prop["threads"])
        result["web"] = shops.hub.web_command
    seconds = burst["converged_seconds"]
    result["propagation"] = burst
    result["propagation_per_second"] = round(burst["orders"] / seconds, 1) if seconds else None

    fresh()
    hooks = params["webhooks"]
    sandbox = stack.Sandbox(seeds.shared_shops(hooks["skus"]), latency_ms=0, unlimited=True)
    try:
        stack.point_hub_at(sandbox)
        account = stack.connect(seeds.SHOP_A)
        stack.import_now(account)
        with stack.Hub(sandbox, topology) as hub:
            measured = scenario_webhooks.measure(
                sandbox,
                hub,
                account,
                hooks["posts"],
                max_seconds=30,
                concurrency=hooks["concurrency"],
                skus=hooks["skus"],
            )
    finally:
        sandbox.stop()
    result["webhooks"] = measured
    result["webhooks_per_second"] = measured["processed_per_second"]
    return result


def fresh() -> None:
    from django.core.management import call_command

    from bench import stack

    call_command("flush", "--noinput", verbosity=0)
    stack.flush_queue()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
