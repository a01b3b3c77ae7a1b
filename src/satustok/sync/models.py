"""Import runs and what each one saw.

An :class:`ImportRun` reads a shop's whole catalogue into :class:`ImportRow` staging rows (page by
page, recording the last finished page so a crash resumes there), sorts every row into one
bucket of PRODUCT.md rule 4, and — for a real import, not a preview — applies the rows to the
catalogue in small transactions, each row marked applied with its write. The rows stay after
the run: they are the *Finish* report and its CSV.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from satustok.catalog.models import Variant
from satustok.channels.linking import UNLINKED_BY_HAND, UNLINKED_BY_HAND_LABEL
from satustok.channels.models import ChannelAccount
from satustok.channels.protocol import StockCause


class Bucket(models.TextChoices):
    LINKED = "linked", _("Linked to an existing product")
    NEW_MASTER = "new_master", _("New master product")
    SKIPPED_EMPTY_SKU = "skipped_empty_sku", _("Skipped – empty SKU")
    SKIPPED_INACTIVE = "skipped_inactive", _("Skipped – not active")
    SKIPPED_NO_STOCK = "skipped_no_stock", _("Skipped – no stock")
    CONFLICT_DUPLICATE_SKU = "conflict_duplicate_sku", _("Conflict – duplicate SKU")


IMPORTED_BUCKETS = (Bucket.LINKED, Bucket.NEW_MASTER)


def unlinked_reason_text(code: str) -> str:
    """Why a listing is not linked, in words: an import's bucket, or the seller unlinked it."""
    reasons = {**dict(Bucket.choices), UNLINKED_BY_HAND: UNLINKED_BY_HAND_LABEL}
    return str(reasons.get(code, code))


class RunMode(models.TextChoices):
    PREVIEW = "preview", _("Preview")
    IMPORT = "import", _("Import")


class RunState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    FETCHING = "fetching", _("Reading products")
    APPLYING = "applying", _("Importing")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="imports")
    mode = models.CharField(max_length=10, choices=RunMode.choices, default=RunMode.IMPORT)
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    pages_done = models.PositiveIntegerField(default=0)  # the resume point
    units_fetched = models.PositiveIntegerField(default=0)
    units_applied = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    mismatches = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)  # a seller-readable message, never a secret
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.get_mode_display()} #{self.pk} ({self.get_state_display()})"

    @property
    def is_finished(self) -> bool:
        return self.state in (RunState.DONE, RunState.FAILED)

    @property
    def units_to_apply(self) -> int:
        return self.units_fetched


