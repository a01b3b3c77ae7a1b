"""Constants and small helpers shared by the Shopee client's loopback tests (imported by name:
test directories are not packages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from loopback_receiver import LoopbackReceiver
from satustok.channels.http.retry import RetryPolicy
from satustok.channels.shopee.client import PartnerApp, ShopeeClient

if TYPE_CHECKING:
    from satustok_sandbox.shopee.handle import ShopeeControl

DEMO_SHOP = 7700001
BANNED_SHOP = 7700002
TWO_WAREHOUSE_SHOP = 7700003
FAST_RETRIES = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.2, max_elapsed=10.0)
ClientFactory = Callable[..., ShopeeClient]


def partner_app(shopee: ShopeeControl) -> PartnerApp:
    return PartnerApp(shopee.partner_id, shopee.partner_key)


def api_stats(shopee: ShopeeControl, api: str) -> dict[str, Any]:
    """``{"calls", "statuses", "errors"}`` of one API (``product/get_item_list``) so far."""
    row = shopee.stats()["apis"].get(api)
    return row or {"calls": 0, "statuses": {}, "errors": {}}


class PushReceiver(LoopbackReceiver):
    def __init__(self) -> None:
        super().__init__("/shopee/push")
