"""Two adjustments of one level at once: the second waits for the first and checks what it
left, so two adds near the bound (or two removes of the last units) cannot both pass. On
PostgreSQL, where writers of different rows run at once (SQLite's writers take turns)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections, transaction

from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.connect import default_warehouse
from satustok.inventory import stock
from satustok.inventory.adjustments import MAX_QUANTITY, AdjustmentRefused, adjust
from satustok.inventory.models import StockLevel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def lock_waits() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction sees one snapshot
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return int(cursor.fetchone()[0])


def test_the_second_add_near_the_bound_sees_the_first_and_is_refused() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's writers take turns (make test runs this on PostgreSQL only)")
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="K-1")
    warehouse = default_warehouse()
    stock.set_on_hand(warehouse.pk, variant.pk, MAX_QUANTITY - 10, reference="test")
    outcome: dict[str, Any] = {}

    def second_add() -> None:
        try:
            adjust(variant, "add", 6, "received")
            outcome["result"] = "added"
        except AdjustmentRefused:
            outcome["result"] = "refused"
        finally:
            connections.close_all()

    with transaction.atomic():
        adjust(variant, "add", 6, "received")  # not committed yet
        other = threading.Thread(target=second_add)
        other.start()
        deadline = time.monotonic() + 30
        while lock_waits() == 0 and other.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)  # until the second adjustment waits on a lock
    other.join(timeout=30)

    assert outcome.get("result") == "refused"
    assert StockLevel.objects.get(variant=variant).on_hand == MAX_QUANTITY - 4
