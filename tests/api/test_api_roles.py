"""The API token carries its user's role, read at each request: each role's token may read,
writes need the route's capability, a read-only token changes nothing, a deactivated user's
token is refused, and every route that changes something declares what it needs."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import ApiClient, make_account, make_variant
from django.test import Client

from roles_support import ROLES, user_with_role
from satustok.api import tokens
from satustok.api.main import api as the_api
from satustok.core.access import ROLE_PERMISSIONS, Permission, Role
from satustok.core.models import Activity, Membership
from satustok.inventory.models import StockLevel

pytestmark = pytest.mark.django_db


def token_for(client: Client, role: str, *, read_only: bool = False) -> tuple[ApiClient, Any]:
    user = user_with_role(role)
    issued = tokens.issue(user, "tests", read_only=read_only)
    return ApiClient(client, issued.key), user


def adjust(api: ApiClient) -> Any:
    body = {"sku": "K-1", "action": "add", "quantity": 2, "reason": "received"}
    return api.post("/stock/adjustments", body)


@pytest.mark.parametrize("role", ROLES)
def test_each_roles_token_reads_and_writes_what_the_role_allows(client: Client, role: str) -> None:
    variant = make_variant("K-1", on_hand=5)
    account = make_account()
    api, _user = token_for(client, role)
    allowed = ROLE_PERMISSIONS[role]

    assert api.get("/catalog/variants").status_code == 200
    listed = api.get("/integrations")  # credentials (masked) are integrations' business
    assert listed.status_code == (200 if Permission.MANAGE_INTEGRATIONS in allowed else 403)

    adjusted = adjust(api)
    if Permission.ADJUST_STOCK in allowed:
        assert adjusted.status_code == 201
    else:
        assert adjusted.status_code == 403 and adjusted.json()["code"] == "forbidden"
        assert adjusted.json()["detail"]  # words for a person
    expected = 7 if Permission.ADJUST_STOCK in allowed else 5
    assert StockLevel.objects.get(variant=variant).on_hand == expected

    switched = api.patch(f"/integrations/{account.pk}", {"push_stock": True})
    assert switched.status_code == (200 if Permission.SWITCH_PUSH in allowed else 403)
    account.refresh_from_db()
    assert account.push_stock is (Permission.SWITCH_PUSH in allowed)


def test_a_read_only_token_reads_but_changes_nothing_whatever_the_role(client: Client) -> None:
    variant = make_variant("K-1", on_hand=5)
    api, _owner = token_for(client, Role.OWNER, read_only=True)
    assert api.get("/stock/levels").status_code == 200
    assert api.get("/integrations").status_code == 200
    refused = adjust(api)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert "read-only" in refused.json()["detail"] or "hanya-baca" in refused.json()["detail"]
    assert StockLevel.objects.get(variant=variant).on_hand == 5
    assert not Activity.objects.filter(action="stock.adjusted").exists()


def test_the_role_is_read_at_each_request_not_frozen_in_the_token(client: Client) -> None:
    make_variant("K-1", on_hand=5)
    api, user = token_for(client, Role.STAFF)
    assert adjust(api).status_code == 201
    Membership.objects.filter(user=user).update(role=Role.VIEWER)
    assert adjust(api).status_code == 403


def test_a_deactivated_users_token_is_refused(client: Client) -> None:
    api, user = token_for(client, Role.OWNER)
    assert api.get("/catalog/variants").status_code == 200
    user.is_active = False
    user.save()
    refused = api.get("/catalog/variants")
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_token"


def test_a_staff_token_limited_to_a_warehouse_sees_its_levels_only(client: Client) -> None:
    from satustok.inventory import stock
    from satustok.inventory.access import set_warehouses
    from satustok.inventory.models import Warehouse

    variant = make_variant("K-1", on_hand=5)
    branch = Warehouse.objects.create(name="Gudang Cabang", code="cabang")
    stock.set_on_hand(branch.pk, variant.pk, 2, reference="test")
    api, user = token_for(client, Role.STAFF)
    set_warehouses(user, [branch])
    levels = api.get("/stock/levels").json()
    assert [level["warehouse"] for level in levels["items"]] == ["cabang"]
    refused = adjust(api)  # the default warehouse is not theirs
    assert refused.status_code == 422 and "Gudang Utama" in refused.json()["detail"]


def test_every_route_that_changes_something_declares_the_capability_it_needs() -> None:
    undeclared = []
    for _prefix, router in the_api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                writes = set(operation.methods) - {"GET", "HEAD", "OPTIONS"}
                if not writes or operation.auth_callbacks == []:
                    continue  # a read, or a route without a token (the catch-all 404)
                if not hasattr(operation.view_func, "required_permission"):
                    undeclared.append(f"{sorted(writes)} {path}")
    assert undeclared == []
