"""Stock over the API: one SKU's levels and what each listing should show, adjustments with a
reason (in the ledger), levels with oversells first."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import ApiClient, make_account, make_listing, make_variant

from satustok.inventory.models import MovementReason, StockLevel, StockMovement, Warehouse

pytestmark = pytest.mark.django_db


def _on_hand(variant: Any, warehouse: str = "utama") -> int:
    return StockLevel.objects.get(variant=variant, warehouse__code=warehouse).on_hand


def test_show_gives_levels_and_each_listings_desired_quantity(api: ApiClient) -> None:
    variant = make_variant("KAOS/M/HITAM", on_hand=5, reserved=2)  # slashes: why ?sku=
    listing = make_listing(make_account(), "11", variant=variant, last_pushed_qty=4)
    response = api.get("/stock", sku=" kaos/m/hitam ")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["on_hand"], body["reserved"], body["available"], body["oversold"]) == (
        5,
        2,
        3,
        False,
    )
    assert body["warehouses"] == [{"code": "utama", "on_hand": 5, "reserved": 2, "available": 3}]
    [shown] = body["listings"]
    assert (shown["external_id"], shown["desired"], shown["last_pushed"]) == ("11", 3, 4)
    assert listing.pk  # the listing is the variant's only one


def test_an_oversold_sku_is_shown_and_listings_desire_zero(api: ApiClient) -> None:
    variant = make_variant("LAST-1", on_hand=1, reserved=2)
    make_listing(make_account(), "11", variant=variant)
    body = api.get("/stock", sku="LAST-1").json()
    assert (body["available"], body["oversold"]) == (-1, True)
    assert body["listings"][0]["desired"] == 0
    oversold = api.get("/stock/levels", oversold=True).json()
    assert [level["sku"] for level in oversold["items"]] == ["LAST-1"]


def test_an_unknown_or_missing_sku(api: ApiClient) -> None:
    response = api.get("/stock", sku="NOPE")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert "NOPE" in response.json()["detail"]
    assert api.get("/stock").status_code == 422
    assert api.get("/stock/movements", sku="NOPE").status_code == 404


@pytest.mark.parametrize(
    ("action", "quantity", "expected"),
    [("set", 10, 10), ("add", 3, 8), ("remove", 2, 3)],
)
def test_adjustments_change_on_hand_and_write_the_ledger(
    api: ApiClient, action: str, quantity: int, expected: int
) -> None:
    variant = make_variant("KAOS-01", on_hand=5)
    body = {"sku": "kaos-01", "action": action, "quantity": quantity, "reason": "stock count"}
    response = api.post("/stock/adjustments", body)
    assert response.status_code == 201, response.content
    assert response.json()["stock"]["on_hand"] == expected == _on_hand(variant)
    movement = StockMovement.objects.get(reason=MovementReason.ADJUSTMENT)
    assert movement.on_hand_delta == expected - 5
    assert (movement.note, movement.reference) == ("stock count", "user:operator")
    assert response.json()["movement"]["id"] == movement.pk


def test_the_ledger_lists_every_change_newest_first(api: ApiClient) -> None:
    make_variant("KAOS-01", on_hand=5)
    for action, quantity in (("add", 2), ("remove", 1)):
        body = {"sku": "KAOS-01", "action": action, "quantity": quantity, "reason": action}
        assert api.post("/stock/adjustments", body).status_code == 201
    ledger = api.get("/stock/movements", sku="KAOS-01").json()
    assert [(m["on_hand_delta"], m["note"]) for m in ledger["items"]] == [
        (-1, "remove"),
        (2, "add"),
    ]
    assert all(m["reason"] == "adjustment" and m["warehouse"] == "utama" for m in ledger["items"])


def test_an_adjustment_in_another_warehouse(api: ApiClient) -> None:
    variant = make_variant("KAOS-01", on_hand=5)
    Warehouse.objects.create(code="gudang-2", name="Gudang 2")
    body = {"sku": "KAOS-01", "action": "add", "quantity": 4, "reason": "delivery"}
    response = api.post("/stock/adjustments", {**body, "warehouse": "gudang-2"})
    assert response.status_code == 201
    assert response.json()["stock"]["on_hand"] == 9  # over every warehouse
    assert (_on_hand(variant), _on_hand(variant, "gudang-2")) == (5, 4)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"sku": "NOPE"}, "sku", "invalid_input"),
        ({"quantity": -1}, "quantity", "invalid_input"),
        ({"action": "burn"}, "action", "invalid_input"),
        ({"reason": ""}, "reason", "invalid_input"),
        ({"warehouse": "nowhere"}, "warehouse", "invalid_input"),
        ({"reason": "   "}, None, "adjustment_refused"),
    ],
)
def test_bad_adjustments_are_422_and_change_nothing(
    api: ApiClient, change: dict[str, Any], field: str | None, code: str
) -> None:
    variant = make_variant("KAOS-01", on_hand=5)
    body = {"sku": "KAOS-01", "action": "add", "quantity": 1, "reason": "x", **change}
    response = api.post("/stock/adjustments", body)
    assert (response.status_code, response.json()["code"]) == (422, code)
    assert response.json()["detail"]
    if field:
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert _on_hand(variant) == 5 and not StockMovement.objects.exists()
