"""The upload flow, the same for every kind and every front end (web, REST API, command line):

1. :func:`template` — the XLSX a seller downloads: today's data in the columns an upload reads.
2. :func:`preview` — the uploaded file read (:func:`~satustok.core.sheet_reading.read_table`;
   a refused file raises :class:`~satustok.core.sheet_reading.SheetRefused` and stores
   nothing), checked row by row by its kind, and stored as an :class:`Upload` holding the file
   and the plan. Nothing else is written.
3. :func:`confirm` — the plan applied in one transaction, only for an upload still waiting, with
   no problems, by a user whose role allows the kind. The upload row is locked first, so a
   second confirm (a double click, two tabs) waits and is then refused: it never applies twice.
   Nor does the same file previewed twice: an upload is refused (``same_file_applied``) when
   an upload of the same kind and the same file (its SHA-256) was applied after it was
   previewed — confirming both would add every "Add" row twice.
   When today's data no longer allows a change (:class:`~satustok.uploads.plans.Stale`), the
   new problems are stored on the upload, nothing is written, and Stale is raised again.
4. :func:`discard` — an upload still waiting is set aside.

Who sees what (:func:`visible_to`): an upload is shown only to a user whose role allows its
kind (master products show costs and prices, which Staff may not read), and a user limited to
some warehouses sees only the stock uploads they made themselves (any other could change, and
show, another warehouse's stock).

Who acts: the user given (None is the operator at the command line, who acts as an Owner). The
ledger and the activity log name them even when a caller has not said so through
:func:`satustok.core.activity.acting`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from satustok.core import activity
from satustok.core.access import can, require
from satustok.core.sheet_reading import MAX_UPLOAD_BYTES, read_table, too_big
from satustok.core.spreadsheet import xlsx_bytes
from satustok.inventory.access import allowed_warehouse_ids
from satustok.uploads.kinds import kind_named, kinds
from satustok.uploads.models import Upload, UploadKind, UploadState
from satustok.uploads.plans import Kind, Plan, Problem, RowChange, Stale

FILE_NAME_LENGTH = 255  # Upload.file_name's max_length: a longer name is cut, not refused


class UploadRefused(Exception):
    """The upload cannot be confirmed or discarded; ``code`` says why (for the API)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --- the four steps -------------------------------------------------------------------------


def template(kind: Kind | str, user: Any) -> bytes:
    kind = _kind(kind)
    _require(user, kind)
    return xlsx_bytes(kind.template(user))


def template_file_name(kind: Kind | str) -> str:
    name = _kind(kind).name
    return f"satustok-{name}-{timezone.localdate():%Y%m%d}.xlsx"


def preview(kind: Kind | str, file_name: str, data: bytes, user: Any) -> Upload:
    """Read, check and store; raises SheetRefused (nothing stored) for a file it cannot read."""
    kind = _kind(kind)
    _require(user, kind)
    if len(data) > MAX_UPLOAD_BYTES:
        raise too_big(len(data))
    table = read_table(file_name, data)
    plan = kind.plan(table, user)
    return Upload.objects.create(
        kind=kind.name,
        file_name=clean_file_name(file_name),
        file_sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        plan=plan.to_json(),
        row_count=plan.rows,
        change_count=len(plan.changes),
        error_count=len(plan.problems),
        created_by=_saved_user(user),
    )


def confirm(upload: Upload, user: Any) -> int:
    """Apply the upload's plan; the number of changes written. Raises UploadRefused (not
    waiting, has problems, nothing to change), NotAllowed (role or warehouses) or Stale."""
    kind = _kind(upload.kind)
    _require(user, kind)
    with _acting_as(user):
        try:
            with transaction.atomic():
                waiting = _locked_with_its_file(upload)
                _check_confirmable(waiting)
                _check_file_not_applied_since(waiting)
                written = kind.apply(Plan.from_json(waiting.plan), waiting, user)
                _mark_applied(waiting, user, written)
        except Stale as stale:
            _store_problems(upload, stale.problems)
            raise
    upload.refresh_from_db()
    return written


def discard(upload: Upload, user: Any) -> Upload:
    _require(user, _kind(upload.kind))
    with transaction.atomic():
        waiting = _locked(upload)
        _check_waiting(waiting)
        waiting.state = UploadState.DISCARDED
        waiting.save(update_fields=["state"])
    upload.refresh_from_db()
    return upload


# --- reading an upload back -----------------------------------------------------------------


