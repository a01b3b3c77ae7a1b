"""The SKU doctor page: suggestions listed by kind, one-click link, "link all of this kind"
after a preview, the re-check at link time, and a Viewer who may look but not link."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from roles_support import an_integration, user_with_role
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.core.access import Role

pytestmark = pytest.mark.django_db


def logged_in(client: Client, role: str) -> Client:
    client.force_login(user_with_role(role))
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def shop() -> ChannelAccount:
    return an_integration()


def master(sku: str) -> Variant:
    return Variant.objects.create(product=MasterProduct.objects.create(name=f"P {sku}"), sku=sku)


def unlinked(shop: ChannelAccount, external_id: str, sku: str) -> Listing:
    return Listing.objects.create(
        account=shop, external_id=external_id, sku=sku, unlinked_reason="skipped_no_stock"
    )


def test_the_page_lists_suggestions_by_kind_and_the_ambiguous(client: Client, shop: Any) -> None:
    master("KAOS-007"), master("TAS-7"), master("TAS-07")
    unlinked(shop, "111", "KAOS -007")
    unlinked(shop, "222", "TAS-007")
    html = logged_in(client, Role.ADMIN).get("/catalog/doctor/").content.decode()
    assert 'data-kind="spaces"' in html and 'data-listing="111"' in html
    assert 'id="ambiguous"' in html and "TAS-7, TAS-07" in html
    assert "/catalog/doctor/link/" in html


def test_one_click_links_one_suggestion(client: Client, shop: Any) -> None:
    variant = master("KAOS-007")
    listing = unlinked(shop, "111", "KAOS 007")
    seller = logged_in(client, Role.ADMIN)
    response = seller.post("/catalog/doctor/link/", {"pair": f"{listing.pk}:{variant.pk}"})
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.variant == variant and listing.link_method == LinkMethod.MANUAL


def test_link_all_of_a_kind_shows_a_preview_then_links_after_confirming(
    client: Client, shop: Any
) -> None:
    variants = [master(f"KAOS-{n}") for n in (7, 8, 9)]
    listings = [unlinked(shop, str(n), f"KAOS-00{n}") for n in (7, 8, 9)]
    other = unlinked(shop, "50", "TAS 1")
    master("TAS1")
    seller = logged_in(client, Role.ADMIN)
    preview = seller.get("/catalog/doctor/preview/?kind=leading_zeros").content.decode()
    assert all(f'data-listing="{n}"' in preview for n in (7, 8, 9))
    assert 'data-listing="50"' not in preview  # another kind
    assert not Listing.objects.filter(link_method=LinkMethod.MANUAL).exists()  # nothing yet
    pairs = [
        f"{listing.pk}:{variant.pk}" for listing, variant in zip(listings, variants, strict=True)
    ]
    # One listing is linked by hand between the preview and the confirmation: skipped.
    Listing.objects.filter(pk=listings[0].pk).update(
        variant=variants[2], link_method=LinkMethod.MANUAL
    )
    response = seller.post("/catalog/doctor/link/", {"pair": pairs}, follow=True)
    page = response.content.decode()
    assert "2 listings linked." in page and "skipped" in page
    linked = dict(
        Listing.objects.filter(link_method=LinkMethod.MANUAL).values_list("pk", "variant")
    )
    assert linked == {
        listings[0].pk: variants[2].pk,  # untouched: the seller's own link stands
        listings[1].pk: variants[1].pk,
        listings[2].pk: variants[2].pk,
    }
    other.refresh_from_db()
    assert other.variant is None


def test_a_viewer_sees_the_page_but_may_not_link(client: Client, shop: Any) -> None:
    variant = master("KAOS-007")
    listing = unlinked(shop, "111", "KAOS 007")
    viewer = logged_in(client, Role.VIEWER)
    page = viewer.get("/catalog/doctor/")
    assert page.status_code == 200 and 'data-listing="111"' in page.content.decode()
    assert "/catalog/doctor/link/" not in page.content.decode()
    assert viewer.get("/catalog/doctor/preview/?kind=spaces").status_code == 403
    refused = viewer.post("/catalog/doctor/link/", {"pair": f"{listing.pk}:{variant.pk}"})
    assert refused.status_code == 403
    listing.refresh_from_db()
    assert listing.variant is None


def test_the_catalogue_links_to_the_doctor(client: Client, shop: Any) -> None:
    unlinked(shop, "111", "")
    html = logged_in(client, Role.ADMIN).get("/catalog/").content.decode()
    assert "/catalog/doctor/" in html


# --- the REST API ----------------------------------------------------------------------------


def _bearer(client: Client, role: str) -> dict[str, str]:
    from satustok.api import tokens

    issued = tokens.issue(user_with_role(role, f"api-{role}"), "tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.key}"}


def test_api_lists_and_links_suggestions(client: Client, shop: Any) -> None:
    variant, _twin = master("KAOS-007"), master("TAS-1")
    listing = unlinked(shop, "111", "KAOS-7")
    auth = _bearer(client, Role.ADMIN)
    found = client.get("/api/catalog/doctor", **auth).json()
    assert found["counts"]["leading_zeros"] == 1
    assert found["suggestions"][0]["listing"]["id"] == listing.pk
    assert found["suggestions"][0]["variant"]["sku"] == "KAOS-007"
    body = {"suggestions": [{"listing": listing.pk, "variant": variant.pk}]}
    linked = client.post("/api/catalog/doctor/link", body, content_type="application/json", **auth)
    assert linked.status_code == 200 and linked.json()["linked"][0]["kind"] == "leading_zeros"
    again = client.post("/api/catalog/doctor/link", body, content_type="application/json", **auth)
    assert again.json()["linked"] == [] and again.json()["skipped"][0]["listing"] == listing.pk


def test_api_viewer_may_read_but_not_link(client: Client, shop: Any) -> None:
    variant = master("KAOS-007")
    listing = unlinked(shop, "111", "KAOS-7")
    auth = _bearer(client, Role.VIEWER)
    assert client.get("/api/catalog/doctor", **auth).status_code == 200
    body = {"suggestions": [{"listing": listing.pk, "variant": variant.pk}]}
    refused = client.post("/api/catalog/doctor/link", body, content_type="application/json", **auth)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    listing.refresh_from_db()
    assert listing.variant is None
