"""The migration that gives every order a warehouse: an order stored before it keeps moving its
stock in its integration's warehouse (the one it reserved in)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("orders", "0006_fulfilment")]
AFTER = [("orders", "0007_order_warehouse")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate to ``targets``; the historical apps at that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_orders_stored_before_get_their_integrations_warehouse() -> None:
    old = migrate(BEFORE)
    warehouse = old.get_model("inventory", "Warehouse").objects.create(code="lama", name="Lama")
    account = old.get_model("channels", "ChannelAccount").objects.create(
        channel="tokopedia", shop_id="1", shop_name="Toko Lama", warehouse=warehouse
    )
    old.get_model("orders", "Order").objects.create(
        account=account,
        external_id="1",
        status="open",
        channel_status="220",
        ordered_at=timezone.now(),
    )
    try:
        new = migrate(AFTER)
        order = new.get_model("orders", "Order").objects.get(external_id="1")
        assert order.warehouse_id == warehouse.pk
    finally:
        migrate(executor_leaf())


def executor_leaf() -> list[tuple[str, str]]:
    """Every app at its latest migration, as the rest of the suite expects."""
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
