"""Reading an uploaded spreadsheet (XLSX or CSV) into a :class:`Table`, refusing in words what
is not a plain table of values: a broken file, a wrong encoding, a formula, too many rows.

A refused file raises :class:`SheetRefused`; the caller writes nothing.

What is read, and how:

- **The format comes from the bytes, not the name.** A zip is read as XLSX (openpyxl,
  read-only, formulas kept as formulas so that they can be refused); an OLE file (Excel 97's
  XLS, or an XLSX with a password) and a PDF are refused with what to do; anything else is
  read as CSV. A file named ``.xlsx`` that is not a zip is broken, not a CSV.
- **XLSX**: the first sheet only (every template puts its data there; further sheets, such as
  a list of warehouses, are for reading). Before openpyxl opens the file, the sizes its zip
  members declare are added up: a "zip bomb" of a few kilobytes that inflates to gigabytes is
  refused unread (zipfile never inflates a member past its declared size, so the sum bounds
  what is read), and so is one member declaring more than :data:`MAX_MEMBER_BYTES` (a
  ``sharedStrings.xml`` of millions of tiny strings would be held in memory whole). Row 1 is
  read alone; the rows after it only as wide as the header, so a stray cell in column XFD does
  not make openpyxl build 16,384 cells per row. defusedxml is installed, so openpyxl parses
  without expanding entities. A cell holding a formula is refused by name ("C12"): its value
  is whatever the spreadsheet last computed, which openpyxl cannot know — the seller pastes
  values instead.
- **CSV**: UTF-8, with or without the BOM Excel writes. Any other encoding (Windows-1252,
  UTF-16, …) is refused rather than guessed: a misread "é" would become a wrong SKU. The
  delimiter is ``,`` or ``;`` (Excel in an Indonesian locale writes ``;``), whichever splits
  the header into more columns. Every CSV cell is text (``"007"`` stays ``"007"``); a cell
  starting with ``=`` is a formula written out as text by some tool, refused as in an XLSX.
- **The header** is row 1: column names, text, none repeated (case and spaces ignored). Rows
  keep the numbers the seller sees in the spreadsheet (the header is row 1), blank rows are
  skipped but counted, and at most :data:`MAX_ROWS` data rows are read. Every row read counts,
  blank ones too: past :data:`MAX_ROWS_READ` the file is refused, so a sheet of a million
  blank-looking rows costs the reading of a bounded number of rows, not minutes.
- **Values**: text stripped (empty text is ``None``); numbers as ``int`` or ``float``; dates
  as ``datetime``; booleans as ``bool``. A text cell that our own templates neutralised
  (``'=…``, see :mod:`satustok.core.spreadsheet`) is read back without the added quote, so a
  downloaded template uploads unchanged. :func:`cell_text` and :func:`whole_number` read a cell
  the way every kind of upload does.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from satustok.core.spreadsheet import FORMULA_TRIGGERS

MAX_ROWS = 50_000  # data rows an upload may hold
# The largest file taken (bytes). Constants, not settings: a 50,000-row template is about
# 2 MB as XLSX and 3 MB as CSV, so 20 MB leaves room for wide sheets without letting one
# upload hold a web thread's memory for long.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# What the members of an XLSX may add up to once inflated (bytes). A real 50,000-row sheet
# inflates to about 30 MB of XML; a zip bomb declares gigabytes.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
# What one member may inflate to (bytes): openpyxl holds sharedStrings.xml in memory as Python
# strings, so 200 MB of tiny strings would be millions of objects. A 50,000-row template's
# largest member (the sheet) is about 20 MB.
MAX_MEMBER_BYTES = 50 * 1024 * 1024
# Rows read, blank ones included, before a file is refused: MAX_ROWS data rows and room for
# blank rows between them. Bounds the work a file can cause whatever its cells are.
MAX_ROWS_READ = MAX_ROWS + 10_000
MAX_ZIP_MEMBERS = 10_000  # an XLSX has a dozen; a bomb may hold millions of tiny ones

XLSX_NAMES = (".xlsx", ".xlsm", ".xltx", ".xltm")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97 XLS, and any password-protected XLSX
PDF_MAGIC = b"%PDF"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
INTEGER_TEXT = re.compile(r"[+\-\u2212]?[0-9]+")  # "12", "+3", "-4", "−5" (the minus sign)


def header_key(text: object) -> str:
    """A header as compared: case, surrounding and repeated spaces ignored."""
    return " ".join(str(text or "").split()).casefold()


@dataclass
class TableRow:
    number: int  # the row's number in the sheet, as the seller sees it (the header is row 1)
    values: list[object]  # str (stripped), int, float, datetime or None, one per header


@dataclass
class Table:
    headers: list[str]
    rows: list[TableRow] = field(default_factory=list)

    def find(self, *aliases: str) -> int | None:
        """The index of the first header matching one of ``aliases`` (see :func:`header_key`)."""
        wanted = {header_key(alias) for alias in aliases}
        for index, header in enumerate(self.headers):
            if header_key(header) in wanted:
                return index
        return None


class SheetRefused(ValueError):
    """The file is not a table the hub can read; ``code`` says why (for the API)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --- reading a cell the way every kind does -------------------------------------------------


