"""Warehouses over the REST API: list with holdings and feeds, create, rename, delete an empty
one; transfers (POST /api/stock/transfers); the feeding warehouse of an integration (PATCH
/api/integrations/{id}); roles and refusals in the API's error format."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import ApiClient
from django.test import Client
from django.utils import translation

from roles_support import an_integration, an_open_order_holding, user_with_role
from satustok.api import tokens
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.connect import default_warehouse
from satustok.core.access import Role
from satustok.inventory import stock
from satustok.inventory.access import set_warehouses
from satustok.inventory.models import StockLevel, Warehouse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def english(api: ApiClient) -> Any:
    """English words: here (the services) and in the API's answers (Accept-Language)."""
    api.headers["Accept-Language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world() -> dict[str, Any]:
    utama = default_warehouse()
    sby = Warehouse.objects.create(name="Gudang Surabaya", code="sby")
    account = an_integration()
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="K/M")
    stock.set_on_hand(utama.pk, variant.pk, 10, reference="count")
    return {"utama": utama, "sby": sby, "account": account, "variant": variant}


def api_for(role: str, username: str) -> tuple[ApiClient, Any]:
    user = user_with_role(role, username)
    client = ApiClient(Client(), tokens.issue(user, "t").key)
    client.headers["Accept-Language"] = "en"
    return client, user


def on_hand(warehouse: Warehouse, variant: Variant) -> int:
    level = StockLevel.objects.filter(warehouse=warehouse, variant=variant).first()
    return level.on_hand if level else 0


def test_list_create_rename_delete(api: ApiClient, world: dict[str, Any]) -> None:
    rows = {row["code"]: row for row in api.get("/warehouses").json()}
    assert rows["utama"]["skus"] == 1 and rows["utama"]["on_hand"] == 10
    assert rows["utama"]["feeds"] == [world["account"].pk] and rows["sby"]["feeds"] == []

    made = api.post("/warehouses", {"name": "Gudang Bali"})
    assert made.status_code == 201 and made.json()["code"] == "gudang-bali"
    pk = made.json()["id"]
    renamed = api.patch(f"/warehouses/{pk}", {"name": "Gudang Denpasar"})
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["code"]) == ("Gudang Denpasar", "gudang-bali")
    assert api.delete(f"/warehouses/{pk}").status_code == 204
    assert not Warehouse.objects.filter(pk=pk).exists()


def test_refusals_in_the_api_format(api: ApiClient, world: dict[str, Any]) -> None:
    taken = api.post("/warehouses", {"name": "GUDANG SURABAYA"})
    assert taken.status_code == 409 and taken.json()["code"] == "warehouse_refused"
    assert api.post("/warehouses", {"name": ""}).status_code == 422
    assert api.post("/warehouses", {"name": "X", "code": "x"}).status_code == 422
    feeding = api.delete(f"/warehouses/{world['utama'].pk}")
    assert feeding.status_code == 409 and "feeds Toko Satu" in feeding.json()["detail"]
    assert api.delete("/warehouses/999999").status_code == 404
    assert api.patch(f"/warehouses/{2**70}", {"name": "X"}).status_code == 422
    assert Warehouse.objects.count() == 2


def test_staff_may_list_and_transfer_but_not_change_warehouses(world: dict[str, Any]) -> None:
    staff, _user = api_for(Role.STAFF, "staff-api")
    assert staff.get("/warehouses").status_code == 200
    assert staff.post("/warehouses", {"name": "X"}).status_code == 403
    assert staff.patch(f"/warehouses/{world['sby'].pk}", {"name": "X"}).status_code == 403
    assert staff.delete(f"/warehouses/{world['sby'].pk}").status_code == 403
    body = {"sku": "k/m", "from_warehouse": "utama", "to_warehouse": "sby", "quantity": 2}
    assert staff.post("/stock/transfers", body).status_code == 201
    viewer, _user = api_for(Role.VIEWER, "viewer-api")
    assert viewer.post("/stock/transfers", body).status_code == 403
    assert on_hand(world["sby"], world["variant"]) == 2


def test_a_transfer_answers_both_ledger_lines_and_the_stock(
    api: ApiClient, world: dict[str, Any]
) -> None:
    body = {
        "sku": "K/M",
        "from_warehouse": "utama",
        "to_warehouse": "sby",
        "quantity": 4,
        "note": "branch",
    }
    done = api.post("/stock/transfers", body)
    assert done.status_code == 201
    answer = done.json()
    out, into = answer["movements"]
    assert (out["warehouse"], out["on_hand_delta"], out["reason"]) == ("utama", -4, "transfer_out")
    assert (into["warehouse"], into["on_hand_delta"], into["reason"]) == ("sby", 4, "transfer_in")
    assert out["reference"] == into["reference"] == answer["reference"]
    places = {row["code"]: row["on_hand"] for row in answer["stock"]["warehouses"]}
    assert places == {"utama": 6, "sby": 4}


@pytest.mark.parametrize(
    ("change", "status", "code", "words"),
    [
        ({"quantity": 11}, 422, "transfer_refused", "Only 10 available"),
        ({"to_warehouse": "utama"}, 422, "transfer_refused", "two different warehouses"),
        ({"quantity": 0}, 422, "invalid_input", "quantity"),
        ({"sku": "NOPE"}, 422, "invalid_input", "No master product has SKU NOPE"),
        ({"to_warehouse": "mars"}, 422, "invalid_input", "No warehouse with code mars"),
    ],
)
def test_transfer_refusals_move_nothing(
    api: ApiClient,
    world: dict[str, Any],
    change: dict[str, Any],
    status: int,
    code: str,
    words: str,
) -> None:
    body = {"sku": "K/M", "from_warehouse": "utama", "to_warehouse": "sby", "quantity": 1}
    refused = api.post("/stock/transfers", {**body, **change})
    assert (refused.status_code, refused.json()["code"]) == (status, code)
    assert words in refused.json()["detail"]
    assert on_hand(world["utama"], world["variant"]) == 10


def test_a_limited_user_transfers_only_between_their_warehouses(world: dict[str, Any]) -> None:
    staff, user = api_for(Role.STAFF, "staff-sby")
    set_warehouses(user, [world["sby"]])
    body = {"sku": "K/M", "from_warehouse": "utama", "to_warehouse": "sby", "quantity": 1}
    refused = staff.post("/stock/transfers", body)
    assert (
        refused.status_code == 422
        and "You work only in other warehouses" in (refused.json()["detail"])
    )
    assert [row["code"] for row in staff.get("/warehouses").json()] == ["sby"]


def test_patch_switches_the_feeding_warehouse(api: ApiClient, world: dict[str, Any]) -> None:
    """Open orders keep the warehouse they reserved in; new ones reserve in the new one."""
    account = world["account"]
    order = an_open_order_holding(account, world["variant"], 1, external_id="INV-1")
    unknown = api.patch(f"/integrations/{account.pk}", {"warehouse": "mars"})
    assert unknown.status_code == 422
    done = api.patch(f"/integrations/{account.pk}", {"warehouse": "sby"})
    assert done.status_code == 200 and done.json()["warehouse"]["code"] == "sby"
    order.refresh_from_db()
    assert order.warehouse.code == "utama"
    staff, _user = api_for(Role.STAFF, "staff-switch")
    assert staff.patch(f"/integrations/{account.pk}", {"warehouse": "utama"}).status_code == 403
