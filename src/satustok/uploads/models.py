"""Uploaded spreadsheets, between preview and confirmation.

An :class:`Upload` keeps the file it was read from and the plan its preview showed (each row's
change and each error). Confirming applies the plan in one go and names the upload as the
reference of every ledger entry or change it wrote; an upload with errors cannot be confirmed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UploadKind(models.TextChoices):
    STOCK = "stock", _("Stock")
    MASTERS = "masters", _("Master products")
    LINKS = "links", _("Listing links")


class UploadState(models.TextChoices):
    PREVIEWED = "previewed", _("Waiting for confirmation")
    APPLIED = "applied", _("Applied")
    DISCARDED = "discarded", _("Discarded")


class Upload(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=UploadKind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=UploadState.choices, default=UploadState.PREVIEWED
    )
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    content = models.BinaryField(editable=False)  # the file as uploaded
    plan = models.JSONField(default=dict)  # the preview: changes and errors, by row
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    change_count = models.PositiveIntegerField(_("changes"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} upload #{self.pk} ({self.file_name})"

    @property
    def reference(self) -> str:
        """What the ledger and the activity log name this upload by."""
        return f"upload:{self.pk}"
