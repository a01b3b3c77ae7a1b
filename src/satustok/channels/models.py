"""Integrations with marketplaces and the listings they hold.

A :class:`ChannelAccount` is one connected shop on one channel (Forstok calls it an
*integration*). A :class:`Listing` is one sellable unit on that shop — a product without
variants, or one variant child — bound to at most one master variant. Together they are the
binding table of the OCA connector pattern: unique (account, external id), a link to the
internal record, and what was last exchanged.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from satustok.catalog.models import Variant
from satustok.channels import registry
from satustok.channels.protocol import StockCause
from satustok.core.crypto import EncryptedTextField
from satustok.inventory.models import Warehouse


class Health(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    CREDENTIALS_INVALID = "credentials_invalid", _("Credentials invalid")
    # The seller's approval ended (expired after a year, revoked, or the refresh token was
    # refused): nothing reaches the shop until the seller presses Reconnect.
    NEEDS_RECONNECT = "needs_reconnect", _("Authorization ended: reconnect")
    NOT_ASSOCIATED = "not_associated", _("Shop not linked to the app")
    SHOP_CLOSED = "shop_closed", _("Shop closed / on holiday")
    RATE_LIMITED = "rate_limited", _("Rate limited")
    # The shop is served by another integration now (moved to a channel's newer API): this one
    # pushes nothing and only follows the orders it already had.
    MOVED = "moved", _("Moved to another integration")


# The rupiah steps a pushed price may be rounded to (1: not rounded).
PRICE_STEPS = [(1, "Rp 1"), (100, "Rp 100"), (500, "Rp 500"), (1000, "Rp 1.000")]
MIN_MARKUP, MAX_MARKUP = -90, 1000


class ChannelAccount(models.Model):
    """One shop on one channel, with its credentials (encrypted) and its sync settings."""

    channel = models.CharField(max_length=20, choices=registry.choices)
    shop_id = models.CharField(_("Shop ID"), max_length=64)
    shop_name = models.CharField(_("shop name"), max_length=255, blank=True)
    shop_url = models.CharField(max_length=255, blank=True)
    # What the channel needs besides the shop id to address the shop in calls (the protocol's
    # ShopProfile.handle), e.g. a shop cipher; not a secret.
    shop_handle = models.CharField(max_length=255, blank=True)
    # The channel's own warehouses as seen when connecting: [{"id", "name", "is_default"}].
    shop_warehouses = models.JSONField(default=list, blank=True)
    # The channel's app id and second id (the registry's CredentialLabels name them per channel).
    app_id = models.CharField(_("FS ID"), max_length=64)
    client_id = models.CharField(_("Client ID"), max_length=255)
    client_secret = EncryptedTextField(_("Client Secret"))
    access_token = EncryptedTextField(null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # Channels where the seller approves the hub on the channel's own page: the refresh token
    # may be single-use and rotate on every refresh (each channel renews under the row lock).
    refresh_token = EncryptedTextField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    authorization_expires_at = models.DateTimeField(null=True, blank=True)
    authorized_at = models.DateTimeField(null=True, blank=True)  # the seller's latest approval
    webhook_secret = EncryptedTextField(null=True, blank=True)

    health = models.CharField(max_length=24, choices=Health.choices, default=Health.CONNECTED)
    health_message = models.TextField(blank=True)
    health_checked_at = models.DateTimeField(null=True, blank=True)

    # Off after connecting until the seller has reviewed the import (as Forstok does).
    push_stock = models.BooleanField(_("push stock"), default=False)
    # One pusher per integration: a lease, not a lock, so a worker killed mid-push holds it
    # only until it runs out (the sweep then picks the work up).
    push_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Price push (sync/prices.py), off until switched on like stock. What a listing should
    # cost: its own fixed price, else the master price × (100 + markup) % rounded to the
    # nearest ``price_step`` rupiah. A negative markup is allowed (a channel with lower fees
    # may sell cheaper), down to -90 %, so the price stays a price.
    push_price = models.BooleanField(_("push price"), default=False, db_default=False)
    price_markup = models.DecimalField(
        _("markup (%)"), max_digits=6, decimal_places=2, default=0, db_default=0
    )
    price_step = models.PositiveIntegerField(
        _("rounded to (Rp)"), choices=PRICE_STEPS, default=1, db_default=1
    )
    # Its own lease: a long stock push never holds a price change back, nor the other way.
    price_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    warehouse = models.ForeignKey(
        Warehouse,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("warehouse feeding this channel"),
    )
    # Moving a shop to another integration (orders/moving.py): an order counts on the one
    # integration whose time it falls in — the old one before ``moved_at``, the new one from
    # ``orders_from`` — so the same sale seen by both moves the master stock once.
    moved_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="moved_from"
    )
    moved_at = models.DateTimeField(null=True, blank=True)
    orders_from = models.DateTimeField(null=True, blank=True)
    # The drift read-back (sync/drift.py): when the last round started, and the catalogue page
    # the next one starts at (a round reads a capped number of pages, then goes on from there).
    drift_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    drift_page = models.PositiveIntegerField(default=1, db_default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        constraints = [
            models.UniqueConstraint(fields=["channel", "shop_id"], name="one_integration_per_shop"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.shop_name or self.shop_id}"


class LinkMethod(models.TextChoices):
    AUTO_SKU = "auto_sku", _("Automatic (SKU)")
    MANUAL = "manual", _("Manual")
    UNLINKED = "unlinked", _("Not linked")


class Listing(models.Model):
    """One sellable unit on a channel, as last seen, and its link to a master variant."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="listings")
    external_id = models.CharField(max_length=64)  # ids are text: channels differ in width
    parent_external_id = models.CharField(max_length=64, blank=True)
    sku = models.CharField(_("channel SKU"), max_length=255, blank=True)  # as the channel spells it
    name = models.CharField(_("name"), max_length=512, blank=True)
    status = models.CharField(_("channel status"), max_length=32, blank=True)
    stock = models.IntegerField(_("channel stock"), default=0)
    price = models.BigIntegerField(_("price (Rp)"), default=0)  # whole rupiah

    variant = models.ForeignKey(
        Variant, on_delete=models.SET_NULL, null=True, blank=True, related_name="listings"
    )
    link_method = models.CharField(
        max_length=16, choices=LinkMethod.choices, default=LinkMethod.UNLINKED
    )
    unlinked_reason = models.CharField(max_length=255, blank=True)

    last_pushed_qty = models.IntegerField(null=True, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    # A shop pushed per location (channels/locations.py): what each location was last set to,
    # {location id: quantity}, so a changed location is pushed again though the total is not.
    last_pushed_locations = models.JSONField(default=dict, blank=True, db_default={})
    last_seen_at = models.DateTimeField(null=True, blank=True)

    # Level-triggered push: a stock change marks the listing dirty (and bumps the version) in
    # its own transaction; the pusher clears the mark only if the version is unchanged since
    # it read it, so a change during a push is never lost.
    needs_push = models.BooleanField(default=False)
    dirty_version = models.PositiveBigIntegerField(default=0)
    # Marked while its SKU is nearly sold out (``sync/pusher.py``, "urgent"): pushed first and
    # at once, ahead of the coalescing that batches ordinary changes.
    push_urgent = models.BooleanField(default=False, db_default=False)
    push_error = models.CharField(max_length=255, blank=True)  # the channel's last refusal
    push_blocked = models.BooleanField(default=False)  # refused for good until fixed
    push_retry_at = models.DateTimeField(null=True, blank=True)  # backoff after a failure
    push_failures = models.PositiveSmallIntegerField(default=0)
    # Drift: the channel showed another stock than the hub last pushed (a marketplace's own
    # change). Kept until the repairing push, whose sync log row says it (sync/drift.py).
    # (database defaults: the import writes new listings with raw bulk inserts, core/bulk)
    drift_cause = models.CharField(
        max_length=16, choices=StockCause.choices, blank=True, default="", db_default=""
    )
    drift_shown = models.IntegerField(null=True, blank=True)  # None: changed, value not given

    # Price push (sync/prices.py): the same level-triggered marks as stock, kept apart so a
    # stock push and a price push never wait for, or clear, each other.
    fixed_price = models.BigIntegerField(_("fixed price (Rp)"), null=True, blank=True)
    last_pushed_price = models.BigIntegerField(null=True, blank=True)
    last_price_pushed_at = models.DateTimeField(null=True, blank=True)
    price_needs_push = models.BooleanField(default=False, db_default=False)
    price_dirty_version = models.PositiveBigIntegerField(default=0, db_default=0)
    price_push_error = models.CharField(max_length=255, blank=True, default="", db_default="")
    # Refused for this price (below the channel's minimum, a promotion running): kept until
    # the seller changes something (master price, rule, fixed price, switch).
    price_push_blocked = models.BooleanField(default=False, db_default=False)
    price_retry_at = models.DateTimeField(null=True, blank=True)
    price_failures = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="one_listing_per_id"),
        ]
        indexes = [
            models.Index(fields=["account", "sku"]),
            models.Index(fields=["account", "needs_push"]),
            models.Index(fields=["account", "price_needs_push"]),
            models.Index(fields=["variant"]),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.external_id} ({self.sku or '—'})"


class ShopLocation(models.Model):
    """One of a shop's own warehouses (a channel's warehouse or stock location) and the hub
    warehouse whose stock it shows and whose stock its orders take (``channels/locations.py``).
    No hub warehouse: the integration's own."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="locations")
    location_id = models.CharField(max_length=64)
    name = models.CharField(_("name"), max_length=255, blank=True)
    is_default = models.BooleanField(default=False)
    warehouse = models.ForeignKey(
        Warehouse,
        on_delete=models.SET_NULL,  # an (empty) warehouse deleted: back to the integration's
        null=True,
        blank=True,
        related_name="shop_locations",
        verbose_name=_("hub warehouse"),
    )

    class Meta:
        verbose_name = _("shop location")
        verbose_name_plural = _("shop locations")
        ordering = ["-is_default", "location_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "location_id"], name="one_location_per_shop_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.location_id} ({self.name or '—'})"