def cell_text(value: object) -> str:
    """A cell as text: ``""`` for a blank one, ``"12"`` for the number 12 (a SKU or a code a
    spreadsheet turned into a number), ``"12.5"`` for 12.5."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def whole_number(value: object) -> int:
    """A cell as a whole number — an int, a float with nothing after the point (how
    spreadsheets store every number), or text such as ``"12"``, ``"-3"``, ``"+4"`` or ``"−5"``.
    Raises ValueError for anything else: a fraction, a date, a word, ``"1.000"`` (a thousands
    separator or a decimal point? it is not guessed)."""
    if isinstance(value, bool | datetime | date):
        raise ValueError("not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():  # inf and nan are not
            return int(value)
        raise ValueError("not a whole number")
    text = str(value).strip().replace("\u2212", "-")
    if isinstance(value, str) and INTEGER_TEXT.fullmatch(text):
        return int(text)
    raise ValueError("not a whole number")


# --- the file -------------------------------------------------------------------------------


def read_table(file_name: str, data: bytes) -> Table:
    """The first sheet of an XLSX, or a CSV, as a :class:`Table`; raises :class:`SheetRefused`
    (in words, in the active language) for anything else."""
    if not data:
        raise SheetRefused("empty", _("The file is empty."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise too_big(len(data))
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data)
    _refuse_other_formats(file_name, data)
    return _read_csv(data)


def too_big(size: int) -> SheetRefused:
    return SheetRefused(
        "too_big",
        _(
            "The file is %(size)s MB; at most %(most)s MB can be uploaded. "
            "Split it into smaller files."
        )
        % {"size": _megabytes(size), "most": _megabytes(MAX_UPLOAD_BYTES)},
    )


def _megabytes(size: int) -> str:
    return number_format(size / (1024 * 1024), decimal_pos=1)


def _refuse_other_formats(file_name: str, data: bytes) -> None:
    if data.startswith(OLE_MAGIC):
        raise SheetRefused(
            "xls",
            _(
                "This is an old Excel file (XLS, Excel 97–2003) or a file protected by a "
                "password. Open it in your spreadsheet and save it as an Excel Workbook (.xlsx) "
                "without a password, or as CSV UTF-8."
            ),
        )
    if data.startswith(PDF_MAGIC):
        raise SheetRefused(
            "not_a_spreadsheet",
            _("This is a PDF, not a spreadsheet. Upload the template as XLSX or CSV."),
        )
    if file_name.lower().endswith((*XLSX_NAMES, ".xls")):
        raise _broken()
    if data.startswith(UTF16_BOMS) or _looks_utf16(data[:4096]):
        raise _wrong_encoding()
    if b"\x00" in data[:4096]:
        raise SheetRefused(
            "not_a_spreadsheet",
            _("This file is not a spreadsheet. Upload the template as XLSX or CSV."),
        )


def _looks_utf16(start: bytes) -> bool:
    """UTF-16 text without a BOM: every other byte of its ASCII characters is zero."""
    if len(start) < 4:
        return False
    odd, even = start[1::2], start[0::2]
    return odd.count(0) > len(odd) * 0.3 or even.count(0) > len(even) * 0.3


def _broken() -> SheetRefused:
    return SheetRefused(
        "broken",
        _(
            "The file cannot be read as a spreadsheet: it is damaged or not an Excel workbook. "
            "Open it in your spreadsheet and save it again as XLSX, or as CSV UTF-8."
        ),
    )


def _wrong_encoding() -> SheetRefused:
    return SheetRefused(
        "encoding",
        _(
            "This CSV file is not in UTF-8 (it may be Windows-1252 or UTF-16), so its letters "
            'would be misread. Save it as "CSV UTF-8" or as an Excel Workbook (.xlsx).'
        ),
    )


def _too_many_rows() -> SheetRefused:
    return SheetRefused(
        "too_many_rows",
        _(
            "The file has more than %(most)s rows; at most %(most)s can be uploaded at once. "
            "Split the file."
        )
        % {"most": number_format(MAX_ROWS, force_grouping=True)},
    )


def _formula(coordinate: str) -> SheetRefused:
    return SheetRefused(
        "formula",
        _(
            "Cell %(cell)s holds a formula. Upload values only: copy the cells and paste them "
            "as values (Paste Special › Values), then save and upload again."
        )
        % {"cell": coordinate},
    )


# --- XLSX -----------------------------------------------------------------------------------


def _read_xlsx(data: bytes) -> Table:
    _check_zip(data)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises a dozen types for a damaged file (zip, XML, keys)
        raise _broken() from None
    try:
        if not book.worksheets:
            raise _broken()
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers state a wrong size: read what is there
        header = _headers(_xlsx_cells(next(sheet.iter_rows(min_row=1, max_row=1), ()), 1))
        rest = sheet.iter_rows(min_row=2, max_col=len(header))
        return _table(header, _xlsx_rows(rest, first=2))
    except SheetRefused:
        raise
    except Exception:  # a damaged sheet fails while its rows are parsed
        raise _broken() from None
    finally:
        book.close()


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise _broken() from None
    declared = sum(member.file_size for member in members)
    largest = max((member.file_size for member in members), default=0)
    if (
        len(members) > MAX_ZIP_MEMBERS
        or declared > MAX_UNZIPPED_BYTES
        or largest > MAX_MEMBER_BYTES
    ):
        raise SheetRefused(
            "zip_bomb",
            _(
                "The file would unpack to more than %(most)s MB, far more than a spreadsheet "
                "of %(rows)s rows. It is refused unread; save the sheet again as XLSX or CSV."
            )
            % {
                "most": _megabytes(MAX_UNZIPPED_BYTES),
                "rows": number_format(MAX_ROWS, force_grouping=True),
            },
        )


def _xlsx_rows(rows: Iterator[Sequence[Any]], first: int) -> Iterator[tuple[int, list[object]]]:
    for number, cells in enumerate(rows, start=first):
        yield number, _xlsx_cells(cells, number)


def _xlsx_cells(cells: Sequence[Any], number: int) -> list[object]:
    values = []
    for column, cell in enumerate(cells, start=1):
        if cell.data_type == "f":
            raise _formula(f"{get_column_letter(column)}{number}")
        values.append(cell.value)
    return values


# --- CSV ------------------------------------------------------------------------------------


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _wrong_encoding() from None
    if not text.strip():
        raise SheetRefused("empty", _("The file is empty."))
    lines = io.StringIO(text, newline="")
    reader = csv.reader(lines, delimiter=_delimiter(text))
    try:
        rows = _csv_rows(reader)
        first = next(rows, None)
        return _table(_headers(first[1] if first else []), rows)
    except csv.Error:
        raise _broken() from None


def _delimiter(text: str) -> str:
    """``,`` or ``;``: whichever splits the header (the first record) into more columns."""
    first = text[: text.find("\n") if "\n" in text else len(text)]
    counts = {d: len(next(csv.reader([first], delimiter=d), [])) for d in (",", ";")}
    return ";" if counts[";"] > counts[","] else ","


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[object]]]:
    for number, cells in enumerate(reader, start=1):
        for column, value in enumerate(cells, start=1):
            if value.strip().startswith("=") and len(value.strip()) > 1:
                raise _formula(f"{get_column_letter(column)}{number}")
        yield number, list(cells)


# --- both: the header, then the rows --------------------------------------------------------


def _table(headers: list[str], rows: Iterator[tuple[int, list[object]]]) -> Table:
    """The rows after the header: every one counted against :data:`MAX_ROWS_READ`, blank or
    not, and at most :data:`MAX_ROWS` that hold something."""
    table = Table(headers)
    width = len(headers)
    for read, (number, cells) in enumerate(rows, start=1):
        if read > MAX_ROWS_READ:
            raise _too_many_rows()
        values = [_value(cell) for cell in cells[:width]]
        if all(value is None for value in values):
            continue  # a blank row (its number is not reused)
        if len(table.rows) == MAX_ROWS:
            raise _too_many_rows()
        values += [None] * (width - len(values))
        table.rows.append(TableRow(number, values))
    return table


def _headers(cells: Sequence[object]) -> list[str]:
    headers = [_value(cell) for cell in cells]
    while headers and headers[-1] is None:
        headers.pop()  # columns after the last named one are not part of the table
    if not headers or any(not isinstance(h, str | None) for h in headers):
        raise SheetRefused(
            "no_header",
            _(
                "Row 1 must name the columns (as in the template: SKU, …). Download the "
                "template and keep its first row."
            ),
        )
    names = ["" if header is None else str(header) for header in headers]
    _refuse_duplicate_headers(names)
    return names


def _refuse_duplicate_headers(names: list[str]) -> None:
    seen: set[str] = set()
    for column, name in enumerate(names, start=1):
        key = header_key(name)
        if key and key in seen:
            raise SheetRefused(
                "duplicate_header",
                _(
                    "The column %(name)s appears twice in row 1 (again in column %(column)s). "
                    "Keep one."
                )
                % {"name": name, "column": get_column_letter(column)},
            )
        seen.add(key)


def _value(cell: object) -> object:
    """A cell as a kind reads it: text stripped (blank: None), NULs dropped (no database
    column takes one), our templates' neutralising quote undone; anything else as it is."""
    if not isinstance(cell, str):
        return cell
    text = cell.replace("\x00", "").strip()
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_TRIGGERS):
        text = text[1:]
    return text or None
