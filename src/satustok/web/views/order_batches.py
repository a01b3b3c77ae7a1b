"""Orders › Bulk actions: the recent batches, one batch's page (a progress bar that refreshes
itself until the batch finishes, then each order's result in the channel's words), retrying
the failed orders, and downloading the file a batch made (the labels PDF)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from satustok.core.access import Permission
from satustok.orders import batches
from satustok.orders.models import ItemState, OrderBatch
from satustok.web.access import requires

RECENT_BATCHES = 30
ITEM_BADGES: dict[str, str] = {
    ItemState.OK: "ok",
    ItemState.FAILED: "bad",
    ItemState.SKIPPED: "",
    ItemState.PENDING: "info",
}


@requires(Permission.VIEW)
def index(request: HttpRequest) -> HttpResponse:
    recent = OrderBatch.objects.select_related("created_by")[:RECENT_BATCHES]
    return render(request, "web/orders/batches.html", {"nav": "orders", "batches": recent})


@requires(Permission.VIEW)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(OrderBatch.objects.select_related("created_by"), pk=pk)
    items = list(batch.items.select_related("order__account"))
    for item in items:
        item.badge = ITEM_BADGES.get(item.state, "")  # type: ignore[attr-defined]
    context = {
        "nav": "orders",
        "batch": batch,
        "items": items,
        "has_file": batch.finished and batches.batch_file(batch) is not None,
    }
    return render(request, "web/orders/batch.html", context)


@requires(Permission.VIEW)
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled every second; once finished the whole page reloads to show
    the results."""
    batch = get_object_or_404(OrderBatch, pk=pk)
    if batch.finished:
        return HttpResponseClientRefresh()
    return render(request, "web/orders/_batch_progress.html", {"batch": batch})


@requires(Permission.WORK_ORDERS)
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(OrderBatch, pk=pk)
    if not batch.finished or not batch.failed:
        messages.info(request, _("No failed orders to retry (yet)."))
        return redirect("web:order_batch", pk=pk)
    try:
        again = batches.retry_failed(batch, request.user)
    except batches.BatchRefused as refused:
        messages.error(request, str(refused))
        return redirect("web:order_batch", pk=pk)
    return redirect("web:order_batch", pk=again.pk)


@requires(Permission.WORK_ORDERS)
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file the batch made. Only this batch's own file, only for those who work orders."""
    batch = get_object_or_404(OrderBatch, pk=pk)
    path = batches.batch_file(batch)
    if path is None or not path.is_file():
        raise Http404("this bulk action made no file")
    media_type = "application/pdf" if path.suffix == ".pdf" else "application/octet-stream"
    response = HttpResponse(path.read_bytes(), content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response
