"""The Orders pages and the seller's actions through the UI (Django test client) against the
sandbox: Accept, Reject with reason codes, Restock, their error paths; registering webhooks;
and the CLI contract ``satustok orders list --json``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from orders_helpers import SHOP_A, channel_order, master

from satustok.channels.models import ChannelAccount
from satustok.orders import poller
from satustok.orders.ingest import ingest
from satustok.orders.models import EventSource, Order, OrderStatus, OrderSyncState

pytestmark = pytest.mark.django_db

SKU = "SB-MSK-SDM-050"


def new_order(sandbox: Any, account: ChannelAccount, quantity: int = 2) -> Order:
    """A buyer's order on the sandbox, brought in by a poll."""
    placed = sandbox.place_order(SHOP_A, [{"sku": SKU, "quantity": quantity}])
    poller.poll_account(account.pk, force=True)
    return Order.objects.get(account=account, external_id=str(placed["order_id"]))


def page(client: Client, name: str, *args: Any, **query: str) -> str:
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200
    return response.content.decode()


def order_actions(sandbox: Any) -> list[str]:
    return [c["path"] for c in sandbox.calls() if c["group"] == "order_action"]


def test_the_list_filters_and_searches(
    sandbox: Any, shop_a: ChannelAccount, seller: Client
) -> None:
    poller.poll_account(shop_a.pk)
    fresh = new_order(sandbox, shop_a)
    listing = page(seller, "web:orders")
    assert Order.objects.count() >= 7 and listing.count('data-order="') == Order.objects.count()
    assert "Rp " in listing and "WIB" in listing
    open_only = page(seller, "web:orders", status="open")
    assert open_only.count('data-order="') == Order.objects.filter(status="open").count()
    found = page(seller, "web:orders", q=fresh.invoice)
    assert found.count('data-order="') == 1 and f'data-order="{fresh.external_id}"' in found
    flagged = Order.objects.filter(has_unlinked_lines=True).count()
    assert page(seller, "web:orders", unlinked="1").count('data-order="') == flagged
    other = page(seller, "web:orders", integration=str(shop_a.pk + 1000))
    assert 'data-order="' not in other and "No order matches" in other


def test_the_detail_shows_lines_history_and_stock_effects(
    sandbox: Any, shop_a: ChannelAccount, seller: Client
) -> None:
    order = new_order(sandbox, shop_a)
    detail = page(seller, "web:order", order.pk)
    assert f'data-line="{order.lines.get().external_product_id}"' in detail
    assert "Order reserved" in detail and "+2" in detail  # the ledger movement
    assert 'id="accept"' in detail and 'id="reject"' in detail and "Courier problem" in detail
    assert order.invoice in detail and "Polling" in detail


def test_accept_calls_the_channel_and_shows_its_new_status(
    sandbox: Any, shop_a: ChannelAccount, seller: Client
) -> None:
    order = new_order(sandbox, shop_a)
    response = seller.post(reverse("web:order_accept", args=[order.pk]), follow=True)
    assert "Order accepted." in response.content.decode()
    assert sandbox.order(int(order.external_id))["order_status"] == 400
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED and order.events.last().source == "action"  # type: ignore[union-attr]


def test_accept_refused_by_the_channel_shows_why_and_the_real_status(
    sandbox: Any, shop_a: ChannelAccount, seller: Client
) -> None:
    order = new_order(sandbox, shop_a)
    sandbox.move_order(int(order.external_id), 400)  # accepted elsewhere, no webhook
    response = seller.post(reverse("web:order_accept", args=[order.pk]), follow=True)
    text = response.content.decode()
    assert "Tokopedia refused" in text and "ORD_USC_001" in text
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED  # read back after the refusal


def test_reject_needs_the_fields_its_reason_code_requires(
    sandbox: Any, shop_a: ChannelAccount, seller: Client
) -> None:
    order = new_order(sandbox, shop_a)
    url = reverse("web:order_reject", args=[order.pk])
    for data, field in [({"reason_code": "8"}, "reason"), ({"reason_code": "4"}, "shop_close")]:
        text = seller.post(url, data).content.decode()
        assert "The rejection is incomplete" in text and f'name="{field}' in text
        assert "errorlist" in text
    assert (
        order_actions(sandbox) == []
        and sandbox.order(int(order.external_id))["order_status"] == 220
    )


def test_reject_cancels_the_order_and_releases_its_stock(
    sandbox: Any, shop_a: ChannelAccount, seller: Client
) -> None:
    on_hand, reserved = master(shop_a, SKU)
    order = new_order(sandbox, shop_a)
    assert master(shop_a, SKU) == (on_hand, reserved + 2)
    data = {"reason_code": "8", "reason": "Pembeli minta batal"}
    response = seller.post(reverse("web:order_reject", args=[order.pk]), data, follow=True)
    assert "Order rejected." in response.content.decode()
    assert sandbox.order(int(order.external_id))["order_status"] == 10
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and master(shop_a, SKU) == (on_hand, reserved)


