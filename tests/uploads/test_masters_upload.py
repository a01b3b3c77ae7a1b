"""Master products by upload (``uploads/masters.py``): the template, the plan (every change and
every problem with its row and column), apply (exactly the planned changes through the
catalogue's editing functions, in the activity log with the upload's reference), nothing written
when a problem exists or something changed since the preview (Stale), hostile cells, roles."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import translation
from openpyxl import load_workbook

from roles_support import an_integration, an_open_order_holding, user_with_role
from satustok.catalog.models import BundleComponent, MasterProduct, Variant
from satustok.channels.models import LinkMethod, Listing
from satustok.core import activity
from satustok.core.access import NotAllowed, Role, can
from satustok.core.activity import Action
from satustok.core.models import Activity, Via
from satustok.core.sheet_reading import Table, TableRow, read_table
from satustok.core.spreadsheet import xlsx_bytes
from satustok.inventory import bundles, stock
from satustok.inventory.bundles import Part
from satustok.inventory.models import StockLevel
from satustok.uploads import masters, service, sheet_plan
from satustok.uploads.masters import MESSAGES, SPECS, MastersKind
from satustok.uploads.models import Upload, UploadKind
from satustok.uploads.plans import Plan, Problem, Stale

pytestmark = pytest.mark.django_db

OPERATOR: Any = None  # the command line's operator (acts as an Owner)
KIND = MastersKind()
KEYS = [spec.key for spec in SPECS]


def master(sku: str, name: str = "", **details: Any) -> Variant:
    product = MasterProduct.objects.create(name=name or f"Produk {sku}")
    return Variant.objects.create(product=product, sku=sku, name=name or f"Produk {sku}", **details)


def headers() -> list[str]:
    return [spec.heading.label for spec in SPECS]


def table(*rows: dict[str, Any], header: list[str] | None = None) -> Table:
    """A table as the reader makes it: the template's headers, one row per dict (keys of
    ``SPECS``; missing keys are blank cells), numbered from row 2."""
    return Table(
        header or headers(),
        [TableRow(n, [row.get(key) for key in KEYS]) for n, row in enumerate(rows, start=2)],
    )


def upload() -> Upload:
    return Upload.objects.create(kind=UploadKind.MASTERS, file_name="masters.xlsx", file_sha256="0")


def problems(plan: Plan) -> list[tuple[int, str, str]]:
    """(row, column key, code) of every problem."""
    key_of = {spec.heading.label: spec.key for spec in SPECS}
    return [(p.row, key_of.get(p.column, p.column), p.code) for p in plan.problems]


def template_rows() -> list[list[Any]]:
    return [list(row) for row in KIND.template(OPERATOR)[0].rows]


def snapshot() -> list[tuple[Any, ...]]:
    """Every variant and product as stored, and the recipes: what a refused apply must leave."""
    variants = Variant.objects.order_by("pk").values_list(
        "pk", "sku", "name", "barcode", "weight_grams", "price", "cost", "low_stock_threshold",
        "product__name",
    )  # fmt: skip
    lines = BundleComponent.objects.order_by("pk").values_list("bundle", "component", "quantity")
    return [*variants, *lines, ("products", MasterProduct.objects.count())]


# --- the template -----------------------------------------------------------------------------


def test_the_template_has_one_row_per_live_variant_with_its_values() -> None:
    kaos = master(
        "KAOS-M", "Kaos Polos", barcode="899", weight_grams=200, price=50_000, cost=20_000
    )
    topi = master("TOPI", "Topi", low_stock_threshold=3)
    paket = master("PAKET", "Paket Hemat", price=90_000)
    bundles.set_recipe(paket, [Part(kaos, 1), Part(topi, 2)])
    gone = master("LAMA", "Produk Lama")
    MasterProduct.objects.filter(pk=gone.product_id).update(archived_at="2024-01-01T00:00Z")

    assert template_rows() == [
        [kaos.pk, "Kaos Polos", "KAOS-M", "Kaos Polos", "899", 200, 50_000, 20_000, None, None],
        [paket.pk, "Paket Hemat", "PAKET", "Paket Hemat", "", None, 90_000, None, None,
         "KAOS-M x1; TOPI x2"],
        [topi.pk, "Topi", "TOPI", "Topi", "", None, None, None, 3, None],
    ]  # fmt: skip
    sheets = KIND.template(OPERATOR)
    assert [column.header for column in sheets[0].columns] == headers()


def test_a_downloaded_template_uploaded_unchanged_changes_nothing() -> None:
    """Through a real XLSX: names starting with = - @ are neutralised in the file (a leading
    quote) and read back as they were, so the seller's own file never renames anything."""
    master("=HYPERLINK(1)", "=cmd|' /C calc'!A0")
    master("-DISKON", "@Kaos <script>alert(1)</script>")
    kaos = master("KAOS", "Kaos")
    bundles.set_recipe(master("+PAKET", "+Paket"), [Part(kaos, 3)])
    file = xlsx_bytes(KIND.template(OPERATOR))
    cells = [c for row in load_workbook(io.BytesIO(file)).worksheets[0].values for c in row]
    assert "'=cmd|' /C calc'!A0" in cells and "'-DISKON" in cells  # neutralised in the file
    read = read_table("masters.xlsx", file)

    plan = KIND.plan(read, OPERATOR)

    assert (plan.problems, plan.changes, plan.unchanged, plan.rows) == ([], [], 4, 4)


