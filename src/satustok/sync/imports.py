"""Importing a shop's catalogue: fetch → classify → apply (PRODUCT.md rule 4).

The run is a fixed sequence of small steps, each resumable on its own:

1. **fetch** — read the channel page by page into staging rows; pages are written with the
   run's ``pages_done`` in one transaction (the pages that have arrived meanwhile together), so
   a crash resumes from the last finished page and a page read twice changes nothing (rows are
   unique per run and external id). A unit with an empty SKU, inactive or without stock is
   skipped whatever the other pages hold: its row is stored with its bucket at once.
2. **classify** — give every other row its bucket. It needs the whole shop (a duplicate SKU may
   sit on the last page), which is why it comes after fetching and before any write to the
   catalogue or the listings. Buckets and counts are written in one transaction; counts mark
   the run as classified.
3. **apply** (imports only, never previews) — create masters, link listings, write baseline
   stock, in batches; each row is marked applied in the same transaction as its writes.

Re-running an import is safe: listings are upserted by (account, external id), masters are
found by SKU key, and a SKU already in the catalogue links instead of being created again.

Rows are read as plain values (``values_list``) and written with ``core.bulk``'s
``executemany`` statements: building a model instance per row cost more than the SQL.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from satustok.catalog.models import MasterProduct, Variant
from satustok.catalog.sku import sku_key
from satustok.channels.http.errors import PaginationLoop
from satustok.channels.linking import UNLINKED_BY_HAND
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.channels.protocol import CatalogSource, ChannelUnit, UnitPage
from satustok.core import activity
from satustok.core.bulk import IN_CHUNK, insert_returning, insert_rows, select_in, update_values
from satustok.inventory import stock
from satustok.inventory.models import MovementReason
from satustok.sync import prices
from satustok.sync.models import IMPORTED_BUCKETS, Bucket, ImportRow, ImportRun, RunMode, RunState

log = logging.getLogger(__name__)

APPLY_BATCH = 2_000  # rows per apply transaction
PAGES_AHEAD = 4  # pages read concurrently: hides latency, the rate budget still paces calls
PAGES_PER_WRITE = 8  # pages already read are stored together, in one transaction
SKIPPED_BUCKETS = (Bucket.SKIPPED_EMPTY_SKU, Bucket.SKIPPED_INACTIVE, Bucket.SKIPPED_NO_STOCK)
Progress = Callable[[ImportRun], None]


def _no_progress(run: ImportRun) -> None:
    pass


def start_run(account: ChannelAccount, mode: str = RunMode.IMPORT, user=None) -> ImportRun:  # type: ignore[no-untyped-def]
    run = ImportRun.objects.create(account=account, mode=mode, created_by=user)
    activity.record(None, activity.Action.IMPORT_STARTED, run, after={"mode": str(mode)})
    return run


def _log_finished(run: ImportRun) -> None:
    """Logged under whoever started the run (the worker finishes it for them)."""
    after = {"mode": run.mode, "state": run.state, "counts": run.counts, "error": run.error}
    activity.record(run.created_by, activity.Action.IMPORT_FINISHED, run, after=after)


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
    _log_finished(run)
    progress(run)
    if run.mode == RunMode.IMPORT and run.account.push_stock:
        from satustok.sync import tasks  # tasks import this module

        transaction.on_commit(lambda: tasks.push_stock(run.account_id))
    return run


def fail(run: ImportRun, message: str) -> None:
    _set_state(run, RunState.FAILED, error=message, finished_at=timezone.now())
    _log_finished(run)


def _set_state(run: ImportRun, state: str, **fields: object) -> None:
    run.state = state
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=["state", "updated_at", *fields])


class _Row:
    """One unit as the import handles it: a staging row's values, or a fetched unit's."""

    __slots__ = (
        "bucket",
        "external_id",
        "family_name",
        "id",
        "key",
        "master_available",
        "name",
        "parent_external_id",
        "price",
        "sku",
        "status_label",
        "stock",
        "variant_id",
    )

    def __init__(
        self,
        pk: int | None,  # the staging row's id (None for a unit not stored yet)
        external_id: str,
        parent_external_id: str,
        sku: str,
        name: str,
        family_name: str,
        status_label: str,
        stock: int,
        price: int,
        bucket: str,
        variant_id: int | None,
    ) -> None:
        self.id, self.external_id, self.parent_external_id = pk, external_id, parent_external_id
        self.sku, self.key, self.name, self.family_name = sku, sku_key(sku), name, family_name
        self.status_label, self.stock, self.price = status_label, stock, price
        self.bucket, self.variant_id = bucket, variant_id
        self.master_available: int | None = None


# --- 1. fetch ---------------------------------------------------------------------------


def fetch(run: ImportRun, source: CatalogSource, progress: Progress = _no_progress) -> None:
    groups = page_groups(source, start=run.pages_done + 1)
    try:
        for pages in groups:
            _store_pages(run, pages)
            progress(run)
    finally:
        groups.close()  # closes the source


def page_groups(
    source: CatalogSource, start: int, ahead: int = PAGES_AHEAD, most: int = PAGES_PER_WRITE
) -> Generator[list[UnitPage], None, None]:
    """Pages ``start``, ``start + 1``, … until an empty one, read ``ahead`` at a time so the
    channel's latency overlaps (the client's rate budget still paces every call), yielded in
    order so that ``pages_done`` stays a true resume point. Each group is the next page and
    whichever pages after it have already arrived (``most`` at most): while one group is
    written, the next pages are read, and the slower the writing, the fewer the writes. A page
    that failed is never taken along: it ends a group and raises as the next one's first.

    The source is closed when the generator ends, however it ends.
    """
    pool: ThreadPoolExecutor | None = None
    pending: deque[Future[UnitPage]] = deque()
    try:
        first = source.page(start)  # here, not in the pool: it fetches (and stores) the token
        if not first.units:
            return
        yield [first]
        previous_ids = _refuse_repeated_page(first, None)
        pool = ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="import-page")
        pending.extend(pool.submit(source.page, n) for n in range(start + 1, start + 1 + ahead))
        next_number, ended = start + 1 + ahead, False
        while not ended:
            group: list[UnitPage] = []
            try:
                while len(group) < most and (not group or _arrived(pending[0])):
                    page = pending.popleft().result()
                    if not page.units:
                        ended = True
                        break
                    previous_ids = _refuse_repeated_page(page, previous_ids)
                    group.append(page)
                    pending.append(pool.submit(source.page, next_number))
                    next_number += 1
            except Exception:
                if group:  # the pages before the bad one are good: keep them
                    yield group
                raise
            if group:
                yield group
    finally:
        _close_source(source, pool, pending)


def _arrived(future: Future[UnitPage]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def _close_source(
    source: CatalogSource, pool: ThreadPoolExecutor | None, reads: Iterable[Future[UnitPage]]
) -> None:
    """Close the source once no read is under way: reads past the end that have not started
    are cancelled, those under way (at most ``ahead`` - 1) are waited for."""
    for read in reads:
        read.cancel()
    if pool is not None:
        pool.shutdown(wait=True)
    source.close()


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


def _store_pages(run: ImportRun, pages: Sequence[UnitPage]) -> None:
    rows = [_staging_values(run, page.number, unit) for page in pages for unit in page.units]
    with transaction.atomic():
        # ignore_conflicts: a page re-read after a crash must not duplicate its rows.
        inserted = insert_rows(ImportRow, STAGING_FIELDS, rows, ignore_conflicts=True)
        run.pages_done = pages[-1].number
        if inserted == len(rows):
            run.units_fetched += inserted
        else:  # a unit seen on an earlier page (the shop changed meanwhile), or a driver that
            run.units_fetched = run.rows.count()  # could not tell: count
        run.save(update_fields=["pages_done", "units_fetched", "updated_at"])


def _staging_values(run: ImportRun, page: int, unit: ChannelUnit) -> tuple[object, ...]:
    # A unit with an empty SKU, inactive or without stock is skipped whatever the other pages
    # hold: its bucket is written now, and classify only sorts the rest.
    skip = _skip_reason(unit.sku, unit.is_active, unit.stock)
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
        skip or "",
        unit.status_label if skip == Bucket.SKIPPED_INACTIVE else "",
        False,
    )


# --- 2. classify ------------------------------------------------------------------------


def classify(run: ImportRun) -> None:
    """Give every row its bucket. Order of the tests matters and is the founding document's:
    an empty SKU, an inactive product or no stock skip a unit before duplicates are looked for,
    so an inactive twin does not block its active sibling. Skipped rows got their bucket when
    their page was stored; the others are sorted here, once the whole shop is in."""
    open_rows = run.rows.exclude(bucket__in=SKIPPED_BUCKETS)
    skipped: list[tuple[int, str, str]] = []  # rows stored before buckets were set on fetch
    candidates: list[tuple[int, str, str]] = []  # (id, external id, SKU key)
    values = open_rows.values_list("id", "external_id", "sku", "is_active", "stock", "status_label")
    for row_id, external_id, sku, is_active, units, status_label in values.iterator(2_000):
        skip = _skip_reason(sku, is_active, units)
        if skip is None:
            candidates.append((row_id, external_id, sku_key(sku)))
        else:
            detail = status_label if skip == Bucket.SKIPPED_INACTIVE else ""
            skipped.append((row_id, skip, detail))
    duplicates = _duplicate_groups((external_id, key) for _id, external_id, key in candidates)
    existing = _existing_variants({key for _id, _eid, key in candidates if key not in duplicates})
    changed: list[tuple[object, ...]] = [(skip, reason, None, pk) for pk, skip, reason in skipped]
    for row_id, external_id, key in candidates:
        if key in duplicates:
            others = [other for other in duplicates[key] if other != external_id]
            changed.append((Bucket.CONFLICT_DUPLICATE_SKU, ", ".join(others)[:255], None, row_id))
        elif key in existing:
            changed.append((Bucket.LINKED, "", existing[key], row_id))
    with transaction.atomic():
        # Every candidate is a new master unless said otherwise: one statement for most rows.
        open_rows.update(bucket=Bucket.NEW_MASTER, detail="", variant=None)
        update_values(ImportRow, ["bucket", "detail", "variant"], changed)
        run.counts = bucket_counts(run)
        run.save(update_fields=["counts", "updated_at"])


def _skip_reason(sku: str, is_active: bool, units: int) -> Bucket | None:
    if not sku_key(sku):
        return Bucket.SKIPPED_EMPTY_SKU
    if not is_active:
        return Bucket.SKIPPED_INACTIVE
    if units <= 0:
        return Bucket.SKIPPED_NO_STOCK
    return None


def _duplicate_groups(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """SKU key → the external ids sharing it, for keys held by more than one row."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for external_id, key in rows:
        by_key[key].append(external_id)
    return {key: ids for key, ids in by_key.items() if len(ids) > 1}


