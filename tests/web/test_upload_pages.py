"""The upload pages: a kind's page offers the template and the form to the roles that may use
it; an uploaded file is previewed — errors first, each with its row and column — and nothing is
written until Confirm; a second Confirm writes nothing more; a refused or too-big file is
answered in words (never a 500); hostile text is shown escaped; a 50,000-row preview shows a
page of changes with exact counts; the stock, catalogue and unlinked pages link here."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from roles_support import ROLES, user_with_role
from satustok.catalog.models import MasterProduct, Variant
from satustok.core.access import ROLE_PERMISSIONS, Permission, Role
from satustok.core.sheet_reading import MAX_UPLOAD_BYTES
from satustok.inventory import stock
from satustok.inventory.adjustments import default_warehouse
from satustok.inventory.models import StockLevel, StockMovement
from satustok.uploads.models import Upload, UploadState
from sheets_support import sheet_rows, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["SKU", "Warehouse", "Set to", "Add (+) / remove (−)"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def skus(db: Any) -> list[Variant]:
    made = []
    for sku, quantity in (("KAOS-M", 10), ("TOPI", 5)):
        variant = Variant.objects.create(product=MasterProduct.objects.create(name=sku), sku=sku)
        stock.set_on_hand(default_warehouse().pk, variant.pk, quantity, reference="test")
        made.append(variant)
    return made


def logged_in(client: Client, role: str = Role.OWNER) -> Any:
    user = user_with_role(role)
    client.force_login(user)
    return user


def upload(client: Client, data: bytes, name: str = "stok.xlsx", kind: str = "stock") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("web:upload_kind", args=[kind]),
        {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
    )


def shown_problems(page: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<tr data-row="(\d+)" data-column="([^"]*)" data-code="([^"]+)"', page)


def on_hand(sku: str) -> int:
    return StockLevel.objects.get(variant__sku=sku, warehouse__code="utama").on_hand


KINDS = [
    ("stock", Permission.ADJUST_STOCK),
    ("masters", Permission.EDIT_CATALOG),
    ("links", Permission.IMPORT),
]


@pytest.mark.parametrize(("kind", "needed"), KINDS)
@pytest.mark.parametrize("role", ROLES)
def test_each_kinds_page_opens_for_the_roles_with_its_capability(
    client: Client, skus: Any, role: str, kind: str, needed: str
) -> None:
    logged_in(client, role)
    page = client.get(reverse("web:upload_kind", args=[kind]))
    template = client.get(reverse("web:upload_template", args=[kind]))
    if needed in ROLE_PERMISSIONS[role]:
        assert page.status_code == 200 and template.status_code == 200
        assert template["Content-Type"] == XLSX_TYPE and sheet_rows(template.content)[0]
        html = page.content.decode()
        assert 'data-testid="download-template"' in html and 'enctype="multipart/form-data"' in html
        assert f'data-max-bytes="{MAX_UPLOAD_BYTES}"' in html
    else:
        assert page.status_code == 403 and template.status_code == 403
        assert 'data-testid="forbidden"' in page.content.decode()
        assert (
            upload(client, xlsx([HEADER, ["TOPI", "utama", 1, None]]), kind=kind).status_code == 403
        )
        assert not Upload.objects.exists()


def test_the_template_downloads_as_an_xlsx_of_todays_stock(client: Client, skus: Any) -> None:
    logged_in(client)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    answer = client.get(reverse("web:upload_template", args=["stock"]))
    assert answer["Content-Type"] == XLSX_TYPE
    assert re.search(
        r'attachment; filename="satustok-stock-\d{8}\.xlsx"', answer["Content-Disposition"]
    )
    rows = sheet_rows(answer.content)
    assert rows[0][:3] == ["SKU", "Name", "Warehouse"]
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [("KAOS-M", "utama", 10), ("TOPI", "utama", 5)]


def test_a_file_with_errors_is_previewed_errors_first_and_cannot_be_confirmed(
    client: Client, skus: Any
) -> None:
    logged_in(client)
    movements = StockMovement.objects.count()
    data = xlsx(
        [
            HEADER,
            ["KAOS-M", "utama", 12, None],
            ["NOPE", "utama", 1, None],
            ["TOPI", "utama", "lima", None],
            ["TOPI", "gudang-x", None, 1],
        ]
    )
    answer = upload(client, data)
    created = Upload.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "web:upload", args=[created.pk]
    )
    page = client.get(answer["Location"]).content.decode()
    assert shown_problems(page) == [
        ("3", "SKU", "unknown_sku"),
        ("4", "Set to", "not_whole_number"),
        ("5", "Warehouse", "unknown_warehouse"),
    ]
    assert page.index('id="upload-problems"') < page.index('id="upload-changes"')
    assert 'data-testid="confirm-upload"' not in page
    assert 'data-rows="4" data-changes="1" data-unchanged="0" data-problems="3"' in page
    refused = client.post(reverse("web:upload_confirm", args=[created.pk]))
    assert refused.status_code == 302
    assert StockMovement.objects.count() == movements and on_hand("KAOS-M") == 10


def test_a_good_file_is_written_only_on_confirm_and_only_once(client: Client, skus: Any) -> None:
    user = logged_in(client)
    answer = upload(client, xlsx([HEADER, ["KAOS-M", "utama", 12, None], ["TOPI", None, None, -2]]))
    created = Upload.objects.get()
    page = client.get(answer["Location"]).content.decode()
    assert 'data-testid="confirm-upload"' in page and not shown_problems(page)
    assert re.findall(r'<tr data-row="(\d+)" data-action="(\w+)"', page) == [
        ("2", "set"),
        ("3", "remove"),
    ]
    assert f'href="{reverse("web:inventory_sku", args=[skus[0].pk])}"' in page
    assert on_hand("KAOS-M") == 10  # the preview wrote nothing

    confirm = reverse("web:upload_confirm", args=[created.pk])
    assert client.post(confirm).status_code == 302
    assert client.post(confirm).status_code == 302  # a double submit
    lines = StockMovement.objects.filter(reference=created.reference)
    assert sorted(m.on_hand_delta for m in lines) == [-2, 2] and {m.user for m in lines} == {user}
    assert (on_hand("KAOS-M"), on_hand("TOPI")) == (12, 3)
    created.refresh_from_db()
    assert created.state == UploadState.APPLIED and created.applied_by == user
    result = client.get(reverse("web:upload", args=[created.pk])).content.decode()
    assert 'data-testid="upload-applied"' in result and 'data-testid="confirm-upload"' not in result


def test_discard_sets_an_upload_aside(client: Client, skus: Any) -> None:
    logged_in(client)
    upload(client, xlsx([HEADER, ["KAOS-M", "utama", 12, None]]))
    created = Upload.objects.get()
    client.post(reverse("web:upload_discard", args=[created.pk]))
    client.post(reverse("web:upload_confirm", args=[created.pk]))
    created.refresh_from_db()
    assert created.state == UploadState.DISCARDED and on_hand("KAOS-M") == 10


def test_a_viewer_neither_sees_nor_confirms_a_stock_upload(client: Client, skus: Any) -> None:
    """A stock upload is for roles that change stock: to a Viewer it is not there."""
    logged_in(client)
    upload(client, xlsx([HEADER, ["KAOS-M", "utama", 12, None]]))
    created = Upload.objects.get()
    client.logout()
    logged_in(client, Role.VIEWER)
    assert client.get(reverse("web:upload", args=[created.pk])).status_code == 404
    assert client.post(reverse("web:upload_confirm", args=[created.pk])).status_code == 404
    assert client.post(reverse("web:upload_discard", args=[created.pk])).status_code == 404
    listed = client.get(reverse("web:uploads")).content.decode()
    assert reverse("web:upload", args=[created.pk]) not in listed
    assert on_hand("KAOS-M") == 10


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("stok.xlsx", xlsx([["SKU", "Set to"], ["KAOS-M", "=5+5"]]), "formula"),
        ("stok.csv", "SKU,Set to\nKAÓS,1\n".encode("cp1252"), "encoding"),
        ("stok.xlsx", b"%PDF-1.4 not a sheet", "not_a_spreadsheet"),
        ("stok.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "xls"),
    ],
)
def test_a_refused_file_is_answered_in_words_and_stores_nothing(
    client: Client, skus: Any, name: str, data: bytes, code: str
) -> None:
    logged_in(client)
    answer = upload(client, data, name)
    assert answer.status_code == 400
    assert f'data-testid="file-refused" data-code="{code}"' in answer.content.decode()
    assert not Upload.objects.exists() and on_hand("KAOS-M") == 10


def test_a_file_over_the_limit_is_refused_in_words_not_a_500(client: Client, skus: Any) -> None:
    logged_in(client)
    answer = upload(client, b"SKU,Set to\n" + b"X" * MAX_UPLOAD_BYTES, "big.csv")
    assert answer.status_code == 400
    assert 'data-code="too_big"' in answer.content.decode() and not Upload.objects.exists()


def test_no_file_chosen_asks_for_one(client: Client, skus: Any) -> None:
    logged_in(client)
    answer = client.post(reverse("web:upload_kind", args=["stock"]), {})
    assert answer.status_code == 200 and 'class="errorlist"' in answer.content.decode()


def test_hostile_text_in_a_cell_is_shown_escaped(client: Client, skus: Any) -> None:
    logged_in(client)
    answer = upload(client, xlsx([HEADER, ["<script>alert(1)</script>", "utama", 1, None]]))
    page = client.get(answer["Location"]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_a_long_preview_pages_its_changes_and_counts_them_exactly(client: Client, db: Any) -> None:
    product = MasterProduct.objects.create(name="Banyak")
    Variant.objects.bulk_create(
        Variant(product=product, sku=f"V-{n:04d}", sku_key=f"v-{n:04d}") for n in range(250)
    )
    logged_in(client)
    rows = [[f"V-{n:04d}", "utama", None, 1] for n in range(250)]
    rows += [[f"NOPE-{n}", "utama", 1, None] for n in range(520)]
    answer = upload(client, xlsx([HEADER, *rows]))
    page = client.get(answer["Location"]).content.decode()
    assert 'data-changes="250"' in page and 'data-problems="520"' in page
    assert len(shown_problems(page)) == 500 and 'data-testid="problems-hidden"' in page
    assert len(re.findall(r'data-action="add"', page)) == 100
    last = client.get(answer["Location"] + "?page=3").content.decode()
    assert len(re.findall(r'data-action="add"', last)) == 50


def test_unknown_kinds_and_uploads_are_not_found(client: Client, db: Any) -> None:
    logged_in(client)
    assert client.get(reverse("web:upload_kind", args=["orders"])).status_code == 404
    assert client.get(reverse("web:upload", args=[999])).status_code == 404


def test_the_list_of_recent_uploads(client: Client, skus: Any) -> None:
    logged_in(client)
    upload(client, xlsx([HEADER, ["KAOS-M", "utama", 12, None]]), "satu.xlsx")
    upload(client, xlsx([HEADER, ["NOPE", "utama", 12, None]]), "dua.xlsx")
    page = client.get(reverse("web:uploads")).content.decode()
    assert page.index("dua.xlsx") < page.index("satu.xlsx")
    assert 'data-kind="stock"' in page


@pytest.mark.parametrize(
    ("url", "testid", "needed"),
    [
        ("web:inventory", "stock-upload-link", Permission.ADJUST_STOCK),
        ("web:catalog", "masters-upload-link", Permission.EDIT_CATALOG),
        ("web:catalog_unlinked", "links-upload-link", Permission.IMPORT),
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_the_pages_where_things_are_changed_link_their_upload(
    client: Client, skus: Any, url: str, testid: str, needed: str, role: str
) -> None:
    from roles_support import an_integration
    from satustok.channels.models import Listing

    Listing.objects.create(account=an_integration(), external_id="9", sku="X")  # one unlinked
    logged_in(client, role)
    page = client.get(reverse(url)).content.decode()
    assert (f'data-testid="{testid}"' in page) is (needed in ROLE_PERMISSIONS[role])


# --- who sees an upload -----------------------------------------------------------------------


def a_masters_upload() -> Upload:
    return Upload.objects.create(
        kind="masters", file_name="m.xlsx", file_sha256="m", content=b"", plan={}
    )


def test_staff_cannot_open_a_master_products_upload(client: Client, db: Any) -> None:
    """A master-products preview shows costs and prices, which Staff may not read."""
    masters = a_masters_upload()
    logged_in(client, Role.STAFF)
    for name in ("web:upload", "web:upload_confirm", "web:upload_discard"):
        method = client.get if name == "web:upload" else client.post
        assert method(reverse(name, args=[masters.pk])).status_code == 404
    listed = client.get(reverse("web:uploads")).content.decode()
    assert reverse("web:upload", args=[masters.pk]) not in listed
    client.logout()
    logged_in(client, Role.ADMIN)
    assert client.get(reverse("web:upload", args=[masters.pk])).status_code == 200


def test_a_warehouse_limited_user_cannot_see_other_stock_uploads(client: Client, skus: Any) -> None:
    from satustok.inventory.access import set_warehouses
    from satustok.inventory.models import Warehouse

    logged_in(client)
    upload(client, xlsx([HEADER, ["KAOS-M", "utama", 12, None]]))
    owners = Upload.objects.get()
    client.logout()
    branch = Warehouse.objects.create(code="cabang", name="Gudang Cabang")
    limited = user_with_role(Role.STAFF, "cabang-staff")
    set_warehouses(limited, [branch])
    client.force_login(limited)
    assert client.get(reverse("web:upload", args=[owners.pk])).status_code == 404
    assert client.post(reverse("web:upload_confirm", args=[owners.pk])).status_code == 404
    upload(client, xlsx([HEADER, ["KAOS-M", "cabang", 3, None]]))
    theirs = Upload.objects.exclude(pk=owners.pk).get()
    assert client.get(reverse("web:upload", args=[theirs.pk])).status_code == 200
    for page in (reverse("web:uploads"), reverse("web:upload_kind", args=["stock"])):
        listed = client.get(page).content.decode()
        assert reverse("web:upload", args=[owners.pk]) not in listed
        assert reverse("web:upload", args=[theirs.pk]) in listed
    assert on_hand("KAOS-M") == 10