def test_headers_are_read_in_either_language_and_in_any_case() -> None:
    kaos = master("KAOS")
    with translation.override("en"):
        english = [h.upper() for h in headers()]
    with translation.override("id"):
        plan = KIND.plan(table({"id": kaos.pk, "price": 1000}, header=english), OPERATOR)
    assert [(c.row, c.after) for c in plan.changes] == [(2, {"price": 1000})]


def test_a_file_without_the_id_product_or_sku_column_is_refused_as_a_whole() -> None:
    plan = KIND.plan(Table(["Nama", "Harga"], [TableRow(2, ["x", 1])]), OPERATOR)
    assert {(p.row, p.code) for p in plan.problems} == {(0, "missing_column")}
    assert len(plan.problems) == 3 and not plan.changes


# --- edits ------------------------------------------------------------------------------------


def test_an_edit_plans_what_differs_and_apply_writes_exactly_that() -> None:
    kaos = master("KAOS-M", "Kaos Polos", barcode="111", weight_grams=200, price=50_000)
    topi = master("TOPI", "Topi", cost=5_000)
    untouched = snapshot()
    plan = KIND.plan(
        table(
            {"id": kaos.pk, "product": "Kaos Oversize", "sku": "KAOS-M", "name": "Kaos M",
             "barcode": "222", "weight_grams": "200", "price": "Rp 55.000", "cost": 21000.0,
             "low_stock_threshold": 4},
            {"id": topi.pk, "product": "Topi", "sku": "TOPI-01", "cost": 5000},
        ),
        OPERATOR,
    )  # fmt: skip
    assert plan.problems == []
    edit_kaos, edit_topi = plan.changes
    assert (edit_kaos.action, edit_kaos.row, edit_kaos.target) == ("edit", 2, "KAOS-M · Kaos Polos")
    assert edit_kaos.before == {
        "product": "Kaos Polos", "name": "Kaos Polos", "barcode": "111", "price": 50_000,
        "cost": None, "low_stock_threshold": None,
    }  # fmt: skip
    assert edit_kaos.after == {
        "product": "Kaos Oversize", "name": "Kaos M", "barcode": "222", "price": 55_000,
        "cost": 21_000, "low_stock_threshold": 4,
    }  # fmt: skip
    assert (edit_topi.before, edit_topi.after) == ({"sku": "TOPI"}, {"sku": "TOPI-01"})
    assert snapshot() == untouched  # planning writes nothing

    assert KIND.apply(plan, upload(), OPERATOR) == 2

    kaos.refresh_from_db()
    topi.refresh_from_db()
    assert (kaos.product.name, kaos.name, kaos.barcode, kaos.weight_grams) == (
        "Kaos Oversize", "Kaos M", "222", 200,
    )  # fmt: skip
    assert (kaos.price, kaos.cost, kaos.low_stock_threshold) == (55_000, 21_000, 4)
    assert (topi.sku, topi.cost) == ("TOPI-01", 5_000)


def test_each_change_is_in_the_activity_log_with_the_uploads_reference() -> None:
    kaos = master("KAOS", "Kaos")
    sent = upload()
    plan = KIND.plan(
        table({"id": kaos.pk, "product": "Kaos Baru", "sku": "KAOS-1", "price": 1000}),
        OPERATOR,
    )
    KIND.apply(plan, sent, OPERATOR)
    logged = Activity.objects.filter(action=Action.MASTER_EDITED).order_by("pk")
    assert [(e.target_type, e.after) for e in logged] == [
        ("catalog.masterproduct", {"name": "Kaos Baru", "upload": sent.reference}),
        ("catalog.variant", {"price": 1000, "upload": sent.reference}),
        ("catalog.variant", {"sku": "KAOS-1", "linked": [], "upload": sent.reference}),
    ]


