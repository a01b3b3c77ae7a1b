"""Each order moves its stock in one hub warehouse, fixed when the order is first seen: the one
mapped to the shop warehouse (location) it ships from, else the integration's. Every later
step — shipping, releasing, putting back a baseline, returns, the picking list, the checks
that guard a warehouse — uses that same warehouse.

The shop here is the orders catalogue's integration (fed by the main warehouse) with two shop
warehouses: 4800011 (not mapped) and 4800012, mapped to the hub's Jakarta warehouse."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from orders_helpers import Catalog, channel_order

from roles_support import user_with_role
from satustok.channels.models import ChannelAccount, ShopLocation
from satustok.channels.protocol import ChannelOrder
from satustok.core import activity
from satustok.core.access import NotAllowed, Role
from satustok.inventory import stock
from satustok.inventory.access import set_warehouses
from satustok.inventory.models import MovementReason, StockLevel, StockMovement, Warehouse
from satustok.inventory.warehouses import WarehouseChangeRefused
from satustok.orders import actions, returns
from satustok.orders.ingest import ingest, ingest_many
from satustok.orders.models import Order, StockEffect
from satustok.orders.picking import picking_rows
from satustok.orders.queue import QueueFilters, queue
from satustok.orders.status import EventSource
from satustok.orders.warehouse_switch import switch_warehouse
from satustok.sync.models import ImportRun
from satustok.sync.warehouse_feeds import delete_unless_feeding

pytestmark = pytest.mark.django_db

UNMAPPED, MAPPED = "4800011", "4800012"
POLL = EventSource.POLL


@pytest.fixture
def jakarta(catalog: Catalog) -> Warehouse:
    """Shop warehouse 4800012 is fed by Jakarta, which holds 6 shirts."""
    warehouse = Warehouse.objects.create(code="jakarta", name="Gudang Jakarta")
    account = catalog.account
    ShopLocation.objects.create(
        account=account, location_id=UNMAPPED, name="Yogya", is_default=True
    )
    ShopLocation.objects.create(
        account=account, location_id=MAPPED, name="Jakarta", warehouse=warehouse
    )
    stock.set_on_hand(warehouse.pk, catalog.shirt.pk, 6, reference="test")
    return warehouse


def level(warehouse_id: int, variant_id: int) -> tuple[int, int]:
    found = StockLevel.objects.get(warehouse_id=warehouse_id, variant_id=variant_id)
    return found.on_hand, found.reserved


def warehouses_moved(order: Order) -> set[int]:
    """The warehouses the order's ledger rows are in."""
    rows = StockMovement.objects.filter(reference=order.reference)
    return set(rows.values_list("level__warehouse_id", flat=True))


def at(location_id: str, code: int, order_id: str = "7001", **extra: Any) -> ChannelOrder:
    """A Tokopedia order at ``code`` that ships from the shop warehouse ``location_id``."""
    return dataclasses.replace(
        channel_order(code, order_id=order_id, **extra), location_id=location_id
    )


