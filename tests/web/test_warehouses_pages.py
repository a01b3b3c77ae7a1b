"""The Warehouses page and the transfer forms: everyone sees the list, Owners and Admins
create, rename and delete (refusals are messages that keep everything), those who adjust
stock transfer (from the page by SKU, or from the SKU's page); the integration page switches
the feeding warehouse, open orders keeping theirs."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from roles_support import an_integration, an_open_order_holding, user_with_role
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.connect import default_warehouse
from satustok.channels.models import LinkMethod, Listing
from satustok.core.access import Role
from satustok.inventory import stock
from satustok.inventory.access import set_warehouses
from satustok.inventory.models import MovementReason, StockLevel, StockMovement, Warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    utama = default_warehouse()
    sby = Warehouse.objects.create(name="Gudang Surabaya", code="gudang-surabaya")
    account = an_integration()
    variant = Variant.objects.create(
        product=MasterProduct.objects.create(name="Kaos"), sku="KAOS-1"
    )
    stock.set_on_hand(utama.pk, variant.pk, 10, reference="count")
    return {"utama": utama, "sby": sby, "account": account, "variant": variant}


def logged_in(role: str, username: str = "") -> Client:
    client = Client()
    client.force_login(user_with_role(role, username or f"{role}-w"))
    client.cookies["django_language"] = "en"
    return client


def on_hand(warehouse: Warehouse, variant: Variant) -> int:
    level = StockLevel.objects.filter(warehouse=warehouse, variant=variant).first()
    return level.on_hand if level else 0


def test_the_page_lists_what_each_warehouse_holds_and_feeds(world: dict[str, Any]) -> None:
    page = logged_in(Role.VIEWER).get(reverse("web:warehouses"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-warehouse="utama"' in html and "Toko Satu" in html
    assert "gudang-surabaya" in html
    assert 'id="warehouse-form"' not in html, "a Viewer gets no forms"
    assert 'id="transfer-form"' not in html


def test_an_admin_creates_renames_and_deletes_an_empty_warehouse(world: dict[str, Any]) -> None:
    admin = logged_in(Role.ADMIN)
    made = admin.post(reverse("web:warehouses"), {"name": "Gudang Bali"}, follow=True)
    assert "Warehouse Gudang Bali created (code gudang-bali)." in made.content.decode()
    bali = Warehouse.objects.get(code="gudang-bali")
    renamed = admin.post(
        reverse("web:warehouse_rename", args=[bali.pk]), {"name": "Gudang Denpasar"}, follow=True
    )
    assert "Warehouse renamed to Gudang Denpasar." in renamed.content.decode()
    bali.refresh_from_db()
    assert (bali.name, bali.code) == ("Gudang Denpasar", "gudang-bali")
    gone = admin.post(reverse("web:warehouse_delete", args=[bali.pk]), follow=True)
    assert "Warehouse Gudang Denpasar deleted." in gone.content.decode()
    assert not Warehouse.objects.filter(pk=bali.pk).exists()


def test_refusals_are_messages_and_keep_everything(world: dict[str, Any]) -> None:
    admin = logged_in(Role.ADMIN)
    taken = admin.post(reverse("web:warehouses"), {"name": "gudang surabaya"}, follow=True)
    assert "A warehouse named gudang surabaya already exists." in taken.content.decode()
    empty = admin.post(reverse("web:warehouses"), {"name": ""}, follow=True)
    assert empty.status_code == 200 and Warehouse.objects.count() == 2

    feeding = admin.post(reverse("web:warehouse_delete", args=[world["utama"].pk]), follow=True)
    assert "Gudang Utama feeds Toko Satu" in feeding.content.decode()
    stock.set_on_hand(world["sby"].pk, world["variant"].pk, 2, reference="count")
    stocked = admin.post(reverse("web:warehouse_delete", args=[world["sby"].pk]), follow=True)
    assert "still holds stock (SKUs with stock: 1)" in stocked.content.decode()
    assert Warehouse.objects.count() == 2
    missing = admin.post(reverse("web:warehouse_delete", args=[10**30]))
    assert missing.status_code == 404


@pytest.mark.parametrize("role", [Role.STAFF, Role.VIEWER])
def test_staff_and_viewers_may_not_change_warehouses(world: dict[str, Any], role: str) -> None:
    client = logged_in(role)
    sby = world["sby"]
    assert client.post(reverse("web:warehouses"), {"name": "X"}).status_code == 403
    rename = reverse("web:warehouse_rename", args=[sby.pk])
    assert client.post(rename, {"name": "X"}).status_code == 403
    assert client.post(reverse("web:warehouse_delete", args=[sby.pk])).status_code == 403
    assert Warehouse.objects.get(pk=sby.pk).name == "Gudang Surabaya"


def test_staff_transfer_by_sku_from_the_warehouses_page(world: dict[str, Any]) -> None:
    staff = logged_in(Role.STAFF)
    utama, sby, variant = world["utama"], world["sby"], world["variant"]
    assert 'id="transfer-form"' in staff.get(reverse("web:warehouses")).content.decode()
    body = {"sku": "kaos-1", "source": utama.pk, "destination": sby.pk, "quantity": 4}
    done = staff.post(reverse("web:warehouse_transfer"), {**body, "note": "branch"}, follow=True)
    assert "4 × KAOS-1 transferred from Gudang Utama to Gudang Surabaya." in done.content.decode()
    assert (on_hand(utama, variant), on_hand(sby, variant)) == (6, 4)
    reasons = set(StockMovement.objects.filter(note="branch").values_list("reason", flat=True))
    assert reasons == {MovementReason.TRANSFER_OUT, MovementReason.TRANSFER_IN}

    unknown = staff.post(reverse("web:warehouse_transfer"), {**body, "sku": "NOPE"}, follow=True)
    assert "No master product has SKU NOPE." in unknown.content.decode()
    too_many = staff.post(reverse("web:warehouse_transfer"), {**body, "quantity": 7}, follow=True)
    assert "Only 6 available in Gudang Utama" in too_many.content.decode()
    assert (on_hand(utama, variant), on_hand(sby, variant)) == (6, 4)
    viewer = logged_in(Role.VIEWER)
    assert viewer.post(reverse("web:warehouse_transfer"), body).status_code == 403


def test_the_sku_page_transfers_and_a_limited_user_only_among_theirs(
    world: dict[str, Any],
) -> None:
    utama, sby, variant = world["utama"], world["sby"], world["variant"]
    staff = logged_in(Role.STAFF, "staff-sku")
    page = staff.get(reverse("web:inventory_sku", args=[variant.pk])).content.decode()
    assert 'id="transfer-form"' in page
    url = reverse("web:sku_transfer", args=[variant.pk])
    done = staff.post(url, {"source": utama.pk, "destination": sby.pk, "quantity": 3}, follow=True)
    assert "3 × KAOS-1 transferred" in done.content.decode()
    assert "Transferred in" in done.content.decode(), "the ledger shows both lines"
    same = staff.post(url, {"source": sby.pk, "destination": sby.pk, "quantity": 1}, follow=True)
    assert "Choose two different warehouses." in same.content.decode()

    limited_user = user_with_role(Role.STAFF, "only-sby")
    set_warehouses(limited_user, [sby])
    limited = Client()
    limited.force_login(limited_user)
    limited.cookies["django_language"] = "en"
    page = limited.get(reverse("web:inventory_sku", args=[variant.pk])).content.decode()
    assert 'id="transfer-form"' not in page, "one warehouse: nothing to transfer between"
    refused = limited.post(
        url, {"source": sby.pk, "destination": utama.pk, "quantity": 1}, follow=True
    )
    assert "Select a valid choice" in refused.content.decode()
    assert (on_hand(utama, variant), on_hand(sby, variant)) == (7, 3)


def test_the_integration_page_switches_the_feeding_warehouse(world: dict[str, Any]) -> None:
    account, sby, variant = world["account"], world["sby"], world["variant"]
    listing = Listing.objects.create(
        account=account, external_id="9", variant=variant, link_method=LinkMethod.AUTO_SKU
    )
    Listing.objects.update(needs_push=False)
    admin = logged_in(Role.ADMIN)
    page = admin.get(reverse("web:integration", args=[account.pk])).content.decode()
    assert 'id="warehouse-form"' in page and "Gudang Surabaya (gudang-surabaya)" in page
    url = reverse("web:integration_warehouse", args=[account.pk])
    done = admin.post(url, {"warehouse": sby.pk}, follow=True)
    assert "Toko Satu is fed from Gudang Surabaya now" in done.content.decode()
    account.refresh_from_db()
    listing.refresh_from_db()
    assert account.warehouse_id == sby.pk and listing.needs_push
    bad = admin.post(url, {"warehouse": "2" * 40}, follow=True)
    assert "Choose one of the warehouses." in bad.content.decode()
    assert logged_in(Role.STAFF).post(url, {"warehouse": world["utama"].pk}).status_code == 403


def test_the_switch_leaves_open_orders_in_their_warehouse(world: dict[str, Any]) -> None:
    account, variant = world["account"], world["variant"]
    order = an_open_order_holding(account, variant, 2, external_id="INV-9")
    admin = logged_in(Role.ADMIN)
    url = reverse("web:integration_warehouse", args=[account.pk])
    admin.post(url, {"warehouse": world["sby"].pk}, follow=True)
    account.refresh_from_db()
    order.refresh_from_db()
    assert account.warehouse_id == world["sby"].pk
    assert order.warehouse_id == world["utama"].pk
