"""Listing links by upload (``uploads/links.py``): the template, the plan (link, unlink, relink,
unchanged; every problem with its row and column), apply (exactly the planned links, marked for
a stock and a price push, in the activity log with the upload's reference; nothing written when
a problem exists or a link changed since the preview), the pushers nudged after the commit and
the master stock reaching the shop, roles."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import translation
from openpyxl import load_workbook

from channel_worlds import TokopediaWorld, import_now
from roles_support import an_integration, user_with_role
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.connect import default_warehouse
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.core.access import NotAllowed, Role, can
from satustok.core.activity import Action
from satustok.core.models import Activity
from satustok.core.sheet_reading import Table, TableRow, read_table
from satustok.core.spreadsheet import xlsx_bytes
from satustok.inventory import bundles, stock
from satustok.inventory.bundles import Part
from satustok.sync import pusher
from satustok.uploads import service
from satustok.uploads.links import MESSAGES, SPECS, UNLINKED_BY_HAND, LinksKind
from satustok.uploads.models import Upload, UploadKind
from satustok.uploads.plans import Plan, Problem, Stale

pytestmark = pytest.mark.django_db

OPERATOR: Any = None  # the command line's operator (acts as an Owner)
KIND = LinksKind()
KEYS = [spec.key for spec in SPECS]


def master(sku: str) -> Variant:
    return Variant.objects.create(
        product=MasterProduct.objects.create(name=f"Produk {sku}"), sku=sku
    )


def listing(account: ChannelAccount, external_id: str, sku: str, variant: Variant | None = None,
            **fields: Any) -> Listing:  # fmt: skip
    method = LinkMethod.AUTO_SKU if variant else LinkMethod.UNLINKED
    return Listing.objects.create(
        account=account, external_id=external_id, sku=sku, variant=variant, link_method=method,
        name=f"Listing {sku}", **fields,
    )  # fmt: skip


def table(*rows: dict[str, Any]) -> Table:
    """A table with the template's headers; rows give integration, listing and master_sku."""
    return Table(
        [spec.heading.label for spec in SPECS],
        [TableRow(n, [row.get(key) for key in KEYS]) for n, row in enumerate(rows, start=2)],
    )


def row(listing: Listing, master_sku: Any) -> dict[str, Any]:
    return {"integration": listing.account_id, "listing": listing.external_id,
            "master_sku": master_sku}  # fmt: skip


def upload() -> Upload:
    return Upload.objects.create(kind=UploadKind.LINKS, file_name="links.xlsx", file_sha256="0")


def problems(plan: Plan) -> list[tuple[int, str, str]]:
    key_of = {spec.heading.label: spec.key for spec in SPECS}
    return [(p.row, key_of.get(p.column, p.column), p.code) for p in plan.problems]


def links() -> dict[str, tuple[Any, ...]]:
    """Each listing's link and push marks, by external id."""
    found = Listing.objects.values_list(
        "external_id", "variant__sku", "link_method", "unlinked_reason", "needs_push",
        "dirty_version", "price_needs_push", "price_dirty_version",
    )  # fmt: skip
    return {external_id: tuple(values) for external_id, *values in found}


@pytest.fixture
def shop() -> ChannelAccount:
    return an_integration(shop_name="Toko Satu")


# --- the template -------------------------------------------------------------------------------


def test_the_template_has_one_row_per_listing_with_its_master_sku(shop: ChannelAccount) -> None:
    other = an_integration(
        channel="shopee", shop_id="77", shop_name="", warehouse=default_warehouse()
    )
    kaos = master("KAOS")
    listing(shop, "1001", "kaos", kaos, parent_external_id="1000")
    listing(shop, "0042", "lain")
    listing(other, "7300000000000000001", "KAOS-S", kaos)
    rows = [list(r) for r in KIND.template(OPERATOR)[0].rows]
    assert rows == [
        [shop.pk, "Toko Satu", "Tokopedia", "0042", "", "lain", "Listing lain", None],
        [shop.pk, "Toko Satu", "Tokopedia", "1001", "1000", "kaos", "Listing kaos", "KAOS"],
        [other.pk, "77", "Shopee", "7300000000000000001", "", "KAOS-S", "Listing KAOS-S", "KAOS"],
    ]


