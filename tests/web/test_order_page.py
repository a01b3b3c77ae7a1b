"""The order page against the sandbox over loopback: it offers exactly the actions the channel
allows at the order's status (``actions.allowed``) and nothing else, each action goes through
to the channel (accept, arrange shipment, print a label, answer a buyer's cancellation), a
Viewer's POST is refused before anything is called, and a user limited to other warehouses
gets a message rather than an error."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from channel_worlds import TokopediaWorld
from roles_support import user_with_role
from satustok.channels.models import ChannelAccount
from satustok.core.access import Role
from satustok.inventory.access import set_warehouses
from satustok.inventory.models import Warehouse
from satustok.orders import actions, poller
from satustok.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db

SHOP = 480001
SKU = "SB-MSK-SDM-050"
# What the page shows for each capability of SellerActions.
ACTION_TESTIDS = {
    "can_accept": "accept",
    "can_reject": "reject-form",
    "can_arrange_shipment": "ship-form",
    "can_print_label": "label-form",
    "can_answer_cancellation": "cancel-request",
}


@pytest.fixture
def shop(fast_sandbox: Any) -> tuple[TokopediaWorld, ChannelAccount]:
    world = TokopediaWorld(fast_sandbox)
    return world, world.connect(SHOP)


@pytest.fixture
def seller(client: Client) -> Client:
    client.force_login(user_with_role(Role.STAFF))
    client.cookies["django_language"] = "en"
    return client


def new_order(world: TokopediaWorld, account: ChannelAccount) -> Order:
    world.shop_id = SHOP
    external_id = world.place_order(SKU, 1)
    poller.poll_account(account.pk, force=True)
    return Order.objects.get(account=account, external_id=external_id)


def page(client: Client, order: Order) -> str:
    response = client.get(reverse("web:order", args=[order.pk]))
    assert response.status_code == 200
    return response.content.decode()


def assert_exactly_the_allowed_actions(client: Client, order: Order) -> str:
    order.refresh_from_db()
    html = page(client, order)
    allowed = actions.allowed(order)
    for flag, testid in ACTION_TESTIDS.items():
        assert (f'data-testid="{testid}"' in html) == getattr(allowed, flag), (flag, order.status)
    return html


def test_the_page_offers_exactly_what_each_status_allows(
    shop: tuple[TokopediaWorld, ChannelAccount], seller: Client
) -> None:
    world, account = shop
    order = new_order(world, account)
    html = assert_exactly_the_allowed_actions(seller, order)
    assert 'data-testid="accept"' in html and 'data-testid="ship-form"' not in html
    assert order.invoice in html and 'data-testid="master-sku"' in html and SKU in html
    assert 'data-testid="recipient"' in html and 'data-testid="shipping"' in html

    seller.post(reverse("web:order_accept", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED
    html = assert_exactly_the_allowed_actions(seller, order)
    assert 'data-testid="ship-form"' in html and 'data-testid="accept"' not in html
    method = re.search(r'data-testid="ship-method-([a-z_]+)"', html)
    assert method is not None
    slot = re.search(rf'name="slot-{method.group(1)}"[^>]*>\s*<option value="([^"]*)"', html)
    form = {"method": method.group(1), f"slot-{method.group(1)}": slot.group(1) if slot else ""}
    response = seller.post(reverse("web:order_ship", args=[order.pk]), form, follow=True)
    assert "Shipment arranged." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.READY_TO_SHIP
    html = assert_exactly_the_allowed_actions(seller, order)
    assert 'data-testid="ship-form"' not in html
    assert f'data-testid="tracking-number">{order.tracking_number or "—"}<' in html

    label = seller.post(reverse("web:order_label", args=[order.pk]), {"layout": "a4"})
    assert label.status_code == 200 and label["Content-Type"] == "application/pdf"
    assert label.content.startswith(b"%PDF")
    order.refresh_from_db()
    assert order.labels_printed_at is not None


def test_a_buyers_cancellation_request_is_answered_from_the_page(
    shop: tuple[TokopediaWorld, ChannelAccount], seller: Client
) -> None:
    world, account = shop
    order = new_order(world, account)
    actions.accept(order)  # the buyer asks once the seller has accepted
    world.request_cancellation(order.external_id)
    poller.poll_account(account.pk, force=True)
    order.refresh_from_db()
    html = assert_exactly_the_allowed_actions(seller, order)
    assert order.cancel_requested and 'data-testid="approve-cancellation"' in html
    response = seller.post(
        reverse("web:order_cancellation", args=[order.pk]), {"approve": "0"}, follow=True
    )
    assert "Cancellation refused." in response.content.decode()
    order.refresh_from_db()
    assert not order.cancel_requested and order.status != OrderStatus.CANCELLED
    assert 'data-testid="approve-cancellation"' not in page(seller, order)


def test_a_viewer_sees_no_action_and_cannot_post_one(
    shop: tuple[TokopediaWorld, ChannelAccount], client: Client
) -> None:
    world, account = shop
    order = new_order(world, account)
    client.force_login(user_with_role(Role.VIEWER))
    html = page(client, order)
    assert 'data-testid="order-actions"' not in html
    calls_before = len(world.sandbox.calls())
    for name, data in [
        ("web:order_accept", {}),
        ("web:order_ship", {"method": "pickup"}),
        ("web:order_label", {"layout": "a4"}),
        ("web:order_cancellation", {"approve": "1"}),
    ]:
        assert client.post(reverse(name, args=[order.pk]), data).status_code == 403, name
    assert len(world.sandbox.calls()) == calls_before
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN


def test_a_user_of_other_warehouses_gets_a_message_not_an_error(
    shop: tuple[TokopediaWorld, ChannelAccount], client: Client
) -> None:
    world, account = shop
    order = new_order(world, account)
    limited = user_with_role(Role.STAFF, "gudang-lain")
    set_warehouses(limited, [Warehouse.objects.create(name="Gudang Lain", code="lain")])
    client.force_login(limited)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("web:order_accept", args=[order.pk]), follow=True)
    assert response.status_code == 200 and "You work only in other warehouses" in (
        response.content.decode()
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN


def test_a_bad_shipment_form_is_a_message(
    shop: tuple[TokopediaWorld, ChannelAccount], seller: Client
) -> None:
    world, account = shop
    order = new_order(world, account)
    response = seller.post(
        reverse("web:order_ship", args=[order.pk]), {"method": "teleport\x00"}, follow=True
    )
    assert response.status_code == 200 and "Choose how the parcel leaves" in (
        response.content.decode()
    )
    # Shipping before accepting: the channel's refusal, shown as a message.
    response = seller.post(
        reverse("web:order_ship", args=[order.pk]), {"method": "pickup"}, follow=True
    )
    assert response.status_code == 200 and 'class="alert error"' in response.content.decode()