def test_new_masters_are_logged_as_creating_one_by_hand_is_by_the_acting_user() -> None:
    admin = user_with_role(Role.ADMIN, "ani")
    sent = upload()
    plan = KIND.plan(
        table({"product": "Kaos", "sku": "K1", "price": 5000, "barcode": "-"},
              {"product": "Topi", "sku": "T1", "name": "Topi"}),
        OPERATOR,
    )  # fmt: skip
    with activity.acting(lambda: activity.actor_for(admin, Via.UI)):
        KIND.apply(plan, sent, admin)
    k1, t1 = Variant.objects.get(sku="K1"), Variant.objects.get(sku="T1")
    logged = Activity.objects.filter(action=Action.MASTER_EDITED).order_by("pk")
    assert [(e.target_type, e.target_id, e.before, e.after) for e in logged] == [
        ("catalog.masterproduct", str(k1.product_id), {},
         {"name": "Kaos", "sku": "K1", "upload": sent.reference}),
        ("catalog.variant", str(k1.pk), {"price": None}, {"price": 5000, "upload": sent.reference}),
        ("catalog.masterproduct", str(t1.product_id), {},
         {"name": "Topi", "sku": "T1", "upload": sent.reference}),
    ]  # fmt: skip
    assert {(e.actor_id, e.actor_name, e.via) for e in logged} == {(admin.pk, "ani", Via.UI)}


def test_price_and_sku_changes_mark_the_linked_listings_for_their_pushes() -> None:
    account = an_integration()
    kaos, topi = master("KAOS"), master("TOPI")
    for external_id, variant in (("1", kaos), ("2", topi)):
        Listing.objects.create(
            account=account, external_id=external_id, sku=variant.sku, variant=variant,
            link_method=LinkMethod.AUTO_SKU,
        )  # fmt: skip
    plan = KIND.plan(
        table({"id": kaos.pk, "price": 9000}, {"id": topi.pk, "sku": "TOPI-2"}), OPERATOR
    )
    KIND.apply(plan, upload(), OPERATOR)
    marks = dict(Listing.objects.values_list("external_id", "price_needs_push"))
    assert marks == {"1": True, "2": False}
    stock_marks = dict(Listing.objects.values_list("external_id", "needs_push"))
    assert stock_marks == {"1": False, "2": True}


def test_a_blank_cell_leaves_the_value_and_a_dash_clears_it() -> None:
    kaos = master("KAOS", "Kaos", barcode="899", weight_grams=200, price=50_000, cost=1_000,
                  low_stock_threshold=5)  # fmt: skip
    blank = KIND.plan(table({"id": kaos.pk}), OPERATOR)
    assert (blank.changes, blank.unchanged) == ([], 1)

    every = {key: "-" for key in ("name", "barcode", "weight_grams", "price", "cost",
                                  "low_stock_threshold")}  # fmt: skip
    plan = KIND.plan(table({"id": kaos.pk, **every}), OPERATOR)
    assert plan.changes[0].after == {
        "name": "", "barcode": "", "weight_grams": None, "price": None, "cost": None,
        "low_stock_threshold": None,
    }  # fmt: skip
    KIND.apply(plan, upload(), OPERATOR)
    kaos.refresh_from_db()
    assert (kaos.name, kaos.barcode, kaos.weight_grams, kaos.price, kaos.cost) == (
        "", "", None, None, None,
    )  # fmt: skip
    assert kaos.low_stock_threshold is None and kaos.sku == "KAOS"


def test_product_and_sku_cannot_be_cleared() -> None:
    kaos = master("KAOS")
    plan = KIND.plan(table({"id": kaos.pk, "product": "-", "sku": "-"}), OPERATOR)
    assert problems(plan) == [(2, "product", "cannot_clear"), (2, "sku", "cannot_clear")]


def test_a_products_name_given_on_each_of_its_variants_rows_renames_it_once() -> None:
    kaos_m = master("KAOS-M", "Kaos")
    kaos_l = Variant.objects.create(product=kaos_m.product, sku="KAOS-L", name="L")
    plan = KIND.plan(
        table(
            {"id": kaos_m.pk, "product": "Kaos Polos"}, {"id": kaos_l.pk, "product": "Kaos Polos"}
        ),
        OPERATOR,
    )
    assert [(c.row, c.after) for c in plan.changes] == [(2, {"product": "Kaos Polos"})]
    assert plan.unchanged == 1
    other = KIND.plan(
        table({"id": kaos_m.pk, "product": "Kaos A"}, {"id": kaos_l.pk, "product": "Kaos B"}),
        OPERATOR,
    )
    assert problems(other) == [(3, "product", "product_name_differs")]
    assert other.problems[0].params == {"first": 2, "name": "Kaos A"}


# --- new masters ------------------------------------------------------------------------------


