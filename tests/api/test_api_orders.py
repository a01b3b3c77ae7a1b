"""Orders over the API: the list with filters, one order with lines, history and stock
effects, and the seller's actions against the sandbox (accept, reject with reason codes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_helpers import ApiClient

from satustok.channels.connect import connect_shop
from satustok.channels.models import ChannelAccount
from satustok.orders.ingest import ingest
from satustok.orders.models import EventSource, Order
from satustok.orders.source import order_source
from seed_oracle import sellable_units

pytestmark = pytest.mark.django_db

SHOP_A = 480001


@pytest.fixture
def shop(fast_sandbox: Any, demo_credentials: Callable[..., Any]) -> ChannelAccount:
    return connect_shop("tokopedia", demo_credentials(fast_sandbox), str(SHOP_A))


@pytest.fixture
def buy(fast_sandbox: Any, shop: ChannelAccount) -> Callable[..., Order]:
    """A buyer orders on the sandbox; the hub reads the order in (as the poller would)."""
    in_stock = [u for u in sellable_units(SHOP_A) if u["stock"] > 2 and u["active"]]

    def order(quantity: int = 1) -> Order:
        product = int(in_stock[0]["product_id"])
        placed = fast_sandbox.place_order(SHOP_A, [{"product_id": product, "quantity": quantity}])
        source = order_source(shop)
        try:
            return ingest(shop, source.order(str(placed["order_id"])), EventSource.POLL).order
        finally:
            source.close()

    return order


def test_orders_are_listed_with_lines_and_filtered(api: ApiClient, buy: Any) -> None:
    first, second = buy(), buy(2)
    listed = api.get("/orders").json()
    assert [o["order_id"] for o in listed["items"]] == [second.external_id, first.external_id]
    newest = listed["items"][0]
    assert (newest["status"], newest["lines"][0]["quantity"]) == ("open", 2)
    assert newest["has_unlinked_lines"] is True  # nothing imported: no master SKU follows it
    assert newest["lines"][0]["linked"] is False
    assert api.get("/orders", q=first.external_id).json()["count"] == 1
    assert api.get("/orders", status="shipped").json()["count"] == 0
    assert api.get("/orders", unlinked=True).json()["count"] == 2
    assert api.get("/orders", status="lost").status_code == 422


def test_an_order_shows_history_and_what_the_seller_may_do(api: ApiClient, buy: Any) -> None:
    order = buy()
    detail = api.get(f"/orders/{order.pk}").json()
    assert [e["to_status"] for e in detail["history"]] == ["open"]
    assert detail["actions"]["can_accept"] and detail["actions"]["can_reject"]
    assert not detail["actions"]["can_restock"]
    codes = {r["code"]: r for r in detail["actions"]["reject_reasons"]}
    assert codes[0]["needs_reason"] and codes[4]["needs_shop_close"]
    assert api.get("/orders/999").status_code == 404


def test_accept_reads_the_channels_word_back(api: ApiClient, buy: Any, fast_sandbox: Any) -> None:
    order = buy()
    response = api.post(f"/orders/{order.pk}/accept")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert [e["to_status"] for e in response.json()["history"]] == ["open", "accepted"]
    assert fast_sandbox.order(int(order.external_id))["order_status"] != 220  # on the channel
    again = api.post(f"/orders/{order.pk}/accept")
    assert (again.status_code, again.json()["code"]) == (409, "not_allowed")


def test_reject_needs_what_its_reason_code_needs(api: ApiClient, buy: Any) -> None:
    order = buy()
    missing = api.post(f"/orders/{order.pk}/reject", {"reason_code": 0})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["reason"]
    unknown = api.post(f"/orders/{order.pk}/reject", {"reason_code": 6})
    assert unknown.status_code == 422
    closed = api.post(f"/orders/{order.pk}/reject", {"reason_code": 4})
    assert {e["field"] for e in closed.json()["errors"]} == {
        "shop_close_end_date",
        "shop_close_note",
    }
    assert Order.objects.get(pk=order.pk).status == "open"  # nothing was sent
    done = api.post(f"/orders/{order.pk}/reject", {"reason_code": 1})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "cancelled"


def test_restock_refuses_an_order_that_never_shipped(api: ApiClient, buy: Any) -> None:
    order = buy()
    response = api.post(f"/orders/{order.pk}/restock")
    assert (response.status_code, response.json()["code"]) == (409, "not_restockable")
    assert api.post(f"/orders/{order.pk}/relink").status_code == 200
