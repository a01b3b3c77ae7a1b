"""Product Catalog: master variants with their stock and listings, the listings that are not
linked (and why), linking one by hand, and editing masters (name, SKU with a preview, details,
archive)."""

from datetime import datetime
from typing import Literal

from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from satustok.api.access import requires
from satustok.api.errors import ApiError, invalid, not_found
from satustok.api.pagination import Page
from satustok.api.schemas import Id, Input, Text, errors
from satustok.catalog import editing
from satustok.catalog.editing import Applied, EditRefused, SkuChange
from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.linking import LinkRefused, link_by_hand
from satustok.channels.models import LinkMethod, Listing
from satustok.core.access import Permission
from satustok.sync import prices, pusher, tasks
from satustok.sync.models import unlinked_reason_text

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
        return unlinked_reason_text(listing.unlinked_reason)

    @staticmethod
    def resolve_last_pushed(listing: Listing) -> int | None:
        return listing.last_pushed_qty


class VariantOut(Schema):
    id: int
    sku: str
    name: str
    product_id: int
    product: str
    barcode: str
    weight_grams: int | None
    low_stock_threshold: int | None = Field(description="null: the hub's default")
    price: int | None = Field(description="the master price in whole rupiah; null: not set")
    cost: int | None = Field(description="the unit cost in whole rupiah; null: not known")
    archived: bool = Field(description="its master is archived: its listings are pushed 0")
    on_hand: int = Field(description="summed over warehouses")
    available: int = Field(description="on hand − reserved, summed; below 0 is an oversell")
    listings: list[ListingOut]

    @staticmethod
    def resolve_product(variant: Variant) -> str:
        return variant.product.name

    @staticmethod
    def resolve_listings(variant: Variant) -> list[Listing]:
        return list(variant.listings.all())

    @staticmethod
    def resolve_archived(variant: Variant) -> bool:
        return variant.product.archived_at is not None


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


def _variants() -> QuerySet[Variant]:
    levels_available = F("stock_levels__on_hand") - F("stock_levels__reserved")
    return (
        Variant.objects.select_related("product")
        .annotate(
            on_hand=Coalesce(Sum("stock_levels__on_hand"), 0),
            available=Coalesce(Sum(levels_available), 0),
        )
        .prefetch_related(Prefetch("listings", queryset=_listings()))
        .order_by("sku_key")
    )


@router.get("/variants", response=list[VariantOut], summary="Master variants")
@paginate(Page)
def variants(request: HttpRequest, q: Text | None = VARIANT_QUERY) -> QuerySet[Variant]:
    found = _variants()
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


# --- editing masters ------------------------------------------------------------------------


class VariantPatch(Input):
    sku: Text | None = Field(None, max_length=255, description="the new master SKU")
    link: list[Id] = Field(
        default_factory=list,
        description="with sku: ids of unlinked listings (from the preview's linkable) to link",
    )
    name: Text | None = Field(None, max_length=editing.NAME_LENGTH)
    barcode: Text | None = Field(None, max_length=editing.BARCODE_LENGTH)
    weight_grams: int | None = Field(None, ge=0)
    low_stock_threshold: int | None = Field(None, ge=0, description="null: the hub's default")
    price: int | None = Field(
        None, ge=1, le=editing.MAX_PRICE, description="the master price in whole rupiah"
    )
    cost: int | None = Field(
        None, ge=0, le=editing.MAX_PRICE, description="the unit cost in whole rupiah"
    )


class ListingFactOut(Schema):
    id: int
    integration: str
    external_id: str
    channel_sku: str
    name: str


class SkuChangeOut(Schema):
    old_sku: str
    new_sku: str
    refused: str = Field(description="why it cannot be saved; empty when it can")
    conflict_sku: str | None = Field(description="the other variant that has the new SKU")
    linked: list[ListingFactOut] = Field(description="keep their link (links are by id)")
    differing: list[ListingFactOut] = Field(description="linked, channel SKU now differs")
    linkable: list[ListingFactOut] = Field(description="unlinked, channel SKU is the new one")
    left_unlinked: list[ListingFactOut] = Field(description="unlinked, spelled like the old")

    @staticmethod
    def resolve_refused(change: SkuChange) -> str:
        return change.refusal

    @staticmethod
    def resolve_conflict_sku(change: SkuChange) -> str | None:
        return change.conflict.sku if change.conflict else None


