"""Stock controls: an integration's or a listing's push rule, a SKU's campaign allocations and
priority store (the services of ``sync/controls.py``; what each listing then shows, with its
explanation, is in ``GET /api/stock?sku=…``). The SKU travels in the body or the query, never
in the path."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from satustok.api.access import requires
from satustok.api.errors import ApiError, not_found
from satustok.api.schemas import Id, Input, Text, errors
from satustok.catalog.models import Variant
from satustok.catalog.sku import sku_key
from satustok.channels.models import ChannelAccount, Listing
from satustok.core.access import Permission
from satustok.sync import controls
from satustok.sync.models import Allocation, PushRule
from satustok.sync.rules import Rule

router = Router(tags=["stock controls"])

MOST = 10**9  # no shop shows more; a bigger number is a typing slip


class RuleIn(Input):
    percent: int = Field(100, ge=0, le=100, description="share of what is left, rounded down")
    buffer: int = Field(0, ge=0, le=MOST, description="units kept back first")
    maximum: int | None = Field(None, ge=0, le=MOST, description="most shown")
    fixed: int | None = Field(
        None, ge=0, le=MOST, description="show exactly this (at most available)"
    )


class RuleOut(Schema):
    integration: int
    percent: int
    buffer: int
    maximum: int | None
    fixed: int | None


class AllocationIn(Input):
    sku: Text = Field(min_length=1, max_length=255)
    integration: Id
    quantity: int = Field(ge=1, le=MOST)
    starts_at: datetime
    ends_at: datetime
    note: Text = Field("", max_length=120)


class AllocationOut(Schema):
    id: int
    sku: str
    integration: int
    quantity: int
    starts_at: datetime
    ends_at: datetime
    note: str

    @staticmethod
    def resolve_sku(row: Allocation) -> str:
        return row.variant.sku

    @staticmethod
    def resolve_integration(row: Allocation) -> int:
        return row.account_id


class PriorityIn(Input):
    sku: Text | None = Field(None, max_length=255, description="empty: every SKU without its own")
    integration: Id
    threshold: int = Field(ge=0, le=MOST)


@router.get("/integrations/{integration_id}/push-rule", response={200: RuleOut, **errors(404)})
def get_rule(request: HttpRequest, integration_id: Id) -> dict[str, object]:
    account = _account(integration_id)
    row = PushRule.objects.filter(account=account, listing__isnull=True).first()
    rule = Rule.of(row)
    return {
        "integration": account.pk,
        "percent": rule.percent,
        "buffer": rule.buffer,
        "maximum": rule.maximum,
        "fixed": rule.fixed,
    }


@router.put("/integrations/{integration_id}/push-rule", response={200: RuleOut, **errors(404, 422)})
@requires(Permission.SWITCH_PUSH)
def put_rule(request: HttpRequest, integration_id: Id, payload: RuleIn) -> dict[str, object]:
    """Replace the rule; the integration's listings are pushed again with it."""
    account = _account(integration_id)
    rule = Rule(payload.percent, payload.buffer, payload.maximum, payload.fixed)
    controls.set_rule(account, rule)
    return {"integration": account.pk, **payload.model_dump()}


class ListingRuleOut(Schema):
    listing: int
    integration: int
    own: bool = Field(description="true: the listing's own rule; false: the integration's")
    percent: int
    buffer: int
    maximum: int | None
    fixed: int | None


@router.get("/listings/{listing_id}/push-rule", response={200: ListingRuleOut, **errors(404)})
def get_listing_rule(request: HttpRequest, listing_id: Id) -> dict[str, object]:
    """The rule the listing's quantity goes through: its own, or else its integration's."""
    return _listing_rule(_listing(listing_id))


