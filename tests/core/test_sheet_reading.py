"""Reading uploaded spreadsheets: an XLSX's first sheet or a UTF-8 CSV becomes a table of
values with the rows numbered as the seller sees them; every file that is not a plain table of
values — empty, broken, a PDF, an old XLS, a zip bomb, an entity bomb, a formula, a wrong
encoding, too many rows, no or a repeated header, too big — is refused with a code and words.
(No database: these tests never touch one.)"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any

import pytest

from satustok.core import sheet_reading
from satustok.core.sheet_reading import (
    MAX_ROWS,
    MAX_UNZIPPED_BYTES,
    MAX_UPLOAD_BYTES,
    SheetRefused,
    cell_text,
    read_table,
    whole_number,
)
from sheets_support import csv_bytes, xlsx

HEADER = ["SKU", "Name", "Set to"]


def refused(file_name: str, data: bytes) -> SheetRefused:
    with pytest.raises(SheetRefused) as caught:
        read_table(file_name, data)
    assert caught.value.message.strip(), "refused in words"
    return caught.value


# --- what is read -------------------------------------------------------------------------


def test_an_xlsx_first_sheet_is_read_with_typed_values_and_the_sheets_row_numbers() -> None:
    data = xlsx(
        [
            HEADER,
            ["  KAOS-M ", "Kaos  M", 12],
            [None, None, None],  # a blank row: skipped, its number not reused
            ["TOPI", None, 2.5],
            ["007", "", datetime(2025, 1, 2)],
        ],
        [["Other sheet"], ["ignored"]],
    )
    table = read_table("stok.xlsx", data)
    assert table.headers == HEADER
    assert [row.number for row in table.rows] == [2, 4, 5]
    assert table.rows[0].values == ["KAOS-M", "Kaos  M", 12]
    assert table.rows[1].values == ["TOPI", None, 2.5]
    assert table.rows[2].values == ["007", None, datetime(2025, 1, 2)]


def test_a_utf8_csv_with_or_without_bom_and_either_delimiter_is_read_as_text() -> None:
    rows = [HEADER, ["KAOS-É", "Kaos é", "12"], ["", "", ""], ["007", "Topi", "-3"]]
    for delimiter in (",", ";"):
        for bom in (b"", b"\xef\xbb\xbf"):
            table = read_table("stok.csv", bom + csv_bytes(rows, delimiter=delimiter))
            assert table.headers == HEADER
            assert [row.number for row in table.rows] == [2, 4]
            assert table.rows[0].values == ["KAOS-É", "Kaos é", "12"]
            assert table.rows[1].values == ["007", "Topi", "-3"]  # "007" stays text


def test_a_short_row_is_padded_and_cells_beyond_the_header_are_left_out() -> None:
    table = read_table("a.csv", b"SKU,Set to\nA\nB,2,extra,more\n")
    assert [row.values for row in table.rows] == [["A", None], ["B", "2"]]


def test_cells_our_templates_neutralised_read_back_as_they_were() -> None:
    """An export writes ``'=X`` for a text starting with ``=`` (so no spreadsheet runs it);
    uploading the file back gives ``=X``, not a SKU with a quote."""
    table = read_table("t.xlsx", xlsx([["SKU", "Add"], ["'=CMD", "'-5"], ["'plain", None]]))
    assert [row.values for row in table.rows] == [["=CMD", "-5"], ["'plain", None]]


def test_the_header_key_finds_a_column_whatever_its_case_and_spacing() -> None:
    table = read_table("a.csv", b"  sku , Set   TO \nA,1\n")
    assert table.find("SKU") == 0 and table.find("Set to") == 1 and table.find("Add") is None


def test_exactly_the_most_rows_are_read() -> None:
    rows = [["SKU", "Set to"], *([f"S-{n}", n] for n in range(MAX_ROWS))]
    table = read_table("big.csv", csv_bytes(rows))
    assert len(table.rows) == MAX_ROWS and table.rows[-1].number == MAX_ROWS + 1


# --- reading a cell ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "number"),
    [(12, 12), (12.0, 12), ("12", 12), ("-3", -3), ("+4", 4), ("−5", -5), (10**12, 10**12)],
)
def test_whole_numbers_are_read_from_numbers_and_text(cell: object, number: int) -> None:
    assert whole_number(cell) == number


@pytest.mark.parametrize(
    "cell",
    [1.5, "1.5", "1.000", "abc", "", "1e3", True, datetime(2025, 1, 1), float("inf"), "٣"],
)
def test_anything_else_is_not_a_whole_number(cell: object) -> None:
    with pytest.raises(ValueError):
        whole_number(cell)


def test_cell_text_reads_numbers_a_spreadsheet_made_of_codes() -> None:
    assert [cell_text(v) for v in (None, 12, 12.0, 12.5, " A ")] == ["", "12", "12", "12.5", "A"]


# --- what is refused, in words ------------------------------------------------------------


def test_an_empty_file_is_refused() -> None:
    assert refused("a.csv", b"").code == "empty"
    assert refused("a.csv", b"\xef\xbb\xbf  \n").code == "empty"


def test_a_formula_is_refused_naming_its_cell() -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["SKU", "Set to"])
    book.active.append(["A", 1])
    book.active.append(["B", "=B2+1"])
    buffer = io.BytesIO()
    book.save(buffer)
    problem = refused("stok.xlsx", buffer.getvalue())
    assert problem.code == "formula" and "B3" in problem.message


def test_a_formula_written_into_a_csv_is_refused_too() -> None:
    problem = refused("stok.csv", b"SKU,Set to\nA,=SUM(1;2)\n")
    assert problem.code == "formula" and "B2" in problem.message


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_one_row_more_than_the_most_is_refused(kind: str) -> None:
    rows = [["SKU", "Set to"], *([f"S-{n}", n] for n in range(MAX_ROWS + 1))]
    data = xlsx(rows) if kind == "xlsx" else csv_bytes(rows)
    problem = refused(f"big.{kind}", data)
    assert problem.code == "too_many_rows" and "50" in problem.message


@pytest.mark.parametrize(
    "data",
    [
        "SKU,Name\nKAOS,Kaos Batik Café\n".encode("cp1252"),
        "SKU,Name\nKAOS,Kaos\n".encode("utf-16"),  # with its BOM
        "SKU,Name\nKAOS,Kaos\n".encode("utf-16-le"),  # without
    ],
    ids=["windows-1252", "utf-16", "utf-16-le"],
)
def test_a_csv_not_in_utf8_is_refused_not_guessed(data: bytes) -> None:
    assert refused("stok.csv", data).code == "encoding"


def test_a_broken_xlsx_is_refused() -> None:
    whole = xlsx([HEADER, ["A", "a", 1]])
    assert refused("stok.xlsx", whole[: len(whole) // 2]).code == "broken"  # cut short
    assert refused("stok.xlsx", b"SKU,Name\n").code == "broken"  # named .xlsx, not one


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refused("stok.xlsx", buffer.getvalue()).code == "broken"


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    """A few hundred kilobytes declaring more than 200 MB of XML."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(MAX_UNZIPPED_BYTES // len(chunk) + 1):
                member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    assert refused("bomb.xlsx", data).code == "zip_bomb"