def test_rows_without_an_id_create_one_master_each_with_their_details() -> None:
    plan = KIND.plan(
        table(
            {"product": "Kaos Baru", "sku": "BARU-1", "price": 75_000, "weight_grams": 150},
            {"product": "Kaos Baru", "sku": "BARU-2", "name": "Ukuran L", "barcode": "123"},
        ),
        OPERATOR,
    )
    assert plan.problems == []
    assert [(c.action, c.target, c.before, c.after) for c in plan.changes] == [
        ("create", "BARU-1 · Kaos Baru", None,
         {"product": "Kaos Baru", "sku": "BARU-1", "price": 75_000, "weight_grams": 150}),
        ("create", "BARU-2 · Kaos Baru", None,
         {"product": "Kaos Baru", "sku": "BARU-2", "name": "Ukuran L", "barcode": "123"}),
    ]  # fmt: skip
    assert KIND.apply(plan, upload(), OPERATOR) == 2
    one, two = Variant.objects.order_by("sku").select_related("product")
    assert (one.sku, one.product.name, one.name, one.price, one.weight_grams) == (
        "BARU-1", "Kaos Baru", "Kaos Baru", 75_000, 150,
    )  # fmt: skip
    assert (two.sku, two.name, two.barcode) == ("BARU-2", "Ukuran L", "123")
    assert one.product_id != two.product_id  # one master per row


def test_a_new_row_needs_a_product_and_a_sku() -> None:
    plan = KIND.plan(table({"price": 1000}, {"product": "Kaos"}, {"sku": "X"}), OPERATOR)
    assert problems(plan) == [
        (2, "product", "required"), (2, "sku", "required"), (3, "sku", "required"),
        (4, "product", "required"),
    ]  # fmt: skip


# --- bundles ----------------------------------------------------------------------------------


def test_components_set_change_and_remove_recipes_in_one_upload() -> None:
    kaos, topi, tas = master("KAOS"), master("TOPI"), master("TAS")
    paket = master("PAKET")
    lama = master("LAMA")
    bundles.set_recipe(lama, [Part(kaos, 1)])
    plan = KIND.plan(
        table(
            {"id": paket.pk, "components": "kaos x1; TOPI × 2"},
            {"id": lama.pk, "components": "-"},
            {"product": "Paket Baru", "sku": "BARU", "components": "TAS x3;NEW-1 x1"},
            {"product": "Komponen Baru", "sku": "NEW-1"},
        ),
        OPERATOR,
    )
    assert plan.problems == []
    assert [(c.row, c.before, c.after) for c in plan.changes[:2]] == [
        (2, {"components": ""}, {"components": "kaos x1; TOPI x2"}),
        (3, {"components": "KAOS x1"}, {"components": ""}),
    ]
    KIND.apply(plan, upload(), OPERATOR)
    baru, new_1 = Variant.objects.get(sku="BARU"), Variant.objects.get(sku="NEW-1")
    assert bundles.recipes([paket.pk, lama.pk, baru.pk]) == {
        paket.pk: [(kaos.pk, 1), (topi.pk, 2)],
        baru.pk: sorted([(tas.pk, 3), (new_1.pk, 1)]),
    }


def test_a_variant_becoming_a_bundle_shows_the_own_stock_it_gives_up(
    django_capture_on_commit_callbacks: Any,
) -> None:
    account = an_integration()
    kaos, paket = master("KAOS"), master("PAKET")
    stock.set_on_hand(account.warehouse_id, paket.pk, 7)
    plan = KIND.plan(table({"id": paket.pk, "components": "KAOS x2"}), OPERATOR)
    change = plan.changes[0]
    assert (change.before["own_stock"], change.after["own_stock"]) == (7, 0)
    KIND.apply(plan, upload(), OPERATOR)
    assert StockLevel.objects.get(variant=paket).on_hand == 0
    assert bundles.recipes([paket.pk]) == {paket.pk: [(kaos.pk, 2)]}


def test_a_component_may_be_a_sku_renamed_in_the_same_file_but_not_its_old_sku() -> None:
    kaos, paket = master("KAOS"), master("PAKET")
    renamed = KIND.plan(
        table({"id": kaos.pk, "sku": "KAOS-01"}, {"id": paket.pk, "components": "KAOS-01 x2"}),
        OPERATOR,
    )
    assert renamed.problems == []
    old = KIND.plan(
        table({"id": kaos.pk, "sku": "KAOS-01"}, {"id": paket.pk, "components": "KAOS x2"}),
        OPERATOR,
    )
    assert problems(old) == [(3, "components", "component_unknown")]


