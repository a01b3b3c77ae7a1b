"""What a report produces: sections of typed rows, their totals, notes and a chart's data.

The page, the XLSX file, the CSV file and the REST API all read the same :class:`Section`
rows, so a number on the page is the number in the spreadsheet. A column's kind
(``core.spreadsheet`` TEXT, INTEGER, RUPIAH, DATE, DATETIME) says how the page formats it and
how the spreadsheet types it. A section of many rows (the stock ledger) holds them as
:class:`QueryRows`: counted and sliced by the database for a page, streamed for a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet

from satustok.core.spreadsheet import Column, Sheet

Row = tuple[Any, ...]
STREAM_CHUNK = 2000


class QueryRows(Sequence[Row]):
    """A query's rows, each made into a report row by ``make``: ``len`` is a COUNT, a slice
    reads one page, iterating streams in chunks (a file of a million ledger rows)."""

    def __init__(self, query: QuerySet[Any], make: Callable[[Any], Row]) -> None:
        self.query = query
        self.make = make
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self.query.count()
        return self._count

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.make(item) for item in self.query[index]]
        return self.make(self.query[index])

    def __iter__(self) -> Iterator[Row]:
        for item in self.query.iterator(chunk_size=STREAM_CHUNK):
            yield self.make(item)


@dataclass
class Section:
    """One table of a report (one sheet of its spreadsheet)."""

    key: str  # stable, for addresses and the API: "summary", "detail", …
    title: str
    columns: list[Column]
    rows: Sequence[Row]
    totals: Row | None = None  # the last line, "Total", aligned with the columns

    def sheet(self, rows: Sequence[Row] | Iterator[Row] | None = None) -> Sheet:
        """The section as a spreadsheet sheet; its totals line last."""
        body = self.rows if rows is None else rows
        return Sheet(self.title, self.columns, _with_totals(body, self.totals))


def _with_totals(rows: Any, totals: Row | None) -> Iterator[Row]:
    yield from rows
    if totals is not None:
        yield totals


@dataclass
class Series:
    name: str
    values: list[int]


@dataclass
class ChartData:
    """What a chart shows, for the page to draw (``web/charts.py`` makes the spec). A label is
    a ``date`` (a day, a week's Monday, a month's 1st: shown as a date) or text (a SKU, a
    shop): the report says which by the type, nothing guesses it from the text."""

    kind: str  # "bar" or "line"
    title: str
    labels: Sequence[date | str]
    series: list[Series]
    unit: str = "count"  # "rupiah" or "count"
    horizontal: bool = False


@dataclass
class ReportResult:
    sections: list[Section]
    notes: list[str] = field(default_factory=list)  # what the seller should know, in words
    chart: ChartData | None = None

    @property
    def row_count(self) -> int:
        return sum(len(section.rows) for section in self.sections)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)
