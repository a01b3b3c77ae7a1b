"""Clients of the Shopee sandbox for the loopback tests.

The Shopee sandbox is served by the same loopback server as the Tokopedia one (the session's
``tokopedia_sandbox_server`` from ``tests/conftest.py``), under ``/shopee``; ``shopee`` resets
its Shopee half (world, tokens, clock, faults, limits) before each test. Retries back off in
milliseconds here (the policy is what is under test, not the defaults' patience); everything
else — signing, clock, budget, timeouts — is the client's real behaviour.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from shopee_client_helpers import (
    DEMO_SHOP,
    FAST_RETRIES,
    ClientFactory,
    PushReceiver,
    partner_app,
)

from satustok.channels.shopee.client import ShopeeClient

if TYPE_CHECKING:
    from satustok_sandbox.server import RunningSandbox
    from satustok_sandbox.shopee.handle import ShopeeControl


@pytest.fixture
def shopee(tokopedia_sandbox_server: RunningSandbox) -> ShopeeControl:
    """The Shopee half of the session sandbox, back at its demo seed for this test."""
    control = tokopedia_sandbox_server.shopee
    assert control is not None, "the sandbox server has no Shopee half"
    control.reset()
    return control


@pytest.fixture
def make_client(shopee: ShopeeControl) -> Iterator[ClientFactory]:
    """Build clients of the (reset) sandbox; all are closed after the test.

    ``make_client()`` is a partner-only client; ``make_client(shop_id=…, access_token=…)`` a
    shop client; ``make_client(authorized=shop_id)`` authorizes the shop first (the seller
    approved it) and hands the client its access token.
    """
    made: list[ShopeeClient] = []

    def build(*, authorized: int | None = None, **options: Any) -> ShopeeClient:
        options.setdefault("retry_policy", FAST_RETRIES)
        options.setdefault("timeout", 10.0)
        if authorized is not None:
            tokens = shopee.issue_tokens(authorized)
            options.update(shop_id=authorized, access_token=tokens["access_token"])
        app = options.pop("app", None) or partner_app(shopee)
        client = ShopeeClient(app, api_url=shopee.base_url, **options)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> ShopeeClient:
    """A client of the demo shop 7700001, authorized a moment ago."""
    return make_client(authorized=DEMO_SHOP)


@pytest.fixture
def push_receiver() -> Iterator[PushReceiver]:
    receiver = PushReceiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
