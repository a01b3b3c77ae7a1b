"""Product Catalog: master variants with their stock and listings, the listings that are not
linked (and why), and linking one by hand."""

from datetime import datetime
from typing import Literal

from django.db.models import F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from satustok.api.access import requires
from satustok.api.errors import invalid, not_found
from satustok.api.pagination import Page
from satustok.api.schemas import Id, Input, Text, errors
from satustok.catalog.models import Variant
from satustok.channels.linking import LinkRefused, link_by_hand
from satustok.channels.models import LinkMethod, Listing
from satustok.core.access import Permission
from satustok.sync.models import Bucket

router = Router(tags=["catalog"])

LinkName = Literal["auto_sku", "manual", "unlinked"]


class ListingOut(Schema):
    id: int
    integration: int
    shop: str
    external_id: str
    parent_external_id: str
    channel_sku: str
    name: str
    status: str
    stock: int = Field(description="the channel's stock as last seen")
    price: int = Field(description="whole rupiah")
    link: LinkName = Field(description="how it is linked: by SKU, by hand, or not")
    master_sku: str | None
    unlinked_reason: str = Field(description="a bucket code when not linked, e.g. skipped_no_stock")
    unlinked_reason_text: str
    last_pushed: int | None
    last_pushed_at: datetime | None
    push_error: str

    @staticmethod
    def resolve_integration(listing: Listing) -> int:
        return listing.account_id

    @staticmethod
    def resolve_shop(listing: Listing) -> str:
        return listing.account.shop_name

    @staticmethod
    def resolve_channel_sku(listing: Listing) -> str:
        return listing.sku

    @staticmethod
    def resolve_link(listing: Listing) -> str:
        return listing.link_method

    @staticmethod
    def resolve_master_sku(listing: Listing) -> str | None:
        return listing.variant.sku if listing.variant else None

    @staticmethod
    def resolve_unlinked_reason_text(listing: Listing) -> str:
        reasons = dict(Bucket.choices)
        return str(reasons.get(listing.unlinked_reason, listing.unlinked_reason))

    @staticmethod
    def resolve_last_pushed(listing: Listing) -> int | None:
        return listing.last_pushed_qty


class VariantOut(Schema):
    id: int
    sku: str
    name: str
    product_id: int
    product: str
    on_hand: int = Field(description="summed over warehouses")
    available: int = Field(description="on hand − reserved, summed; below 0 is an oversell")
    listings: list[ListingOut]

    @staticmethod
    def resolve_product(variant: Variant) -> str:
        return variant.product.name

    @staticmethod
    def resolve_listings(variant: Variant) -> list[Listing]:
        return list(variant.listings.all())


VARIANT_QUERY = Query(None, description="part of a SKU or name")


class ListingFilters(Schema):
    integration: Id | None = None
    link: LinkName | None = None
    q: Text | None = Field(None, description="part of the channel SKU, name or external id")


class LinkIn(Input):
    sku: str = Field(min_length=1, max_length=255, description="the master SKU to link to")


def _listings() -> QuerySet[Listing]:
    return Listing.objects.select_related("account", "variant").order_by(
        "account_id", "external_id"
    )


@router.get("/variants", response=list[VariantOut], summary="Master variants")
@paginate(Page)
def variants(request: HttpRequest, q: Text | None = VARIANT_QUERY) -> QuerySet[Variant]:
    levels_available = F("stock_levels__on_hand") - F("stock_levels__reserved")
    found = (
        Variant.objects.select_related("product")
        .annotate(
            on_hand=Coalesce(Sum("stock_levels__on_hand"), 0),
            available=Coalesce(Sum(levels_available), 0),
        )
        .prefetch_related(Prefetch("listings", queryset=_listings()))
        .order_by("sku_key")
    )
    if q:
        found = found.filter(Q(sku__icontains=q) | Q(product__name__icontains=q))
    return found


@router.get("/listings", response=list[ListingOut], summary="Listings on every integration")
@paginate(Page)
def listings(request: HttpRequest, filters: Query[ListingFilters]) -> QuerySet[Listing]:
    found = _listings()
    if filters.integration is not None:
        found = found.filter(account_id=filters.integration)
    if filters.link:
        found = found.filter(link_method=filters.link)
    if filters.q:
        q = filters.q
        found = found.filter(Q(sku__icontains=q) | Q(name__icontains=q) | Q(external_id=q))
    return found


@router.get("/listings/unlinked", response=list[ListingOut], summary="Listings not linked")
@paginate(Page)
def unlinked(request: HttpRequest, integration: Id | None = None) -> QuerySet[Listing]:
    """What the master stock does not follow, with the reason (the catalogue's *Listings not
    linked*); link one with ``POST /catalog/listings/{id}/link``."""
    found = _listings().filter(link_method=LinkMethod.UNLINKED)
    if integration is not None:
        found = found.filter(account_id=integration)
    return found.order_by("account_id", "unlinked_reason", "external_id")


@router.get("/listings/{listing_id}", response={200: ListingOut, **errors(404)})
def listing(request: HttpRequest, listing_id: int) -> Listing:
    return _get_listing(listing_id)


@router.post("/listings/{listing_id}/link", response={200: ListingOut, **errors(404, 422)})
@requires(Permission.IMPORT)
def link(request: HttpRequest, listing_id: int, payload: LinkIn) -> Listing:
    """Link a listing to the master variant with this SKU (compared trimmed, ignoring case)."""
    found = _get_listing(listing_id)
    try:
        link_by_hand(found, payload.sku)
    except LinkRefused as refused:
        raise invalid("sku", str(refused)) from None
    return _get_listing(listing_id)


def _get_listing(pk: int) -> Listing:
    found = _listings().filter(pk=pk).first()
    if found is None:
        raise not_found("listing", pk)
    return found