@router.put("/listings/{listing_id}/push-rule", response={200: ListingRuleOut, **errors(404, 422)})
@requires(Permission.SWITCH_PUSH)
def put_listing_rule(request: HttpRequest, listing_id: Id, payload: RuleIn) -> dict[str, object]:
    """Give the listing a rule of its own, replacing the integration's for it; the listing is
    pushed again with it."""
    listing = _listing(listing_id)
    rule = Rule(payload.percent, payload.buffer, payload.maximum, payload.fixed)
    try:
        controls.set_listing_rule(listing, rule)
    except controls.InvalidControl as refused:
        raise ApiError(422, "invalid_control", str(refused)) from None
    return _listing_rule(listing)


@router.delete("/listings/{listing_id}/push-rule", response={200: ListingRuleOut, **errors(404)})
@requires(Permission.SWITCH_PUSH)
def delete_listing_rule(request: HttpRequest, listing_id: Id) -> dict[str, object]:
    """The listing follows its integration's rule again (answered with that rule)."""
    listing = _listing(listing_id)
    controls.set_listing_rule(listing, None)
    return _listing_rule(listing)


def _listing(pk: int) -> Listing:
    listing = Listing.objects.filter(pk=pk).first()
    if listing is None:
        raise not_found("listing", pk)
    return listing


def _listing_rule(listing: Listing) -> dict[str, object]:
    own = PushRule.objects.filter(listing=listing).first()
    row = own or PushRule.objects.filter(account_id=listing.account_id, listing=None).first()
    rule = Rule.of(row)
    return {
        "listing": listing.pk,
        "integration": listing.account_id,
        "own": own is not None,
        "percent": rule.percent,
        "buffer": rule.buffer,
        "maximum": rule.maximum,
        "fixed": rule.fixed,
    }


@router.get("/stock/allocations", response=list[AllocationOut], summary="Running and coming")
def list_allocations(request: HttpRequest, sku: Text | None = None) -> list[Allocation]:
    found = Allocation.objects.filter(ends_at__gt=timezone.now()).select_related("variant")
    if sku:
        found = found.filter(variant__sku_key=sku_key(sku))
    return list(found.order_by("starts_at", "id"))


@router.post("/stock/allocations", response={201: AllocationOut, **errors(404, 422)})
@requires(Permission.ADJUST_STOCK)
def allocate(request: HttpRequest, payload: AllocationIn) -> Status[Allocation]:
    variant = _variant(payload.sku)
    try:
        row = controls.allocate(
            variant,
            _account(payload.integration),
            payload.quantity,
            payload.starts_at,
            payload.ends_at,
            payload.note,
        )
    except controls.InvalidControl as refused:
        raise ApiError(422, "invalid_control", str(refused)) from None
    return Status(201, row)


@router.delete("/stock/allocations/{allocation_id}", response={204: None, **errors(404)})
@requires(Permission.ADJUST_STOCK)
def end_allocation(request: HttpRequest, allocation_id: Id) -> Status[None]:
    """End it now."""
    row = Allocation.objects.filter(pk=allocation_id).first()
    if row is None:
        raise not_found("allocation", allocation_id)
    controls.end_allocation(row)
    return Status(204, None)


@router.put("/stock/priority", response={204: None, **errors(404, 422)})
@requires(Permission.ADJUST_STOCK)
def set_priority(request: HttpRequest, payload: PriorityIn) -> Status[None]:
    """At ``threshold`` available or fewer, only ``integration`` sells the SKU (or every SKU)."""
    variant = _variant(payload.sku) if payload.sku else None
    controls.set_priority(_account(payload.integration), payload.threshold, variant)
    return Status(204, None)


@router.delete("/stock/priority", response={204: None, **errors(404, 422)})
@requires(Permission.ADJUST_STOCK)
def clear_priority(request: HttpRequest, sku: Text | None = None) -> Status[None]:
    controls.clear_priority(_variant(sku) if sku else None)
    return Status(204, None)


def _account(pk: int) -> ChannelAccount:
    account = ChannelAccount.objects.filter(pk=pk).first()
    if account is None:
        raise not_found("integration", pk)
    return account


def _variant(sku: str) -> Variant:
    variant = Variant.objects.filter(sku_key=sku_key(sku)).first()
    if variant is None:
        raise ApiError(404, "not_found", _("No SKU %(sku)s.") % {"sku": sku})
    return variant
