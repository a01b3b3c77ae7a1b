"""The upload flow (``uploads/service.py``), the same for every kind: a preview stores the file
and its plan and writes nothing else; a refused file stores nothing; confirming applies once —
a second confirm, a confirm of a file with errors, of one that changes nothing or of a
discarded one is refused; a stale confirm keeps the new problems and writes nothing; the role
and the warehouses of the confirming user are checked; the activity log names the upload."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from roles_support import user_with_role
from satustok.catalog.models import MasterProduct, Variant
from satustok.core import activity
from satustok.core.access import NotAllowed, Role
from satustok.core.models import Activity
from satustok.core.sheet_reading import MAX_ROWS, SheetRefused
from satustok.inventory import stock
from satustok.inventory.access import set_warehouses
from satustok.inventory.adjustments import default_warehouse
from satustok.inventory.models import StockLevel, StockMovement, Warehouse
from satustok.uploads import kinds, service
from satustok.uploads.models import Upload, UploadKind, UploadState
from satustok.uploads.plans import Stale
from satustok.uploads.service import UploadRefused
from sheets_support import csv_bytes, xlsx

HEADER = ["SKU", "Warehouse", "Set to", "Add (+) / remove (−)"]


@pytest.fixture
def kaos(db: Any) -> Variant:
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="KAOS")
    stock.set_on_hand(default_warehouse().pk, variant.pk, 10, reference="test")
    return variant


def sheet(*rows: list[Any]) -> bytes:
    return xlsx([HEADER, *rows])


def on_hand() -> int:
    return StockLevel.objects.get(variant__sku="KAOS", warehouse__code="utama").on_hand


def test_every_kind_is_registered_by_name() -> None:
    assert set(kinds.KIND_CLASSES) == set(UploadKind.values)
    assert kinds.kind_named("stock").permission == "adjust_stock"
    for name, kind in kinds.kinds().items():
        assert kind.name == name
    with pytest.raises(kinds.UnknownKind):
        kinds.kind_named("orders")


def test_a_preview_stores_the_file_and_its_plan_and_writes_nothing_else(kaos: Variant) -> None:
    owner = user_with_role(Role.OWNER)
    movements = StockMovement.objects.count()
    data = sheet(
        ["KAOS", "utama", 12, None], ["NOPE", "utama", None, 1], ["KAOS", "utama", None, None]
    )
    upload = service.preview("stock", "C:\\Users\\ani\\stok\x07.xlsx", data, owner)
    assert StockMovement.objects.count() == movements and on_hand() == 10
    assert (upload.state, upload.kind, upload.file_name) == (
        UploadState.PREVIEWED,
        "stock",
        "stok.xlsx",
    )
    assert bytes(upload.content) == data and len(upload.file_sha256) == 64
    assert (upload.row_count, upload.change_count, upload.error_count) == (3, 1, 1)
    assert upload.created_by == owner and upload.reference == f"upload:{upload.pk}"
    summary = service.summary(upload)
    assert (summary.rows, summary.changes, summary.unchanged, summary.problems) == (3, 1, 1, 1)
    assert summary.by_action == {"set": 1} and not summary.can_confirm
    assert summary.described[0] | {"message": ""} == {
        "row": 3,
        "column": "SKU",
        "code": "unknown_sku",
        "value": "NOPE",
        "message": "",
    }
    assert summary.described[0]["message"]


HOSTILE = {
    "formula": xlsx([["SKU", "Set to"], ["KAOS", "=1+1"]]),
    "too many rows": csv_bytes([["SKU", "Set to"], *(["KAOS", 1] for _ in range(MAX_ROWS + 1))]),
    "windows-1252": "SKU,Set to\nKAÓS,1\n".encode("cp1252"),
    "utf-16": "SKU,Set to\nKAOS,1\n".encode("utf-16"),
    "broken zip": xlsx([["SKU", "Set to"], ["KAOS", 1]])[:300],
    "renamed pdf": b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n",
    "empty": b"",
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_refused_file_stores_nothing_and_writes_nothing(kaos: Variant, case: str) -> None:
    movements = StockMovement.objects.count()
    with pytest.raises(SheetRefused) as refused:
        service.preview(
            "stock", "stok.xlsx" if case != "windows-1252" else "s.csv", HOSTILE[case], None
        )
    assert refused.value.code and refused.value.message
    assert not Upload.objects.exists()
    assert StockMovement.objects.count() == movements and on_hand() == 10


def test_a_huge_number_is_an_error_in_the_preview_not_a_crash(kaos: Variant) -> None:
    upload = service.preview(
        "stock", "s.csv", csv_bytes([HEADER, ["KAOS", "", "9" * 40, ""]]), None
    )
    assert upload.error_count == 1 and upload.plan["problems"][0]["code"] == "too_big"


def test_confirming_applies_once_and_logs_the_upload(kaos: Variant) -> None:
    admin = user_with_role(Role.ADMIN)
    upload = service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", None, 5]), admin)
    assert service.confirm(upload, admin) == 1
    upload.refresh_from_db()
    assert upload.state == UploadState.APPLIED and upload.applied_by == admin
    assert upload.applied_at is not None and on_hand() == 15
    logged = Activity.objects.get(action=activity.Action.UPLOAD_APPLIED)
    assert logged.actor == admin and logged.target_id == str(upload.pk)
    assert logged.after["changes"] == 1 and logged.after["reference"] == upload.reference

    with pytest.raises(UploadRefused) as again:
        service.confirm(upload, admin)  # a double submit
    assert again.value.code == "already_applied"
    assert on_hand() == 15 and StockMovement.objects.filter(reference=upload.reference).count() == 1
    with pytest.raises(UploadRefused):
        service.discard(upload, admin)


def test_an_upload_with_errors_or_without_changes_cannot_be_confirmed(kaos: Variant) -> None:
    bad = service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", -1, None]), None)
    with pytest.raises(UploadRefused) as refused:
        service.confirm(bad, None)
    assert refused.value.code == "has_problems"
    idle = service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", 10, None]), None)
    with pytest.raises(UploadRefused) as nothing:
        service.confirm(idle, None)
    assert nothing.value.code == "nothing_to_apply"
    assert on_hand() == 10 and not StockMovement.objects.filter(reason="stock_upload").exists()


def test_a_discarded_upload_cannot_be_confirmed(kaos: Variant) -> None:
    upload = service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", 1, None]), None)
    assert service.discard(upload, None).state == UploadState.DISCARDED
    with pytest.raises(UploadRefused) as refused:
        service.confirm(upload, None)
    assert refused.value.code == "discarded" and on_hand() == 10


def test_a_stale_confirm_keeps_the_new_problems_and_writes_nothing(kaos: Variant) -> None:
    upload = service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", None, -10]), None)
    stock.ship(default_warehouse().pk, kaos.pk, 1, "order:1")
    with pytest.raises(Stale):
        service.confirm(upload, None)
    assert on_hand() == 9
    upload.refresh_from_db()
    summary = service.summary(upload)
    assert upload.state == UploadState.PREVIEWED and summary.stale and summary.problems == 1
    assert summary.described[0]["row"] == 2 and not summary.can_confirm
    with pytest.raises(UploadRefused) as refused:
        service.confirm(upload, None)
    assert refused.value.code == "has_problems"


@pytest.mark.parametrize("role", [Role.VIEWER])
def test_a_role_without_the_kinds_capability_is_refused(kaos: Variant, role: str) -> None:
    user = user_with_role(role)
    with pytest.raises(NotAllowed):
        service.template("stock", user)
    with pytest.raises(NotAllowed):
        service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", 1, None]), user)
    upload = service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", 1, None]), None)
    with pytest.raises(NotAllowed):
        service.confirm(upload, user)
    with pytest.raises(NotAllowed):
        service.discard(upload, user)
    assert on_hand() == 10 and Upload.objects.get().state == UploadState.PREVIEWED


def test_staff_may_upload_stock(kaos: Variant) -> None:
    staff = user_with_role(Role.STAFF)
    upload = service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", None, 1]), staff)
    assert service.confirm(upload, staff) == 1
    assert StockMovement.objects.get(reference=upload.reference).user == staff


def test_confirming_needs_every_warehouse_the_upload_changes(kaos: Variant) -> None:
    branch = Warehouse.objects.create(code="cabang", name="Gudang Cabang")
    upload = service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", None, 1]), None)
    staff = user_with_role(Role.STAFF)
    set_warehouses(staff, [branch])
    with pytest.raises(NotAllowed):
        service.confirm(upload, staff)
    assert on_hand() == 10 and Upload.objects.get().state == UploadState.PREVIEWED


def test_the_template_is_an_xlsx_named_for_the_kind(kaos: Variant) -> None:
    data = service.template("stock", None)
    assert data.startswith(b"PK") and service.template_file_name("stock").endswith(".xlsx")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_apply_the_upload_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs writers at once (PostgreSQL)")
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="KAOS")
    stock.set_on_hand(default_warehouse().pk, variant.pk, 10, reference="test")
    upload = service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", None, 5]), None)
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def confirm() -> None:
        start.wait()
        try:
            service.confirm(Upload.objects.get(pk=upload.pk), None)
            outcomes.append("applied")
        except UploadRefused as refused:
            outcomes.append(refused.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["already_applied", "applied"]
    assert on_hand() == 15
    assert StockMovement.objects.filter(reference=upload.reference).count() == 1


def test_a_plan_survives_its_json_whole() -> None:
    import json
    from dataclasses import asdict

    from satustok.uploads.plans import Plan, Problem, RowChange

    plan = Plan(
        rows=3,
        unchanged=1,
        changes=[RowChange(2, "set", "A · Gudang", 1, 2, {"variant": 1, "set": 2})],
        problems=[Problem.of(3, "SKU", "unknown_sku", "B", first=2)],
    )
    stored = json.loads(json.dumps(plan.to_json()))
    assert Plan.from_json(stored) == plan
    assert stored["changes"] == [asdict(change) for change in plan.changes]
    assert stored["problems"] == [asdict(problem) for problem in plan.problems]


# --- the same file twice ------------------------------------------------------------------------


def test_the_same_file_confirmed_twice_is_refused_the_second_time(kaos: Variant) -> None:
    """Two previews of one file (a double submit, two tabs): the second confirm would add
    every row again."""
    data = sheet(["KAOS", "utama", None, 5])
    first = service.preview("stock", "s.xlsx", data, None)
    second = service.preview("stock", "copy of s.xlsx", data, None)
    assert service.confirm(first, None) == 1
    with pytest.raises(UploadRefused) as refused:
        service.confirm(second, None)
    assert refused.value.code == "same_file_applied" and str(first.pk) in refused.value.message
    assert on_hand() == 15
    assert Upload.objects.get(pk=second.pk).state == UploadState.PREVIEWED


def test_a_file_previewed_again_after_it_was_applied_may_be_confirmed(kaos: Variant) -> None:
    """The new preview was read against the stock the first one made: it shows what it adds."""
    data = sheet(["KAOS", "utama", None, 5])
    service.confirm(service.preview("stock", "s.xlsx", data, None), None)
    again = service.preview("stock", "s.xlsx", data, None)
    assert service.confirm(again, None) == 1 and on_hand() == 20


def test_another_kind_or_another_file_is_not_the_same_file(kaos: Variant) -> None:
    first = service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", None, 5]), None)
    other = service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", None, 6]), None)
    service.confirm(first, None)
    assert service.confirm(other, None) == 1 and on_hand() == 21


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_previews_of_one_file_confirmed_at_once_apply_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs writers at once (PostgreSQL)")
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="KAOS")
    stock.set_on_hand(default_warehouse().pk, variant.pk, 10, reference="test")
    data = sheet(["KAOS", "utama", None, 5])
    uploads = [service.preview("stock", "s.xlsx", data, None) for _ in range(2)]
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def confirm(pk: int) -> None:
        start.wait()
        try:
            service.confirm(Upload.objects.get(pk=pk), None)
            outcomes.append("applied")
        except UploadRefused as refused:
            outcomes.append(refused.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(u.pk,)) for u in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["applied", "same_file_applied"]
    assert on_hand() == 15


# --- who sees an upload -------------------------------------------------------------------------


def an_upload(kind: str, by: Any = None) -> Upload:
    return Upload.objects.create(
        kind=kind, file_name=f"{kind}.xlsx", file_sha256=kind, content=b"", created_by=by
    )


def test_each_role_sees_the_uploads_of_the_kinds_it_may_use(db: Any) -> None:
    made = {kind: an_upload(kind) for kind in UploadKind.values}
    seen = {
        role: {u.kind for u in service.recent(None, user=user_with_role(role))}
        for role in (Role.OWNER, Role.ADMIN, Role.STAFF, Role.VIEWER)
    }
    assert seen[Role.OWNER] == seen[Role.ADMIN] == set(made)
    assert seen[Role.STAFF] == {"stock"}  # master products show costs and prices
    assert seen[Role.VIEWER] == set()
    assert {u.pk for u in service.recent(None, user=None)} == {u.pk for u in made.values()}


def test_a_user_limited_to_some_warehouses_sees_only_their_own_stock_uploads(
    kaos: Variant,
) -> None:
    branch = Warehouse.objects.create(code="cabang", name="Gudang Cabang")
    owners = service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", None, 1]), None)
    limited = user_with_role(Role.STAFF, "cabang-staff")
    set_warehouses(limited, [branch])
    theirs = service.preview("stock", "c.xlsx", sheet(["KAOS", "cabang", 3, None]), limited)
    assert [u.pk for u in service.recent(None, user=limited)] == [theirs.pk]
    assert not service.visible_to(limited).filter(pk=owners.pk).exists()
    everyone = user_with_role(Role.STAFF, "every-staff")
    assert {u.pk for u in service.recent(None, user=everyone)} == {owners.pk, theirs.pk}


# --- a preview writes nothing -------------------------------------------------------------------


def test_a_stock_preview_does_not_make_the_main_warehouse_the_confirmation_does(
    db: Any,
) -> None:
    Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="KAOS")
    upload = service.preview("stock", "s.xlsx", sheet(["KAOS", None, 4, None]), None)
    assert not Warehouse.objects.exists()
    assert upload.error_count == 0 and upload.change_count == 1
    assert service.confirm(upload, None) == 1
    assert on_hand() == 4


def test_a_stored_problem_missing_its_words_params_is_described_not_crashing() -> None:
    from satustok.uploads.plans import Problem
    from satustok.uploads.stock import StockKind

    words = StockKind().describe(Problem.of(2, "Add", "remove_too_many", "-3"))
    assert words and "%(" in words  # the message as it is, unfilled
    assert StockKind().describe(Problem.of(2, "Add", "a_code_from_elsewhere")) == (
        "a_code_from_elsewhere"
    )


@pytest.mark.postgres
def test_confirming_stock_locks_the_variants_it_checks(kaos: Variant) -> None:
    """So that a master-products upload confirmed at the same moment cannot make one a bundle
    between the check and the commit (PostgreSQL; SQLite holds the whole database)."""
    from django.test.utils import CaptureQueriesContext

    upload = service.preview("stock", "s.xlsx", sheet(["KAOS", "utama", None, 1]), None)
    with CaptureQueriesContext(connection) as queries:
        service.confirm(upload, None)
    statements = [query["sql"] for query in queries.captured_queries]
    locked = [n for n, sql in enumerate(statements) if "catalog_variant" in sql.split(" WHERE")[0]
              and "FOR UPDATE" in sql]  # fmt: skip
    bundles = [n for n, sql in enumerate(statements) if "catalog_bundlecomponent" in sql]
    assert locked and bundles and locked[0] < bundles[0]
