"""Stock levels: available = on hand − reserved; oversell is visible; reserved never negative."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from satustok.catalog.models import MasterProduct, Variant
from satustok.inventory.models import MovementReason, StockLevel, StockMovement, Warehouse


@pytest.fixture
def level(db) -> StockLevel:
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="K-1")
    warehouse = Warehouse.objects.create(name="Gudang Utama", code="utama")
    return StockLevel.objects.create(warehouse=warehouse, variant=variant, on_hand=5, reserved=2)


def test_available_is_on_hand_minus_reserved(level: StockLevel) -> None:
    assert level.available == 3
    assert not level.is_oversold


def test_oversell_is_negative_available_not_hidden(level: StockLevel) -> None:
    level.reserved = 7
    level.save()
    level.refresh_from_db()
    assert level.available == -2
    assert level.is_oversold


def test_reserved_cannot_go_below_zero(level: StockLevel) -> None:
    level.reserved = -1
    with pytest.raises(IntegrityError), transaction.atomic():
        level.save()


def test_one_level_per_warehouse_and_variant(level: StockLevel) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.create(warehouse=level.warehouse, variant=level.variant)


def test_movements_belong_to_a_level_and_explain_themselves(level: StockLevel) -> None:
    StockMovement.objects.create(
        level=level, on_hand_delta=5, reason=MovementReason.IMPORT_BASELINE, reference="import:1"
    )
    movement = level.movements.get()
    assert movement.get_reason_display() == "Stok awal dari impor"  # Bahasa Indonesia by default
    with translation.override("en"):
        assert movement.get_reason_display() == "Import baseline"
    assert str(movement).endswith("+5/+0")


def test_a_movement_names_the_user_acting_and_none_for_the_hub(level: StockLevel) -> None:
    from roles_support import user_with_role
    from satustok.core import activity
    from satustok.core.models import Role, Via
    from satustok.inventory import stock

    staff = user_with_role(Role.STAFF, "gudang")
    with activity.acting(lambda: activity.actor_for(staff, Via.UI)):
        by_hand = stock.move(level.warehouse_id, level.variant_id, on_hand=3, reason="adjustment")
    by_hub = stock.move(level.warehouse_id, level.variant_id, reserved=1, reason="order_reserve")
    assert StockMovement.objects.get(pk=by_hand.pk).user == staff
    assert StockMovement.objects.get(pk=by_hub.pk).user is None
