"""Bundles over the REST API: a new bundle and its available, a recipe changed (and refused
while an open order holds the bundle, 409), bad recipes refused in the API's format, and a
viewer's token refused."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import ApiClient
from django.test import Client
from django.utils import translation

from roles_support import an_integration, an_open_order_holding, user_with_role
from satustok.api import tokens
from satustok.catalog.models import BundleComponent, MasterProduct, Variant
from satustok.channels.models import LinkMethod, Listing
from satustok.core.access import Role
from satustok.inventory import stock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(api: ApiClient) -> None:
    """Refusals are read in English (the API answers in Bahasa Indonesia by default)."""
    api.headers["Accept-Language"] = "en"


@pytest.fixture
def parts() -> dict[str, Any]:
    account = an_integration()
    found = {"account": account}
    for sku, shelf in (("KAOS", 10), ("TOPI", 7)):
        variant = Variant.objects.create(product=MasterProduct.objects.create(name=sku), sku=sku)
        stock.set_on_hand(account.warehouse_id, variant.pk, shelf)
        found[sku] = variant
    return found


@translation.override("en")
def test_a_new_bundle_its_available_and_a_changed_recipe(
    api: ApiClient, parts: dict[str, Any]
) -> None:
    body = {
        "name": "Paket Kaos + 2 Topi",
        "sku": "PAKET-1",
        "components": [{"sku": "kaos", "quantity": 1}, {"sku": "TOPI", "quantity": 2}],
    }
    created = api.post("/catalog/bundles", body)
    assert created.status_code == 201, created.content
    assert created.json()["available"] == 3
    assert created.json()["components"] == [
        {"sku": "KAOS", "quantity": 1},
        {"sku": "TOPI", "quantity": 2},
    ]
    bundle_id = created.json()["variant"]
    assert [row["sku"] for row in api.get("/catalog/bundles").json()] == ["PAKET-1"]

    changed = api.put(
        f"/catalog/variants/{bundle_id}/components",
        {"components": [{"sku": "TOPI", "quantity": 1}]},
    )
    assert changed.status_code == 200 and changed.json()["available"] == 7


@translation.override("en")
def test_bad_recipes_are_refused_and_nothing_is_saved(
    api: ApiClient, parts: dict[str, Any]
) -> None:
    unknown = api.post(
        "/catalog/bundles",
        {"name": "P", "sku": "P-1", "components": [{"sku": "NOPE", "quantity": 1}]},
    )
    assert unknown.status_code == 422
    assert "Row 1: no master product has SKU NOPE" in unknown.json()["detail"]
    api.headers.pop("Accept-Language")
    same = api.post(
        "/catalog/bundles",
        {"name": "P", "sku": "P-1", "components": [{"sku": "NOPE", "quantity": 1}]},
    )
    assert "Baris 1: tidak ada produk master dengan SKU NOPE" in same.json()["detail"]
    api.headers["Accept-Language"] = "en"
    assert not Variant.objects.filter(sku="P-1").exists(), "the master is not kept either"

    taken = api.post(
        "/catalog/bundles",
        {"name": "P", "sku": "KAOS", "components": [{"sku": "TOPI", "quantity": 1}]},
    )
    assert taken.status_code == 422 and "already" in taken.json()["detail"]
    empty = api.post("/catalog/bundles", {"name": "P", "sku": "P-2", "components": []})
    assert empty.status_code == 422
    huge = api.put(
        f"/catalog/variants/{parts['KAOS'].pk}/components",
        {"components": [{"sku": "TOPI", "quantity": 10**12}]},
    )
    assert huge.status_code == 422
    own = api.put(
        f"/catalog/variants/{parts['KAOS'].pk}/components",
        {"components": [{"sku": "KAOS", "quantity": 1}]},
    )
    assert own.status_code == 422 and "cannot contain itself" in own.json()["detail"]
    assert not BundleComponent.objects.exists()
    assert api.put("/catalog/variants/999999/components", {"components": []}).status_code == 404


@translation.override("en")
def test_a_recipe_held_by_an_open_order_is_409(api: ApiClient, parts: dict[str, Any]) -> None:
    account = parts["account"]
    bundle = api.post(
        "/catalog/bundles",
        {"name": "P", "sku": "P-3", "components": [{"sku": "KAOS", "quantity": 2}]},
    ).json()
    variant = Variant.objects.get(pk=bundle["variant"])
    Listing.objects.create(
        account=account, external_id="77", sku="P-3", variant=variant,
        link_method=LinkMethod.AUTO_SKU,
    )  # fmt: skip
    an_open_order_holding(account, variant, 1, external_id="A-1")
    held = api.put(
        f"/catalog/variants/{variant.pk}/components",
        {"components": [{"sku": "KAOS", "quantity": 3}]},
    )
    assert held.status_code == 409 and held.json()["code"] == "held_by_orders"
    assert "1 open order holds 1 of P-3" in held.json()["detail"]
    assert list(BundleComponent.objects.values_list("quantity", flat=True)) == [2]


def test_a_viewer_may_read_bundles_but_not_make_them(client: Client, parts: dict[str, Any]) -> None:
    viewer = ApiClient(client, tokens.issue(user_with_role(Role.VIEWER, "v"), "t").key)
    assert viewer.get("/catalog/bundles").status_code == 200
    refused = viewer.post(
        "/catalog/bundles",
        {"name": "P", "sku": "P-4", "components": [{"sku": "KAOS", "quantity": 1}]},
    )
    assert refused.status_code == 403
    assert not Variant.objects.filter(sku="P-4").exists()


@translation.override("en")
def test_a_bundles_stock_is_its_components_and_cannot_be_adjusted(
    api: ApiClient, parts: dict[str, Any]
) -> None:
    api.post(
        "/catalog/bundles",
        {"name": "P", "sku": "P-5", "components": [{"sku": "TOPI", "quantity": 2}]},
    )
    shown = api.get("/stock", sku="p-5").json()
    assert shown["available"] == 3 and shown["components"] == [{"sku": "TOPI", "quantity": 2}]
    assert api.get("/stock", sku="KAOS").json()["components"] == []
    refused = api.post(
        "/stock/adjustments", {"sku": "P-5", "action": "add", "quantity": 5, "reason": "count"}
    )
    assert refused.status_code == 422
    assert "P-5 is a bundle: it has no stock of its own" in refused.json()["detail"]
    assert api.get("/stock", sku="TOPI").json()["on_hand"] == 7
