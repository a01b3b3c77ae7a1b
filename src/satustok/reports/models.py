"""Sales aggregates and background report exports.

:class:`SalesDay` and :class:`SkuSalesDay` hold one day's (WIB) sales per shop and per shop and
SKU, so the dashboard and the sales reports read a few hundred rows instead of a year of orders.
They are derived data: a day is recomputed whole from its orders whenever one of them changed
(:class:`SalesWatermark` remembers how far the refresh has read), so a row always equals the sum
of its orders' lines.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount


class SalesDay(models.Model):
    """One shop's sales on one WIB day: its orders that were not cancelled."""

    day = models.DateField(_("day"))
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    orders = models.PositiveIntegerField(_("orders"), default=0)
    units = models.PositiveBigIntegerField(_("units"), default=0)
    revenue = models.BigIntegerField(_("revenue (Rp)"), default=0)  # Σ line price × quantity

    class Meta:
        verbose_name = _("sales day")
        verbose_name_plural = _("sales days")
        ordering = ["day", "account_id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "account"], name="one_sales_day_per_shop"),
        ]


class SkuSalesDay(models.Model):
    """One master SKU's sales in one shop on one WIB day (order lines linked to it)."""

    day = models.DateField(_("day"))
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    orders = models.PositiveIntegerField(_("orders"), default=0)
    units = models.PositiveBigIntegerField(_("units"), default=0)
    revenue = models.BigIntegerField(_("revenue (Rp)"), default=0)

    class Meta:
        verbose_name = _("SKU sales day")
        verbose_name_plural = _("SKU sales days")
        ordering = ["day", "account_id", "variant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "account", "variant"], name="one_sku_sales_day_per_shop"
            ),
        ]
        indexes = [models.Index(fields=["variant", "day"])]


class SalesWatermark(models.Model):
    """How far the aggregates have read orders (by ``Order.updated_at``); one row."""

    read_through = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "XLSX"
    CSV = "csv", "CSV"


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ReportExport(models.Model):
    """A report written to a file in the background, with progress and the file to download."""

    report = models.CharField(_("report"), max_length=40)
    params = models.JSONField(default=dict, blank=True)  # the report's filters, as given
    file_format = models.CharField(max_length=4, choices=ExportFormat.choices)
    state = models.CharField(max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    total = models.PositiveIntegerField(default=0)  # rows to write, once known
    done = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=255, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When a worker took it: how long it has been running (not waiting in the queue).
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        ordering = ["-created_at", "-id"]
