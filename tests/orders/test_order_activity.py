"""Accepting and rejecting an order are logged under the seller who pressed the button, with the
order's status before and after (the channel's word, read back)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from orders_helpers import SHOP_A

from satustok.channels.models import ChannelAccount
from satustok.core.activity import Action
from satustok.core.models import Activity, Via
from satustok.orders import poller
from satustok.orders.models import Order

pytestmark = pytest.mark.django_db
SKU = "SB-MSK-SDM-050"  # a demo product of shop A


def new_order(sandbox: Any, account: ChannelAccount) -> Order:
    placed = sandbox.place_order(SHOP_A, [{"sku": SKU, "quantity": 1}])
    poller.poll_account(account.pk, force=True)
    return Order.objects.get(account=account, external_id=str(placed["order_id"]))


def test_accept_and_reject_are_logged_with_the_status_before_and_after(
    sandbox: Any, shop_a: ChannelAccount, seller: Client
) -> None:
    accepted = new_order(sandbox, shop_a)
    seller.post(reverse("web:order_accept", args=[accepted.pk]))
    entry = Activity.objects.get(action=Action.ORDER_ACCEPTED)
    assert (entry.actor_name, entry.via, entry.target_id) == ("penjual", Via.UI, str(accepted.pk))
    assert entry.before is not None and entry.before["status"] == "open"
    assert entry.after is not None and entry.after["status"] == "accepted"

    rejected = new_order(sandbox, shop_a)
    data = {"reason_code": "8", "reason": "Pembeli minta batal"}
    seller.post(reverse("web:order_reject", args=[rejected.pk]), data)
    entry = Activity.objects.get(action=Action.ORDER_REJECTED)
    assert entry.after is not None
    assert (entry.after["status"], entry.after["reason"]) == ("cancelled", "Pembeli minta batal")


def test_the_import_of_a_connected_shop_left_its_trace(shop_a: ChannelAccount) -> None:
    connected = Activity.objects.get(action=Action.INTEGRATION_CONNECTED)
    assert connected.target_id == str(shop_a.pk) and connected.via == Via.CLI  # no request
    assert Activity.objects.filter(action=Action.IMPORT_FINISHED).exists()
