"""Orders, stored once per (integration, channel order id), and every webhook that came in.

An :class:`Order` keeps the channel's status code, the unified :class:`OrderStatus` and the
code's rank in the channel's status order (status only moves to a higher rank), and what the
order currently does to master stock (:class:`StockEffect`). Each :class:`OrderLine` is linked
to a master variant through the listing of its product (or, failing that, its SKU); a line
that links to nothing is flagged on the order. :class:`OrderEvent` is the status history,
:class:`WebhookDelivery` the record of every delivery (bad signatures included), and
:class:`OrderSyncState` the poller's high-water mark per integration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount, Listing
from satustok.inventory.models import Warehouse
from satustok.orders.status import EventSource, OrderStatus, StockEffect


class ReturnChoice(models.TextChoices):
    RESTOCK = "restock", _("Restock")
    WRITE_OFF = "write_off", _("Write off (damaged)")


class BatchKind(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    ARRANGE_SHIPMENT = "arrange", _("Arrange shipment")
    LABELS = "labels", _("Print labels")
    PICKING_LIST = "picking", _("Picking list")
    CANCEL = "cancel", _("Cancel")


class ItemState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    OK = "ok", _("Done")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not applicable")


__all__ = [
    "BatchItem",
    "BatchKind",
    "DeliveryStatus",
    "EventSource",
    "ItemState",
    "Order",
    "OrderBatch",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "OrderSyncState",
    "RefusalReason",
    "RefusedDeliveries",
    "ReturnChoice",
    "StockEffect",
    "WebhookDelivery",
]


class Order(models.Model):
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="orders")
    external_id = models.CharField(_("order ID"), max_length=64)  # ids are text
    invoice = models.CharField(_("invoice"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices)
    channel_status = models.CharField(_("channel status"), max_length=32)
    status_rank = models.IntegerField(default=0)
    buyer_name = models.CharField(_("buyer"), max_length=255, blank=True)
    total = models.BigIntegerField(_("total (Rp)"), default=0)  # whole rupiah
    ordered_at = models.DateTimeField(_("ordered at"))
    # The storefront the buyer used, where a channel reports several (``storefronts`` of its
    # registry description); blank: the channel's own.
    storefront = models.CharField(max_length=32, blank=True)
    has_unlinked_lines = models.BooleanField(_("has unlinked lines"), default=False)
    stock_effect = models.CharField(
        max_length=12, choices=StockEffect.choices, default=StockEffect.NONE
    )
    # The hub warehouse every stock move of this order happens in, set once when the order is
    # first seen: the one mapped to the shop warehouse that ships it, else the integration's
    # (``orders.ingest.order_warehouse``). Never changed afterwards, so a reservation is
    # released or shipped where it was made. Null where a row predates it, or its warehouse
    # was deleted (only an empty one no open order holds stock in can be): then the
    # integration's warehouse (``stock_warehouse_id``).
    warehouse = models.ForeignKey(
        Warehouse,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("warehouse"),
    )
    # Fulfilment, as the channel last said (see ChannelOrder): the deadline of the seller's
    # next step, the courier and tracking number, the packages, where it goes, what was paid,
    # and whether the buyer asked to cancel.
    ship_by = models.DateTimeField(_("ship by"), null=True, blank=True)
    courier = models.CharField(_("courier"), max_length=120, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    packages = models.JSONField(default=list, blank=True)  # the channel's package ids
    recipient_name = models.CharField(_("recipient"), max_length=255, blank=True)
    recipient_phone = models.CharField(_("phone"), max_length=64, blank=True)
    recipient_address = models.TextField(_("address"), blank=True)
    payment = models.JSONField(default=list, blank=True)  # [{key, label, amount}]
    cancel_requested = models.BooleanField(_("buyer asked to cancel"), default=False)
    cancel_reason = models.CharField(_("cancel reason"), max_length=255, blank=True)
    item_count = models.PositiveIntegerField(_("items"), default=0)  # units over all lines
    labels_printed_at = models.DateTimeField(_("labels printed"), null=True, blank=True)
    polled_at = models.DateTimeField(null=True, blank=True)  # last read by the poller
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-ordered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="one_order_per_id"),
        ]
        indexes = [
            # The sales aggregates (satustok.reports) find what changed since their last refresh.
            models.Index(fields=["updated_at"], name="order_updated_at"),
            models.Index(fields=["account", "status"]),
            models.Index(fields=["has_unlinked_lines", "status"]),
            models.Index(fields=["ordered_at"]),
            # The work queue: a status tab sorted by deadline, and search by tracking number.
            models.Index(fields=["status", "ship_by"]),
            models.Index(fields=["status", "ordered_at"]),
            models.Index(fields=["tracking_number"]),
            # Search by order number or invoice (a prefix range), and the courier filter.
            models.Index(fields=["external_id"]),
            models.Index(fields=["invoice"]),
            models.Index(fields=["courier"]),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.external_id} ({self.status})"

    @property
    def reference(self) -> str:
        """How the stock ledger names this order."""
        return f"order:{self.pk}"

    @property
    def stock_warehouse_id(self) -> int:
        """The warehouse this order's stock moves in (the integration's for an older row)."""
        return self.warehouse_id or self.account.warehouse_id

    @property
    def stock_warehouse(self) -> Warehouse:
        return self.warehouse or self.account.warehouse


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    external_product_id = models.CharField(max_length=64)
    sku = models.CharField(_("channel SKU"), max_length=255, blank=True)
    name = models.CharField(_("name"), max_length=512, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    price = models.BigIntegerField(_("price (Rp)"), default=0)  # per unit
    listing = models.ForeignKey(
        Listing, on_delete=models.SET_NULL, null=True, blank=True, related_name="order_lines"
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.SET_NULL, null=True, blank=True, related_name="order_lines"
    )
    linked = models.BooleanField(default=False)
    # The order was already out of the channel's stock when the import baseline was read.
    in_baseline = models.BooleanField(default=False)
    stock_effect = models.CharField(
        max_length=12, choices=StockEffect.choices, default=StockEffect.NONE
    )
    # A return: how many units came back, as the channel says (None: it did not say, so the
    # whole line; 0: the channel named other lines, so nothing of this one), and the seller's
    # choice for them — back on a warehouse's shelf, or written off as damaged.
    returned_quantity = models.PositiveIntegerField(null=True, blank=True)
    return_choice = models.CharField(
        _("return"), max_length=10, choices=ReturnChoice.choices, blank=True
    )
    return_warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    return_decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        indexes = [models.Index(fields=["sku"])]  # the work queue's SKU filter

    def __str__(self) -> str:
        return f"{self.sku or self.external_product_id} × {self.quantity}"


class OrderBatch(models.Model):
    """A bulk action over many orders, run in the background: what it does, to which orders
    (its items), how far it got, and the file it made (labels, picking list)."""

    kind = models.CharField(max_length=20, choices=BatchKind.choices)
    params = models.JSONField(default=dict, blank=True)  # e.g. {"method": "pickup"}
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The worker running it renews this after every order: one worker at a time holds a batch,
    # and the sweep resumes one whose worker stopped renewing (died).
    beat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)  # items finished, whatever their outcome
    failed = models.PositiveIntegerField(default=0)
    # The file the batch made, relative to the data directory's exports folder.
    file_name = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)  # the batch itself failed (not one order)
    retry_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries"
    )

    class Meta:
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.done}/{self.total})"

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


class BatchItem(models.Model):
    """One order of a bulk action and what became of it, in the channel's words."""

    batch = models.ForeignKey(OrderBatch, on_delete=models.CASCADE, related_name="items")
    order = models.ForeignKey("Order", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=ItemState.choices, default=ItemState.PENDING)
    message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bulk action item")
        verbose_name_plural = _("bulk action items")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "order"], name="one_item_per_order"),
        ]
        indexes = [models.Index(fields=["batch", "state"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.order_id} {self.state}"


class OrderEvent(models.Model):
    """One status move. Status only moves forward, so each channel status appears once."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    channel_status = models.CharField(max_length=32)  # Shopee: TO_CONFIRM_RECEIVE
    source = models.CharField(max_length=10, choices=EventSource.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "channel_status"], name="one_event_per_channel_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '∅'} → {self.to_status}"


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Processing")
    PROCESSED = "processed", _("Processed")
    REJECTED = "rejected", _("Rejected (signature)")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """A webhook POST that passed every check (the signature on a body within the size cap),
    stored before it is processed. A refused POST is not stored: it is only counted
    (:class:`RefusedDeliveries`). Deliveries older than ``SATUSTOK_WEBHOOK_RETENTION_DAYS``
    are purged once processed (``orders.retention``); rows marked *rejected* are from before
    refusals were only counted."""

    account = models.ForeignKey(
        ChannelAccount,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_deliveries",
    )
    channel = models.CharField(max_length=20)
    event = models.CharField(max_length=40)
    body = models.TextField(blank=True)  # the raw body, as received
    signature_ok = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED
    )
    error = models.TextField(blank=True)
    outcome = models.CharField(max_length=255, blank=True)  # what processing did
    order_external_id = models.CharField(max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a worker took it for processing: a claim older than a few minutes is a dead worker's.
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_by = models.CharField(max_length=64, blank=True)  # the worker: "host:pid"
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "id"])]

    def __str__(self) -> str:
        return f"{self.channel}/{self.event} #{self.pk} ({self.status})"


class RefusalReason(models.TextChoices):
    UNKNOWN_INTEGRATION = "unknown_integration", _("No such integration")
    UNKNOWN_EVENT = "unknown_event", _("Unknown event")
    TOO_LARGE = "too_large", _("Body too large")
    BAD_SIGNATURE = "bad_signature", _("Missing or invalid signature")
    MALFORMED = "malformed", _("Malformed body")


class RefusedDeliveries(models.Model):
    """How many webhook POSTs were refused, per day, channel, integration and reason: a count,
    never the body, so that a flood of unsigned posts costs one row update each, not storage.

    ``integration`` is the id in the URL when it names an integration of ``channel``, else 0:
    an unknown id is not kept (it is the sender's choice, and each would be a new row). The
    channel is always one of the registry's (an unknown channel is refused uncounted)."""

    day = models.DateField()
    channel = models.CharField(max_length=20)
    integration = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=24, choices=RefusalReason.choices)
    count = models.PositiveBigIntegerField(default=0)
    last_at = models.DateTimeField()

    class Meta:
        verbose_name = _("refused webhook deliveries")
        verbose_name_plural = _("refused webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "integration", "reason"], name="one_refusal_count"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel}/{self.integration} {self.reason}: {self.count}"


class OrderSyncState(models.Model):
    """Per integration: how far the poller has read, and the webhook registration."""

    account = models.OneToOneField(
        ChannelAccount, on_delete=models.CASCADE, related_name="order_sync"
    )
    # Orders created up to here have been listed (the frozen upper bound of the last good run).
    high_water = models.DateTimeField(null=True, blank=True)
    deep_polled_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)  # a poll holds it until then
    poll_started_at = models.DateTimeField(null=True, blank=True)
    poll_finished_at = models.DateTimeField(null=True, blank=True)
    poll_error = models.TextField(blank=True)
    webhooks_registered_at = models.DateTimeField(null=True, blank=True)
    webhook_base_url = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("order sync state")
        verbose_name_plural = _("order sync states")

    def __str__(self) -> str:
        return f"{self.account_id} @ {self.high_water}"
