"""Importing a shop's catalogue: fetch → classify → apply (PRODUCT.md rule 4).

The run is a fixed sequence of small steps, each resumable on its own:

1. **fetch** — read the channel page by page into staging rows; each page is written with the
   run's ``pages_done`` in one transaction, so a crash resumes from the last finished page and a
   page read twice changes nothing (rows are unique per run and external id).
2. **classify** — sort every row into one bucket. It needs the whole shop (a duplicate SKU may
   sit on the last page), which is why it comes after fetching and before any write.
3. **apply** (imports only, never previews) — create masters, link listings, write baseline
   stock, in batches; each row is marked applied in the same transaction as its writes.

Re-running an import is safe: listings are upserted by (account, external id), masters are
found by SKU key, and a SKU already in the catalogue links instead of being created again.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from django.db import transaction
from django.utils import timezone

from satustok.catalog.models import MasterProduct, Variant
from satustok.catalog.sku import sku_key
from satustok.channels.http.errors import PaginationLoop
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.channels.protocol import CatalogSource, ChannelUnit, UnitPage
from satustok.core.bulk import insert_rows, update_rows
from satustok.inventory import stock
from satustok.inventory.models import MovementReason
from satustok.sync.models import IMPORTED_BUCKETS, Bucket, ImportRow, ImportRun, RunMode, RunState

log = logging.getLogger(__name__)

APPLY_BATCH = 500
PAGES_AHEAD = 4  # pages read concurrently: hides latency, the rate budget still paces calls
Progress = Callable[[ImportRun], None]


def _no_progress(run: ImportRun) -> None:
    pass


def start_run(account: ChannelAccount, mode: str = RunMode.IMPORT, user=None) -> ImportRun:  # type: ignore[no-untyped-def]
    return ImportRun.objects.create(account=account, mode=mode, created_by=user)


def execute(run: ImportRun, source: CatalogSource, progress: Progress = _no_progress) -> ImportRun:
    """Run (or resume) every remaining step of ``run``. Channel errors propagate to the caller."""
    if run.state == RunState.DONE:
        return run
    _set_state(run, RunState.FETCHING, attempts=run.attempts + 1)
    if not run.counts:  # classified means fetched: a resumed run skips straight to applying
        fetch(run, source, progress)
        classify(run)
    if run.mode == RunMode.IMPORT:
        _set_state(run, RunState.APPLYING)
        apply(run, progress)
    _set_state(run, RunState.DONE, finished_at=timezone.now(), error="")
    progress(run)
    if run.mode == RunMode.IMPORT and run.account.push_stock:
        from satustok.sync import tasks  # tasks import this module

        transaction.on_commit(lambda: tasks.push_stock(run.account_id))
    return run


def fail(run: ImportRun, message: str) -> None:
    _set_state(run, RunState.FAILED, error=message, finished_at=timezone.now())


def _set_state(run: ImportRun, state: str, **fields: object) -> None:
    run.state = state
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=["state", "updated_at", *fields])


# --- 1. fetch ---------------------------------------------------------------------------


def fetch(run: ImportRun, source: CatalogSource, progress: Progress = _no_progress) -> None:
    try:
        for page in pages_in_order(source, start=run.pages_done + 1):
            _store_page(run, page.number, page.units)
            progress(run)
    finally:
        source.close()


def pages_in_order(
    source: CatalogSource, start: int, ahead: int = PAGES_AHEAD
) -> Iterator[UnitPage]:
    """Pages ``start``, ``start + 1``, … until an empty one, read ``ahead`` at a time so the
    channel's latency overlaps (the client's rate budget still paces every call), yielded in
    order so that ``pages_done`` stays a true resume point."""
    first = source.page(start)  # here, not in the pool: it fetches (and stores) the token
    if not first.units:
        return
    yield first
    with ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="import-page") as pool:
        pending = deque(pool.submit(source.page, n) for n in range(start + 1, start + 1 + ahead))
        next_number, previous_ids = start + 1 + ahead, _refuse_repeated_page(first, None)
        while pending:
            page = pending.popleft().result()
            if not page.units:
                for later in pending:
                    later.cancel()
                return
            previous_ids = _refuse_repeated_page(page, previous_ids)
            yield page
            pending.append(pool.submit(source.page, next_number))
            next_number += 1


def _refuse_repeated_page(page: UnitPage, previous_ids: frozenset[str] | None) -> frozenset[str]:
    ids = frozenset(unit.external_id for unit in page.units)
    if ids == previous_ids:
        raise PaginationLoop(f"page {page.number} repeats the previous page", endpoint="import")
    return ids


STAGING_FIELDS = [
    "run",
    "page",
    "external_id",
    "parent_external_id",
    "sku",
    "name",
    "family_name",
    "status_label",
    "is_active",
    "stock",
    "price",
    "bucket",
    "detail",
    "applied",
]


def _store_page(run: ImportRun, number: int, units: Sequence[ChannelUnit]) -> None:
    rows = [_staging_values(run, number, unit) for unit in units]
    with transaction.atomic():
        # ignore_conflicts: a page re-read after a crash must not duplicate its rows.
        insert_rows(ImportRow, STAGING_FIELDS, rows, ignore_conflicts=True)
        run.pages_done = number
        run.units_fetched = run.rows.count()
        run.save(update_fields=["pages_done", "units_fetched", "updated_at"])


def _staging_values(run: ImportRun, page: int, unit: ChannelUnit) -> tuple[object, ...]:
    return (
        run.pk,
        page,
        unit.external_id,
        unit.parent_external_id,
        unit.sku,
        unit.name[:512],
        unit.family_name[:512],
        unit.status_label,
        unit.is_active,
        unit.stock,
        unit.price,
        "",
        "",
        False,
    )


# --- 2. classify ------------------------------------------------------------------------


def classify(run: ImportRun) -> None:
    """Give every row its bucket. Order of the tests matters and is the founding document's:
    an empty SKU, an inactive product or no stock skip a unit before duplicates are looked for,
    so an inactive twin does not block its active sibling."""
    rows = list(run.rows.all())
    candidates = [row for row in rows if _skip_reason(row) is None]
    duplicates = _duplicate_groups(candidates)
    existing = _existing_variants({sku_key(row.sku) for row in candidates})
    for row in rows:
        row.bucket, row.detail = _bucket_for(row, duplicates, existing)
        row.variant_id = existing.get(sku_key(row.sku)) if row.bucket == Bucket.LINKED else None
    update_rows(ImportRow, rows, ["bucket", "detail", "variant"])
    run.counts = bucket_counts(rows)
    run.save(update_fields=["counts", "updated_at"])


def _skip_reason(row: ImportRow) -> Bucket | None:
    if not sku_key(row.sku):
        return Bucket.SKIPPED_EMPTY_SKU
    if not row.is_active:
        return Bucket.SKIPPED_INACTIVE
    if row.stock <= 0:
        return Bucket.SKIPPED_NO_STOCK
    return None


def _duplicate_groups(rows: Iterable[ImportRow]) -> dict[str, list[str]]:
    by_key: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_key[sku_key(row.sku)].append(row.external_id)
    return {key: ids for key, ids in by_key.items() if len(ids) > 1}


def _existing_variants(keys: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    key_list = sorted(keys)
    for start in range(0, len(key_list), APPLY_BATCH):  # stay under SQLite's variable limit
        chunk = key_list[start : start + APPLY_BATCH]
        found.update(Variant.objects.filter(sku_key__in=chunk).values_list("sku_key", "id"))
    return found


def _bucket_for(
    row: ImportRow, duplicates: dict[str, list[str]], existing: dict[str, int]
) -> tuple[Bucket, str]:
    skip = _skip_reason(row)
    if skip is not None:
        return skip, row.status_label if skip == Bucket.SKIPPED_INACTIVE else ""
    key = sku_key(row.sku)
    if key in duplicates:
        others = [other for other in duplicates[key] if other != row.external_id]
        return Bucket.CONFLICT_DUPLICATE_SKU, ", ".join(others)[:255]
    return (Bucket.LINKED if key in existing else Bucket.NEW_MASTER), ""


def bucket_counts(rows: Iterable[ImportRow]) -> dict[str, int]:
    counted = Counter(row.bucket for row in rows)
    return {bucket.value: counted.get(bucket.value, 0) for bucket in Bucket}


# --- 3. apply ---------------------------------------------------------------------------


def apply(run: ImportRun, progress: Progress = _no_progress) -> None:
    families = _known_family_products(run)
    while batch := list(run.rows.filter(applied=False).order_by("id")[:APPLY_BATCH]):
        with transaction.atomic():
            _apply_batch(run, batch, families)
        progress(run)
    run.mismatches = sum(
        1 for row in run.rows.filter(bucket=Bucket.LINKED) if row.has_stock_mismatch
    )
    run.save(update_fields=["mismatches", "updated_at"])


def _known_family_products(run: ImportRun) -> dict[str, int]:
    """Family (parent id) → master product, from rows already resolved (linked, or applied
    before a crash), so that all children of one family land in one master product."""
    families: dict[str, int] = {}
    resolved = run.rows.exclude(parent_external_id="").filter(variant__isnull=False)
    for parent, product_id in resolved.values_list("parent_external_id", "variant__product_id"):
        families.setdefault(parent, product_id)
    return families


def _apply_batch(run: ImportRun, rows: list[ImportRow], families: dict[str, int]) -> None:
    warehouse_id = run.account.warehouse_id
    _link_skus_created_meanwhile(rows)
    _create_master_variants(run, [r for r in rows if r.bucket == Bucket.NEW_MASTER], families)
    linked = [row for row in rows if row.bucket == Bucket.LINKED]
    available = stock.available_many(warehouse_id, [row.variant_id for row in linked])
    for row in linked:
        row.master_available = available.get(row.variant_id or 0, 0)
    for row in rows:
        row.applied = True
    _upsert_listings(run.account, rows)
    update_rows(ImportRow, rows, ["bucket", "variant", "master_available", "applied"])
    run.units_applied = run.rows.filter(applied=True).count()
    run.save(update_fields=["units_applied", "updated_at"])


def _link_skus_created_meanwhile(rows: list[ImportRow]) -> None:
    """Another import (another shop) may have created one of our new SKUs since classify:
    link to it rather than fail on the unique SKU key."""
    new = {sku_key(row.sku): row for row in rows if row.bucket == Bucket.NEW_MASTER}
    for key, variant_id in _existing_variants(set(new)).items():
        new[key].bucket, new[key].variant_id = Bucket.LINKED, variant_id


def _create_master_variants(
    run: ImportRun, rows: list[ImportRow], families: dict[str, int]
) -> None:
    _create_family_products(rows, families)
    now = timezone.now()
    insert_rows(
        Variant,
        ["product", "sku", "sku_key", "name", "created_at"],
        [
            (_product_for(row, families), row.sku.strip(), sku_key(row.sku), row.name[:255], now)
            for row in rows
        ],
    )
    ids = _existing_variants({sku_key(row.sku) for row in rows})
    for row in rows:
        row.variant_id = ids[sku_key(row.sku)]
    stock.record_baselines(
        run.account.warehouse_id,
        [(ids[sku_key(row.sku)], row.stock) for row in rows],
        reason=MovementReason.IMPORT_BASELINE,
        reference=f"import:{run.pk}",
    )


def _create_family_products(rows: list[ImportRow], families: dict[str, int]) -> None:
    """One master product per variant family not seen yet, and one per single product."""
    needing = {}
    for row in rows:
        family = _family_key(row)
        if family not in families and family not in needing:
            needing[family] = MasterProduct(name=(row.family_name or row.name)[:255])
    MasterProduct.objects.bulk_create(list(needing.values()))
    families.update({family: product.pk for family, product in needing.items()})


def _family_key(row: ImportRow) -> str:
    # A unit without a family is a family of one; the prefix keeps the two id spaces apart.
    return row.parent_external_id or f"unit:{row.external_id}"


def _product_for(row: ImportRow, families: dict[str, int]) -> int:
    return families[_family_key(row)]


def _upsert_listings(account: ChannelAccount, rows: list[ImportRow]) -> None:
    existing = {
        listing.external_id: listing
        for listing in account.listings.filter(external_id__in=[row.external_id for row in rows])
    }
    now = timezone.now()
    created: list[Listing] = []
    updated: list[Listing] = []
    for row in rows:
        listing = existing.get(row.external_id) or Listing(
            account=account, external_id=row.external_id
        )
        _copy_row(listing, row, now)
        (updated if listing.pk else created).append(listing)
    insert_rows(
        Listing, NEW_LISTING_FIELDS, [_values(listing, NEW_LISTING_FIELDS) for listing in created]
    )
    update_rows(Listing, updated, LISTING_FIELDS)


def _values(listing: Listing, fields: list[str]) -> tuple[object, ...]:
    return tuple(getattr(listing, Listing._meta.get_field(name).attname) for name in fields)  # type: ignore[union-attr]


# A new listing: what the import sets, and the push bookkeeping at its initial values.
NEW_LISTING_FIELDS_EXTRA = [
    "account",
    "external_id",
    "push_error",
    "push_blocked",
    "push_failures",
    "last_pushed_qty",
    "last_pushed_at",
    "push_retry_at",
]
LISTING_FIELDS = [
    "parent_external_id",
    "sku",
    "name",
    "status",
    "stock",
    "price",
    "variant",
    "link_method",
    "unlinked_reason",
    "last_seen_at",
    "needs_push",
    "dirty_version",
]
NEW_LISTING_FIELDS = NEW_LISTING_FIELDS_EXTRA + LISTING_FIELDS


def _copy_row(listing: Listing, row: ImportRow, now) -> None:  # type: ignore[no-untyped-def]
    listing.parent_external_id = row.parent_external_id
    listing.sku, listing.name, listing.status = row.sku, row.name, row.status_label
    listing.stock, listing.price, listing.last_seen_at = row.stock, row.price, now
    if listing.link_method == LinkMethod.MANUAL:
        return  # the seller's own link wins over any later import
    if row.bucket in IMPORTED_BUCKETS:
        listing.variant_id, listing.link_method, listing.unlinked_reason = (
            row.variant_id,
            LinkMethod.AUTO_SKU,
            "",
        )
        # A listing just linked must show the master stock: level-triggered, it is due a push.
        listing.needs_push, listing.dirty_version = True, listing.dirty_version + 1
    else:
        listing.variant_id, listing.link_method = None, LinkMethod.UNLINKED
        listing.unlinked_reason = row.bucket
