"""A master product's page in the Product Catalog: its name, each variant's SKU and details,
archiving. The edit views of the catalogue (the list and linking are in ``catalog.py``).

A SKU change goes through a preview page that lists its consequences before anything is saved;
archiving through a confirmation page that lists the listings that will show 0.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from satustok.catalog import editing
from satustok.catalog.editing import Applied, EditRefused
from satustok.catalog.models import MasterProduct, Variant
from satustok.core.access import Permission
from satustok.inventory import bundles
from satustok.sync import prices, pusher, tasks
from satustok.web.access import requires


class RenameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Product name"), max_length=editing.NAME_LENGTH)


class DetailsForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Variant name"), max_length=editing.NAME_LENGTH, required=False
    )
    barcode = forms.CharField(
        label=gettext_lazy("Barcode"), max_length=editing.BARCODE_LENGTH, required=False
    )
    weight_grams = forms.IntegerField(label=gettext_lazy("Weight (g)"), min_value=0, required=False)
    price = forms.IntegerField(
        label=gettext_lazy("Price (Rp)"), min_value=1, max_value=editing.MAX_PRICE, required=False
    )
    low_stock_threshold = forms.IntegerField(
        label=gettext_lazy("Low stock at"), min_value=0, required=False
    )
    cost = forms.IntegerField(
        label=gettext_lazy("Cost (Rp)"), min_value=0, max_value=editing.MAX_PRICE, required=False
    )


def push_again(applied: Applied) -> None:
    """Mark the changed variants' listings for a push, nudged once the change commits."""
    if applied.variant_ids:
        tasks.nudge_after_commit(pusher.mark_variants_dirty(applied.variant_ids))


def push_price_again(variant_ids: list[int]) -> None:
    """A new master price: its listings on integrations pushing prices get it."""
    tasks.nudge_prices_after_commit(prices.mark_prices_dirty(variant_ids))


@requires(Permission.VIEW)
def product(request: HttpRequest, pk: int) -> HttpResponse:
    master = get_object_or_404(MasterProduct, pk=pk)
    variants = list(master.variants.prefetch_related("listings__account"))
    for variant in variants:
        variant.form = DetailsForm(  # type: ignore[attr-defined]
            initial={name: getattr(variant, name) for name in editing.DETAILS},
            auto_id=f"v{variant.pk}_%s",
        )
    _add_recipes(variants)
    return render(
        request,
        "web/catalog/product.html",
        {
            "nav": "catalog",
            "product": master,
            "variants": variants,
            "rename_form": RenameForm(initial={"name": master.name}),
        },
    )


def _add_recipes(variants: list[Variant]) -> None:
    """Each variant's recipe rows (component, quantity, the component's available) and, for a
    bundle, its available; for a component, the bundles that use it."""
    found = bundles.recipes(v.pk for v in variants)
    components = {c for recipe in found.values() for c, _q in recipe}
    used = Variant.objects.filter(components__component__in=[v.pk for v in variants])
    used_in: dict[int, list[Variant]] = {}
    for bundle in used.select_related("product").prefetch_related("components").distinct():
        for line in bundle.components.all():
            used_in.setdefault(line.component_id, []).append(bundle)
    totals = _available_of(components) | bundles.available_everywhere(found)
    named = Variant.objects.in_bulk(components)
    for variant in variants:
        recipe = found.get(variant.pk, [])
        variant.recipe = [  # type: ignore[attr-defined]
            (named[c], quantity, totals.get(c, 0)) for c, quantity in recipe
        ]
        variant.bundle_available = totals.get(variant.pk)  # type: ignore[attr-defined]
        variant.bundles_using = used_in.get(variant.pk, [])  # type: ignore[attr-defined]
        variant.blank_rows = range(max(2, 3 - len(recipe)))  # type: ignore[attr-defined]


def _available_of(variant_ids: set[int]) -> dict[int, int]:
    levels = Variant.objects.filter(pk__in=variant_ids).annotate(
        avail=Coalesce(Sum(F("stock_levels__on_hand") - F("stock_levels__reserved")), 0)
    )
    return dict(levels.values_list("pk", "avail"))


@requires(Permission.EDIT_CATALOG)
@require_POST
def rename(request: HttpRequest, pk: int) -> HttpResponse:
    master = get_object_or_404(MasterProduct, pk=pk)
    form = RenameForm(request.POST)
    try:
        if not form.is_valid():
            raise EditRefused(_("Type the product's name (at most 255 characters)."))
        editing.rename(master, form.cleaned_data["name"])
    except EditRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Saved."))
    return redirect("web:catalog_product", pk=master.pk)


@requires(Permission.EDIT_CATALOG)
@require_POST
def details(request: HttpRequest, pk: int) -> HttpResponse:
    variant = get_object_or_404(Variant, pk=pk)
    form = DetailsForm(request.POST)
    try:
        if not form.is_valid():
            raise EditRefused(_("Check the variant's fields: weight and threshold are 0 or more."))
        with transaction.atomic():
            price_before = variant.price
            editing.set_details(variant, **form.cleaned_data)
            if variant.price != price_before:
                push_price_again([variant.pk])
    except EditRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Saved %(sku)s.") % {"sku": variant.sku})
    return redirect("web:catalog_product", pk=variant.product_id)


@requires(Permission.EDIT_CATALOG)
def change_sku(request: HttpRequest, pk: int) -> HttpResponse:
    """GET ``?sku=NEW``: the preview; POST (``sku``, ``link`` ids): save it."""
    variant = get_object_or_404(Variant.objects.select_related("product"), pk=pk)
    data = request.POST if request.method == "POST" else request.GET
    change = editing.change_sku(variant, data.get("sku", ""))
    if request.method == "POST" and not change.unchanged:
        chosen = [int(value) for value in request.POST.getlist("link") if value.isdigit()]
        try:
            with transaction.atomic():
                push_again(change.apply(link=chosen))
        except EditRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("SKU changed to %(sku)s.") % {"sku": change.new_sku})
            return redirect("web:catalog_product", pk=variant.product_id)
    return render(
        request,
        "web/catalog/sku_preview.html",
        {"nav": "catalog", "variant": variant, "change": change},
    )


@requires(Permission.EDIT_CATALOG)
def archive(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what archiving means (the listings pushed 0); POST: archive."""
    master = get_object_or_404(MasterProduct, pk=pk)
    if request.method == "POST":
        with transaction.atomic():
            push_again(editing.archive(master))
        messages.success(
            request, _("%(name)s is archived: its listings show 0.") % {"name": master.name}
        )
        return redirect("web:catalog_product", pk=master.pk)
    return render(
        request,
        "web/catalog/archive.html",
        {"nav": "catalog", "product": master, "listings": editing.listings_of(master)},
    )


@requires(Permission.EDIT_CATALOG)
@require_POST
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    master = get_object_or_404(MasterProduct, pk=pk)
    with transaction.atomic():
        push_again(editing.restore(master))
    messages.success(
        request, _("%(name)s is sold again: its listings show the stock.") % {"name": master.name}
    )
    return redirect("web:catalog_product", pk=master.pk)
