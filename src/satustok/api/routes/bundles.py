"""Bundles: the bundles and what each can be sold as now, a new bundle, and a variant's recipe
(``inventory/bundles.py``; a recipe is refused with 409 while open orders hold the bundle,
``orders/bundles.py``). Components are named by SKU, as a seller knows them."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from satustok.api.access import requires
from satustok.api.errors import ApiError, invalid, not_found
from satustok.api.schemas import Id, Input, Text, errors
from satustok.catalog import editing
from satustok.catalog.editing import EditRefused
from satustok.catalog.models import Variant
from satustok.core.access import Permission
from satustok.inventory import bundles
from satustok.inventory.bundles import MAX_COMPONENT_QUANTITY, MAX_COMPONENTS, BundleRefused
from satustok.orders.bundles import HeldByOrders, change_recipe

router = Router(tags=["bundles"])


class ComponentIn(Input):
    sku: Text = Field(min_length=1, max_length=255)
    quantity: int = Field(ge=1, le=MAX_COMPONENT_QUANTITY, description="units in one bundle")


class RecipeIn(Input):
    components: list[ComponentIn] = Field(
        max_length=MAX_COMPONENTS, description="empty: an ordinary variant again"
    )


class BundleIn(RecipeIn):
    name: Text = Field(min_length=1, max_length=editing.NAME_LENGTH)
    sku: Text = Field(min_length=1, max_length=255)


class ComponentOut(Schema):
    sku: str
    quantity: int


class BundleOut(Schema):
    variant: int
    sku: str
    name: str
    components: list[ComponentOut]
    available: int = Field(description="summed over warehouses, each packing its own")


@router.get("/bundles", response=list[BundleOut], summary="Bundles and their available")
def list_bundles(request: HttpRequest) -> list[dict[str, object]]:
    found = Variant.objects.filter(components__isnull=False).distinct().order_by("sku_key")
    return _described(list(found.select_related("product")))


@router.post("/bundles", response={201: BundleOut, **errors(409, 422)}, summary="New bundle")
@requires(Permission.EDIT_CATALOG)
def create_bundle(request: HttpRequest, payload: BundleIn) -> Status[dict[str, object]]:
    """A new master product whose one variant is this bundle (both or neither are saved)."""
    if not payload.components:
        raise invalid("components", _no_components())
    try:
        with transaction.atomic():
            variant = editing.create_master(payload.name, payload.sku)
            _change(variant, _parts(payload))
    except EditRefused as refused:
        raise invalid("sku", str(refused)) from None
    return Status(201, _described([variant])[0])


@router.put(
    "/variants/{variant_id}/components",
    response={200: BundleOut, **errors(404, 409, 422)},
    summary="Set a variant's components",
)
@requires(Permission.EDIT_CATALOG)
def set_components(request: HttpRequest, variant_id: Id, payload: RecipeIn) -> dict[str, object]:
    """Replace the recipe; every listing of the bundle is pushed again. 409 ``held_by_orders``
    while open orders hold the bundle (they release by the recipe they were placed with)."""
    variant = Variant.objects.select_related("product").filter(pk=variant_id).first()
    if variant is None:
        raise not_found("variant", variant_id)
    _change(variant, _parts(payload))
    return _described([variant])[0]


def _change(variant: Variant, parts: list[bundles.Part]) -> None:
    try:
        change_recipe(variant, parts)
    except HeldByOrders as held:
        raise ApiError(409, "held_by_orders", str(held)) from None
    except BundleRefused as refused:
        raise invalid("components", str(refused)) from None


def _parts(payload: RecipeIn) -> list[bundles.Part]:
    rows = [(component.sku, component.quantity) for component in payload.components]
    try:
        return bundles.parts_from_rows(rows)
    except BundleRefused as refused:
        raise invalid("components", str(refused)) from None


def _no_components() -> str:
    return _("Give at least one component, with its quantity.")


def _described(variants: list[Variant]) -> list[dict[str, object]]:
    recipes = bundles.recipes(v.pk for v in variants)
    available = bundles.available_everywhere(recipes)
    ids = {c for recipe in recipes.values() for c, _q in recipe}
    skus = dict(Variant.objects.filter(pk__in=ids).values_list("pk", "sku"))
    return [
        {
            "variant": v.pk,
            "sku": v.sku,
            "name": v.product.name,
            "components": [{"sku": skus[c], "quantity": q} for c, q in recipes.get(v.pk, [])],
            "available": available.get(v.pk, 0),
        }
        for v in variants
    ]
