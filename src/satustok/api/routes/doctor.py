"""The SKU doctor: suggestions for the listings that are not linked, and linking the ones the
client confirms (each checked again; nothing is linked without this call)."""

from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema

from satustok.api.access import requires
from satustok.api.schemas import Id, Input, errors
from satustok.core.access import Permission
from satustok.sync import doctor
from satustok.sync.doctor import Kind

router = Router(tags=["catalog"])

KindName = Annotated[
    str,
    Field(
        description="same_sku, spaces, unicode, leading_zeros, look_alike, edit_distance or name"
    ),
]


class ListingRef(Schema):
    id: int
    integration: int
    external_id: str
    channel_sku: str
    name: str


class VariantRef(Schema):
    id: int
    sku: str
    product: str


class SuggestionOut(Schema):
    listing: ListingRef
    variant: VariantRef
    kind: KindName
    evidence: str


class AmbiguousOut(Schema):
    listing: ListingRef
    kind: KindName
    candidates: list[VariantRef]


class DiagnosisOut(Schema):
    counts: dict[str, int]
    suggestions: list[SuggestionOut]
    ambiguous: list[AmbiguousOut]


class PairIn(Input):
    listing: Id
    variant: Id


class LinkIn(Input):
    suggestions: list[PairIn] = Field(min_length=1, max_length=10_000)


class SkippedOut(Schema):
    listing: int
    reason: str


class LinkOut(Schema):
    linked: list[SuggestionOut]
    skipped: list[SkippedOut]


def _listing(info: doctor.ListingInfo) -> dict[str, object]:
    return {
        "id": info.id,
        "integration": info.account_id,
        "external_id": info.external_id,
        "channel_sku": info.sku,
        "name": info.name,
    }


def _variant(info: doctor.VariantInfo) -> dict[str, object]:
    return {"id": info.id, "sku": info.sku, "product": info.product_name}


def _suggestion(found: doctor.Suggestion) -> dict[str, object]:
    return {
        "listing": _listing(found.listing),
        "variant": _variant(found.variant),
        "kind": found.kind.value,
        "evidence": found.evidence,
    }


@router.get("/doctor", response=DiagnosisOut, summary="SKU doctor: suggestions")
def suggestions(request: HttpRequest, kind: Kind | None = None) -> dict[str, object]:
    """Every suggestion (optionally of one kind), and the listings left ambiguous."""
    result = doctor.diagnose_catalogue()
    chosen = result.of_kind(kind) if kind else result.suggestions
    return {
        "counts": {str(k): n for k, n in result.counts().items()},
        "suggestions": [_suggestion(found) for found in chosen],
        "ambiguous": [
            {
                "listing": _listing(a.listing),
                "kind": a.kind.value,
                "candidates": [_variant(v) for v in a.candidates],
            }
            for a in result.ambiguous
        ],
    }


@router.post("/doctor/link", response={200: LinkOut, **errors(422)}, summary="SKU doctor: link")
@requires(Permission.IMPORT)
def link(request: HttpRequest, payload: LinkIn) -> dict[str, object]:
    """Link the confirmed pairs; a pair the doctor no longer proposes is skipped with why."""
    outcome = doctor.link_suggestions((p.listing, p.variant) for p in payload.suggestions)
    return {
        "linked": [_suggestion(found) for found in outcome.linked],
        "skipped": [{"listing": listing, "reason": why} for listing, why in outcome.skipped],
    }
