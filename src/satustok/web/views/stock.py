"""Inventory: stock per SKU and warehouse, oversells first."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import ExpressionWrapper, F, IntegerField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from satustok.catalog.models import Variant
from satustok.channels.connect import default_warehouse
from satustok.core.access import Permission
from satustok.inventory.access import allowed_warehouse_ids, visible_levels
from satustok.inventory.adjustments import MAX_QUANTITY, AdjustmentRefused, adjust
from satustok.inventory.low_stock import (
    MAX_THRESHOLD,
    default_threshold,
    low_stock,
    set_threshold,
    threshold_of,
)
from satustok.inventory.models import StockLevel, StockMovement, Warehouse
from satustok.sync.stock_view import sku_status
from satustok.web.access import requires
from satustok.web.forms import IdChoiceField
from satustok.web.params import query_text
from satustok.web.views import listing_rules, stock_controls, warehouses

LOW_STOCK_BUCKET = "low"  # ?bucket=low: the Low stock tab


@requires(Permission.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    if request.GET.get("bucket") == LOW_STOCK_BUCKET:
        return _low_stock_tab(request)
    query = query_text(request, "q")
    levels = (
        StockLevel.objects.select_related("variant", "variant__product", "warehouse")
        .annotate(
            avail=ExpressionWrapper(F("on_hand") - F("reserved"), output_field=IntegerField())
        )
        .order_by("avail", "variant__sku_key")
    )
    if query:
        levels = levels.filter(variant__sku__icontains=query)
    levels = visible_levels(levels, request.user)  # a user limited to warehouses sees those
    page = Paginator(levels, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/inventory/index.html",
        {"nav": "inventory", "page": page, "q": query, "tab": "all"},
    )


def _low_stock_tab(request: HttpRequest) -> HttpResponse:
    """The SKUs at or below their threshold, one row per SKU (available summed over the
    warehouses the user works in), oversold first."""
    query = query_text(request, "q")
    skus = low_stock(request.user)
    if query:
        skus = skus.filter(sku__icontains=query)
    page = Paginator(skus, 50).get_page(request.GET.get("page"))
    context = {
        "nav": "inventory",
        "page": page,
        "q": query,
        "tab": "low",
        "bucket": LOW_STOCK_BUCKET,  # the pager keeps it in its links
        "default_threshold": default_threshold(),
    }
    return render(request, "web/inventory/index.html", context)


class AdjustForm(forms.Form):
    # Not required: without it the default warehouse is meant (as for the API and the CLI).
    warehouse = IdChoiceField(
        label=_("Warehouse"), queryset=Warehouse.objects.none(), empty_label=None, required=False
    )
    action = forms.ChoiceField(
        label=_("Change"),
        choices=[
            ("set", _("Set on hand to")),
            ("add", _("Receive (add)")),
            ("remove", _("Remove")),
        ],
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=MAX_QUANTITY)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        """The warehouses this user may change (all, unless limited): the default one first.
        With one to choose from, the field is not shown."""
        super().__init__(*args, **kwargs)
        allowed = allowed_warehouse_ids(user)
        choices = Warehouse.objects.order_by("pk")
        if allowed is not None:
            choices = choices.filter(pk__in=allowed)
        field = self.fields["warehouse"]
        field.queryset = choices  # type: ignore[attr-defined]
        default = default_warehouse()
        field.initial = default.pk if allowed is None or default.pk in allowed else None
        if choices.count() <= 1:
            field.widget = forms.HiddenInput()
            field.initial = next(iter(choices.values_list("pk", flat=True)), None)


class ThresholdForm(forms.Form):
    """A SKU's own low-stock threshold; empty: the hub's default."""

    low_stock_threshold = forms.IntegerField(
        label=_("Low stock at"),
        min_value=0,
        max_value=MAX_THRESHOLD,
        required=False,
        help_text=_("Available at or below this is low stock; 0: not watched."),
    )


@requires(Permission.VIEW, post=Permission.ADJUST_STOCK)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    variant = get_object_or_404(Variant.objects.select_related("product"), pk=pk)
    threshold_posted = request.method == "POST" and request.POST.get("form") == "threshold"
    threshold_form = ThresholdForm(
        request.POST if threshold_posted else None,
        initial={"low_stock_threshold": variant.low_stock_threshold},
    )
    if threshold_posted:
        if threshold_form.is_valid():
            return _save_threshold(request, variant, threshold_form)
        return _detail_page(request, variant, AdjustForm(user=request.user), threshold_form)
    form = AdjustForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            adjust(
                variant,
                data["action"],
                data["quantity"],
                data["reason"],
                warehouse=data["warehouse"],
                actor=request.user.get_username(),
            )
        except AdjustmentRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Stock of %(sku)s changed.") % {"sku": variant.sku})
            return redirect("web:inventory_sku", pk=variant.pk)
    return _detail_page(request, variant, form, threshold_form)


def _save_threshold(request: HttpRequest, variant: Variant, form: ThresholdForm) -> HttpResponse:
    set_threshold(variant, form.cleaned_data["low_stock_threshold"])
    messages.success(request, _("Low-stock threshold of %(sku)s saved.") % {"sku": variant.sku})
    return redirect("web:inventory_sku", pk=variant.pk)


def _detail_page(
    request: HttpRequest, variant: Variant, form: AdjustForm, threshold_form: ThresholdForm
) -> HttpResponse:
    movements = StockMovement.objects.filter(level__variant=variant).select_related(
        "level__warehouse"
    )[:100]
    status = sku_status(variant)
    listing_rules.with_rule_forms(status["listings"], variant)
    return render(
        request,
        "web/inventory/detail.html",
        {
            "nav": "inventory",
            "variant": variant,
            "status": status,
            "transfer_form": warehouses.TransferForm(user=request.user),
            **stock_controls.sku_controls(variant),
            "form": form,
            "movements": movements,
            "threshold_form": threshold_form,
            "threshold": threshold_of(variant),
            "default_threshold": default_threshold(),
        },
    )