class ImportRow(models.Model):
    """One sellable unit as the channel showed it during a run, and what the run did with it."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rows")
    page = models.PositiveIntegerField()
    external_id = models.CharField(max_length=64)
    parent_external_id = models.CharField(max_length=64, blank=True)
    sku = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=512, blank=True)
    family_name = models.CharField(max_length=512, blank=True)
    status_label = models.CharField(max_length=32, blank=True)
    is_active = models.BooleanField(default=True)
    stock = models.IntegerField(default=0)
    price = models.BigIntegerField(default=0)

    bucket = models.CharField(max_length=24, choices=Bucket.choices, blank=True)
    detail = models.CharField(max_length=255, blank=True)  # e.g. the other ids sharing a SKU
    variant = models.ForeignKey(Variant, on_delete=models.SET_NULL, null=True, blank=True)
    master_available = models.IntegerField(null=True, blank=True)  # for linked rows
    applied = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "external_id"], name="one_row_per_unit"),
        ]
        indexes = [models.Index(fields=["run", "applied"]), models.Index(fields=["run", "bucket"])]

    def __str__(self) -> str:
        return f"{self.external_id} {self.sku!r} → {self.bucket}"

    @property
    def has_stock_mismatch(self) -> bool:
        return self.master_available is not None and self.master_available != self.stock


class PushResult(models.TextChoices):
    OK = "ok", _("Pushed")
    RETRY = "retry", _("Will retry")
    FAILED = "failed", _("Refused")


class PushKind(models.TextChoices):
    STOCK = "stock", _("Stock")
    PRICE = "price", _("Price")


class PushRecord(models.Model):
    """One row of one push: what was sent to which listing and what the channel said. A stock
    row carries ``quantity``; a price row (``kind`` price) carries ``price`` and a quantity of
    0 that means nothing (the sync log shows the price instead)."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="pushes")
    listing = models.ForeignKey("channels.Listing", on_delete=models.CASCADE, related_name="pushes")
    kind = models.CharField(
        max_length=8, choices=PushKind.choices, default=PushKind.STOCK, db_default=PushKind.STOCK
    )
    quantity = models.IntegerField()
    price = models.BigIntegerField(null=True, blank=True)  # whole rupiah, price rows only
    result = models.CharField(max_length=8, choices=PushResult.choices)
    message = models.CharField(max_length=255, blank=True)
    batch = models.CharField(max_length=32, blank=True)  # rows sent in one call share it
    # A push that repaired drift: why the shop's stock differed, and what it showed (None: the
    # channel said it changed without the value).
    drift_cause = models.CharField(max_length=16, choices=StockCause.choices, blank=True)
    shown_before = models.IntegerField(null=True, blank=True)
    # How the quantity was computed ("available 40 − buffer 5 = 35 × 50% = 17"; sync/rules.py).
    explanation = models.CharField(max_length=255, blank=True, db_default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock push")
        verbose_name_plural = _("stock pushes")

    def __str__(self) -> str:
        return f"{self.listing_id} ← {self.quantity} ({self.result})"

    @property
    def repaired_drift(self) -> bool:
        return bool(self.drift_cause)

    def drift_text(self) -> str:
        """The sync log's words for a repaired drift, e.g. "drift repaired: shop showed 7, hub
        pushed 5 (cause: seller edit)"."""
        if not self.drift_cause:
            return ""
        cause = StockCause(self.drift_cause).label
        if self.shown_before is None:
            return _(
                "drift repaired: shop changed its stock, hub pushed %(pushed)s (cause: %(cause)s)"
            ) % {
                "pushed": self.quantity,
                "cause": cause,
            }
        return _(
            "drift repaired: shop showed %(shown)s, hub pushed %(pushed)s (cause: %(cause)s)"
        ) % {
            "shown": self.shown_before,
            "pushed": self.quantity,
            "cause": cause,
        }


class PushRule(models.Model):
    """How much of the available stock an integration's listings show (``listing`` empty), or
    one listing (its own rule replaces the integration's). See ``sync/rules.py``."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="push_rules")
    listing = models.OneToOneField(
        "channels.Listing",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="push_rule",
    )
    percent = models.PositiveSmallIntegerField(
        _("share (%)"), default=100, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    buffer = models.PositiveIntegerField(_("kept back"), default=0)
    maximum = models.PositiveIntegerField(_("most shown"), null=True, blank=True)
    fixed = models.PositiveIntegerField(_("fixed quantity"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("push rule")
        verbose_name_plural = _("push rules")
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(listing__isnull=True),
                name="one_rule_per_integration",
            ),
            models.CheckConstraint(
                condition=models.Q(percent__lte=100), name="push_rule_percent_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.listing_id or '*'}: {self.percent}% −{self.buffer}"


class Allocation(models.Model):
    """A quantity of a SKU kept for one integration during a campaign: the other integrations
    show available minus it until ``ends_at``; then it ends by itself."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="allocations")
    account = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="allocations"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["variant", "ends_at"]), models.Index(fields=["ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="allocation_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} ×{self.quantity} for {self.account_id}"


class PriorityStore(models.Model):
    """When a SKU's available is at or below ``threshold``, only ``account`` keeps selling it
    (``variant`` empty: every SKU without its own)."""

    account = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="priority_stores"
    )
    variant = models.OneToOneField(
        Variant, on_delete=models.CASCADE, null=True, blank=True, related_name="priority_store"
    )
    threshold = models.PositiveIntegerField(_("at or below"))

    class Meta:
        # One row for every SKU at most: sync/rules.py replaces it rather than adds one.
        verbose_name = _("priority store")
        verbose_name_plural = _("priority stores")

    def __str__(self) -> str:
        return f"{self.variant_id or '*'} ≤ {self.threshold}: {self.account_id}"
