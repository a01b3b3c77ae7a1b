"""Spreadsheet files for the upload tests, made the way sellers' tools make them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook


def xlsx(*sheets: Iterable[Sequence[Any]]) -> bytes:
    """An XLSX with one sheet per argument, each a list of rows (the first is the header)."""
    book = Workbook(write_only=True)
    for rows in sheets:
        page = book.create_sheet()
        for row in rows:
            page.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(
    rows: Iterable[Sequence[Any]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return out.getvalue().encode(encoding)


def sheet_rows(data: bytes, sheet: int = 0) -> list[list[Any]]:
    """A downloaded XLSX's rows, as values."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [list(row) for row in book.worksheets[sheet].iter_rows(values_only=True)]
    finally:
        book.close()


def edited(
    data: bytes, changes: dict[tuple[int, int], Any], append: Sequence[Sequence[Any]] = ()
) -> bytes:
    """A downloaded XLSX with cells changed ((row, column) → value, both from 1) and rows
    appended to its first sheet, saved again as a seller's spreadsheet would."""
    book = load_workbook(io.BytesIO(data))
    page = book.worksheets[0]
    for (row, column), value in changes.items():
        page.cell(row=row, column=column, value=value)
    for row in append:
        page.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
