"""Orders › Returns: the orders whose parcels came back and wait for the seller's decision —
per returned line, restock (to which warehouse) or write off as damaged — and the returns
decided lately, with what was chosen."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satustok.core.access import Permission
from satustok.inventory.access import allowed_warehouse_ids
from satustok.inventory.models import Warehouse
from satustok.orders import returns
from satustok.orders.models import Order, OrderLine, ReturnChoice
from satustok.web.access import requires
from satustok.web.params import as_id

SHOWN = 50


@requires(Permission.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    waiting = [
        {"order": order, "lines": returns.lines_to_decide(order)}
        for order in returns.awaiting_decision()[:SHOWN]
    ]
    decided = (
        OrderLine.objects.filter(return_decided_at__isnull=False)
        .select_related("order__account", "return_warehouse", "variant")
        .order_by("-return_decided_at", "-id")[:SHOWN]
    )
    context = {
        "nav": "returns",
        "waiting": waiting,
        "decided": decided,
        "warehouses": _usable_warehouses(request.user),
        "choices": ReturnChoice.choices,
    }
    return render(request, "web/orders/returns.html", context)


def _usable_warehouses(user: Any) -> list[Warehouse]:
    """The warehouses the user may restock into (all, unless limited)."""
    allowed = allowed_warehouse_ids(user)
    warehouses = Warehouse.objects.order_by("name")
    return list(warehouses if allowed is None else warehouses.filter(pk__in=allowed))


@requires(Permission.WORK_ORDERS)
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(Order.objects.select_related("account"), pk=pk)
    if not returns.can_decide(order):
        messages.warning(request, _("This return was already decided."))
        return redirect("web:returns")
    decisions = _decisions(request, order)
    if not decisions:
        messages.error(request, _("Choose restock or write off for at least one line."))
        return redirect("web:returns")
    try:
        returns.decide(order, decisions)
    except returns.NothingToDecide:
        messages.warning(request, _("This return was already decided."))
    except (returns.InvalidDecision, PermissionDenied) as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("Return of %(order)s decided.") % {"order": order.invoice or order.external_id},
        )
    return redirect("web:returns")


def _decisions(request: HttpRequest, order: Order) -> list[returns.LineDecision]:
    """One decision per line the form answered (``choice-<line>``, ``warehouse-<line>``)."""
    decisions = []
    for line in returns.lines_to_decide(order):
        choice = request.POST.get(f"choice-{line.pk}", "")
        if choice not in ReturnChoice.values:
            continue
        warehouse_id = as_id(request.POST.get(f"warehouse-{line.pk}", ""))
        restocking = choice == ReturnChoice.RESTOCK
        decisions.append(
            returns.LineDecision(line.pk, choice, warehouse_id if restocking else None)
        )
    return decisions
