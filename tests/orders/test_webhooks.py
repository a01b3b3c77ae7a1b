"""The webhook receiver: signature first (401 and only counted when bad), store, acknowledge, then
process — once, whatever arrives twice — and route each event to the shop it names."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from orders_helpers import SHOP_A, WEBHOOK_SECRET, Catalog, ledger, master

from satustok.channels.models import ChannelAccount
from satustok.inventory.models import StockMovement
from satustok.orders.models import DeliveryStatus, Order, OrderStatus, WebhookDelivery
from satustok.orders.refusals import refused_counts
from satustok.orders.webhooks import process_delivery

pytestmark = pytest.mark.django_db

Post = Callable[..., Any]


def notification(order_id: int = 9001, shop_id: int = SHOP_A, **extra: Any) -> dict[str, Any]:
    return {
        "fs_id": 15001,
        "order_id": order_id,
        "invoice_num": f"INV/{order_id}",
        "products": [
            {"id": 1001, "name": "Kemeja", "quantity": 2, "price": 150000, "sku": "KMJ-01"}
        ],
        "customer": {"id": 5, "name": "Sari"},
        "shop_id": shop_id,
        "amt": {"ttl_product_price": 300000, "ttl_amount": 309000},
        "order_status": 220,
        "create_time": 1_900_000_000,
        **extra,
    }


def status(order_id: int, code: int, shop_id: int = SHOP_A) -> dict[str, Any]:
    return {"fs_id": 15001, "order_id": order_id, "order_status": code, "shop_id": shop_id}


def test_a_signed_delivery_is_stored_acknowledged_and_processed(
    catalog: Catalog, post_webhook: Post
) -> None:
    response = post_webhook(catalog.account, "order_notification", notification())
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.signature_ok and delivery.status == DeliveryStatus.PROCESSED
    assert delivery.order_external_id == "9001" and '"order_id": 9001' in delivery.body
    order = Order.objects.get(external_id="9001")
    assert order.status == OrderStatus.OPEN and catalog.level(catalog.shirt) == (10, 2)


@pytest.mark.parametrize("signature", [None, "", "00" * 32, "not-hex"])
def test_a_missing_or_bad_signature_gets_401_and_is_only_counted(
    catalog: Catalog, post_webhook: Post, signature: str | None
) -> None:
    response = post_webhook(catalog.account, "order_status", b"{not json", signature=signature)
    assert response.status_code == 401 and "signature" in response.json()["error"]
    assert not WebhookDelivery.objects.exists()  # the body is not kept anywhere
    assert refused_counts(integration=catalog.account.pk) == {"bad_signature": 1}
    assert not Order.objects.exists()


def test_a_signature_made_with_another_secret_is_refused(
    catalog: Catalog, post_webhook: Post
) -> None:
    from orders_helpers import sign

    body = b'{"order_id": 1}'
    response = post_webhook(
        catalog.account, "order_status", body, signature=sign(body, WEBHOOK_SECRET + "x")
    )
    assert response.status_code == 401


def test_unknown_integrations_and_events_are_refused_and_only_counted(
    catalog: Catalog, client: Any, post_webhook: Post
) -> None:
    assert (
        client.post(
            "/webhooks/tokopedia/999/order_status/", b"{}", content_type="application/json"
        ).status_code
        == 404
    )
    assert post_webhook(catalog.account, "chat_notification", b"{}").status_code == 404
    assert client.get(f"/webhooks/tokopedia/{catalog.account.pk}/order_status/").status_code == 405
    assert not WebhookDelivery.objects.exists()
    assert refused_counts() == {"unknown_event": 1, "unknown_integration": 1}


def test_an_integration_without_a_secret_refuses_everything(
    catalog: Catalog, post_webhook: Post
) -> None:
    ChannelAccount.objects.filter(pk=catalog.account.pk).update(webhook_secret=None)
    catalog.account.refresh_from_db()
    assert post_webhook(catalog.account, "order_notification", notification()).status_code == 401


def test_the_same_delivery_twice_changes_nothing_twice(
    catalog: Catalog, post_webhook: Post
) -> None:
    for _ in range(2):
        assert (
            post_webhook(catalog.account, "order_notification", notification()).status_code == 200
        )
    order = Order.objects.get()
    assert WebhookDelivery.objects.filter(status="processed").count() == 2
    assert len(ledger(order)) == 1 and catalog.level(catalog.shirt) == (10, 2)
    delivery = WebhookDelivery.objects.first()
    assert delivery is not None
    process_delivery(delivery.pk)  # a task run twice
    assert len(ledger(order)) == 1 and order.events.count() == 1


def test_reordered_status_events_never_move_an_order_back(
    catalog: Catalog, post_webhook: Post
) -> None:
    post_webhook(catalog.account, "order_notification", notification())
    post_webhook(catalog.account, "order_status", status(9001, 500))
    post_webhook(catalog.account, "order_status", status(9001, 400))
    order = Order.objects.get()
    assert order.status == OrderStatus.SHIPPED and catalog.level(catalog.shirt) == (8, 0)
    assert WebhookDelivery.objects.order_by("id").last().outcome == "order 9001: nothing new"  # type: ignore[union-attr]


def test_a_good_signature_on_a_malformed_body_fails_the_delivery_with_the_field(
    catalog: Catalog, post_webhook: Post
) -> None:
    response = post_webhook(catalog.account, "order_status", {**status(1, 400), "order_id": "x"})
    assert response.status_code == 200  # acknowledged: it was Tokopedia's, it is stored
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and "order_id" in delivery.error


def test_an_unknown_status_code_fails_the_delivery(catalog: Catalog, post_webhook: Post) -> None:
    post_webhook(catalog.account, "order_notification", notification())
    post_webhook(catalog.account, "order_status", status(9001, 123))
    failed = WebhookDelivery.objects.get(status=DeliveryStatus.FAILED)
    assert "123" in failed.error and Order.objects.get().status == OrderStatus.OPEN


def test_product_changes_are_recorded_and_change_no_master_stock(
    catalog: Catalog, post_webhook: Post
) -> None:
    before = StockMovement.objects.count()
    payload = {
        "fs_id": 15001,
        "product_changes_data": [
            {"action": "stock_overwrite", "product_id": 1001, "shop_id": SHOP_A, "value": "0",
             "previous_value": "10", "update_time": 1_700_000_000_000_000_000}
        ],
    }  # fmt: skip
    assert post_webhook(catalog.account, "product_changes", payload).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PROCESSED and "stock_overwrite" in delivery.outcome
    assert StockMovement.objects.count() == before and catalog.level(catalog.shirt) == (10, 0)


def test_an_event_goes_to_the_integration_of_the_shop_it_names(
    catalog: Catalog, post_webhook: Post
) -> None:
    """One app's URLs serve all its shops: the payload's shop id decides."""
    other = ChannelAccount.objects.create(
        channel="tokopedia",
        shop_id="480002",
        shop_name="Toko Dua",
        app_id=catalog.account.app_id,
        client_id="client",
        client_secret="x",
        webhook_secret=WEBHOOK_SECRET,
        warehouse=catalog.account.warehouse,
    )
    post_webhook(catalog.account, "order_notification", notification(shop_id=480002))
    assert Order.objects.get().account == other
    assert WebhookDelivery.objects.get().account == other
    post_webhook(catalog.account, "order_notification", notification(9002, shop_id=480009))
    ignored = WebhookDelivery.objects.get(order_external_id="9002")
    assert ignored.status == "processed" and "not connected" in ignored.outcome
    assert Order.objects.count() == 1


def test_a_status_event_for_an_order_never_seen_reads_the_order(
    shop_a: ChannelAccount, sandbox: Any, post_webhook: Post
) -> None:
    """The notification was lost: the hub reads the whole order from Tokopedia."""
    ChannelAccount.objects.filter(pk=shop_a.pk).update(webhook_secret=WEBHOOK_SECRET)
    shop_a.refresh_from_db()
    before = master(shop_a, "SB-MSK-SDM-050")
    placed = sandbox.place_order(SHOP_A, [{"sku": "SB-MSK-SDM-050", "quantity": 2}])
    sandbox.move_order(placed["order_id"], 400)
    post_webhook(shop_a, "order_status", status(placed["order_id"], 400))
    order = Order.objects.get(external_id=str(placed["order_id"]))
    assert order.status == OrderStatus.ACCEPTED and order.invoice == placed["invoice_ref_num"]
    assert order.lines.get().linked and not order.has_unlinked_lines
    assert master(shop_a, "SB-MSK-SDM-050") == (before[0], before[1] + 2)


def test_a_changed_webhook_secret_is_used_once_the_kept_receiver_expires(
    catalog: Catalog, post_webhook: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Receivers are kept for a moment (no query per delivery); a secret changed by another
    process is honoured as soon as the kept one expires, and at once in this process."""
    from orders_helpers import sign

    from satustok.orders import webhooks

    body = json.dumps(notification(order_id=9501)).encode()
    assert post_webhook(catalog.account, "order_notification", body).status_code == 200
    ChannelAccount.objects.filter(pk=catalog.account.pk).update(webhook_secret="rotated-secret-42")
    new_signature = sign(body, "rotated-secret-42")
    kept = post_webhook(catalog.account, "order_notification", body, signature=new_signature)
    assert kept.status_code == 401  # still the kept receiver, with the old secret

    monkeypatch.setattr(webhooks, "RECEIVER_TTL", 0.0)
    fresh = post_webhook(catalog.account, "order_notification", body, signature=new_signature)
    old = post_webhook(catalog.account, "order_notification", body)
    assert (fresh.status_code, old.status_code) == (200, 401)