def test_every_bundle_rule_is_a_problem_with_its_row_and_column() -> None:
    kaos, topi = master("KAOS"), master("TOPI")
    paket, lain = master("PAKET"), master("LAIN")
    bundles.set_recipe(paket, [Part(kaos, 1)])
    held = master("HELD")
    bundles.set_recipe(held, [Part(topi, 1)])
    an_open_order_holding(an_integration(), held, 2)
    many = "; ".join(f"KAOS x{n}" for n in range(1, 23))
    plan = KIND.plan(
        table(
            {"id": lain.pk, "components": "NOPE x1"},  # unknown
            {"id": lain.pk + 1000, "components": "KAOS x1"},  # unknown id (the row's own)
            {"product": "A", "sku": "A1", "components": "PAKET x1"},  # a bundle as component
            {"id": kaos.pk, "components": "TOPI x1"},  # a component of PAKET becomes a bundle
            {"product": "B", "sku": "B1", "components": "KAOS x0"},  # quantity
            {"product": "C", "sku": "C1", "components": "KAOS x10001"},  # quantity
            {"product": "D", "sku": "D1", "components": "D1 x1"},  # itself
            {"product": "E", "sku": "E1", "components": "TOPI x1; topi x2"},  # twice
            {"product": "F", "sku": "F1", "components": many},  # too many
            {"id": held.pk, "components": "TOPI x2"},  # held by an open order
            {"product": "G", "sku": "G1", "components": "KA\x00OS x2"},  # unreadable
            {"id": paket.pk, "components": " ; ;"},  # nothing but separators (not "-")
        ),
        OPERATOR,
    )
    assert problems(plan) == [
        (2, "components", "component_unknown"),
        (3, "id", "unknown_id"),
        (4, "components", "nested_bundle"),
        (5, "components", "bundle_is_component"),
        (6, "components", "component_quantity"),
        (7, "components", "component_quantity"),
        (8, "components", "component_itself"),
        (9, "components", "component_twice"),
        (10, "components", "too_many_components"),
        (11, "components", "bundle_held"),
        (12, "components", "bad_component"),
        (13, "components", "bad_component"),
    ]
    assert not [p for p in plan.problems if "%(" in KIND.describe(p)]  # every message filled
    assert plan.problems[3].params == {"bundle": "PAKET"}
    assert plan.problems[9].params == {"orders": 1, "units": 2}


def test_a_new_bundle_using_a_new_bundle_is_nested() -> None:
    master("KAOS")
    plan = KIND.plan(
        table(
            {"product": "A", "sku": "A1", "components": "KAOS x1"},
            {"product": "B", "sku": "B1", "components": "A1 x1"},
        ),
        OPERATOR,
    )
    assert problems(plan) == [(3, "components", "nested_bundle")]


def test_recipes_are_saved_in_an_order_each_allows() -> None:
    """The plan checks the state after the whole upload; apply saves removals first, then
    bundles' new recipes, then variants becoming bundles, so no step is refused: here PAKET
    stops using KAOS before KAOS becomes a bundle, and TOPI stops being a bundle before PAKET
    uses it."""
    kaos, topi, tas, benang = master("KAOS"), master("TOPI"), master("TAS"), master("BENANG")
    paket = master("PAKET")
    bundles.set_recipe(paket, [Part(kaos, 1)])
    bundles.set_recipe(topi, [Part(tas, 1)])
    plan = KIND.plan(
        table(
            {"id": kaos.pk, "components": "BENANG x2"},
            {"id": paket.pk, "components": "TOPI x1"},
            {"id": topi.pk, "components": "-"},
        ),
        OPERATOR,
    )
    assert plan.problems == []
    KIND.apply(plan, upload(), OPERATOR)
    assert bundles.recipes([kaos.pk, paket.pk, topi.pk]) == {
        kaos.pk: [(benang.pk, 2)],
        paket.pk: [(topi.pk, 1)],
    }


# --- problems ---------------------------------------------------------------------------------


