"""Constants and small helpers shared by the TikTok Shop client's loopback tests (imported by
name: test directories are not packages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from loopback_receiver import LoopbackReceiver
from satustok.channels.http.retry import RetryPolicy
from satustok.channels.tiktokshop.client import AppCredentials, TikTokShopClient

if TYPE_CHECKING:
    from satustok_sandbox.tiktokshop.handle import TikTokShopControl

# The demo seed's first seller and its shop (the info document lists them).
DEMO_SHOP = "7494000000000000001"
FAST_RETRIES = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.2, max_elapsed=10.0)
ClientFactory = Callable[..., TikTokShopClient]


def app_credentials(tiktokshop: TikTokShopControl) -> AppCredentials:
    return AppCredentials(tiktokshop.app_key, tiktokshop.app_secret, tiktokshop.service_id)


def api_calls(tiktokshop: TikTokShopControl, api: str) -> int:
    """How many calls of one API (``logistics/202309/warehouses``) the sandbox has answered."""
    row = tiktokshop.stats().get("apis", {}).get(api) or {}
    return int(row.get("calls", 0))


class WebhookReceiver(LoopbackReceiver):
    def __init__(self) -> None:
        super().__init__("/webhooks/tiktokshop")
