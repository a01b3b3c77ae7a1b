"""The embedded database runs in WAL mode with immediate transactions."""

from __future__ import annotations

import pytest
from django.db import connection

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite pragmas; this run is on another database"
)


@sqlite_only
@pytest.mark.django_db
def test_sqlite_uses_write_ahead_log() -> None:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


@sqlite_only
def test_sqlite_takes_the_write_lock_at_begin() -> None:
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