def test_an_order_from_a_mapped_location_reserves_and_ships_there(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    main = catalog.account.warehouse_id
    order = ingest(catalog.account, at(MAPPED, 220), POLL).order
    assert order.warehouse_id == jakarta.pk
    assert level(jakarta.pk, catalog.shirt.pk) == (6, 2)
    assert level(main, catalog.shirt.pk) == (10, 0)

    ingest(catalog.account, at(MAPPED, 500), POLL)
    assert level(jakarta.pk, catalog.shirt.pk) == (4, 0)
    assert level(main, catalog.shirt.pk) == (10, 0)
    assert warehouses_moved(order) == {jakarta.pk}


def test_a_cancelled_order_from_a_mapped_location_is_released_there(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    order = ingest(catalog.account, at(MAPPED, 220), POLL).order
    ingest(catalog.account, at(MAPPED, 0), POLL)
    order.refresh_from_db()
    assert order.stock_effect == StockEffect.RELEASED
    assert level(jakarta.pk, catalog.shirt.pk) == (6, 0)
    assert level(catalog.account.warehouse_id, catalog.shirt.pk) == (10, 0)
    assert warehouses_moved(order) == {jakarta.pk}


@pytest.mark.parametrize("location_id", [UNMAPPED, "", "4899999"])
def test_an_unmapped_unnamed_or_unknown_location_uses_the_integrations_warehouse(
    catalog: Catalog, jakarta: Warehouse, location_id: str
) -> None:
    main = catalog.account.warehouse_id
    order = ingest(catalog.account, at(location_id, 220), POLL).order
    assert order.warehouse_id == main
    assert level(main, catalog.shirt.pk) == (10, 2)
    assert level(jakarta.pk, catalog.shirt.pk) == (6, 0)


def test_the_warehouse_is_fixed_when_the_order_is_first_seen(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    """A later payload naming no location (or the mapping changing meanwhile) moves nothing
    elsewhere: the reservation is shipped where it was made."""
    order = ingest(catalog.account, at(MAPPED, 220), POLL).order
    ShopLocation.objects.filter(location_id=MAPPED).update(warehouse=None)
    ingest(catalog.account, at("", 500), POLL)
    order.refresh_from_db()
    assert order.warehouse_id == jakarta.pk
    assert level(jakarta.pk, catalog.shirt.pk) == (4, 0)
    assert level(catalog.account.warehouse_id, catalog.shirt.pk) == (10, 0)


def test_a_batch_of_new_orders_reserves_each_in_its_own_warehouse(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    main = catalog.account.warehouse_id
    batch = [at(MAPPED, 220, "8001"), at("", 220, "8002"), at(MAPPED, 400, "8003")]
    results = ingest_many(catalog.account, batch, POLL)
    assert [r.created for r in results] == [True, True, True]
    by_id = {r.order.external_id: r.order for r in results}
    assert by_id["8001"].warehouse_id == by_id["8003"].warehouse_id == jakarta.pk
    assert by_id["8002"].warehouse_id == main
    assert level(jakarta.pk, catalog.shirt.pk) == (6, 4)
    assert level(main, catalog.shirt.pk) == (10, 2)
    assert warehouses_moved(by_id["8001"]) == {jakarta.pk}
    assert warehouses_moved(by_id["8002"]) == {main}


def test_an_import_baseline_counts_only_in_the_warehouse_it_was_read_into(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    """An import that read Jakarta's stock after the order was placed already counts the
    order there: the mapped order reserves nothing, and its cancellation puts its units back
    in Jakarta. The same baseline says nothing of the main warehouse."""
    placed = timezone.now() - timedelta(minutes=5)
    scarf = [("1002", "SLD-02", 2)]
    run = ImportRun.objects.create(account=catalog.account)
    stock.record_baselines(
        jakarta.pk,
        [(catalog.scarf.pk, 5)],
        reason=MovementReason.IMPORT_BASELINE,
        reference=f"import:{run.pk}",
    )
    mapped = at(MAPPED, 220, "9001", lines=scarf, created_at=placed)
    unmapped = at("", 220, "9002", lines=scarf, created_at=placed)
    first = ingest_many(catalog.account, [mapped], POLL)[0].order
    second = ingest(catalog.account, unmapped, POLL).order
    assert list(first.lines.values_list("stock_effect", flat=True)) == [StockEffect.BASELINE]
    assert list(second.lines.values_list("stock_effect", flat=True)) == [StockEffect.RESERVED]
    assert level(jakarta.pk, catalog.scarf.pk) == (5, 0)

    cancelled = at(MAPPED, 0, "9001", lines=scarf, created_at=placed)
    ingest(catalog.account, cancelled, POLL)
    assert level(jakarta.pk, catalog.scarf.pk) == (7, 0)  # put back where it was counted
    assert level(catalog.account.warehouse_id, catalog.scarf.pk) == (5, 2)


def test_a_return_goes_back_to_the_orders_warehouse_by_default(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    order = ingest(catalog.account, at(MAPPED, 220), POLL).order
    ingest(catalog.account, at(MAPPED, 500), POLL)
    ingest(catalog.account, at(MAPPED, 550), POLL)
    order.refresh_from_db()
    returns.restock_all(order)
    assert level(jakarta.pk, catalog.shirt.pk) == (6, 0)
    assert level(catalog.account.warehouse_id, catalog.shirt.pk) == (10, 0)
    assert set(order.lines.values_list("return_warehouse", flat=True)) == {jakarta.pk}


def test_the_picking_list_groups_an_order_under_its_own_warehouse(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    mapped = ingest(catalog.account, at(MAPPED, 220, "7001"), POLL).order
    plain = ingest(catalog.account, at("", 220, "7002"), POLL).order
    rows = picking_rows([mapped.pk, plain.pk])
    assert sorted((row.warehouse, row.quantity) for row in rows) == [
        ("Gudang Jakarta", 2),
        (catalog.account.warehouse.name, 2),
    ]


def test_switching_the_integrations_warehouse_leaves_open_orders_where_they_reserved(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    """Open orders no longer stop a switch: each ships and releases where it reserved, and the
    orders after the switch reserve in the new warehouse."""
    main = catalog.account.warehouse_id
    before = ingest(catalog.account, at(UNMAPPED, 220), POLL).order
    assert switch_warehouse(catalog.account, jakarta) is True
    after = ingest(catalog.account, at(UNMAPPED, 220, order_id="7002"), POLL).order
    assert (before.warehouse_id, after.warehouse_id) == (main, jakarta.pk)
    ingest(catalog.account, at(UNMAPPED, 0), POLL)  # the first is cancelled
    assert level(main, catalog.shirt.pk) == (10, 0), "released where it was reserved"
    assert level(jakarta.pk, catalog.shirt.pk) == (6, 2)
    assert warehouses_moved(before) == {main}


def test_a_warehouse_a_shop_location_maps_to_cannot_be_deleted(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    stock.set_on_hand(jakarta.pk, catalog.shirt.pk, 0, reference="test")
    with pytest.raises(WarehouseChangeRefused, match="Toko Uji \\(Jakarta\\)"):
        delete_unless_feeding(jakarta)
    assert Warehouse.objects.filter(pk=jakarta.pk).exists()


@translation.override("en")
def test_a_warehouse_open_orders_hold_stock_in_cannot_be_deleted(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    """Unmapped after the order came in: the open order still holds Jakarta's stock. Once it
    is done and Jakarta is empty, Jakarta can go; the order then falls back on the
    integration's warehouse (a later return is restocked there)."""
    order = ingest(catalog.account, at(MAPPED, 220), POLL).order
    ShopLocation.objects.filter(location_id=MAPPED).update(warehouse=None)
    with pytest.raises(WarehouseChangeRefused, match="Open orders hold stock in Gudang Jakarta"):
        delete_unless_feeding(jakarta)
    assert Warehouse.objects.filter(pk=jakarta.pk).exists()
    ingest(catalog.account, at(MAPPED, 700), POLL)
    stock.set_on_hand(jakarta.pk, catalog.shirt.pk, 0, reference="test")
    delete_unless_feeding(jakarta)
    order.refresh_from_db()
    assert order.warehouse_id is None
    assert order.stock_warehouse_id == catalog.account.warehouse_id


def test_an_unused_warehouse_is_still_deleted(catalog: Catalog) -> None:
    spare = Warehouse.objects.create(code="spare", name="Spare")
    delete_unless_feeding(spare)
    assert not Warehouse.objects.filter(pk=spare.pk).exists()


def test_an_order_stored_before_the_field_uses_its_integrations_warehouse(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    """A row with no warehouse (none should be left after the migration) falls back to the
    integration's for every step."""
    order = ingest(catalog.account, at("", 220), POLL).order
    Order.objects.filter(pk=order.pk).update(warehouse=None)
    ingest(catalog.account, at(MAPPED, 500), POLL)
    assert level(catalog.account.warehouse_id, catalog.shirt.pk) == (8, 0)
    assert level(jakarta.pk, catalog.shirt.pk) == (6, 0)


def test_the_integration_warehouse_still_feeds_a_shop_without_locations(
    catalog: Catalog,
) -> None:
    account: ChannelAccount = catalog.account
    order = ingest(account, at("4800012", 220), POLL).order
    assert order.warehouse_id == account.warehouse_id
    assert catalog.level(catalog.shirt) == (10, 2)


def test_the_queues_warehouse_filter_finds_an_order_under_its_own_warehouse(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    mapped = ingest(catalog.account, at(MAPPED, 220, "7001"), POLL).order
    plain = ingest(catalog.account, at("", 220, "7002"), POLL).order
    older = ingest(catalog.account, at("", 220, "7003"), POLL).order
    Order.objects.filter(pk=older.pk).update(warehouse=None)  # a row from before the field

    def found(warehouse_id: int) -> set[int]:
        filters = QueueFilters.from_params({"warehouse": str(warehouse_id)})
        return set(queue(filters).values_list("pk", flat=True))

    assert found(jakarta.pk) == {mapped.pk}
    assert found(catalog.account.warehouse_id) == {plain.pk, older.pk}


def test_a_user_limited_to_warehouses_works_the_orders_of_their_own(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    """The order's warehouse decides, not the integration's: a Jakarta worker restocks the
    Jakarta order's return; a worker of the integration's warehouse may not."""
    order = ingest(catalog.account, at(MAPPED, 500), POLL).order
    ingest(catalog.account, at(MAPPED, 550), POLL)
    order.refresh_from_db()
    main_only = user_with_role(Role.STAFF, "staf-utama")
    set_warehouses(main_only, [catalog.account.warehouse])
    acting_as_main = activity.acting(lambda: activity.actor_for(main_only, "ui"))
    with acting_as_main, pytest.raises(NotAllowed):
        actions.restock(order)
    jakarta_only = user_with_role(Role.STAFF, "staf-jakarta")
    set_warehouses(jakarta_only, [jakarta])
    with activity.acting(lambda: activity.actor_for(jakarta_only, "ui")):
        actions.restock(order)
    assert level(jakarta.pk, catalog.shirt.pk) == (6, 0)  # 4 after shipping, 2 back


def test_the_order_page_says_which_warehouse_its_stock_moves_in(
    catalog: Catalog, jakarta: Warehouse, seller: Client
) -> None:
    order = ingest(catalog.account, at(MAPPED, 220), POLL).order
    page = seller.get(reverse("web:order", args=[order.pk])).content.decode()
    assert '<dd data-testid="order-warehouse">Gudang Jakarta</dd>' in page


def test_a_one_location_shop_reserves_where_it_is_pushed_from(
    catalog: Catalog, jakarta: Warehouse
) -> None:
    """A shop left with one location (it reconnected with fewer) is pushed as one quantity
    from the integration's warehouse: its orders reserve there too, whatever the old mapping
    says, so the stock shown and the stock moved never part."""
    ShopLocation.objects.filter(location_id=UNMAPPED).delete()
    order = ingest(catalog.account, at(MAPPED, 220), POLL).order
    assert order.warehouse_id == catalog.account.warehouse_id
    assert level(jakarta.pk, catalog.shirt.pk) == (6, 0)
