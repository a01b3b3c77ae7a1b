"""``GET/PUT /api/integrations/{id}/locations``: the shop's own warehouses and the hub warehouse
feeding each; a PUT maps them (codes; null: the integration's own), refused with 409
422 for an unknown location or warehouse
code; Owners and Admins only."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import ApiClient
from django.test import Client
from django.utils import translation

from roles_support import an_integration, an_open_order_holding, user_with_role
from satustok.api import tokens
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels import locations
from satustok.channels.connect import default_warehouse
from satustok.channels.models import LinkMethod, Listing, ShopLocation
from satustok.core.access import Role
from satustok.inventory.models import Warehouse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TWO_WAREHOUSES = [
    {"id": "WH-YOG", "name": "Gudang Yogyakarta", "is_default": True},
    {"id": "WH-JKT", "name": "Gudang Jakarta", "is_default": False},
]


@pytest.fixture
def english(api: ApiClient) -> Any:
    api.headers["Accept-Language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world() -> dict[str, Any]:
    default_warehouse()
    Warehouse.objects.create(name="Hub Jakarta", code="jkt")
    account = an_integration(shop_warehouses=TWO_WAREHOUSES)
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="K-1")
    listing = Listing.objects.create(
        account=account, external_id="9", variant=variant, link_method=LinkMethod.AUTO_SKU
    )
    Listing.objects.update(needs_push=False)
    return {"account": account, "listing": listing, "variant": variant}


def test_get_lists_the_shop_warehouses_filled_on_first_use(
    api: ApiClient, world: dict[str, Any]
) -> None:
    account = world["account"]
    assert not ShopLocation.objects.filter(account=account).exists()  # connected "before"
    answer = api.get(f"/integrations/{account.pk}/locations")
    assert answer.status_code == 200
    assert answer.json() == {
        "per_location": False,
        "locations": [
            {"location_id": "WH-YOG", "name": "Gudang Yogyakarta", "is_default": True,
             "warehouse": None, "stock_from": "utama"},
            {"location_id": "WH-JKT", "name": "Gudang Jakarta", "is_default": False,
             "warehouse": None, "stock_from": "utama"},
        ],
    }  # fmt: skip
    assert api.get("/integrations/999999/locations").status_code == 404


def test_put_maps_and_marks_every_listing(api: ApiClient, world: dict[str, Any]) -> None:
    account, listing = world["account"], world["listing"]
    body = {"locations": [{"location_id": "WH-JKT", "warehouse": "jkt"}]}
    answer = api.put(f"/integrations/{account.pk}/locations", body)
    assert answer.status_code == 200, answer.content
    rows = {row["location_id"]: row for row in answer.json()["locations"]}
    assert answer.json()["per_location"] is True
    assert (rows["WH-JKT"]["warehouse"], rows["WH-JKT"]["stock_from"]) == ("jkt", "jkt")
    assert (rows["WH-YOG"]["warehouse"], rows["WH-YOG"]["stock_from"]) == (None, "utama")
    listing.refresh_from_db()
    assert listing.needs_push

    back = api.put(
        f"/integrations/{account.pk}/locations",
        {"locations": [{"location_id": "WH-JKT", "warehouse": None}]},
    )
    assert back.status_code == 200 and back.json()["per_location"] is False


def test_put_refuses_unknown_names_and_changes_nothing(
    api: ApiClient, world: dict[str, Any]
) -> None:
    account = world["account"]
    url = f"/integrations/{account.pk}/locations"
    code = api.put(url, {"locations": [{"location_id": "WH-JKT", "warehouse": "mars"}]})
    assert code.status_code == 422 and code.json()["code"] == "invalid_input"
    assert "No warehouse with code mars." in code.json()["detail"]
    where = api.put(url, {"locations": [{"location_id": "NOPE", "warehouse": "jkt"}]})
    assert where.status_code == 422 and "NOPE" in where.json()["detail"]
    typo = api.put(url, {"locations": [{"location": "WH-JKT"}]})
    assert typo.status_code == 422
    assert not ShopLocation.objects.filter(account=account, warehouse__isnull=False).exists()


def test_a_mapping_changes_while_orders_are_open(api: ApiClient, world: dict[str, Any]) -> None:
    """An open order keeps the warehouse it reserved in: the mapping applies to the orders
    after it."""
    account = world["account"]
    order = an_open_order_holding(account, world["variant"], 1, external_id="INV-1")
    url = f"/integrations/{account.pk}/locations"
    body = {"locations": [{"location_id": "WH-JKT", "warehouse": "jkt"}]}
    assert api.put(url, body).status_code == 200
    order.refresh_from_db()
    assert order.warehouse_id == account.warehouse_id


def test_only_owners_and_admins(client: Client, world: dict[str, Any]) -> None:
    account = world["account"]
    locations.refresh_locations(account)
    staff = ApiClient(client, tokens.issue(user_with_role(Role.STAFF, "staff-loc"), "t").key)
    url = f"/integrations/{account.pk}/locations"
    assert staff.get(url).status_code == 403
    body = {"locations": [{"location_id": "WH-JKT", "warehouse": "jkt"}]}
    assert staff.put(url, body).status_code == 403
    admin = ApiClient(client, tokens.issue(user_with_role(Role.ADMIN, "admin-loc"), "t").key)
    assert admin.put(url, body).status_code == 200
