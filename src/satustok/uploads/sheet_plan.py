"""What planning a spreadsheet upload made of :class:`Spec` columns starts with, shared by the
master-products and listing-links kinds (and the stock kind's column lookup): a column's spec,
the planner that finds the columns and names problems by row and header, reading a cell as a
whole number or as rupiah, a problem in words, the template's two sheets (the data, then "How
to fill in"), and ``IN`` lists in chunks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from satustok.core.bulk import IN_CHUNK
from satustok.core.sheet_reading import Table, TableRow, cell_text, whole_number
from satustok.core.spreadsheet import TEXT, Column, Sheet
from satustok.uploads.columns import Heading, header_at
from satustok.uploads.plans import Plan, Problem

CLEAR = "-"  # a cell holding only this clears an optional value
DIGITS_READ = 18  # a longer run of digits is beyond every bound (and is never parsed)

# --- columns and planning, shared by the kinds ----------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """One column of a template: its key, its header (both languages), its spreadsheet type."""

    key: str
    heading: Heading
    kind: str = TEXT
    width: int = 0
    required: bool = False  # a file without this column is refused as a whole

    @property
    def column(self) -> Column:
        return Column(self.heading.label, self.kind, self.width)


class CellRefused(ValueError):
    """A cell that cannot be read as its column needs; becomes a :class:`Problem`."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class SheetPlanner:
    """What planning any of these kinds starts with: the columns found in the uploaded table,
    and problems named by row and by the column's header as the file spells it."""

    specs: Sequence[Spec] = ()

    def __init__(self, table: Table) -> None:
        self.table = table
        self.plan = Plan(rows=len(table.rows))
        self.columns: dict[str, int] = {}  # key → index in the table
        self.headers: dict[str, str] = {}  # key → the header as shown in problems

    def locate(self) -> bool:
        """Find every column; False (a problem for each) when a required one is missing."""
        for spec in self.specs:
            index = spec.heading.find(self.table)
            self.headers[spec.key] = header_at(self.table, index, spec.heading)
            if index is not None:
                self.columns[spec.key] = index
            elif spec.required:
                self.plan.problems.append(Problem.of(0, spec.heading.label, "missing_column"))
        return not self.plan.problems

    def cell(self, table_row: TableRow, key: str) -> object:
        index = self.columns.get(key)
        if index is None or index >= len(table_row.values):
            return None
        return table_row.values[index]

    def add_problem(self, number: int, key: str, code: str, value: object, **params: Any) -> None:
        self.plan.problems.append(Problem.of(number, self.headers[key], code, value, **params))

    def problem(self, row: Any, key: str, code: str, value: object = "", **params: Any) -> None:
        """A problem with a row being read (anything with ``number`` and ``failed``): the row
        changes nothing."""
        self.add_problem(row.number, key, code, value, **params)
        row.failed = True

    def finish(self, rows: Iterable[Any]) -> Plan:
        """The plan: each row without a problem planned (:meth:`plan_row`), problems in row
        order."""
        for row in rows:
            if not row.failed:
                self.plan_row(row)
        self.plan.problems.sort(key=lambda problem: problem.row)
        return self.plan

    def plan_row(self, row: Any) -> None:
        """The change a row without a problem makes (each kind says)."""
        raise NotImplementedError


def template_sheets(
    title: str, specs: Sequence[Spec], rows: Iterable[Sequence[object]], notes: Sequence[str]
) -> list[Sheet]:
    """A template: the data sheet (``specs``' columns, ``rows``), then a "How to fill in" sheet
    with one note per row."""
    how = _("How to fill in")
    return [
        Sheet(title, [spec.column for spec in specs], rows),
        Sheet(how, [Column(how, TEXT, 110)], [[note] for note in notes]),
    ]


def describe_problem(messages: Mapping[str, Promise], problem: Problem, **fixed: Any) -> str:
    """A problem in words: its code's message, filled in with its value, column and params
    (and ``fixed``: what every message of a kind may name, such as a limit)."""
    message = messages.get(problem.code)
    if message is None:  # a plan stored by another version
        return problem.code
    params = {"value": problem.value or "—", "column": problem.column, **fixed, **problem.params}
    try:
        return str(message) % params
    except (KeyError, TypeError, ValueError):  # a plan stored by another version
        return str(message)


def in_chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices small enough for one ``IN (…)`` on every database."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def a_whole_number(value: object) -> int:
    """A cell as a whole number (see :func:`satustok.core.sheet_reading.whole_number`), or a
    :class:`CellRefused` saying why not."""
    text = cell_text(value)
    if sum(character.isdigit() for character in text) > DIGITS_READ:
        raise CellRefused("too_large")
    try:
        return whole_number(value)
    except ValueError:
        raise CellRefused("not_whole") from None


GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+")  # 150.000 or 150,000
RUPIAH_PREFIX = re.compile(r"^rp\.?\s*", re.IGNORECASE)


def rupiah(value: object) -> int:
    """A cell of whole rupiah: a whole number, also as the hub and a spreadsheet write money —
    ``Rp 150.000``, ``150.000`` or ``150,000`` (rupiah have no cents, so a group of three
    digits after the mark is thousands, never a fraction)."""
    if isinstance(value, str):
        text = RUPIAH_PREFIX.sub("", value.strip()).replace(" ", "")
        sign, digits = ("-", text[1:]) if text[:1] in ("-", "\u2212") else ("", text)
        if GROUPED.fullmatch(digits):
            value = sign + digits.replace(".", "").replace(",", "")
        else:
            value = text
    return a_whole_number(value)
