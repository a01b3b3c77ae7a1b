"""Sync log: every stock push row with its result (import runs are listed by ``GET /imports``)."""

from datetime import datetime
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from satustok.api.pagination import Page
from satustok.api.schemas import Id
from satustok.sync.models import PushRecord

router = Router(tags=["sync log"])


class PushOut(Schema):
    id: int
    integration: int
    listing: int
    external_id: str
    sku: str
    kind: Literal["stock", "price"] = Field(description="what was pushed")
    quantity: int = Field(description="the stock pushed (stock rows; 0 on price rows)")
    price: int | None = Field(description="the price pushed in whole rupiah (price rows)")
    explanation: str = Field(description="how the value was computed")
    result: Literal["ok", "retry", "failed"] = Field(
        description="ok: pushed; retry: will be tried again; failed: refused for good"
    )
    message: str = Field(description="the channel's words when it refused")
    batch: str = Field(description="rows sent in one call share it")
    drift_cause: str = Field(
        description="set when the push repaired drift (the shop's stock changed by itself): "
        "seller_edit, restock, unpaid_hold, sale, report or read_back; empty otherwise"
    )
    shown_before: int | None = Field(
        description="what the shop showed before this drift repair (null: not given)"
    )
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
    integration: Id | None = None
    listing: Id | None = None
    result: Literal["ok", "retry", "failed"] | None = None
    drift: bool | None = Field(default=None, description="true: only pushes that repaired drift")
    kind: Literal["stock", "price"] | None = Field(default=None, description="only this kind")


@router.get("/pushes", response=list[PushOut], summary="Stock and price pushes, newest first")
@paginate(Page)
def pushes(request: HttpRequest, filters: Query[PushFilters]) -> QuerySet[PushRecord]:
    found = PushRecord.objects.select_related("listing").order_by("-created_at", "-id")
    if filters.integration is not None:
        found = found.filter(account_id=filters.integration)
    if filters.listing is not None:
        found = found.filter(listing_id=filters.listing)
    if filters.result:
        found = found.filter(result=filters.result)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.drift is not None:
        found = found.exclude(drift_cause="") if filters.drift else found.filter(drift_cause="")
    return found
