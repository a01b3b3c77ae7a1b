"""The picking list: lines summed per (warehouse, master variant) over the selection,
cancelled orders left out and counted, unlinked lines by channel SKU, CSV safe for Excel, and a
PDF that lists every SKU."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from io import BytesIO, StringIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from labels_helpers import make_order
from orders_helpers import Catalog
from pypdf import PdfReader

from satustok.channels.models import ChannelAccount
from satustok.inventory.models import Warehouse
from satustok.orders.models import Order, OrderLine, OrderStatus
from satustok.orders.picking import PickRow, picking_csv, picking_list, picking_pdf, picking_rows

pytestmark = pytest.mark.django_db
GENERATED = datetime(2024, 5, 2, 1, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Captions are read back in English (the documents use the active language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def second_shop(catalog: Catalog) -> ChannelAccount:
    """Another integration, fed by another warehouse (named to sort before the first)."""
    warehouse = Warehouse.objects.create(name="A Gudang Bandung", code="bandung")
    return ChannelAccount.objects.create(
        channel="tokopedia", shop_id="480002", shop_name="Toko Dua", app_id="15001",
        client_id="client", client_secret="x", warehouse=warehouse,
    )  # fmt: skip


def selection(catalog: Catalog, second_shop: ChannelAccount) -> list[Order]:
    shop = catalog.account
    return [
        make_order(shop, "1", [(catalog.shirt, "KMJ-01", 2), (catalog.scarf, "SLD-02", 1)]),
        make_order(shop, "2", [(catalog.shirt, "kmj-01 ", 3), (None, "LOOSE-7", 4)]),
        make_order(shop, "3", [(None, "loose-7", 1), (None, "", 2)]),  # no SKU: by its name
        make_order(shop, "4", [(catalog.shirt, "KMJ-01", 50)], status=OrderStatus.CANCELLED),
        make_order(second_shop, "5", [(catalog.shirt, "KMJ-01", 5)]),
    ]


def test_lines_are_summed_per_warehouse_and_master_variant(
    catalog: Catalog, second_shop: ChannelAccount
) -> None:
    orders = selection(catalog, second_shop)
    picking = picking_list([o.pk for o in orders])

    main = catalog.account.warehouse.name
    assert picking.cancelled == 1 and picking.orders == 4
    assert [(r.warehouse, r.sku, r.product, r.variant, r.quantity, r.orders, r.linked)
            for r in picking.rows] == [
        ("A Gudang Bandung", "KMJ-01", "Batik", "KMJ-01", 5, 1, True),
        (main, "", "item ", "", 2, 1, False),
        (main, "KMJ-01", "Batik", "KMJ-01", 5, 2, True),
        (main, "LOOSE-7", "item LOOSE-7", "", 5, 2, False),
        (main, "SLD-02", "Batik", "SLD-02", 1, 1, True),
    ]  # fmt: skip
    not_cancelled = OrderLine.objects.exclude(order__status=OrderStatus.CANCELLED)
    assert sum(r.quantity for r in picking.rows) == sum(
        not_cancelled.values_list("quantity", flat=True)
    )
    assert picking_rows([o.pk for o in orders]) == picking.rows


def test_thousands_of_orders_cost_a_few_queries(catalog: Catalog) -> None:
    shop = catalog.account
    orders = Order.objects.bulk_create(
        Order(account=shop, external_id=str(i), status=OrderStatus.OPEN, channel_status="220",
              ordered_at=GENERATED)
        for i in range(1_200)
    )  # fmt: skip
    OrderLine.objects.bulk_create(
        OrderLine(order=o, external_product_id="1", sku="KMJ-01", quantity=1, variant=catalog.shirt)
        for o in orders
    )
    with CaptureQueriesContext(connection) as queries:
        rows = picking_rows([o.pk for o in orders])

    assert [(r.sku, r.quantity, r.orders) for r in rows] == [("KMJ-01", 1_200, 1_200)]
    assert len(queries) <= 13  # 3 chunks × 3 (orders, lines, recipes), variants, warehouses


def test_csv_opens_in_excel_and_neutralises_formulas(catalog: Catalog) -> None:
    rows = [
        PickRow(1, "Gudang", "=cmd()", '=HYPERLINK("http://x")', "+62", 3, 1, linked=False),
        PickRow(1, "Gudang", "KMJ-01", "Kemeja “Batik”", "L", 2, 2),
    ]
    data = picking_csv(rows)

    assert data.startswith(b"\xef\xbb\xbf")  # the BOM
    read = list(csv.reader(StringIO(data.decode("utf-8-sig"))))
    assert read[0][:2] == ["Warehouse", "SKU"]
    assert read[1] == ["Gudang", "'=cmd()", '\'=HYPERLINK("http://x")', "'+62", "3", "1", "no"]
    assert read[2] == ["Gudang", "KMJ-01", "Kemeja “Batik”", "L", "2", "2", "yes"]


def test_the_pdf_opens_and_lists_every_sku(catalog: Catalog, second_shop: ChannelAccount) -> None:
    orders = selection(catalog, second_shop)
    picking = picking_list([o.pk for o in orders])

    data = picking_pdf(picking.rows, title="Picking <list>", generated_at=GENERATED,
                       cancelled=picking.cancelled)  # fmt: skip
    reader = PdfReader(BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)

    assert round(float(reader.pages[0].mediabox.width), 2) == 595.28
    for sku in ("KMJ-01", "LOOSE-7", "SLD-02", "A Gudang Bandung", "Picking <list>"):
        assert sku in text, sku
    assert "1 cancelled orders left out" in text and "2024-05-02 08:00 WIB" in text
    assert "unlinked" in text


def test_a_long_pdf_repeats_the_header_on_every_page(catalog: Catalog) -> None:
    rows = [PickRow(1, "Gudang", f"SKU-{i:04d}", f"Produk {i}", "", i + 1, 1) for i in range(150)]

    reader = PdfReader(BytesIO(picking_pdf(rows, title="T", generated_at=GENERATED)))
    pages = [page.extract_text() for page in reader.pages]

    assert len(pages) > 2
    assert all("SKU" in page and "Product" in page and "Qty" in page for page in pages)
    text = "\n".join(pages)
    assert all(f"SKU-{i:04d}" in text for i in range(150))
    assert str(sum(range(1, 151))) in pages[-1]  # the warehouse total, at the end


def test_a_bundle_is_picked_as_its_components(catalog: Catalog) -> None:
    """The shelf holds the components: 2 kits of (1 shirt + 2 scarves) are 2 shirts and 4
    scarves, added to what other lines take of them."""
    from satustok.catalog.models import MasterProduct, Variant
    from satustok.inventory.bundles import Part, set_recipe

    kit = Variant.objects.create(product=MasterProduct.objects.create(name="Paket"), sku="PKT")
    set_recipe(kit, [Part(catalog.shirt, 1), Part(catalog.scarf, 2)])
    shop = catalog.account
    orders = [
        make_order(shop, "1", [(kit, "PKT", 2)]),
        make_order(shop, "2", [(catalog.shirt, "KMJ-01", 1)]),
    ]
    rows = picking_rows([o.pk for o in orders])
    assert [(r.sku, r.quantity, r.orders) for r in rows] == [
        ("KMJ-01", 3, 2),
        ("SLD-02", 4, 1),
    ]
