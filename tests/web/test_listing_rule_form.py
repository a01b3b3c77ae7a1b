"""A listing's own push rule from the SKU page: "Set rule…" on each listing's row saves the
listing's rule (the explanation follows it, the listing is pushed again), "Use the
integration's rule" drops it; bad numbers are a message; Owners and Admins only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from roles_support import an_integration, user_with_role
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import LinkMethod, Listing
from satustok.core.access import Role
from satustok.inventory import stock
from satustok.sync import controls
from satustok.sync.models import PushRule
from satustok.sync.rules import Rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    account = an_integration()
    variant = Variant.objects.create(
        product=MasterProduct.objects.create(name="Kaos"), sku="KAOS-1"
    )
    stock.set_on_hand(account.warehouse_id, variant.pk, 40, reference="test")
    listing = Listing.objects.create(
        account=account, external_id="9", variant=variant, link_method=LinkMethod.AUTO_SKU
    )
    controls.set_rule(account, Rule(percent=50))
    Listing.objects.update(needs_push=False)
    return {"account": account, "variant": variant, "listing": listing}


def logged_in(role: str) -> Client:
    client = Client()
    client.force_login(user_with_role(role, f"{role}-lr"))
    client.cookies["django_language"] = "en"
    return client


def fields(listing: Listing, **values: object) -> dict[str, object]:
    return {f"listing-{listing.pk}-{name}": value for name, value in values.items()}


def test_the_sku_page_sets_a_listings_own_rule_and_explains_it(world: dict[str, Any]) -> None:
    admin = logged_in(Role.ADMIN)
    listing, variant = world["listing"], world["variant"]
    page = admin.get(reverse("web:inventory_sku", args=[variant.pk])).content.decode()
    assert "Set rule…" in page and 'data-testid="listing-rule-form"' in page
    assert "available 40 × 50% = 20" in page, "the integration's rule first"
    url = reverse("web:listing_rule", args=[listing.pk])
    done = admin.post(url, fields(listing, percent=100, buffer=5, maximum=30), follow=True)
    html = done.content.decode()
    assert "The listing&#x27;s own push rule is saved." in html
    assert "available 40 − buffer 5 = 35 → at most 30" in html
    assert 'data-testid="own-rule"' in html
    row = PushRule.objects.get(listing=listing)
    assert (row.percent, row.buffer, row.maximum, row.fixed) == (100, 5, 30, None)
    listing.refresh_from_db()
    assert listing.needs_push, "the listing is pushed again with its rule"


def test_use_the_integrations_rule_drops_the_listings_own(world: dict[str, Any]) -> None:
    listing = world["listing"]
    controls.set_listing_rule(listing, Rule(fixed=3))
    admin = logged_in(Role.ADMIN)
    url = reverse("web:listing_rule", args=[listing.pk])
    done = admin.post(url, {"follow": "1"}, follow=True).content.decode()
    assert "This listing follows its integration&#x27;s push rule again." in done
    assert not PushRule.objects.filter(listing=listing).exists()
    assert "available 40 × 50% = 20" in done


def test_bad_numbers_are_a_message_and_change_nothing(world: dict[str, Any]) -> None:
    listing = world["listing"]
    admin = logged_in(Role.ADMIN)
    url = reverse("web:listing_rule", args=[listing.pk])
    done = admin.post(url, fields(listing, percent=250, buffer=-1), follow=True)
    assert done.status_code == 200
    assert "Share of available (%)" in done.content.decode()
    assert not PushRule.objects.filter(listing=listing).exists()
    assert admin.post(reverse("web:listing_rule", args=[10**30])).status_code == 404


@pytest.mark.parametrize("role", [Role.STAFF, Role.VIEWER])
def test_only_owners_and_admins_set_a_listings_rule(world: dict[str, Any], role: str) -> None:
    client = logged_in(role)
    listing = world["listing"]
    page = client.get(reverse("web:inventory_sku", args=[world["variant"].pk])).content.decode()
    assert 'data-testid="listing-rule-form"' not in page
    url = reverse("web:listing_rule", args=[listing.pk])
    assert client.post(url, fields(listing, percent=10, buffer=0)).status_code == 403
    assert not PushRule.objects.filter(listing=listing).exists()
