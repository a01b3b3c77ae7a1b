"""Cells the hub writes into CSV files a seller opens in a spreadsheet.

Marketplace text (product names, SKUs) comes from buyers and other sellers' tools: a name such
as ``=HYPERLINK("http://…","click")`` would become a live formula in Excel, LibreOffice or
Google Sheets ("CSV injection"). Following OWASP's advice, a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is prefixed with a single quote, which spreadsheets
show as text; every other value is written as it is. Every CSV export goes through
:func:`safe_row`.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


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
