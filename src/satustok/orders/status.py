"""What the hub makes of an order's status: which statuses hold stock, which have left the
shelf, which are final. :class:`OrderStatus` itself is part of the channel protocol."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from satustok.channels.protocol import OrderStatus

# The seller still has to send these: they hold stock (reserved).
HOLDING = frozenset({OrderStatus.OPEN, OrderStatus.ACCEPTED, OrderStatus.READY_TO_SHIP})
# The parcel has left the shelf.
LEFT_SHELF = frozenset(
    {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.RETURNED}
)
# Nothing more will happen to these on the channel's side.
FINAL = frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.RETURNED})


class StockEffect(models.TextChoices):
    """What an order (or one of its lines) currently does to master stock."""

    NONE = "none", _("None")
    # The line's order was already out of the channel's stock when the import read it, so the
    # import baseline counted it: nothing to reserve, nothing to take when it ships.
    BASELINE = "baseline", _("Counted in the import baseline")
    RESERVED = "reserved", _("Reserved")
    SHIPPED = "shipped", _("Taken from on hand")
    RELEASED = "released", _("Released")
    RESTOCKED = "restocked", _("Restocked")
    # A returned line the seller wrote off as damaged: it stays out of stock, on the ledger.
    WRITTEN_OFF = "written_off", _("Written off")
    # The shop moved between integrations and this order is counted by the other one (see
    # orders/moving.py): nothing to reserve, take or give back here.
    ELSEWHERE = "elsewhere", _("Counted by the other integration of a moved shop")


class EventSource(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook")
    POLL = "poll", _("Polling")
    ACTION = "action", _("Seller action")


__all__ = ["FINAL", "HOLDING", "LEFT_SHELF", "EventSource", "OrderStatus", "StockEffect"]
