"""Clients of the Shopee sandbox for the loopback tests, and Shopee integrations of the hub.

The Shopee sandbox is served by the same loopback server as the Tokopedia one (the session's
``tokopedia_sandbox_server`` from ``tests/conftest.py``), under ``/shopee``; ``shopee`` resets
its Shopee half (world, tokens, clock, faults, limits) before each test. Retries back off in
milliseconds here (the policy is what is under test, not the defaults' patience); everything
else — signing, clock, budget, timeouts — is the client's real behaviour.

``shopee_account`` is a stored Shopee integration of the demo shop, with tokens the sandbox
issued a moment ago (the seller approved without the page: the web connect flow is tested on
its own), and the hub's ``SHOPEE_API_URL`` pointing at the sandbox. Tests using it need the
hub database (``pytest.mark.django_db``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.utils import timezone
from shopee_client_helpers import (
    DEMO_SHOP,
    FAST_RETRIES,
    ClientFactory,
    PushReceiver,
    partner_app,
)

from loopback_receiver import serving
from satustok.channels.models import ChannelAccount
from satustok.channels.shopee.client import ShopeeClient
from satustok.inventory.models import Warehouse

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
    with serving(PushReceiver()) as receiver:
        yield receiver


# --- Shopee integrations of the hub --------------------------------------------------------

MakeAccount = Callable[..., ChannelAccount]


@pytest.fixture
def shopee_hub(shopee: ShopeeControl, monkeypatch: pytest.MonkeyPatch) -> ShopeeControl:
    """The reset Shopee sandbox, with the hub's Shopee host pointing at it."""
    monkeypatch.setattr(settings, "SHOPEE_API_URL", shopee.base_url)
    return shopee


@pytest.fixture
def make_shopee_account(shopee_hub: ShopeeControl) -> MakeAccount:
    """``make_shopee_account(shop_id=…, expires_in=timedelta(…))``: the seller approves the app
    for the shop at the sandbox, and the hub stores the integration with the tokens issued
    (``expires_in`` is what the hub believes of the access token: a short one is "expiring")."""

    def make(
        shop_id: int = DEMO_SHOP, expires_in: timedelta = timedelta(hours=4)
    ) -> ChannelAccount:
        tokens = shopee_hub.issue_tokens(shop_id)
        now = timezone.now()
        warehouse, _ = Warehouse.objects.get_or_create(
            code="utama", defaults={"name": "Gudang Utama"}
        )
        return ChannelAccount.objects.create(
            channel="shopee",
            shop_id=str(shop_id),
            shop_name=shopee_hub.shop(shop_id)["shop_name"],
            app_id=str(shopee_hub.partner_id),
            client_id=str(shopee_hub.partner_id),
            client_secret=shopee_hub.partner_key,
            access_token=tokens["access_token"],
            token_expires_at=now + expires_in,
            refresh_token=tokens["refresh_token"],
            refresh_expires_at=now + timedelta(days=30),
            authorization_expires_at=now + timedelta(days=365),
            warehouse=warehouse,
        )

    return make


@pytest.fixture
def shopee_account(make_shopee_account: MakeAccount) -> ChannelAccount:
    """The demo shop 7700001, connected with a token valid for four hours."""
    return make_shopee_account()
