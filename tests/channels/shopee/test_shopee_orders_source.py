"""Shopee orders through the order source, over loopback HTTP against the sandbox: the status
table, orders over a time range and one by one (lines named like the listings), rejecting
(cancel_order), and pushes — registered, delivered by the sandbox, verified and parsed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from shopee_client_helpers import DEMO_SHOP

from satustok.channels.http.errors import ActionRejected, MalformedPayload, NotFound
from satustok.channels.protocol import OrderStatus, Rejection, UnknownOrderStatus, unit_pages
from satustok.channels.shopee.adapter import ShopeeConnector
from satustok.channels.shopee.orders import (
    REJECT_REASONS,
    STATUS_TABLE,
    ShopeeOrders,
    unified,
)
from satustok.orders.models import DeliveryStatus, Order, WebhookDelivery
from satustok.orders.registration import webhook_url
from satustok.orders.source import order_source
from satustok.orders.status import HOLDING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from shopee_client_helpers import PushReceiver

    from satustok.channels.models import ChannelAccount
    from satustok_sandbox.shopee.handle import ShopeeControl

FAMILY, RED = 20000100037, 90000200001
SINGLE = 20000100001
SANDBOX_STATUSES = (
    "UNPAID",
    "READY_TO_SHIP",
    "PROCESSED",
    "RETRY_SHIP",
    "SHIPPED",
    "TO_CONFIRM_RECEIVE",
    "COMPLETED",
    "IN_CANCEL",
    "CANCELLED",
    "TO_RETURN",
)


@pytest.fixture
def orders(shopee_account: ChannelAccount) -> Iterator[ShopeeOrders]:
    source = ShopeeConnector().orders(shopee_account)
    yield source
    source.close()


def place(shopee: ShopeeControl, status: str = "READY_TO_SHIP") -> dict[str, Any]:
    lines = [
        {"item_id": FAMILY, "model_id": RED, "quantity": 2},
        {"item_id": SINGLE, "model_id": 0, "quantity": 1},
    ]
    return shopee.place_order(DEMO_SHOP, lines, status=status, buyer_username="budi.s")


# --- the status table (no hub database) ---------------------------------------------------------


def test_every_sandbox_status_is_in_the_table_and_moves_forward() -> None:
    assert set(SANDBOX_STATUSES) <= set(STATUS_TABLE)
    happy_path = ["UNPAID", "READY_TO_SHIP", "PROCESSED", "SHIPPED", "TO_CONFIRM_RECEIVE"]
    ranks = [unified(status)[1] for status in [*happy_path, "COMPLETED", "TO_RETURN"]]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert unified("CANCELLED") == (OrderStatus.CANCELLED, max(r for _, r in STATUS_TABLE.values()))
    assert [unified(s)[0] for s in happy_path] == [
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.OPEN,
        OrderStatus.READY_TO_SHIP,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    ]


def test_a_cancellation_request_keeps_holding_stock_until_shopee_cancels() -> None:
    status, rank = unified("IN_CANCEL")
    assert status in HOLDING
    assert unified("READY_TO_SHIP")[1] < rank < unified("PROCESSED")[1]
    assert unified("RETRY_SHIP")[0] in HOLDING


def test_an_unknown_status_is_refused_not_guessed() -> None:
    with pytest.raises(UnknownOrderStatus):
        unified("TELEPORTED")


# --- reading orders -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_orders_between_reads_the_seeded_orders_whole(
    orders: ShopeeOrders, shopee_hub: ShopeeControl
) -> None:
    until = datetime.now(UTC) + timedelta(minutes=1)
    since = until - timedelta(days=10)
    found = {order.external_id: order for order in orders.orders_between(since, until)}
    seeded = {
        sn: order
        for sn, order in shopee_hub.sandbox.state.orders.items()
        if order.shop_id == DEMO_SHOP
    }
    assert set(found) == set(seeded) and len(found) == 13
    for sn, order in found.items():
        expected = seeded[sn]
        assert order.channel_status == expected.status
        # A buyer's cancellation request keeps the order where it stood (here: not arranged).
        where = "READY_TO_SHIP" if expected.status == "IN_CANCEL" else expected.status
        assert (order.status, order.status_rank) == (
            unified(where)[0].value,
            unified(where)[1],
        )
        assert order.cancel_requested == (expected.status == "IN_CANCEL")
        assert order.created_at == datetime.fromtimestamp(expected.create_time, UTC)
        assert order.invoice == sn and order.buyer_name == expected.buyer_username
        assert [(line.external_product_id, line.quantity) for line in order.lines] == [
            (f"{line.item_id}:{line.model_id}", line.quantity) for line in expected.lines
        ]
        assert order.total > 0


@pytest.mark.django_db
def test_one_order_with_lines_named_like_the_listings(
    orders: ShopeeOrders, shopee_hub: ShopeeControl, shopee_account: ChannelAccount
) -> None:
    placed = place(shopee_hub)
    order = orders.order(placed["order_sn"])
    assert (order.external_id, order.channel_status, order.status) == (
        placed["order_sn"],
        "READY_TO_SHIP",
        OrderStatus.OPEN,
    )
    assert order.buyer_name == "budi.s" and order.invoice == placed["order_sn"]
    assert order.total == placed["total_amount"]
    red, single = order.lines
    assert (red.external_product_id, red.sku, red.quantity, red.price) == (
        f"{FAMILY}:{RED}",
        "SB-VAR01-MRH-S",
        2,
        282600,
    )
    assert red.name.startswith("Kemeja Batik Parang Lengan Panjang — ")
    assert (single.external_product_id, single.sku, single.quantity) == (
        f"{SINGLE}:0",
        "SB-SLD-SDM-046",
        1,
    )
    # The same ids as the catalogue's units: a line finds its listing.
    source = ShopeeConnector().catalog_source(shopee_account)
    try:
        unit_ids = {unit.external_id for page in unit_pages(source) for unit in page.units}
    finally:
        source.close()
    assert {line.external_product_id for line in order.lines} <= unit_ids


@pytest.mark.django_db
def test_an_unpaid_order_is_pending_payment_and_an_unknown_one_is_not_found(
    orders: ShopeeOrders, shopee_hub: ShopeeControl
) -> None:
    placed = place(shopee_hub, status="UNPAID")
    assert orders.order(placed["order_sn"]).status == OrderStatus.PENDING_PAYMENT
    with pytest.raises(NotFound):
        orders.order("NOSUCHORDER1")


# --- acting on orders ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_shopee_offers_reject_before_shipping_and_never_accept(orders: ShopeeOrders) -> None:
    rejectable = {s for s in SANDBOX_STATUSES if orders.actions(s).can_reject}
    assert rejectable == {"UNPAID", "READY_TO_SHIP", "PROCESSED"}
    assert not any(orders.actions(s).can_accept for s in SANDBOX_STATUSES)
    assert orders.actions("READY_TO_SHIP").reject_reasons == REJECT_REASONS
    with pytest.raises(ActionRejected, match="no accept step"):
        orders.accept("ANY")


@pytest.mark.django_db
def test_rejecting_out_of_stock_cancels_the_order_with_its_items(
    orders: ShopeeOrders, shopee_hub: ShopeeControl
) -> None:
    placed = place(shopee_hub)
    orders.reject(placed["order_sn"], Rejection(reason_code=1))
    seen = shopee_hub.order(placed["order_sn"])
    assert (seen["order_status"], seen["cancel_reason"]) == ("CANCELLED", "OUT_OF_STOCK")
    order = orders.order(placed["order_sn"])
    assert order.status == OrderStatus.CANCELLED and order.status_rank == unified("CANCELLED")[1]
    # Shopee's choice: the units named out of stock are set to 0.
    assert shopee_hub.model_stock(FAMILY, RED)["stock"] == 0


@pytest.mark.django_db
def test_rejecting_for_the_buyer_and_refusals(
    orders: ShopeeOrders, shopee_hub: ShopeeControl
) -> None:
    placed = place(shopee_hub, status="UNPAID")
    orders.reject(placed["order_sn"], Rejection(reason_code=2))
    assert shopee_hub.order(placed["order_sn"])["cancel_reason"] == "CUSTOMER_REQUEST"
    shipped = place(shopee_hub)
    shopee_hub.move_order(shipped["order_sn"], "SHIPPED")
    with pytest.raises(ActionRejected):  # Shopee refuses after shipping
        orders.reject(shipped["order_sn"], Rejection(reason_code=2))
    with pytest.raises(ActionRejected, match="unknown reject reason"):
        orders.reject(shipped["order_sn"], Rejection(reason_code=99))


# --- pushes ---------------------------------------------------------------------------------


@pytest.fixture
def registered(
    orders: ShopeeOrders,
    shopee_hub: ShopeeControl,
    shopee_account: ChannelAccount,
    push_receiver: PushReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """The hub's push URL registered with the sandbox. The hub's address is the test's push
    receiver, so every delivery is really sent and kept (headers and raw body)."""
    base = push_receiver.url.removesuffix("/shopee/push")
    monkeypatch.setattr(settings, "PUBLIC_URL", base)
    url = webhook_url(shopee_account, "push")
    orders.register_webhooks({"push": url}, secret="not-used-by-shopee")
    config = shopee_hub.control("GET", "push_config")
    assert config["callback_url"] == url
    assert {3, 8} <= set(config["push_config_on_list"])
    return url


@pytest.mark.django_db
def test_a_real_push_is_verified_with_the_partner_key_and_the_registered_url(
    orders: ShopeeOrders,
    shopee_hub: ShopeeControl,
    registered: str,
    push_receiver: PushReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    placed = place(shopee_hub)
    received = push_receiver.wait_for(1)
    headers, body = next((h, b) for h, b in received if json.loads(b)["code"] == 3)
    assert orders.verify_webhook(body, headers, secret="ignored", url=registered)
    lower = {"authorization": headers["Authorization"]}
    assert orders.verify_webhook(body, lower, secret="", url=registered)
    assert not orders.verify_webhook(body + b" ", headers, secret="ignored", url=registered)
    assert not orders.verify_webhook(body, {}, secret="ignored", url=registered)
    message = orders.parse_webhook("push", body)
    assert message.shop_ids == (str(DEMO_SHOP),)
    assert message.change is not None and message.external_id == placed["order_sn"]
    assert (message.change.channel_status, message.change.status) == (
        "READY_TO_SHIP",
        OrderStatus.OPEN,
    )
    # Signed for the URL as registered: once the hub's address changes, it no longer matches.
    elsewhere = registered.replace(registered.split("/webhooks/")[0], "https://elsewhere.id")
    assert not orders.verify_webhook(body, headers, secret="ignored", url=elsewhere)


@pytest.mark.django_db
def test_status_and_reserved_stock_pushes_parse(
    orders: ShopeeOrders,
    shopee_hub: ShopeeControl,
    registered: str,
    push_receiver: PushReceiver,
) -> None:
    placed = place(shopee_hub)
    shopee_hub.move_order(placed["order_sn"], "PROCESSED")
    # One status push per move (2) and one reserved-stock push per unit (2).
    received = push_receiver.wait_for(4)
    assert len(received) >= 4
    parsed = [orders.parse_webhook("push", body) for _, body in received]
    assert all(
        orders.verify_webhook(body, headers, secret="", url=registered)
        for headers, body in received
    )
    changes = [m.change for m in parsed if m.change is not None]
    assert [(c.external_id, c.channel_status) for c in changes] == [
        (placed["order_sn"], "READY_TO_SHIP"),
        (placed["order_sn"], "PROCESSED"),
    ]
    assert changes[1].status == OrderStatus.READY_TO_SHIP
    assert changes[1].status_rank > changes[0].status_rank
    stock = [m for m in parsed if m.change is None]
    assert len(stock) == 2 and all(m.shop_ids == (str(DEMO_SHOP),) for m in stock)
    assert {m.summary for m in stock} == {
        f"reserved stock of {FAMILY}:{RED} changed (place_order)",
        f"reserved stock of {SINGLE}:0 changed (place_order)",
    }


@pytest.mark.django_db
def test_the_hub_webhook_view_accepts_a_real_push(
    shopee_account: ChannelAccount,
    shopee_hub: ShopeeControl,
    registered: str,
    push_receiver: PushReceiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The delivery the sandbox signed for the hub's URL passes the hub's own receiver; a
    tampered one is refused before any JSON is read."""
    placed = place(shopee_hub)
    headers, body = push_receiver.wait_for(1)[0]
    path = reverse("orders:webhook", args=["shopee", shopee_account.pk, "push"])
    assert registered.endswith(path)
    client = Client()
    signature = {"HTTP_AUTHORIZATION": headers["Authorization"]}
    refused = client.post(path, body + b"\n", content_type="application/json", **signature)
    assert refused.status_code == 401
    with django_capture_on_commit_callbacks(execute=True):  # the queued processing runs
        accepted = client.post(path, body, content_type="application/json", **signature)
    assert accepted.status_code == 200, accepted.content
    assert order_source(shopee_account).webhook_events == ("push",)
    delivery = WebhookDelivery.objects.get(pk=accepted.json()["id"])
    assert delivery.status == DeliveryStatus.PROCESSED, delivery.error
    # A status push for an order the hub has never seen: the order is read whole and stored.
    order = Order.objects.get(account=shopee_account, external_id=placed["order_sn"])
    assert order.status == OrderStatus.OPEN


