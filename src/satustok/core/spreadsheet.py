"""Cells the hub writes into CSV files a seller opens in a spreadsheet.

Marketplace text (product names, SKUs) comes from buyers and other sellers' tools: a name such
as ``=HYPERLINK("http://…","click")`` would become a live formula in Excel, LibreOffice or
Google Sheets ("CSV injection"). Following OWASP's advice, a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is prefixed with a single quote, which spreadsheets
show as text; every other value is written as it is. Every CSV export goes through
:func:`safe_row`, and every XLSX cell of text through :func:`safe_cell`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
WIB = ZoneInfo("Asia/Jakarta")


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet will read it as text: strings starting with a formula
    trigger get a leading ``'``; numbers (a negative stock is a number, not a formula) and
    other strings are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(value) for value in values]


# Typed spreadsheets (XLSX) ------------------------------------------------------------------
# Reports are written as real spreadsheets: numbers as numbers, rupiah with a Rupiah number
# format, dates as dates (WIB, without a zone: spreadsheets have none), the header frozen, one
# sheet per section. openpyxl's write-only mode streams rows, so a long report never sits in
# memory as cells.

TEXT, INTEGER, RUPIAH, DATE, DATETIME, DECIMAL = "text", "int", "rupiah", "date", "datetime", "dec"
NUMBER_FORMATS = {
    INTEGER: "#,##0",
    RUPIAH: '"Rp "#,##0',
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm",
    DECIMAL: "#,##0.0",
}
SHEET_TITLE_LENGTH = 31  # Excel refuses longer sheet names
SHEET_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: int = 0  # characters; 0: from the header


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[object]]


def write_xlsx(sheets: Sequence[Sheet], out: IO[bytes]) -> None:
    """Every sheet into one workbook written to ``out``."""
    book = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(book, sheet)
    book.save(out)


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(sheets, buffer)
    return buffer.getvalue()


def write_csv(sheet: Sheet, out: IO[str]) -> None:
    """One sheet as CSV (UTF-8 with the caller's BOM if any); text cells neutralised."""
    writer = csv.writer(out)
    writer.writerow(safe_row(column.header for column in sheet.columns))
    for row in sheet.rows:
        writer.writerow(safe_row(_csv_value(value) for value in row))


def sheet_title(text: str) -> str:
    """``text`` as a sheet name Excel accepts."""
    cleaned = text.translate(SHEET_TITLE_FORBIDDEN).strip().strip("'") or "Sheet"
    return cleaned[:SHEET_TITLE_LENGTH]


def _write_sheet(book: Workbook, sheet: Sheet) -> None:
    page = book.create_sheet(sheet_title(sheet.title))
    page.freeze_panes = "A2"
    for index, column in enumerate(sheet.columns, start=1):
        width = column.width or max(len(column.header) + 2, 10)
        page.column_dimensions[get_column_letter(index)].width = width
    header = [_bold(page, column.header) for column in sheet.columns]
    page.append(header)
    for row in sheet.rows:
        cells = zip(row, sheet.columns, strict=True)
        page.append([_cell(page, value, column) for value, column in cells])


def _bold(page: Any, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(page, value=safe_cell(text))
    cell.font = Font(bold=True)
    return cell


def _cell(page: Any, value: object, column: Column) -> object:
    if value is None:
        return None
    if isinstance(value, str):
        return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    if column.kind in NUMBER_FORMATS:
        cell = WriteOnlyCell(page, value=_plain_time(value))
        cell.number_format = NUMBER_FORMATS[column.kind]
        return cell
    return _plain_time(value)


def _plain_time(value: object) -> object:
    """Aware datetimes in WIB without their zone: a spreadsheet cell has none."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return timezone.localtime(value, WIB).replace(tzinfo=None)
    return value


def _csv_value(value: object) -> object:
    plain = _plain_time(value)
    if isinstance(plain, datetime):
        return plain.strftime("%Y-%m-%d %H:%M")
    return "" if plain is None else plain