def test_an_entity_expansion_bomb_inside_a_workbook_is_refused() -> None:
    """The "billion laughs": a sheet's XML declaring entities that expand exponentially."""
    good = xlsx([HEADER, ["A", "a", 1]])
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{n} "{("&lol" + str(n - 1 or "") + ";") * 10}">' for n in range(1, 10)
        )
        + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    source, buffer = zipfile.ZipFile(io.BytesIO(good)), io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                body = laughs.encode()
            archive.writestr(item.filename, body)
    assert refused("lol.xlsx", buffer.getvalue()).code == "broken"


@pytest.mark.parametrize("name", ["report.xlsx", "report.csv"])
def test_a_renamed_pdf_is_refused(name: str) -> None:
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    assert refused(name, pdf).code == "not_a_spreadsheet"


def test_an_excel_97_file_is_refused_asking_for_xlsx() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    assert refused("stok.xls", ole).code == "xls"


def test_binary_junk_is_not_a_spreadsheet() -> None:
    assert refused("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").code == "not_a_spreadsheet"


def test_a_table_without_a_header_row_is_refused() -> None:
    assert refused("a.xlsx", xlsx([[None, None], ["A", 1]])).code == "no_header"
    assert refused("a.xlsx", xlsx([[12, 3], ["A", 1]])).code == "no_header"  # numbers
    assert refused("a.xlsx", xlsx([])).code == "no_header"


