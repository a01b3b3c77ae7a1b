"""Stock per (warehouse, variant) and the ledger that explains every change to it.

``on_hand`` is what is on the shelf; ``reserved`` is held by open orders; ``available`` =
on hand − reserved is what channels may sell. Available below zero is an oversell and is kept
(and shown), never clamped away. Every change to a level is a :class:`StockMovement` written in
the same transaction, so the ledger always sums to the level.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from satustok.catalog.models import Variant


class Warehouse(models.Model):
    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WarehouseAccess(models.Model):
    """A user limited to some warehouses: one row per warehouse they may work in. A user with
    no row works in every warehouse."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="warehouse_access"
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="access")

    class Meta:
        verbose_name = _("warehouse access")
        verbose_name_plural = _("warehouse access")
        constraints = [
            models.UniqueConstraint(fields=["user", "warehouse"], name="one_access_per_warehouse")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.warehouse}"


class StockLevel(models.Model):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="levels")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="stock_levels")
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "variant"], name="one_level_per_place"),
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0), name="reserved_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant} @ {self.warehouse}: {self.available}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def is_oversold(self) -> bool:
        return self.available < 0


class MovementReason(models.TextChoices):
    IMPORT_BASELINE = "import_baseline", _("Import baseline")
    ORDER_RESERVE = "order_reserve", _("Order reserved")
    ORDER_RELEASE = "order_release", _("Order released")
    ORDER_SHIP = "order_ship", _("Order shipped")
    RETURN_RESTOCK = "return_restock", _("Return restocked")
    RETURN_WRITE_OFF = "return_write_off", _("Return written off")
    ADJUSTMENT = "adjustment", _("Adjustment")
    # A transfer between warehouses: one row each side, sharing a "transfer:…" reference.
    TRANSFER_OUT = "transfer_out", _("Transferred out")
    TRANSFER_IN = "transfer_in", _("Transferred in")
    STOCK_UPLOAD = "stock_upload", _("Stock upload")  # reference "upload:<id>"


class StockMovement(models.Model):
    """One change to one stock level: deltas, why, and what caused it."""

    level = models.ForeignKey(StockLevel, on_delete=models.CASCADE, related_name="movements")
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    reason = models.CharField(max_length=32, choices=MovementReason.choices)
    # Free-form pointer to the cause: "import:12", "order:tokopedia:3:889", "user:alice".
    reference = models.CharField(max_length=120, blank=True)
    note = models.CharField(max_length=255, blank=True)
    # Who made it, where a person did (an adjustment, a transfer, an upload); None for what
    # the hub did on its own (orders, imports) and for the command line.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.on_hand_delta:+d}/{self.reserved_delta:+d}"


class LowStockDigest(models.Model):
    """One day's low-stock digest (``inventory/digest.py``). The date is unique: the worker
    that creates the day's row is the one that sends it, however many workers run the task."""

    date = models.DateField(_("date"), unique=True)  # in WIB
    sku_count = models.PositiveIntegerField(_("SKUs low on stock"))
    # The addresses it was e-mailed to, comma-separated; empty when it was not e-mailed.
    sent_to = models.TextField(_("sent to"), blank=True)
    sent_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("low-stock digest")
        verbose_name_plural = _("low-stock digests")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date}: {self.sku_count}"
