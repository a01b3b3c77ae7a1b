"""Warehouses as services: created with a unique code made from the name, renamed keeping the
code, deleted only when empty, feeding no integration, not the main one and limiting no
user; and an integration's feeding warehouse switched only while no open order holds stock in
the old one (orders/warehouse_switch.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from roles_support import an_integration, an_open_order_holding, user_with_role
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.connect import default_warehouse
from satustok.channels.models import LinkMethod, Listing
from satustok.core.access import Role
from satustok.core.models import Activity
from satustok.inventory import stock
from satustok.inventory.access import set_warehouses
from satustok.inventory.models import StockLevel, StockMovement, Warehouse
from satustok.inventory.warehouses import (
    WarehouseChangeRefused,
    create_warehouse,
    rename_warehouse,
    with_holdings,
)
from satustok.orders.models import StockEffect
from satustok.orders.warehouse_switch import switch_warehouse
from satustok.sync.warehouse_feeds import delete_unless_feeding

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def kaos() -> Variant:
    return Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="KAOS-1")


def test_the_code_is_made_from_the_name_and_kept_unique() -> None:
    first = create_warehouse("  Gudang   Surabaya ")
    assert (first.name, first.code) == ("Gudang Surabaya", "gudang-surabaya")
    Warehouse.objects.create(name="Old", code="gudang-bali")
    assert create_warehouse("Gudang Bali").code == "gudang-bali-2"
    assert Activity.objects.filter(action="warehouse.changed").count() == 2


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("   ", "Give the warehouse a name"),
        ("x" * 121, "at most 120 characters"),
        ("!!!", "at least one letter or digit"),
        ("gudang surabaya", "already exists"),
    ],
)
def test_bad_names_are_refused(name: str, words: str) -> None:
    create_warehouse("Gudang Surabaya")
    with pytest.raises(WarehouseChangeRefused, match=words):
        create_warehouse(name)
    assert Warehouse.objects.count() == 1


def test_a_rename_keeps_the_code_and_refuses_a_taken_name() -> None:
    sby = create_warehouse("Gudang Surabaya")
    create_warehouse("Gudang Bali")
    rename_warehouse(sby, "Gudang Sidoarjo")
    sby.refresh_from_db()
    assert (sby.name, sby.code) == ("Gudang Sidoarjo", "gudang-surabaya")
    with pytest.raises(WarehouseChangeRefused, match="already exists"):
        rename_warehouse(sby, "GUDANG BALI")


def test_holdings_count_skus_with_stock_and_units(kaos: Variant) -> None:
    sby = create_warehouse("Gudang Surabaya")
    topi = Variant.objects.create(product=kaos.product, sku="TOPI")
    stock.set_on_hand(sby.pk, kaos.pk, 7, reference="count")
    stock.reserve(sby.pk, kaos.pk, 2, "order:1")
    stock.set_on_hand(sby.pk, topi.pk, 0, reference="count")  # a level at zero is no SKU held
    row = with_holdings(Warehouse.objects.filter(pk=sby.pk)).get()
    assert (row.sku_count, row.units_on_hand, row.units_reserved) == (1, 7, 2)  # type: ignore[attr-defined]


def test_an_empty_warehouse_is_deleted_with_its_zero_levels(kaos: Variant) -> None:
    sby = create_warehouse("Gudang Surabaya")
    stock.set_on_hand(sby.pk, kaos.pk, 3, reference="count")
    stock.set_on_hand(sby.pk, kaos.pk, 0, reference="count")
    delete_unless_feeding(sby)
    assert not Warehouse.objects.filter(pk=sby.pk).exists()
    assert not StockLevel.objects.filter(warehouse_id=sby.pk).exists()


def test_deleting_is_refused_with_stock_a_feed_the_main_one_or_a_limited_user(
    kaos: Variant,
) -> None:
    sby = create_warehouse("Gudang Surabaya")
    stock.set_on_hand(sby.pk, kaos.pk, 3, reference="count")
    with pytest.raises(WarehouseChangeRefused, match=r"still holds stock \(SKUs with stock: 1\)"):
        delete_unless_feeding(sby)
    stock.set_on_hand(sby.pk, kaos.pk, 0, reference="count")

    shop = an_integration(warehouse=sby)
    with pytest.raises(WarehouseChangeRefused, match="feeds Toko Satu"):
        delete_unless_feeding(sby)
    shop.delete()  # the main warehouse feeds nothing now: its own refusal shows

    staff = user_with_role(Role.STAFF, "rina")
    set_warehouses(staff, [sby])
    with pytest.raises(WarehouseChangeRefused, match="Users limited to Gudang Surabaya: rina"):
        delete_unless_feeding(sby)
    set_warehouses(staff, [])

    with pytest.raises(WarehouseChangeRefused, match="main warehouse"):
        delete_unless_feeding(default_warehouse())
    assert StockMovement.objects.filter(level__warehouse=sby).count() == 2, "nothing lost"
    delete_unless_feeding(sby)


def test_switching_marks_every_linked_listing_and_is_logged(kaos: Variant) -> None:
    shop = an_integration()
    listing = Listing.objects.create(
        account=shop, external_id="9", variant=kaos, link_method=LinkMethod.AUTO_SKU
    )
    Listing.objects.update(needs_push=False)
    sby = create_warehouse("Gudang Surabaya")
    assert switch_warehouse(shop, sby) is True
    shop.refresh_from_db()
    listing.refresh_from_db()
    assert shop.warehouse_id == sby.pk and listing.needs_push
    logged = Activity.objects.filter(action="integration.settings").get()
    assert logged.after == {"warehouse": sby.code}
    assert switch_warehouse(shop, sby) is False, "already fed from it: nothing to do"


@pytest.mark.parametrize("effect", [StockEffect.RESERVED, StockEffect.BASELINE])
def test_switching_leaves_open_orders_in_their_warehouse(kaos: Variant, effect: str) -> None:
    shop = an_integration()
    order = an_open_order_holding(shop, kaos, 1, effect=effect)
    sby = create_warehouse("Gudang Surabaya")
    assert switch_warehouse(shop, sby) is True
    order.refresh_from_db()
    assert order.stock_warehouse_id == default_warehouse().pk, "it releases where it held"
    shop.refresh_from_db()
    assert shop.warehouse == sby
