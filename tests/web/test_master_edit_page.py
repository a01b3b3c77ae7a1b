"""The master page: rename, details, the SKU change's preview then save, archiving after a
confirmation (listings marked for a push of 0), bringing back, the catalogue's archived filter,
and a Staff user who may look but not edit."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from roles_support import user_with_role
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.core.access import Role
from satustok.inventory.models import Warehouse

pytestmark = pytest.mark.django_db


def logged_in(client: Client, role: str = Role.OWNER) -> Client:
    client.force_login(user_with_role(role))
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def shop() -> ChannelAccount:
    warehouse = Warehouse.objects.create(name="Gudang", code="gudang")
    return ChannelAccount.objects.create(
        channel="tokopedia", shop_id="1", app_id="1", client_id="c", client_secret="s",
        warehouse=warehouse, shop_name="Toko Sari",
    )  # fmt: skip


@pytest.fixture
def variant(shop: ChannelAccount) -> Variant:
    made = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="KAOS-01")
    Listing.objects.create(
        account=shop, external_id="L1", sku="KAOS-01", variant=made, link_method=LinkMethod.AUTO_SKU
    )
    return made


def block(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">(.*?)</(?:div|table)>', page, re.S)
    assert found, element_id
    return found.group(1)


def test_rename_and_details_from_the_master_page(client: Client, variant: Variant) -> None:
    seller = logged_in(client)
    page = seller.get(reverse("web:catalog_product", args=[variant.product_id]))
    assert page.status_code == 200 and "KAOS-01" in page.content.decode()
    seller.post(
        reverse("web:catalog_product_rename", args=[variant.product_id]), {"name": "Kaos Putih"}
    )
    seller.post(
        reverse("web:catalog_variant_details", args=[variant.pk]),
        {"name": "Putih M", "barcode": "8991", "weight_grams": "200", "low_stock_threshold": "3",
         "cost": "21000"},
    )  # fmt: skip
    variant.refresh_from_db()
    assert variant.product.name == "Kaos Putih"
    assert (variant.name, variant.barcode, variant.weight_grams, variant.low_stock_threshold,
            variant.cost) == ("Putih M", "8991", 200, 3, 21_000)  # fmt: skip


def test_the_sku_preview_shows_consequences_then_saves(
    client: Client, variant: Variant, shop: ChannelAccount
) -> None:
    match = Listing.objects.create(account=shop, external_id="L2", sku="KAOS-01B")
    Listing.objects.create(account=shop, external_id="L3", sku="kaos-01")
    seller = logged_in(client)
    url = reverse("web:catalog_variant_sku", args=[variant.pk])

    preview = seller.get(url, {"sku": "KAOS-01B"}).content.decode()
    assert "L1" in block(preview, "linked") and "will differ" in block(preview, "linked")
    assert f'value="{match.pk}"' in block(preview, "linkable")
    assert "L3" in block(preview, "left-unlinked")
    variant.refresh_from_db()
    assert variant.sku == "KAOS-01"  # a preview saves nothing

    saved = seller.post(url, {"sku": "KAOS-01B", "link": [str(match.pk)]})
    assert saved.status_code == 302
    variant.refresh_from_db()
    match.refresh_from_db()
    assert variant.sku == "KAOS-01B" and match.variant_id == variant.pk


def test_a_taken_sku_is_refused_on_the_preview(client: Client, variant: Variant) -> None:
    Variant.objects.create(product=MasterProduct.objects.create(name="Kemeja"), sku="KMJ-01")
    seller = logged_in(client)
    url = reverse("web:catalog_variant_sku", args=[variant.pk])
    refused = block(seller.get(url, {"sku": "kmj-01"}).content.decode(), "refused")
    assert "KMJ-01" in refused and "Kemeja" in refused
    seller.post(url, {"sku": "kmj-01"})
    variant.refresh_from_db()
    assert variant.sku == "KAOS-01"


def test_archive_confirms_then_pushes_0_and_hides_from_the_list(
    client: Client, variant: Variant
) -> None:
    seller = logged_in(client)
    url = reverse("web:catalog_product_archive", args=[variant.product_id])
    confirm = seller.get(url).content.decode()
    assert "L1" in block(confirm, "zeroed")
    assert MasterProduct.objects.get().archived_at is None  # asking changes nothing

    seller.post(url)
    assert MasterProduct.objects.get().archived_at is not None
    assert Listing.objects.get(external_id="L1").needs_push
    assert "KAOS-01" not in seller.get(reverse("web:catalog")).content.decode()
    assert "KAOS-01" in seller.get(reverse("web:catalog"), {"archived": "1"}).content.decode()

    Listing.objects.update(needs_push=False)
    seller.post(reverse("web:catalog_product_restore", args=[variant.product_id]))
    assert MasterProduct.objects.get().archived_at is None
    assert Listing.objects.get(external_id="L1").needs_push
    assert "KAOS-01" in seller.get(reverse("web:catalog")).content.decode()


def test_staff_may_look_but_not_edit(client: Client, variant: Variant) -> None:
    staff = logged_in(client, Role.STAFF)
    page = staff.get(reverse("web:catalog_product", args=[variant.product_id]))
    assert page.status_code == 200 and "Change SKU" not in page.content.decode()
    refused = staff.post(reverse("web:catalog_product_archive", args=[variant.product_id]))
    assert refused.status_code == 403
    assert MasterProduct.objects.get().archived_at is None