def test_a_downloaded_template_uploaded_unchanged_changes_nothing(shop: ChannelAccount) -> None:
    """Through a real XLSX: listing ids stay text (no lost leading zero, no 19-digit id rounded
    to a float), SKUs starting with = or - come back as they were."""
    kaos, minus = master("KAOS"), master("-DISKON")
    listing(shop, "0042", "=cmd", kaos)
    listing(shop, "7300000000000000001", "-DISKON", minus)
    listing(shop, "9", "")
    file = xlsx_bytes(KIND.template(OPERATOR))
    cells = [c for r in load_workbook(io.BytesIO(file)).worksheets[0].values for c in r]
    assert "'=cmd" in cells and "'-DISKON" in cells  # neutralised in the file
    plan = KIND.plan(read_table("links.xlsx", file), OPERATOR)
    assert (plan.problems, plan.changes, plan.unchanged) == ([], [], 3)


# --- planning and applying ------------------------------------------------------------------------


def test_link_unlink_and_relink_are_planned_and_applied_as_planned(shop: ChannelAccount) -> None:
    kaos, topi = master("KAOS"), master("TOPI")
    paket = master("PAKET")
    bundles.set_recipe(paket, [Part(kaos, 2)])
    free = listing(shop, "1", "kaos-ku")
    linked = listing(shop, "2", "TOPI", topi)
    moved = listing(shop, "3", "KAOS", kaos)
    same = listing(shop, "4", "TOPI", topi)
    bundle = listing(shop, "5", "PAKET")
    plan = KIND.plan(
        table(row(free, "kaos"), row(linked, None), row(moved, "TOPI"), row(same, "topi"),
              row(bundle, "PAKET")),
        OPERATOR,
    )  # fmt: skip
    assert plan.problems == []
    assert [(c.row, c.action, c.target, c.before, c.after) for c in plan.changes] == [
        (2, "link", "Toko Satu · 1 (kaos-ku)", None, "KAOS"),
        (3, "unlink", "Toko Satu · 2 (TOPI)", "TOPI", None),
        (4, "link", "Toko Satu · 3 (KAOS)", "KAOS", "TOPI"),
        (6, "link", "Toko Satu · 5 (PAKET)", None, "PAKET"),  # a bundle may be linked
    ]
    assert plan.unchanged == 1
    before = links()

    assert KIND.apply(plan, upload(), OPERATOR) == 4

    after = links()
    assert after["1"] == ("KAOS", LinkMethod.MANUAL, "", True, 1, True, 1)
    assert after["2"] == (None, LinkMethod.UNLINKED, UNLINKED_BY_HAND, False, 1, False, 1)
    assert after["3"] == ("TOPI", LinkMethod.MANUAL, "", True, 1, True, 1)
    assert after["4"] == before["4"]  # unchanged: not touched
    assert after["5"][:2] == ("PAKET", LinkMethod.MANUAL)


def test_a_dash_unlinks_like_a_blank_cell(shop: ChannelAccount) -> None:
    kaos = master("KAOS")
    linked = listing(shop, "1", "KAOS", kaos)
    plan = KIND.plan(table(row(linked, "-")), OPERATOR)
    assert [(c.action, c.before, c.after) for c in plan.changes] == [("unlink", "KAOS", None)]


def test_each_link_is_in_the_activity_log_with_the_uploads_reference(shop: ChannelAccount) -> None:
    master("KAOS")
    topi = master("TOPI")
    free, linked = listing(shop, "1", "x"), listing(shop, "2", "TOPI", topi)
    sent = upload()
    KIND.apply(KIND.plan(table(row(free, "KAOS"), row(linked, "")), OPERATOR), sent, OPERATOR)
    logged = Activity.objects.filter(
        action__in=[Action.LISTING_LINKED, Action.LISTING_UNLINKED]
    ).order_by("pk")
    assert [(e.action, e.target_id, e.before, e.after) for e in logged] == [
        (Action.LISTING_LINKED, str(free.pk), {"variant": None, "link": "unlinked"},
         {"variant": "KAOS", "link": "manual", "upload": sent.reference}),
        (Action.LISTING_UNLINKED, str(linked.pk), {"variant": "TOPI", "link": "auto_sku"},
         {"variant": None, "link": "unlinked", "upload": sent.reference}),
    ]  # fmt: skip


