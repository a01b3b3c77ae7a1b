"""The Inventory page's Low stock tab, the threshold on the SKU page, and the Dashboard's Low
stock card with the last digest's date."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from satustok.catalog.models import MasterProduct, Variant
from satustok.core.access import Role
from satustok.inventory.access import set_warehouses
from satustok.inventory.models import LowStockDigest, StockLevel, Warehouse
from tests.roles_support import an_integration, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("default_five")]

LOW_TAB = reverse("web:inventory") + "?bucket=low"


@pytest.fixture
def default_five() -> Any:
    with override_settings(SATUSTOK_LOW_STOCK_DEFAULT=5):
        yield


@pytest.fixture
def utama() -> Warehouse:
    return Warehouse.objects.get_or_create(code="utama", defaults={"name": "Gudang Utama"})[0]


def sku(code: str, on_hand: int, warehouse: Warehouse, **fields: Any) -> Variant:
    product = MasterProduct.objects.create(name=f"Produk {code}")
    variant = Variant.objects.create(product=product, sku=code, **fields)
    StockLevel.objects.create(warehouse=warehouse, variant=variant, on_hand=on_hand)
    return variant


def logged_in(client: Client, role: str = Role.OWNER, username: str = "") -> Client:
    client.force_login(user_with_role(role, username))
    return client


def table(page: str, table_id: str) -> str:
    found = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S)
    assert found, f"no table {table_id}"
    return found.group(1)


# --- the tab ------------------------------------------------------------------------------


def test_the_low_stock_tab_lists_low_skus_with_their_threshold(
    client: Client, utama: Warehouse
) -> None:
    sku("HABIS", 0, utama)
    sku("TINGGI", 15, utama, low_stock_threshold=20)
    sku("CUKUP", 6, utama)
    page = logged_in(client).get(LOW_TAB).content.decode()
    rows = table(page, "low-stock")
    assert "HABIS" in rows and "TINGGI" in rows and "CUKUP" not in rows
    assert rows.index("HABIS") < rows.index("TINGGI")  # the lowest first
    assert ">20<" in rows  # its own threshold
    assert "SATUSTOK_LOW_STOCK_DEFAULT" in page and "5" in page  # the default, named
    assert 'data-testid="tab-low"' in page and 'aria-current="page"' in page


def test_the_all_stock_tab_is_unchanged(client: Client, utama: Warehouse) -> None:
    sku("CUKUP", 60, utama)
    page = logged_in(client).get(reverse("web:inventory")).content.decode()
    assert "CUKUP" in page and 'id="low-stock"' not in page


def test_the_tab_searches_and_pages_within_low_stock(client: Client, utama: Warehouse) -> None:
    for n in range(55):
        sku(f"K-{n:02}", n % 3, utama)
    sku("LAIN", 0, utama)
    seller = logged_in(client)
    page = seller.get(LOW_TAB + "&q=lain").content.decode()
    assert "LAIN" in table(page, "low-stock") and "K-00" not in page
    first = seller.get(LOW_TAB).content.decode()
    assert "?bucket=low&page=2" in first  # the pager stays on the tab
    second = seller.get(LOW_TAB + "&page=2").content.decode()
    assert table(second, "low-stock").count("<tr>") == 1 + 56 - 50


def test_the_tab_of_a_warehouse_limited_user(client: Client, utama: Warehouse) -> None:
    cabang = Warehouse.objects.create(name="Gudang Cabang", code="cabang")
    sku("UTAMA-HABIS", 0, utama)
    sku("CABANG-HABIS", 0, cabang)
    staff = user_with_role(Role.STAFF, "cabang-staff")
    set_warehouses(staff, [cabang])
    client.force_login(staff)
    rows = table(client.get(LOW_TAB).content.decode(), "low-stock")
    assert "CABANG-HABIS" in rows and "UTAMA-HABIS" not in rows


# --- the threshold on the SKU page --------------------------------------------------------


def test_staff_set_a_skus_threshold_and_clear_it(client: Client, utama: Warehouse) -> None:
    variant = sku("K-1", 8, utama)
    url = reverse("web:inventory_sku", args=[variant.pk])
    seller = logged_in(client, Role.STAFF)  # Staff may adjust stock, so they set thresholds
    page = seller.get(url).content.decode()
    assert 'id="threshold-form"' in page and "SATUSTOK_LOW_STOCK_DEFAULT" in page

    response = seller.post(url, {"form": "threshold", "low_stock_threshold": "10"})
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.low_stock_threshold == 10
    assert "K-1" in table(seller.get(LOW_TAB).content.decode(), "low-stock")
    assert "stok menipis" in seller.get(url).content.decode().lower()  # the badge, in Bahasa

    seller.post(url, {"form": "threshold", "low_stock_threshold": ""})
    variant.refresh_from_db()
    assert variant.low_stock_threshold is None  # the default again


def test_a_wrong_threshold_is_refused_and_stock_is_not_touched(
    client: Client, utama: Warehouse
) -> None:
    variant = sku("K-1", 8, utama, low_stock_threshold=3)
    url = reverse("web:inventory_sku", args=[variant.pk])
    response = logged_in(client).post(url, {"form": "threshold", "low_stock_threshold": "-1"})
    assert response.status_code == 200 and 'id="threshold-form"' in response.content.decode()
    variant.refresh_from_db()
    assert variant.low_stock_threshold == 3
    assert StockLevel.objects.get(variant=variant).on_hand == 8


def test_a_viewer_sees_the_threshold_but_cannot_change_it(client: Client, utama: Warehouse) -> None:
    variant = sku("K-1", 8, utama, low_stock_threshold=3)
    url = reverse("web:inventory_sku", args=[variant.pk])
    viewer = logged_in(client, Role.VIEWER)
    page = viewer.get(url).content.decode()
    assert 'id="low-stock-threshold"' in page and 'id="threshold-form"' not in page
    assert viewer.post(url, {"form": "threshold", "low_stock_threshold": "9"}).status_code == 403
    variant.refresh_from_db()
    assert variant.low_stock_threshold == 3


def test_adjusting_stock_still_works_beside_the_threshold(client: Client, utama: Warehouse) -> None:
    variant = sku("K-1", 8, utama, low_stock_threshold=3)
    url = reverse("web:inventory_sku", args=[variant.pk])
    form = {"warehouse": utama.pk, "action": "add", "quantity": "2", "reason": "terima"}
    assert logged_in(client).post(url, form).status_code == 302
    assert StockLevel.objects.get(variant=variant).on_hand == 10
    variant.refresh_from_db()
    assert variant.low_stock_threshold == 3


# --- the Dashboard ------------------------------------------------------------------------


def test_the_dashboard_card_counts_and_lists_the_ten_lowest(
    client: Client, utama: Warehouse
) -> None:
    an_integration(warehouse=utama)
    for n in range(12):
        sku(f"K-{n:02}", n % 5, utama)
    sku("CUKUP", 50, utama)
    page = logged_in(client).get(reverse("web:home")).content.decode()
    card = re.search(r'id="low-stock-card">(.*?)</div></div>', page, re.S)
    assert card and ">12<" in card.group(1) and "?bucket=low" in card.group(1)
    rows = table(page, "low-stock-lowest")
    assert rows.count("<tr>") == 1 + 10 and "CUKUP" not in rows
    assert "K-00" in rows and "K-04" not in rows  # on hand 4: the two highest are left out


def test_the_dashboard_shows_the_last_digests_date(client: Client, utama: Warehouse) -> None:
    an_integration(warehouse=utama)
    seller = logged_in(client)
    assert "07:00 WIB" in seller.get(reverse("web:home")).content.decode()
    LowStockDigest.objects.create(date=datetime.date(2026, 12, 7), sku_count=3)
    LowStockDigest.objects.create(date=datetime.date(2026, 12, 8), sku_count=4)
    page = seller.get(reverse("web:home")).content.decode()
    last = re.search(r'id="last-digest">(.*?)</p>', page, re.S)
    assert last and "08-12-2026" in last.group(1) and "4" in last.group(1)
