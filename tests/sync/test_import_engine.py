"""The import engine on a catalogue held in memory: buckets, linking, baseline, idempotency,
resume. The same engine is exercised against the Tokopedia sandbox in test_tokopedia_import."""

from __future__ import annotations

from dataclasses import replace

import pytest

from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.channels.protocol import ChannelUnit, UnitPage
from satustok.inventory.models import MovementReason, StockLevel, Warehouse
from satustok.sync import imports
from satustok.sync.models import Bucket, RunMode, RunState

pytestmark = pytest.mark.django_db


class ListSource:
    """A shop catalogue in memory, served in pages; can be told to crash after a page."""

    def __init__(self, units: list[ChannelUnit], per_page: int = 3, crash_after: int | None = None):
        self.units, self.per_page, self.crash_after = units, per_page, crash_after
        self.pages_served: list[int] = []
        self.closed = False

    def page(self, number: int) -> UnitPage:
        chunk = self.units[(number - 1) * self.per_page : number * self.per_page]
        if chunk and self.crash_after is not None and number > self.crash_after:
            raise ConnectionError("worker stopped")
        if chunk:
            self.pages_served.append(number)
        return UnitPage(number, chunk)

    def close(self) -> None:
        self.closed = True


def unit(
    eid: str, sku: str, *, stock: int = 5, active: bool = True, parent: str = "", family: str = ""
) -> ChannelUnit:
    return ChannelUnit(
        external_id=eid,
        sku=sku,
        name=f"Produk {eid}",
        is_active=active,
        status_label="Active" if active else "Inactive",
        stock=stock,
        price=150000,
        parent_external_id=parent,
        family_name=family,
    )


@pytest.fixture
def warehouse() -> Warehouse:
    return Warehouse.objects.create(name="Gudang Utama", code="utama")


def make_account(warehouse: Warehouse, shop_id: str = "480001") -> ChannelAccount:
    return ChannelAccount.objects.create(
        channel="tokopedia",
        shop_id=shop_id,
        app_id="15001",
        client_id="c",
        client_secret="s" * 20,
        warehouse=warehouse,
    )


@pytest.fixture
def account(warehouse: Warehouse) -> ChannelAccount:
    return make_account(warehouse)


MESSY = [
    unit("1", "KMJ-01"),
    unit("2", ""),  # empty SKU
    unit("3", "   "),  # blank SKU
    unit("4", "CLN-01", active=False),
    unit("5", "CLN-02", stock=0),
    unit("6", "DUP-01"),
    unit("7", " dup-01 "),  # the same SKU after trim and case
    unit("8", "DUP-01", active=False),  # inactive twin: skipped, does not join the conflict
    unit("9", "VAR-S", parent="100", family="Kaos Polos"),
    unit("10", "VAR-M", parent="100", family="Kaos Polos"),
]


def run_import(account: ChannelAccount, units: list[ChannelUnit], mode: str = RunMode.IMPORT):
    run = imports.start_run(account, mode)
    return imports.execute(run, ListSource(units))


def test_every_unit_lands_in_exactly_one_bucket(account: ChannelAccount) -> None:
    run = run_import(account, MESSY)
    buckets = dict(run.rows.values_list("external_id", "bucket"))
    assert buckets == {
        "1": Bucket.NEW_MASTER,
        "2": Bucket.SKIPPED_EMPTY_SKU,
        "3": Bucket.SKIPPED_EMPTY_SKU,
        "4": Bucket.SKIPPED_INACTIVE,
        "5": Bucket.SKIPPED_NO_STOCK,
        "6": Bucket.CONFLICT_DUPLICATE_SKU,
        "7": Bucket.CONFLICT_DUPLICATE_SKU,
        "8": Bucket.SKIPPED_INACTIVE,
        "9": Bucket.NEW_MASTER,
        "10": Bucket.NEW_MASTER,
    }
    assert run.counts == {
        "linked": 0,
        "new_master": 3,
        "skipped_empty_sku": 2,
        "skipped_inactive": 2,
        "skipped_no_stock": 1,
        "conflict_duplicate_sku": 2,
    }
    assert run.rows.get(external_id="6").detail == "7"


