"""Stock by upload (``uploads/stock.py``): the template lists the stock a seller may change; a
row sets or adds/removes, and every error is named with its row and column; confirming writes
one ledger line per change (reason, the upload as reference, the user), works a count out
against the stock at confirmation, refuses what today's stock no longer allows, and marks the
listings to push."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone, translation

from roles_support import an_integration, user_with_role
from satustok.catalog.models import BundleComponent, MasterProduct, Variant
from satustok.channels.models import LinkMethod, Listing
from satustok.core.access import Role
from satustok.core.sheet_reading import read_table
from satustok.inventory import stock
from satustok.inventory.access import set_warehouses
from satustok.inventory.adjustments import MAX_QUANTITY, default_warehouse
from satustok.inventory.models import MovementReason, StockLevel, StockMovement, Warehouse
from satustok.uploads import service
from satustok.uploads.models import Upload, UploadState
from satustok.uploads.plans import Plan, Stale
from satustok.uploads.stock import StockKind
from sheets_support import csv_bytes, sheet_rows, xlsx

pytestmark = pytest.mark.django_db

EN = ["SKU", "Name", "Warehouse", "On hand now", "Reserved", "Set to", "Add (+) / remove (−)"]
ID = [
    "SKU",
    "Nama",
    "Gudang",
    "Stok fisik sekarang",
    "Dipesan",
    "Atur menjadi",
    "Tambah (+) / kurangi (−)",
]
KIND = StockKind()


@pytest.fixture
def shop() -> dict[str, Any]:
    """Gudang Utama and Gudang Cabang; KAOS-M (10 in utama, 4 in cabang, 3 reserved in
    utama), TOPI (5 in utama), BARU (no stock yet), PAKET (a bundle of 2 × KAOS-M) and LAMA
    (its master archived, 7 in utama)."""
    main = default_warehouse()
    branch = Warehouse.objects.create(code="cabang", name="Gudang Cabang")
    made = {name: variant(name) for name in ("KAOS-M", "TOPI", "BARU", "PAKET", "LAMA")}
    stock.set_on_hand(main.pk, made["KAOS-M"].pk, 10, reference="test")
    stock.reserve(main.pk, made["KAOS-M"].pk, 3, "test")
    stock.set_on_hand(branch.pk, made["KAOS-M"].pk, 4, reference="test")
    stock.set_on_hand(main.pk, made["TOPI"].pk, 5, reference="test")
    stock.set_on_hand(main.pk, made["LAMA"].pk, 7, reference="test")
    BundleComponent.objects.create(bundle=made["PAKET"], component=made["KAOS-M"], quantity=2)
    MasterProduct.objects.filter(pk=made["LAMA"].product_id).update(archived_at=timezone.now())
    return {"main": main, "branch": branch, **made}


def variant(sku: str) -> Variant:
    product = MasterProduct.objects.create(name=f"Produk {sku}")
    return Variant.objects.create(product=product, sku=sku, name="")


def on_hand(sku: str, code: str = "utama") -> int:
    level = StockLevel.objects.filter(variant__sku=sku, warehouse__code=code).first()
    return level.on_hand if level else 0


def plan_of(rows: list[list[Any]], user: Any = None, header: list[str] = EN) -> Plan:
    return KIND.plan(read_table("stok.xlsx", xlsx([header, *rows])), user)


def problems(plan: Plan) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.code) for p in plan.problems]


def row(sku: str, warehouse: str | None = "utama", set_to: Any = None, add: Any = None) -> list:
    return [sku, "", warehouse, None, None, set_to, add]


# --- the template -------------------------------------------------------------------------


def test_the_template_lists_each_level_a_seller_may_change_and_new_skus(shop: Any) -> None:
    with translation.override("en"):
        sheets = KIND.template(None)
        stock_sheet = sheets[0]
        rows = [list(r) for r in stock_sheet.rows]
    assert [c.header for c in stock_sheet.columns] == EN
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("BARU", "utama", 0, 0),  # no stock anywhere yet: offered in the main warehouse
        ("KAOS-M", "cabang", 4, 0),
        ("KAOS-M", "utama", 10, 3),
        ("TOPI", "utama", 5, 0),
    ]  # no bundle (PAKET), no archived master (LAMA)
    assert all(r[5] is None and r[6] is None for r in rows)
    assert [list(r) for r in sheets[1].rows] == [
        ["cabang", "Gudang Cabang"],
        ["utama", "Gudang Utama"],
    ]


def test_a_user_limited_to_a_warehouse_gets_only_its_rows(shop: Any) -> None:
    staff = user_with_role(Role.STAFF)
    set_warehouses(staff, [shop["branch"]])
    rows = [list(r) for r in KIND.template(staff)[0].rows]
    # TOPI and BARU have no stock in cabang: offered there at 0, so they can be stocked.
    assert [(r[0], r[2], r[3]) for r in rows] == [
        ("BARU", "cabang", 0),
        ("KAOS-M", "cabang", 4),
        ("TOPI", "cabang", 0),
    ]


def test_the_downloaded_template_uploads_back_changing_nothing(shop: Any) -> None:
    data = service.template("stock", None)
    table = read_table("template.xlsx", data)
    plan = KIND.plan(table, None)
    assert plan.rows == 4 and plan.unchanged == 4 and not plan.changes and not plan.problems
    assert sheet_rows(data)[0][0] == "SKU"


# --- the preview --------------------------------------------------------------------------


def test_set_add_and_remove_rows_become_changes_with_before_and_after(shop: Any) -> None:
    plan = plan_of(
        [
            row("KAOS-M", "utama", set_to=12),
            row("kaos-m", "cabang", add=-4),  # SKUs compare without case
            row("TOPI", None, add="+3"),  # a blank warehouse: the main one
            row("BARU", "Gudang Utama", set_to="20"),  # by name too
            row("TOPI", "cabang", add=0),  # changes nothing
            row("LAMA", "utama", set_to=7),  # already 7 (an archived master: still accepted)
        ]
    )
    assert not plan.problems
    assert [(c.row, c.action, c.target, c.before, c.after) for c in plan.changes] == [
        (2, "set", "KAOS-M · Gudang Utama", 10, 12),
        (3, "remove", "KAOS-M · Gudang Cabang", 4, 0),
        (4, "add", "TOPI · Gudang Utama", 5, 8),
        (5, "set", "BARU · Gudang Utama", 0, 20),
    ]
    assert plan.rows == 6 and plan.unchanged == 2


def test_rows_without_a_change_are_unchanged_and_not_checked() -> None:
    plan = plan_of([row("NO-SUCH-SKU", "nowhere"), ["", "note only", None, None, None, None, None]])
    assert plan.unchanged == 2 and not plan.problems and not plan.changes


def test_every_error_is_named_with_its_row_and_column(shop: Any) -> None:
    plan = plan_of(
        [
            row("NOPE", set_to=1),  # 2
            row("KAOS-M", "gudang-x", set_to=1),  # 3
            row("TOPI", set_to="sepuluh"),  # 4
            row("TOPI", set_to=1.5),  # 5
            row("TOPI", add=datetime(2025, 1, 2)),  # 6
            row("TOPI", set_to=-1),  # 7
            row("TOPI", add=-6),  # 8: only 5 on hand
            row("TOPI", set_to=MAX_QUANTITY + 1),  # 9
            row("KAOS-M", "cabang", add=MAX_QUANTITY),  # 10: 4 + the most is more than the most
            row("PAKET", set_to=1),  # 11: a bundle
            row("KAOS-M", "cabang", set_to=1, add=1),  # 12: both
            ["", "", "utama", None, None, 4, None],  # 13: no SKU
            row("TOPI", "cabang", set_to=1),  # 14
            row("topi", "CABANG", add=2),  # 15: the same SKU and warehouse again
            row("KAOS-M", set_to=10**30),  # 16: a huge number
        ]
    )
    set_to, add = "Set to", "Add (+) / remove (−)"
    assert problems(plan) == [
        (2, "SKU", "unknown_sku"),
        (3, "Warehouse", "unknown_warehouse"),
        (4, set_to, "not_whole_number"),
        (5, set_to, "not_whole_number"),
        (6, add, "not_whole_number"),
        (7, set_to, "negative_set"),
        (8, add, "remove_too_many"),
        (9, set_to, "too_big"),
        (10, add, "too_big"),
        (11, "SKU", "bundle"),
        (12, f"{set_to} / {add}", "both_filled"),
        (13, "SKU", "sku_missing"),
        (15, "SKU", "duplicate_row"),
        (16, set_to, "too_big"),
    ]
    duplicate = plan.problems[12]
    assert duplicate.params["first"] == 14  # both rows named
    assert plan.problems[0].value == "NOPE" and plan.problems[2].value == "sepuluh"
    with translation.override("en"):
        words = [KIND.describe(problem) for problem in plan.problems]
    assert all(words) and "14" in words[12] and "15" in words[12]
    assert "5" in words[6]  # how many are on hand


def test_a_warehouse_the_user_does_not_work_in_is_an_error(shop: Any) -> None:
    staff = user_with_role(Role.STAFF)
    set_warehouses(staff, [shop["branch"]])
    plan = plan_of([row("KAOS-M", "cabang", add=1), row("TOPI", "utama", add=1)], staff)
    assert problems(plan) == [(3, "Warehouse", "warehouse_not_yours")]
    with translation.override("en"):
        assert "utama" in KIND.describe(plan.problems[0])


def test_headers_are_found_in_either_language_whatever_the_ui_speaks(shop: Any) -> None:
    with translation.override("en"):
        plan = plan_of([["TOPI", "", "utama", 5, 0, None, 2]], header=ID)
    assert [(c.action, c.after) for c in plan.changes] == [("add", 7)]
    with translation.override("id"):
        plan = plan_of([["TOPI", "", "utama", 5, 0, 1, None]], header=EN)
    assert [(c.action, c.after) for c in plan.changes] == [("set", 1)]


def test_a_csv_with_only_sku_and_set_to_works_in_the_main_warehouse(shop: Any) -> None:
    table = read_table("s.csv", csv_bytes([["sku", "set to"], ["TOPI", "9"]], delimiter=";"))
    plan = KIND.plan(table, None)
    assert [(c.target, c.after) for c in plan.changes] == [("TOPI · Gudang Utama", 9)]


def test_a_file_without_the_needed_columns_says_so() -> None:
    assert problems(plan_of([["A", 1]], header=["Product", "Set to"])) == [
        (0, "SKU", "missing_column")
    ]
    no_change = plan_of([["A", 1]], header=["SKU", "Qty"])
    assert problems(no_change) == [(0, "", "missing_change_columns")]
    with translation.override("en"):
        assert "Set to" in KIND.describe(no_change.problems[0])


def test_hostile_text_is_kept_as_text(shop: Any) -> None:
    plan = plan_of([row("<script>alert(1)</script>", set_to=1), row("+cmd|' /C calc'!A0", add=1)])
    assert [(p.code, p.value) for p in plan.problems] == [
        ("unknown_sku", "<script>alert(1)</script>"),
        ("unknown_sku", "+cmd|' /C calc'!A0"),
    ]


# --- confirming ---------------------------------------------------------------------------


def confirmed(rows: list[list[Any]], user: Any = None) -> tuple[Upload, int]:
    upload = service.preview("stock", "stok.xlsx", xlsx([EN, *rows]), user)
    assert upload.error_count == 0, upload.plan["problems"]
    return upload, service.confirm(upload, user)


def test_each_change_is_one_ledger_line_with_the_upload_and_the_user(shop: Any) -> None:
    owner = user_with_role(Role.OWNER)
    before = StockMovement.objects.count()
    upload, written = confirmed(
        [
            row("KAOS-M", set_to=12),
            row("KAOS-M", "cabang", add=-1),
            row("BARU", add=6),
            row("TOPI", set_to=5),  # unchanged
        ],
        owner,
    )
    assert written == 3
    lines = StockMovement.objects.filter(reference=upload.reference).order_by("id")
    assert StockMovement.objects.count() == before + 3
    assert [(m.level.variant.sku, m.level.warehouse.code, m.on_hand_delta) for m in lines] == [
        ("KAOS-M", "utama", 2),
        ("BARU", "utama", 6),
        ("KAOS-M", "cabang", -1),
    ]
    assert {(m.reason, m.user_id, m.reserved_delta) for m in lines} == {
        (MovementReason.STOCK_UPLOAD, owner.pk, 0)
    }
    assert "stok.xlsx" in lines[0].note
    assert (on_hand("KAOS-M"), on_hand("KAOS-M", "cabang"), on_hand("BARU"), on_hand("TOPI")) == (
        12,
        3,
        6,
        5,
    )
    ledger = StockMovement.objects.filter(
        level__variant__sku="KAOS-M", level__warehouse__code="utama"
    )
    assert ledger.aggregate(s=Sum("on_hand_delta"))["s"] == 12  # the ledger sums to the level


def test_a_count_whose_on_hand_moved_since_the_preview_is_stale_and_writes_nothing(
    shop: Any,
) -> None:
    """The preview showed 10 → 12; two units shipped meanwhile. Writing 12 (+4) would not be
    what the preview showed, and the count may predate the shipment: refused, naming both."""
    upload = service.preview(
        "stock", "s.xlsx", xlsx([EN, row("TOPI", add=1), row("KAOS-M", set_to=12)]), None
    )
    stock.ship(shop["main"].pk, shop["KAOS-M"].pk, 2, "order:1")  # 10 → 8 meanwhile
    with pytest.raises(Stale) as stale:
        service.confirm(upload, None)
    [problem] = stale.value.problems
    assert (problem.row, problem.code) == (3, "on_hand_changed")
    assert problem.params == {"before": "10", "now": "8"}
    assert not StockMovement.objects.filter(reference=upload.reference).exists()
    assert on_hand("KAOS-M") == 8 and on_hand("TOPI") == 5
    upload.refresh_from_db()
    assert upload.state == UploadState.PREVIEWED and upload.plan["stale"] is True


def test_a_count_whose_on_hand_moved_to_the_count_is_stale_too(shop: Any) -> None:
    upload = service.preview("stock", "s.xlsx", xlsx([EN, row("KAOS-M", set_to=12)]), None)
    stock.restock(shop["main"].pk, shop["KAOS-M"].pk, 2, "return:1")  # 10 → 12 meanwhile
    with pytest.raises(Stale) as stale:
        service.confirm(upload, None)
    assert [p.code for p in stale.value.problems] == ["on_hand_changed"]
    assert not StockMovement.objects.filter(reference=upload.reference).exists()


def test_a_count_confirmed_with_on_hand_as_previewed_writes_the_change_shown(shop: Any) -> None:
    upload = service.preview("stock", "s.xlsx", xlsx([EN, row("KAOS-M", set_to=12)]), None)
    [change] = service.plan_of(upload).changes
    assert (change.before, change.after) == (10, 12)
    assert service.confirm(upload, None) == 1
    line = StockMovement.objects.get(reference=upload.reference)
    assert line.on_hand_delta == 2 and on_hand("KAOS-M") == 12


def test_a_removal_the_stock_no_longer_allows_is_stale_and_writes_nothing(shop: Any) -> None:
    upload = service.preview(
        "stock", "s.xlsx", xlsx([EN, row("TOPI", set_to=9), row("KAOS-M", add=-9)]), None
    )
    stock.ship(shop["main"].pk, shop["KAOS-M"].pk, 2, "order:1")  # 10 → 8: −9 is too many now
    movements = StockMovement.objects.count()
    with pytest.raises(Stale) as stale:
        service.confirm(upload, None)
    assert [(p.row, p.code) for p in stale.value.problems] == [(3, "remove_too_many")]
    assert StockMovement.objects.count() == movements and on_hand("TOPI") == 5
    upload.refresh_from_db()
    assert upload.state == UploadState.PREVIEWED and upload.error_count == 1


def test_a_sku_that_became_a_bundle_is_stale(shop: Any) -> None:
    upload = service.preview("stock", "s.xlsx", xlsx([EN, row("TOPI", add=1)]), None)
    BundleComponent.objects.create(bundle=shop["TOPI"], component=shop["BARU"], quantity=1)
    with pytest.raises(Stale) as stale:
        service.confirm(upload, None)
    assert [(p.row, p.code) for p in stale.value.problems] == [(2, "bundle")]
    assert "TOPI" in KIND.describe(stale.value.problems[0])


def test_the_listings_of_changed_skus_are_marked_to_push_and_pushers_nudged(
    shop: Any, django_capture_on_commit_callbacks: Any
) -> None:
    account = an_integration(push_stock=True)
    listing = Listing.objects.create(
        account=account,
        external_id="1",
        sku="TOPI",
        variant=shop["TOPI"],
        link_method=LinkMethod.AUTO_SKU,
        needs_push=False,
    )
    other = Listing.objects.create(
        account=account,
        external_id="2",
        sku="KAOS-M",
        variant=shop["KAOS-M"],
        link_method=LinkMethod.AUTO_SKU,
        needs_push=False,
    )
    with django_capture_on_commit_callbacks() as nudges:
        confirmed([row("TOPI", add=4)])
    listing.refresh_from_db()
    other.refresh_from_db()
    assert listing.needs_push and not other.needs_push
    assert nudges, "the integration's pusher is nudged after the commit"


def test_a_large_upload_is_applied_in_chunks_with_every_line(shop: Any) -> None:
    product = MasterProduct.objects.create(name="Banyak")
    Variant.objects.bulk_create(
        Variant(product=product, sku=f"V-{n:05d}", sku_key=f"v-{n:05d}") for n in range(4_500)
    )
    rows = [row(f"V-{n:05d}", add=n % 7 + 1) for n in range(4_500)]
    upload, written = confirmed(rows)
    assert written == 4_500
    assert StockMovement.objects.filter(reference=upload.reference).count() == 4_500
    assert on_hand("V-04499") == 4_499 % 7 + 1
