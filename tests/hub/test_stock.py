"""Stock adjustments and the ledger: every change explained, atomic under concurrency, shown
on the Inventory page and by the CLI."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.models import Sum
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from satustok.catalog.models import MasterProduct, Variant
from satustok.core.access import Role
from satustok.core.models import Membership
from satustok.inventory import stock
from satustok.inventory.adjustments import AdjustmentRefused, adjust, default_warehouse
from satustok.inventory.models import MovementReason, StockLevel, StockMovement


@pytest.fixture
def variant(db: Any) -> Variant:
    variant = Variant.objects.create(
        product=MasterProduct.objects.create(name="Kaos"), sku="KAOS-1"
    )
    stock.move(default_warehouse().pk, variant.pk, on_hand=10, reason=MovementReason.ADJUSTMENT)
    return variant


def level(variant: Variant) -> StockLevel:
    return StockLevel.objects.get(variant=variant, warehouse=default_warehouse())


def ledger_sums(variant: Variant) -> tuple[int, int]:
    sums = StockMovement.objects.filter(level__variant=variant).aggregate(
        on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
    )
    return sums["on_hand"] or 0, sums["reserved"] or 0


def test_set_add_remove_write_the_ledger_with_the_reason(variant: Variant) -> None:
    adjust(variant, "set", 25, "stock opname", actor="ani")
    adjust(variant, "add", 5, "barang datang")
    adjust(variant, "remove", 2, "rusak")
    assert level(variant).on_hand == 28
    notes = list(
        StockMovement.objects.filter(level__variant=variant).values_list("note", "on_hand_delta")
    )
    assert notes[:3] == [("rusak", -2), ("barang datang", 5), ("stock opname", 15)]
    assert ledger_sums(variant) == (level(variant).on_hand, level(variant).reserved)


@pytest.mark.parametrize(
    ("action", "quantity", "reason"),
    [
        ("set", -1, "x"),
        ("add", 1, "  "),
        ("steal", 1, "x"),
    ],
)
def test_bad_adjustments_are_refused_and_change_nothing(
    variant: Variant, action: str, quantity: int, reason: str
) -> None:
    with pytest.raises(AdjustmentRefused):
        adjust(variant, action, quantity, reason)
    assert level(variant).on_hand == 10


def test_order_effects_keep_the_ledger_equal_to_the_level(variant: Variant) -> None:
    warehouse = default_warehouse().pk
    stock.reserve(warehouse, variant.pk, 3, "order:1")
    stock.ship(warehouse, variant.pk, 2, "order:1")
    stock.release(warehouse, variant.pk, 5, "order:1")  # more than held: releases what is there
    stock.restock(warehouse, variant.pk, 1, "order:1")
    current = level(variant)
    assert (current.on_hand, current.reserved) == (9, 0)
    assert ledger_sums(variant) == (9, 0)


@pytest.mark.django_db(transaction=True)
def test_two_workers_selling_the_last_unit_lose_no_update() -> None:
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="X"), sku="LAST-1")
    warehouse = default_warehouse().pk
    stock.move(warehouse, variant.pk, on_hand=1, reason=MovementReason.ADJUSTMENT)
    start = threading.Barrier(2)

    def sell(order: int) -> None:
        start.wait()
        try:
            stock.reserve(warehouse, variant.pk, 1, f"order:{order}")
        finally:
            connections.close_all()

    workers = [threading.Thread(target=sell, args=(n,)) for n in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    current = StockLevel.objects.get(variant=variant)
    assert (current.on_hand, current.reserved, current.available) == (1, 2, -1)  # oversold, seen
    assert ledger_sums(variant) == (1, 2)


def test_stock_cli_adjusts_and_shows_by_contract(
    variant: Variant, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("stock", "add", "kaos-1 ", "4", "--reason", "restock", "--json")
    shown = json.loads(capsys.readouterr().out)
    assert (shown["on_hand"], shown["reserved"], shown["available"]) == (14, 0, 14)
    call_command("stock", "show", "KAOS-1", "--json")
    assert json.loads(capsys.readouterr().out)["listings"] == []
    with pytest.raises(CommandError) as refused:
        call_command("stock", "remove", "NOPE", "1", "--reason", "x")
    assert refused.value.returncode == 2


def test_inventory_page_adjusts_and_shows_the_ledger(variant: Variant, client: Client) -> None:
    ani = get_user_model().objects.create_user("ani", password="rahasia-123")
    Membership.objects.create(user=ani, role=Role.STAFF)  # Staff adjust stock
    # A request, as django-axes (login throttling) needs one to count failures against.
    client.login(request=HttpRequest(), username="ani", password="rahasia-123")
    page = reverse("web:inventory_sku", args=[variant.pk])
    response = client.post(
        page, {"action": "remove", "quantity": 3, "reason": "hilang"}, follow=True
    )
    assert level(variant).on_hand == 7
    text = response.content.decode()
    assert "hilang" in text and "user:ani" in text
    assert re.search(r'id="available"[^>]*>7<', text)


def test_the_database_in_use_takes_the_concurrency_test_seriously() -> None:
    # The concurrency test above is only meaningful with a real server or SQLite file, never
    # an in-memory database shared by one connection.
    assert connection.settings_dict["NAME"] != ":memory:"


def test_removing_more_than_is_on_hand_is_refused(variant: Variant) -> None:
    with pytest.raises(AdjustmentRefused, match="10"):
        adjust(variant, "remove", 11, "hilang")
    assert level(variant).on_hand == 10
