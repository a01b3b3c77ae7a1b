"""Stock: levels per (warehouse, SKU) with oversells first, one SKU's stock and what each of its
listings should show, seller adjustments (set / add / remove, with a reason), and the ledger.

The SKU travels as a query parameter or in the body, never in the path: sellers' SKUs contain
slashes and spaces ("KAOS/M/HITAM"), which paths cannot carry.
"""

from datetime import datetime
from typing import Any, Literal

from django.db.models import ExpressionWrapper, F, IntegerField, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from satustok.api.access import requires
from satustok.api.auth import acting_user
from satustok.api.errors import ApiError, invalid
from satustok.api.pagination import Page
from satustok.api.schemas import Input, MovementBase, Text, errors
from satustok.catalog.models import Variant
from satustok.core.access import Permission
from satustok.inventory import adjustments, transfers
from satustok.inventory.access import visible_levels
from satustok.inventory.models import StockLevel, StockMovement, Warehouse
from satustok.sync.stock_view import sku_status

router = Router(tags=["stock"])

SKU_QUERY = Query(..., min_length=1, description="the master SKU (trimmed, any case)")


class LevelOut(Schema):
    sku: str
    product: str
    warehouse: str
    on_hand: int
    reserved: int
    available: int
    oversold: bool

    @staticmethod
    def resolve_sku(level: StockLevel) -> str:
        return level.variant.sku

    @staticmethod
    def resolve_product(level: StockLevel) -> str:
        return level.variant.product.name

    @staticmethod
    def resolve_warehouse(level: StockLevel) -> str:
        return level.warehouse.code

    @staticmethod
    def resolve_oversold(level: StockLevel) -> bool:
        return level.is_oversold


class WarehouseStock(Schema):
    code: str
    on_hand: int
    reserved: int
    available: int


class ListingStock(Schema):
    integration: int
    shop: str
    external_id: str
    desired: int = Field(
        description="what it should show: available in the integration's warehouse, at least 0, "
        "through allocations, the priority store and the push rule"
    )
    explanation: str = Field(description='how: "available 40 − buffer 5 = 35 × 50% = 17"')
    last_pushed: int | None
    last_pushed_at: datetime | None
    needs_push: bool
    push_error: str
    push_stock: bool = Field(description="whether pushing is on for the integration")


class ComponentStock(Schema):
    sku: str
    quantity: int = Field(description="units in one bundle")


class StockOut(Schema):
    sku: str
    product: str
    on_hand: int
    reserved: int
    available: int = Field(description="a bundle's: what its scarcest component allows")
    oversold: bool
    components: list[ComponentStock] = Field(description="a bundle's recipe; empty otherwise")
    warehouses: list[WarehouseStock]
    listings: list[ListingStock]


class AdjustIn(Input):
    sku: str = Field(min_length=1, max_length=255)
    action: Literal["set", "add", "remove"] = Field(
        description="set on hand after a count, add received stock, remove damaged or lost"
    )
    quantity: int = Field(ge=0, le=adjustments.MAX_QUANTITY)
    reason: str = Field(min_length=1, max_length=255, description="kept in the ledger")
    warehouse: str | None = Field(None, description="warehouse code; the main one if omitted")


class MovementOut(MovementBase):
    id: int
    on_hand_delta: int
    reserved_delta: int
    reason: str
    reason_text: str
    reference: str
    note: str
    created_at: datetime

    @staticmethod
    def resolve_reason_text(movement: StockMovement) -> str:
        return str(movement.get_reason_display())


class AdjustmentOut(Schema):
    movement: MovementOut
    stock: StockOut


class LevelFilters(Schema):
    q: Text | None = Field(None, description="part of a SKU")
    oversold: bool | None = Field(None, description="only levels with available below 0")


@router.get("/levels", response=list[LevelOut], summary="Stock levels, oversells first")
@paginate(Page)
def levels(request: HttpRequest, filters: Query[LevelFilters]) -> QuerySet[StockLevel]:
    available = ExpressionWrapper(F("on_hand") - F("reserved"), output_field=IntegerField())
    found = (
        StockLevel.objects.select_related("variant__product", "warehouse")
        .annotate(avail=available)
        .order_by("avail", "variant__sku_key", "warehouse__code")
    )
    if filters.q:
        found = found.filter(variant__sku__icontains=filters.q)
    if filters.oversold is not None:
        found = found.filter(avail__lt=0) if filters.oversold else found.filter(avail__gte=0)
    return visible_levels(found, request.user)  # a user limited to warehouses sees those