def test_every_cell_problem_has_its_row_and_column_and_nothing_is_written() -> None:
    kaos, topi, baju = master("KAOS", price=1000), master("TOPI"), master("BAJU")
    before = snapshot()
    plan = KIND.plan(
        table(
            {"id": kaos.pk, "price": 2000},  # a good row: planned, not written
            {"id": "abc"},
            {"id": 999_999},
            {"id": kaos.pk, "barcode": "1"},  # the same variant again
            {"id": topi.pk, "sku": "kaos"},  # another variant's SKU (any case)
            {"product": "A", "sku": "NEW"},
            {"product": "B", "sku": "new"},  # the same SKU twice in the file
            {"product": "C", "sku": "X" * 51},
            {"product": "N" * 256, "sku": "Y"},
            {"id": baju.pk, "barcode": "9" * 65, "name": "a\x00b"},
            {"id": float(baju.pk), "weight_grams": "1,5"},  # the same id again, and not whole
            {"product": "D", "sku": "D", "weight_grams": 1.5, "low_stock_threshold": "-3"},
            {"product": "E", "sku": "E", "price": 0, "cost": -1},
            {"product": "F", "sku": "F", "price": 10_000_000_001, "cost": 10_000_000_001},
            {"product": "G", "sku": "G", "weight_grams": 2**31, "low_stock_threshold": "9" * 40},
        ),
        OPERATOR,
    )
    assert problems(plan) == [
        (3, "id", "not_whole"),
        (4, "id", "unknown_id"),
        (5, "id", "duplicate_id"),
        (6, "sku", "sku_taken"),
        (8, "sku", "sku_duplicate"),
        (9, "sku", "too_long"),
        (10, "product", "too_long"),
        (11, "name", "bad_character"),
        (11, "barcode", "too_long"),
        (12, "weight_grams", "not_whole"),
        (12, "id", "duplicate_id"),
        (13, "weight_grams", "not_whole"),
        (13, "low_stock_threshold", "negative"),
        (14, "price", "price_range"),
        (14, "cost", "negative"),
        (15, "price", "price_range"),
        (15, "cost", "cost_range"),
        (16, "weight_grams", "too_large"),
        (16, "low_stock_threshold", "too_large"),
    ]
    assert not [p for p in plan.problems if "%(" in KIND.describe(p)]  # every message filled
    taken = plan.problems[3]
    assert (taken.value, taken.params) == ("kaos", {"other": "KAOS", "product": "Produk KAOS"})
    assert plan.problems[4].params == {"first": 7}
    assert [c.row for c in plan.changes] == [2, 7]  # the good rows still show their change
    assert not plan.can_apply
    with pytest.raises(Stale):
        KIND.apply(plan, upload(), OPERATOR)
    assert snapshot() == before
    assert not Activity.objects.exists()


def test_hostile_cells_are_cut_in_the_problem_and_saved_as_plain_text() -> None:
    kaos = master("KAOS")
    huge = "x" * 10_000
    plan = KIND.plan(table({"id": kaos.pk, "name": huge, "price": "9" * 10_000}), OPERATOR)
    assert problems(plan) == [(2, "name", "too_long"), (2, "price", "price_range")]
    assert all(len(p.value) <= 80 for p in plan.problems)
    assert plan.problems[0].params == {"most": 255, "length": 10_000}

    words = {"name": "<script>alert(1)</script>", "barcode": "=cmd|' /C calc'!A0"}
    saved = KIND.plan(table({"id": kaos.pk, **words, "product": "@SUM(1+1)"}), OPERATOR)
    KIND.apply(saved, upload(), OPERATOR)
    kaos.refresh_from_db()
    assert (kaos.name, kaos.barcode, kaos.product.name) == (
        "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "@SUM(1+1)",
    )  # fmt: skip


def test_every_problem_reads_in_both_languages() -> None:
    for code in [*MESSAGES, "bundle_held"]:
        problem = Problem.of(
            3, "Harga", code, "<b>x</b>", first=2, other="A", product="B", most=5, length=9,
            name="N", bundle="P", orders=2, units=3, reason="r",
        )  # fmt: skip
        for language in ("id", "en"):
            with translation.override(language):
                assert KIND.describe(problem).strip()
    assert KIND.describe(Problem.of(0, "", "no_such_code")) == "no_such_code"


# --- stale --------------------------------------------------------------------------------------


def test_a_value_changed_after_the_preview_makes_the_confirmation_stale() -> None:
    kaos, topi = master("KAOS", price=1000), master("TOPI")
    plan = KIND.plan(
        table({"id": topi.pk, "price": 5000}, {"id": kaos.pk, "price": 2000}), OPERATOR
    )
    Variant.objects.filter(pk=kaos.pk).update(price=1500)  # someone else, meanwhile
    with pytest.raises(Stale) as stale:
        KIND.apply(plan, upload(), OPERATOR)
    assert [(p.row, p.code) for p in stale.value.problems] == [(3, "changed_since")]
    assert not [p for p in stale.value.problems if "%(" in KIND.describe(p)]
    assert Variant.objects.get(pk=topi.pk).price is None  # the good row is not written either


def test_a_sku_taken_or_a_variant_deleted_after_the_preview_is_stale() -> None:
    kaos, gone = master("KAOS"), master("GONE")
    plan = KIND.plan(
        table({"product": "Baru", "sku": "BARU"}, {"id": kaos.pk, "sku": "KAOS-2"},
              {"id": gone.pk, "price": 10}),
        OPERATOR,
    )  # fmt: skip
    master("baru")
    master("KAOS-2")
    gone.product.delete()
    before = snapshot()
    with pytest.raises(Stale) as stale:
        KIND.apply(plan, upload(), OPERATOR)
    assert sorted((p.row, p.code) for p in stale.value.problems) == [
        (2, "sku_taken"), (3, "sku_taken"), (4, "unknown_id"),
    ]  # fmt: skip
    assert not [p for p in stale.value.problems if "%(" in KIND.describe(p)]
    assert snapshot() == before


