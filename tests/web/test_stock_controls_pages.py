"""The stock controls in the UI: the integration's push rule (Owners and Admins), a SKU's
allocation and priority store (those who adjust stock), each listing's quantity explained on
the SKU page; refusals are messages or the 403 page, never a 500."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from roles_support import an_integration, user_with_role
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
    variant = Variant.objects.create(
        product=MasterProduct.objects.create(name="Kaos"), sku="KAOS-1"
    )
    stock.set_on_hand(account.warehouse_id, variant.pk, 40, reference="test")
    listing = Listing.objects.create(
        account=account,
        external_id="9",
        sku="KAOS-1",
        variant=variant,
        link_method=LinkMethod.AUTO_SKU,
    )
    return {"account": account, "other": other, "variant": variant, "listing": listing}


def logged_in(client: Client, role: str) -> Client:
    client.force_login(user_with_role(role, f"{role}-x"))
    client.cookies["django_language"] = "en"
    return client


def test_an_admin_sets_the_rule_and_the_sku_page_explains_it(
    client: Client, world: dict[str, Any]
) -> None:
    admin = logged_in(client, Role.ADMIN)
    url = reverse("web:integration_rule", args=[world["account"].pk])
    response = admin.post(url, {"percent": 50, "buffer": 5}, follow=True)
    assert response.status_code == 200 and "Push rule saved." in response.content.decode()
    rule = PushRule.objects.get(account=world["account"], listing__isnull=True)
    assert (rule.percent, rule.buffer) == (50, 5)
    world["listing"].refresh_from_db()
    assert world["listing"].needs_push, "the rule's listings are pushed again"
    page = admin.get(reverse("web:inventory_sku", args=[world["variant"].pk])).content.decode()
    assert "available 40 − buffer 5 = 35 × 50% = 17" in page


def test_a_bad_rule_is_a_message_and_staff_may_not_set_one(
    client: Client, world: dict[str, Any]
) -> None:
    url = reverse("web:integration_rule", args=[world["account"].pk])
    admin = logged_in(client, Role.ADMIN)
    response = admin.post(url, {"percent": 250, "buffer": -1}, follow=True)
    assert response.status_code == 200 and not PushRule.objects.exists()
    staff = logged_in(Client(), Role.STAFF)
    assert staff.post(url, {"percent": 50, "buffer": 0}).status_code == 403


def test_an_allocation_and_a_priority_store_from_the_sku_page(
    client: Client, world: dict[str, Any]
) -> None:
    staff = logged_in(client, Role.STAFF)
    variant, other = world["variant"], world["other"]
    now = timezone.localtime()
    form = {
        "account": other.pk,
        "quantity": 10,
        "starts_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "note": "12.12",
    }
    response = staff.post(reverse("web:sku_allocate", args=[variant.pk]), form, follow=True)
    assert "Allocation saved." in response.content.decode()
    page = response.content.decode()
    assert "allocated elsewhere 10 = 30" in page, "the other shop's 10 are not offered here"
    backwards = {**form, "ends_at": form["starts_at"]}
    refused = staff.post(reverse("web:sku_allocate", args=[variant.pk]), backwards, follow=True)
    assert "must end after it starts" in refused.content.decode()
    assert Allocation.objects.count() == 1

    priority = {"account": other.pk, "threshold": 50}
    staff.post(reverse("web:sku_priority", args=[variant.pk]), priority)
    assert PriorityStore.objects.get(variant=variant).account == other
    page = staff.get(reverse("web:inventory_sku", args=[variant.pk])).content.decode()
    assert "only the priority store sells" in page
    staff.post(reverse("web:sku_priority", args=[variant.pk]), {"clear": "1"})
    assert not PriorityStore.objects.exists()
    allocation = Allocation.objects.get()
    end = reverse("web:sku_allocation_end", args=[variant.pk, allocation.pk])
    staff.post(end)
    assert not Allocation.objects.exists()


def test_a_viewer_changes_nothing(client: Client, world: dict[str, Any]) -> None:
    viewer = logged_in(client, Role.VIEWER)
    variant = world["variant"]
    for url, data in (
        (reverse("web:sku_allocate", args=[variant.pk]), {"account": 1}),
        (reverse("web:sku_priority", args=[variant.pk]), {"clear": "1"}),
        (reverse("web:integration_rule", args=[world["account"].pk]), {"percent": 1}),
    ):
        assert viewer.post(url, data).status_code == 403
    assert viewer.get(reverse("web:inventory_sku", args=[variant.pk])).status_code == 200
