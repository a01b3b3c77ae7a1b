"""Sync log: every stock push row with its result (import runs are listed by ``GET /imports``)."""

from datetime import datetime
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from satustok.api.pagination import Page
from satustok.sync.models import PushRecord

router = Router(tags=["sync log"])


class PushOut(Schema):
    id: int
    integration: int
    listing: int
    external_id: str
    sku: str
    quantity: int
    result: Literal["ok", "retry", "failed"] = Field(
        description="ok: pushed; retry: will be tried again; failed: refused for good"
    )
    message: str = Field(description="the channel's words when it refused")
    batch: str = Field(description="rows sent in one call share it")
    created_at: datetime

    @staticmethod
    def resolve_integration(record: PushRecord) -> int:
        return record.account_id

    @staticmethod
    def resolve_listing(record: PushRecord) -> int:
        return record.listing_id

    @staticmethod
    def resolve_external_id(record: PushRecord) -> str:
        return record.listing.external_id

    @staticmethod
    def resolve_sku(record: PushRecord) -> str:
        return record.listing.sku


class PushFilters(Schema):
    integration: int | None = None
    listing: int | None = None
    result: Literal["ok", "retry", "failed"] | None = None


@router.get("/pushes", response=list[PushOut], summary="Stock pushes, newest first")
@paginate(Page)
def pushes(request: HttpRequest, filters: Query[PushFilters]) -> QuerySet[PushRecord]:
    found = PushRecord.objects.select_related("listing").order_by("-created_at", "-id")
    if filters.integration is not None:
        found = found.filter(account_id=filters.integration)
    if filters.listing is not None:
        found = found.filter(listing_id=filters.listing)
    if filters.result:
        found = found.filter(result=filters.result)
    return found