def test_links_made_by_upload_survive_the_next_import(fast_sandbox: Any) -> None:
    """A link by upload is the seller's own (manual): importing the shop again keeps it."""
    account = TokopediaWorld(fast_sandbox).connect()
    chosen = account.listings.filter(variant__isnull=False).order_by("id").first()
    assert chosen is not None
    other = master("UPLOAD-MASTER")
    KIND.apply(KIND.plan(table(row(chosen, "UPLOAD-MASTER")), OPERATOR), upload(), OPERATOR)
    import_now(account)
    chosen.refresh_from_db()
    assert (chosen.variant_id, chosen.link_method) == (other.pk, LinkMethod.MANUAL)


def test_a_listing_unlinked_by_upload_stays_unlinked_through_the_next_import(
    fast_sandbox: Any,
) -> None:
    """Unlinking is the seller's choice too: importing the shop again must not link the
    listing back by its SKU (it would be pushed the master stock again)."""
    account = TokopediaWorld(fast_sandbox).connect()
    chosen = account.listings.filter(variant__isnull=False).order_by("id").first()
    assert chosen is not None
    KIND.apply(KIND.plan(table(row(chosen, "")), OPERATOR), upload(), OPERATOR)
    import_now(account)
    chosen.refresh_from_db()
    assert (chosen.variant_id, chosen.link_method, chosen.unlinked_reason) == (
        None, LinkMethod.UNLINKED, UNLINKED_BY_HAND,
    )  # fmt: skip
    assert not chosen.needs_push


# --- problems -------------------------------------------------------------------------------------


def test_every_problem_has_its_row_and_column_and_nothing_is_written(shop: ChannelAccount) -> None:
    kaos = master("KAOS")
    one, two = listing(shop, "1", "a"), listing(shop, "2", "b", kaos)
    before = links()
    plan = KIND.plan(
        table(
            row(one, "KAOS"),  # good: planned, not written
            {"integration": "abc", "listing": "1", "master_sku": "KAOS"},
            {"integration": 999, "listing": "1", "master_sku": "KAOS"},
            {"integration": "9" * 40, "listing": "1", "master_sku": "KAOS"},
            {"integration": None, "listing": "1", "master_sku": "KAOS"},
            {"integration": shop.pk, "listing": None, "master_sku": "KAOS"},
            {"integration": shop.pk, "listing": "404", "master_sku": "KAOS"},
            row(two, "NOPE"),
            row(one, "kaos"),  # the same listing again, the same SKU
            row(one, "TOPI"),  # the same listing again, another SKU (and TOPI is unknown)
            {"integration": shop.pk, "listing": "x" * 10_000, "master_sku": "S" * 51},
            {"integration": shop.pk, "listing": "1\x002", "master_sku": "<script>"},
        ),
        OPERATOR,
    )
    assert problems(plan) == [
        (3, "integration", "not_whole"),
        (4, "integration", "unknown_integration"),
        (5, "integration", "unknown_integration"),
        (6, "integration", "required"),
        (7, "listing", "required"),
        (8, "listing", "unknown_listing"),
        (9, "master_sku", "unknown_master_sku"),
        (10, "listing", "duplicate_row"),
        (11, "master_sku", "unknown_master_sku"),
        (11, "master_sku", "conflicting_rows"),
        (12, "listing", "too_long"),
        (12, "master_sku", "too_long"),
        (13, "listing", "bad_character"),
    ]
    assert not [p for p in plan.problems if "%(" in KIND.describe(p)]  # every message filled
    assert plan.problems[7].params == {"first": 2}
    assert plan.problems[9].params == {"first": 2, "sku": "KAOS"}
    assert all(len(p.value) <= 80 for p in plan.problems)
    assert [c.row for c in plan.changes] == [2]
    with pytest.raises(Stale):
        KIND.apply(plan, upload(), OPERATOR)
    assert links() == before
    assert not Activity.objects.exists()


