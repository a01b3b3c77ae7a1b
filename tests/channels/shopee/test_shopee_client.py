"""Over loopback HTTP against the Shopee sandbox: authorization and token rotation, reading the
catalogue (a page, base info, models), stock updates (applied, partly refused,
multi-warehouse), orders (windows over 15 days, details, cancel), and the errors a shop meets
(wrong key, stale clock, expired token, banned shop, rate limit)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import httpx
import pytest
from shopee_client_helpers import (
    BANNED_SHOP,
    DEMO_SHOP,
    TWO_WAREHOUSE_SHOP,
    ClientFactory,
    PushReceiver,
    api_stats,
)

from satustok.channels.http.errors import (
    ActionRejected,
    CredentialsRejected,
    FatalError,
    NotFound,
    RateLimited,
    ServerError,
    TokenExpired,
)
from satustok.channels.http.retry import RetryPolicy
from satustok.channels.shopee.client import (
    DEFAULT_ITEM_STATUSES,
    ORDER_WINDOW,
    PartnerApp,
    ShopeeClient,
)
from satustok.channels.shopee.errors import ClockSkew, ReauthorizationRequired, ShopBanned
from satustok.channels.shopee.schemas import parse_push
from satustok.channels.shopee.signing import verify_push

if TYPE_CHECKING:
    from satustok_sandbox.shopee.handle import ShopeeControl
    from satustok_sandbox.shopee.state import Item

pytestmark = pytest.mark.dbless


def shop_items(shopee: ShopeeControl, shop_id: int = DEMO_SHOP) -> dict[int, Item]:
    """The sandbox's own items of a shop, by id (white box: what the API should list)."""
    state = shopee.sandbox.state
    return {i.item_id: i for i in state.items.values() if i.shop_id == shop_id}


def plain_item_id(shopee: ShopeeControl) -> int:
    """A listed item without models, in stock, that no promotion holds stock for."""
    return next(
        item.item_id
        for item in shop_items(shopee).values()
        if item.item_status == "NORMAL"
        and not item.has_model
        and not item.total_reserved
        and item.total_stock > 3
    )


# --- authorization and tokens ----------------------------------------------------------------


def test_the_authorization_link_is_accepted(
    make_client: ClientFactory, shopee: ShopeeControl
) -> None:
    url = make_client().authorization_url("https://hub.example/shopee/callback")
    page = httpx.get(url, timeout=10)
    assert page.status_code == 200 and "Confirm Authorization" in page.text


def test_a_code_is_exchanged_for_tokens_once(
    make_client: ClientFactory, shopee: ShopeeControl
) -> None:
    partner = make_client()
    code = shopee.authorize(DEMO_SHOP)["code"]
    tokens = partner.fetch_tokens(code, DEMO_SHOP)
    now = datetime.now(UTC)
    assert tokens.shop_id == DEMO_SHOP
    assert now + timedelta(hours=3, minutes=55) < tokens.expires_at <= now + timedelta(hours=4)
    shop = make_client(shop_id=DEMO_SHOP, access_token=tokens.access_token).get_shop_info()
    assert (shop.shop_name, shop.region, shop.is_open) == ("Demo Shopee Store", "ID", True)
    with pytest.raises(ReauthorizationRequired) as again:
        partner.fetch_tokens(code, DEMO_SHOP)
    assert again.value.error_code == "invalid_code" and code not in str(again.value)


def test_refreshing_rotates_the_pair_and_the_old_refresh_token_is_refused(
    make_client: ClientFactory, shopee: ShopeeControl
) -> None:
    first = shopee.issue_tokens(DEMO_SHOP)
    partner = make_client()
    second = partner.refresh_tokens(first["refresh_token"], DEMO_SHOP)
    assert second.refresh_token != first["refresh_token"]
    assert second.access_token != first["access_token"]
    shop_client = make_client(shop_id=DEMO_SHOP, access_token=first["access_token"])
    shop_client.with_access_token(second.access_token)
    assert shop_client.get_shop_info().shop_name == "Demo Shopee Store"

    with pytest.raises(ReauthorizationRequired) as spent:
        partner.refresh_tokens(first["refresh_token"], DEMO_SHOP)
    assert first["refresh_token"] not in spent.value.body_excerpt + str(spent.value)
    third = partner.refresh_tokens(second.refresh_token, DEMO_SHOP)
    assert third.refresh_token not in (first["refresh_token"], second.refresh_token)
    uses = shopee.refresh_token_uses()
    assert uses["uses"][first["refresh_token"]] == 2 and len(uses["reused"]) == 1


