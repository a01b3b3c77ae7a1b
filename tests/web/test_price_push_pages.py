"""The price push in the web UI: the integration page's "Push price" switch and price rule
(Owners and Admins; bad numbers are a message, nothing is lost), a listing's fixed price on
the SKU page, and price rows in the sync log with their explanation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from roles_support import an_integration, user_with_role
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.core.access import Role
from satustok.sync.models import PushKind, PushRecord, PushResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop() -> dict[str, Any]:
    account = an_integration()
    variant = Variant.objects.create(
        product=MasterProduct.objects.create(name="Kaos"), sku="KAOS-1", price=100_000
    )
    listing = Listing.objects.create(
        account=account, external_id="9", variant=variant, link_method=LinkMethod.AUTO_SKU
    )
    return {"account": account, "variant": variant, "listing": listing}


def logged_in(role: str) -> Client:
    client = Client()
    client.force_login(user_with_role(role, f"{role}-price"))
    client.cookies["django_language"] = "en"
    return client


def test_the_integration_page_switches_price_push_on_and_marks_the_listings(
    shop: dict[str, Any],
) -> None:
    admin = logged_in(Role.ADMIN)
    account, listing = shop["account"], shop["listing"]
    page = admin.get(reverse("web:integration", args=[account.pk])).content.decode()
    assert 'data-testid="price-push"' in page and "Push price" in page
    url = reverse("web:integration_price_push", args=[account.pk])
    done = admin.post(url, {"push_price": "on"}, follow=True).content.decode()
    assert "Price pushing is on for" in done
    account.refresh_from_db()
    listing.refresh_from_db()
    assert account.push_price and listing.price_needs_push
    admin.post(url, {"push_price": "off"})
    assert not ChannelAccount.objects.get(pk=account.pk).push_price


def test_the_price_rule_is_saved_and_a_bad_one_is_a_message(shop: dict[str, Any]) -> None:
    admin = logged_in(Role.OWNER)
    account = shop["account"]
    url = reverse("web:integration_price_rule", args=[account.pk])
    admin.post(url, {"markup": "12,5", "step": "500"})
    account.refresh_from_db()
    assert (account.price_markup, account.price_step) == (Decimal("12.5"), 500)
    bad = admin.post(url, {"markup": "lots", "step": "500"}, follow=True)
    assert bad.status_code == 200 and "The markup must be a number" in bad.content.decode()
    odd = admin.post(url, {"markup": "10", "step": "250"}, follow=True).content.decode()
    assert "Round to one of" in odd
    account.refresh_from_db()
    assert (account.price_markup, account.price_step) == (Decimal("12.5"), 500)  # kept


@pytest.mark.parametrize("role", [Role.STAFF, Role.VIEWER])
def test_only_owners_and_admins_change_price_push(shop: dict[str, Any], role: str) -> None:
    client = logged_in(role)
    account, listing = shop["account"], shop["listing"]
    switch = client.post(
        reverse("web:integration_price_push", args=[account.pk]), {"push_price": "on"}
    )
    rule = client.post(
        reverse("web:integration_price_rule", args=[account.pk]), {"markup": "50", "step": "1"}
    )
    fixed = client.post(reverse("web:listing_price", args=[listing.pk]), {"fixed_price": "1"})
    assert {switch.status_code, rule.status_code, fixed.status_code} == {403}
    account.refresh_from_db()
    assert not account.push_price and account.price_markup == 0
    assert Listing.objects.get(pk=listing.pk).fixed_price is None


def test_a_fixed_price_is_set_on_the_sku_page_and_taken_away(shop: dict[str, Any]) -> None:
    admin = logged_in(Role.ADMIN)
    variant, listing = shop["variant"], shop["listing"]
    page = admin.get(reverse("web:inventory_sku", args=[variant.pk])).content.decode()
    assert 'data-testid="listing-prices"' in page and "Master price Rp 100.000." in page
    url = reverse("web:listing_price", args=[listing.pk])
    done = admin.post(url, {"fixed_price": "Rp 95.000"}, follow=True).content.decode()
    assert "Price of listing 9 saved." in done
    listing.refresh_from_db()
    assert listing.fixed_price == 95_000 and listing.price_needs_push
    bad = admin.post(url, {"fixed_price": "95,5"}, follow=True).content.decode()
    assert "A fixed price is whole rupiah" in bad
    assert Listing.objects.get(pk=listing.pk).fixed_price == 95_000
    admin.post(url, {"follow": "1"})
    assert Listing.objects.get(pk=listing.pk).fixed_price is None


def test_the_sync_log_shows_price_rows_with_their_explanation(shop: dict[str, Any]) -> None:
    account, listing = shop["account"], shop["listing"]
    PushRecord.objects.create(account=account, listing=listing, quantity=7, result=PushResult.OK)
    PushRecord.objects.create(
        account=account,
        listing=listing,
        kind=PushKind.PRICE,
        quantity=0,
        price=110_000,
        result=PushResult.FAILED,
        message="The channel refuses price changes while a promotion runs on this item.",
        explanation="master Rp 100.000 × 110% = Rp 110.000",
    )
    viewer = logged_in(Role.VIEWER)
    url = reverse("web:sync_log_pushes")
    html = viewer.get(url).content.decode()
    assert 'data-kind="price"' in html and 'data-kind="stock"' in html
    assert "Rp 110.000" in html and "master Rp 100.000 × 110% = Rp 110.000" in html
    only = viewer.get(url + "?kind=price").content.decode()
    assert 'data-kind="price"' in only and 'data-kind="stock"' not in only
