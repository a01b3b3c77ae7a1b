"""An integration's health, as its last calls to the channel tell it.

The pusher and the order poller report every call's outcome here. One table says which failures
a seller must act on and how the integration then shows (credentials refused, the shop no longer
linked to the app, the shop closed, the channel throttling); a later call that succeeds shows it
connected again. ``NEEDS_RECONNECT`` is left alone: only Reconnect ends it (``channels/tokens``
sets it when an approval ends); so is ``MOVED`` (a shop served by another integration now).
Failures that say nothing about the integration (a timeout, a refused row) change nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from satustok.channels.http.errors import (
    ChannelError,
    CredentialsRejected,
    NotAssociated,
    RateLimited,
    ShopClosed,
)
from satustok.channels.models import ChannelAccount, Health

# States only a seller's act ends (Reconnect; a moved integration stays moved): no call's
# outcome changes them.
KEPT = (Health.NEEDS_RECONNECT, Health.MOVED)

# The first row whose class the error is decides.
HEALTH_TABLE: tuple[tuple[type[ChannelError], Health], ...] = (
    (CredentialsRejected, Health.CREDENTIALS_INVALID),
    (NotAssociated, Health.NOT_ASSOCIATED),
    (ShopClosed, Health.SHOP_CLOSED),
    (RateLimited, Health.RATE_LIMITED),
)


def health_for(error: ChannelError | None) -> Health | None:
    """What ``error`` (None: a success) says of the integration; None when it says nothing."""
    if error is None:
        return Health.CONNECTED
    return next((health for kind, health in HEALTH_TABLE if isinstance(error, kind)), None)


def observe(account: ChannelAccount, error: ChannelError | None = None) -> None:
    """Record what a call's outcome says of the integration, when that changes its health."""
    health = health_for(error)
    if health is None or account.health in (health, *KEPT):
        return
    message = _message(error) if error is not None else ""
    changed = ChannelAccount.objects.filter(pk=account.pk).exclude(health__in=KEPT)
    changed.update(health=health, health_message=message, health_checked_at=timezone.now())
    account.health, account.health_message = health, message


def _message(error: ChannelError) -> str:
    """The channel's own words, in the hub's language (a worker has no seller)."""
    said = error.message or error.error_code or type(error).__name__
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("The channel answered: %(said)s") % {"said": said[:200]}