def test_a_refresh_that_failed_on_shopee_is_not_sent_again(
    make_client: ClientFactory, shopee: ShopeeControl
) -> None:
    tokens = shopee.issue_tokens(DEMO_SHOP)
    shopee.set_faults(forced={"auth/access_token/get": {"error": "error_inner", "count": 1}})
    with pytest.raises(ServerError):
        make_client().refresh_tokens(tokens["refresh_token"], DEMO_SHOP)
    assert api_stats(shopee, "auth/access_token/get")["calls"] == 1


def test_an_expired_access_token_asks_for_a_refresh(
    client: ShopeeClient, make_client: ClientFactory, shopee: ShopeeControl
) -> None:
    shopee.advance_clock(4 * 3600 + 60)
    with pytest.raises(TokenExpired) as expired:
        client.get_shop_info()
    assert expired.value.error_code == "error_auth"
    assert api_stats(shopee, "shop/get_shop_info")["calls"] == 1  # refused, not retried


def test_a_wrong_partner_key_is_a_wrong_sign(
    make_client: ClientFactory, shopee: ShopeeControl
) -> None:
    wrong = PartnerApp(shopee.partner_id, "not-the-partner-key")
    # Wrong keys are credentials refused (reconnect), never a token to refresh.
    with pytest.raises(CredentialsRejected) as refused:
        make_client(app=wrong).refresh_tokens("whatever-refresh-token", DEMO_SHOP)
    assert refused.value.error_code == "error_sign"
    assert "not-the-partner-key" not in refused.value.body_excerpt
    tokens = shopee.issue_tokens(DEMO_SHOP)
    shop_client = make_client(app=wrong, shop_id=DEMO_SHOP, access_token=tokens["access_token"])
    with pytest.raises(CredentialsRejected, match="partner key"):
        shop_client.get_models(1)


def test_a_clock_far_behind_is_told_apart(make_client: ClientFactory) -> None:
    late = make_client(authorized=DEMO_SHOP, clock=lambda: time.time() - 3600)
    with pytest.raises(ClockSkew, match="clock"):
        late.get_shop_info()


def test_a_banned_shop_reads_as_closed(make_client: ClientFactory) -> None:
    banned = make_client(authorized=BANNED_SHOP)
    assert not banned.get_shop_info().is_open  # shop info still answers
    with pytest.raises(ShopBanned):
        banned.get_item_page(0)


def test_pushes_to_the_registered_url_verify_and_parse(
    client: ShopeeClient, shopee: ShopeeControl, push_receiver: PushReceiver
) -> None:
    client.set_push_config(push_receiver.url, [3, 8])
    config = shopee.control("GET", "push_config")
    assert config["callback_url"] == push_receiver.url
    assert {3, 8} <= set(config["push_config_on_list"])

    item_id = plain_item_id(shopee)
    order = shopee.place_order(DEMO_SHOP, [{"item_id": item_id, "quantity": 1}])
    client.cancel_order(order["order_sn"], "CUSTOMER_REQUEST")
    statuses: list[str] = []
    deadline = time.monotonic() + 5
    while "CANCELLED" not in statuses and time.monotonic() < deadline:
        pushes = [parse_push(body) for _, body in push_receiver.wait_for(1)]
        statuses = [
            change.status
            for push in pushes
            if (change := push.order_status()) and change.order_sn == order["order_sn"]
        ]
    assert "CANCELLED" in statuses
    for headers, body in push_receiver.received:
        signature = headers.get("Authorization")
        assert verify_push(shopee.partner_key, push_receiver.url, body, signature)
        assert not verify_push("another-key", push_receiver.url, body, signature)
    reserved = [
        push.reserved_stock() for push in map(parse_push, (b for _, b in push_receiver.received))
    ]
    assert any(change and change.item_id == item_id for change in reserved)


# --- catalogue ---------------------------------------------------------------------------------


def test_a_page_is_one_call_with_its_own_offset(client: ShopeeClient) -> None:
    first = client.get_item_page(0, 10, ("NORMAL",))
    second = client.get_item_page(first.next_offset, 10, ("NORMAL",))
    assert first.has_next_page and len(first.item) == 10
    assert not set(first.item_ids) & set(second.item_ids)


