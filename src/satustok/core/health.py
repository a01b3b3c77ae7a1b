"""Liveness and readiness, for load balancers, process supervisors and orchestrators.

- ``GET /healthz`` — the process is up and serving. Touches nothing else (no database), so a
  database outage never makes a supervisor restart healthy web processes. Always 200.
- ``GET /readyz`` — this process can do useful work: the database answers, every migration of
  this code is applied, and the queue's storage answers (the SQLite queue file, or Redis).
  200 ``{"status": "ok"}`` when all pass, 503 ``{"status": "unavailable"}`` otherwise. A load
  balancer should send traffic only to ready processes.

No login (a balancer has none), so the public answer says nothing more and costs little: the
checks run at most once a second per process (:data:`PUBLIC_ANSWER_SECONDS`) however often it
is asked, and the migration plan is computed once per process once it is complete (code and
migrations do not change under a running process; an incomplete plan is looked at again every
:data:`MIGRATION_RECHECK_SECONDS`, so ``satustok migrate`` makes a waiting process ready).
A logged-in staff user gets each check (database kind, unapplied migrations, queue backend and
depth), as does :func:`readiness` (for the CLI). Even that names the failed check and the
error's class, never its message: addresses and connection strings stay in the process's own
log (a warning).
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
PUBLIC_ANSWER_SECONDS = 1.0  # how long the public answer is reused
MIGRATION_RECHECK_SECONDS = 10.0  # how long an incomplete migration plan is believed

Check = Callable[[], dict[str, Any]]


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    if _may_see_detail(request):
        report = readiness()
        return JsonResponse(report, status=_http_status(report["status"]))
    status = _public_status()
    return JsonResponse({"status": status}, status=_http_status(status))


def _may_see_detail(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def _http_status(status: str) -> int:
    return 200 if status == "ok" else 503


_public: tuple[float, str] | None = None  # (when, status) of the last public answer


def _public_status() -> str:
    """``readiness()["status"]``, reused for :data:`PUBLIC_ANSWER_SECONDS`: a flood of
    anonymous probes costs one round of checks a second."""
    global _public
    now = time.monotonic()
    if _public is not None and now - _public[0] < PUBLIC_ANSWER_SECONDS:
        return _public[1]
    status = str(readiness()["status"])
    _public = (time.monotonic(), status)
    return status


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


_migrations: tuple[float, list[str]] | None = None  # (when, unapplied) of the last plan


def check_migrations() -> dict[str, Any]:
    """Every migration this code ships is applied (new code before ``satustok migrate`` is not
    ready: its models may name columns that do not exist yet). A complete plan is kept for the
    process's life; an incomplete one for :data:`MIGRATION_RECHECK_SECONDS`."""
    global _migrations
    now = time.monotonic()
    if _migrations is None or (
        _migrations[1] and now - _migrations[0] >= MIGRATION_RECHECK_SECONDS
    ):
        _migrations = (now, _unapplied_migrations())
    if _migrations[1]:
        return {"ok": False, "unapplied": list(_migrations[1])}
    return {}


def _unapplied_migrations() -> list[str]:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def forget_checks() -> None:
    """Drop the kept migration plan and public answer (tests change migrations under a running
    process; nothing else does)."""
    global _migrations, _public
    _migrations = _public = None


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
