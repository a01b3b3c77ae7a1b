"""The integration page's *Shop warehouses*: each of the shop's own warehouses with a select
of hub warehouses (Owners and Admins); saving maps them and pushes every listing again; a
change leaves open orders where they reserved; a one-warehouse shop is listed read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from roles_support import an_integration, an_open_order_holding, user_with_role
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels import locations
from satustok.channels.connect import default_warehouse
from satustok.channels.models import LinkMethod, Listing, ShopLocation
from satustok.core.access import Role
from satustok.core.models import Activity
from satustok.inventory.models import Warehouse

pytestmark = pytest.mark.django_db

TWO_WAREHOUSES = [
    {"id": "WH-YOG", "name": "Gudang Yogyakarta", "is_default": True},
    {"id": "WH-JKT", "name": "Gudang Jakarta", "is_default": False},
]


@pytest.fixture
def world() -> dict[str, Any]:
    utama = default_warehouse()
    jakarta = Warehouse.objects.create(name="Hub Jakarta", code="hub-jakarta")
    account = an_integration(shop_warehouses=TWO_WAREHOUSES)
    locations.refresh_locations(account)
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="K-1")
    listing = Listing.objects.create(
        account=account, external_id="9", variant=variant, link_method=LinkMethod.AUTO_SKU
    )
    Listing.objects.update(needs_push=False)
    return {"utama": utama, "jakarta": jakarta, "account": account, "listing": listing}


def logged_in(role: str) -> Client:
    client = Client()
    user = User.objects.filter(username=f"{role}-loc").first()
    client.force_login(user or user_with_role(role, f"{role}-loc"))
    client.cookies["django_language"] = "en"
    return client


def mapped(account: Any) -> dict[str, int | None]:
    rows = ShopLocation.objects.filter(account=account)
    return dict(rows.values_list("location_id", "warehouse_id"))


def test_the_page_offers_a_hub_warehouse_for_each_shop_warehouse(world: dict[str, Any]) -> None:
    page = logged_in(Role.ADMIN).get(reverse("web:integration", args=[world["account"].pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="location:WH-YOG"' in html and 'name="location:WH-JKT"' in html
    assert "—: the integration's warehouse (Gudang Utama)" in html
    assert "Hub Jakarta (hub-jakarta)" in html
    assert "Not mapped: the hub pushes one quantity per listing" in html


def test_saving_maps_and_pushes_every_listing_again(world: dict[str, Any]) -> None:
    account, jakarta = world["account"], world["jakarta"]
    url = reverse("web:integration_locations", args=[account.pk])
    done = logged_in(Role.ADMIN).post(
        url, {"location:WH-YOG": "", "location:WH-JKT": str(jakarta.pk)}, follow=True
    )
    html = done.content.decode()
    assert "Shop warehouses mapped: every linked listing of Toko Satu is pushed again." in html
    assert "Pushed per warehouse" in html
    assert mapped(account) == {"WH-YOG": None, "WH-JKT": jakarta.pk}
    world["listing"].refresh_from_db()
    assert world["listing"].needs_push
    logged = Activity.objects.filter(action="integration.settings").latest("pk")
    assert logged.after == {"locations": {"WH-JKT": "hub-jakarta"}}

    again = logged_in(Role.ADMIN).post(url, {"location:WH-JKT": str(jakarta.pk)}, follow=True)
    assert "mapped so already: nothing changed." in again.content.decode()


def test_bad_input_is_a_message_and_changes_nothing(world: dict[str, Any]) -> None:
    account = world["account"]
    url = reverse("web:integration_locations", args=[account.pk])
    admin = logged_in(Role.ADMIN)
    typed = admin.post(url, {"location:WH-JKT": "abc"}, follow=True).content.decode()
    assert "Choose one of the warehouses." in typed
    gone = admin.post(url, {"location:WH-JKT": "999999"}, follow=True).content.decode()
    assert "Unknown shop warehouse or hub warehouse: 999999." in gone
    other = admin.post(url, {"location:NOPE": str(world["jakarta"].pk)}, follow=True)
    assert "Unknown shop warehouse or hub warehouse: NOPE." in other.content.decode()
    assert mapped(account) == {"WH-YOG": None, "WH-JKT": None}


def test_only_owners_and_admins_map(world: dict[str, Any]) -> None:
    url = reverse("web:integration_locations", args=[world["account"].pk])
    body = {"location:WH-JKT": str(world["jakarta"].pk)}
    assert logged_in(Role.STAFF).post(url, body).status_code == 403
    assert logged_in(Role.VIEWER).post(url, body).status_code == 403
    assert logged_in(Role.ADMIN).get(url).status_code == 405
    assert mapped(world["account"]) == {"WH-YOG": None, "WH-JKT": None}


def test_a_change_while_orders_are_open_leaves_them_where_they_reserved(
    world: dict[str, Any],
) -> None:
    account, listing = world["account"], world["listing"]
    order = an_open_order_holding(account, listing.variant, 2, external_id="INV-9")
    url = reverse("web:integration_locations", args=[account.pk])
    logged_in(Role.ADMIN).post(url, {"location:WH-JKT": str(world["jakarta"].pk)}, follow=True)
    assert mapped(account) == {"WH-YOG": None, "WH-JKT": world["jakarta"].pk}
    order.refresh_from_db()
    assert order.warehouse_id == account.warehouse_id


def test_a_one_warehouse_shop_is_listed_without_a_form() -> None:
    account = an_integration(shop_warehouses=[{"id": "1", "name": "Gudang", "is_default": True}])
    locations.refresh_locations(account)
    html = logged_in(Role.OWNER).get(reverse("web:integration", args=[account.pk])).content
    page = html.decode()
    assert 'data-testid="shop-warehouses"' in page and "Gudang" in page
    assert 'name="location:1"' not in page
    assert "its stock is pushed from Gudang Utama" in page