def test_restock_returned_items_from_the_page(
    sandbox: Any, shop_a: ChannelAccount, seller: Client
) -> None:
    on_hand, reserved = master(shop_a, SKU)
    order = new_order(sandbox, shop_a)
    for code in (500, 550):
        ingest(shop_a, channel_order(code, order_id=order.external_id), EventSource.WEBHOOK)
    assert master(shop_a, SKU) == (on_hand - 2, reserved)
    assert 'id="restock"' in page(seller, "web:order", order.pk)
    seller.post(reverse("web:order_restock", args=[order.pk]))
    assert master(shop_a, SKU) == (on_hand, reserved)
    response = seller.post(reverse("web:order_restock", args=[order.pk]), follow=True)
    assert "nothing to restock" in response.content.decode() and master(shop_a, SKU)[0] == on_hand


def test_the_register_webhooks_button(
    sandbox: Any, shop_a: ChannelAccount, seller: Client, settings: Any
) -> None:
    settings.PUBLIC_URL = "https://hub.example.id"
    assert "Not registered" in page(seller, "web:integration", shop_a.pk)
    response = seller.post(reverse("web:integration_webhooks", args=[shop_a.pk]), follow=True)
    text = response.content.decode()
    base = f"https://hub.example.id/webhooks/tokopedia/{shop_a.pk}/"
    assert "Webhooks registered" in text and base in text
    registered = sandbox.control("GET", "webhooks")
    assert f"{base}order_notification/" in json.dumps(registered)
    shop_a.refresh_from_db()
    assert shop_a.webhook_secret and len(shop_a.webhook_secret.reveal()) == 64
    assert shop_a.webhook_secret.reveal() in json.dumps(
        registered
    )  # the secret Tokopedia signs with


def test_registering_webhooks_when_the_channel_is_unreachable(
    sandbox: Any, shop_a: ChannelAccount, seller: Client, settings: Any
) -> None:
    settings.TOKOPEDIA_API_URL = "http://127.0.0.1:9"
    response = seller.post(reverse("web:integration_webhooks", args=[shop_a.pk]), follow=True)
    assert "could not be reached" in response.content.decode()
    assert not OrderSyncState.objects.filter(webhooks_registered_at__isnull=False).exists()


def test_the_dashboard_flags_orders_with_unlinked_lines(
    shop_a: ChannelAccount, seller: Client
) -> None:
    lines = [("999999", "NOT-A-SKU", 1)]
    order = ingest(shop_a, channel_order(220, lines), EventSource.WEBHOOK).order
    dashboard = page(seller, "web:home")
    assert "Orders with unlinked lines" in dashboard and order.invoice in dashboard


def test_orders_list_json_is_the_contract(
    sandbox: Any, shop_a: ChannelAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    order = new_order(sandbox, shop_a, quantity=3)
    call_command("orders", "list", "--json")
    documents = json.loads(capsys.readouterr().out)
    mine = next(d for d in documents if d["order_id"] == order.external_id)
    assert mine["integration"] == shop_a.pk and mine["status"] == "open"
    assert mine["lines"] == [{**mine["lines"][0], "sku": SKU, "quantity": 3, "linked": True}]
    call_command("orders", "list", "--json", "--status", "cancelled")
    assert all(d["status"] == "cancelled" for d in json.loads(capsys.readouterr().out))


def test_integrations_webhooks_command(
    sandbox: Any, shop_a: ChannelAccount, capsys: pytest.CaptureFixture[str], settings: Any
) -> None:
    settings.PUBLIC_URL = "http://127.0.0.1:8000"
    call_command("integrations", "webhooks", str(shop_a.pk), "--json")
    document = json.loads(capsys.readouterr().out)
    assert document["urls"]["order_status"] == (
        f"http://127.0.0.1:8000/webhooks/tokopedia/{shop_a.pk}/order_status/"
    )
    with pytest.raises(CommandError):
        call_command("integrations", "webhooks", "999")


def test_orders_restock_command(shop_a: ChannelAccount, capsys: pytest.CaptureFixture[str]) -> None:
    order = ingest(shop_a, channel_order(220, [("x", SKU, 1)]), EventSource.POLL).order
    with pytest.raises(CommandError):
        call_command("orders", "restock", order.external_id)  # not returned
    ingest(shop_a, channel_order(550, [("x", SKU, 1)]), EventSource.POLL)
    call_command("orders", "restock", order.external_id, "--json")
    assert json.loads(capsys.readouterr().out)["stock_effect"] == "restocked"