class ProductPatch(Input):
    name: Text = Field(min_length=1, max_length=editing.NAME_LENGTH)


class ProductOut(Schema):
    id: int
    name: str
    archived_at: datetime | None
    variants: list[str] = Field(description="the SKUs of its variants")

    @staticmethod
    def resolve_variants(product: MasterProduct) -> list[str]:
        return list(product.variants.values_list("sku", flat=True))


DETAIL_FIELDS = ("name", "barcode", "weight_grams", "low_stock_threshold", "price", "cost")


@router.patch(
    "/variants/{variant_id}",
    response={200: VariantOut | SkuChangeOut, **errors(404, 409, 422)},
    summary="Edit a master variant",
)
@requires(Permission.EDIT_CATALOG)
def edit_variant(
    request: HttpRequest, variant_id: int, payload: VariantPatch, preview: bool = False
) -> Variant | SkuChange:
    """Change the SKU, name, barcode, weight or low-stock threshold. With ``?preview=1`` and a
    ``sku``: nothing is saved; the answer says what the change means for the listings (see
    the web page's preview). A SKU another variant has is refused with 409 ``sku_taken``."""
    variant = _get_variant(variant_id)
    given = payload.model_dump(exclude_unset=True)
    change = editing.change_sku(variant, payload.sku) if payload.sku is not None else None
    if preview:
        if change is None:
            raise invalid("sku", _("A preview needs the new sku."))
        return change
    try:
        with transaction.atomic():
            if change is not None and not change.unchanged:
                _refuse_sku(change)
                _push_again(change.apply(link=payload.link))
            details = {name: given[name] for name in DETAIL_FIELDS if name in given}
            if details:
                price_before = variant.price
                editing.set_details(variant, **details)
                if variant.price != price_before:
                    tasks.nudge_prices_after_commit(prices.mark_prices_dirty([variant.pk]))
    except EditRefused as refused:
        raise invalid("sku" if change else "details", str(refused)) from None
    return _get_variant(variant_id)


def _refuse_sku(change: SkuChange) -> None:
    if change.conflict is not None:
        raise ApiError(409, "sku_taken", change.refusal, conflict_sku=change.conflict.sku)
    if change.refusal:
        raise invalid("sku", change.refusal)


@router.patch("/products/{product_id}", response={200: ProductOut, **errors(404, 422)})
@requires(Permission.EDIT_CATALOG)
def edit_product(request: HttpRequest, product_id: int, payload: ProductPatch) -> MasterProduct:
    """Rename a master product."""
    product = _get_product(product_id)
    try:
        editing.rename(product, payload.name)
    except EditRefused as refused:
        raise invalid("name", str(refused)) from None
    return product


@router.post("/products/{product_id}/archive", response={200: ProductOut, **errors(404)})
@requires(Permission.EDIT_CATALOG)
def archive(request: HttpRequest, product_id: int) -> MasterProduct:
    """No longer sold: every linked listing of its variants is pushed 0; hidden from lists."""
    product = _get_product(product_id)
    with transaction.atomic():
        _push_again(editing.archive(product))
    return product


@router.post("/products/{product_id}/restore", response={200: ProductOut, **errors(404)})
@requires(Permission.EDIT_CATALOG)
def restore(request: HttpRequest, product_id: int) -> MasterProduct:
    """Sold again: its listings are pushed the real stock."""
    product = _get_product(product_id)
    with transaction.atomic():
        _push_again(editing.restore(product))
    return product


def _push_again(applied: Applied) -> None:
    if applied.variant_ids:
        tasks.nudge_after_commit(pusher.mark_variants_dirty(applied.variant_ids))


def _get_variant(pk: int) -> Variant:
    found = _variants().filter(pk=pk).first()
    if found is None:
        raise not_found("variant", pk)
    return found


def _get_product(pk: int) -> MasterProduct:
    found = MasterProduct.objects.filter(pk=pk).first()
    if found is None:
        raise not_found("product", pk)
    return found
