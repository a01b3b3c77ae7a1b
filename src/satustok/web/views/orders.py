"""Orders: the list (filters, search), the detail (lines, status history, stock effects) and
the seller's actions — Accept, Reject with the channel's reason codes, Restock a return — and
registering an integration's webhooks."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satustok.channels.http.errors import ChannelError
from satustok.channels.models import ChannelAccount
from satustok.channels.problems import SellerProblem, explain
from satustok.core.access import Permission
from satustok.inventory.models import StockMovement
from satustok.orders import actions, registration
from satustok.orders.forms import RejectForm
from satustok.orders.ingest import NotRestockable, can_restock, relink
from satustok.orders.models import Order, OrderStatus, OrderSyncState, WebhookDelivery
from satustok.orders.source import order_source
from satustok.web.access import requires
from satustok.web.params import as_id, query_text

ORDERS_PER_PAGE = 50
STATUS_BADGES: dict[str, str] = {
    OrderStatus.PENDING_PAYMENT: "",
    OrderStatus.OPEN: "info",
    OrderStatus.ACCEPTED: "info",
    OrderStatus.READY_TO_SHIP: "info",
    OrderStatus.SHIPPED: "ok",
    OrderStatus.DELIVERED: "ok",
    OrderStatus.COMPLETED: "ok",
    OrderStatus.CANCELLED: "bad",
    OrderStatus.RETURNED: "warn",
}


@requires(Permission.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    orders = _filtered(filters)
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    for order in page:
        order.badge = STATUS_BADGES.get(order.status, "")  # type: ignore[attr-defined]
    context = {
        "nav": "orders",
        "page": page,
        "filters": filters,
        "querystring": urlencode({k: v for k, v in filters.items() if v}),
        "integrations": ChannelAccount.objects.order_by("shop_name"),
        "statuses": OrderStatus.choices,
        "sync_states": OrderSyncState.objects.select_related("account").order_by("account_id"),
        "any_orders": Order.objects.exists(),
    }
    return render(request, "web/orders/index.html", context)


def _filters(request: HttpRequest) -> dict[str, str]:
    return {
        # No integration could have another id: the filter is dropped, the page still shows.
        "integration": str(as_id(request.GET.get("integration", "")) or ""),
        "status": request.GET.get("status", "").strip(),
        "unlinked": "1" if request.GET.get("unlinked") else "",
        "q": query_text(request, "q"),
    }


def _filtered(filters: dict[str, str]) -> QuerySet[Order]:
    orders = Order.objects.select_related("account").annotate(line_count=Count("lines"))
    if filters["integration"]:
        orders = orders.filter(account_id=int(filters["integration"]))
    if filters["status"] in OrderStatus.values:
        orders = orders.filter(status=filters["status"])
    if filters["unlinked"]:
        orders = orders.filter(has_unlinked_lines=True)
    if filters["q"]:
        orders = orders.filter(
            Q(external_id__icontains=filters["q"]) | Q(invoice__icontains=filters["q"])
        )
    return orders.order_by("-ordered_at", "-id")


@requires(Permission.VIEW)
def detail(request: HttpRequest, pk: int, reject_form: RejectForm | None = None) -> HttpResponse:
    order = get_object_or_404(Order.objects.select_related("account__warehouse"), pk=pk)
    allowed = order_source(order.account).actions(order.channel_status)
    context = {
        "nav": "orders",
        "order": order,
        "badge": STATUS_BADGES.get(order.status, ""),
        "lines": order.lines.select_related("variant", "listing"),
        "events": order.events.all(),
        "movements": StockMovement.objects.filter(reference=order.reference)
        .select_related("level__variant", "level__warehouse")
        .order_by("created_at", "id"),
        "deliveries": WebhookDelivery.objects.filter(
            account=order.account, order_external_id=order.external_id
        )[:20],
        "allowed": allowed,
        "can_restock": can_restock(order),
        "reject_form": reject_form or RejectForm(reasons=allowed.reject_reasons),
    }
    return render(request, "web/orders/detail.html", context)


@requires(Permission.WORK_ORDERS)
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(pk)
    return _act(request, order, lambda: actions.accept(order), _("Order accepted."))


@requires(Permission.WORK_ORDERS)
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(pk)
    reasons = order_source(order.account).actions(order.channel_status).reject_reasons
    form = RejectForm(request.POST, reasons=reasons)
    if not form.is_valid():
        messages.error(request, _("The rejection is incomplete; see the form below."))
        return detail(request, pk, reject_form=form)
    rejection = form.rejection()
    return _act(request, order, lambda: actions.reject(order, rejection), _("Order rejected."))


@requires(Permission.WORK_ORDERS)
@require_POST
def refresh(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(pk)
    return _act(request, order, lambda: actions.refresh(order), _("Order read again."))


@requires(Permission.WORK_ORDERS)
@require_POST
def restock(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(pk)
    try:
        actions.restock(order)
    except NotRestockable:
        messages.error(request, _("This order has nothing to restock."))
    else:
        messages.success(request, _("The returned items are back in stock."))
    return redirect("web:order", pk=pk)


@requires(Permission.WORK_ORDERS)
@require_POST
def link_again(request: HttpRequest, pk: int) -> HttpResponse:
    order = relink(_order(pk))
    if order.has_unlinked_lines:
        messages.warning(request, _("Some lines still match no master SKU."))
    else:
        messages.success(request, _("Every line is linked now."))
    return redirect("web:order", pk=pk)


def _order(pk: int) -> Order:
    return get_object_or_404(Order.objects.select_related("account__warehouse"), pk=pk)


def _act(
    request: HttpRequest, order: Order, call: Callable[[], Order], success: str
) -> HttpResponse:
    try:
        call()
    except SellerProblem as problem:
        messages.error(request, f"{problem.headline}. {problem.explanation}")
    else:
        messages.success(request, success)
    return redirect("web:order", pk=order.pk)


@requires(Permission.MANAGE_INTEGRATIONS)
@require_POST
def register_webhooks(request: HttpRequest, pk: int) -> HttpResponse:
    """Integration page › Register webhooks."""
    account = get_object_or_404(ChannelAccount, pk=pk)
    try:
        registration.register_webhooks(account)
    except ChannelError as error:
        problem = explain(
            error,
            channel=account.get_channel_display(),
            app_id=account.app_id,
            shop_id=account.shop_id,
        )
        messages.error(request, f"{problem.headline}. {problem.explanation}")
    else:
        messages.success(
            request,
            _("Webhooks registered: %(channel)s now sends orders to %(url)s.")
            % {
                "channel": account.get_channel_display(),
                "url": registration.webhook_base(account),
            },
        )
    return redirect("web:integration", pk=pk)
