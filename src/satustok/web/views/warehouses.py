"""Warehouses: the list with what each holds and which integrations it feeds; create, rename,
delete an empty one (Owners and Admins); transfer stock between two (those who adjust stock,
in warehouses they work in) — from this page by SKU, or from a SKU's page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount
from satustok.core.access import Permission
from satustok.inventory.access import allowed_warehouse_ids
from satustok.inventory.adjustments import MAX_QUANTITY, AdjustmentRefused, find_variant
from satustok.inventory.models import Warehouse
from satustok.inventory.transfers import NOTE_MAX, TransferRefused, transfer
from satustok.inventory.warehouses import (
    NAME_MAX,
    WarehouseChangeRefused,
    create_warehouse,
    rename_warehouse,
    with_holdings,
)
from satustok.sync.warehouse_feeds import delete_unless_feeding
from satustok.web.access import requires
from satustok.web.forms import IdChoiceField
from satustok.web.views.stock_controls import _errors


class WarehouseNameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX, strip=True)


class TransferForm(forms.Form):
    """Move units between two warehouses the user works in; ``sku`` only where the page is not
    a SKU's own (the warehouses page)."""

    source = IdChoiceField(
        label=gettext_lazy("From"), queryset=Warehouse.objects.none(), empty_label=None
    )
    destination = IdChoiceField(
        label=gettext_lazy("To"), queryset=Warehouse.objects.none(), empty_label=None
    )
    quantity = forms.IntegerField(label=gettext_lazy("Units"), min_value=1, max_value=MAX_QUANTITY)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=NOTE_MAX, required=False)

    def __init__(self, *args: Any, user: Any, with_sku: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = workable_warehouses(user)
        for name in ("source", "destination"):
            self.fields[name].queryset = choices  # type: ignore[attr-defined]
        second = choices[1:2].first()
        if second is not None:
            self.fields["destination"].initial = second.pk
        if with_sku:
            self.fields["sku"] = forms.CharField(label=gettext_lazy("SKU"), max_length=255)
            self.order_fields(["sku"])

    @property
    def possible(self) -> bool:
        """Whether the user works in two warehouses or more (else nothing can move)."""
        return bool(self.fields["source"].queryset[1:2].exists())  # type: ignore[attr-defined]


def workable_warehouses(user: Any) -> Any:
    """The warehouses ``user`` works in (every one, unless limited), oldest first."""
    allowed = allowed_warehouse_ids(user)
    found = Warehouse.objects.order_by("pk")
    return found if allowed is None else found.filter(pk__in=allowed)


@requires(Permission.VIEW, post=Permission.MANAGE_INTEGRATIONS)
def index(request: HttpRequest) -> HttpResponse:
    """The list; a POST creates a warehouse."""
    form = WarehouseNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = create_warehouse(form.cleaned_data["name"])
        except WarehouseChangeRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("Warehouse %(name)s created (code %(code)s).")
                % {"name": made.name, "code": made.code},
            )
            return redirect("web:warehouses")
    elif request.method == "POST":
        messages.error(request, _errors(form))
    return _page(request, form)


def _page(request: HttpRequest, form: WarehouseNameForm) -> HttpResponse:
    allowed = allowed_warehouse_ids(request.user)
    warehouses = with_holdings(Warehouse.objects.order_by("name"))
    if allowed is not None:  # a user limited to warehouses sees those
        warehouses = warehouses.filter(pk__in=allowed)
    return render(
        request,
        "web/warehouses/index.html",
        {
            "nav": "warehouses",
            "rows": [(warehouse, _fed(warehouse)) for warehouse in warehouses],
            "form": form,
            "transfer_form": TransferForm(user=request.user, with_sku=True),
        },
    )


def _fed(warehouse: Warehouse) -> list[ChannelAccount]:
    return list(warehouse.accounts.order_by("shop_name"))


@requires(Permission.MANAGE_INTEGRATIONS)
@require_POST
def rename(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = get_object_or_404(Warehouse, pk=pk)
    form = WarehouseNameForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("web:warehouses")
    try:
        rename_warehouse(warehouse, form.cleaned_data["name"])
    except WarehouseChangeRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Warehouse renamed to %(name)s.") % {"name": warehouse.name})
    return redirect("web:warehouses")


@requires(Permission.MANAGE_INTEGRATIONS)
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = get_object_or_404(Warehouse, pk=pk)
    try:
        delete_unless_feeding(warehouse)
    except WarehouseChangeRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Warehouse %(name)s deleted.") % {"name": warehouse.name})
    return redirect("web:warehouses")


@requires(Permission.ADJUST_STOCK)
@require_POST
def transfer_by_sku(request: HttpRequest) -> HttpResponse:
    """The warehouses page's transfer form: the SKU is typed."""
    form = TransferForm(request.POST, user=request.user, with_sku=True)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("web:warehouses")
    try:
        variant = find_variant(form.cleaned_data["sku"])
    except AdjustmentRefused as refused:
        messages.error(request, str(refused))
        return redirect("web:warehouses")
    _transfer(request, variant, form)
    return redirect("web:warehouses")


@requires(Permission.ADJUST_STOCK)
@require_POST
def transfer_sku(request: HttpRequest, pk: int) -> HttpResponse:
    """A SKU page's transfer form."""
    variant = get_object_or_404(Variant, pk=pk)
    form = TransferForm(request.POST, user=request.user)
    if form.is_valid():
        _transfer(request, variant, form)
    else:
        messages.error(request, _errors(form))
    return redirect("web:inventory_sku", pk=pk)


def _transfer(request: HttpRequest, variant: Variant, form: TransferForm) -> None:
    data = form.cleaned_data
    try:
        done = transfer(
            data["source"],
            data["destination"],
            variant,
            data["quantity"],
            request.user,
            data["note"],
        )
    except TransferRefused as refused:
        messages.error(request, str(refused))
        return
    messages.success(
        request,
        _("%(quantity)s × %(sku)s transferred from %(source)s to %(destination)s.")
        % {
            "quantity": done.quantity,
            "sku": variant.sku,
            "source": done.source.name,
            "destination": done.destination.name,
        },
    )
