"""An integration's price push over the REST API (GET/PUT /api/integrations/{id}/price-push):
the switch and the rule read back as saved, switching on marks every linked listing with a
master price, bad input is a 422 naming the field with nothing changed, roles refused."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import ApiClient
from django.test import Client
from django.utils import translation

from roles_support import an_integration, user_with_role
from satustok.api import tokens
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.core.access import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def english(api: ApiClient) -> Any:
    api.headers["Accept-Language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def account() -> ChannelAccount:
    account = an_integration()
    product = MasterProduct.objects.create(name="Kaos")
    priced = Variant.objects.create(product=product, sku="K-1", price=100_000)
    unpriced = Variant.objects.create(product=product, sku="K-2")
    for number, variant in enumerate((priced, unpriced)):
        Listing.objects.create(
            account=account,
            external_id=str(number + 1),
            variant=variant,
            link_method=LinkMethod.AUTO_SKU,
        )
    return account


def test_get_then_switch_on_with_a_rule(api: ApiClient, account: ChannelAccount) -> None:
    url = f"/integrations/{account.pk}/price-push"
    first = api.get(url).json()
    assert first == {
        "integration": account.pk,
        "push_price": False,
        "markup": "0",
        "step": 1,
        "listings_due": 0,
        "listings_refused": 0,
    }
    saved = api.put(url, {"push_price": True, "markup": 10, "step": 1000})
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert (body["push_price"], body["markup"], body["step"]) == (True, "10", 1000)
    assert body["listings_due"] == 1  # only the listing whose master has a price
    assert Listing.objects.get(external_id="1").price_needs_push
    off = api.put(url, {"push_price": False}).json()
    assert off["push_price"] is False and off["markup"] == "10"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"markup": "-95"}, "markup"),
        ({"markup": "ten"}, "markup"),
        ({"step": 250}, "step"),
        ({"push_prise": True}, None),  # a typo is refused, not ignored
    ],
)
def test_bad_input_is_a_422_and_changes_nothing(
    api: ApiClient, account: ChannelAccount, body: dict[str, Any], field: str | None
) -> None:
    answer = api.put(f"/integrations/{account.pk}/price-push", body)
    assert answer.status_code == 422
    if field:
        assert answer.json()["errors"][0]["field"] == field
    account.refresh_from_db()
    assert (account.price_markup, account.price_step, account.push_price) == (0, 1, False)


def test_an_unknown_integration_is_a_404(api: ApiClient) -> None:
    assert api.get("/integrations/999999/price-push").status_code == 404


@pytest.mark.parametrize("role", [Role.STAFF, Role.VIEWER])
def test_only_owners_and_admins_change_it(account: ChannelAccount, role: str) -> None:
    client = ApiClient(Client(), tokens.issue(user_with_role(role, f"{role}-p"), "t").key)
    answer = client.put(f"/integrations/{account.pk}/price-push", {"push_price": True})
    assert answer.status_code == 403
    assert not ChannelAccount.objects.get(pk=account.pk).push_price
