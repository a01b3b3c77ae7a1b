"""Spreadsheets in, over the API: the same templates, previews and errors as the upload pages.

``GET /uploads/{kind}/template`` downloads the XLSX; ``POST /uploads/{kind}`` (multipart,
field ``file``) reads and previews a filled-in copy and answers the preview — counts, every
problem with its row, column, code and message, and the first changes; nothing is written.
``POST /uploads/{id}/confirm`` applies it (409 when it has problems, was applied or discarded
already, changes nothing, or the data changed since the preview), ``POST /uploads/{id}/discard``
sets it aside. A kind needs its capability (stock: ``adjust_stock``; master products:
``edit_catalog``; listing links: ``import``): a 403 ``forbidden`` otherwise. An upload is
shown (listed, read, confirmed, discarded) only to a user whose role allows its kind, and a
stock upload to a user limited to some warehouses only when they made it: any other is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from satustok.api.access import requires
from satustok.api.errors import ApiError, not_found
from satustok.api.pagination import Page
from satustok.api.schemas import Id, errors
from satustok.core.access import Permission
from satustok.core.sheet_reading import MAX_UPLOAD_BYTES, SheetRefused, too_big
from satustok.uploads import service
from satustok.uploads.kinds import UnknownKind, kind_named
from satustok.uploads.models import Upload
from satustok.uploads.plans import Kind, Stale

router = Router(tags=["uploads"])

PROBLEMS_LIMIT = 1_000  # problems in one answer; ``counts.problems`` is exact
CHANGES_LIMIT = 1_000  # the most changes one answer may hold (``changes_limit``)
DEFAULT_CHANGES = 100
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_DESCRIPTION = "stock, masters or links"


class ProblemOut(Schema):
    row: int = Field(description="the spreadsheet's row (the header is row 1); 0: the file")
    column: str = Field(description="the column's header as in the file; empty: the whole row")
    code: str = Field(description="stable: branch on it")
    value: str = Field(description="the offending cell, at most 80 characters")
    message: str = Field(description="in words, in the request's language")


class ChangeOut(Schema):
    row: int
    action: str = Field(description="stock: set, add or remove")
    target: str = Field(description='what changes, e.g. "KAOS-M · Gudang Utama"')
    before: Any = Field(description="the value at the preview")
    after: Any = Field(description="the value once confirmed")


class CountsBrief(Schema):
    rows: int = Field(description="data rows read")
    changes: int
    problems: int


class CountsOut(CountsBrief):
    unchanged: int = Field(description="rows that change nothing")
    by_action: dict[str, int]


class UploadBrief(Schema):
    id: int
    kind: str
    state: str = Field(description="previewed (waiting for confirmation), applied or discarded")
    file_name: str
    reference: str = Field(description='"upload:<id>": what the ledger names')
    created_at: datetime
    created_by: str | None
    applied_at: datetime | None
    applied_by: str | None
    counts: CountsBrief


class UploadOut(UploadBrief):
    counts: CountsOut
    can_confirm: bool
    stale: bool = Field(description="the problems appeared at confirmation: data changed since")
    written: int | None = Field(description="once applied: the changes written")
    problems: list[ProblemOut] = Field(description=f"the first {PROBLEMS_LIMIT}, by row")
    changes: list[ChangeOut] = Field(description="from changes_offset, at most changes_limit")
    changes_offset: int


class ChangesWindow(Schema):
    changes_offset: int = Field(0, ge=0, description="the first change to list")
    changes_limit: int = Field(
        DEFAULT_CHANGES, ge=0, le=CHANGES_LIMIT, description="how many to list"
    )


@router.get("", response=list[UploadBrief], summary="Recent uploads, newest first")
@paginate(Page)
def recent(request: HttpRequest) -> list[dict[str, Any]]:
    return [service.brief(upload) for upload in service.recent(None, user=request.user)]


@router.get(
    "/{int:upload_id}",
    response={200: UploadOut, **errors(404)},
    summary="An upload: its preview, or what it did",
)
def show(request: HttpRequest, upload_id: Id, window: Query[ChangesWindow]) -> dict[str, Any]:
    return _out(_upload(request, upload_id), window)


@router.post(
    "/{int:upload_id}/confirm",
    response={200: UploadOut, **errors(403, 404, 409)},
    summary="Confirm: write the previewed changes",
)
@requires(Permission.VIEW)  # and the kind's capability, checked by the upload service
def confirm(request: HttpRequest, upload_id: Id) -> dict[str, Any]:
    """Writes the plan in one transaction (stock: one ledger line per change, reference
    ``upload:<id>``). 409 ``has_problems``, ``already_applied``, ``discarded``,
    ``nothing_to_apply``, ``same_file_applied`` (an upload of the same file was applied after
    this preview), or ``stale`` (the data changed since the preview: the new problems are in
    ``problems`` and on the upload; nothing was written)."""
    upload = _upload(request, upload_id)
    try:
        service.confirm(upload, request.user)
    except service.UploadRefused as refused:
        raise ApiError(409, refused.code, refused.message) from None
    except Stale:
        upload.refresh_from_db()
        found = service.summary(upload, problems_shown=PROBLEMS_LIMIT).described
        detail = _(
            "The data changed since the preview: these rows no longer apply. Nothing was written."
        )
        raise ApiError(409, "stale", detail, problems=found) from None
    return _out(upload)


@router.post(
    "/{int:upload_id}/discard",
    response={200: UploadOut, **errors(403, 404, 409)},
    summary="Discard an upload waiting for confirmation",
)
@requires(Permission.VIEW)  # and the kind's capability, checked by the upload service
def discard(request: HttpRequest, upload_id: Id) -> dict[str, Any]:
    upload = _upload(request, upload_id)
    try:
        service.discard(upload, request.user)
    except service.UploadRefused as refused:
        raise ApiError(409, refused.code, refused.message) from None
    return _out(upload)


@router.get(
    "/{kind}/template",
    response={200: None, **errors(403, 404)},
    summary="Download a kind's template (XLSX)",
    openapi_extra={
        "responses": {
            200: {
                "description": "today's data in the columns an upload reads",
                "content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def template(request: HttpRequest, kind: str) -> HttpResponse:
    found = _kind(kind)
    response = HttpResponse(service.template(found, request.user), content_type=XLSX_TYPE)
    name = service.template_file_name(found)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post(
    "/{kind}",
    response={201: UploadOut, **errors(403, 404, 413, 422)},
    summary="Upload a filled-in template: the preview (nothing is written)",
)
@requires(Permission.VIEW)  # and the kind's capability, checked by the upload service
def preview(request: HttpRequest, kind: str, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    """``file``: XLSX (first sheet) or CSV (UTF-8, ``,`` or ``;``), at most 50,000 rows and
    20 MB, values only. A file that cannot be read is a 422 ``file_refused`` whose ``reason``
    says why (``formula``, ``encoding``, ``too_many_rows``, ``broken``, ``zip_bomb``, ``xls``,
    ``not_a_spreadsheet``, ``no_header``, ``duplicate_header``, ``empty``); one over the size
    limit a 413. Either way nothing is stored."""
    found = _kind(kind)
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        raise _refused(413, too_big(file.size))
    try:
        upload = service.preview(found, file.name or "", file.read(), request.user)
    except SheetRefused as refused:
        raise _refused(413 if refused.code == "too_big" else 422, refused) from None
    return Status(201, _out(upload))


# --- helpers --------------------------------------------------------------------------------


def _kind(name: str) -> Kind:
    try:
        return kind_named(name)
    except UnknownKind:
        raise not_found(_("kind of upload"), f"{name} ({KIND_DESCRIPTION})") from None


def _upload(request: HttpRequest, upload_id: int) -> Upload:
    """The upload if this user may see it (see :func:`satustok.uploads.service.visible_to`)."""
    uploads = service.visible_to(request.user, Upload.objects.defer("content"))
    found = uploads.filter(pk=upload_id).first()
    if found is None:
        raise not_found(_("upload"), upload_id)
    return found


def _refused(status: int, refused: SheetRefused) -> ApiError:
    return ApiError(status, "file_refused", refused.message, reason=refused.code)


def _out(upload: Upload, window: ChangesWindow | None = None) -> dict[str, Any]:
    window = window or ChangesWindow(changes_offset=0, changes_limit=DEFAULT_CHANGES)
    return service.document(
        upload,
        problems_shown=PROBLEMS_LIMIT,
        changes_offset=window.changes_offset,
        changes_shown=window.changes_limit,
    )
