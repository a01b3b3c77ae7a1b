"""What a channel says of the seller's approval reaches the integration by its signed webhook:
the seller removing the app (Shopee push code 2, TikTok Shop type 6) pauses the integration
with Reconnect at once, before any refused token; TikTok Shop's reminder (type 7) shows when
the approval ends, with Reconnect, on the integration and the Dashboard."""

from __future__ import annotations

import json
import time
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


def post_notice(client: Any, account: ChannelAccount, envelope: dict[str, Any]) -> Any:
    """A signed TikTok Shop notification, posted to the integration's webhook URL."""
    from satustok.channels.tiktokshop.signing import webhook_signature
    from satustok.orders.registration import webhook_url

    body = json.dumps(envelope).encode()
    signature = webhook_signature(account.app_id, account.client_secret.reveal(), body)
    path = webhook_url(account, "notify").split("://", 1)[1].split("/", 1)[1]
    return client.post(
        "/" + path, body, content_type="application/json", HTTP_AUTHORIZATION=signature
    )


def test_a_reminder_never_moves_the_known_end_later(
    tiktokshop: TikTokShopWorld, client: Any
) -> None:
    account = tiktokshop.connect(imported=False)
    soon = timezone.now() + timedelta(days=3)
    ChannelAccount.objects.filter(pk=account.pk).update(authorization_expires_at=soon)
    later = int((timezone.now() + timedelta(days=300)).timestamp())
    envelope = {"type": 7, "tts_notification_id": "n-7", "shop_id": account.shop_id,
                "timestamp": int(timezone.now().timestamp()),
                "data": {"message": "soon", "expire_time": later}}  # fmt: skip
    assert post_notice(client, account, envelope).status_code == 200
    stored = ChannelAccount.objects.get(pk=account.pk).authorization_expires_at
    assert stored is not None and abs((stored - soon).total_seconds()) < 1


def test_a_notice_naming_no_shop_pauses_nothing(tiktokshop: TikTokShopWorld, client: Any) -> None:
    account = tiktokshop.connect(imported=False)
    envelope = {"type": 6, "tts_notification_id": "n-6", "seller_open_id": "someone",
                "timestamp": int(timezone.now().timestamp()), "data": {}}  # fmt: skip
    assert post_notice(client, account, envelope).status_code == 200
    assert health_of(account) == Health.CONNECTED
    delivery = WebhookDelivery.objects.get(account=account)
    assert delivery.status == DeliveryStatus.PROCESSED


def test_a_late_deauthorization_does_not_undo_a_reconnect(
    tiktokshop: TikTokShopWorld, client: Any
) -> None:
    account = tiktokshop.connect(imported=False)  # approved just now
    sent_before = int((timezone.now() - timedelta(minutes=30)).timestamp())
    envelope = {"type": 6, "tts_notification_id": "n-6-late", "shop_id": account.shop_id,
                "timestamp": sent_before, "data": {}}  # fmt: skip
    assert post_notice(client, account, envelope).status_code == 200
    assert health_of(account) == Health.CONNECTED
    fresh = dict(envelope, tts_notification_id="n-6-now", timestamp=int(time.time()) + 1)
    assert post_notice(client, account, fresh).status_code == 200
    assert health_of(account) == Health.NEEDS_RECONNECT
