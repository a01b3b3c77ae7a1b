"""Bulk actions: one action over many orders, run in the background, with a result per order.

:func:`start` writes an :class:`OrderBatch` and one :class:`BatchItem` per order, then queues
:func:`run`. The worker takes the items in turn, each through the same service as the order
page (``orders.actions``), acting as the user who started the batch (their role and
warehouses apply). Each item ends *done*, *failed* with the channel's own reason, or *not
applicable* (nothing to do: already done, or a step the channel does not have); one order's
failure never stops the others, and the counters on the batch are the progress bar.

A batch is safe to run again: only items still *waiting* are taken, each is finished before
the next starts, and the sweep (``tasks.resume_batches``) re-queues a batch whose worker died.
Before acting on an order the worker reads it from the database again, so an order that moved
on since the batch started (cancelled by the buyer, shipped from the seller centre) is
reported for what it is rather than sent a call the channel would refuse. :func:`retry_failed`
starts a new batch of the failed orders.

Labels are the one kind that also makes a file: each order's labels are added to one
:class:`~satustok.orders.labels.LabelSheet` as its item succeeds, and the PDF is written to
the exports folder of the data directory when the last item is done.
"""

from __future__ import annotations

import io
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from satustok.channels.problems import SellerProblem
from satustok.channels.protocol import Shipment, ShipMethod, ShipOption
from satustok.core import activity
from satustok.core.access import NotAllowed
from satustok.core.datadir import data_dir, private_file
from satustok.core.models import Via
from satustok.orders import actions
from satustok.orders.models import BatchItem, BatchKind, ItemState, Order, OrderBatch
from satustok.orders.status import OrderStatus

log = logging.getLogger(__name__)

__all__ = [
    "BATCH_LIMIT",
    "BatchRefused",
    "batch_file",
    "purge_files",
    "retry_failed",
    "run",
    "start",
    "unfinished",
]

BATCH_LIMIT = 5000  # orders in one bulk action: a day's work for a large shop
FILE_DAYS = 7  # a labels PDF is kept this long for printing again
STALE_AFTER = timedelta(minutes=5)  # a batch queued this long without starting is queued again
# A worker renews its batch's lease after every order; one it has not renewed for this long is
# a dead worker's (one order's channel calls end within a minute, retries included).
LEASE = timedelta(minutes=10)
LAYOUTS = ("10x15", "a4")
BULK_METHODS = (ShipMethod.PICKUP, ShipMethod.DROP_OFF)  # self-ship needs a number per order

Outcome = tuple[str, str]  # (ItemState, message)


class BatchRefused(ValueError):
    """The batch cannot start: no orders, too many, or parameters the kind does not take."""


# --- starting ---------------------------------------------------------------------------------


def start(
    kind: str, order_ids: Sequence[int], *, params: dict[str, Any] | None = None, user: Any = None
) -> OrderBatch:
    """Write the batch and queue it; the orders keep the given order, each once."""
    ids = list(dict.fromkeys(int(pk) for pk in order_ids))
    clean = _checked_params(kind, params or {})
    if not ids:
        raise BatchRefused(_("Choose at least one order."))
    if len(ids) > BATCH_LIMIT:
        raise BatchRefused(
            _("A bulk action takes at most %(limit)s orders; narrow the filter.")
            % {"limit": f"{BATCH_LIMIT:,}".replace(",", ".")}
        )
    existing = set(Order.objects.filter(pk__in=ids).values_list("pk", flat=True))
    ids = [pk for pk in ids if pk in existing]
    if not ids:
        raise BatchRefused(_("None of these orders exists any more."))
    clean["via"] = activity.current_actor().via
    # Results are written in the language of the seller who started the batch.
    clean["language"] = translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        batch = OrderBatch.objects.create(
            kind=kind, params=clean, created_by=_user_or_none(user), total=len(ids)
        )
        BatchItem.objects.bulk_create(BatchItem(batch=batch, order_id=pk) for pk in ids)
        activity.record(
            user, activity.Action.BULK_STARTED, batch, after={"kind": kind, "orders": len(ids)}
        )
        transaction.on_commit(lambda: _queue(batch.pk))
    return batch


