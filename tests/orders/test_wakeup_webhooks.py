"""The webhook trailing look (``process_waiting``) ends as soon as a delivery is stored in this
process, and otherwise still at the end of the ``SATUSTOK_WEBHOOK_BATCH_MS`` window."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from orders_helpers import Catalog, sign, wait_until
from test_webhooks import notification

from satustok.channels.models import ChannelAccount
from satustok.orders import webhooks
from satustok.orders.models import DeliveryStatus, WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)  # the trailing look runs in a thread

WINDOW_MS = 12_000  # the look a lone delivery would otherwise wait for


def _post(account: ChannelAccount, order_id: int) -> int:
    """A signed delivery through the receiving view, as the channel posts it (its nudge runs
    on commit; the queue runs tasks inline in tests)."""
    body = json.dumps(notification(order_id=order_id)).encode()
    url = reverse("orders:webhook", args=[account.channel, account.pk, "order_notification"])
    response = Client().post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION_HMAC=sign(body)
    )
    assert response.status_code == 200
    return int(response.json()["id"])


def _processed(delivery_id: int) -> bool:
    return WebhookDelivery.objects.get(pk=delivery_id).status == DeliveryStatus.PROCESSED


def test_a_delivery_stored_during_the_trailing_look_is_claimed_at_once(
    catalog: Catalog, settings: Any
) -> None:
    settings.SATUSTOK_WEBHOOK_BATCH_MS = WINDOW_MS
    webhooks._nudges.forget()

    def first_delivery() -> None:
        try:
            _post(catalog.account, 9600)  # its task runs here, then looks again for a window
        finally:
            connections.close_all()

    channel = threading.Thread(target=first_delivery)
    channel.start()
    try:
        assert wait_until(lambda: WebhookDelivery.objects.filter(
            status=DeliveryStatus.PROCESSED).exists(), timeout=30)  # fmt: skip
        second = _post(catalog.account, 9601)  # inside the window: no task of its own
        # Polled for half the window: only a look woken by the delivery meets that.
        assert wait_until(lambda: _processed(second), timeout=WINDOW_MS / 1000 / 2)
    finally:
        channel.join(60)
    assert not channel.is_alive()


def test_with_nothing_new_the_look_ends_after_the_window(catalog: Catalog, settings: Any) -> None:
    settings.SATUSTOK_WEBHOOK_BATCH_MS = 300
    webhooks._nudges.forget()
    began = time.monotonic()
    delivery = _post(catalog.account, 9700)  # processed inline, then one look a window later
    assert time.monotonic() - began >= 0.3
    assert _processed(delivery)
