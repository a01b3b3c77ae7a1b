"""``/healthz`` (alive, touches nothing) and ``/readyz`` (database, migrations, queue storage):
as a load balancer sees them (no login, JSON, 200 or 503, nothing more), and as a logged-in
staff user sees them (each check by name)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from huey.contrib.djhuey import HUEY
from huey.storage import PriorityRedisStorage, RedisStorage, SqliteStorage
from ops_helpers import redis_or_skip

from satustok.core import health


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def fresh_checks() -> Iterator[None]:
    """Each test sees its own database and queue: nothing kept from an earlier one."""
    health.forget_checks()
    yield
    health.forget_checks()


@pytest.fixture
def staff(db: Any) -> Client:
    """A logged-in staff user: the only browser shown each check."""
    client = Client()
    client.force_login(get_user_model().objects.create(username="ops", is_staff=True))
    return client


@pytest.fixture
def queue_storage() -> Iterator[Callable[[Any], None]]:
    """Swap the app's queue storage (tests otherwise run tasks inline, in memory)."""
    saved = HUEY._immediate, HUEY.storage

    def use(storage: Any) -> None:
        HUEY._immediate, HUEY.storage = False, storage

    yield use
    HUEY._immediate, HUEY.storage = saved


def test_healthz_answers_without_login_or_database() -> None:
    # No database fixture: any query here would fail the test.
    answer = Client().get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
    assert "no-cache" in answer["Cache-Control"]
    assert Client().head("/healthz").status_code == 200
    assert Client().post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_is_200_when_database_migrations_and_sqlite_queue_answer(
    queue_storage: Callable[[Any], None], tmp_path: Path, staff: Client
) -> None:
    queue_storage(SqliteStorage("ready-test", filename=str(tmp_path / "queue.sqlite3")))
    public = Client().get("/readyz")
    assert public.status_code == 200 and public.json() == {"status": "ok"}
    answer = staff.get("/readyz")
    assert answer.status_code == 200, answer.content
    report = answer.json()
    assert report["status"] == "ok"
    assert {name: check["ok"] for name, check in report["checks"].items()} == {
        "database": True,
        "migrations": True,
        "queue": True,
    }
    assert report["checks"]["queue"]["backend"] == "sqlite"
    assert report["checks"]["queue"]["pending"] == 0


@pytest.mark.django_db
def test_readyz_is_200_on_redis(queue_storage: Callable[[Any], None], staff: Client) -> None:
    redis_or_skip()
    storage = PriorityRedisStorage(
        f"satustok-ready-{uuid.uuid4().hex[:8]}", url="redis://127.0.0.1:6379/15"
    )
    queue_storage(storage)
    try:
        report = staff.get("/readyz").json()
    finally:
        storage.flush_all()
    assert report["status"] == "ok", report
    assert report["checks"]["queue"]["backend"] == "redis"


@pytest.mark.django_db
def test_readyz_is_503_when_redis_is_unreachable(
    queue_storage: Callable[[Any], None], caplog: pytest.LogCaptureFixture, staff: Client
) -> None:
    port = closed_port()
    queue_storage(RedisStorage("satustok", url=f"redis://:hunter2-password@127.0.0.1:{port}/0"))
    public = Client().get("/readyz")
    assert public.status_code == 503 and public.json() == {"status": "unavailable"}
    answer = staff.get("/readyz")
    assert answer.status_code == 503
    report = answer.json()
    assert report["status"] == "unavailable"
    assert report["checks"]["database"]["ok"] and report["checks"]["migrations"]["ok"]
    assert report["checks"]["queue"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": report["checks"]["queue"]["ms"],
    }
    # The public answer names the check, not the address; the detail is in the process's log.
    assert str(port) not in answer.content.decode() and "hunter2" not in answer.content.decode()
    assert any("readiness check queue failed" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_readyz_is_503_while_a_migration_is_unapplied(
    queue_storage: Callable[[Any], None], tmp_path: Path, staff: Client
) -> None:
    queue_storage(SqliteStorage("ready-test", filename=str(tmp_path / "queue.sqlite3")))
    latest = MigrationRecorder.Migration.objects.filter(app="orders").order_by("-name").first()
    assert latest is not None
    latest.delete()  # as if new code started before `satustok migrate` (rolled back after)
    assert Client().get("/readyz").status_code == 503
    answer = staff.get("/readyz")
    assert answer.status_code == 503
    migrations = answer.json()["checks"]["migrations"]
    assert migrations["ok"] is False
    assert migrations["unapplied"] == [f"orders.{latest.name}"]


def test_readyz_skips_migrations_when_the_database_is_down(
    monkeypatch: pytest.MonkeyPatch, queue_storage: Callable[[Any], None], tmp_path: Path
) -> None:
    def unreachable() -> dict[str, Any]:
        from django.db import OperationalError

        raise OperationalError("connection to server at 10.0.0.5 failed")

    monkeypatch.setattr(health, "check_database", unreachable)
    queue_storage(SqliteStorage("ready-test", filename=str(tmp_path / "queue.sqlite3")))
    answer = Client().get("/readyz")
    assert answer.status_code == 503 and answer.json() == {"status": "unavailable"}
    checks = health.readiness()["checks"]  # the detail, as the CLI reads it
    assert checks["database"]["error"] == "OperationalError"
    assert checks["migrations"] == {"ok": False, "error": "skipped: the database is unreachable"}
    assert checks["queue"]["ok"] is True
    assert "10.0.0.5" not in answer.content.decode()