def test_base_info_and_models_match_the_sandbox(
    client: ShopeeClient, shopee: ShopeeControl
) -> None:
    ids = [
        item_id
        for item_id, item in shop_items(shopee).items()
        if item.item_status in DEFAULT_ITEM_STATUSES
    ]
    items = client.get_items(ids)
    assert [item.item_id for item in items] == ids
    assert api_stats(shopee, "product/get_item_base_info")["calls"] == -(-len(ids) // 50)
    plain = next(item for item in items if not item.has_model and item.item_sku)
    view = shopee.item(plain.item_id)
    assert (plain.item_sku, plain.seller_stock, plain.price) == (
        view["item_sku"],
        view["stock"],
        view["price"],
    )
    with_models = [item for item in items if item.has_model]
    assert with_models and all(item.price is None for item in with_models)
    models = client.get_models(with_models[0].item_id)
    model_view = {m["model_id"]: m for m in shopee.item(with_models[0].item_id)["models"]}
    assert {m.model_id for m in models.model} == set(model_view)
    for model in models.model:
        assert model.seller_stock == model_view[model.model_id]["stock"]
        assert len(model.option_names(models.tier_variation)) == len(models.tier_variation)


def test_unknown_items_are_left_out_and_an_unknown_item_has_no_models(
    client: ShopeeClient,
) -> None:
    assert client.get_items([123456789]) == []
    with pytest.raises(NotFound):
        client.get_models(123456789)


# --- stock ---------------------------------------------------------------------------------------


def test_update_stock_of_an_item_without_models(
    client: ShopeeClient, shopee: ShopeeControl
) -> None:
    (item,) = client.get_items([plain_item_id(shopee)])
    result = client.update_stock(item.item_id, [(0, 17)])
    assert [(row.model_id, row.stock) for row in result.success_list] == [(0, 17)]
    assert result.failure_list == []
    assert shopee.item(item.item_id)["stock"] == 17
    assert client.get_items([item.item_id])[0].seller_stock == 17


def test_update_stock_partly_refused(client: ShopeeClient, shopee: ShopeeControl) -> None:
    item = next(
        i for i in client.get_items(shop_items(shopee)) if i.has_model and i.item_status == "NORMAL"
    )
    model = client.get_models(item.item_id).model[0]
    result = client.update_stock(item.item_id, [(model.model_id, 9), (999, 5)])
    assert [row.model_id for row in result.success_list] == [model.model_id]
    assert [(row.model_id, row.failed_reason) for row in result.failure_list] == [
        (999, "Wrong model_id.")
    ]
    assert shopee.model_stock(item.item_id, model.model_id)["stock"] == 9


def test_update_stock_refused_for_every_model_still_answers_per_model(
    client: ShopeeClient, shopee: ShopeeControl
) -> None:
    # An item a promotion holds stock for: its stock may not go below that.
    promoted = next(
        item_id
        for item_id, item in shop_items(shopee).items()
        if item.reserved_stock and not item.has_model
    )
    (reserved,) = client.get_items([promoted])
    before = shopee.item(reserved.item_id)["stock"]
    result = client.update_stock(reserved.item_id, [(0, 0)])
    assert result.success_list == []
    assert [row.model_id for row in result.failure_list] == [0]
    assert "reserved" in result.failure_list[0].failed_reason
    assert shopee.item(reserved.item_id)["stock"] == before


def test_a_two_warehouse_shop_needs_a_location(
    make_client: ClientFactory, shopee: ShopeeControl
) -> None:
    client = make_client(authorized=TWO_WAREHOUSE_SHOP)
    item = client.get_items(shop_items(shopee, TWO_WAREHOUSE_SHOP))[0]
    with pytest.raises(ActionRejected, match="location"):
        client.update_stock(item.item_id, [(0, 3)])
    assert item.stock_info_v2 is not None
    locations = [row.location_id for row in item.stock_info_v2.seller_stock]
    result = client.update_stock(item.item_id, [(0, 3)], location_id=locations[1])
    assert [(r.location_id, r.stock) for r in result.success_list] == [(locations[1], 3)]
    assert shopee.item(item.item_id)["seller_stock"][locations[1]] == 3


def test_update_stock_of_an_unknown_item_raises(client: ShopeeClient) -> None:
    with pytest.raises(NotFound):
        client.update_stock(123456789, [(0, 1)])


def test_update_price(client: ShopeeClient, shopee: ShopeeControl) -> None:
    (item,) = client.get_items([plain_item_id(shopee)])
    result = client.update_price(item.item_id, [(0, 123000)])
    assert [(r.model_id, r.original_price) for r in result.success_list] == [(0, 123000.0)]
    assert shopee.item(item.item_id)["price"] == 123000
    refused = client.update_price(item.item_id, [(0, 50)])  # below Shopee's minimum
    assert [r.model_id for r in refused.failure_list] == [0]


# --- orders --------------------------------------------------------------------------------------


def test_a_range_longer_than_15_days_is_read_in_windows(
    client: ShopeeClient, shopee: ShopeeControl
) -> None:
    seeded = {o.order_sn for o in shopee.sandbox.state.orders.values() if o.shop_id == DEMO_SHOP}
    # 20 days later, a new order: the range now spans more than one window.
    shopee.advance_clock(20 * 86400)
    item_id = plain_item_id(shopee)
    placed = shopee.place_order(DEMO_SHOP, [{"item_id": item_id, "quantity": 1}])
    client.with_access_token(shopee.issue_tokens(DEMO_SHOP)["access_token"])  # 4 h went by
    real_now = datetime.now(UTC)
    orders = list(
        client.iter_order_sns(real_now - timedelta(days=15), real_now + timedelta(days=21))
    )
    found = [order.order_sn for order in orders]
    assert len(found) == len(set(found))
    assert set(found) == seeded | {placed["order_sn"]}
    assert all(order.order_status for order in orders)
    # 36 days in three windows of one page each; the sandbox refuses any window over 15 days.
    stats = api_stats(shopee, "order/get_order_list")
    assert stats["calls"] == 3 and not stats["errors"]


def test_order_windows_are_never_longer_than_15_days() -> None:
    assert timedelta(0) < ORDER_WINDOW <= timedelta(days=15)


def test_order_pages_follow_the_cursor(client: ShopeeClient, shopee: ShopeeControl) -> None:
    now = datetime.now(UTC)
    small = list(client.iter_order_sns(now - timedelta(days=12), now, page_size=2))
    whole = list(client.iter_order_sns(now - timedelta(days=12), now))
    assert [o.order_sn for o in small] == [o.order_sn for o in whole] and len(whole) == 13
    assert api_stats(shopee, "order/get_order_list")["calls"] == 7 + 1


def test_order_details_carry_their_lines(client: ShopeeClient, shopee: ShopeeControl) -> None:
    now = datetime.now(UTC)
    sns = [o.order_sn for o in client.iter_order_sns(now - timedelta(days=12), now)]
    details = client.get_orders(sns)
    assert {d.order_sn for d in details} == set(sns)
    for detail in details:
        summary = shopee.order(detail.order_sn)
        assert detail.order_status == summary["order_status"]
        assert detail.total_amount == summary["total_amount"]
        assert detail.buyer_username
        lines = sorted(
            (line.item_id, line.model_id, line.model_quantity_purchased)
            for line in detail.item_list
        )
        assert lines == sorted(
            (row["item_id"], row["model_id"], row["quantity"]) for row in summary["lines"]
        )
    assert client.get_orders(["NO-SUCH-ORDER"]) == []


def test_cancelling_an_order(client: ShopeeClient, shopee: ShopeeControl) -> None:
    item_id = plain_item_id(shopee)
    order = shopee.place_order(DEMO_SHOP, [{"item_id": item_id, "quantity": 1}])
    client.cancel_order(order["order_sn"], "OUT_OF_STOCK", [(item_id, 0)])
    cancelled = shopee.order(order["order_sn"])
    assert (cancelled["order_status"], cancelled["cancel_by"]) == ("CANCELLED", "seller")
    (detail,) = client.get_orders([order["order_sn"]])
    assert detail.order_status == "CANCELLED"
    with pytest.raises(FatalError):
        client.cancel_order(order["order_sn"], "CUSTOMER_REQUEST")
    assert api_stats(shopee, "order/cancel_order")["calls"] == 2


# --- rate limiting -------------------------------------------------------------------------------


def test_rate_limited_calls_are_retried_after_the_hint(
    client: ShopeeClient, shopee: ShopeeControl
) -> None:
    shopee.set_rate_limit(rate=5, burst=2)
    for _ in range(4):
        assert client.get_shop_info().shop_name
    assert api_stats(shopee, "shop/get_shop_info")["errors"].get("error_rate_limit", 0) >= 1


def test_rate_limiting_without_retries_raises(
    make_client: ClientFactory, shopee: ShopeeControl
) -> None:
    impatient = make_client(authorized=DEMO_SHOP, retry_policy=RetryPolicy(max_attempts=1))
    shopee.set_faults(rate_limit_next=1)
    with pytest.raises(RateLimited) as limited:
        impatient.get_shop_info()
    assert limited.value.retry_after == 1.0 and limited.value.request_id
