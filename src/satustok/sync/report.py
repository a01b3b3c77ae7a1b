"""An import run's report: a reason in words for every row, the CSV of what was not imported,
and the JSON document the CLI prints. One place, so the UI, the CLI and the API agree."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from satustok.channels.protocol import STOCK_UNKNOWN_LABEL
from satustok.core.spreadsheet import safe_row
from satustok.sync.models import IMPORTED_BUCKETS, Bucket, ImportRow, ImportRun, RunMode


def reason_for(row: ImportRow, mode: str = RunMode.IMPORT) -> str:
    preview = mode == RunMode.PREVIEW
    if row.bucket == Bucket.LINKED:
        return _linked_reason(row)
    if row.bucket == Bucket.NEW_MASTER:
        return (
            _("New SKU: a master product will be created.")
            if preview
            else _("New SKU: a master product was created with this stock.")
        )
    if row.bucket == Bucket.SKIPPED_EMPTY_SKU:
        return _("The SKU is empty. Fill in the SKU on the channel, then sync again.")
    if row.bucket == Bucket.SKIPPED_INACTIVE and row.status_label == STOCK_UNKNOWN_LABEL:
        return _(
            "The channel did not say how much stock this product has, so it was not imported "
            "(the hub never guesses 0). Sync again later; if it stays, check the product on "
            "the channel."
        )
    if row.bucket == Bucket.SKIPPED_INACTIVE:
        return _("The product is not active (%(status)s). Only active products are imported.") % {
            "status": _(row.status_label)
        }
    if row.bucket == Bucket.SKIPPED_NO_STOCK:
        return _("The product has no stock. Only products with stock are imported.")
    if row.bucket == Bucket.CONFLICT_DUPLICATE_SKU:
        return _(
            "Another product of this shop has the same SKU (product %(others)s). Give each "
            "product its own SKU, then sync again."
        ) % {"others": row.detail}
    return ""


def _linked_reason(row: ImportRow) -> str:
    text = _("The SKU is already in the catalogue: linked to it.")
    if row.has_stock_mismatch:
        text += " " + _(
            "Stock differs: the channel shows %(channel)s, the master has %(master)s available."
        ) % {"channel": row.stock, "master": row.master_available}
    return text


def not_imported(run: ImportRun) -> Iterable[ImportRow]:
    return run.rows.exclude(bucket__in=IMPORTED_BUCKETS).order_by("bucket", "id")


CSV_HEADER = ["product_id", "sku", "name", "status", "stock", "price", "bucket", "reason"]


def unimported_csv(run: ImportRun) -> str:
    """Every row that was not imported, with its reason (Forstok shows no such list)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in not_imported(run):
        writer.writerow(
            safe_row(
                [
                    row.external_id,
                    row.sku,
                    row.name,
                    row.status_label,
                    row.stock,
                    row.price,
                    row.bucket,
                    reason_for(row, run.mode),
                ]
            )
        )
    return buffer.getvalue()


def row_document(row: ImportRow, mode: str) -> dict[str, object]:
    return {
        "product_id": row.external_id,
        "sku": row.sku,
        "name": row.name,
        "bucket": row.bucket,
        "reason": reason_for(row, mode),
        "stock": row.stock,
    }


def run_document(run: ImportRun) -> dict[str, object]:
    return {
        "run": run.pk,
        "integration": run.account_id,
        "mode": run.mode,
        "state": run.state,
        "counts": {bucket.value: run.counts.get(bucket.value, 0) for bucket in Bucket},
        "mismatches": run.mismatches,
        "error": run.error,
        "rows": list(_rows(run)),
    }


def _rows(run: ImportRun) -> Iterator[dict[str, object]]:
    for row in run.rows.order_by("id").iterator(chunk_size=1000):
        yield row_document(row, run.mode)
