"""What a channel says of the seller's approval reaches the integration by its signed webhook:
the seller removing the app (Shopee push code 2, TikTok Shop type 6) pauses the integration
with Reconnect at once, before any refused token; TikTok Shop's reminder (type 7) shows when
the approval ends, with Reconnect, on the integration and the Dashboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from orders_helpers import wait_until

from channel_worlds import ShopeeWorld, TikTokShopWorld, point_at_tiktokshop
from satustok.channels.models import ChannelAccount, Health
from satustok.orders.models import DeliveryStatus, WebhookDelivery
from satustok.orders.registration import register_webhooks
from satustok.sync import pusher

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tiktokshop(fast_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> TikTokShopWorld:
    return TikTokShopWorld(point_at_tiktokshop(fast_sandbox.tiktokshop, monkeypatch))


@pytest.fixture
def shopee(fast_sandbox: Any, settings: Any) -> ShopeeWorld:
    fast_sandbox.shopee.reset()
    settings.SHOPEE_API_URL = fast_sandbox.shopee.base_url
    return ShopeeWorld(fast_sandbox.shopee)


def connected(world: Any, live_server: Any, settings: Any) -> ChannelAccount:
    settings.PUBLIC_URL = live_server.url
    account = world.connect()
    register_webhooks(account)
    pusher.set_push_stock(account, True)
    return account


def health_of(account: ChannelAccount) -> str:
    return ChannelAccount.objects.get(pk=account.pk).health


def test_tiktokshop_deauthorization_pauses_the_integration_at_once(
    tiktokshop: TikTokShopWorld, live_server: Any, settings: Any
) -> None:
    account = connected(tiktokshop, live_server, settings)
    tiktokshop.tts.revoke()
    assert wait_until(lambda: health_of(account) == Health.NEEDS_RECONNECT, timeout=10)
    delivery = WebhookDelivery.objects.filter(account=account).latest("id")
    assert delivery.status == DeliveryStatus.PROCESSED and "ended" in delivery.outcome
    account.listings.filter(variant__isnull=False).update(needs_push=True)
    assert pusher.push_account(account.pk).sent == 0  # paused, nothing lost


def test_shopee_deauthorization_pauses_the_integration_at_once(
    shopee: ShopeeWorld, live_server: Any, settings: Any
) -> None:
    account = connected(shopee, live_server, settings)
    shopee.shopee.revoke(int(account.shop_id))
    assert wait_until(lambda: health_of(account) == Health.NEEDS_RECONNECT, timeout=10)


def test_tiktokshop_reminder_shows_when_the_approval_ends(
    tiktokshop: TikTokShopWorld, live_server: Any, settings: Any, admin_client: Any
) -> None:
    account = connected(tiktokshop, live_server, settings)
    ChannelAccount.objects.filter(pk=account.pk).update(authorization_expires_at=None)
    tiktokshop.tts.notify_authorization_expiring(ends_in_seconds=20 * 24 * 3600)
    ends = wait_until(
        lambda: ChannelAccount.objects.get(pk=account.pk).authorization_expires_at, timeout=10
    )
    assert ends is not None and health_of(account) == Health.CONNECTED
    assert timedelta(days=19) < ends - timezone.now() <= timedelta(days=20)
    for page in (reverse("web:integration", args=[account.pk]), reverse("web:home")):
        assert 'data-testid="approval-ends"' in admin_client.get(page).content.decode()
