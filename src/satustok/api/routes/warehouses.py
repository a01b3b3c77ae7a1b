"""Warehouses: list (with what each holds and the integrations it feeds), create, rename,
delete an empty one. A warehouse is named by its id in the path; its ``code`` (made from the
name when created, kept on a rename) is what the stock routes take."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from satustok.api.access import requires
from satustok.api.errors import ApiError, not_found
from satustok.api.schemas import Id, Input, errors
from satustok.core.access import Permission
from satustok.inventory.access import allowed_warehouse_ids
from satustok.inventory.models import Warehouse
from satustok.inventory.warehouses import (
    NAME_MAX,
    WarehouseChangeRefused,
    create_warehouse,
    rename_warehouse,
    with_holdings,
)
from satustok.sync.warehouse_feeds import delete_unless_feeding

router = Router(tags=["warehouses"])


class WarehouseSummary(Schema):
    id: int
    code: str
    name: str
    skus: int = Field(description="SKUs with units on hand or reserved here")
    on_hand: int
    reserved: int
    feeds: list[int] = Field(description="the integrations whose stock comes from here")

    @staticmethod
    def resolve_skus(warehouse: Warehouse) -> int:
        return int(warehouse.sku_count)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_on_hand(warehouse: Warehouse) -> int:
        return int(warehouse.units_on_hand)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_reserved(warehouse: Warehouse) -> int:
        return int(warehouse.units_reserved)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_feeds(warehouse: Warehouse) -> list[int]:
        return list(warehouse.accounts.order_by("pk").values_list("pk", flat=True))


class WarehouseIn(Input):
    name: str = Field(min_length=1, max_length=NAME_MAX)


def _listed(request: HttpRequest) -> QuerySet[Warehouse]:
    """Every warehouse, or those a user limited to some works in."""
    found = with_holdings(Warehouse.objects.order_by("name", "pk"))
    allowed = allowed_warehouse_ids(request.user)
    return found if allowed is None else found.filter(pk__in=allowed)


def _one(pk: int) -> Warehouse:
    found = with_holdings(Warehouse.objects.filter(pk=pk)).first()
    if found is None:
        raise not_found("warehouse", pk)
    return found


def _refused(refused: WarehouseChangeRefused) -> ApiError:
    return ApiError(409, "warehouse_refused", str(refused))


@router.get("", response=list[WarehouseSummary], summary="Warehouses")
def list_warehouses(request: HttpRequest) -> list[Warehouse]:
    return list(_listed(request))


@router.post("", response={201: WarehouseSummary, **errors(409, 422)}, summary="Create a warehouse")
@requires(Permission.MANAGE_INTEGRATIONS)
def create(request: HttpRequest, payload: WarehouseIn) -> Status[Warehouse]:
    """The code is made from the name (``Gudang Surabaya`` → ``gudang-surabaya``, ``-2`` when
    taken). A name another warehouse has is a 409 ``warehouse_refused``."""
    try:
        made = create_warehouse(payload.name)
    except WarehouseChangeRefused as refused:
        raise _refused(refused) from None
    return Status(201, _one(made.pk))


@router.patch("/{warehouse_id}", response={200: WarehouseSummary, **errors(404, 409, 422)})
@requires(Permission.MANAGE_INTEGRATIONS)
def rename(request: HttpRequest, warehouse_id: Id, payload: WarehouseIn) -> Warehouse:
    """A new name; the code stays (scripts name warehouses by it)."""
    warehouse = _one(warehouse_id)
    try:
        rename_warehouse(warehouse, payload.name)
    except WarehouseChangeRefused as refused:
        raise _refused(refused) from None
    return _one(warehouse_id)


@router.delete("/{warehouse_id}", response={204: None, **errors(404, 409)})
@requires(Permission.MANAGE_INTEGRATIONS)
def delete(request: HttpRequest, warehouse_id: Id) -> Status[None]:
    """Only an empty warehouse that feeds no integration, is not the main one and limits no
    user; otherwise a 409 ``warehouse_refused`` says why."""
    warehouse = _one(warehouse_id)
    try:
        delete_unless_feeding(warehouse)
    except WarehouseChangeRefused as refused:
        raise _refused(refused) from None
    return Status(204, None)
