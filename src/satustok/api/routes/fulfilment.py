"""Working orders after the sale: how an order can ship, arranging the shipment, its labels as
one PDF, the buyer's cancellation request, a return's restock or write-off per line, and bulk
actions over many orders with a result per order (the same services as the web pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from satustok.api.access import requires
from satustok.api.errors import ApiError, not_found
from satustok.api.routes.orders import PROBLEMS, OrderDetail, get_order
from satustok.api.schemas import Id, Input, Text, errors
from satustok.channels.protocol import Shipment, ShipMethod
from satustok.core.access import Permission
from satustok.orders import actions, batches, returns
from satustok.orders.models import BatchKind, OrderBatch, ReturnChoice

router = Router(tags=["fulfilment"])
batch_router = Router(tags=["bulk actions"])

LAYOUT_PATTERN = "^(10x15|a4)$"


class SlotOut(Schema):
    id: str
    label: str
    starts_at: datetime | None
    ends_at: datetime | None


class ShipOptionOut(Schema):
    method: str = Field(description="pickup, drop_off or self_ship")
    slots: list[SlotOut] = Field(description="pickup times the channel offers (may be none)")
    needs_tracking_number: bool


class ShipIn(Input):
    method: ShipMethod
    slot_id: Text = Field("", max_length=120, description="one of the option's slots")
    tracking_number: Text = Field("", max_length=64, description="self-ship only")


class CancellationIn(Input):
    approve: bool = Field(description="true: cancel as the buyer asked; false: refuse")


class LineDecisionIn(Input):
    line_id: Id
    choice: ReturnChoice
    warehouse_id: Id | None = Field(None, description="restock only; default: the shop's")


class ReturnIn(Input):
    lines: list[LineDecisionIn] = Field(min_length=1, max_length=500)


class LabelIn(Input):
    layout: str = Field("10x15", pattern=LAYOUT_PATTERN, description="10x15 or a4")


@router.get(
    "/{order_id}/shipping-options",
    response={200: list[ShipOptionOut], **errors(404, *PROBLEMS)},
    summary="How the order can ship now",
)
@requires(Permission.WORK_ORDERS)
def shipping_options(request: HttpRequest, order_id: Id) -> list[object]:
    return list(actions.shipping_options(get_order(order_id)))


@router.post("/{order_id}/ship", response={200: OrderDetail, **errors(404, *PROBLEMS)})
@requires(Permission.WORK_ORDERS)
def ship(request: HttpRequest, order_id: Id, payload: ShipIn) -> object:
    """Arrange pickup (with a slot where the channel offers them) or drop-off, or confirm a
    parcel sent with the seller's own courier by its tracking number."""
    order = get_order(order_id)
    if not actions.allowed(order).can_arrange_shipment:
        raise _not_now(order)
    if payload.method == ShipMethod.SELF_SHIP and not payload.tracking_number.strip():
        raise ApiError(422, "tracking_number_required", _("Type the tracking number."))
    shipment = Shipment(payload.method, payload.slot_id, payload.tracking_number.strip())
    actions.arrange_shipment(order, shipment)
    return get_order(order_id)


@router.post(
    "/{order_id}/labels",
    response={200: bytes, **errors(404, 409, 422, *PROBLEMS)},
    summary="The order's shipping labels as one PDF",
)
@requires(Permission.WORK_ORDERS)
def labels(request: HttpRequest, order_id: Id, payload: LabelIn) -> HttpResponse:
    """A POST: printing marks the label printed, here and on channels that record it."""
    order = get_order(order_id)
    if not actions.allowed(order).can_print_label:
        raise _not_now(order)
    pdf = actions.label_pdf(order, payload.layout)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="label-{order.pk}.pdf"'
    return response


@router.post("/{order_id}/cancellation", response={200: OrderDetail, **errors(404, *PROBLEMS)})
@requires(Permission.WORK_ORDERS)
def answer_cancellation(request: HttpRequest, order_id: Id, payload: CancellationIn) -> object:
    """Approve or refuse the buyer's request to cancel."""
    order = get_order(order_id)
    if not actions.allowed(order).can_answer_cancellation:
        raise ApiError(409, "no_cancellation_request", _("The buyer has not asked to cancel."))
    actions.answer_cancellation(order, payload.approve)
    return get_order(order_id)


