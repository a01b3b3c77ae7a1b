"""Bundles in the UI: a new bundle from the catalogue, its available on the catalogue and its
page, its recipe changed and emptied from the product page; a wrong row is a message naming
it (nothing saved); a viewer is refused; the page speaks Bahasa Indonesia by default."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from roles_support import an_integration, user_with_role
from satustok.catalog.models import BundleComponent, MasterProduct, Variant
from satustok.core.access import Role
from satustok.inventory import stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def parts() -> dict[str, Variant]:
    account = an_integration()
    found = {}
    for sku, shelf in (("KAOS", 10), ("TOPI", 7)):
        variant = Variant.objects.create(product=MasterProduct.objects.create(name=sku), sku=sku)
        stock.set_on_hand(account.warehouse_id, variant.pk, shelf)
        found[sku] = variant
    return found


def logged_in(client: Client, role: str, language: str = "en") -> Client:
    client.force_login(user_with_role(role, f"{role}-x"))
    client.cookies["django_language"] = language
    return client


def test_a_new_bundle_shows_what_its_components_allow(
    client: Client, parts: dict[str, Variant]
) -> None:
    owner = logged_in(client, Role.OWNER)
    form = owner.get(reverse("web:catalog_bundle_new"))
    assert form.status_code == 200 and b'name="component"' in form.content
    made = owner.post(
        reverse("web:catalog_bundle_new"),
        {
            "name": "Paket Hemat",
            "sku": "PAKET-H",
            "component": ["KAOS", "topi", ""],
            "quantity": ["1", "2", ""],
        },
        follow=True,
    )
    assert b"Bundle PAKET-H created." in made.content
    assert b'class="bundle-available">3<' in made.content
    catalog = owner.get(reverse("web:catalog"), {"q": "PAKET-H"})
    assert b'<span class="available">3</span>' in catalog.content


def test_a_wrong_row_is_named_and_nothing_is_saved(
    client: Client, parts: dict[str, Variant]
) -> None:
    owner = logged_in(client, Role.OWNER)
    answer = owner.post(
        reverse("web:catalog_bundle_new"),
        {"name": "Paket", "sku": "PAKET-X", "component": ["KAOS", "NOPE"], "quantity": ["1", "1"]},
    )
    assert answer.status_code == 200
    assert b"Row 2: no master product has SKU NOPE." in answer.content
    assert b'value="PAKET-X"' in answer.content, "what was typed is kept"
    assert not Variant.objects.filter(sku="PAKET-X").exists()

    kaos = parts["KAOS"]
    bad = owner.post(
        reverse("web:catalog_variant_recipe", args=[kaos.pk]),
        {"component": ["TOPI"], "quantity": ["dua"]},
        follow=True,
    )
    assert b"Row 1: the quantity of TOPI must be a whole number from 1 to 10000." in bad.content
    assert not BundleComponent.objects.exists()


def test_a_recipe_is_changed_and_emptied_from_the_product_page(
    client: Client, parts: dict[str, Variant]
) -> None:
    owner = logged_in(client, Role.OWNER)
    kaos, topi = parts["KAOS"], parts["TOPI"]
    paket = Variant.objects.create(product=MasterProduct.objects.create(name="Paket"), sku="PK")
    url = reverse("web:catalog_variant_recipe", args=[paket.pk])
    page = owner.post(url, {"component": ["KAOS", "TOPI"], "quantity": ["2", "1"]}, follow=True)
    assert b"Saved the components of PK." in page.content
    assert b'class="bundle-available">5<' in page.content
    component_page = owner.get(reverse("web:catalog_product", args=[kaos.product_id]))
    assert b"Component of" in component_page.content and b">PK</a>" in component_page.content
    emptied = owner.post(url, {"component": ["", ""], "quantity": ["", ""]}, follow=True)
    assert b"PK is no longer a bundle." in emptied.content
    assert not BundleComponent.objects.filter(bundle=paket).exists()
    assert topi.used_in.count() == 0


def test_a_viewer_sees_the_recipe_but_cannot_change_it(
    client: Client, parts: dict[str, Variant]
) -> None:
    paket = Variant.objects.create(product=MasterProduct.objects.create(name="Paket"), sku="PK")
    BundleComponent.objects.create(bundle=paket, component=parts["KAOS"], quantity=2)
    viewer = logged_in(client, Role.VIEWER)
    page = viewer.get(reverse("web:catalog_product", args=[paket.product_id]))
    assert b'2 \xc3\x97 <span class="mono">KAOS</span>' in page.content
    assert b"recipe-form" not in page.content
    refused = viewer.post(
        reverse("web:catalog_variant_recipe", args=[paket.pk]),
        {"component": ["TOPI"], "quantity": ["1"]},
    )
    assert refused.status_code == 403
    assert viewer.get(reverse("web:catalog_bundle_new")).status_code == 403
    assert list(paket.components.values_list("component__sku", "quantity")) == [("KAOS", 2)]


def test_the_bundle_page_speaks_indonesian_by_default(
    client: Client, parts: dict[str, Variant]
) -> None:
    owner = logged_in(client, Role.OWNER, language="id")
    page = owner.get(reverse("web:catalog_bundle_new"))
    assert b"Paket baru" in page.content


def test_the_sku_page_of_a_bundle_shows_its_recipe(
    client: Client, parts: dict[str, Variant]
) -> None:
    paket = Variant.objects.create(product=MasterProduct.objects.create(name="Paket"), sku="PK")
    BundleComponent.objects.create(bundle=paket, component=parts["TOPI"], quantity=2)
    page = logged_in(client, Role.VIEWER).get(reverse("web:inventory_sku", args=[paket.pk]))
    assert b'id="bundle-recipe"' in page.content
    assert b'<div class="stat" id="available" >3</div>' in page.content


@pytest.mark.parametrize("field", ["name", "sku", "component"])
def test_a_nul_in_any_field_is_a_message_and_nothing_is_saved(
    client: Client, parts: dict[str, Variant], field: str
) -> None:
    owner = logged_in(client, Role.OWNER)
    body = {"name": "Paket", "sku": "PAKET-N", "component": ["KAOS"], "quantity": ["1"]}
    body[field] = [f"{body[field] if isinstance(body[field], str) else 'KAOS'}\x00x"]
    answer = owner.post(reverse("web:catalog_bundle_new"), body)
    assert answer.status_code == 200
    assert b"NUL character" in answer.content
    assert not Variant.objects.filter(product__name__startswith="Paket").exists()
