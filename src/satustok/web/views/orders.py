"""Orders: the work queue (status tabs with counts, filters, search, ship-by countdowns,
selection and the bulk bar), the order page (lines, buyer and recipient, payment, shipping,
status history, stock effects) and the seller's actions on one order — Accept, Reject with
the channel's reason codes, Arrange shipment, Print label, answer the buyer's cancellation,
Restock a return — and registering an integration's webhooks.

Bulk actions start a background batch (``orders.batches``; see ``views.order_batches`` for
its page); the picking list is made at once and answered as a file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satustok.channels import registry
from satustok.channels.http.errors import ChannelError
from satustok.channels.models import ChannelAccount
from satustok.channels.problems import SellerProblem, explain
from satustok.channels.protocol import SellerActions, Shipment, ShipMethod, ShipOption
from satustok.core.access import Permission, can
from satustok.inventory.models import StockMovement, Warehouse
from satustok.orders import actions, batches, registration, returns
from satustok.orders.forms import RejectForm
from satustok.orders.ingest import NotRestockable, can_restock, relink
from satustok.orders.models import BatchKind, Order, OrderStatus, OrderSyncState, WebhookDelivery
from satustok.orders.queue import TABS, QueueFilters, QueuePaginator, countdown, queue, tab_counts
from satustok.web.access import requires
from satustok.web.params import as_id

ORDERS_PER_PAGE = 50
COURIER_CHOICES_LIMIT = 200
LABEL_LAYOUTS = ("10x15", "a4")
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
# The bulk bar's buttons that start a batch: (kind, params).
BULK_BATCHES: dict[str, tuple[str, dict[str, str]]] = {
    "accept": (BatchKind.ACCEPT, {}),
    "pickup": (BatchKind.ARRANGE_SHIPMENT, {"method": ShipMethod.PICKUP}),
    "drop_off": (BatchKind.ARRANGE_SHIPMENT, {"method": ShipMethod.DROP_OFF}),
    "labels_10x15": (BatchKind.LABELS, {"layout": "10x15"}),
    "labels_a4": (BatchKind.LABELS, {"layout": "a4"}),
}
PICKING_FORMATS = ("picking_pdf", "picking_csv")


# --- the work queue -----------------------------------------------------------------------


@requires(Permission.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    filters = QueueFilters.from_params(request.GET)
    counts = tab_counts(filters)
    paginator = QueuePaginator(queue(filters), ORDERS_PER_PAGE, count=counts[filters.tab])
    page = paginator.get_page(request.GET.get("page"))
    now = timezone.now()
    for order in page:
        order.badge = STATUS_BADGES.get(order.status, "")  # type: ignore[attr-defined]
        order.countdown = countdown(order, now)  # type: ignore[attr-defined]
    context = {
        "nav": "orders",
        "page": page,
        "filters": filters,
        "filter_params": filters.as_params(),
        "querystring": urlencode(filters.as_params()),
        "tabs": _tabs(filters, counts),
        "shown": counts[filters.tab],
        "batch_limit": batches.BATCH_LIMIT,
        "channels": registry.choices(),
        "integrations": ChannelAccount.objects.order_by("shop_name"),
        "warehouses": Warehouse.objects.order_by("name"),
        "couriers": _couriers(),
        "sync_states": OrderSyncState.objects.select_related("account").order_by("account_id"),
        "any_orders": counts["all"] > 0 or Order.objects.exists(),
    }
    return render(request, "web/orders/index.html", context)


def _tabs(filters: QueueFilters, counts: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "key": tab.key,
            "label": tab.label,
            "count": counts[tab.key],
            "active": tab.key == filters.tab,
            "query": urlencode(filters.as_params(tab=tab.key)),
        }
        for tab in TABS
    ]


def _couriers() -> list[str]:
    """The couriers orders name, for the filter (an index on ``courier`` keeps it cheap)."""
    names = (
        Order.objects.exclude(courier="")
        .order_by("courier")
        .values_list("courier", flat=True)
        .distinct()
    )
    return list(names[:COURIER_CHOICES_LIMIT])


def _back_to_list(filters: QueueFilters) -> HttpResponse:
    query = urlencode(filters.as_params())
    return redirect(reverse("web:orders") + (f"?{query}" if query else ""))


@requires(Permission.WORK_ORDERS)
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """The bulk bar: start a batch over the selected orders (or every order of the filter) and
    show its page; the picking list is answered at once."""
    filters = QueueFilters.from_params(request.POST)
    action = request.POST.get("action", "")
    if action not in BULK_BATCHES and action not in PICKING_FORMATS:
        messages.error(request, _("Choose what to do with the selected orders."))
        return _back_to_list(filters)
    order_ids = _selected_ids(request, filters)
    if not order_ids:
        messages.error(request, _("Select at least one order."))
        return _back_to_list(filters)
    if len(order_ids) > batches.BATCH_LIMIT:
        messages.error(
            request,
            _("At most %(limit)d orders at once: narrow the filter or select fewer.")
            % {"limit": batches.BATCH_LIMIT},
        )
        return _back_to_list(filters)
    if action in PICKING_FORMATS:
        return _picking_list(order_ids, as_csv=action == "picking_csv")
    kind, params = BULK_BATCHES[action]
    try:
        batch = batches.start(kind, order_ids, params=dict(params), user=request.user)
    except batches.BatchRefused as refused:
        messages.error(request, str(refused))
        return _back_to_list(filters)
    return redirect("web:order_batch", pk=batch.pk)


def _selected_ids(request: HttpRequest, filters: QueueFilters) -> list[int]:
    """The ticked orders, or every order the filter shows ("select all N in this filter").
    One more than the limit is read, to tell a selection that is too large."""
    cap = batches.BATCH_LIMIT + 1
    if request.POST.get("scope") == "filter":
        return list(queue(filters).values_list("pk", flat=True)[:cap])
    ticked = (as_id(value) for value in request.POST.getlist("order")[: cap * 2])
    return list(dict.fromkeys(pk for pk in ticked if pk is not None))[:cap]


def _picking_list(order_ids: list[int], *, as_csv: bool) -> HttpResponse:
    from satustok.orders import picking  # PDF libraries load only when a list is made

    rows = picking.picking_rows(order_ids)
    now = timezone.now()
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    if as_csv:
        content, media_type, extension = picking.picking_csv(rows), "text/csv", "csv"
    else:
        title = _("Picking list: %(count)d orders") % {"count": len(order_ids)}
        content = picking.picking_pdf(rows, title=title, generated_at=now)
        media_type, extension = "application/pdf", "pdf"
    return _attachment(content, media_type, f"satustok-picking-{stamp}.{extension}")


def _attachment(content: bytes, media_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- one order ----------------------------------------------------------------------------


@requires(Permission.VIEW)
def detail(request: HttpRequest, pk: int, reject_form: RejectForm | None = None) -> HttpResponse:
    order = get_object_or_404(
        Order.objects.select_related("account__warehouse", "warehouse"), pk=pk
    )
    allowed = actions.allowed(order)
    works = can(request.user, Permission.WORK_ORDERS)
    context = {
        "nav": "orders",
        "order": order,
        "badge": STATUS_BADGES.get(order.status, ""),
        "countdown": countdown(order, timezone.now()),
        "lines": order.lines.select_related("variant", "listing", "return_warehouse"),
        "events": order.events.all(),
        "movements": StockMovement.objects.filter(reference=order.reference)
        .select_related("level__variant", "level__warehouse")
        .order_by("created_at", "id"),
        "deliveries": WebhookDelivery.objects.filter(
            account=order.account, order_external_id=order.external_id
        )[:20],
        "allowed": allowed,
        "ship_options": _ship_options(request, order, allowed) if works else (),
        "label_layouts": LABEL_LAYOUTS,
        "can_restock": can_restock(order),
        "return_to_decide": returns.can_decide(order),
        "reject_form": reject_form or RejectForm(reasons=allowed.reject_reasons),
    }
    return render(request, "web/orders/detail.html", context)


def _ship_options(
    request: HttpRequest, order: Order, allowed: SellerActions
) -> tuple[ShipOption, ...]:
    """How the channel lets this order ship now (asked only when it may be arranged)."""
    if not allowed.can_arrange_shipment:
        return ()
    try:
        return actions.shipping_options(order)
    except (SellerProblem, PermissionDenied) as refusal:
        messages.warning(request, _refusal_text(refusal))
        return ()


@requires(Permission.WORK_ORDERS)
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(pk)
    return _act(request, order, lambda: actions.accept(order), _("Order accepted."))


@requires(Permission.WORK_ORDERS)
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(pk)
    form = RejectForm(request.POST, reasons=actions.allowed(order).reject_reasons)
    if not form.is_valid():
        messages.error(request, _("The rejection is incomplete; see the form below."))
        return detail(request, pk, reject_form=form)
    rejection = form.rejection()
    return _act(request, order, lambda: actions.reject(order, rejection), _("Order rejected."))


@requires(Permission.WORK_ORDERS)
@require_POST
def arrange_shipment(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(pk)
    method = request.POST.get("method", "")
    if method not in ShipMethod.values:
        messages.error(request, _("Choose how the parcel leaves: pickup, drop-off or own courier."))
        return redirect("web:order", pk=pk)
    shipment = Shipment(
        method=method,
        slot_id=_field(request, f"slot-{method}") or _field(request, "slot"),
        tracking_number=_field(request, "tracking_number"),
    )
    return _act(
        request,
        order,
        lambda: actions.arrange_shipment(order, shipment),
        _("Shipment arranged."),
    )


def _field(request: HttpRequest, name: str, limit: int = 64) -> str:
    return request.POST.get(name, "").replace("\x00", "").strip()[:limit]


@requires(Permission.WORK_ORDERS)
@require_POST
def label(request: HttpRequest, pk: int) -> HttpResponse:
    """The order's shipping label as one PDF, in the layout asked for."""
    order = _order(pk)
    layout = request.POST.get("layout", "")
    if layout not in LABEL_LAYOUTS:
        layout = LABEL_LAYOUTS[0]
    from satustok.orders.labels import LabelUnreadable  # PDF libraries load only when printing

    try:
        content = actions.label_pdf(order, layout)
    except (SellerProblem, PermissionDenied, LabelUnreadable) as refusal:
        messages.error(request, _refusal_text(refusal))
        return redirect("web:order", pk=pk)
    name = (order.invoice or order.external_id).replace("/", "-")
    return _attachment(content, "application/pdf", f"label-{name}-{layout}.pdf")


@requires(Permission.WORK_ORDERS)
@require_POST
def answer_cancellation(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(pk)
    approve = request.POST.get("approve") == "1"
    done = _("Cancellation approved.") if approve else _("Cancellation refused.")
    return _act(request, order, lambda: actions.answer_cancellation(order, approve), done)


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
    else:  # a warehouse refusal stays the 403 page, as the restock has always answered it
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
    return get_object_or_404(Order.objects.select_related("account__warehouse", "warehouse"), pk=pk)


def _refusal_text(refusal: Exception) -> str:
    if isinstance(refusal, SellerProblem):
        return f"{refusal.headline}. {refusal.explanation}"
    return str(refusal)


def _act(
    request: HttpRequest, order: Order, call: Callable[[], Order], success: str
) -> HttpResponse:
    """Run one action; the channel's refusal (or the warehouse limit's) is a message."""
    try:
        call()
    except (SellerProblem, PermissionDenied) as refusal:
        messages.error(request, _refusal_text(refusal))
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
