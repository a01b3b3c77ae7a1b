"""End to end: the hub registers its webhooks with the sandbox, a buyer orders on the sandbox,
and the sandbox POSTs signed webhooks to a live hub over loopback — also duplicated and out
of order."""

from __future__ import annotations

from typing import Any

import pytest
from orders_helpers import SHOP_A, SHOP_B, connect_and_import, master, wait_until

from satustok.inventory.models import StockMovement
from satustok.orders.models import Order, OrderStatus, WebhookDelivery
from satustok.orders.registration import register_webhooks

pytestmark = pytest.mark.django_db(transaction=True)

SKU = "SB-MSK-SDM-050"


@pytest.fixture
def live_shop(sandbox: Any, live_server: Any, settings: Any) -> Any:
    settings.PUBLIC_URL = live_server.url
    account = connect_and_import(sandbox, SHOP_A)
    registered = register_webhooks(account)
    account.refresh_from_db()
    listed = sandbox.control("GET", "webhooks")
    assert registered.urls["order_status"] in str(listed)
    assert registered.urls["order_notification"].startswith(live_server.url + "/webhooks/")
    return account


def order_at(external_id: int, status: str) -> Order | None:
    return Order.objects.filter(external_id=str(external_id), status=status).first()


def test_a_sandbox_order_reaches_the_live_hub_by_webhook_and_moves_stock(
    sandbox: Any, live_shop: Any
) -> None:
    on_hand, reserved = master(live_shop, SKU)
    placed = sandbox.place_order(SHOP_A, [{"sku": SKU, "quantity": 2}])
    order = wait_until(lambda: order_at(placed["order_id"], OrderStatus.OPEN))
    assert order is not None, sandbox.deliveries()
    assert master(live_shop, SKU) == (on_hand, reserved + 2)
    for code in (400, 500):
        sandbox.move_order(placed["order_id"], code)
    assert wait_until(lambda: order_at(placed["order_id"], OrderStatus.SHIPPED))
    assert master(live_shop, SKU) == (on_hand - 2, reserved)
    sent = [d for d in sandbox.deliveries() if d["event"].startswith("order_")]
    assert {d["status_code"] for d in sent} == {200}
    # The order may be shipped before the last event is processed: the event that it was
    # accepted reads the whole order, which the sandbox has already moved on.
    assert wait_until(
        lambda: WebhookDelivery.objects.filter(signature_ok=True, status="processed").count() >= 3
    )


def test_duplicated_and_reordered_webhooks_change_stock_once(sandbox: Any, live_shop: Any) -> None:
    on_hand, reserved = master(live_shop, SKU)
    sandbox.set_faults(webhooks={"duplicate": 1.0, "reorder": True})
    placed = sandbox.place_order(SHOP_A, [{"sku": SKU, "quantity": 3}])
    for code in (400, 500):
        sandbox.move_order(placed["order_id"], code)
    expected = 2 * 3  # notification + two moves, each sent twice
    deliveries = sandbox.wait_for_deliveries(expected + 1, event=None, timeout=8)
    order_events = [d for d in deliveries if d["event"].startswith("order_")]
    assert any(d["duplicate"] for d in order_events)
    assert wait_until(
        lambda: (
            WebhookDelivery.objects.filter(event__startswith="order_", status="processed").count()
            >= expected
        )
    )
    order = Order.objects.get(external_id=str(placed["order_id"]))
    assert order.status == OrderStatus.SHIPPED
    assert master(live_shop, SKU) == (on_hand - 3, reserved)
    moved = StockMovement.objects.filter(reference=order.reference)
    assert sum(m.on_hand_delta for m in moved) == -3 and sum(m.reserved_delta for m in moved) == 0
    first = WebhookDelivery.objects.filter(event__startswith="order_").order_by("id").first()
    assert first is not None and first.event == "order_status"  # really out of order
    assert first.outcome == f"order {placed['order_id']} created (500)"  # read from Tokopedia
    statuses = list(order.events.values_list("channel_status", flat=True))
    assert len(statuses) == len(set(statuses)) and statuses[-1] == "500"


def test_two_shops_of_one_app_share_its_urls_and_secret(sandbox: Any, live_shop: Any) -> None:
    """Tokopedia keeps one set of URLs per FS ID: registering shop B repoints shop A's events
    too, and the hub routes each event by its shop id."""
    shop_b = connect_and_import(sandbox, SHOP_B)
    register_webhooks(shop_b)
    shop_b.refresh_from_db()
    live_shop.refresh_from_db()
    assert shop_b.webhook_secret == live_shop.webhook_secret  # the app's one secret
    on_a = sandbox.place_order(SHOP_A, [{"sku": SKU, "quantity": 1}])
    on_b = sandbox.place_order(SHOP_B, [{"sku": SKU, "quantity": 1}])
    for placed, account in ((on_a, live_shop), (on_b, shop_b)):
        order = wait_until(lambda p=placed: order_at(p["order_id"], OrderStatus.OPEN))
        assert order is not None and order.account_id == account.pk
    urls = {d["url"] for d in sandbox.deliveries("order_notification")}
    assert urls == {f"{shop_b.order_sync.webhook_base_url}order_notification/"}
