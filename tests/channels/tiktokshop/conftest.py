"""Clients of the TikTok Shop sandbox for the loopback tests.

The TikTok Shop sandbox is served by the same loopback server as the other marketplaces (the
session's ``tokopedia_sandbox_server`` from ``tests/conftest.py``), under ``/tiktokshop``;
``tiktokshop`` resets its TikTok Shop half (world, tokens, clock, faults, limits) before each
test. Retries back off in milliseconds here (the policy is what is under test, not the
defaults' patience); everything else — signing, clock, budget, timeouts — is the client's real
behaviour.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from tiktokshop_client_helpers import (
    DEMO_SHOP,
    FAST_RETRIES,
    ClientFactory,
    WebhookReceiver,
    app_credentials,
)

from loopback_receiver import serving
from satustok.channels.tiktokshop.client import TikTokShopClient

if TYPE_CHECKING:
    from satustok_sandbox.server import RunningSandbox
    from satustok_sandbox.tiktokshop.handle import TikTokShopControl


@pytest.fixture
def tiktokshop(tokopedia_sandbox_server: RunningSandbox) -> TikTokShopControl:
    """The TikTok Shop half of the session sandbox, back at its demo seed for this test."""
    control = tokopedia_sandbox_server.tiktokshop
    assert control is not None, "the sandbox server has no TikTok Shop half"
    control.reset()
    return control


@pytest.fixture
def make_client(tiktokshop: TikTokShopControl) -> Iterator[ClientFactory]:
    """Build clients of the (reset) sandbox; all are closed after the test.

    ``make_client()`` is an app-only client (token endpoints); ``make_client(access_token=…,
    shop_cipher=…)`` a shop client."""
    made: list[TikTokShopClient] = []

    def build(**options: Any) -> TikTokShopClient:
        options.setdefault("retry_policy", FAST_RETRIES)
        options.setdefault("timeout", 10.0)
        app = options.pop("app", None) or app_credentials(tiktokshop)
        client = TikTokShopClient(
            app,
            api_url=tiktokshop.base_url,
            auth_url=tiktokshop.auth_url,
            services_url=tiktokshop.services_url,
            **options,
        )
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


@pytest.fixture
def seller(tiktokshop: TikTokShopControl) -> dict[str, Any]:
    """The demo seller approved the app a moment ago (without the page): its tokens and shops."""
    return tiktokshop.issue_tokens()


@pytest.fixture
def client(make_client: ClientFactory, seller: dict[str, Any]) -> TikTokShopClient:
    """A client of the demo shop, with the seller's fresh access token and the shop's cipher."""
    cipher = next(shop["cipher"] for shop in seller["shops"] if shop["id"] == DEMO_SHOP)
    return make_client(access_token=seller["access_token"], shop_cipher=cipher)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with serving(WebhookReceiver()) as receiver:
        yield receiver