def test_partner_level_pushes_name_their_shop_from_data() -> None:
    body = json.dumps({"code": 2, "timestamp": 1, "data": {"shop_id": DEMO_SHOP, "success": 1}})
    message = _parser().parse_webhook("push", body.encode())
    assert message.shop_ids == (str(DEMO_SHOP),) and message.change is None
    assert "cancelled" in message.summary


@pytest.mark.parametrize(
    ("event", "body", "error"),
    [
        ("push", b"not json", MalformedPayload),
        ("push", b'{"code": 3, "shop_id": 1, "data": {"status": "SHIPPED"}}', MalformedPayload),
        ("order_status", b'{"code": 3, "shop_id": 1, "data": {}}', MalformedPayload),
        ("push", b'{"code": 3, "shop_id": 1, "data": {"ordersn": "A", "status": "X"}}', ValueError),
    ],
)
def test_malformed_pushes_are_refused(event: str, body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        _parser().parse_webhook(event, body)


def _parser() -> ShopeeOrders:
    """Parsing needs no integration, no key and no connection."""
    return ShopeeOrders(account=None, build=lambda: pytest.fail("no session needed"))


def test_every_shopee_status_fits_the_stored_channel_status() -> None:
    from satustok.orders.models import OrderEvent

    longest = max(len(status) for status in STATUS_TABLE)
    for model in (Order, OrderEvent):
        assert longest <= model._meta.get_field("channel_status").max_length  # type: ignore[operator]