@dataclass
class Summary:
    """What the preview page, the API and the command line say of an upload."""

    rows: int
    changes: int
    unchanged: int
    problems: int
    by_action: dict[str, int]
    written: int | None  # once applied: the changes written
    stale: bool  # the problems appeared at confirmation: the data changed since the preview
    can_confirm: bool
    described: list[dict[str, Any]] = field(default_factory=list)


def plan_of(upload: Upload) -> Plan:
    return Plan.from_json(upload.plan)


def summary(upload: Upload, plan: Plan | None = None, problems_shown: int | None = None) -> Summary:
    """Counts, and the first ``problems_shown`` problems (all when None) in words."""
    plan = plan or plan_of(upload)
    kind = _kind(upload.kind)
    shown = plan.problems if problems_shown is None else plan.problems[:problems_shown]
    return Summary(
        rows=plan.rows,
        changes=len(plan.changes),
        unchanged=plan.unchanged,
        problems=len(plan.problems),
        by_action=dict(Counter(change.action for change in plan.changes)),
        written=upload.plan.get("written"),
        stale=bool(upload.plan.get("stale")),
        can_confirm=upload.state == UploadState.PREVIEWED and plan.can_apply,
        described=[describe(kind, problem) for problem in shown],
    )


def describe(kind: Kind, problem: Problem) -> dict[str, Any]:
    return {
        "row": problem.row,
        "column": problem.column,
        "code": problem.code,
        "value": problem.value,
        "message": kind.describe(problem),
    }


def visible_to(user: Any, uploads: QuerySet[Upload] | None = None) -> QuerySet[Upload]:
    """The uploads ``user`` may see (see the module's docstring); None, the operator at the
    command line, sees every one."""
    uploads = Upload.objects.all() if uploads is None else uploads
    if user is None:
        return uploads
    shown = Q(pk__in=[])
    for name, kind in kinds().items():
        if not can(user, kind.permission):
            continue
        if name == UploadKind.STOCK and allowed_warehouse_ids(user) is not None:
            shown |= Q(kind=name, created_by_id=getattr(user, "pk", None))
        else:
            shown |= Q(kind=name)
    return uploads.filter(shown)


def recent(limit: int | None = 50, kind: str = "", *, user: Any) -> QuerySet[Upload]:
    """The latest uploads ``user`` may see (of one kind, if named), without their files and
    plans (a plan of 50,000 rows is megabytes)."""
    found = visible_to(
        user, Upload.objects.defer("content", "plan").select_related("created_by", "applied_by")
    )
    if kind:
        found = found.filter(kind=kind)
    found = found.order_by("-created_at", "-id")
    return found if limit is None else found[:limit]


def document(
    upload: Upload,
    plan: Plan | None = None,
    *,
    problems_shown: int | None = None,
    changes_offset: int = 0,
    changes_shown: int = 100,
) -> dict[str, Any]:
    """An upload as the REST API and ``satustok upload --json`` answer it: who and when, the
    counts, the problems in words and a window of the changes."""
    plan = plan or plan_of(upload)
    found = summary(upload, plan, problems_shown=problems_shown)
    shown = plan.changes[changes_offset : changes_offset + changes_shown]
    return {
        **brief(upload),
        "counts": {
            "rows": found.rows,
            "changes": found.changes,
            "unchanged": found.unchanged,
            "problems": found.problems,
            "by_action": found.by_action,
        },
        "can_confirm": found.can_confirm,
        "stale": found.stale,
        "written": found.written,
        "problems": found.described,
        "changes": [_change_document(change) for change in shown],
        "changes_offset": changes_offset,
    }


def brief(upload: Upload) -> dict[str, Any]:
    """An upload in a list: what it is, who made and applied it, its counts (no plan read)."""
    return {
        "id": upload.pk,
        "kind": upload.kind,
        "state": upload.state,
        "file_name": upload.file_name,
        "reference": upload.reference,
        "counts": {
            "rows": upload.row_count,
            "changes": upload.change_count,
            "problems": upload.error_count,
        },
        "created_at": upload.created_at,
        "created_by": upload.created_by.get_username() if upload.created_by else None,
        "applied_at": upload.applied_at,
        "applied_by": upload.applied_by.get_username() if upload.applied_by else None,
    }


def _change_document(change: RowChange) -> dict[str, Any]:
    return {
        "row": change.row,
        "action": change.action,
        "target": change.target,
        "before": change.before,
        "after": change.after,
    }


