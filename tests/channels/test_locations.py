"""``channels/locations.py``: a shop's own warehouses as location rows (filled from what was
seen at connecting, refreshed on reconnect, kept mapped), the per-location push plan, and the
connectors' per-location stock rows (no HTTP here; the sandboxes are
``tests/hub/test_multi_location_push.py``)."""

from __future__ import annotations

import importlib
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from roles_support import an_integration
from satustok.channels import locations
from satustok.channels.connect import _store_tokens, default_warehouse
from satustok.channels.models import ShopLocation
from satustok.channels.protocol import Authorization, ShopProfile, ShopWarehouse, StockPush
from satustok.channels.shopee.adapter import _at_default_location
from satustok.channels.shopee.client import _stock_row
from satustok.channels.tiktokshop.adapter import _stocks
from satustok.channels.tiktokshop.client import SkuStock
from satustok.channels.tokopedia.adapter import push_stock as tokopedia_push_stock
from satustok.inventory.models import Warehouse

pytestmark = pytest.mark.django_db

SEEN = [
    {"id": "A", "name": "Gudang Yogyakarta", "is_default": True},
    {"id": "B", "name": "Gudang Jakarta", "is_default": False},
]


def rows(account: object) -> list[tuple[str, str, bool, int | None]]:
    found = ShopLocation.objects.filter(account=account)
    return list(found.values_list("location_id", "name", "is_default", "warehouse_id"))


def test_refreshing_adds_renames_keeps_mappings_and_drops_gone_locations() -> None:
    account = an_integration(shop_warehouses=SEEN)
    locations.refresh_locations(account)
    assert rows(account) == [
        ("A", "Gudang Yogyakarta", True, None),
        ("B", "Gudang Jakarta", False, None),
    ]
    jakarta = Warehouse.objects.create(code="jkt", name="Jakarta")
    ShopLocation.objects.filter(account=account, location_id="B").update(warehouse=jakarta)

    account.shop_warehouses = [
        {"id": "B", "name": "Gudang Jakarta Barat", "is_default": True},
        {"id": "C", "name": "Gudang Surabaya"},
        {"id": "C", "name": "twice"},  # a channel listing one twice: kept once
        {"id": "", "name": "no id"},
    ]
    locations.refresh_locations(account)
    assert rows(account) == [
        ("B", "Gudang Jakarta Barat", True, jakarta.pk),
        ("C", "Gudang Surabaya", False, None),
    ]


def test_an_integration_connected_before_mapping_is_filled_on_first_use() -> None:
    account = an_integration(shop_warehouses=SEEN)
    assert [row.location_id for row in locations.shop_locations(account)] == ["A", "B"]
    assert an_integration(shop_id="2", shop_warehouses=[]).locations.count() == 0


def test_the_data_migration_fills_existing_integrations() -> None:
    migration = importlib.import_module("satustok.channels.migrations.0009_shop_locations")
    account = an_integration(shop_warehouses=SEEN)
    an_integration(shop_id="2")  # no warehouses seen
    migration.fill_locations(apps, None)
    migration.fill_locations(apps, None)  # twice: nothing doubled
    assert [r[0] for r in rows(account)] == ["A", "B"]
    assert ShopLocation.objects.count() == 2


def test_reconnecting_refreshes_the_shops_warehouses() -> None:
    account = an_integration(shop_warehouses=SEEN[:1])
    locations.refresh_locations(account)
    profile = ShopProfile(
        shop_id=account.shop_id,
        name="Toko Satu",
        is_open=True,
        warehouses=(
            ShopWarehouse("A", "Gudang Yogyakarta", True),
            ShopWarehouse("B", "Jkt", False),
        ),
    )
    later = timezone.now() + timedelta(hours=4)
    _store_tokens(account, Authorization(profile, "access", later, "refresh", later))
    account.refresh_from_db()
    assert [w["id"] for w in account.shop_warehouses] == ["A", "B"]
    assert [r[0] for r in rows(account)] == ["A", "B"]


