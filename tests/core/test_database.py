"""The suite runs on the database it says it runs on, configured as satustok wants it."""

from __future__ import annotations

import os

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_configured_database_is_the_one_in_use() -> None:
    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected


def test_the_database_is_set_up_for_concurrent_writers() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        else:
            cursor.execute("SHOW default_transaction_isolation")
            assert cursor.fetchone()[0] == "read committed"  # row locks do the rest
