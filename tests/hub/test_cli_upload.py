"""``satustok upload``: the template written to a file; a filled-in file previewed with every
problem's row and column and the first changes, writing nothing; ``--confirm`` writes when the
file has no problems; distinct exit codes for a refused file, problems and stale data; JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from satustok.catalog.models import MasterProduct, Variant
from satustok.inventory import stock
from satustok.inventory.adjustments import default_warehouse
from satustok.inventory.models import MovementReason, StockLevel, StockMovement
from satustok.uploads.models import Upload, UploadState
from sheets_support import sheet_rows, xlsx

pytestmark = pytest.mark.django_db

HEADER = ["SKU", "Warehouse", "Set to", "Add (+) / remove (−)"]


@pytest.fixture
def kaos(db: Any) -> Variant:
    variant = Variant.objects.create(product=MasterProduct.objects.create(name="Kaos"), sku="KAOS")
    stock.set_on_hand(default_warehouse().pk, variant.pk, 10, reference="test")
    return variant


def written_file(tmp_path: Path, rows: list[list[Any]], name: str = "stok.xlsx") -> str:
    path = tmp_path / name
    path.write_bytes(xlsx([HEADER, *rows]))
    return str(path)


def on_hand() -> int:
    return StockLevel.objects.get(variant__sku="KAOS").on_hand


def test_the_template_is_written_to_a_file(kaos: Variant, tmp_path: Path, capsys: Any) -> None:
    target = tmp_path / "template.xlsx"
    call_command("upload", "template", "stock", str(target))
    assert [row[0] for row in sheet_rows(target.read_bytes())[1:]] == ["KAOS"]
    assert str(target) in capsys.readouterr().out


def test_a_template_that_cannot_be_written_is_an_error_in_words(
    kaos: Variant, tmp_path: Path
) -> None:
    target = tmp_path / "no-such-folder" / "stok.xlsx"
    with pytest.raises(CommandError) as failed:
        call_command("upload", "template", "stock", str(target))
    assert failed.value.returncode == 2 and "No such file or directory" in str(failed.value)
    assert not target.exists()


def test_a_preview_prints_counts_problems_and_changes_and_writes_nothing(
    kaos: Variant, tmp_path: Path, capsys: Any
) -> None:
    path = written_file(tmp_path, [["KAOS", "utama", 12, None], ["NOPE", "utama", None, 2]])
    with pytest.raises(CommandError) as failed:
        call_command("upload", "stock", path)
    assert failed.value.returncode == 3
    out = capsys.readouterr().out
    assert "rows 2 · changes 1 (set 1) · unchanged 0 · problems 1" in out
    assert "row 3, column SKU:" in out and "NOPE" in out
    assert "row 2: set KAOS · Gudang Utama  10 → 12" in out
    assert on_hand() == 10 and not StockMovement.objects.filter(reason="stock_upload").exists()
    assert Upload.objects.get().state == UploadState.PREVIEWED


def test_confirm_writes_a_file_without_problems(kaos: Variant, tmp_path: Path, capsys: Any) -> None:
    path = written_file(tmp_path, [["KAOS", "utama", None, -4]])
    call_command("upload", "stock", path)
    assert on_hand() == 10 and "--confirm" in capsys.readouterr().out
    call_command("upload", "stock", path, "--confirm")
    out = capsys.readouterr().out
    applied = Upload.objects.get(state=UploadState.APPLIED)
    assert f"Applied: changes written 1 ({applied.reference})" in out
    line = StockMovement.objects.get(reference=applied.reference)
    assert (line.reason, line.on_hand_delta, line.user) == (MovementReason.STOCK_UPLOAD, -4, None)
    assert on_hand() == 6


def test_confirm_writes_nothing_when_the_file_has_problems(kaos: Variant, tmp_path: Path) -> None:
    path = written_file(tmp_path, [["KAOS", "utama", 12, None], ["KAOS", "utama", None, 1]])
    with pytest.raises(CommandError) as failed:
        call_command("upload", "stock", path, "--confirm")
    assert failed.value.returncode == 3 and on_hand() == 10


def test_a_refused_file_exits_2_with_words(kaos: Variant, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "stok.csv"
    path.write_bytes("SKU,Set to\nKAÓS,1\n".encode("cp1252"))
    with pytest.raises(CommandError) as failed:
        call_command("upload", "stock", str(path), "--json")
    assert failed.value.returncode == 2 and str(failed.value)
    document = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert document["error"]["reason"] == "encoding" and not Upload.objects.exists()


def test_json_output(kaos: Variant, tmp_path: Path, capsys: Any) -> None:
    path = written_file(tmp_path, [["KAOS", "utama", 12, None]])
    call_command("upload", "stock", path, "--json", "--confirm")
    document = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert document["state"] == "applied" and document["written"] == 1
    assert document["counts"] == {
        "rows": 1,
        "changes": 1,
        "unchanged": 0,
        "problems": 0,
        "by_action": {"set": 1},
    }
    assert document["changes"][0] | {} == {
        "row": 2,
        "action": "set",
        "target": "KAOS · Gudang Utama",
        "before": 10,
        "after": 12,
    }


def test_a_file_that_changes_nothing_is_not_an_error(
    kaos: Variant, tmp_path: Path, capsys: Any
) -> None:
    call_command(
        "upload", "stock", written_file(tmp_path, [["KAOS", "utama", 10, None]]), "--confirm"
    )
    assert "changes nothing" in capsys.readouterr().out and on_hand() == 10


def test_a_missing_file(kaos: Variant, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as failed:
        call_command("upload", "stock", str(tmp_path / "nope.xlsx"))
    assert failed.value.returncode == 2


def test_the_json_document_is_the_apis(kaos: Variant, tmp_path: Path, capsys: Any) -> None:
    """One builder (``uploads.service.document``) for the command line and the REST API."""
    from satustok.api.routes.uploads import UploadOut
    from satustok.uploads import service

    path = written_file(tmp_path, [["KAOS", "utama", 12, None], ["NOPE", "utama", 1, None]])
    with pytest.raises(CommandError):
        call_command("upload", "stock", path, "--json")
    document = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    upload = Upload.objects.get(pk=document["id"])
    built = service.document(upload, changes_shown=20)
    assert document == json.loads(json.dumps(built, ensure_ascii=False, default=str))
    assert set(document) == set(UploadOut.model_fields)
