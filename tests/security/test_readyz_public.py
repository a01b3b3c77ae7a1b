"""``/readyz`` for someone not logged in says ``ok`` or ``unavailable`` and nothing more, and
costs little however often it is asked: the checks run at most once a second, and the
migration planner once per process (it used to run on every call)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY
from huey.storage import SqliteStorage

from satustok.core import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sqlite_queue(tmp_path: Path) -> Iterator[None]:
    """A real queue storage to check (tests otherwise run tasks inline, in memory)."""
    health.forget_checks()
    saved = HUEY._immediate, HUEY.storage
    HUEY._immediate = False
    HUEY.storage = SqliteStorage("ready-public", filename=str(tmp_path / "queue.sqlite3"))
    yield
    HUEY._immediate, HUEY.storage = saved
    health.forget_checks()


def login(is_staff: bool) -> Client:
    client = Client()
    user = get_user_model().objects.create(username=f"u{int(is_staff)}", is_staff=is_staff)
    client.force_login(user)
    return client


def migration_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if "django_migrations" in q["sql"]]


@pytest.mark.parametrize("who", ["anonymous", "logged-in, not staff"])
def test_the_public_answer_names_no_database_queue_or_depth(who: str) -> None:
    client = Client() if who == "anonymous" else login(is_staff=False)
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
    for secret in (connection.vendor, "sqlite", "pending", "checks", "migrations"):
        assert secret not in answer.content.decode()


def test_staff_see_each_check() -> None:
    report = login(is_staff=True).get("/readyz").json()
    assert report["status"] == "ok"
    assert report["checks"]["database"]["vendor"] == connection.vendor
    assert report["checks"]["queue"] == {**report["checks"]["queue"], "pending": 0, "ok": True}


def test_a_flood_of_anonymous_probes_runs_the_checks_once() -> None:
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        answers = [client.get("/readyz") for _ in range(50)]
    assert {answer.status_code for answer in answers} == {200}
    # One round of checks for fifty probes (within a second): one SELECT 1, one plan.
    assert sum(1 for q in queries if q["sql"].strip().upper() == "SELECT 1") == 1
    assert len(migration_queries(queries)) <= 1


def test_the_migration_plan_is_computed_once_per_process_once_complete() -> None:
    staff = login(is_staff=True)
    with CaptureQueriesContext(connection) as first:
        assert staff.get("/readyz").json()["checks"]["migrations"]["ok"]
    assert migration_queries(first)  # the planner read the applied migrations
    with CaptureQueriesContext(connection) as later:
        for _ in range(5):
            assert staff.get("/readyz").json()["checks"]["migrations"]["ok"]
    assert migration_queries(later) == []


def test_an_incomplete_plan_is_looked_at_again_after_a_while(monkeypatch: Any) -> None:
    """New code started before ``satustok migrate``: ready once migrated, without a restart."""
    from django.db.migrations.recorder import MigrationRecorder

    latest = MigrationRecorder.Migration.objects.filter(app="orders").order_by("-name").first()
    assert latest is not None
    name = latest.name
    latest.delete()
    staff = login(is_staff=True)
    assert staff.get("/readyz").json()["checks"]["migrations"]["unapplied"] == [f"orders.{name}"]
    MigrationRecorder.Migration.objects.create(app="orders", name=name)  # migrated meanwhile
    assert staff.get("/readyz").status_code == 503  # believed for a while: no plan per call
    monkeypatch.setattr(health, "MIGRATION_RECHECK_SECONDS", 0.0)
    assert staff.get("/readyz").status_code == 200