def test_preview_writes_nothing_to_the_catalogue(account: ChannelAccount) -> None:
    run = run_import(account, MESSY, mode=RunMode.PREVIEW)
    assert run.state == RunState.DONE
    assert run.counts["new_master"] == 3
    assert not Variant.objects.exists()
    assert not Listing.objects.exists()
    assert not StockLevel.objects.exists()


def test_a_variant_family_becomes_one_master_with_its_variants(account: ChannelAccount) -> None:
    run_import(account, MESSY)
    family = MasterProduct.objects.get(name="Kaos Polos")
    assert sorted(family.variants.values_list("sku", flat=True)) == ["VAR-M", "VAR-S"]
    assert MasterProduct.objects.count() == 2


def test_new_skus_start_with_a_baseline_in_the_ledger(account: ChannelAccount) -> None:
    run = run_import(account, [unit("1", " KMJ-01 ", stock=7)])
    level = StockLevel.objects.get(variant__sku="KMJ-01", warehouse=account.warehouse)
    assert (level.on_hand, level.available) == (7, 7)
    movement = level.movements.get()
    assert (movement.reason, movement.on_hand_delta) == (MovementReason.IMPORT_BASELINE, 7)
    assert movement.reference == f"import:{run.pk}"


def test_a_new_master_starts_at_the_shops_price(account: ChannelAccount) -> None:
    """Price push starts from the master price: a new master takes the price its first shop
    lists it at; a later shop's different price does not change it."""
    run_import(account, [unit("1", "KMJ-01")])
    assert Variant.objects.get(sku="KMJ-01").price == 150_000
    other = make_account(account.warehouse, shop_id="480002")
    run_import(other, [replace(unit("9", "KMJ-01"), price=99_000)])
    assert Variant.objects.get(sku="KMJ-01").price == 150_000


def test_every_unit_becomes_a_listing_linked_or_not_and_why(account: ChannelAccount) -> None:
    run_import(account, MESSY)
    listings = {listing.external_id: listing for listing in account.listings.all()}
    assert len(listings) == len(MESSY)
    assert listings["1"].variant.sku == "KMJ-01"
    assert listings["1"].link_method == LinkMethod.AUTO_SKU
    assert listings["7"].variant is None
    assert listings["7"].unlinked_reason == Bucket.CONFLICT_DUPLICATE_SKU
    assert listings["7"].sku == " dup-01 "  # the channel's own spelling is kept


def test_a_shared_sku_links_across_shops_and_keeps_master_stock(warehouse: Warehouse) -> None:
    shop_a, shop_b = make_account(warehouse, "480001"), make_account(warehouse, "480002")
    run_import(shop_a, [unit("1", "KMJ-01", stock=7)])
    run_b = run_import(shop_b, [unit("77", "kmj-01 ", stock=3)])
    assert run_b.counts["linked"] == 1
    variant = Variant.objects.get()
    assert set(variant.listings.values_list("account__shop_id", flat=True)) == {"480001", "480002"}
    assert StockLevel.objects.get(variant=variant).on_hand == 7  # the master's, not shop B's
    row = run_b.rows.get()
    assert (row.master_available, row.stock, row.has_stock_mismatch) == (7, 3, True)
    assert run_b.mismatches == 1


def test_reimport_updates_and_never_duplicates(account: ChannelAccount) -> None:
    run_import(account, MESSY)
    counts = (MasterProduct.objects.count(), Variant.objects.count(), Listing.objects.count())
    second = run_import(account, [*MESSY[:-1], unit("10", "VAR-M", stock=2, parent="100")])
    assert (
        MasterProduct.objects.count(),
        Variant.objects.count(),
        Listing.objects.count(),
    ) == counts
    assert second.counts["linked"] == 3 and second.counts["new_master"] == 0
    assert Listing.objects.get(external_id="10").stock == 2
    assert StockLevel.objects.get(variant__sku="VAR-M").movements.count() == 1


