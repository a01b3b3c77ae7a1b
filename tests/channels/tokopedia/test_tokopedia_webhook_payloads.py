"""The inbound webhook schemas read what the sandbox really sends (the hub's webhook module
verifies the signature, then parses with these models)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from satustok.channels.tokopedia.schemas import (
    WEBHOOK_PAYLOADS,
    OrderCancellation,
    OrderNotification,
    OrderStatusEvent,
    ProductChanges,
    WebhookUrls,
)

if TYPE_CHECKING:
    from conftest import PlaceOrder
    from satustok.channels.tokopedia.client import TokopediaClient
    from satustok_sandbox.server import RunningSandbox

pytestmark = pytest.mark.dbless


def delivered(sandbox: RunningSandbox, event: str) -> bytes:
    """The body of the first delivery of ``event``, as raw JSON bytes."""
    (record, *_) = sandbox.wait_for_deliveries(1, event=event)
    return json.dumps(record["payload"]).encode()


def test_every_delivered_event_parses_with_its_model(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox, place_order: PlaceOrder
) -> None:
    # The receiver answers 404: the sandbox logs each attempt's payload all the same.
    receiver = f"{tokopedia_sandbox.base_url}/tokopedia/fs/receiver"
    client.register_webhooks(
        WebhookUrls(
            order_notification_url=receiver,
            order_status_url=receiver,
            order_cancellation_url=receiver,
            product_changes_url=receiver,
        )
    )
    placed = place_order()
    tokopedia_sandbox.move_order(placed["order_id"], 400)
    tokopedia_sandbox.move_order(placed["order_id"], 10)

    notification = OrderNotification.model_validate_json(
        delivered(tokopedia_sandbox, "order_notification")
    )
    assert (notification.order_id, notification.invoice_num) == (
        placed["order_id"],
        placed["invoice_ref_num"],
    )
    assert notification.products[0].sku == placed["items"][0]["sku"]

    status = OrderStatusEvent.model_validate_json(delivered(tokopedia_sandbox, "order_status"))
    assert (status.order_id, status.order_status) == (placed["order_id"], 400)

    cancellation = OrderCancellation.model_validate_json(
        delivered(tokopedia_sandbox, "order_cancellation")
    )
    assert cancellation.order_status == 10

    changes = ProductChanges.model_validate_json(delivered(tokopedia_sandbox, "product_changes"))
    change = changes.product_changes_data[0]
    assert (change.action, change.product_id) == (
        "stock_decrement",
        placed["items"][0]["product_id"],
    )
    assert int(change.previous_value) - int(change.value) == 1

    assert set(WEBHOOK_PAYLOADS) >= {
        "order_notification",
        "order_status",
        "order_cancellation",
        "product_changes",
    }


def test_the_doc_examples_capital_name_and_other_invoice_key_are_read() -> None:
    body = {
        "fs_id": 15001,
        "order_id": 1,
        "invoice_ref_num": "INV/1",
        "shop_id": 2,
        "order_status": 220,
        "create_time": 1_700_000_000,
        "products": [{"id": 3, "Name": "Kemeja", "quantity": 1, "price": 100_000}],
    }
    parsed = OrderNotification.model_validate_json(json.dumps(body))
    assert parsed.invoice_num == "INV/1" and parsed.products[0].name == "Kemeja"
