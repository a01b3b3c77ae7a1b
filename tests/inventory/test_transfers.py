"""Transfers between warehouses: one ledger line each side with one reference, the levels move
and their total stays; refused (nothing moved) for no units, one warehouse, more than is
available in the source, a bundle, or a warehouse the user does not work in; two transfers of
the last units at once move them once (PostgreSQL)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import translation

from roles_support import an_integration, user_with_role
from satustok.catalog.models import BundleComponent, MasterProduct, Variant
from satustok.channels.connect import default_warehouse
from satustok.channels.models import LinkMethod, Listing
from satustok.core.access import NotAllowed, Role
from satustok.inventory import stock
from satustok.inventory.access import set_warehouses
from satustok.inventory.adjustments import MAX_QUANTITY
from satustok.inventory.models import MovementReason, StockLevel, StockMovement, Warehouse
from satustok.inventory.transfers import TransferRefused, transfer


@pytest.fixture
def kaos(db: None) -> Variant:
    return Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="KAOS-1")


@pytest.fixture
def places(db: None) -> tuple[Warehouse, Warehouse]:
    return default_warehouse(), Warehouse.objects.create(name="Gudang Surabaya", code="sby")


def level(warehouse: Warehouse, variant: Variant) -> tuple[int, int]:
    found = StockLevel.objects.filter(warehouse=warehouse, variant=variant).first()
    return (found.on_hand, found.reserved) if found else (0, 0)


@pytest.mark.django_db
def test_a_transfer_writes_one_line_each_side_with_one_reference(
    kaos: Variant, places: tuple[Warehouse, Warehouse]
) -> None:
    utama, sby = places
    stock.set_on_hand(utama.pk, kaos.pk, 10, reference="count")
    done = transfer(utama, sby, kaos, 4, None, "restock the branch")
    assert (level(utama, kaos), level(sby, kaos)) == ((6, 0), (4, 0))
    lines = StockMovement.objects.filter(reference=done.reference)
    sides = {(m.level.warehouse_id, m.reason, m.on_hand_delta, m.note) for m in lines}
    assert sides == {
        (utama.pk, MovementReason.TRANSFER_OUT, -4, "restock the branch"),
        (sby.pk, MovementReason.TRANSFER_IN, 4, "restock the branch"),
    }
    assert done.reference.startswith("transfer:")
    # Every level still equals the sum of its ledger.
    for place in places:
        ledger = StockMovement.objects.filter(level__warehouse=place, level__variant=kaos)
        assert sum(m.on_hand_delta for m in ledger) == level(place, kaos)[0]


@pytest.mark.django_db
def test_a_transfer_marks_the_listings_fed_by_either_warehouse_for_a_push(
    kaos: Variant, places: tuple[Warehouse, Warehouse]
) -> None:
    utama, sby = places
    stock.set_on_hand(utama.pk, kaos.pk, 10, reference="count")
    shops = [an_integration(), an_integration(shop_id="2", shop_name="Dua", warehouse=sby)]
    listings = [
        Listing.objects.create(
            account=shop, external_id=str(n), variant=kaos, link_method=LinkMethod.AUTO_SKU
        )
        for n, shop in enumerate(shops)
    ]
    Listing.objects.update(needs_push=False)
    transfer(utama, sby, kaos, 3)
    assert all(Listing.objects.get(pk=row.pk).needs_push for row in listings)


@pytest.mark.django_db
@translation.override("en")
@pytest.mark.parametrize(
    ("quantity", "same_place", "words"),
    [
        (0, False, "at least one unit"),
        (-2, False, "at least one unit"),
        (MAX_QUANTITY + 1, False, "at most"),
        (1, True, "two different warehouses"),
        (8, False, "Only 7 available in Gudang Utama"),
    ],
)
def test_refusals_move_nothing(
    kaos: Variant,
    places: tuple[Warehouse, Warehouse],
    quantity: int,
    same_place: bool,
    words: str,
) -> None:
    utama, sby = places
    stock.set_on_hand(utama.pk, kaos.pk, 10, reference="count")
    stock.reserve(utama.pk, kaos.pk, 3, "order:1")  # held by an order: not transferable
    before = StockMovement.objects.count()
    with pytest.raises(TransferRefused, match=words):
        transfer(utama, utama if same_place else sby, kaos, quantity)
    assert StockMovement.objects.count() == before
    assert (level(utama, kaos), level(sby, kaos)) == ((10, 3), (0, 0))


@pytest.mark.django_db
@translation.override("en")
def test_exactly_the_available_moves_and_the_source_is_not_oversold(
    kaos: Variant, places: tuple[Warehouse, Warehouse]
) -> None:
    utama, sby = places
    stock.set_on_hand(utama.pk, kaos.pk, 10, reference="count")
    stock.reserve(utama.pk, kaos.pk, 3, "order:1")
    transfer(utama, sby, kaos, 7)
    assert (level(utama, kaos), level(sby, kaos)) == ((3, 3), (7, 0))
    with pytest.raises(TransferRefused, match="Only 0 available"):
        transfer(utama, sby, kaos, 1)


@pytest.mark.django_db
@translation.override("en")
def test_a_bundle_is_refused_its_components_move(
    kaos: Variant, places: tuple[Warehouse, Warehouse]
) -> None:
    utama, sby = places
    paket = Variant.objects.create(product=kaos.product, sku="PAKET-3")
    BundleComponent.objects.create(bundle=paket, component=kaos, quantity=3)
    stock.set_on_hand(utama.pk, kaos.pk, 9, reference="count")
    with pytest.raises(TransferRefused, match="a bundle has no stock of its own"):
        transfer(utama, sby, paket, 1)
    transfer(utama, sby, kaos, 3)
    assert level(sby, kaos) == (3, 0)


@pytest.mark.django_db
@translation.override("en")
def test_a_user_moves_only_between_their_own_warehouses(
    kaos: Variant, places: tuple[Warehouse, Warehouse]
) -> None:
    utama, sby = places
    stock.set_on_hand(utama.pk, kaos.pk, 10, reference="count")
    staff = user_with_role(Role.STAFF, "staff-sby")
    set_warehouses(staff, [sby])
    with pytest.raises(TransferRefused, match="You work only in other warehouses"):
        transfer(utama, sby, kaos, 1, staff)
    with pytest.raises(NotAllowed):
        transfer(utama, sby, kaos, 1, user_with_role(Role.VIEWER, "viewer"))
    set_warehouses(staff, [sby, utama])
    transfer(utama, sby, kaos, 1, staff)
    assert level(sby, kaos) == (1, 0)


def _lock_waits() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@translation.override("en")
def test_two_transfers_of_the_last_units_at_once_move_them_once() -> None:
    """The second transfer waits on the first's lock, then sees what it left: the source is
    never oversold, however the two interleave."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's writers take turns (make test runs this on PostgreSQL only)")
    kaos = Variant.objects.create(product=MasterProduct.objects.create(name="K"), sku="K-1")
    utama = default_warehouse()
    others = [Warehouse.objects.create(name=f"G{n}", code=f"g{n}") for n in (1, 2)]
    stock.set_on_hand(utama.pk, kaos.pk, 5, reference="count")
    outcome: dict[str, Any] = {}

    def second() -> None:
        try:
            with translation.override("en"):  # a thread starts in the default language
                transfer(utama, others[1], kaos, 5)
            outcome["result"] = "moved"
        except TransferRefused as refused:
            outcome["result"] = str(refused)
        finally:
            connections.close_all()

    with transaction.atomic():
        transfer(utama, others[0], kaos, 5)  # not committed yet
        thread = threading.Thread(target=second)
        thread.start()
        deadline = time.monotonic() + 30
        while _lock_waits() == 0 and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)  # until the second transfer waits on the level's lock
    thread.join(timeout=30)

    assert "Only 0 available" in outcome.get("result", "")
    assert [level(place, kaos)[0] for place in (utama, *others)] == [0, 5, 0]
