"""API tokens: a long random key shown once, stored only as its SHA-256 digest.

The key carries 256 bits of randomness, so a plain digest is enough (a slow password hash
protects guessable secrets; these are not guessable) and lets a request find its token with one
indexed lookup. The first characters (``prefix``) are kept in clear so an operator can tell
tokens apart in a list without ever seeing a key again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)  # sha256 hex
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A read-only token may read what its user may read and change nothing, whatever the role.
    read_only = models.BooleanField(_("read-only"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
