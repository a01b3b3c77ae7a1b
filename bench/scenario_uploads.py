"""``uploads``: a stock upload of N rows (50,000 in full), from the template to the ledger.

1. **Build** (not a figure): N/2 master SKUs stocked in two warehouses (N stock levels, one
   ledger line each), one integration with *push stock* on fed by the main warehouse and a
   linked listing per SKU, so that confirming also marks N/2 listings for a push.
2. **Template** (``template_seconds``): ``uploads.service.template("stock")`` — the XLSX of
   every level, N rows.
3. The seller's edit (not timed): every row of the template gets a change, a third "Set to"
   a count, a third "Add" units received, a third "Add" a negative number (units removed),
   written back as an XLSX by openpyxl as a spreadsheet program saves it (the sheet states its
   size).
4. **Preview** (``preview_seconds``): ``service.preview`` — the file read (openpyxl, read-only),
   every row checked against the catalogue and levels read in bulk, the upload stored with
   its plan. Issue target: < 10 s on SQLite. The same file as a streaming writer saves it (no
   size stated: openpyxl reads the sheet twice, as it does the template uploaded unedited) is
   previewed and discarded first (``preview_streamed_seconds``, reported, no target).
   The preview's page (``preview_page_seconds``, not a figure with a target): the web page of
   that upload — exact counts, the first page of changes — through Django's test Client.
5. **Apply** (``apply_seconds``): ``service.confirm`` — the levels locked and read again, N
   ledger lines written through ``inventory.stock.move_many`` in chunks, N/2 listings marked
   to push. Issue target: < 20 s on SQLite.

The run reports the counts it checked afterwards: ledger lines with the upload's reference
(must equal the changes), listings marked, and the file's size.
"""

from __future__ import annotations

import io
import time
from typing import Any

WAREHOUSES = 2


def run(rows: int) -> dict[str, Any]:
    started = time.perf_counter()
    skus = build(rows // WAREHOUSES)
    result: dict[str, Any] = {"rows": skus * WAREHOUSES, "skus": skus}
    result["build_seconds"] = round(time.perf_counter() - started, 1)

    from satustok.uploads import service

    began = time.perf_counter()
    template = service.template("stock", None)
    result["template_seconds"] = round(time.perf_counter() - began, 3)
    result["template_bytes"] = len(template)

    streamed = filled_in(template, streamed=True)
    began = time.perf_counter()
    service.discard(service.preview("stock", "streamed.xlsx", streamed, None), None)
    result["preview_streamed_seconds"] = round(time.perf_counter() - began, 3)

    data = filled_in(template)
    result["file_bytes"] = len(data)
    began = time.perf_counter()
    upload = service.preview("stock", "stok-opname.xlsx", data, None)
    result["preview_seconds"] = round(time.perf_counter() - began, 3)
    result["changes"] = upload.change_count
    result["problems"] = upload.error_count
    result["preview_page_seconds"] = _preview_page_seconds(upload.pk)

    began = time.perf_counter()
    written = service.confirm(upload, None)
    result["apply_seconds"] = round(time.perf_counter() - began, 3)
    result["written"] = written
    result.update(_checked(upload.reference))
    return result


def build(skus: int) -> int:
    """``skus`` master SKUs with a level (and its baseline ledger line) in each warehouse, and
    a pushing integration with one linked listing per SKU."""
    from django.db import transaction
    from django.utils import timezone

    from satustok.catalog.models import MasterProduct, Variant
    from satustok.channels.connect import default_warehouse
    from satustok.channels.models import ChannelAccount, LinkMethod, Listing
    from satustok.core.bulk import insert_rows
    from satustok.inventory.models import MovementReason, StockLevel, StockMovement, Warehouse

    main = default_warehouse()
    warehouses = [main, Warehouse.objects.create(name="Gudang Cabang", code="cabang")]
    account = ChannelAccount.objects.create(
        channel="tokopedia",
        shop_id="480001",
        shop_name="Toko Bench",
        app_id="15001",
        client_id="bench",
        client_secret="bench-secret-of-some-length",
        warehouse=main,
        push_stock=True,
    )
    now = timezone.now()
    with transaction.atomic():
        product = MasterProduct.objects.create(name="Kaos Polos")
        variants = Variant.objects.bulk_create(
            Variant(product=product, sku=f"KAOS-{n:06d}", sku_key=f"kaos-{n:06d}", name=f"Kaos {n}")
            for n in range(skus)
        )
        ids = [variant.pk for variant in variants]
        for number, warehouse in enumerate(warehouses):
            quantity = 20 + number * 5
            insert_rows(
                StockLevel,
                ["warehouse", "variant", "on_hand", "reserved", "updated_at"],
                [(warehouse.pk, variant_id, quantity, 0, now) for variant_id in ids],
            )
            levels = StockLevel.objects.filter(warehouse=warehouse).values_list("pk", flat=True)
            insert_rows(
                StockMovement,
                [
                    "level",
                    "on_hand_delta",
                    "reserved_delta",
                    "reason",
                    "reference",
                    "note",
                    "created_at",
                ],
                [
                    (level, quantity, 0, MovementReason.IMPORT_BASELINE, "bench", "", now)
                    for level in levels
                ],
            )
        Listing.objects.bulk_create(
            Listing(
                account=account,
                external_id=str(9_000_000 + n),
                sku=variant.sku,
                variant=variant,
                link_method=LinkMethod.AUTO_SKU,
                last_pushed_qty=20,
            )
            for n, variant in enumerate(variants)
        )
    return skus


def filled_in(template: bytes, *, streamed: bool = False) -> bytes:
    """The template with a change on every row: a count, units received or units removed —
    saved as a spreadsheet program saves it (the sheet states its size, ``<dimension>``), or,
    ``streamed``, as a streaming writer does (openpyxl's write-only mode, the template as
    downloaded: no size stated, so openpyxl reads such a sheet twice)."""
    from openpyxl import Workbook, load_workbook

    source = load_workbook(io.BytesIO(template), read_only=True)
    rows = source.worksheets[0].iter_rows(values_only=True)
    book = Workbook(write_only=streamed)
    sheet = book.create_sheet("Stock") if streamed else book.active
    header = list(next(rows))
    sheet.append(header)
    for number, row in enumerate(rows):
        cells = [*row, None, None][: len(header)]  # blank cells at a row's end are not stored
        if number % 3 == 0:
            cells[5] = int(cells[3]) + 7  # a count
        else:
            cells[6] = 4 if number % 3 == 1 else -3  # received, or removed
        sheet.append(cells)
    source.close()
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _preview_page_seconds(upload_id: int) -> float:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    owner = get_user_model().objects.create(username="bench-owner", is_superuser=True)
    client = Client()
    client.force_login(owner)
    began = time.perf_counter()
    response = client.get(reverse("web:upload", args=[upload_id]))
    assert response.status_code == 200, response.status_code
    return round(time.perf_counter() - began, 3)


def _checked(reference: str) -> dict[str, int]:
    from satustok.channels.models import Listing
    from satustok.inventory.models import StockMovement

    return {
        "ledger_rows": StockMovement.objects.filter(reference=reference).count(),
        "listings_marked": Listing.objects.filter(needs_push=True).count(),
    }
