"""The TikTok Shop client against the TikTok Shop sandbox over real loopback HTTP: the grant and
its rotation, shops and ciphers, product pages by cursor in both versions, stock and price
updates (with per-SKU refusals), orders, seller cancels, webhook registration and a signed
delivery, and the failures the hub acts on — a wrong secret, throttling, an expired token, a
revoked grant, a stale clock. Only the three base URLs differ from the real TikTok Shop."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from tiktokshop_client_helpers import DEMO_SHOP, ClientFactory, WebhookReceiver, api_calls

from satustok.channels.http.errors import CredentialsRejected, FatalError, TokenExpired
from satustok.channels.tiktokshop.client import (
    AppCredentials,
    SkuPrice,
    SkuStock,
    TikTokShopClient,
)
from satustok.channels.tiktokshop.errors import (
    ClockSkew,
    ReauthorizationRequired,
    SignatureRejected,
)
from satustok.channels.tiktokshop.schemas import Product, parse_webhook
from satustok.channels.tiktokshop.signing import WEBHOOK_SIGNATURE_HEADER, verify_webhook

if TYPE_CHECKING:
    from satustok_sandbox.tiktokshop.handle import TikTokShopControl

pytestmark = pytest.mark.dbless

SEVEN_DAYS = timedelta(days=7)


def _window(tiktokshop: TikTokShopControl) -> tuple[datetime, datetime]:
    """A window around the sandbox's clock (orders are stamped with it, not with ours)."""
    now = datetime.fromtimestamp(tiktokshop.now(), UTC)
    return now - timedelta(minutes=5), now + timedelta(minutes=5)


def _stocked_sku(client: TikTokShopClient) -> tuple[Product, str]:
    """An active product and one of its SKUs with stock, from the first page."""
    for product in client.search_products(status="ACTIVATE").products:
        for sku in product.skus:
            if sku.available >= 3 and sku.inventory:
                return product, sku.id
    raise AssertionError("the demo shop has no active SKU with stock")


# --- the grant -----------------------------------------------------------------------------------


def test_the_seller_s_code_becomes_a_token_pair_once(
    make_client: ClientFactory, tiktokshop: TikTokShopControl
) -> None:
    approved = tiktokshop.authorize()
    app_only = make_client()
    tokens = app_only.get_token(approved["code"])
    sandbox_now = datetime.fromtimestamp(tiktokshop.now(), UTC)
    assert tokens.open_id == approved["open_id"] and tokens.seller_base_region == "ID"
    assert abs(tokens.access_expires_at - (sandbox_now + SEVEN_DAYS)) < timedelta(minutes=1)
    assert tokens.refresh_expires_at > tokens.access_expires_at
    assert "seller.product.basic" in tokens.granted_scopes
    with pytest.raises(ReauthorizationRequired):
        app_only.get_token(approved["code"])  # single use


def test_the_authorization_link_opens_the_sandbox_s_page(
    make_client: ClientFactory, tiktokshop: TikTokShopControl
) -> None:
    assert make_client().authorization_url("csrf-123") == tiktokshop.authorize_url("csrf-123")


def test_a_refresh_rotates_both_tokens_and_spends_the_old_one(
    make_client: ClientFactory, seller: dict[str, Any]
) -> None:
    app_only = make_client()
    fresh = app_only.refresh_token(seller["refresh_token"])
    assert fresh.access_token != seller["access_token"]
    assert fresh.refresh_token != seller["refresh_token"]
    shops = make_client(access_token=fresh.access_token).authorized_shops()
    assert [shop.id for shop in shops] == [DEMO_SHOP]
    with pytest.raises(ReauthorizationRequired):
        app_only.refresh_token(seller["refresh_token"])


def test_the_authorized_shops_carry_their_cipher(
    make_client: ClientFactory, seller: dict[str, Any], tiktokshop: TikTokShopControl
) -> None:
    (shop,) = make_client(access_token=seller["access_token"]).authorized_shops()
    listed = tiktokshop.shop(DEMO_SHOP)
    assert (shop.id, shop.cipher, shop.region) == (DEMO_SHOP, listed["cipher"], "ID")
    assert shop.name == listed["name"] and shop.seller_type == "LOCAL"


# --- products ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["202309", "202502"])
def test_products_are_paged_by_cursor(client: TikTokShopClient, version: str) -> None:
    first = client.search_products(page_size=5, version=version)
    pages, token = [first], first.next_page_token
    while token:
        pages.append(client.search_products(token, 5, version=version))
        token = pages[-1].next_page_token
    ids = [product.id for page in pages for product in page.products]
    assert len(pages) > 1 and len(ids) == len(set(ids)) == first.total_count
    skus = [sku for page in pages for product in page.products for sku in product.skus]
    assert all(sku.price is not None and sku.price.currency == "IDR" for sku in skus)
    if version == "202502":  # the Tokopedia storefront and the SKU status only exist there
        assert all(p.integrated_platform_statuses for page in pages for p in page.products)
        assert all(sku.status_info is not None for sku in skus)


