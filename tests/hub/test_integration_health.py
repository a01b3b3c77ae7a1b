"""An integration's health follows what its channel answers: the failures a seller must act on
(credentials refused, shop not linked, shop closed, throttling) show on the integration, a later
success shows it connected again, and an ended approval stays until Reconnect."""

from __future__ import annotations

from typing import Any

import pytest

from channel_worlds import TokopediaWorld
from satustok.channels import health
from satustok.channels.http.errors import (
    CredentialsRejected,
    NotAssociated,
    RateLimited,
    ServerError,
    ShopClosed,
    Timeout,
)
from satustok.channels.models import ChannelAccount, Health
from satustok.sync import pusher

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (CredentialsRejected("client secret refused"), Health.CREDENTIALS_INVALID),
        (NotAssociated("shop not linked"), Health.NOT_ASSOCIATED),
        (ShopClosed("shop frozen"), Health.SHOP_CLOSED),
        (RateLimited("slow down"), Health.RATE_LIMITED),
        (ServerError("boom"), None),  # says nothing about the integration
        (Timeout("no answer"), None),
        (None, Health.CONNECTED),
    ],
)
def test_the_table(error: Any, expected: Health | None) -> None:
    assert health.health_for(error) == expected


def test_a_failure_shows_and_a_later_success_clears_it(fast_sandbox: Any) -> None:
    account = TokopediaWorld(fast_sandbox).connect(480001, imported=False)
    health.observe(account, CredentialsRejected("invalid_client", error_code="invalid_client"))
    stored = ChannelAccount.objects.get(pk=account.pk)
    assert stored.health == Health.CREDENTIALS_INVALID and "invalid_client" in stored.health_message
    health.observe(account, Timeout("no answer"))  # nothing new about the integration
    assert ChannelAccount.objects.get(pk=account.pk).health == Health.CREDENTIALS_INVALID
    health.observe(account)
    stored = ChannelAccount.objects.get(pk=account.pk)
    assert (stored.health, stored.health_message) == (Health.CONNECTED, "")


def test_an_ended_approval_waits_for_reconnect(fast_sandbox: Any) -> None:
    account = TokopediaWorld(fast_sandbox).connect(480001, imported=False)
    ChannelAccount.objects.filter(pk=account.pk).update(health=Health.NEEDS_RECONNECT)
    account.refresh_from_db()
    health.observe(account)
    health.observe(account, RateLimited("slow down"))
    assert ChannelAccount.objects.get(pk=account.pk).health == Health.NEEDS_RECONNECT


def test_the_pusher_reports_a_throttling_channel_then_its_recovery(fast_sandbox: Any) -> None:
    world = TokopediaWorld(fast_sandbox)
    account = world.connect(480002)
    pusher.set_push_stock(account, True)
    fast_sandbox.set_faults(rate_limit_next=20)
    pusher.push_account(account.pk)
    assert ChannelAccount.objects.get(pk=account.pk).health == Health.RATE_LIMITED
    fast_sandbox.clear_faults()
    account.listings.update(push_retry_at=None)
    pusher.push_account(account.pk)
    assert ChannelAccount.objects.get(pk=account.pk).health == Health.CONNECTED
