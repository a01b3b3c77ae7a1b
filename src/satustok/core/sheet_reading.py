"""Reading an uploaded spreadsheet (XLSX or CSV) into a :class:`Table`, refusing in words what
is not a plain table of values: a broken file, a wrong encoding, a formula, too many rows.

A refused file raises :class:`SheetRefused`; the caller writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_ROWS = 50_000  # data rows an upload may hold


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
