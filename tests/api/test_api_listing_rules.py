"""A listing's own push rule over the REST API (GET/PUT/DELETE /api/listings/{id}/push-rule):
the integration's rule until the listing gets its own, which the SKU's listing then shows
with its explanation; dropped again with DELETE; roles and bad input refused."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import ApiClient
from django.test import Client
from django.utils import translation

from roles_support import an_integration, user_with_role
from satustok.api import tokens
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import LinkMethod, Listing
from satustok.core.access import Role
from satustok.inventory import stock
from satustok.sync import controls
from satustok.sync.models import PushRule
from satustok.sync.rules import Rule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def english(api: ApiClient) -> Any:
    """English words: here (the services) and in the API's answers (Accept-Language)."""
    api.headers["Accept-Language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def listing() -> Listing:
    account = an_integration()
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="K/M")
    stock.set_on_hand(account.warehouse_id, variant.pk, 40, reference="test")
    controls.set_rule(account, Rule(percent=50))
    return Listing.objects.create(
        account=account, external_id="9", variant=variant, link_method=LinkMethod.AUTO_SKU
    )


def shown(api: ApiClient) -> dict[str, Any]:
    return dict(api.get("/stock", sku="K/M").json()["listings"][0])


def test_get_put_delete_a_listings_rule(api: ApiClient, listing: Listing) -> None:
    url = f"/listings/{listing.pk}/push-rule"
    first = api.get(url).json()
    assert (first["own"], first["percent"], first["integration"]) == (
        False,
        50,
        listing.account_id,
    )
    Listing.objects.update(needs_push=False)
    saved = api.put(url, {"percent": 100, "buffer": 5, "fixed": 12})
    assert saved.status_code == 200
    assert (saved.json()["own"], saved.json()["fixed"], saved.json()["buffer"]) == (True, 12, 5)
    assert Listing.objects.get(pk=listing.pk).needs_push
    row = shown(api)
    assert row["desired"] == 12 and row["explanation"].endswith("fixed 12 → 12")
    assert api.get(url).json()["own"] is True

    dropped = api.delete(url)
    assert dropped.status_code == 200 and dropped.json()["own"] is False
    assert dropped.json()["percent"] == 50
    assert not PushRule.objects.filter(listing=listing).exists()
    assert shown(api)["desired"] == 20


def test_bad_input_and_unknown_listings(api: ApiClient, listing: Listing) -> None:
    url = f"/listings/{listing.pk}/push-rule"
    assert api.put(url, {"percent": 101}).status_code == 422
    assert api.put(url, {"buffer": -1}).status_code == 422
    assert api.put(url, {"percent": 10, "shares": 3}).status_code == 422
    assert not PushRule.objects.filter(listing=listing).exists()
    missing = api.get("/listings/999999/push-rule")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert api.delete("/listings/999999/push-rule").status_code == 404
    assert api.get(f"/listings/{2**70}/push-rule").status_code == 422


@pytest.mark.parametrize("role", [Role.STAFF, Role.VIEWER])
def test_only_owners_and_admins_change_it(listing: Listing, role: str) -> None:
    client = ApiClient(Client(), tokens.issue(user_with_role(role, f"{role}-r"), "t").key)
    url = f"/listings/{listing.pk}/push-rule"
    assert client.get(url).status_code == 200
    assert client.put(url, {"percent": 10}).status_code == 403
    assert client.delete(url).status_code == 403
    assert not PushRule.objects.filter(listing=listing).exists()
