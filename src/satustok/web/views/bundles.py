"""Bundles in the Product Catalog: a new bundle, and a variant's recipe (its components).

The recipe form is rows of component SKU and quantity; empty rows are ignored, every other row
must name a master SKU and a whole quantity, and a refusal says which row and why — nothing is
saved unless the whole recipe is right.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satustok.catalog import editing
from satustok.catalog.editing import EditRefused
from satustok.catalog.models import Variant
from satustok.core.access import Permission
from satustok.inventory.bundles import MAX_COMPONENTS, BundleRefused, parts_from_rows
from satustok.orders.bundles import change_recipe
from satustok.web.access import requires

EMPTY_ROWS = 3  # blank rows the form offers for new components


@requires(Permission.EDIT_CATALOG)
def new(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: create the master and its recipe in one go (both or neither)."""
    rows = _posted_rows(request) if request.method == "POST" else []
    name = request.POST.get("name", "")
    sku = request.POST.get("sku", "")
    if request.method == "POST":
        try:
            with transaction.atomic():
                variant = editing.create_master(name, sku)
                parts = parts_from_rows(rows)
                if not parts:
                    raise BundleRefused(_("Give at least one component, with its quantity."))
                change_recipe(variant, parts)
        except (EditRefused, BundleRefused) as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Bundle %(sku)s created.") % {"sku": variant.sku})
            return redirect("web:catalog_product", pk=variant.product_id)
    context = {
        "nav": "catalog",
        "name": name,
        "sku": sku,
        "rows": rows + [("", "")] * max(EMPTY_ROWS - len(rows), 2 if not rows else 0),
    }
    return render(request, "web/catalog/bundle_new.html", context)


@requires(Permission.EDIT_CATALOG)
@require_POST
def recipe(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a variant's components (all rows empty: it is an ordinary variant again)."""
    variant = get_object_or_404(Variant.objects.select_related("product"), pk=pk)
    try:
        parts = parts_from_rows(_posted_rows(request))
        change_recipe(variant, parts)
    except BundleRefused as refused:
        messages.error(request, str(refused))
    else:
        if parts:
            messages.success(request, _("Saved the components of %(sku)s.") % {"sku": variant.sku})
        else:
            messages.success(request, _("%(sku)s is no longer a bundle.") % {"sku": variant.sku})
    return redirect("web:catalog_product", pk=variant.product_id)


def _posted_rows(request: HttpRequest) -> list[tuple[str, str]]:
    skus = request.POST.getlist("component")
    quantities = request.POST.getlist("quantity")
    rows = list(zip(skus, quantities + [""] * (len(skus) - len(quantities)), strict=False))
    return [(sku.strip(), quantity.strip()) for sku, quantity in rows][: MAX_COMPONENTS + 5]
