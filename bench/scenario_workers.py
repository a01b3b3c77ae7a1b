"""``workers``: the multi-process deployment — PostgreSQL + Redis, one web process and 1 or 2
``satustok worker`` processes (two threads each) — on two workloads; figure: the workers'
throughput with 2 ÷ with 1.

What is measured is what workers do: a backlog is stored by the web process while the workers
are stopped (their tasks wait in Redis), then the workers start and drain it. Measured live
instead — orders arriving while the workers run — the figure is the single web process's
receiving rate and the sandbox's sending rate, which a second worker cannot change (the first
version of this scenario did that and read 0.94× and 0.87×).

Runs on a temporary PostgreSQL database (created and dropped here, ``BENCH_PG_ADMIN_URL``,
default ``postgresql://postgres@127.0.0.1:5432/test``) and an empty Redis database number
(flushed afterwards), whatever ``DATABASE_URL`` the rest of the suite uses. Each measurement
runs in a child process (``python -m bench.workers_child``) with ``DATABASE_URL`` and
``SATUSTOK_QUEUE_URL`` set, on a flushed database and queue. The web process is ``satustok run
--no-sandbox --web-only`` if that flag exists, else ``uvicorn satustok.asgi:application``.

- **propagation**: the two-shop world (``bench/world.py``, no rate limit: the channel's would
  pace B's pushes whatever the workers do), push on for B; M one-unit orders over distinct
  SKUs placed on A by T threads while the workers are stopped, their ``order_notification``
  deliveries stored; throughput = M ÷ (workers running → every SKU's new value on B, on the
  sandbox's clock).
- **webhooks**: the ``webhooks`` load (signed order notifications, C connections) posted
  while the workers are stopped; throughput = deliveries ÷ (workers running → the last one
  processed, the hub's record); lost and doubled orders are counted as in ``webhooks``.

Each measurement also records the CPU time of the hub's processes, the sandbox and the
PostgreSQL server (all its processes on this machine), which share the machine's cores, and how
many cores that kept busy on average; the machine's cores divided by what one worker's run kept
busy is the most any number of workers could give here (``*_cpu_ceiling``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from bench import stack

WORKER_COUNTS = (1, 2)


def run(propagation: dict[str, Any], webhooks: dict[str, Any], latency_ms: int) -> dict[str, Any]:
    with stack.temporary_postgres() as database_url, stack.free_redis_db() as queue_url:
        measured = _child(
            database_url,
            queue_url,
            {
                "workers": list(WORKER_COUNTS),
                "propagation": propagation,
                "webhooks": webhooks,
                "latency_ms": latency_ms,
            },
        )
    one, two = measured["1"], measured["2"]
    return {
        "propagation_ratio": _ratio(two["propagation_per_second"], one["propagation_per_second"]),
        "webhooks_ratio": _ratio(two["webhooks_per_second"], one["webhooks_per_second"]),
        # The most more workers could give on this machine: its cores ÷ the cores one worker's
        # measurement kept busy (worker, web, sandbox and PostgreSQL together).
        "propagation_cpu_ceiling": _ceiling(one["propagation"]["cores_busy"]),
        "webhooks_cpu_ceiling": _ceiling(one["webhooks"]["cores_busy"]),
        "by_workers": measured,
        "database": "PostgreSQL (temporary database)",
        "queue": "Redis (empty database number)",
    }


def _ceiling(cores_busy: float | None) -> float | None:
    return round((os.cpu_count() or 1) / cores_busy, 2) if cores_busy else None


def _ratio(two: float | None, one: float | None) -> float | None:
    return round(two / one, 3) if two and one else None


def _child(database_url: str, queue_url: str, params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    data_dir = tempfile.mkdtemp(prefix="satustok-bench-workers-")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SATUSTOK_QUEUE_URL": queue_url,
        "SATUSTOK_DATA_DIR": data_dir,
        "SATUSTOK_LOG_LEVEL": "WARNING",
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.workers_child", json.dumps(params)],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"bench.workers_child failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))
