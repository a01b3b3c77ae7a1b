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

from django.db import models
from django.utils.translation import gettext_lazy as _

from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount, Listing
from satustok.orders.status import EventSource, OrderStatus, StockEffect

__all__ = [
    "DeliveryStatus",
    "EventSource",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "OrderSyncState",
    "RefusalReason",
    "RefusedDeliveries",
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
            models.Index(fields=["account", "status"]),
            models.Index(fields=["has_unlinked_lines", "status"]),
            models.Index(fields=["ordered_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.external_id} ({self.status})"

    @property
    def reference(self) -> str:
        """How the stock ledger names this order."""
        return f"order:{self.pk}"


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

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.sku or self.external_product_id} × {self.quantity}"


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
