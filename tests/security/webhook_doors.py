"""The webhook doors of the hostile-input suites: one integration per channel of the registry,
with what signs a delivery to it exactly as its marketplace would (the fixtures are in
conftest.py)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from satustok.channels.models import ChannelAccount
from satustok.orders.source import order_source
from satustok.orders.webhooks import webhook_url_of

APP_SECRET = "fuzz-app-secret-0123456789abcdef"
WEBHOOK_SECRET = "fuzz-webhook-secret-0123456789"
APP_KEY = "15042"  # numeric: one channel reads its app id as a number


def _hex_hmac(key: str, message: bytes) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


# How each marketplace signs a delivery: (header, signature of (body, registered URL)). The
# fixture checks each against the channel's own verifier, so a drift here fails loudly.
SIGNERS: dict[str, tuple[str, Callable[[bytes, str], str]]] = {
    "tokopedia": ("Authorization-Hmac", lambda body, url: _hex_hmac(WEBHOOK_SECRET, body)),
    "shopee": (
        "Authorization",
        lambda body, url: _hex_hmac(APP_SECRET, url.encode() + b"|" + body),
    ),
    "tiktokshop": (
        "Authorization",
        lambda body, url: _hex_hmac(APP_SECRET, APP_KEY.encode() + body),
    ),
}


@dataclass(frozen=True)
class Door:
    """One integration's webhook receiver, and how its marketplace signs for it."""

    account: ChannelAccount
    events: tuple[str, ...]
    header: str
    signer: Callable[[bytes, str], str]

    @property
    def channel(self) -> str:
        return self.account.channel

    def path(self, event: str) -> str:
        return f"/webhooks/{self.channel}/{self.account.pk}/{event}/"

    def signature(self, body: bytes, event: str) -> str:
        """As the marketplace signs a post to ``event`` (any text: a fuzzed one too)."""
        return self.signer(body, str(settings.PUBLIC_URL).rstrip("/") + self.path(event))

    def signed(self, body: bytes, event: str) -> dict[str, str]:
        return {self.header: self.signature(body, event)}


def verifies(door: Door) -> bool:
    event, body = door.events[0], b'{"probe": 1}'
    source = order_source(door.account)
    url = webhook_url_of(door.channel, door.account.pk, event)
    return source.verify_webhook(body, door.signed(body, event), secret=WEBHOOK_SECRET, url=url)
