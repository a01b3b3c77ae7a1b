"""Uploads over the REST API: the template as XLSX, a multipart upload answered with the
preview (counts, every problem with row, column, code and message, the first changes) and
nothing written; confirm writes once (409 for problems, a second confirm, a discarded or stale
upload); refused files are a 422 (413 when too big) in the API's error shape; roles decide."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import ApiClient, make_variant
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from roles_support import user_with_role
from satustok.api import tokens
from satustok.core.access import Role
from satustok.core.sheet_reading import MAX_UPLOAD_BYTES
from satustok.inventory import stock
from satustok.inventory.adjustments import default_warehouse
from satustok.inventory.models import StockLevel, StockMovement
from satustok.uploads.models import Upload
from sheets_support import sheet_rows, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["SKU", "Warehouse", "Set to", "Add (+) / remove (−)"]


@pytest.fixture
def skus(db: Any) -> None:
    make_variant("KAOS-M", on_hand=10)
    make_variant("TOPI", on_hand=5)


def send(api: ApiClient, data: bytes, name: str = "stok.xlsx", kind: str = "stock") -> Any:
    return api.client.post(
        f"/api/uploads/{kind}",
        {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
        headers=api.headers,
    )


def on_hand(sku: str) -> int:
    return StockLevel.objects.get(variant__sku=sku, warehouse=default_warehouse()).on_hand


def token_for(client: Client, role: str, read_only: bool = False) -> ApiClient:
    issued = tokens.issue(user_with_role(role), "tests", read_only=read_only)
    return ApiClient(client, issued.key)


def test_the_template_is_an_xlsx_of_todays_stock(api: ApiClient, skus: None) -> None:
    answer = api.get("/uploads/stock/template")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in answer["Content-Disposition"]
    rows = sheet_rows(answer.content)
    assert [(row[0], row[2], row[3]) for row in rows[1:]] == [
        ("KAOS-M", "utama", 10),
        ("TOPI", "utama", 5),
    ]


def test_an_upload_answers_its_preview_and_writes_nothing(api: ApiClient, skus: None) -> None:
    movements = StockMovement.objects.count()
    data = xlsx(
        [
            HEADER,
            ["KAOS-M", "utama", 12, None],
            ["NOPE", "utama", 1, None],
            ["TOPI", "utama", None, "x"],
            ["TOPI", "utama", 5, None],
        ]
    )
    answer = send(api, data)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (
        body["kind"] == "stock"
        and body["state"] == "previewed"
        and body["file_name"] == "stok.xlsx"
    )
    assert body["reference"] == f"upload:{body['id']}" and body["created_by"] == "operator"
    assert body["counts"] == {
        "rows": 4,
        "changes": 1,
        "unchanged": 1,
        "problems": 2,
        "by_action": {"set": 1},
    }
    assert [(p["row"], p["column"], p["code"], p["value"]) for p in body["problems"]] == [
        (3, "SKU", "unknown_sku", "NOPE"),
        (4, "Add (+) / remove (−)", "not_whole_number", "x"),
    ]
    assert all(p["message"] for p in body["problems"])
    assert body["changes"] == [
        {"row": 2, "action": "set", "target": "KAOS-M · Gudang Utama", "before": 10, "after": 12}
    ]
    assert body["can_confirm"] is False
    assert StockMovement.objects.count() == movements and on_hand("KAOS-M") == 10


def test_a_preview_lists_its_changes_a_window_at_a_time(api: ApiClient, skus: None) -> None:
    data = xlsx([HEADER, ["KAOS-M", "utama", 12, None], ["TOPI", "utama", None, 1]])
    upload_id = send(api, data).json()["id"]
    body = api.get(f"/uploads/{upload_id}", changes_offset=1, changes_limit=5).json()
    assert [c["row"] for c in body["changes"]] == [3] and body["changes_offset"] == 1
    assert body["counts"]["changes"] == 2
    assert api.get(f"/uploads/{upload_id}", changes_limit=5000).status_code == 422
    assert api.get("/uploads/999").status_code == 404


def test_confirm_writes_once_and_answers_what_was_written(
    api: ApiClient, skus: None, user: Any
) -> None:
    upload_id = send(
        api, xlsx([HEADER, ["KAOS-M", "utama", 12, None], ["TOPI", None, None, -1]])
    ).json()["id"]
    answer = api.post(f"/uploads/{upload_id}/confirm")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["state"] == "applied" and body["written"] == 2 and body["applied_by"] == "operator"
    lines = StockMovement.objects.filter(reference=f"upload:{upload_id}")
    assert sorted(m.on_hand_delta for m in lines) == [-1, 2] and {m.user for m in lines} == {user}
    again = api.post(f"/uploads/{upload_id}/confirm")
    assert again.status_code == 409 and again.json()["code"] == "already_applied"
    assert again.json()["detail"] and lines.count() == 2
    assert (on_hand("KAOS-M"), on_hand("TOPI")) == (12, 4)


def test_an_upload_with_problems_cannot_be_confirmed(api: ApiClient, skus: None) -> None:
    upload_id = send(api, xlsx([HEADER, ["KAOS-M", "utama", -3, None]])).json()["id"]
    refused = api.post(f"/uploads/{upload_id}/confirm")
    assert refused.status_code == 409 and refused.json()["code"] == "has_problems"
    assert on_hand("KAOS-M") == 10


def test_a_stale_confirm_answers_the_rows_that_no_longer_apply(api: ApiClient, skus: None) -> None:
    upload_id = send(api, xlsx([HEADER, ["KAOS-M", "utama", None, -10]])).json()["id"]
    variant_id = StockLevel.objects.get(variant__sku="KAOS-M").variant_id
    stock.ship(default_warehouse().pk, variant_id, 1, "order:1")
    refused = api.post(f"/uploads/{upload_id}/confirm")
    assert refused.status_code == 409 and refused.json()["code"] == "stale"
    assert [(p["row"], p["code"]) for p in refused.json()["problems"]] == [(2, "remove_too_many")]
    assert on_hand("KAOS-M") == 9
    assert api.get(f"/uploads/{upload_id}").json()["stale"] is True


def test_discard_then_confirm_is_refused(api: ApiClient, skus: None) -> None:
    upload_id = send(api, xlsx([HEADER, ["KAOS-M", "utama", 1, None]])).json()["id"]
    assert api.post(f"/uploads/{upload_id}/discard").json()["state"] == "discarded"
    refused = api.post(f"/uploads/{upload_id}/confirm")
    assert refused.status_code == 409 and refused.json()["code"] == "discarded"
    assert on_hand("KAOS-M") == 10


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("s.xlsx", xlsx([["SKU", "Set to"], ["KAOS-M", "=2*5"]]), "formula"),
        ("s.csv", "SKU,Set to\nKAÓS,1\n".encode("cp1252"), "encoding"),
        ("s.csv", "SKU,Set to\nKAOS,1\n".encode("utf-16"), "encoding"),
        ("s.xlsx", b"PK\x03\x04broken", "broken"),
        ("s.xlsx", b"%PDF-1.4", "not_a_spreadsheet"),
        ("s.csv", b"", "empty"),
    ],
)
def test_a_refused_file_is_a_422_in_the_error_shape_and_stores_nothing(
    api: ApiClient, skus: None, name: str, data: bytes, reason: str
) -> None:
    answer = send(api, data, name)
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "file_refused" and body["reason"] == reason and body["detail"]
    assert not Upload.objects.exists()


def test_a_file_over_the_limit_is_a_413(api: ApiClient, skus: None) -> None:
    answer = send(api, b"SKU\n" + b"A" * MAX_UPLOAD_BYTES, "big.csv")
    assert answer.status_code == 413 and answer.json()["reason"] == "too_big"
    assert not Upload.objects.exists()


def test_a_missing_file_or_an_unknown_kind(api: ApiClient, skus: None) -> None:
    missing = api.client.post("/api/uploads/stock", {}, headers=api.headers)
    assert missing.status_code == 422 and missing.json()["code"] == "invalid_input"
    unknown = send(api, xlsx([HEADER]), kind="orders")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    assert api.get("/uploads/orders/template").status_code == 404


def test_roles_decide_who_uploads(client: Client, skus: None) -> None:
    data = xlsx([HEADER, ["KAOS-M", "utama", 11, None]])
    staff = token_for(client, Role.STAFF)
    upload_id = send(staff, data).json()["id"]
    viewer = token_for(client, Role.VIEWER)
    for refused in (
        send(viewer, data),
        viewer.get("/uploads/stock/template"),
    ):
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    # A stock upload is for roles that change stock: to a Viewer it is not there.
    for hidden in (
        viewer.get(f"/uploads/{upload_id}"),
        viewer.post(f"/uploads/{upload_id}/confirm"),
        viewer.post(f"/uploads/{upload_id}/discard"),
    ):
        assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    assert viewer.get("/uploads").json()["items"] == []
    read_only = token_for(client, Role.OWNER, read_only=True)
    assert read_only.post(f"/uploads/{upload_id}/confirm").status_code == 403
    assert staff.post(f"/uploads/{upload_id}/confirm").status_code == 200
    assert on_hand("KAOS-M") == 11 and Upload.objects.count() == 1


def test_the_list_of_recent_uploads(api: ApiClient, skus: None) -> None:
    first = send(api, xlsx([HEADER, ["KAOS-M", "utama", 1, None]]), "satu.xlsx").json()["id"]
    second = send(api, xlsx([HEADER, ["NOPE", "utama", 1, None]]), "dua.xlsx").json()["id"]
    listed = api.get("/uploads").json()
    assert [item["id"] for item in listed["items"]] == [second, first]
    assert listed["items"][0]["counts"] == {"rows": 1, "changes": 0, "problems": 1}


def test_an_upload_is_shown_only_to_whom_may_see_it(client: Client, skus: None) -> None:
    from satustok.inventory.access import set_warehouses
    from satustok.inventory.models import Warehouse

    masters = Upload.objects.create(
        kind="masters", file_name="m.xlsx", file_sha256="m", content=b"", plan={}
    )
    owner = token_for(client, Role.OWNER)
    stock_id = send(owner, xlsx([HEADER, ["KAOS-M", "utama", 11, None]])).json()["id"]
    staff = token_for(client, Role.STAFF)
    assert staff.get(f"/uploads/{masters.pk}").status_code == 404  # costs and prices
    assert staff.post(f"/uploads/{masters.pk}/discard").status_code == 404
    assert [item["id"] for item in staff.get("/uploads").json()["items"]] == [stock_id]
    branch = Warehouse.objects.create(code="cabang", name="Gudang Cabang")
    limited_user = user_with_role(Role.STAFF, "cabang-staff")
    set_warehouses(limited_user, [branch])
    limited = ApiClient(client, tokens.issue(limited_user, "tests").key)
    assert limited.get(f"/uploads/{stock_id}").status_code == 404
    assert limited.post(f"/uploads/{stock_id}/confirm").status_code == 404
    assert limited.get("/uploads").json()["items"] == []
    assert owner.get(f"/uploads/{masters.pk}").status_code == 200
    assert on_hand("KAOS-M") == 10