def _chunks(items: Sequence[object], size: int = IN_CHUNK) -> Iterator[Sequence[object]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_variants(keys: set[str]) -> dict[str, int]:
    return dict(select_in(Variant, ["sku_key", "id"], "sku_key", sorted(keys)))


def bucket_counts(run: ImportRun) -> dict[str, int]:
    counted = dict(run.rows.values_list("bucket").annotate(n=Count("id")).order_by())
    return {bucket.value: counted.get(bucket.value, 0) for bucket in Bucket}


# --- 3. apply ---------------------------------------------------------------------------

ROW_FIELDS = (
    "id",
    "external_id",
    "parent_external_id",
    "sku",
    "name",
    "family_name",
    "status_label",
    "stock",
    "price",
    "bucket",
    "variant_id",
)


def apply(run: ImportRun, progress: Progress = _no_progress) -> None:
    families = _known_family_products(run)
    pending = run.rows.filter(applied=False).order_by("id")
    while batch := [_Row(*values) for values in pending.values_list(*ROW_FIELDS)[:APPLY_BATCH]]:
        with transaction.atomic():
            _apply_batch(run, batch, families)
        progress(run)
    run.mismatches = run.rows.filter(
        ~Q(master_available=F("stock")), bucket=Bucket.LINKED, master_available__isnull=False
    ).count()
    run.save(update_fields=["mismatches", "updated_at"])


def _known_family_products(run: ImportRun) -> dict[str, int]:
    """Family (parent id) → master product, from rows already resolved (linked, or applied
    before a crash), so that all children of one family land in one master product."""
    families: dict[str, int] = {}
    resolved = run.rows.exclude(parent_external_id="").filter(variant__isnull=False)
    for parent, product_id in resolved.values_list("parent_external_id", "variant__product_id"):
        families.setdefault(parent, product_id)
    return families


def _apply_batch(run: ImportRun, rows: list[_Row], families: dict[str, int]) -> None:
    warehouse_id = run.account.warehouse_id
    switched = _link_skus_created_meanwhile(rows)
    new = [row for row in rows if row.bucket == Bucket.NEW_MASTER]
    _create_master_variants(run, new, families)
    linked = [row for row in rows if row.bucket == Bucket.LINKED]
    available: dict[int, int] = {}
    for chunk in _chunks([row.variant_id for row in linked]):
        available.update(stock.available_many(warehouse_id, chunk))  # type: ignore[arg-type]
    for row in linked:
        row.master_available = available.get(row.variant_id or 0, 0)
    _upsert_listings(run.account, rows)
    # Only what apply learnt is written per row; "applied" is one statement for the batch
    # (the batch is every unapplied row up to its last id).
    update_values(ImportRow, ["variant"], [(row.variant_id, row.id) for row in new])
    update_values(
        ImportRow,
        ["bucket", "variant", "master_available"],
        [(row.bucket, row.variant_id, row.master_available, row.id) for row in linked],
    )
    run.rows.filter(applied=False, id__lte=rows[-1].id).update(applied=True)
    run.units_applied += len(rows)
    run.save(update_fields=["units_applied", "updated_at"])
    if switched:
        log.info("import %s: %s new SKUs were created meanwhile, linked", run.pk, switched)


def _link_skus_created_meanwhile(rows: list[_Row]) -> int:
    """Another import (another shop) may have created one of our new SKUs since classify:
    link to it rather than fail on the unique SKU key."""
    new = {row.key: row for row in rows if row.bucket == Bucket.NEW_MASTER}
    found = _existing_variants(set(new))
    for key, variant_id in found.items():
        new[key].bucket, new[key].variant_id = Bucket.LINKED, variant_id
    return len(found)


def _create_master_variants(run: ImportRun, rows: list[_Row], families: dict[str, int]) -> None:
    if not rows:
        return
    now = timezone.now()
    _create_family_products(rows, families, now)
    ids = insert_returning(
        Variant,
        ["product", "sku", "sku_key", "name", "price", "created_at"],
        [
            # The master price starts at the shop's price (price push starts from it).
            (
                families[_family_key(row)],
                row.sku.strip(),
                row.key,
                row.name[:255],
                row.price or None,
                now,
            )
            for row in rows
        ],
    )
    for row, variant_id in zip(rows, ids, strict=True):
        row.variant_id = variant_id
    stock.record_baselines(
        run.account.warehouse_id,
        [(variant_id, row.stock) for row, variant_id in zip(rows, ids, strict=True)],
        reason=MovementReason.IMPORT_BASELINE,
        reference=f"import:{run.pk}",
    )


def _create_family_products(rows: list[_Row], families: dict[str, int], now: datetime) -> None:
    """One master product per variant family not seen yet, and one per single product."""
    needing: dict[str, str] = {}
    for row in rows:
        family = _family_key(row)
        if family not in families and family not in needing:
            needing[family] = (row.family_name or row.name)[:255]
    ids = insert_returning(
        MasterProduct,
        ["name", "created_at", "updated_at"],
        [(name, now, now) for name in needing.values()],
    )
    families.update(zip(needing, ids, strict=True))


def _family_key(row: _Row) -> str:
    # A unit without a family is a family of one; the prefix keeps the two id spaces apart.
    return row.parent_external_id or f"unit:{row.external_id}"


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
# What the channel says: written on every import, whatever the link.
CHANNEL_FIELDS = ["parent_external_id", "sku", "name", "status", "stock", "price", "last_seen_at"]
LINK_FIELDS = ["variant", "link_method", "unlinked_reason"]
LISTING_FIELDS = CHANNEL_FIELDS + LINK_FIELDS + ["needs_push", "dirty_version"]
NEW_LISTING_FIELDS = NEW_LISTING_FIELDS_EXTRA + LISTING_FIELDS


def _sellers_choice(method: str, reason: str) -> bool:
    """The seller linked this listing by hand, or unlinked it by hand: an import keeps it so."""
    return method == LinkMethod.MANUAL or reason == UNLINKED_BY_HAND


def _upsert_listings(account: ChannelAccount, rows: Sequence[_Row]) -> None:
    """Upsert one listing per row. The channel's fields are always written; the link follows
    the bucket — imported rows link by SKU and are due a push (level-triggered: a listing just
    linked must show the master stock), others are unlinked with the bucket as the reason —
    except that the seller's own choice wins over any import: a manual link, or an unlink by
    hand (the listing stays unlinked until the seller links it again)."""
    now = timezone.now()
    existing = {
        external_id: (pk, _sellers_choice(method, reason))
        for pk, external_id, method, reason in select_in(
            Listing,
            ["id", "external_id", "link_method", "unlinked_reason"],
            "external_id",
            [row.external_id for row in rows],
            equal={"account": account.pk},
        )
    }
    created: list[tuple[object, ...]] = []
    linked: list[tuple[object, ...]] = []
    unlinked: list[tuple[object, ...]] = []
    manual: list[tuple[object, ...]] = []
    for row in rows:
        channel = (
            row.parent_external_id,
            row.sku,
            row.name,
            row.status_label,
            row.stock,
            row.price,
            now,
        )
        imported = row.bucket in IMPORTED_BUCKETS
        link = (
            (row.variant_id, LinkMethod.AUTO_SKU, "")
            if imported
            else (None, LinkMethod.UNLINKED, row.bucket)
        )
        found = existing.get(row.external_id)
        if found is None:
            bookkeeping = (account.pk, row.external_id, "", False, 0, None, None, None)
            created.append((*bookkeeping, *channel, *link, imported, 1 if imported else 0))
        elif found[1]:  # the seller's choice: only what the channel says is written
            manual.append((*channel, found[0]))
        elif imported:
            linked.append((*channel, *link, True, found[0]))
        else:
            unlinked.append((*channel, *link, found[0]))
    insert_rows(Listing, NEW_LISTING_FIELDS, created)
    update_values(Listing, CHANNEL_FIELDS, manual)
    update_values(Listing, CHANNEL_FIELDS + LINK_FIELDS, unlinked)
    update_values(
        Listing, [*CHANNEL_FIELDS, *LINK_FIELDS, "needs_push"], linked, increment=["dirty_version"]
    )
    if account.push_price:  # a listing just linked is due the integration's price too
        fresh = [row.external_id for row in rows if row.bucket in IMPORTED_BUCKETS]
        prices.mark_listing_prices(account.listings.filter(external_id__in=fresh))
