"""The seller's warehouses: create, rename, delete (only an empty one), and what each holds.

The code is made once from the name when the warehouse is created (``gudang-surabaya``) and is
kept on a rename: the REST API, the command line and scripts name a warehouse by its code, and
a rename must not break them. Whether a warehouse still feeds an integration is asked above
this layer (``sync/warehouse_feeds.py``): the domain does not know the channels.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, ProtectedError, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.text import slugify
from django.utils.translation import gettext as _

from satustok.core import activity
from satustok.inventory.models import StockLevel, Warehouse, WarehouseAccess

WAREHOUSE_CHANGED = activity.Action.WAREHOUSE_CHANGED
DEFAULT_CODE = "utama"  # channels/connect.py and adjustments.py fall back on it
NAME_MAX = 120
CODE_MAX = 40


class WarehouseChangeRefused(ValueError):
    """A create, rename or delete the hub refuses, in words for the seller."""


def with_holdings(warehouses: QuerySet[Warehouse]) -> QuerySet[Warehouse]:
    """``warehouses`` annotated with ``sku_count`` (SKUs with something on hand or reserved),
    ``units_on_hand`` and ``units_reserved``, in one grouped query."""
    stocked = Q(levels__on_hand__gt=0) | Q(levels__reserved__gt=0)
    return warehouses.annotate(
        sku_count=Count("levels", filter=stocked),
        units_on_hand=Coalesce(Sum("levels__on_hand"), 0),
        units_reserved=Coalesce(Sum("levels__reserved"), 0),
    )


def create_warehouse(name: str) -> Warehouse:
    name = _clean_name(name)
    try:
        with transaction.atomic():
            _refuse_taken_name(name)
            warehouse = Warehouse.objects.create(name=name, code=_free_code(name))
            _log(warehouse, None, {"name": name, "code": warehouse.code})
    except IntegrityError:  # the same code, taken between the look and the insert
        raise WarehouseChangeRefused(
            _("A warehouse named %(name)s was just created. Reload the page.") % {"name": name}
        ) from None
    return warehouse


def rename_warehouse(warehouse: Warehouse, name: str) -> Warehouse:
    """A new name; the code stays (see the module's docstring)."""
    name = _clean_name(name)
    if name == warehouse.name:
        return warehouse
    with transaction.atomic():
        _refuse_taken_name(name, but=warehouse)
        before = warehouse.name
        Warehouse.objects.filter(pk=warehouse.pk).update(name=name)
        warehouse.name = name
        _log(warehouse, {"name": before}, {"name": name})
    return warehouse


def delete_warehouse(warehouse: Warehouse) -> None:
    """Delete an empty warehouse. Its stock rows at zero go with it (with their ledger lines:
    nothing is left on that shelf to explain). Callers check first that no integration is fed
    from it (``sync/warehouse_feeds.py``)."""
    with transaction.atomic():
        # Locked so a stock change cannot land between the check and the delete.
        levels = list(StockLevel.objects.select_for_update().filter(warehouse=warehouse))
        refuse_unless_empty(warehouse, levels)
        label = f"{warehouse.name} ({warehouse.code})"
        try:
            StockLevel.objects.filter(warehouse=warehouse).delete()
            warehouse.delete()
        except ProtectedError:
            raise WarehouseChangeRefused(
                _(
                    "%(warehouse)s cannot be deleted: returned goods were put back on its "
                    "shelf, and their orders still name it."
                )
                % {"warehouse": warehouse.name}
            ) from None
        activity.record(None, WAREHOUSE_CHANGED, None, label=label, after={"deleted": label})


def refuse_unless_empty(warehouse: Warehouse, levels: list[StockLevel] | None = None) -> None:
    """Refuse, in words, to delete a warehouse that holds stock, is the default one, or is the
    only warehouse some users may work in."""
    if warehouse.code == DEFAULT_CODE:
        raise WarehouseChangeRefused(
            _(
                "%(warehouse)s is the main warehouse: new integrations and adjustments that "
                "name no warehouse use it. It cannot be deleted."
            )
            % {"warehouse": warehouse.name}
        )
    levels = list(warehouse.levels.all()) if levels is None else levels
    stocked = [level for level in levels if level.on_hand or level.reserved]
    if stocked:
        raise WarehouseChangeRefused(
            _(
                "%(warehouse)s still holds stock (SKUs with stock: %(count)s): transfer or "
                "remove it first, then delete the warehouse."
            )
            % {"warehouse": warehouse.name, "count": len(stocked)}
        )
    _refuse_limited_users(warehouse)


def _refuse_limited_users(warehouse: Warehouse) -> None:
    """Deleting the warehouse would delete these users' access rows, and a user with none
    works everywhere: a limit must never widen by itself."""
    names = list(
        WarehouseAccess.objects.filter(warehouse=warehouse)
        .order_by("user__username")
        .values_list("user__username", flat=True)
    )
    if names:
        raise WarehouseChangeRefused(
            _(
                "Users limited to %(warehouse)s: %(users)s. Change their warehouses first "
                "(Users page), then delete it."
            )
            % {"warehouse": warehouse.name, "users": ", ".join(names)}
        )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise WarehouseChangeRefused(_("Give the warehouse a name."))
    if len(name) > NAME_MAX:
        raise WarehouseChangeRefused(
            _("A warehouse name has at most %(max)s characters.") % {"max": NAME_MAX}
        )
    if not slugify(name):
        raise WarehouseChangeRefused(
            _("Use at least one letter or digit in the name (the code is made from it).")
        )
    return name


def _refuse_taken_name(name: str, but: Warehouse | None = None) -> None:
    taken = Warehouse.objects.filter(name__iexact=name)
    if but is not None:
        taken = taken.exclude(pk=but.pk)
    if taken.exists():
        raise WarehouseChangeRefused(
            _("A warehouse named %(name)s already exists.") % {"name": name}
        )


def _free_code(name: str) -> str:
    """The name's slug, made unique with -2, -3… ("Gudang Utama" → ``gudang-utama``)."""
    base = slugify(name)[: CODE_MAX - 4].strip("-")
    code, number = base, 2
    while Warehouse.objects.filter(code=code).exists():
        code, number = f"{base}-{number}", number + 1
    return code


def _log(warehouse: Warehouse, before: dict[str, str] | None, after: dict[str, str]) -> None:
    activity.record(None, WAREHOUSE_CHANGED, warehouse, before=before, after=after)
