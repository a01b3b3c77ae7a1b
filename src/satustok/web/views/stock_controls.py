"""Stock controls in the UI: an integration's push rule (integration page), a SKU's campaign
allocations and priority store (SKU page). The services are ``sync/controls.py``; the pages
show each listing's quantity with its explanation (``sync/rules.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount
from satustok.core.access import Permission
from satustok.sync import controls
from satustok.sync.models import Allocation, PriorityStore, PushRule
from satustok.sync.rules import Rule
from satustok.web.access import requires


class RuleForm(forms.Form):
    percent = forms.IntegerField(
        label=gettext_lazy("Share of available (%)"), min_value=0, max_value=100, initial=100
    )
    buffer = forms.IntegerField(
        label=gettext_lazy("Kept back (units)"), min_value=0, max_value=10**9, initial=0
    )
    maximum = forms.IntegerField(
        label=gettext_lazy("Most shown"), min_value=0, max_value=10**9, required=False
    )
    fixed = forms.IntegerField(
        label=gettext_lazy("Fixed quantity"),
        min_value=0,
        max_value=10**9,
        required=False,
        help_text=gettext_lazy("Shows exactly this, never more than is available."),
    )

    def rule(self) -> Rule:
        data = self.cleaned_data
        return Rule(data["percent"], data["buffer"], data["maximum"], data["fixed"])


class AllocationForm(forms.Form):
    account = forms.ModelChoiceField(
        label=gettext_lazy("For integration"), queryset=ChannelAccount.objects.order_by("shop_name")
    )
    quantity = forms.IntegerField(label=gettext_lazy("Units"), min_value=1, max_value=10**9)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("From (WIB)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Until (WIB)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    note = forms.CharField(label=gettext_lazy("Campaign"), max_length=120, required=False)


class PriorityForm(forms.Form):
    account = forms.ModelChoiceField(
        label=gettext_lazy("Keeps selling"), queryset=ChannelAccount.objects.order_by("shop_name")
    )
    threshold = forms.IntegerField(
        label=gettext_lazy("When available is at or below"), min_value=0, max_value=10**9
    )


def rule_form(account: ChannelAccount) -> RuleForm:
    row = PushRule.objects.filter(account=account, listing__isnull=True).first()
    if row is None:
        return RuleForm()
    return RuleForm(
        initial={
            "percent": row.percent,
            "buffer": row.buffer,
            "maximum": row.maximum,
            "fixed": row.fixed,
        }
    )


def sku_controls(variant: Variant) -> dict[str, Any]:
    """What the SKU page shows of the controls (and their forms)."""
    now = timezone.now()
    return {
        "allocations": Allocation.objects.filter(variant=variant, ends_at__gt=now)
        .select_related("account")
        .order_by("starts_at"),
        "priority": PriorityStore.objects.filter(variant=variant).select_related("account").first(),
        "allocation_form": AllocationForm(),
        "priority_form": PriorityForm(),
    }


@requires(Permission.SWITCH_PUSH)
@require_POST
def set_rule(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ChannelAccount, pk=pk)
    form = RuleForm(request.POST)
    _submit(
        request, form, lambda _data: controls.set_rule(account, form.rule()), _("Push rule saved.")
    )
    return redirect("web:integration", pk=pk)


@requires(Permission.ADJUST_STOCK)
@require_POST
def allocate(request: HttpRequest, pk: int) -> HttpResponse:
    variant = get_object_or_404(Variant, pk=pk)
    _submit(
        request,
        AllocationForm(request.POST),
        lambda data: controls.allocate(
            variant,
            data["account"],
            data["quantity"],
            data["starts_at"],
            data["ends_at"],
            data["note"],
        ),
        _("Allocation saved."),
    )
    return redirect("web:inventory_sku", pk=pk)


@requires(Permission.ADJUST_STOCK)
@require_POST
def end_allocation(request: HttpRequest, pk: int, allocation: int) -> HttpResponse:
    found = get_object_or_404(Allocation, pk=allocation, variant_id=pk)
    controls.end_allocation(found)
    messages.success(request, _("Allocation ended."))
    return redirect("web:inventory_sku", pk=pk)


@requires(Permission.ADJUST_STOCK)
@require_POST
def set_priority(request: HttpRequest, pk: int) -> HttpResponse:
    variant = get_object_or_404(Variant, pk=pk)
    if request.POST.get("clear"):
        controls.clear_priority(variant)
        messages.success(request, _("Priority store removed."))
    else:
        _submit(
            request,
            PriorityForm(request.POST),
            lambda data: controls.set_priority(data["account"], data["threshold"], variant),
            _("Priority store saved."),
        )
    return redirect("web:inventory_sku", pk=pk)


def _submit(
    request: HttpRequest,
    form: forms.Form,
    change: Callable[[dict[str, Any]], object],
    done: str,
) -> None:
    """A control's form: its fields' problems, the service's refusal, or the change made —
    each as a message on the page the seller comes back to."""
    if not form.is_valid():
        messages.error(request, _errors(form))
        return
    try:
        change(form.cleaned_data)
    except controls.InvalidControl as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done)


def _errors(form: forms.Form) -> str:
    """Each field's problem, named by its label ("Units: Ensure this value is …")."""
    parts = []
    for name, errors in form.errors.items():
        words = " ".join(str(error) for error in errors)
        field = form.fields.get(name)
        parts.append(f"{field.label}: {words}" if field is not None else words)
    return " ".join(parts)
