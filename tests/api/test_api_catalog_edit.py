"""Editing masters over the API: a SKU change previewed then saved (linking chosen listings), a
taken SKU refused with 409, details, renaming, archive and restore, and the role check."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import ApiClient, make_account, make_listing, make_variant
from django.test import Client

from roles_support import user_with_role
from satustok.api import tokens
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import Listing
from satustok.core.access import Role
from satustok.core.activity import Action
from satustok.core.models import Activity

pytestmark = pytest.mark.django_db


def test_sku_preview_then_save(api: ApiClient) -> None:
    shop = make_account()
    variant = make_variant("KAOS-01")
    make_listing(shop, "1", variant=variant)
    waiting = make_listing(shop, "2", sku="kaos-01b", unlinked_reason="skipped_no_stock")

    preview = api.patch(f"/catalog/variants/{variant.pk}?preview=1", {"sku": "KAOS-01B"})
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert body["refused"] == "" and body["conflict_sku"] is None
    assert [x["external_id"] for x in body["differing"]] == ["1"]
    assert [x["id"] for x in body["linkable"]] == [waiting.pk]
    assert Variant.objects.get().sku == "KAOS-01"  # the preview saved nothing

    saved = api.patch(f"/catalog/variants/{variant.pk}", {"sku": "KAOS-01B", "link": [waiting.pk]})
    assert saved.status_code == 200, saved.json()
    assert saved.json()["sku"] == "KAOS-01B"
    assert {x["external_id"] for x in saved.json()["listings"]} == {"1", "2"}
    assert Listing.objects.get(pk=waiting.pk).link_method == "manual"
    assert Activity.objects.filter(action=Action.MASTER_EDITED).count() == 1


def test_a_taken_sku_is_409_naming_the_other(api: ApiClient) -> None:
    variant = make_variant("KAOS-01")
    make_variant("KAOS-02", product="Kaos Hitam")
    preview = api.patch(f"/catalog/variants/{variant.pk}?preview=1", {"sku": "kaos-02"}).json()
    assert preview["conflict_sku"] == "KAOS-02" and "Kaos Hitam" in preview["refused"]
    refused = api.patch(f"/catalog/variants/{variant.pk}", {"sku": "kaos-02"})
    assert refused.status_code == 409 and refused.json()["code"] == "sku_taken"
    assert Variant.objects.get(pk=variant.pk).sku == "KAOS-01"


def test_details_and_name(api: ApiClient) -> None:
    variant = make_variant("KAOS-01")
    body = {"name": "Putih M", "barcode": "8991", "weight_grams": 200, "low_stock_threshold": 4}
    answer = api.patch(f"/catalog/variants/{variant.pk}", body)
    assert answer.status_code == 200, answer.json()
    assert {k: answer.json()[k] for k in body} == body
    cleared = api.patch(f"/catalog/variants/{variant.pk}", {"low_stock_threshold": None}).json()
    assert cleared["low_stock_threshold"] is None and cleared["weight_grams"] == 200
    assert api.patch(f"/catalog/variants/{variant.pk}", {"weight_grams": -1}).status_code == 422
    assert api.patch(f"/catalog/variants/{variant.pk}", {"colour": "red"}).status_code == 422

    renamed = api.patch(f"/catalog/products/{variant.product_id}", {"name": "Kaos Putih"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Kaos Putih"
    assert api.patch("/catalog/products/999", {"name": "x"}).status_code == 404


def test_archive_and_restore(api: ApiClient) -> None:
    shop = make_account()
    variant = make_variant("KAOS-01", on_hand=5)
    listing = make_listing(shop, "1", variant=variant)
    Listing.objects.update(needs_push=False)

    archived = api.post(f"/catalog/products/{variant.product_id}/archive")
    assert archived.status_code == 200 and archived.json()["archived_at"]
    listing.refresh_from_db()
    assert listing.needs_push
    assert api.get("/catalog/variants").json()["items"][0]["archived"] is True

    restored = api.post(f"/catalog/products/{variant.product_id}/restore").json()
    assert restored["archived_at"] is None
    assert MasterProduct.objects.get().archived_at is None


def test_staff_tokens_cannot_edit(client: Client) -> None:
    staff = ApiClient(client, tokens.issue(user_with_role(Role.STAFF), "t").key)
    variant = make_variant("KAOS-01")
    answer: Any = staff.patch(f"/catalog/variants/{variant.pk}", {"barcode": "1"})
    assert answer.status_code == 403
    assert staff.post(f"/catalog/products/{variant.product_id}/archive").status_code == 403


def test_a_unit_cost_is_set_shown_and_cleared(api: ApiClient) -> None:
    variant = make_variant("KAOS-01")
    answer = api.patch(f"/catalog/variants/{variant.pk}", {"cost": 21_000})
    assert answer.status_code == 200 and answer.json()["cost"] == 21_000
    assert Variant.objects.get(pk=variant.pk).cost == 21_000
    assert api.patch(f"/catalog/variants/{variant.pk}", {"cost": -1}).status_code == 422
    cleared = api.patch(f"/catalog/variants/{variant.pk}", {"cost": None}).json()
    assert cleared["cost"] is None and Variant.objects.get(pk=variant.pk).cost is None