def test_a_repeated_header_is_refused_naming_it() -> None:
    problem = refused("a.csv", b"SKU,Set to,sku \nA,1,B\n")
    assert problem.code == "duplicate_header" and "sku" in problem.message


def test_a_file_over_the_size_limit_is_refused_unread() -> None:
    assert refused("huge.csv", b"SKU\n" + b"A" * MAX_UPLOAD_BYTES).code == "too_big"


def test_a_huge_cell_is_refused_as_broken_not_crashing() -> None:
    assert refused("a.csv", b'SKU,Name\nA,"' + b"x" * 200_000 + b'"\n').code == "broken"


def test_a_nul_character_deep_in_a_csv_is_dropped() -> None:
    """No database text column takes a NUL (PostgreSQL refuses one); a NUL near the start
    of a file says it is not text at all (above)."""
    table = read_table("a.csv", b"SKU\n" + b"A\n" * 3000 + b"B\x00C\n")
    assert table.rows[-1].values == ["BC"]


# --- bounded work, whatever the cells -------------------------------------------------------


def _far_cells_xlsx(rows: int) -> bytes:
    """The header, then ``rows`` rows blank within the header's width, each holding one cell
    in the sheet's last column (XFD): a small file that once made openpyxl build 16,384 cells
    per row, and whose rows were skipped uncounted."""
    from openpyxl import Workbook

    book = Workbook()
    page = book.active
    for column, name in enumerate(HEADER, start=1):
        page.cell(row=1, column=column, value=name)
    for row in range(2, rows + 2):
        page.cell(row=row, column=16_384, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_rows_after_the_header_are_read_only_as_wide_as_the_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    widths: list[int] = []
    original = ReadOnlyWorksheet._get_row

    def counted(self: Any, row: Any, *args: Any, **kwargs: Any) -> Any:
        cells = original(self, row, *args, **kwargs)
        widths.append(len(cells))
        return cells

    monkeypatch.setattr(ReadOnlyWorksheet, "_get_row", counted)
    table = read_table("wide.xlsx", _far_cells_xlsx(20))
    assert table.headers == HEADER and table.rows == []  # blank within the header's width
    assert widths and max(widths) <= len(HEADER)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_blank_rows_count_against_the_rows_read(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """A file of blank-looking rows is refused once more rows than the bound are read, not
    read to its end (the bound is lowered here; it is MAX_ROWS + 10,000)."""
    monkeypatch.setattr(sheet_reading, "MAX_ROWS_READ", 100)
    blank_csv = ("SKU,Name,Set to\n" + ",,\n" * 101).encode()
    data = _far_cells_xlsx(101) if kind == "xlsx" else blank_csv
    assert refused(f"blank.{kind}", data).code == "too_many_rows"
    # At the bound exactly, the file is read (and holds no data rows).
    monkeypatch.setattr(sheet_reading, "MAX_ROWS_READ", 101)
    assert read_table(f"blank.{kind}", data).rows == []


def test_the_rows_read_bound_leaves_room_for_blank_rows_between_the_most_data_rows() -> None:
    assert sheet_reading.MAX_ROWS_READ >= MAX_ROWS + 1_000


def test_one_member_inflating_past_its_cap_is_refused_unread() -> None:
    """A shared-strings member of millions of tiny strings, well under the total limit."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            chunk = b"<si><t>a</t></si>" * 60_000  # about 1 MB
            written = 0
            while written <= sheet_reading.MAX_MEMBER_BYTES:
                member.write(chunk)
                written += len(chunk)
    data = buffer.getvalue()
    assert written < MAX_UNZIPPED_BYTES
    assert refused("strings.xlsx", data).code == "zip_bomb"