def test_products_listed_on_tokopedia(client: TikTokShopClient) -> None:
    every = client.search_products(version="202502").total_count
    tokopedia = client.search_products(version="202502", listing_platforms=["TOKOPEDIA"]).products
    assert 0 < len(tokopedia) <= every
    assert all(p.platform_status("TOKOPEDIA") is not None for p in tokopedia)


def test_a_product_its_warehouses_and_inventory(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    listed, sku_id = _stocked_sku(client)
    product = client.get_product(listed.id)
    assert product.id == listed.id and [s.id for s in product.skus] == [s.id for s in listed.skus]
    warehouses = client.warehouses()
    seeded = {w["id"] for w in tiktokshop.shop(DEMO_SHOP)["warehouses"]}
    assert {w.id for w in warehouses} == seeded and any(w.is_default for w in warehouses)
    (by_product,) = client.search_inventory(product_ids=[product.id])
    (by_sku,) = client.search_inventory(sku_ids=[sku_id])
    assert by_product.product_id == by_sku.product_id == product.id
    (row,) = [s for s in by_product.skus if s.id == sku_id]
    sku = next(s for s in product.skus if s.id == sku_id)
    assert row.total_available_quantity == sku.available
    assert by_sku.skus[0].id == sku_id


# --- stock and prices ----------------------------------------------------------------------------


def test_an_inventory_update_sets_absolute_quantities(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    product, sku_id = _stocked_sku(client)
    sku = next(s for s in product.skus if s.id == sku_id)
    levels = [SkuStock(sku_id, 40 + n, row.warehouse_id) for n, row in enumerate(sku.inventory)]
    result = client.update_inventory(product.id, levels)
    assert result.ok
    again = client.update_inventory(product.id, levels)  # absolute: the same outcome twice
    assert again.ok
    on_sandbox = tiktokshop.sku(sku_id)["warehouses"]
    for level in levels:
        assert on_sandbox[level.warehouse_id]["available"] == level.quantity


def test_an_inventory_update_reports_per_sku_refusals(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    product, sku_id = _stocked_sku(client)
    sku = next(s for s in product.skus if s.id == sku_id)
    good = [SkuStock(sku_id, 11, row.warehouse_id) for row in sku.inventory]
    stranger = "1729999999999999999"
    result = client.update_inventory(product.id, [*good, SkuStock(stranger, 5)])
    assert result.failed_sku_ids == {stranger}
    assert result.errors[0].code and result.errors[0].message


def test_a_price_update(client: TikTokShopClient) -> None:
    product, sku_id = _stocked_sku(client)
    assert client.update_prices(product.id, [SkuPrice(sku_id, 123_000)]).ok
    updated = next(s for s in client.get_product(product.id).skus if s.id == sku_id)
    assert updated.price is not None and updated.price.amount == 123_000


# --- orders --------------------------------------------------------------------------------------


def test_an_order_is_found_by_update_time_and_read_in_detail(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    _product, sku_id = _stocked_sku(client)
    placed = tiktokshop.place_order(DEMO_SHOP, [{"sku_id": sku_id, "quantity": 2}])
    found = [order for order in client.iter_orders(_window(tiktokshop), page_size=2)]
    assert placed["id"] in [order.id for order in found]
    assert len({order.id for order in found}) == len(found)
    (detail,) = client.get_orders([placed["id"]])
    assert detail.status == placed["status"] and detail.commerce_platform == "TIKTOK_SHOP"
    assert detail.units_by_sku() == {sku_id: 2}  # one line item per unit
    assert detail.payment is not None and detail.payment.total_amount
    # _lt is exclusive: a window ending at the order's update time leaves it out.
    edge = datetime.fromtimestamp(detail.update_time or 0, UTC)
    before = client.search_orders((edge - timedelta(hours=1), edge)).orders
    assert placed["id"] not in [order.id for order in before]


def test_a_seller_cancel_is_done_once(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    _product, sku_id = _stocked_sku(client)
    placed = tiktokshop.place_order(DEMO_SHOP, [{"sku_id": sku_id, "quantity": 1}])
    cancelled = client.cancel_order(placed["id"], "seller_cancel_reason_out_of_stock")
    assert cancelled.cancel_id and cancelled.cancel_status.startswith("CANCELLATION_REQUEST")
    (order,) = client.get_orders([placed["id"]])
    assert order.status == "CANCELLED" and order.cancellation_initiator == "SELLER"
    calls = api_calls(tiktokshop, "return_refund/202309/cancellations")
    with pytest.raises(FatalError):
        client.cancel_order(placed["id"], "seller_cancel_reason_out_of_stock")
    assert api_calls(tiktokshop, "return_refund/202309/cancellations") == calls + 1


# --- webhooks ------------------------------------------------------------------------------------


def test_a_registered_webhook_receives_signed_order_changes(
    client: TikTokShopClient,
    tiktokshop: TikTokShopControl,
    webhook_receiver: WebhookReceiver,
) -> None:
    client.register_webhook(webhook_receiver.url, "ORDER_STATUS_CHANGE")
    (registered,) = client.list_webhooks()
    assert (registered.event_type, registered.address) == (
        "ORDER_STATUS_CHANGE",
        webhook_receiver.url,
    )
    _product, sku_id = _stocked_sku(client)
    placed = tiktokshop.place_order(DEMO_SHOP, [{"sku_id": sku_id, "quantity": 1}])
    tiktokshop.cancel_order_as_buyer(placed["id"])

    def is_cancel(body: bytes) -> bool:
        change = parse_webhook(body).order_status_change()
        return (
            change is not None
            and change.order_id == placed["id"]
            and change.order_status == "CANCEL"
        )

    received = webhook_receiver.wait_for_body(is_cancel)
    assert any(is_cancel(body) for _, body in received), received
    for headers, body in received:
        signature = next(
            v for k, v in headers.items() if k.lower() == WEBHOOK_SIGNATURE_HEADER.lower()
        )
        assert verify_webhook(tiktokshop.app_key, tiktokshop.app_secret, body, signature)
        assert not verify_webhook(tiktokshop.app_key, "wrong-secret", body, signature)
        envelope = parse_webhook(body)
        assert envelope.shop_id == DEMO_SHOP and envelope.tts_notification_id


# --- failures the hub acts on --------------------------------------------------------------------


def test_a_wrong_app_secret_is_a_signature_refusal(
    make_client: ClientFactory, seller: dict[str, Any], tiktokshop: TikTokShopControl
) -> None:
    wrong = AppCredentials(tiktokshop.app_key, "not-the-app-secret", tiktokshop.service_id)
    cipher = seller["shops"][0]["cipher"]
    client = make_client(app=wrong, access_token=seller["access_token"], shop_cipher=cipher)
    before = api_calls(tiktokshop, "logistics/202309/warehouses")
    with pytest.raises(SignatureRejected) as raised:
        client.warehouses()
    assert raised.value.status == 401 and raised.value.error_code == "106001"
    assert api_calls(tiktokshop, "logistics/202309/warehouses") == before + 1  # not retried
    with pytest.raises(CredentialsRejected):
        make_client(app=wrong).refresh_token(seller["refresh_token"])
    stranger = AppCredentials("unknown-app-key", tiktokshop.app_secret)
    with pytest.raises(CredentialsRejected) as unknown:
        make_client(app=stranger, access_token=seller["access_token"]).authorized_shops()
    assert not isinstance(unknown.value, SignatureRejected)


def test_throttling_is_retried_after_the_retry_after_hint(
    make_client: ClientFactory, seller: dict[str, Any], tiktokshop: TikTokShopControl
) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    cipher = seller["shops"][0]["cipher"]
    client = make_client(access_token=seller["access_token"], shop_cipher=cipher, sleep=sleep)
    tiktokshop.set_faults(rate_limit_next=1)
    assert client.warehouses()
    assert waits and waits[0] >= 1.0  # the sandbox's Retry-After: 1
    assert api_calls(tiktokshop, "logistics/202309/warehouses") == 2


def test_an_expired_access_token_asks_for_a_refresh(
    client: TikTokShopClient,
    make_client: ClientFactory,
    seller: dict[str, Any],
    tiktokshop: TikTokShopControl,
) -> None:
    tiktokshop.expire_access_tokens()
    with pytest.raises(TokenExpired) as raised:
        client.warehouses()
    assert raised.value.error_code == "105002"
    fresh = make_client().refresh_token(seller["refresh_token"])
    client.with_access_token(fresh.access_token)
    assert client.warehouses()


def test_a_revoked_grant_ends_the_authorization(
    client: TikTokShopClient,
    make_client: ClientFactory,
    seller: dict[str, Any],
    tiktokshop: TikTokShopControl,
) -> None:
    tiktokshop.revoke()
    with pytest.raises(ReauthorizationRequired):
        make_client().refresh_token(seller["refresh_token"])


def test_a_stale_clock_is_named(client: TikTokShopClient, tiktokshop: TikTokShopControl) -> None:
    tiktokshop.set_faults(strict_clock=True)
    tiktokshop.advance_clock(3600)
    with pytest.raises(ClockSkew):
        client.warehouses()


def test_every_answer_has_a_request_id(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    with pytest.raises(FatalError) as raised:
        client.get_product("1729999999999999999")
    assert raised.value.request_id and raised.value.error_code
    assert json.dumps(raised.value.body_excerpt)  # a plain string, redacted
