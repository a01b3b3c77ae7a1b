"""The import engine on a catalogue held in memory: buckets, linking, baseline, idempotency,
resume. The same engine is exercised against the Tokopedia sandbox in test_tokopedia_import."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.channels.protocol import ChannelUnit, ShopProfile, UnitPage
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

    def shop_profile(self) -> ShopProfile:
        return ShopProfile(shop_id="1", name="Toko Uji", is_open=True)

    def page(self, number: int) -> UnitPage:
        chunk = self.units[(number - 1) * self.per_page : number * self.per_page]
        if chunk and self.crash_after is not None and number > self.crash_after:
            raise ConnectionError("worker stopped")
        if chunk:
            self.pages_served.append(number)
        return UnitPage(number, chunk)

    def unit_pages(self, start_page: int = 1) -> Iterator[UnitPage]:
        number = start_page
        while (page := self.page(number)).units:
            yield page
            number += 1

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
