"""Liveness and readiness, for load balancers, process supervisors and orchestrators.

- ``GET /healthz`` — the process is up and serving. Touches nothing else (no database), so a
  database outage never makes a supervisor restart healthy web processes. Always 200.
- ``GET /readyz`` — this process can do useful work: the database answers, every migration of
  this code is applied, and the queue's storage answers (the SQLite queue file, or Redis).
  200 when all pass, 503 otherwise; the JSON names each check and whether it passed. A load
  balancer should send traffic only to ready processes.

No login (a balancer has none). The answer names the failed check and the error's class, never
its message: addresses and connection strings stay in the process's own log (a warning).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)

QUEUE_TIMEOUT_SECONDS = 2.0

Check = Callable[[], dict[str, Any]]


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    report = readiness()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def readiness() -> dict[str, Any]:
    """Run every check; ``{"status": "ok"|"unavailable", "checks": {name: {"ok": …, …}}}``."""
    checks: dict[str, dict[str, Any]] = {}
    checks["database"] = _run("database", check_database)
    if checks["database"]["ok"]:
        checks["migrations"] = _run("migrations", check_migrations)
    else:
        checks["migrations"] = {"ok": False, "error": "skipped: the database is unreachable"}
    checks["queue"] = _run("queue", check_queue)
    ready = all(check["ok"] for check in checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}


def _run(name: str, check: Check) -> dict[str, Any]:
    started = time.monotonic()
    try:
        result = {"ok": True, **check()}
    except Exception as error:
        log.warning("readiness check %s failed: %s: %s", name, type(error).__name__, error)
        result = {"ok": False, "error": type(error).__name__}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def check_database() -> dict[str, Any]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connections[DEFAULT_DB_ALIAS].vendor}


def check_migrations() -> dict[str, Any]:
    """Every migration this code ships is applied (new code before ``satustok migrate`` is not
    ready: its models may name columns that do not exist yet)."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    unapplied = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
    if unapplied:
        return {"ok": False, "unapplied": unapplied}
    return {}


def check_queue() -> dict[str, Any]:
    """The queue storage answers: Redis is pinged with a short timeout (an unreachable host must
    not hang the probe), then the number of waiting tasks is read (any storage)."""
    from huey.contrib.djhuey import HUEY

    from satustok.core.queue import backend_name

    storage = HUEY.storage
    backend = backend_name(storage)
    client = getattr(storage, "conn", None)
    if client is not None and hasattr(client, "ping") and hasattr(client, "connection_pool"):
        _ping_redis(client)
    return {"backend": backend, "pending": HUEY.pending_count()}


def _ping_redis(client: Any) -> None:
    import redis

    pool = client.connection_pool
    probe_pool = redis.ConnectionPool(
        connection_class=pool.connection_class,
        **{
            **pool.connection_kwargs,
            "socket_connect_timeout": QUEUE_TIMEOUT_SECONDS,
            "socket_timeout": QUEUE_TIMEOUT_SECONDS,
        },
    )
    try:
        redis.Redis(connection_pool=probe_pool).ping()
    finally:
        probe_pool.disconnect()


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