def test_a_manual_link_survives_reimport(account: ChannelAccount) -> None:
    run_import(account, MESSY)
    listing = Listing.objects.get(external_id="2")  # empty SKU: not linked
    listing.variant = Variant.objects.get(sku="KMJ-01")
    listing.link_method = LinkMethod.MANUAL
    listing.save()
    run_import(account, MESSY)
    listing.refresh_from_db()
    assert (listing.variant.sku, listing.link_method) == ("KMJ-01", LinkMethod.MANUAL)


def test_an_interrupted_import_resumes_from_the_last_finished_page(warehouse: Warehouse) -> None:
    units = [
        unit(str(i), f"SKU-{i}", parent=str(100 + i // 4), family=f"F{i // 4}") for i in range(20)
    ]
    crashed_account = make_account(warehouse, "480001")
    run = imports.start_run(crashed_account)
    with pytest.raises(ConnectionError):
        imports.execute(run, ListSource(units, per_page=3, crash_after=4))
    run.refresh_from_db()
    assert run.pages_done == 4
    resumed = ListSource(units, per_page=3)
    imports.execute(run, resumed)
    assert sorted(resumed.pages_served) == [5, 6, 7]  # read ahead, in any order
    assert resumed.closed
    assert run.counts["new_master"] == 20 and run.state == RunState.DONE
    assert crashed_account.listings.filter(variant__isnull=False).count() == 20
    # Same families as an uninterrupted import would make: 5 masters of 4 variants.
    product_of_each_variant = list(Variant.objects.values_list("product_id", flat=True))
    assert len(set(product_of_each_variant)) == 5 and len(product_of_each_variant) == 20


def test_a_crash_while_applying_resumes_without_duplicates(
    account: ChannelAccount, monkeypatch
) -> None:
    units = [unit(str(i), f"SKU-{i}") for i in range(12)]
    monkeypatch.setattr(imports, "APPLY_BATCH", 5)
    run = imports.start_run(account)
    original = imports._upsert_listings
    calls = {"n": 0}

    def crash_on_second_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return original(*args, **kwargs)

    monkeypatch.setattr(imports, "_upsert_listings", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        imports.execute(run, ListSource(units))
    assert account.listings.count() == 5  # the first batch committed, the second rolled back
    monkeypatch.setattr(imports, "_upsert_listings", original)
    run.refresh_from_db()
    imports.execute(run, ListSource(units))
    assert Variant.objects.count() == 12 and account.listings.count() == 12
    assert StockLevel.objects.count() == 12


class RepeatingSource(ListSource):
    """A channel that ignores the page number and serves page 1 forever."""

    def page(self, number: int) -> UnitPage:
        return UnitPage(number, self.units[: self.per_page])


def test_a_channel_serving_the_same_page_forever_is_stopped(account: ChannelAccount) -> None:
    from satustok.channels.http.errors import PaginationLoop

    run = imports.start_run(account)
    with pytest.raises(PaginationLoop):
        imports.execute(run, RepeatingSource(MESSY))
    run.refresh_from_db()
    assert run.pages_done == 1


# --- classify while fetching, pages stored in groups -----------------------------------------


def test_skipped_units_are_sorted_as_their_page_is_stored_the_rest_after_the_last_page(
    account: ChannelAccount,
) -> None:
    """What one page decides (empty SKU, inactive, no stock) is classified while later pages
    are still being read; a duplicate may sit on a later page, so nothing else is decided —
    and nothing is written to listings or the catalogue — before the whole shop is in."""
    units = [
        unit("1", "DUP-01"),
        unit("2", ""),
        unit("3", "OFF-01", active=False),
        unit("4", "ZERO-01", stock=0),
        unit("5", "ONE-01"),
        unit("6", "dup-01 "),  # page 2: makes unit 1 (page 1) a conflict
    ]
    seen_after_page_1: dict[str, str] = {}

    def progress(run) -> None:  # type: ignore[no-untyped-def]
        if run.pages_done == 1 and not seen_after_page_1:
            seen_after_page_1.update(run.rows.values_list("external_id", "bucket"))
            assert not Listing.objects.exists() and not Variant.objects.exists()

    run = imports.start_run(account)
    imports.execute(run, ListSource(units, per_page=5), progress)
    assert seen_after_page_1 == {
        "1": "",  # could still (and will) collide
        "2": Bucket.SKIPPED_EMPTY_SKU,
        "3": Bucket.SKIPPED_INACTIVE,
        "4": Bucket.SKIPPED_NO_STOCK,
        "5": "",
    }
    final = dict(run.rows.values_list("external_id", "bucket"))
    assert final["1"] == final["6"] == Bucket.CONFLICT_DUPLICATE_SKU
    assert final["5"] == Bucket.NEW_MASTER
    assert run.rows.get(external_id="3").detail == "Inactive"
    assert run.rows.get(external_id="1").detail == "6"
    assert (run.units_fetched, run.units_applied) == (6, 6)


class FailingSource(ListSource):
    """Pages are served at once, from threads; from ``fail_from`` on the channel errs."""

    def __init__(self, units: list[ChannelUnit], per_page: int, fail_from: int) -> None:
        super().__init__(units, per_page)
        self.fail_from = fail_from

    def page(self, number: int) -> UnitPage:
        if number >= self.fail_from:
            raise ConnectionError(f"page {number} failed")
        return super().page(number)


def test_pages_come_in_order_grouped_and_a_failure_keeps_every_page_before_it() -> None:
    units = [unit(str(i), f"SKU-{i}") for i in range(40)]
    source = FailingSource(units, per_page=2, fail_from=15)
    groups = imports.page_groups(source, start=1, ahead=4, most=3)
    seen: list[list[int]] = []
    with pytest.raises(ConnectionError):
        for group in groups:
            seen.append([page.number for page in group])
    assert [number for group in seen for number in group] == list(range(1, 15))
    assert all(1 <= len(group) <= 3 for group in seen)
    assert source.closed


def test_pages_stored_together_resume_after_the_last_stored_page(account: ChannelAccount) -> None:
    units = [unit(str(i), f"SKU-{i}", stock=i % 3) for i in range(30)]  # a third without stock
    run = imports.start_run(account)
    with pytest.raises(ConnectionError):
        imports.execute(run, FailingSource(units, per_page=2, fail_from=9))
    run.refresh_from_db()
    assert run.pages_done == 8 and run.units_fetched == 16 == run.rows.count()
    assert run.state == RunState.FETCHING and not run.counts
    imports.execute(run, ListSource(units, per_page=2))
    assert run.counts["skipped_no_stock"] == 10 and run.counts["new_master"] == 20
    assert run.units_fetched == 30 and run.units_applied == 30
    assert not run.rows.filter(applied=False).exists()


def test_a_preview_stores_every_bucket_and_no_row_is_applied(account: ChannelAccount) -> None:
    run = run_import(account, MESSY, mode=RunMode.PREVIEW)
    assert not run.rows.filter(bucket="").exists()
    assert not run.rows.filter(applied=True).exists() and run.units_applied == 0


def test_a_linked_listing_is_due_a_push_and_an_unlinked_one_keeps_its_push_state(
    account: ChannelAccount,
) -> None:
    run_import(account, MESSY)
    listing = Listing.objects.get(external_id="1")
    assert (listing.needs_push, listing.dirty_version) == (True, 1)
    Listing.objects.filter(external_id__in=["1", "6"]).update(needs_push=False, dirty_version=5)
    again = [unit("1", "KMJ-01"), unit("6", "DUP-01", stock=0)]  # 6 is now out of stock
    run_import(account, again)
    linked, unlinked = Listing.objects.get(external_id="1"), Listing.objects.get(external_id="6")
    assert (linked.needs_push, linked.dirty_version) == (True, 6)
    assert (unlinked.needs_push, unlinked.dirty_version) == (False, 5)
    assert (unlinked.variant, unlinked.unlinked_reason) == (None, Bucket.SKIPPED_NO_STOCK)
    assert unlinked.stock == 0