def test_the_push_plan_needs_two_locations_and_a_mapping() -> None:
    utama = default_warehouse()
    jakarta = Warehouse.objects.create(code="jkt", name="Jakarta")
    one = an_integration(shop_warehouses=SEEN[:1])
    locations.refresh_locations(one)
    ShopLocation.objects.filter(account=one).update(warehouse=jakarta)
    assert locations.push_plan(one) == []  # one location: one quantity, as before

    two = an_integration(shop_id="2", shop_warehouses=SEEN)
    locations.refresh_locations(two)
    assert locations.push_plan(two) == []  # nothing mapped: as before
    ShopLocation.objects.filter(account=two, location_id="B").update(warehouse=jakarta)
    assert locations.push_plan(two) == [
        locations.LocationFeed("A", "Gudang Yogyakarta", utama.pk),
        locations.LocationFeed("B", "Gudang Jakarta", jakarta.pk),
    ]
    assert locations.accounts_fed_through_locations(jakarta.pk) == {one.pk, two.pk}
    assert locations.mapped_warehouse(two.pk, "B") == jakarta.pk
    assert locations.mapped_warehouse(two.pk, "A") is None
    assert locations.mapped_warehouse(two.pk, "") is None


def test_two_locations_on_one_warehouse_show_it_once() -> None:
    utama = default_warehouse()
    account = an_integration(shop_warehouses=SEEN)
    locations.refresh_locations(account)
    ShopLocation.objects.filter(account=account, location_id="A").update(warehouse=utama)
    plan = locations.push_plan(account)  # B unmapped: the integration's own, utama as well
    assert [(feed.location_id, feed.warehouse_id, feed.shown_by) for feed in plan] == [
        ("A", utama.pk, ""),
        ("B", utama.pk, "Gudang Yogyakarta"),
    ]


def test_shopee_sets_each_location_and_zeroes_the_others_when_unmapped() -> None:
    assert _stock_row(5, {"A": 3, "B": 0}, None) == {
        "model_id": 5,
        "seller_stock": [{"location_id": "A", "stock": 3}, {"location_id": "B", "stock": 0}],
    }
    assert _stock_row(5, 7, None) == {"model_id": 5, "seller_stock": [{"stock": 7}]}
    pushes = [StockPush("1:0", 4), StockPush("2:0", 6, {"A": 1, "B": 5})]
    assert _at_default_location(SEEN[:1], pushes) == pushes  # one location: as before
    assert _at_default_location(SEEN, pushes) == [
        StockPush("1:0", 4, {"A": 4, "B": 0}),
        StockPush("2:0", 6, {"A": 1, "B": 5}),  # pushed per location already
    ]


def test_tiktokshop_sets_each_warehouse_of_the_sku() -> None:
    assigned = {"s1": ["W1", "W2", "W3"]}
    push = StockPush("p:s1", 9, {"W1": 6, "W2": 3})
    assert _stocks("s1", push, assigned, "W1") == [
        SkuStock("s1", 6, "W1"),
        SkuStock("s1", 3, "W2"),
        SkuStock("s1", 0, "W3"),  # not mapped, not shown: 0
    ]
    assert _stocks("s1", StockPush("p:s1", 9), assigned, "W2") == [
        SkuStock("s1", 0, "W1"),
        SkuStock("s1", 9, "W2"),
        SkuStock("s1", 0, "W3"),
    ]


class RecordingTokopedia:
    """Stands in for the Tokopedia client: records each stock update and applies every row
    (a row for product 13 is refused in warehouse 2)."""

    def __init__(self) -> None:
        self.calls: list[tuple[int | None, list[tuple[int, int]]]] = []

    def update_stock(self, shop_id: int, rows: Any, *, warehouse_id: int | None = None) -> Any:
        self.calls.append((warehouse_id, [(r.product_id, r.new_stock) for r in rows]))
        answered = [
            SimpleNamespace(
                item=r, ok=not refused, message="Invalid Product ID." if refused else ""
            )
            for r in rows
            for refused in [r.product_id == 13 and warehouse_id == 2]
        ]
        return SimpleNamespace(rows=answered)


def test_tokopedia_updates_each_warehouse_in_its_own_call() -> None:
    client = RecordingTokopedia()
    pushes = [
        StockPush("11", 5),
        StockPush("12", 9, {"1": 6, "2": 3}),
        StockPush("13", 4, {"1": 4, "2": 0}),
    ]
    outcomes = tokopedia_push_stock(client, 480001, pushes)  # type: ignore[arg-type]
    assert client.calls == [(None, [(11, 5)]), (1, [(12, 6), (13, 4)]), (2, [(12, 3), (13, 0)])]
    assert [(o.external_id, o.ok, o.permanent) for o in outcomes] == [
        ("11", True, False),
        ("12", True, False),
        ("13", False, True),  # refused in one warehouse: refused
    ]
    only_single = RecordingTokopedia()
    tokopedia_push_stock(only_single, 480001, [StockPush("11", 5)])  # type: ignore[arg-type]
    assert only_single.calls == [(None, [(11, 5)])]  # no mapping: one call, as before
