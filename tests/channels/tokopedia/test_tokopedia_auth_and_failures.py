"""Over loopback HTTP against the sandbox: the token, and every way a call can fail —
refused credentials, unlinked shops, 5xx, 429, timeouts, malformed bodies."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest

from satustok.channels.http.errors import (
    CredentialsRejected,
    MalformedPayload,
    NotAssociated,
    RateLimited,
    ServerError,
    Timeout,
)
from satustok.channels.http.retry import RetryPolicy
from satustok.channels.tokopedia.auth import AccessToken, Credentials

if TYPE_CHECKING:
    from conftest import ClientFactory, PlaceOrder
    from satustok.channels.tokopedia.client import TokopediaClient
    from satustok_sandbox.server import RunningSandbox

pytestmark = pytest.mark.dbless

SHOP = 480001


def group_stats(sandbox: RunningSandbox, group: str) -> dict[str, int]:
    return sandbox.stats()["groups"][group]


def token_calls(sandbox: RunningSandbox) -> int:
    return sandbox.stats()["token"]["calls"]


def test_the_token_is_fetched_lazily_once_and_reused(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    assert token_calls(tokopedia_sandbox) == 0  # constructing did nothing
    client.get_shop(SHOP)
    client.get_product_page(SHOP, 1)
    client.list_webhooks()
    assert token_calls(tokopedia_sandbox) == 1
    assert client.access_token() is client.access_token()


def test_a_persisted_token_seeds_the_next_client(
    make_client: ClientFactory, tokopedia_sandbox: RunningSandbox
) -> None:
    saved: list[AccessToken] = []
    make_client(on_token=saved.append).get_shop(SHOP)
    assert len(saved) == 1
    make_client(token=saved[0]).get_shop(SHOP)
    assert token_calls(tokopedia_sandbox) == 1


def test_tokens_expiring_mid_run_cost_one_refresh_and_the_run_completes(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    expected = len(tokopedia_sandbox.tokopedia.state.shop_products(SHOP))
    seen = 0
    for page in client.iter_product_pages(SHOP, per_page=20):
        seen += len(page.products)
        if page.page == 2:
            tokopedia_sandbox.set_faults(expire_tokens=True)
    assert seen == expected
    stats = tokopedia_sandbox.stats()
    assert stats["token"] == {"calls": 2, "issued": 2}
    assert stats["groups"]["product_info"]["statuses"].get("401") == 1


def test_a_wrong_secret_is_credentials_rejected_and_never_shown(
    make_client: ClientFactory, tokopedia_sandbox: RunningSandbox
) -> None:
    wrong = Credentials(15001, tokopedia_sandbox.app()["client_id"], "wrong-secret-123")
    with pytest.raises(CredentialsRejected) as raised:
        make_client(credentials=wrong).get_shop(SHOP)
    error = raised.value
    assert (error.status, error.error_code, error.endpoint) == (401, "invalid_client", "token")
    assert "wrong-secret-123" not in f"{error} {error!r} {error.body_excerpt}"
    assert token_calls(tokopedia_sandbox) == 1  # refused credentials are not retried


@pytest.mark.parametrize("shop_id", [480003, 480005])
def test_a_shop_not_linked_to_the_app_is_not_associated(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox, shop_id: int
) -> None:
    with pytest.raises(NotAssociated) as raised:
        client.get_shop(shop_id)
    assert (raised.value.status, raised.value.error_code) == (403, "RBAC_MDLW_001")
    assert "Official Store or Power Merchant" in str(raised.value)
    with pytest.raises(NotAssociated):
        client.get_product_page(shop_id, 1)
    assert group_stats(tokopedia_sandbox, "shop_info")["calls"] == 1  # fatal: not retried


def test_server_errors_are_retried_until_success(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    tokopedia_sandbox.set_faults(fail_next=2)
    assert client.get_shop(SHOP).shop_id == SHOP
    stats = group_stats(tokopedia_sandbox, "shop_info")
    assert (stats["calls"], stats["server_errors"]) == (3, 2)


def test_exhausted_retries_raise_the_server_error(
    make_client: ClientFactory, tokopedia_sandbox: RunningSandbox
) -> None:
    tokopedia_sandbox.set_faults(fail_next=10, error_status=503)
    policy = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)
    with pytest.raises(ServerError) as raised:
        make_client(retry_policy=policy).get_shop(SHOP)
    assert raised.value.status == 503
    assert raised.value.error_code == "SHP_API_006"
    assert group_stats(tokopedia_sandbox, "shop_info")["calls"] == 3


def test_a_burst_of_429s_is_waited_out_using_the_channels_hint(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    tokopedia_sandbox.set_faults(rate_limit_next=3)
    started = time.monotonic()
    assert len(client.get_product_page(SHOP, 1)) == 50
    stats = group_stats(tokopedia_sandbox, "product_info")
    assert (stats["calls"], stats["rate_limited"]) == (4, 3)
    # Reset-After is 1/rate = 0.05 s for product_info; each retry waited at least that.
    assert time.monotonic() - started >= 3 * 0.05


def test_429s_beyond_the_attempt_limit_raise_rate_limited_with_a_hint(
    make_client: ClientFactory, tokopedia_sandbox: RunningSandbox
) -> None:
    tokopedia_sandbox.set_faults(rate_limit_next=5)
    with pytest.raises(RateLimited) as raised:
        make_client(retry_policy=RetryPolicy(max_attempts=2, base_delay=0.01)).get_shop(SHOP)
    assert raised.value.status == 429
    assert raised.value.retry_after == pytest.approx(0.2)  # 1 / (5 req/s) for shop_info


def test_a_slow_read_times_out_and_is_retried_within_bounds(
    make_client: ClientFactory, tokopedia_sandbox: RunningSandbox
) -> None:
    client = make_client(
        timeout=httpx.Timeout(0.15), retry_policy=RetryPolicy(max_attempts=2, base_delay=0.01)
    )
    client.access_token()  # the token call is slowed down too
    tokopedia_sandbox.set_faults(latency_ms=400)
    with pytest.raises(Timeout) as raised:
        client.get_shop(SHOP)
    assert raised.value.ambiguous
    assert group_stats(tokopedia_sandbox, "shop_info")["calls"] == 2


def test_a_timed_out_accept_is_not_repeated_because_it_may_have_happened(
    make_client: ClientFactory, tokopedia_sandbox: RunningSandbox, place_order: PlaceOrder
) -> None:
    order = place_order()
    client = make_client(timeout=httpx.Timeout(0.15))
    client.access_token()
    tokopedia_sandbox.set_faults(latency_ms=300)
    with pytest.raises(Timeout):
        client.accept_order(order["order_id"])
    assert group_stats(tokopedia_sandbox, "order_action")["calls"] == 1
    time.sleep(0.3)  # the sandbox finishes the request the client gave up on...
    assert tokopedia_sandbox.order(order["order_id"])["order_status"] == 400  # ...and it counted


def test_a_malformed_product_page_names_the_field(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    tokopedia_sandbox.set_faults(malformed_next=1)
    with pytest.raises(MalformedPayload) as raised:
        client.get_product_page(SHOP, 1)
    assert str(raised.value).startswith("data[0].basic.productID: Input should be a valid integer")
    assert raised.value.endpoint == "product_info"
    assert group_stats(tokopedia_sandbox, "product_info")["calls"] == 1  # not retried
    assert len(client.get_product_page(SHOP, 1)) == 50  # the next answer is whole again


def test_malformed_orders_name_the_field(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    now = datetime.now(UTC)
    tokopedia_sandbox.set_faults(malformed_next=1)
    with pytest.raises(MalformedPayload, match=r"^data\[0\]\.order_id: Input should be a valid"):
        list(client.iter_orders(now - timedelta(days=3), now))
    order_id = next(iter(client.iter_orders(now - timedelta(days=3), now))).order_id
    tokopedia_sandbox.set_faults(malformed_next=1)
    with pytest.raises(MalformedPayload, match=r"^data\.order_status: Input should be a valid"):
        client.get_order(order_id=order_id)
