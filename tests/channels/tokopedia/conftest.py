"""Clients of the Tokopedia sandbox for the loopback tests.

Retries back off in milliseconds here (the policy is what is under test, not the defaults'
patience); everything else — clock, sleep, budget, timeouts — is the client's real behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from satustok.channels.http.retry import RetryPolicy
from satustok.channels.tokopedia.auth import Credentials
from satustok.channels.tokopedia.client import TokopediaClient

if TYPE_CHECKING:
    from satustok_sandbox.server import RunningSandbox

FAST_RETRIES = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.2, max_elapsed=10.0)
ClientFactory = Callable[..., TokopediaClient]
PlaceOrder = Callable[..., dict[str, Any]]


def credentials_of(sandbox: RunningSandbox, fs_id: int = 15001) -> Credentials:
    app = sandbox.app(fs_id)
    return Credentials(app["fs_id"], app["client_id"], app["client_secret"])


@pytest.fixture
def make_client(tokopedia_sandbox: RunningSandbox) -> Iterator[ClientFactory]:
    """Build clients of the (reset) sandbox; all are closed after the test."""
    made: list[TokopediaClient] = []

    def build(sandbox: RunningSandbox | None = None, **options: Any) -> TokopediaClient:
        target = sandbox or tokopedia_sandbox
        options.setdefault("credentials", credentials_of(target))
        options.setdefault("retry_policy", FAST_RETRIES)
        options.setdefault("timeout", httpx.Timeout(10.0))
        client = TokopediaClient(
            options.pop("credentials"),
            accounts_url=target.accounts_url,
            api_url=target.api_url,
            **options,
        )
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> TokopediaClient:
    """A client of app 15001 against the rate-limited demo sandbox."""
    return make_client()


def orderable_product_ids(sandbox: RunningSandbox, shop_id: int) -> list[int]:
    """Active, in-stock, sellable (not parent) products of a shop, by id."""
    products = sandbox.tokopedia.state.shop_products(shop_id)
    return [p.product_id for p in products if p.status == 1 and p.stock > 5 and not p.is_parent]


@pytest.fixture
def place_order(tokopedia_sandbox: RunningSandbox) -> PlaceOrder:
    """Place a paid order (220) for one unit of an orderable product of 480001."""

    def place(index: int = 0, shop_id: int = 480001) -> dict[str, Any]:
        product_id = orderable_product_ids(tokopedia_sandbox, shop_id)[index]
        return tokopedia_sandbox.place_order(shop_id, [{"product_id": product_id, "quantity": 1}])

    return place