@router.post("/{order_id}/return", response={200: OrderDetail, **errors(404, 409, 422)})
@requires(Permission.WORK_ORDERS)
def decide_return(request: HttpRequest, order_id: Id, payload: ReturnIn) -> object:
    """Per returned line: back on a warehouse's shelf, or written off as damaged."""
    decisions = [
        returns.LineDecision(line.line_id, line.choice, line.warehouse_id) for line in payload.lines
    ]
    try:
        returns.decide(get_order(order_id), decisions)
    except returns.NothingToDecide:
        raise ApiError(409, "nothing_to_decide", _("This order has no return to decide.")) from None
    except returns.InvalidDecision as invalid:
        raise ApiError(422, "invalid_decision", str(invalid)) from None
    return get_order(order_id)


def _not_now(order: object) -> ApiError:
    message = _("Not possible at the order's status (%(status)s).") % {
        "status": order.get_status_display()  # type: ignore[attr-defined]
    }
    return ApiError(409, "not_allowed", message)


# --- bulk actions -------------------------------------------------------------------------------


# The kinds a caller may start here; BatchKind also names kinds no worker runs (a batch of one
# would be written, then fail in the queue on every attempt).
BulkKind = Literal["accept", "arrange", "labels"]


class BatchIn(Input):
    kind: BulkKind = Field(description="accept, arrange or labels")
    order_ids: list[Id] = Field(min_length=1, max_length=batches.BATCH_LIMIT)
    method: str = Field("pickup", description="arrange: pickup or drop_off")
    layout: str = Field("10x15", pattern=LAYOUT_PATTERN, description="labels: 10x15 or a4")


class ItemOut(Schema):
    order: int
    state: str = Field(description="pending, ok, failed or skipped")
    message: str = Field(description="what happened, in the channel's words when it refused")

    @staticmethod
    def resolve_order(item: object) -> int:
        return item.order_id  # type: ignore[attr-defined]


class BatchOut(Schema):
    id: int
    kind: str
    total: int
    done: int
    failed: int
    finished: bool
    file: str | None = Field(description="the PDF a labels batch made, once finished")
    items: list[ItemOut]

    @staticmethod
    def resolve_file(batch: OrderBatch) -> str | None:
        return f"/api/order-batches/{batch.pk}/file" if batch.file_name else None

    @staticmethod
    def resolve_items(batch: OrderBatch) -> list[object]:
        return list(batch.items.order_by("id"))


@batch_router.post("", response={202: BatchOut, **errors(422)}, summary="Start a bulk action")
@requires(Permission.WORK_ORDERS)
def start_batch(request: HttpRequest, payload: BatchIn) -> Status[OrderBatch]:
    params = {"method": payload.method} if payload.kind == BatchKind.ARRANGE_SHIPMENT else {}
    if payload.kind == BatchKind.LABELS:
        params = {"layout": payload.layout}
    try:
        batch = batches.start(payload.kind, payload.order_ids, params=params, user=request.user)
    except batches.BatchRefused as refused:
        raise ApiError(422, "batch_refused", str(refused)) from None
    return Status(202, batch)


@batch_router.get("/{batch_id}", response={200: BatchOut, **errors(404)})
def get_batch(request: HttpRequest, batch_id: Id) -> OrderBatch:
    return _batch(batch_id)


@batch_router.post("/{batch_id}/retry", response={202: BatchOut, **errors(404, 409, 422)})
@requires(Permission.WORK_ORDERS)
def retry_batch(request: HttpRequest, batch_id: Id) -> Status[OrderBatch]:
    """A new bulk action over the orders that failed in this one."""
    batch = _batch(batch_id)
    if not batch.finished or not batch.failed:
        raise ApiError(409, "nothing_to_retry", _("No failed orders to retry (yet)."))
    try:
        return Status(202, batches.retry_failed(batch, request.user))
    except batches.BatchRefused as refused:
        raise ApiError(422, "batch_refused", str(refused)) from None


@batch_router.get("/{batch_id}/file", response={200: bytes, **errors(404)})
@requires(Permission.WORK_ORDERS)
def batch_file(request: HttpRequest, batch_id: Id) -> HttpResponse:
    path = batches.batch_file(_batch(batch_id))
    if path is None:
        raise not_found("file of bulk action", batch_id)
    response = HttpResponse(path.read_bytes(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response


def _batch(batch_id: int) -> OrderBatch:
    batch = OrderBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise not_found("bulk action", batch_id)
    return batch
