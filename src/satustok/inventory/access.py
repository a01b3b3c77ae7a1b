"""Which warehouses a user may work in. A user with no :class:`WarehouseAccess` row works in
all of them (the Owner, and anyone nobody limited); the command line is the operator and is
never limited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from satustok.core.access import NotAllowed
from satustok.inventory.models import StockLevel, Warehouse, WarehouseAccess

Levels = TypeVar("Levels", bound=QuerySet[StockLevel])


class WarehouseRefused(ValueError):
    """The user is limited to other warehouses."""


def allowed_warehouse_ids(user: Any) -> frozenset[int] | None:
    """The warehouses ``user`` is limited to, or None when not limited."""
    if user is None or not getattr(user, "pk", None):
        return None
    ids = frozenset(
        WarehouseAccess.objects.filter(user=user).values_list("warehouse_id", flat=True)
    )
    return ids or None


def check_warehouse(user: Any, warehouse: Warehouse) -> None:
    allowed = allowed_warehouse_ids(user)
    if allowed is not None and warehouse.pk not in allowed:
        raise WarehouseRefused(
            _("You work only in other warehouses: %(warehouse)s is not one of them.")
            % {"warehouse": warehouse.name}
        )


def require_warehouse(user: Any, warehouse_id: int | None) -> None:
    """Refuse (as a role refusal: the 403 page, the API's ``forbidden``) work that moves stock
    of a warehouse ``user`` does not work in, such as an order of a shop it feeds."""
    allowed = allowed_warehouse_ids(user)
    if allowed is None or warehouse_id in allowed:
        return
    warehouse = Warehouse.objects.filter(pk=warehouse_id or 0).first()
    raise NotAllowed(
        _("You work only in other warehouses: %(warehouse)s is not one of them.")
        % {"warehouse": warehouse.name if warehouse else "—"}
    )


def visible_levels(levels: Levels, user: Any) -> Levels:
    """Stock rows of the warehouses ``user`` works in."""
    allowed = allowed_warehouse_ids(user)
    return levels if allowed is None else levels.filter(warehouse_id__in=allowed)


def set_warehouses(user: Any, warehouses: Iterable[Warehouse]) -> None:
    """Limit ``user`` to ``warehouses`` (none: every warehouse)."""
    with transaction.atomic():
        WarehouseAccess.objects.filter(user=user).delete()
        WarehouseAccess.objects.bulk_create(
            WarehouseAccess(user=user, warehouse=warehouse) for warehouse in warehouses
        )


def warehouse_names(user: Any) -> list[str]:
    return list(
        Warehouse.objects.filter(access__user=user).order_by("name").values_list("name", flat=True)
    )