def retry_failed(batch: OrderBatch, user: Any = None) -> OrderBatch:
    """A new batch of the same kind over the orders that failed in this one."""
    failed = batch.items.filter(state=ItemState.FAILED).values_list("order_id", flat=True)
    params = {k: v for k, v in batch.params.items() if k not in ("via", "language")}
    retry = start(batch.kind, list(failed), params=params, user=user)
    OrderBatch.objects.filter(pk=retry.pk).update(retry_of=batch)
    retry.retry_of = batch
    return retry


def _checked_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    if kind not in WORKERS:  # a picking list is immediate; cancelling is one by one
        raise BatchRefused(_("Unknown bulk action."))
    if kind == BatchKind.ARRANGE_SHIPMENT:
        method = params.get("method", ShipMethod.PICKUP)
        if method not in BULK_METHODS:
            raise BatchRefused(_("Choose pickup or drop-off."))
        return {"method": method}
    if kind == BatchKind.LABELS:
        layout = params.get("layout", "10x15")
        if layout not in LAYOUTS:
            raise BatchRefused(_("Choose the 10×15 cm or the A4 layout."))
        return {"layout": layout}
    return {}


def _user_or_none(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _queue(batch_id: int) -> None:
    from satustok.orders import tasks  # tasks import this module

    tasks.run_batch(batch_id)


# --- running ----------------------------------------------------------------------------------


def run(batch_id: int) -> OrderBatch:
    """Work every waiting item of the batch, then finish it (and write its file). A batch
    another worker holds (its lease renewed within ``LEASE``) is left to that worker."""
    batch = OrderBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.finished or not _hold(batch):
        return batch
    worker = WORKERS[batch.kind](batch)
    via = batch.params.get("via", Via.UI)
    language = batch.params.get("language", settings.LANGUAGE_CODE)
    acting = activity.acting(lambda: activity.actor_for(batch.created_by, via))
    with acting, translation.override(language):
        for item in _waiting(batch):
            _finish_item(batch, item, worker.one_by_id(item.order_id))
            _renew(batch)
        worker.finish()
    batch.refresh_from_db()
    return batch


def unfinished() -> list[int]:
    """Batches no worker holds though they are not finished: queued for longer than
    ``STALE_AFTER`` without starting (a lost task), or whose worker stopped renewing its lease
    (it died). The sweep queues them again; a worker still holding one keeps it."""
    now = timezone.now()
    never_started = Q(beat_at__isnull=True, created_at__lt=now - STALE_AFTER)
    abandoned = Q(beat_at__lt=now - LEASE)
    stale = OrderBatch.objects.filter(never_started | abandoned, finished_at__isnull=True)
    return list(stale.values_list("pk", flat=True))


def _hold(batch: OrderBatch) -> bool:
    """Take the batch's lease, unless a live worker has it: one worker per batch, so no
    order gets the channel call twice."""
    now = timezone.now()
    free = Q(beat_at__isnull=True) | Q(beat_at__lt=now - LEASE)
    taken = OrderBatch.objects.filter(free, pk=batch.pk, finished_at__isnull=True).update(
        beat_at=now, started_at=Coalesce("started_at", Value(now))
    )
    return taken == 1


def _renew(batch: OrderBatch) -> None:
    OrderBatch.objects.filter(pk=batch.pk).update(beat_at=timezone.now())


def _waiting(batch: OrderBatch) -> list[BatchItem]:
    return list(batch.items.filter(state=ItemState.PENDING).order_by("id"))


def _fresh(order_id: int) -> Order:
    return Order.objects.select_related("account__warehouse").get(pk=order_id)


def _unexpected(error: Exception) -> str:
    return _(
        "Something unexpected went wrong with this order (%(error)s); it was logged. Retry, "
        "or work the order on its page."
    ) % {"error": type(error).__name__}


def _finish_item(batch: OrderBatch, item: BatchItem, outcome: Outcome) -> None:
    state, message = outcome
    with transaction.atomic():
        updated = BatchItem.objects.filter(pk=item.pk, state=ItemState.PENDING).update(
            state=state, message=message[:2000], finished_at=timezone.now()
        )
        if updated:  # a second worker on the same batch finished it first: count it once
            OrderBatch.objects.filter(pk=batch.pk).update(
                done=F("done") + 1, failed=F("failed") + (1 if state == ItemState.FAILED else 0)
            )


def _mark_finished(batch: OrderBatch, **fields: Any) -> None:
    OrderBatch.objects.filter(pk=batch.pk).update(finished_at=timezone.now(), **fields)


# --- what each kind does to one order ---------------------------------------------------------


class Worker:
    """One kind of bulk action: ``one(order)`` acts on an order and says how it went."""

    def __init__(self, batch: OrderBatch) -> None:
        self.batch = batch

    def one_by_id(self, order_id: int) -> Outcome:
        """Whatever goes wrong with one order is that order's result, never the batch's end."""
        try:
            return self.one(_fresh(order_id))
        except Order.DoesNotExist:
            return ItemState.FAILED, _("The order no longer exists.")
        except Exception as error:
            log.exception("bulk action %s: order %s failed", self.batch.pk, order_id)
            return ItemState.FAILED, _unexpected(error)

    def one(self, order: Order) -> Outcome:
        if order.status == OrderStatus.CANCELLED:
            return ItemState.FAILED, _cancelled(order)
        try:
            return self.act(order, actions.allowed(order))
        except SellerProblem as problem:
            return ItemState.FAILED, f"{problem.headline}. {problem.explanation}"
        except NotAllowed as refused:
            return ItemState.FAILED, str(refused) or _("You may not work this order.")

    def act(self, order: Order, allowed: Any) -> Outcome:
        raise NotImplementedError

    def finish(self) -> None:
        _mark_finished(self.batch)


class Accepting(Worker):
    def act(self, order: Order, allowed: Any) -> Outcome:
        if allowed.can_accept:
            actions.accept(order)
            return ItemState.OK, _("Accepted.")
        if order.status == OrderStatus.OPEN and allowed.can_arrange_shipment:
            return ItemState.SKIPPED, _("Nothing to accept: the channel has no accept step.")
        return ItemState.SKIPPED, _("Already past accepting (%(status)s).") % _status(order)


class Arranging(Worker):
    def act(self, order: Order, allowed: Any) -> Outcome:
        method = self.batch.params.get("method", ShipMethod.PICKUP)
        if not allowed.can_arrange_shipment:
            return _not_arrangeable(order, allowed)
        option = _option(actions.shipping_options(order), method)
        if option is None:
            return ItemState.FAILED, _("The channel does not offer %(method)s for this order.") % {
                "method": ShipMethod(method).label
            }
        slot = _earliest_slot(option)
        actions.arrange_shipment(order, Shipment(method, slot_id=slot))
        return ItemState.OK, _arranged(option, slot)


class Labelling(Worker):
    def __init__(self, batch: OrderBatch) -> None:
        super().__init__(batch)
        from satustok.orders.labels import LabelSheet  # PDF libraries load only when printing

        self.sheet = LabelSheet(batch.params.get("layout", "10x15"))
        self.printed: list[int] = []

    def act(self, order: Order, allowed: Any) -> Outcome:
        from satustok.orders.labels import LabelUnreadable

        if not allowed.can_print_label:
            return ItemState.FAILED, _("No label yet: arrange the shipment first (%(status)s).") % (
                _status(order)
            )
        try:
            pages = self.sheet.add(order, actions.channel_labels(order))
        except LabelUnreadable as unreadable:
            return ItemState.FAILED, str(unreadable)
        self.printed.append(order.pk)
        return ItemState.OK, _("%(pages)d label(s).") % {"pages": pages}

    def finish(self) -> None:
        lost = self._add_earlier_labels()
        error = (
            _("%(count)d label(s) done before the worker restarted could not be fetched again.")
            % {"count": lost}
            if lost
            else ""
        )
        if not self.printed:
            _mark_finished(self.batch, error=error)
            return
        # Unguessable, and never an earlier database's file of the same batch number.
        name = f"labels-{self.batch.pk}-{secrets.token_hex(8)}.pdf"
        buffer = io.BytesIO()
        self.sheet.write(buffer)
        path = private_file(_exports() / name)  # created 0600 before anything is written
        path.write_bytes(buffer.getvalue())
        Order.objects.filter(pk__in=self.printed).update(labels_printed_at=timezone.now())
        _mark_finished(self.batch, file_name=name, error=error)

    def _add_earlier_labels(self) -> int:
        """A batch resumed after its worker died: the orders done before are in no sheet in
        this process, so their labels are fetched again. How many could not be."""
        from satustok.orders.labels import LabelUnreadable

        earlier = self.batch.items.filter(state=ItemState.OK).exclude(order_id__in=self.printed)
        lost = 0
        for order_id in earlier.order_by("id").values_list("order_id", flat=True):
            try:
                order = _fresh(order_id)
                self.sheet.add(order, actions.channel_labels(order))
            except (SellerProblem, NotAllowed, LabelUnreadable, Order.DoesNotExist):
                lost += 1
                continue
            self.printed.append(order_id)
        return lost


WORKERS: dict[str, Callable[[OrderBatch], Worker]] = {
    BatchKind.ACCEPT: Accepting,
    BatchKind.ARRANGE_SHIPMENT: Arranging,
    BatchKind.LABELS: Labelling,
}


def _option(options: Sequence[ShipOption], method: str) -> ShipOption | None:
    return next((option for option in options if option.method == method), None)


def _earliest_slot(option: ShipOption) -> str:
    """The first slot the channel offers (they come in time order; a dated slot sorts by its
    start), or none where the channel offers no slots."""
    if not option.slots:
        return ""
    dated = [slot for slot in option.slots if slot.starts_at is not None]
    if dated:
        return min(dated, key=lambda slot: slot.starts_at).id  # type: ignore[arg-type,return-value]
    return option.slots[0].id


def _arranged(option: ShipOption, slot_id: str) -> str:
    slot = next((s.display for s in option.slots if s.id == slot_id), "")
    method = ShipMethod(option.method).label
    if slot:
        return _("%(method)s arranged (%(slot)s).") % {"method": method, "slot": slot}
    return _("%(method)s arranged.") % {"method": method}


def _not_arrangeable(order: Order, allowed: Any) -> Outcome:
    if order.status in (OrderStatus.READY_TO_SHIP, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        return ItemState.SKIPPED, _("Shipment already arranged (%(status)s).") % _status(order)
    if allowed.can_accept:
        return ItemState.FAILED, _("Accept the order first.")
    return ItemState.FAILED, _("Shipment cannot be arranged at this status (%(status)s).") % (
        _status(order)
    )


def _cancelled(order: Order) -> str:
    reason = f": {order.cancel_reason}" if order.cancel_reason else ""
    return _("The order is cancelled%(reason)s.") % {"reason": reason}


def _status(order: Order) -> dict[str, str]:
    return {"status": f"{order.get_status_display()}, {order.channel_status}"}


# --- files ------------------------------------------------------------------------------------


def _exports() -> Path:
    path = data_dir() / "exports"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def purge_files(days: int = FILE_DAYS) -> int:
    """Delete the files bulk actions made more than ``days`` ago; how many were deleted."""
    cutoff = time.time() - days * 86_400
    old = [path for path in _exports().glob("labels-*.pdf") if path.stat().st_mtime < cutoff]
    for path in old:
        path.unlink(missing_ok=True)
    return len(old)


def batch_file(batch: OrderBatch) -> Path | None:
    """The file a finished batch made, if it made one and it is still there."""
    if not batch.file_name or "/" in batch.file_name or batch.file_name.startswith("."):
        return None
    path = _exports() / batch.file_name
    return path if path.is_file() else None
