"""Imports: *Sync Product* (preview = *Next*, import = *Finish*), progress, the report's rows
with their reasons, and the CSV of what was not imported."""

from datetime import datetime
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from satustok.api.access import requires
from satustok.api.errors import ApiError, invalid, not_found
from satustok.api.pagination import Page
from satustok.api.schemas import Id, Input, errors
from satustok.channels.models import ChannelAccount
from satustok.core.access import Permission
from satustok.sync import imports, report, tasks
from satustok.sync.models import ImportRow, ImportRun, RunMode, RunState

router = Router(tags=["imports"])

BucketName = Literal[
    "linked",
    "new_master",
    "skipped_empty_sku",
    "skipped_inactive",
    "skipped_no_stock",
    "conflict_duplicate_sku",
]
ModeName = Literal["preview", "import"]
StateName = Literal["queued", "fetching", "applying", "done", "failed"]


class Counts(Schema):
    """Products per bucket (PRODUCT.md rule 4); every key is always present."""

    linked: int = 0
    new_master: int = 0
    skipped_empty_sku: int = 0
    skipped_inactive: int = 0
    skipped_no_stock: int = 0
    conflict_duplicate_sku: int = 0


class Progress(Schema):
    pages_done: int
    units_fetched: int
    units_applied: int
    percent: int | None = Field(description="known once reading is over; null while reading")


class RunOut(Schema):
    id: int
    integration: int
    mode: ModeName
    state: StateName
    is_finished: bool
    progress: Progress
    counts: Counts
    mismatches: int = Field(description="linked products whose channel stock differs")
    error: str
    attempts: int
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_integration(run: ImportRun) -> int:
        return run.account_id

    @staticmethod
    def resolve_progress(run: ImportRun) -> dict[str, object]:
        return {
            "pages_done": run.pages_done,
            "units_fetched": run.units_fetched,
            "units_applied": run.units_applied,
            "percent": _percent(run),
        }

    @staticmethod
    def resolve_counts(run: ImportRun) -> dict[str, int]:
        return run.counts or {}

    @staticmethod
    def resolve_created_by(run: ImportRun) -> str | None:
        return run.created_by.get_username() if run.created_by else None


class RowOut(Schema):
    id: int
    product_id: str
    parent_product_id: str
    sku: str
    name: str
    status: str
    stock: int
    price: int
    bucket: BucketName | Literal[""]
    reason: str
    detail: str
    master_sku: str | None
    master_available: int | None
    stock_mismatch: bool
    applied: bool

    @staticmethod
    def resolve_product_id(row: ImportRow) -> str:
        return row.external_id

    @staticmethod
    def resolve_parent_product_id(row: ImportRow) -> str:
        return row.parent_external_id

    @staticmethod
    def resolve_status(row: ImportRow) -> str:
        return row.status_label

    @staticmethod
    def resolve_reason(row: ImportRow) -> str:
        return report.reason_for(row, row.run.mode)

    @staticmethod
    def resolve_master_sku(row: ImportRow) -> str | None:
        return row.variant.sku if row.variant else None

    @staticmethod
    def resolve_stock_mismatch(row: ImportRow) -> bool:
        return row.has_stock_mismatch


class StartIn(Input):
    integration: Id = Field(description="the integration id")
    mode: ModeName = Field(
        "preview", description="preview writes nothing (*Next*); import writes (*Finish*)"
    )


class RunFilters(Schema):
    integration: Id | None = None
    mode: ModeName | None = None
    state: StateName | None = None


def _percent(run: ImportRun) -> int | None:
    if run.state == RunState.DONE:
        return 100
    if run.state == RunState.APPLYING and run.units_fetched:
        return min(100, run.units_applied * 100 // run.units_fetched)
    return None


def runs() -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("created_by")


def get_run(pk: int) -> ImportRun:
    run = runs().filter(pk=pk).first()
    if run is None:
        raise not_found("import run", pk)
    return run


@router.get("", response=list[RunOut], summary="List import runs (the sync log)")
@paginate(Page)
def list_runs(request: HttpRequest, filters: Query[RunFilters]) -> QuerySet[ImportRun]:
    found = runs()
    if filters.integration is not None:
        found = found.filter(account_id=filters.integration)
    if filters.mode:
        found = found.filter(mode=filters.mode)
    if filters.state:
        found = found.filter(state=filters.state)
    return found


@router.post("", response={202: RunOut, **errors(422)}, summary="Start a preview or an import")
@requires(Permission.IMPORT)
def start(request: HttpRequest, payload: StartIn) -> Status[ImportRun]:
    """Queues the run and answers at once; poll ``GET /imports/{id}`` until ``is_finished``."""
    account = ChannelAccount.objects.filter(pk=payload.integration).first()
    if account is None:
        raise invalid("integration", _("No integration %(id)s.") % {"id": payload.integration})
    run = imports.start_run(account, RunMode(payload.mode), request.user)
    tasks.run_import(run.pk)
    return Status(202, get_run(run.pk))


@router.get("/{run_id}", response={200: RunOut, **errors(404)})
def get_import(request: HttpRequest, run_id: int) -> ImportRun:
    return get_run(run_id)


@router.post("/{run_id}/retry", response={202: RunOut, **errors(404, 409)})
@requires(Permission.IMPORT)
def retry(request: HttpRequest, run_id: int) -> Status[ImportRun]:
    """Continue a failed run from the last page it finished."""
    run = get_run(run_id)
    if run.state != RunState.FAILED:
        message = _("Only a failed run can be retried; this one is %(state)s.")
        raise ApiError(409, "not_failed", message % {"state": run.state})
    tasks.retry(run)
    return Status(202, get_run(run_id))


@router.get("/{run_id}/rows", response={200: list[RowOut], **errors(404)})
@paginate(Page)
def rows(
    request: HttpRequest, run_id: int, bucket: BucketName | None = None
) -> QuerySet[ImportRow]:
    """Every product the run saw, with its bucket and the reason in words."""
    found = get_run(run_id).rows.select_related("run", "variant").order_by("id")
    return found.filter(bucket=bucket) if bucket else found


@router.get(
    "/{run_id}/not-imported.csv",
    response={200: None, **errors(404)},
    openapi_extra={
        "responses": {
            200: {
                "description": "every product that was not imported, with its reason",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def not_imported_csv(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_run(run_id)
    response = HttpResponse(report.unimported_csv(run), content_type="text/csv; charset=utf-8")
    filename = f"satustok-import-{run.pk}-not-imported.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