def clean_file_name(name: str) -> str:
    """The name as shown: no folder (some browsers send one), no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(ch for ch in base if ch.isprintable())
    return printable.strip()[:FILE_NAME_LENGTH] or "upload"


# --- helpers --------------------------------------------------------------------------------


def _kind(kind: Kind | str) -> Kind:
    return kind_named(kind) if isinstance(kind, str) else kind


def _require(user: Any, kind: Kind) -> None:
    """The role check; None is the operator at the command line, who acts as an Owner."""
    if user is not None:
        require(user, kind.permission)


def _saved_user(user: Any) -> Any:
    return user if user is not None and getattr(user, "pk", None) else None


@contextmanager
def _acting_as(user: Any) -> Iterator[None]:
    """Ledger lines and activity name ``user``: a caller that did not say who acts (a test,
    a script) would otherwise have them written as the operator's."""
    if user is None or activity.current_user() == user:
        yield
        return
    via = activity.current_actor().via
    with activity.acting(lambda: activity.actor_for(user, via)):
        yield


def _locked(upload: Upload) -> Upload:
    """The upload's row, locked until commit: a second confirm or discard waits for this one
    (PostgreSQL; SQLite's IMMEDIATE transaction already holds the database)."""
    return Upload.objects.select_for_update().defer("content").get(pk=upload.pk)


def _locked_with_its_file(upload: Upload) -> Upload:
    """The upload's row locked, with every upload of the same kind and file, in id order: two
    confirms of two previews of one file (two tabs) then run one after the other, and the
    second sees the first applied (:func:`_check_file_not_applied_since`). Locking them all in
    one order means no two confirms wait for each other."""
    same_file = Upload.objects.filter(kind=upload.kind, file_sha256=upload.file_sha256)
    list(same_file.select_for_update().order_by("pk").values_list("pk", flat=True))
    return _locked(upload)


def _check_file_not_applied_since(upload: Upload) -> None:
    applied = Upload.objects.filter(
        kind=upload.kind,
        file_sha256=upload.file_sha256,
        state=UploadState.APPLIED,
        applied_at__gt=upload.created_at,
    ).exclude(pk=upload.pk)
    first = applied.order_by("applied_at").values_list("pk", flat=True).first()
    if first is not None:
        raise UploadRefused(
            "same_file_applied",
            _(
                "The same file was applied after this preview (upload #%(id)s): confirming it "
                "again would make its changes twice. Nothing was written; download a new "
                "template if there is more to change."
            )
            % {"id": first},
        )


def _check_waiting(upload: Upload) -> None:
    if upload.state == UploadState.APPLIED:
        raise UploadRefused("already_applied", _("This upload was applied already."))
    if upload.state != UploadState.PREVIEWED:
        raise UploadRefused("discarded", _("This upload was discarded; upload the file again."))


def _check_confirmable(upload: Upload) -> None:
    _check_waiting(upload)
    if upload.error_count:
        raise UploadRefused(
            "has_problems",
            _(
                "The file has errors: fix the rows shown, then upload it again. "
                "Nothing was written."
            ),
        )
    if not upload.change_count:
        raise UploadRefused("nothing_to_apply", _("The file changes nothing."))


def _mark_applied(upload: Upload, user: Any, written: int) -> None:
    upload.state = UploadState.APPLIED
    upload.applied_by = _saved_user(user)
    upload.applied_at = timezone.now()
    upload.plan = {**upload.plan, "written": written}
    upload.save(update_fields=["state", "applied_by", "applied_at", "plan"])
    activity.record(
        None,
        activity.Action.UPLOAD_APPLIED,
        upload,
        label=f"{upload.get_kind_display()}: {upload.file_name}"[:200],
        after={
            "kind": upload.kind,
            "file": upload.file_name,
            "rows": upload.row_count,
            "changes": written,
            "reference": upload.reference,
        },
    )


def _store_problems(upload: Upload, problems: list[Problem]) -> None:
    """What made a confirmation stale, kept on the upload (still waiting, now with errors) so
    that its page shows the rows; in a transaction of its own, after the failed one."""
    with transaction.atomic():
        waiting = _locked(upload)
        if waiting.state != UploadState.PREVIEWED:
            return
        plan = Plan.from_json(waiting.plan)
        plan.problems = sorted(problems, key=lambda problem: problem.row)
        waiting.plan = {**plan.to_json(), "stale": True}
        waiting.error_count = len(plan.problems)
        waiting.save(update_fields=["plan", "error_count"])
    upload.refresh_from_db()
