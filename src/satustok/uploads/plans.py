"""What an upload's preview holds, and what every kind of upload provides.

A preview is a :class:`Plan`: one :class:`RowChange` per row that changes something and one
:class:`Problem` per error, each naming the spreadsheet row (as the seller sees it: the header
is row 1) and column. A plan is stored as JSON on its :class:`~satustok.uploads.models.Upload`
with *codes*, not sentences, so that the preview reads in whichever language the seller views it
in; :func:`describe` turns a problem into words.

Each kind of upload (stock, master products, listing links) is a :class:`Kind`: the template a
seller downloads, the plan read from an uploaded table, and applying a confirmed plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from satustok.core.access import Permission
    from satustok.core.sheet_reading import Table
    from satustok.core.spreadsheet import Sheet
    from satustok.uploads.models import Upload

VALUE_SHOWN = 80  # characters of an offending cell kept in a problem


@dataclass(frozen=True)
class Problem:
    """An error in the uploaded file: nothing is written while a plan has one."""

    row: int  # 0: the file as a whole (e.g. a missing column)
    column: str  # the column's header as in the template; "" for the whole row or file
    code: str  # a key of the kind's messages (see :func:`describe`)
    value: str = ""  # the offending cell as text, at most VALUE_SHOWN characters
    params: dict[str, Any] = field(default_factory=dict)  # e.g. {"first": 12} for a duplicate

    @classmethod
    def of(cls, row: int, column: str, code: str, value: object = "", **params: Any) -> Problem:
        text = "" if value is None else str(value)
        return cls(row, column, code, text[:VALUE_SHOWN], params)


@dataclass(frozen=True)
class RowChange:
    """What one row changes, as the preview shows it and as apply needs it."""

    row: int
    action: str  # e.g. "set", "add", "remove" (stock); "create", "edit" (masters); "link", "unlink"
    target: str  # what changes, in the seller's words: "KAOS-M · Gudang Utama"
    before: Any = None  # shown: the value now (None: nothing yet)
    after: Any = None  # shown: the value after confirming
    data: dict[str, Any] = field(default_factory=dict)  # ids and values apply needs


@dataclass
class Plan:
    rows: int = 0  # data rows read (the header not counted)
    changes: list[RowChange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unchanged: int = 0  # rows that change nothing (the value is already so)

    @property
    def can_apply(self) -> bool:
        return not self.problems and bool(self.changes)

    def to_json(self) -> dict[str, Any]:
        # Built field by field: ``dataclasses.asdict`` deep-copies every value, a second of a
        # 50,000-row preview.
        return {
            "rows": self.rows,
            "unchanged": self.unchanged,
            "changes": [
                {"row": c.row, "action": c.action, "target": c.target, "before": c.before,
                 "after": c.after, "data": dict(c.data)}
                for c in self.changes
            ],
            "problems": [
                {"row": p.row, "column": p.column, "code": p.code, "value": p.value,
                 "params": dict(p.params)}
                for p in self.problems
            ],
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(
            rows=data.get("rows", 0),
            unchanged=data.get("unchanged", 0),
            changes=[RowChange(**change) for change in data.get("changes", [])],
            problems=[Problem(**problem) for problem in data.get("problems", [])],
        )


class Kind(Protocol):
    """One kind of upload; the registry in :mod:`satustok.uploads.kinds` names them."""

    name: str  # an UploadKind value
    permission: Permission  # what a user needs to download its template, upload and confirm

    def template(self, user: AbstractBaseUser) -> Sequence[Sheet]:
        """The spreadsheet to download: today's data in the columns an upload reads."""
        ...

    def plan(self, table: Table, user: AbstractBaseUser) -> Plan:
        """Every row checked against today's data; writes nothing."""
        ...

    def apply(self, plan: Plan, upload: Upload, user: AbstractBaseUser) -> int:
        """Writes a plan without problems in one transaction, naming ``upload.reference``;
        returns the changes written. Raises :class:`Stale` (writing nothing) when today's
        data no longer allows a change the preview showed."""
        ...

    def describe(self, problem: Problem) -> str:
        """A problem in words, in the active language."""
        ...


class Stale(Exception):
    """Something changed between preview and confirmation; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} rows no longer apply")
        self.problems = list(problems)