def test_a_recipe_changed_or_a_component_deleted_after_the_preview_is_stale() -> None:
    kaos, topi, paket = master("KAOS"), master("TOPI"), master("PAKET")
    plan = KIND.plan(table({"id": paket.pk, "components": "KAOS x1; TOPI x1"}), OPERATOR)
    bundles.set_recipe(paket, [Part(kaos, 5)])
    with pytest.raises(Stale) as stale:
        KIND.apply(plan, upload(), OPERATOR)
    assert [(p.row, p.code) for p in stale.value.problems] == [(2, "changed_since")]

    plan = KIND.plan(table({"product": "X", "sku": "X", "components": "TOPI x1"}), OPERATOR)
    topi.product.delete()
    with pytest.raises(Stale) as stale:
        KIND.apply(plan, upload(), OPERATOR)
    assert [(p.row, p.code) for p in stale.value.problems] == [(2, "component_unknown")]
    assert not [p for p in stale.value.problems if "%(" in KIND.describe(p)]
    assert not Variant.objects.filter(sku="X").exists()


def test_an_order_holding_the_bundle_after_the_preview_is_stale() -> None:
    kaos, paket = master("KAOS"), master("PAKET")
    bundles.set_recipe(paket, [Part(kaos, 1)])
    plan = KIND.plan(table({"id": paket.pk, "components": "KAOS x2", "price": 10}), OPERATOR)
    an_open_order_holding(an_integration(), paket, 1)
    with pytest.raises(Stale) as stale:
        KIND.apply(plan, upload(), OPERATOR)
    assert [(p.row, p.code, p.params) for p in stale.value.problems] == [
        (2, "bundle_held", {"orders": 1, "units": 1})
    ]
    assert not [p for p in stale.value.problems if "%(" in KIND.describe(p)]
    assert Variant.objects.get(pk=paket.pk).price is None


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.STAFF, Role.VIEWER])
def test_only_owners_and_admins_may_upload_masters(role: str) -> None:
    assert can(user_with_role(role), KIND.permission) is (role in (Role.OWNER, Role.ADMIN))


def test_the_kind_names_itself_as_the_upload_model_does() -> None:
    assert KIND.name == UploadKind.MASTERS


@pytest.mark.parametrize(
    ("cell", "rupiah"),
    [(150_000, 150_000), (150_000.0, 150_000), ("150000", 150_000), ("Rp 150.000", 150_000),
     ("rp150,000", 150_000), ("1.500.000", 1_500_000), ("-1.000", -1_000)],
)  # fmt: skip
def test_money_is_read_as_the_hub_and_spreadsheets_write_it(cell: object, rupiah: int) -> None:
    assert sheet_plan.rupiah(cell) == rupiah


@pytest.mark.parametrize("cell", ["1.5", "1.50", "12,5", "Rp", "abc", 1.5, True, "1.000.00"])
def test_anything_else_is_not_a_whole_number(cell: object) -> None:
    with pytest.raises(sheet_plan.CellRefused):
        sheet_plan.rupiah(cell)


def test_grouped_digits_are_money_only_a_weight_of_1_500_is_not_guessed() -> None:
    kaos = master("KAOS")
    plan = KIND.plan(table({"id": kaos.pk, "weight_grams": "1.500", "price": "1.500"}), OPERATOR)
    assert problems(plan) == [(2, "weight_grams", "not_whole")]


# --- through the upload flow (uploads/service.py) -------------------------------------------------


def edited_template(edit: Any, kind: str = "masters") -> bytes:
    """The template as downloaded, changed by ``edit(sheet)`` in openpyxl, saved again."""
    book = load_workbook(io.BytesIO(service.template(kind, OPERATOR)))
    edit(book.worksheets[0])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_template_edited_in_a_spreadsheet_is_previewed_then_confirmed() -> None:
    owner = user_with_role(Role.OWNER)
    kaos = master("KAOS", "Kaos", price=50_000)

    def edit(sheet: Any) -> None:
        sheet["G2"] = 55_000  # Price (Rp) of the only row
        sheet.append([None, "Topi", "TOPI", None, None, 80, "Rp 25.000", None, None, "KAOS x2"])

    preview = service.preview("masters", "masters.xlsx", edited_template(edit), owner)
    told = service.summary(preview)
    assert (told.rows, told.changes, told.problems, told.by_action) == (
        2, 2, 0, {"edit": 1, "create": 1},
    )  # fmt: skip
    assert Variant.objects.get(pk=kaos.pk).price == 50_000  # the preview wrote nothing

    assert service.confirm(preview, owner) == 2
    topi = Variant.objects.get(sku="TOPI")
    assert (Variant.objects.get(pk=kaos.pk).price, topi.price, topi.weight_grams) == (
        55_000, 25_000, 80,
    )  # fmt: skip
    assert bundles.recipes([topi.pk]) == {topi.pk: [(kaos.pk, 2)]}
    references = {
        e.after.get("upload") for e in Activity.objects.filter(action=Action.MASTER_EDITED)
    }
    assert references == {preview.reference}


