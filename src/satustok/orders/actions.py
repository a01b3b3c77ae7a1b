"""What a seller does to an order: accept, reject (the seller's cancellation), arrange the
shipment, print its labels, answer the buyer's cancellation request, and restock a return.

Each action calls the channel, then reads the order back and ingests it, so the hub shows the
channel's word rather than its own guess. When the channel refuses (or the call fails), the
order is read back all the same — after a timeout the action may have happened — and the
failure is raised as a :class:`SellerProblem` for the page to show. What the seller may do is
the channel's table for the order's status (``allowed``), which every front end and the bulk
actions consult before calling.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from django.utils import timezone

from satustok.channels.http.errors import ChannelError
from satustok.channels.problems import Problem, SellerProblem, explain_action, problem
from satustok.channels.protocol import (
    Label,
    OrderSource,
    Rejection,
    SellerActions,
    Shipment,
    ShipOption,
    UnknownOrderStatus,
)
from satustok.core import activity
from satustok.inventory.access import require_warehouse
from satustok.orders.ingest import ingest
from satustok.orders.ingest import restock as restock_order
from satustok.orders.models import EventSource, Order
from satustok.orders.source import order_source

log = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = [
    "accept",
    "allowed",
    "answer_cancellation",
    "arrange_shipment",
    "channel_labels",
    "label_pdf",
    "refresh",
    "reject",
    "restock",
    "shipping_options",
]


def allowed(order: Order) -> SellerActions:
    """What the seller may do to the order now: the channel's table for its status, and an
    answer to a cancellation request only when the buyer made one."""
    actions = order_source(order.account).actions(order.channel_status)
    if not order.cancel_requested:
        actions = replace(actions, can_answer_cancellation=False)
    return actions


def accept(order: Order) -> Order:
    return _changing(
        order,
        allowed(order).can_accept,
        lambda source: source.accept(order.external_id),
        activity.Action.ORDER_ACCEPTED,
    )


def reject(order: Order, rejection: Rejection) -> Order:
    return _changing(
        order,
        allowed(order).can_reject,
        lambda source: source.reject(order.external_id, rejection),
        activity.Action.ORDER_REJECTED,
        reason_code=str(rejection.reason_code),
        reason=rejection.reason,
    )


def shipping_options(order: Order) -> tuple[ShipOption, ...]:
    """How the channel lets this order ship now (pickup slots included)."""
    _check_warehouse(order)
    return _ask(order, lambda source: source.shipping_options(order.external_id))


def arrange_shipment(order: Order, shipment: Shipment) -> Order:
    return _changing(
        order,
        allowed(order).can_arrange_shipment,
        lambda source: source.arrange_shipment(order.external_id, shipment),
        activity.Action.ORDER_SHIPMENT_ARRANGED,
        method=shipment.method,
        slot=shipment.slot_id,
        tracking_number=shipment.tracking_number,
    )


def answer_cancellation(order: Order, approve: bool) -> Order:
    return _changing(
        order,
        allowed(order).can_answer_cancellation,
        lambda source: source.answer_cancellation(order.external_id, approve),
        activity.Action.ORDER_CANCELLATION_ANSWERED,
        answer="approved" if approve else "refused",
    )


def _changing(
    order: Order,
    permitted: bool,
    call: Callable[[OrderSource], object],
    action: str,
    **details: str,
) -> Order:
    """An action that changes the order on the channel: only where the seller may work the
    order and the channel allows it at the status; the channel's answer read back; logged
    whether the channel agreed or not."""
    _check_warehouse(order)
    _require(order, permitted)
    before = _state(order)
    try:
        return _act(order, call)
    finally:
        _log(order, action, before, **details)


def channel_labels(order: Order) -> list[Label]:
    """The order's labels as the channel serves them (an empty list: draw the hub's own)."""
    _check_warehouse(order)
    _require(order, allowed(order).can_print_label)
    return _ask(order, lambda source: source.labels(order.external_id))


def label_pdf(order: Order, layout: str) -> bytes:
    """The order's labels as one PDF in ``layout`` ("10x15" or "a4")."""
    from satustok.orders.labels import LabelSheet  # PDF libraries load only when printing

    sheet = LabelSheet(layout)
    sheet.add(order, channel_labels(order))
    buffer = io.BytesIO()
    sheet.write(buffer)
    pdf = buffer.getvalue()
    Order.objects.filter(pk=order.pk).update(labels_printed_at=timezone.now())
    return pdf


def _ask(order: Order, call: Callable[[OrderSource], T]) -> T:
    """A read from the channel that changes nothing: no read-back, only the problem."""
    source = order_source(order.account, interactive=True)
    try:
        return call(source)
    except ChannelError as error:
        raise _problem(order, error) from error
    finally:
        source.close()


def _require(order: Order, permitted: bool) -> None:
    """Only what the channel allows at the order's status is sent, from any front end."""
    if not permitted:
        raise problem(
            Problem.NOT_AT_THIS_STATUS,
            channel=order.account.get_channel_display(),
            status=order.get_status_display(),
            channel_status=order.channel_status,
        )


def _check_warehouse(order: Order) -> None:
    """A user limited to warehouses works only the orders whose stock moves in one of them
    (the order's warehouse; the command line and the queue act for the operator: no user, no
    limit)."""
    user = activity.current_user()
    if user is not None:
        require_warehouse(user, order.stock_warehouse_id)


def restock(order: Order) -> Order:
    """Put a returned order's items back in stock (see ``orders.ingest.restock``)."""
    _check_warehouse(order)
    return restock_order(order)


def _state(order: Order) -> dict[str, str]:
    return {"status": str(order.status), "channel_status": str(order.channel_status)}


def _log(order: Order, action: str, before: dict[str, str], **details: str) -> None:
    """Logged whether the channel agreed or not: the after state says what happened."""
    order.refresh_from_db(fields=["status", "channel_status"])
    activity.record(None, action, order, before=before, after={**_state(order), **details})


def refresh(order: Order) -> Order:
    """Read the order from the channel now and ingest what it says."""
    source = order_source(order.account, interactive=True)
    try:
        return _read_back(order, source)
    except ChannelError as error:
        raise _problem(order, error) from error
    finally:
        source.close()


def _act(order: Order, call: Callable[[OrderSource], object]) -> Order:
    source = order_source(order.account, interactive=True)
    try:
        call(source)
    except ChannelError as error:
        _read_back_quietly(order, source)
        raise _problem(order, error) from error
    else:
        return _read_back_quietly(order, source)
    finally:
        source.close()


def _read_back(order: Order, source: OrderSource) -> Order:
    return ingest(order.account, source.order(order.external_id), EventSource.ACTION).order


def _read_back_quietly(order: Order, source: OrderSource) -> Order:
    """The webhook or the poller will catch up if this read fails."""
    try:
        return _read_back(order, source)
    except (ChannelError, UnknownOrderStatus) as error:
        log.warning(
            "order %s not read back: %s",
            order.pk,
            type(error).__name__,
            extra={"order": order.pk, "integration": order.account_id},
        )
        return order


def _problem(order: Order, error: ChannelError) -> SellerProblem:
    account = order.account
    return explain_action(
        error,
        channel=account.get_channel_display(),
        app_id=account.app_id,
        shop_id=account.shop_id,
    )
