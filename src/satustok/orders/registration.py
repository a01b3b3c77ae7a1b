"""Registering the hub's webhook URLs with a channel.

The URLs are built from ``settings.PUBLIC_URL`` (``SATUSTOK_PUBLIC_URL``): the address the
marketplace can reach the hub at. Some channels register URLs and one secret *per app*, not
per shop, and registering replaces all of them; so every integration of one app shares one
webhook secret (generated once, stored encrypted on each), and registering for any of them
points the app's URLs at that integration — the receiver routes each event by its shop id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from satustok.channels.models import ChannelAccount
from satustok.core import activity
from satustok.orders import webhooks
from satustok.orders.models import OrderSyncState
from satustok.orders.source import order_source

SECRET_BYTES = 32


@dataclass(frozen=True)
class Registered:
    urls: dict[str, str]
    shared_with: list[int]  # other integrations of the same app, served by the same URLs


def webhook_url(account: ChannelAccount, event: str) -> str:
    return webhooks.webhook_url_of(account.channel, account.pk, event)


def webhook_base(account: ChannelAccount) -> str:
    """``…/webhooks/<channel>/<id>/``: the prefix of every URL registered for ``account``."""
    return webhook_url(account, "event").removesuffix("event/")


def register_webhooks(account: ChannelAccount) -> Registered:
    """Point the channel's webhooks at this hub; raises the channel error tree on failure.

    The app's secret is stored (encrypted, on every integration of the app) *before* the
    channel is told, so no signed event can arrive that the hub cannot verify; a failed
    registration keeps it for the next attempt."""
    source = order_source(account, interactive=True)
    urls = {event: webhook_url(account, event) for event in source.webhook_events}
    secret = _app_secret(account)
    _same_app(account).update(webhook_secret=secret)
    account.webhook_secret = secret
    webhooks.forget_receivers()  # other web processes see the new secret within seconds
    try:
        source.register_webhooks(urls, secret)
    finally:
        source.close()
    _remember(account)
    after = {"urls": sorted(urls.values()), "webhook_secret": activity.CHANGED}
    activity.record(None, activity.Action.WEBHOOKS_REGISTERED, account, after=after)
    siblings = _same_app(account).exclude(pk=account.pk)
    return Registered(urls, sorted(siblings.values_list("pk", flat=True)))


def _same_app(account: ChannelAccount) -> QuerySet[ChannelAccount]:
    return ChannelAccount.objects.filter(channel=account.channel, app_id=account.app_id)


def _app_secret(account: ChannelAccount) -> str:
    """The secret already in use by this app's integrations, or a new one."""
    for sibling in _same_app(account).exclude(webhook_secret=None).order_by("pk"):
        if sibling.webhook_secret:
            return sibling.webhook_secret.reveal()
    return secrets.token_hex(SECRET_BYTES)


def _remember(account: ChannelAccount) -> None:
    now = timezone.now()
    base = webhook_base(account)  # where the app's events now go, for every shop of the app
    for sibling_id in _same_app(account).values_list("pk", flat=True):
        OrderSyncState.objects.update_or_create(
            account_id=sibling_id,
            defaults={"webhooks_registered_at": now, "webhook_base_url": base},
        )
