"""Over loopback HTTP against the sandbox: orders over 3-day windows, single orders, accept /
reject / confirm shipping and their refusals, webhook registration (which replaces all)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from satustok.channels.http.errors import ActionRejected, NotFound, ValidationError
from satustok.channels.tokopedia.schemas import OrderRejection, RejectReason, WebhookUrls

if TYPE_CHECKING:
    from conftest import PlaceOrder
    from satustok.channels.tokopedia.client import TokopediaClient
    from satustok_sandbox.server import RunningSandbox

pytestmark = pytest.mark.dbless

SHOP = 480001
LINKED_SHOPS = {480001, 480002, 480004}


def seeded_order_ids(sandbox: RunningSandbox, since: datetime, until: datetime) -> set[int]:
    """Orders the list may show: paid (220 reached), of linked shops, created in the range."""
    low, high = since.timestamp(), until.timestamp()
    return {
        order.order_id
        for order in sandbox.tokopedia.state.orders.values()
        if order.reached_paid and order.shop_id in LINKED_SHOPS and low <= order.create_time <= high
    }


def order_stats(sandbox: RunningSandbox, group: str) -> dict[str, int]:
    return sandbox.stats()["groups"][group]


def test_seven_days_of_orders_come_in_three_windows_each_order_once(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    until = datetime.now(UTC)  # frozen by the caller for the whole run
    since = until - timedelta(days=7)
    orders = list(client.iter_orders(since, until))
    ids = [order.order_id for order in orders]
    assert len(ids) == len(set(ids))
    assert set(ids) == seeded_order_ids(tokopedia_sandbox, since, until)
    assert len(ids) >= 20
    windows = {
        (c["query"].split("from_date=")[1].split("&")[0])
        for c in tokopedia_sandbox.calls()
        if c["group"] == "order_list"
    }
    assert len(windows) == 3
    assert all(order.products for order in orders)
    assert any(order.order_status < 220 for order in orders)  # paid once, cancelled since
    assert {order.shop_id for order in orders} <= LINKED_SHOPS


def test_orders_are_paged_a_hundred_at_most_until_an_empty_page(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    until = datetime.now(UTC)
    since = until - timedelta(days=3)
    expected = seeded_order_ids(tokopedia_sandbox, since, until)
    listed = [order.order_id for order in client.iter_orders(since, until, per_page=4)]
    assert set(listed) == expected and len(listed) == len(expected)
    pages_with_orders = math.ceil(len(expected) / 4)
    assert order_stats(tokopedia_sandbox, "order_list")["calls"] == pages_with_orders + 1
    with pytest.raises(ValidationError):
        list(client.iter_orders(since, until, per_page=101))


def test_orders_filter_by_shop_and_a_new_order_shows_up(
    client: TokopediaClient, place_order: PlaceOrder
) -> None:
    placed = place_order()
    until = datetime.now(UTC) + timedelta(seconds=1)
    orders = list(client.iter_orders(until - timedelta(days=1), until, shop_id=SHOP))
    assert {order.shop_id for order in orders} == {SHOP}
    new = next(order for order in orders if order.order_id == placed["order_id"])
    assert (new.order_status, new.invoice_ref_num) == (220, placed["invoice_ref_num"])
    assert new.products[0].sku == placed["items"][0]["sku"]


def test_a_single_order_by_id_or_by_invoice(
    client: TokopediaClient, place_order: PlaceOrder
) -> None:
    placed = place_order()
    by_id = client.get_order(order_id=placed["order_id"])
    by_invoice = client.get_order(invoice_num=placed["invoice_ref_num"])
    assert by_id == by_invoice
    assert by_id.invoice_number == placed["invoice_ref_num"]
    assert by_id.order_info is not None
    assert [line.product_id for line in by_id.order_info.order_detail] == [
        placed["items"][0]["product_id"]
    ]
    assert by_id.create_time is not None and by_id.create_time.tzinfo is not None
    with pytest.raises(ValidationError, match="exactly one"):
        client.get_order(order_id=1, invoice_num="INV/1")
    with pytest.raises(NotFound) as raised:
        client.get_order(invoice_num="INV/NOPE")
    assert raised.value.error_code == "ORD_API_008"


def test_accept_then_confirm_shipping(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox, place_order: PlaceOrder
) -> None:
    order_id = place_order()["order_id"]
    client.accept_order(order_id)
    assert tokopedia_sandbox.order(order_id)["order_status"] == 400
    with pytest.raises(ActionRejected) as raised:
        client.accept_order(order_id)
    assert (raised.value.status, raised.value.error_code) == (400, "ORD_USC_001")
    client.confirm_shipping(order_id, " JNE123456 ")
    shipped = tokopedia_sandbox.order(order_id)
    assert (shipped["order_status"], shipped["awb"]) == (500, "JNE123456")


def test_confirm_shipping_refusals(client: TokopediaClient, place_order: PlaceOrder) -> None:
    order_id = place_order()["order_id"]
    with pytest.raises(ActionRejected) as raised:
        client.confirm_shipping(order_id, "JNE1")  # not accepted yet
    assert raised.value.error_code == "LGS_USC_006"
    with pytest.raises(ValidationError, match="AWB"):
        client.confirm_shipping(order_id, "  ")


def test_reject_out_of_stock_empties_the_products(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox, place_order: PlaceOrder
) -> None:
    placed = place_order()
    product_id = placed["items"][0]["product_id"]
    rejection = OrderRejection(RejectReason.OUT_OF_STOCK, empty_products=[product_id])
    client.reject_order(placed["order_id"], rejection)
    assert tokopedia_sandbox.order(placed["order_id"])["order_status"] == 10
    assert tokopedia_sandbox.product(product_id)["stock"] == 0


def test_reject_because_the_shop_is_closed_puts_it_on_holiday(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox, place_order: PlaceOrder
) -> None:
    order_id = place_order()["order_id"]
    rejection = OrderRejection(
        RejectReason.SHOP_CLOSED,
        shop_close_end_date=date.today() + timedelta(days=5),
        shop_close_note="Libur Lebaran",
    )
    client.reject_order(order_id, rejection)
    shop = client.get_shop(SHOP)
    assert not shop.open and shop.reason == "Libur Lebaran"


def test_reject_refused_once_shipped(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox, place_order: PlaceOrder
) -> None:
    order_id = place_order()["order_id"]
    tokopedia_sandbox.move_order(order_id, 500)
    with pytest.raises(ActionRejected) as raised:
        client.reject_order(order_id, OrderRejection(RejectReason.OTHER))
    assert raised.value.error_code == "ORD_USC_008"


@pytest.mark.parametrize(
    ("rejection", "complaint"),
    [
        (OrderRejection(6), "reason_code 6 is not one of 0, 1, 2, 3, 4, 5, 7, 8"),
        (OrderRejection(RejectReason.COURIER_PROBLEM), "reason is required for reason_code 7"),
        (OrderRejection(0, reason=" "), "reason is required for reason_code 0"),
        (OrderRejection(8, reason="x" * 491), "at most 490"),
        (OrderRejection(4, shop_close_note="Libur"), "shop_close_end_date is required"),
        (OrderRejection(4, shop_close_end_date=date(2030, 1, 1)), "shop_close_note is required"),
    ],
)
def test_reject_reasons_are_checked_before_anything_is_sent(
    client: TokopediaClient,
    tokopedia_sandbox: RunningSandbox,
    rejection: OrderRejection,
    complaint: str,
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        client.reject_order(910_000_001, rejection)
    assert order_stats(tokopedia_sandbox, "order_action")["calls"] == 0


def test_registering_webhooks_replaces_all_and_update_keeps_the_rest(
    client: TokopediaClient,
) -> None:
    urls = WebhookUrls(
        order_notification_url="https://hub.example/wh/tokopedia/order",
        order_status_url="https://hub.example/wh/tokopedia/status",
        product_changes_url="https://hub.example/wh/tokopedia/product",
    )
    client.register_webhooks(urls, webhook_secret="whsec-0123456789")
    listed = client.list_webhooks()
    assert listed.urls() == urls
    assert listed.webhook_secret is not None
    assert listed.webhook_secret.get_secret_value() == "whsec-0123456789"
    assert "whsec-0123456789" not in repr(listed)

    client.register_webhooks(WebhookUrls(order_status_url="https://hub.example/only"))
    replaced = client.list_webhooks()
    assert replaced.order_notification_url == "" and replaced.product_changes_url == ""

    client.register_webhooks(urls, webhook_secret="whsec-0123456789")
    updated = client.update_webhooks(order_status_url="https://hub.example/v2/status")
    assert updated.order_notification_url == urls.order_notification_url
    assert updated.order_status_url == "https://hub.example/v2/status"
    assert updated.webhook_secret is not None
    assert updated.webhook_secret.get_secret_value() == "whsec-0123456789"


def test_an_invalid_webhook_url_is_a_validation_error(client: TokopediaClient) -> None:
    with pytest.raises(ValidationError) as raised:
        client.register_webhooks(WebhookUrls(order_status_url="ftp://nope"))
    assert raised.value.status == 400
    assert "not a valid http(s) URL" in str(raised.value)
