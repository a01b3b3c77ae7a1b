"""The catalogue over the API: master variants with stock and listings, listings that are not
linked (with the reason), linking by hand."""

from __future__ import annotations

import pytest
from api_helpers import ApiClient, make_account, make_listing, make_variant

from satustok.channels.models import LinkMethod, Listing

pytestmark = pytest.mark.django_db


def test_variants_show_stock_and_every_listing(api: ApiClient) -> None:
    shop_a, shop_b = make_account("480001"), make_account("480002")
    kaos = make_variant("KAOS-01", on_hand=7, reserved=2, product="Kaos Polos")
    make_variant("BATIK-01", on_hand=1)
    make_listing(shop_a, "11", variant=kaos)
    make_listing(shop_b, "22", variant=kaos, sku=" kaos-01 ")
    found = api.get("/catalog/variants", q="kaos").json()
    assert found["count"] == 1
    variant = found["items"][0]
    assert (variant["sku"], variant["product"]) == ("KAOS-01", "Kaos Polos")
    assert (variant["on_hand"], variant["available"]) == (7, 5)
    assert [(x["integration"], x["external_id"], x["link"]) for x in variant["listings"]] == [
        (shop_a.pk, "11", "auto_sku"),
        (shop_b.pk, "22", "auto_sku"),
    ]
    assert variant["listings"][1]["channel_sku"] == " kaos-01 "  # as the channel spells it
    assert api.get("/catalog/variants").json()["count"] == 2


def test_unlinked_listings_say_why(api: ApiClient) -> None:
    shop = make_account()
    make_listing(shop, "1", variant=make_variant("KAOS-01"))
    make_listing(shop, "2", unlinked_reason="skipped_no_stock", stock=0)
    make_listing(shop, "3", unlinked_reason="skipped_empty_sku")
    found = api.get("/catalog/listings/unlinked", headers={"Accept-Language": "en"}).json()
    assert found["count"] == 2
    reasons = {x["external_id"]: x["unlinked_reason_text"] for x in found["items"]}
    assert reasons == {"2": "Skipped – no stock", "3": "Skipped – empty SKU"}
    assert all(x["link"] == "unlinked" and x["master_sku"] is None for x in found["items"])
    filtered = api.get("/catalog/listings", integration=shop.pk, link="auto_sku").json()
    assert [x["external_id"] for x in filtered["items"]] == ["1"]


def test_linking_by_hand(api: ApiClient) -> None:
    variant = make_variant("KAOS-01")
    listing = make_listing(make_account(), "9", sku="kaos01", unlinked_reason="skipped_no_stock")
    response = api.post(f"/catalog/listings/{listing.pk}/link", {"sku": "  kaos-01 "})
    assert response.status_code == 200
    assert (response.json()["link"], response.json()["master_sku"]) == ("manual", "KAOS-01")
    listing.refresh_from_db()
    assert (listing.variant, listing.link_method, listing.unlinked_reason) == (
        variant,
        LinkMethod.MANUAL,
        "",
    )


def test_linking_to_an_unknown_sku_is_422_and_changes_nothing(api: ApiClient) -> None:
    listing = make_listing(make_account(), "9", unlinked_reason="skipped_no_stock")
    response = api.post(f"/catalog/listings/{listing.pk}/link", {"sku": "NOPE-1"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "sku" and "NOPE-1" in response.json()["detail"]
    assert Listing.objects.get(pk=listing.pk).link_method == LinkMethod.UNLINKED
    assert api.post(f"/catalog/listings/{listing.pk}/link", {"sku": ""}).status_code == 422
    assert api.post("/catalog/listings/999/link", {"sku": "X"}).status_code == 404


def test_bad_filters_are_422(api: ApiClient) -> None:
    assert api.get("/catalog/listings", link="sometimes").status_code == 422
    assert api.get("/catalog/variants", limit=501).status_code == 422
    assert api.get("/catalog/listings/999").status_code == 404