@router.get("", response={200: StockOut, **errors(404, 422)}, summary="One SKU's stock")
def show(request: HttpRequest, sku: Text = SKU_QUERY) -> dict[str, Any]:
    """On hand, reserved and available per warehouse, and every listing of the SKU with the
    quantity it should show (``desired``) and the one it was last sent (``last_pushed``)."""
    return sku_status(_variant(sku))


@router.post("/adjustments", response={201: AdjustmentOut, **errors(422)}, summary="Adjust stock")
@requires(Permission.ADJUST_STOCK)
def adjust(request: HttpRequest, payload: AdjustIn) -> Status[dict[str, Any]]:
    variant = _variant(payload.sku, field="sku")
    try:
        movement = adjustments.adjust(
            variant,
            payload.action,
            payload.quantity,
            payload.reason,
            warehouse=_warehouse(payload.warehouse),
            actor=acting_user(request),
        )
    except adjustments.AdjustmentRefused as refused:
        raise ApiError(422, "adjustment_refused", str(refused)) from None
    movement = _movements().get(pk=movement.pk)
    return Status(201, {"movement": movement, "stock": sku_status(variant)})


class TransferIn(Input):
    sku: str = Field(min_length=1, max_length=255)
    from_warehouse: str = Field(min_length=1, max_length=40, description="warehouse code")
    to_warehouse: str = Field(min_length=1, max_length=40, description="warehouse code")
    quantity: int = Field(ge=1, le=adjustments.MAX_QUANTITY)
    note: str = Field("", max_length=transfers.NOTE_MAX, description="kept in the ledger")


class TransferOut(Schema):
    reference: str = Field(description='"transfer:…", on both ledger lines')
    movements: list[MovementOut] = Field(description="out of the source, then into the other")
    stock: StockOut


@router.post(
    "/transfers",
    response={201: TransferOut, **errors(403, 422)},
    summary="Transfer stock between warehouses",
)
@requires(Permission.ADJUST_STOCK)
def transfer(request: HttpRequest, payload: TransferIn) -> Status[dict[str, Any]]:
    """Moves units on hand: one ledger line out, one in, with the same reference. At most what
    is available in the source (on hand − reserved) moves, so a transfer never oversells; a
    bundle has no stock of its own (transfer its components). Refusals are a 422
    ``transfer_refused``; a warehouse the user does not work in, too."""
    variant = _variant(payload.sku, field="sku")
    source = _known_warehouse(payload.from_warehouse, "from_warehouse")
    destination = _known_warehouse(payload.to_warehouse, "to_warehouse")
    try:
        done = transfers.transfer(
            source, destination, variant, payload.quantity, request.user, payload.note
        )
    except transfers.TransferRefused as refused:
        raise ApiError(422, "transfer_refused", str(refused)) from None
    moved = _movements().filter(reference=done.reference).order_by("on_hand_delta")
    return Status(
        201,
        {"reference": done.reference, "movements": list(moved), "stock": sku_status(variant)},
    )


@router.get("/movements", response={200: list[MovementOut], **errors(404, 422)})
@paginate(Page)
def movements(request: HttpRequest, sku: Text = SKU_QUERY) -> QuerySet[StockMovement]:
    """The ledger of one SKU, newest first: every change with its reason and reference."""
    return _movements().filter(level__variant=_variant(sku))


def _movements() -> QuerySet[StockMovement]:
    return StockMovement.objects.select_related("level__variant", "level__warehouse").order_by(
        "-created_at", "-id"
    )


def _variant(sku: str, field: str = "") -> Variant:
    try:
        return adjustments.find_variant(sku)
    except adjustments.AdjustmentRefused as refused:
        if field:  # named in a body: the request is unusable, not a missing resource
            raise invalid(field, str(refused)) from None
        raise ApiError(404, "not_found", str(refused)) from None


def _warehouse(code: str | None) -> Warehouse | None:
    return None if code is None else _known_warehouse(code, "warehouse")


def _known_warehouse(code: str, field: str) -> Warehouse:
    warehouse = Warehouse.objects.filter(code=code.strip()).first()
    if warehouse is None:
        raise invalid(field, _("No warehouse with code %(code)s.") % {"code": code})
    return warehouse