def test_a_file_without_the_key_columns_is_refused_as_a_whole() -> None:
    plan = KIND.plan(Table(["SKU", "Name"], [TableRow(2, ["a", "b"])]), OPERATOR)
    assert [(p.row, p.code) for p in plan.problems] == [(0, "missing_column")] * 3


def test_every_problem_reads_in_both_languages() -> None:
    for code in MESSAGES:
        problem = Problem.of(3, "SKU master", code, "<b>x</b>", first=2, sku="A", most=5,
                             length=9, integration=4, now="B")  # fmt: skip
        for language in ("id", "en"):
            with translation.override(language):
                assert KIND.describe(problem).strip()


# --- stale ----------------------------------------------------------------------------------------


def test_a_link_changed_after_the_preview_makes_the_confirmation_stale(
    shop: ChannelAccount,
) -> None:
    master("KAOS")
    topi = master("TOPI")
    one, two = listing(shop, "1", "a"), listing(shop, "2", "b")
    plan = KIND.plan(table(row(one, "KAOS"), row(two, "KAOS")), OPERATOR)
    Listing.objects.filter(pk=two.pk).update(variant=topi, link_method=LinkMethod.MANUAL)
    before = links()
    with pytest.raises(Stale) as stale:
        KIND.apply(plan, upload(), OPERATOR)
    assert [(p.row, p.code, p.params) for p in stale.value.problems] == [
        (3, "changed_since", {"now": "TOPI"})
    ]
    assert "%(" not in KIND.describe(stale.value.problems[0])
    assert links() == before  # the good row is not written either


def test_a_listing_or_master_deleted_after_the_preview_is_stale(shop: ChannelAccount) -> None:
    master("KAOS")
    topi = master("TOPI")
    one, two, three = listing(shop, "1", "a"), listing(shop, "2", "b"), listing(shop, "3", "c")
    plan = KIND.plan(table(row(one, "KAOS"), row(two, "TOPI"), row(three, "KAOS")), OPERATOR)
    one.delete()
    topi.product.delete()
    with pytest.raises(Stale) as stale:
        KIND.apply(plan, upload(), OPERATOR)
    assert [(p.row, p.code) for p in stale.value.problems] == [
        (2, "unknown_listing"),
        (3, "unknown_master_sku"),
    ]
    assert not [p for p in stale.value.problems if "%(" in KIND.describe(p)]
    assert Listing.objects.get(pk=three.pk).variant_id is None


# --- pushes ---------------------------------------------------------------------------------------


def test_apply_nudges_the_pushers_of_shops_that_push_once_it_commits(
    shop: ChannelAccount, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from satustok.sync import tasks

    quiet = an_integration(shop_id="2", shop_name="Toko Dua")
    pusher.set_push_stock(shop, True)
    nudged: list[int] = []
    monkeypatch.setattr(tasks, "_nudge", nudged.append)
    master("KAOS")
    one, two = listing(shop, "1", "a"), listing(quiet, "1", "a")
    with django_capture_on_commit_callbacks(execute=True):
        KIND.apply(
            KIND.plan(table(row(one, "KAOS"), row(two, "KAOS")), OPERATOR), upload(), OPERATOR
        )
    assert nudged == [shop.pk]  # the shop with pushing off waits until it is switched on


def test_a_linked_listing_is_pushed_the_master_stock_and_an_unlinked_one_no_more(
    fast_sandbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Through the real pusher and the sandbox: relink a listing to another master and the shop
    shows that master's stock; unlink another and a later stock change does not reach it."""
    world = TokopediaWorld(fast_sandbox)
    account = world.connect()
    pusher.set_push_stock(account, True)
    pusher.push_account(account.pk)
    relinked, unlinked = account.listings.filter(variant__isnull=False).order_by("id")[:2]
    shown_before = world.shown_stock(unlinked)
    other = master("UPLOAD-MASTER")
    stock.set_on_hand(account.warehouse_id, other.pk, 37)

    with django_capture_on_commit_callbacks(execute=True):  # the nudge pushes (tasks inline)
        KIND.apply(
            KIND.plan(table(row(relinked, "UPLOAD-MASTER"), row(unlinked, "")), OPERATOR),
            upload(),
            OPERATOR,
        )

    assert world.shown_stock(relinked) == 37
    Listing.objects.filter(pk=relinked.pk).update(needs_push=False)
    old_master = Variant.objects.get(pk=unlinked.variant_id)
    stock.set_on_hand(account.warehouse_id, old_master.pk, shown_before + 5)
    pusher.push_account(account.pk)
    assert world.shown_stock(unlinked) == shown_before


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.STAFF, Role.VIEWER])
def test_only_owners_and_admins_may_upload_links(role: str) -> None:
    assert can(user_with_role(role), KIND.permission) is (role in (Role.OWNER, Role.ADMIN))
    assert KIND.name == UploadKind.LINKS


