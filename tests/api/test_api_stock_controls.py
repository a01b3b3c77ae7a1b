"""Stock controls over the REST API: the integration's push rule, campaign allocations and the
priority store, and what the SKU's listings then show with the explanation; roles and bad
input refused in the API's format."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from api_helpers import ApiClient
from django.test import Client
from django.utils import timezone, translation

from roles_support import an_integration, user_with_role
from satustok.api import tokens
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import LinkMethod, Listing
from satustok.core.access import Role
from satustok.inventory import stock
from satustok.sync.models import Allocation, PriorityStore, PushRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    account = an_integration()
    other = an_integration(shop_id="480002", shop_name="Toko Dua")
    product = MasterProduct.objects.create(name="Kaos")
    variant = Variant.objects.create(product=product, sku="KAOS/M")
    stock.set_on_hand(account.warehouse_id, variant.pk, 40, reference="test")
    for shop, external_id in ((account, "1"), (other, "2")):
        Listing.objects.create(
            account=shop,
            external_id=external_id,
            sku="KAOS/M",
            variant=variant,
            link_method=LinkMethod.AUTO_SKU,
        )
    return {"account": account, "other": other, "variant": variant}


def shown(api: ApiClient, shop_id: int) -> dict[str, Any]:
    rows = api.get("/stock", sku="kaos/m").json()["listings"]
    return next(row for row in rows if row["integration"] == shop_id)


@translation.override("en")
def test_a_rule_an_allocation_and_a_priority_store(api: ApiClient, world: dict[str, Any]) -> None:
    account, other = world["account"], world["other"]
    assert api.get(f"/integrations/{account.pk}/push-rule").json()["percent"] == 100
    saved = api.put(f"/integrations/{account.pk}/push-rule", {"percent": 50, "buffer": 5})
    assert saved.status_code == 200 and saved.json()["buffer"] == 5
    row = shown(api, account.pk)
    assert row["desired"] == 17 and row["explanation"].endswith("× 50% = 17")

    now = timezone.now()
    body = {
        "sku": "KAOS/M",
        "integration": other.pk,
        "quantity": 10,
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
        "note": "12.12",
    }
    created = api.post("/stock/allocations", body)
    assert created.status_code == 201, created.content
    assert shown(api, account.pk)["desired"] == (40 - 10 - 5) * 50 // 100
    assert [a["id"] for a in api.get("/stock/allocations", sku="KAOS/M").json()] == [
        created.json()["id"]
    ]
    assert api.delete(f"/stock/allocations/{created.json()['id']}").status_code == 204
    assert not Allocation.objects.exists()

    keep = api.put("/stock/priority", {"sku": "KAOS/M", "integration": other.pk, "threshold": 40})
    assert keep.status_code == 204 and shown(api, account.pk)["desired"] == 0
    assert api.delete("/stock/priority", sku="KAOS/M").status_code == 204
    assert not PriorityStore.objects.exists()


def test_bad_controls_are_422_or_404(api: ApiClient, world: dict[str, Any]) -> None:
    account = world["account"]
    assert api.put(f"/integrations/{account.pk}/push-rule", {"percent": 101}).status_code == 422
    assert api.put(f"/integrations/{account.pk}/push-rule", {"buffer": -1}).status_code == 422
    assert api.put("/integrations/999999/push-rule", {"percent": 1}).status_code == 404
    now = timezone.now()
    backwards = {
        "sku": "KAOS/M",
        "integration": account.pk,
        "quantity": 1,
        "starts_at": now.isoformat(),
        "ends_at": (now - timedelta(hours=1)).isoformat(),
    }
    refused = api.post("/stock/allocations", backwards)
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_control")
    assert api.post("/stock/allocations", {**backwards, "sku": "NOPE"}).status_code == 404
    assert not PushRule.objects.exists() and not Allocation.objects.exists()


def test_a_viewer_reads_but_changes_nothing(client: Client, world: dict[str, Any]) -> None:
    viewer = ApiClient(client, tokens.issue(user_with_role(Role.VIEWER, "v"), "t").key)
    account = world["account"]
    assert viewer.get(f"/integrations/{account.pk}/push-rule").status_code == 200
    assert viewer.put(f"/integrations/{account.pk}/push-rule", {"percent": 1}).status_code == 403
    refused = viewer.put("/stock/priority", {"integration": account.pk, "threshold": 1})
    assert refused.status_code == 403
    assert not PushRule.objects.exists() and not PriorityStore.objects.exists()