def test_a_preview_with_problems_cannot_be_confirmed_and_a_stale_one_keeps_its_problems() -> None:
    owner = user_with_role(Role.OWNER)
    kaos = master("KAOS", price=1000)
    bad = service.preview(
        "masters", "m.xlsx", edited_template(lambda sheet: sheet.__setitem__("G2", -5)), owner
    )
    assert [(p["row"], p["code"]) for p in service.summary(bad).described] == [(2, "negative")]
    with pytest.raises(service.UploadRefused):
        service.confirm(bad, owner)

    good = service.preview(
        "masters", "m.xlsx", edited_template(lambda sheet: sheet.__setitem__("G2", 7)), owner
    )
    Variant.objects.filter(pk=kaos.pk).update(price=3)  # meanwhile
    with pytest.raises(Stale):
        service.confirm(good, owner)
    assert [(p["row"], p["code"]) for p in service.summary(good).described] == [
        (2, "changed_since")
    ]
    assert Variant.objects.get(pk=kaos.pk).price == 3


@pytest.mark.parametrize("role", [Role.STAFF, Role.VIEWER])
def test_staff_and_viewers_cannot_download_upload_or_confirm_masters(role: str) -> None:
    master("KAOS")
    user = user_with_role(role)
    file = service.template("masters", OPERATOR)
    with pytest.raises(NotAllowed):
        service.template("masters", user)
    with pytest.raises(NotAllowed):
        service.preview("masters", "m.xlsx", file, user)
    waiting = service.preview("masters", "m.xlsx", file, OPERATOR)
    with pytest.raises(NotAllowed):
        service.confirm(waiting, user)


def test_every_key_a_change_shows_has_a_name() -> None:
    shown = {"product", "sku", *masters.DETAILS, "components", masters.OWN_STOCK}
    assert all(masters.field_label(key) != key for key in shown)


def test_a_csv_with_indonesian_headers_is_read_like_the_template() -> None:
    kaos = master("KAOS", "Kaos", price=100_000, barcode="899")
    csv = (
        "ID;Produk;SKU;Harga (Rp);Barcode;Komponen\n"
        f"{kaos.pk};Kaos;KAOS;Rp 150.000;-;\n"
        ";Paket Baru;PAKET-BARU;;;kaos x3\n"
    )
    plan = KIND.plan(read_table("produk.csv", csv.encode()), OPERATOR)
    assert plan.problems == []
    assert [(c.row, c.action, c.before, c.after) for c in plan.changes] == [
        (2, "edit", {"price": 100_000, "barcode": "899"}, {"price": 150_000, "barcode": ""}),
        (3, "create", None,
         {"product": "Paket Baru", "sku": "PAKET-BARU", "components": "kaos x3"}),
    ]  # fmt: skip


# --- writers at once (PostgreSQL) -----------------------------------------------------------------


def confirm_at_once(uploads: list[Upload]) -> list[str]:
    """Confirm these uploads in threads started together; each outcome's word."""
    outcomes: list[str] = []
    start = threading.Barrier(len(uploads))

    def confirm(upload: Upload) -> None:
        start.wait()
        try:
            service.confirm(Upload.objects.get(pk=upload.pk), None)
            outcomes.append("applied")
        except Stale as stale:
            outcomes.append(",".join(problem.code for problem in stale.problems))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(upload,)) for upload in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_uploads_giving_one_sku_at_once_apply_one_and_find_the_other_stale() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs writers at once (PostgreSQL)")
    kaos, topi = master("KAOS"), master("TOPI")
    first, second = (
        service.preview("masters", "m.csv", f"ID,Product,SKU\n{v.pk},,BARU\n".encode(), None)
        for v in (kaos, topi)
    )
    assert confirm_at_once([first, second]) == ["applied", "sku_taken"]
    assert Variant.objects.filter(sku="BARU").count() == 1
    assert Variant.objects.filter(sku__in=["KAOS", "TOPI"]).count() == 1


def test_a_name_saved_with_spaces_around_it_is_not_changed_by_the_template() -> None:
    kaos = master("KAOS", "Kaos")
    MasterProduct.objects.filter(pk=kaos.product_id).update(name=" Kaos  ")
    Variant.objects.filter(pk=kaos.pk).update(name="Kaos M ", barcode=" 899")
    plan = KIND.plan(read_table("m.xlsx", xlsx_bytes(KIND.template(OPERATOR))), OPERATOR)
    assert (plan.changes, plan.unchanged) == ([], 1)