# --- through the upload flow (uploads/service.py) -------------------------------------------------


def test_a_template_edited_in_a_spreadsheet_is_previewed_then_confirmed(
    shop: ChannelAccount,
) -> None:
    admin = user_with_role(Role.ADMIN)
    kaos = master("KAOS")
    free = listing(shop, "0042", "kaos-01")
    book = load_workbook(io.BytesIO(service.template("links", admin)))
    sheet = book.worksheets[0]
    assert sheet["D2"].value == "0042"  # a listing id is text in the file
    sheet["H2"] = "kaos"
    out = io.BytesIO()
    book.save(out)

    preview = service.preview("links", "links.xlsx", out.getvalue(), admin)
    assert service.summary(preview).by_action == {"link": 1}
    assert Listing.objects.get(pk=free.pk).variant_id is None  # the preview wrote nothing
    assert service.confirm(preview, admin) == 1
    assert Listing.objects.get(pk=free.pk).variant_id == kaos.pk
    (entry,) = Activity.objects.filter(action=Action.LISTING_LINKED)
    assert (entry.actor_id, entry.after["upload"]) == (admin.pk, preview.reference)


@pytest.mark.parametrize("role", [Role.STAFF, Role.VIEWER])
def test_staff_and_viewers_cannot_download_upload_or_confirm_links(
    shop: ChannelAccount, role: str
) -> None:
    listing(shop, "1", "a")
    master("KAOS")
    user = user_with_role(role)
    file = service.template("links", OPERATOR)
    with pytest.raises(NotAllowed):
        service.template("links", user)
    with pytest.raises(NotAllowed):
        service.preview("links", "l.xlsx", file, user)
    waiting = service.preview("links", "l.xlsx", file, OPERATOR)
    with pytest.raises(NotAllowed):
        service.confirm(waiting, user)


def test_a_csv_with_indonesian_headers_is_read_like_the_template(shop: ChannelAccount) -> None:
    master("KAOS")
    free = listing(shop, "007", "kaos")
    csv = f"ID integrasi;ID listing;SKU master\n{shop.pk};007;KAOS\n"
    plan = KIND.plan(read_table("tautan.csv", csv.encode("utf-8-sig")), OPERATOR)
    assert [(c.row, c.action, c.after, c.data["listing"]) for c in plan.changes] == [
        (2, "link", "KAOS", free.pk)
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_uploads_linking_one_listing_at_once_apply_one_and_find_the_other_stale() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs writers at once (PostgreSQL)")
    shop = an_integration()
    master("KAOS")
    master("TOPI")
    free = listing(shop, "1", "x")
    uploads = [
        service.preview(
            "links",
            "l.csv",
            f"Integration ID,Listing ID,Master SKU\n{shop.pk},1,{sku}\n".encode(),
            None,
        )
        for sku in ("KAOS", "TOPI")
    ]
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def confirm(upload: Upload) -> None:
        start.wait()
        try:
            service.confirm(Upload.objects.get(pk=upload.pk), None)
            outcomes.append("applied")
        except Stale as stale:
            outcomes.append(stale.problems[0].code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(upload,)) for upload in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["applied", "changed_since"]
    assert Activity.objects.filter(action=Action.LISTING_LINKED).count() == 1
    assert Listing.objects.get(pk=free.pk).link_method == LinkMethod.MANUAL
