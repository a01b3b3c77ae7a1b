"""Fixtures of the hostile-input suites: one connected integration per channel of the registry
(no network: receiving a webhook never calls the channel)."""

from __future__ import annotations

from typing import Any

import pytest
from webhook_doors import APP_KEY, APP_SECRET, SIGNERS, WEBHOOK_SECRET, Door, verifies

from satustok.channels import registry
from satustok.channels.connect import default_warehouse
from satustok.channels.models import ChannelAccount
from satustok.orders.source import order_source


@pytest.fixture
def no_marketplace(settings: Any) -> None:
    """Every channel's base URLs point at a closed loopback port: a delivery processed here
    that asked its marketplace anything fails at once instead of leaving the machine."""
    for name in registry.base_url_settings():
        setattr(settings, name, "http://127.0.0.1:9")


@pytest.fixture
def doors(db: Any, no_marketplace: None) -> dict[str, Door]:
    """A door per channel the registry knows (a new channel without a signer here fails)."""
    found = {}
    for number, code in enumerate(registry.codes(), start=1):
        header, signer = SIGNERS[code]
        account = ChannelAccount.objects.create(
            channel=code,
            shop_id=str(900_000 + number),
            shop_name=f"Fuzz {number}",
            app_id=APP_KEY,
            client_id="fuzz-client",
            client_secret=APP_SECRET,
            webhook_secret=WEBHOOK_SECRET,
            access_token="fuzz-token",
            warehouse=default_warehouse(),
        )
        door = Door(account, tuple(order_source(account).webhook_events), header, signer)
        assert verifies(door), f"the test's signer for {code} no longer matches its verifier"
        found[code] = door
    return found
