"""The sandbox's shipping state machine over raw HTTP: request shapes and types refused as the
real API refuses them, the refusals of each step, the HTML label, the webhooks of each step."""

from __future__ import annotations

import pytest
from tokopedia_sandbox_helpers import OTHER_APPS_SHOP, SARI, Api

from satustok_sandbox.server import RunningSandbox

pytestmark = pytest.mark.dbless

IN_STOCK = 2100050
PICKUP = "/inventory/v1/fs/{fs}/pick-up"


def accepted_order(sandbox: RunningSandbox, api: Api) -> int:
    order_id = int(sandbox.place_order(SARI, [{"product_id": IN_STOCK}])["order_id"])
    assert api.post(f"/v1/order/{order_id}/fs/{{fs}}/ack").status_code == 200
    return order_id


def code(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.json()["header"]["error_code"])


def test_pickup_body_shape_and_types(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    order_id = accepted_order(tokopedia_sandbox, api)
    assert code(api.post(PICKUP, {"order_id": str(order_id), "shop_id": SARI})) == "ORD_DLV_020"
    assert code(api.post(PICKUP, {"shop_id": SARI})) == "ORD_DLV_001"
    assert code(api.post(PICKUP, [order_id])) == "ORD_DLV_020"
    assert api.post(PICKUP, {"order_id": order_id, "shop_id": OTHER_APPS_SHOP}).status_code == 403
    assert api.get(PICKUP).status_code == 404  # no GET route: the catch-all
    done = api.post(PICKUP, {"order_id": order_id, "shop_id": SARI})
    assert done.status_code == 200
    assert done.json()["data"]["result"] == "success"
    assert tokopedia_sandbox.order(order_id)["order_status"] == 450


def test_pickup_waits_for_the_configured_delay(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    tokopedia_sandbox.control("POST", "fulfilment", {"pickup_delay_seconds": 5})
    order_id = accepted_order(tokopedia_sandbox, api)
    early = api.post(PICKUP, {"order_id": order_id, "shop_id": SARI})
    assert (early.status_code, code(early)) == (500, "LGS_API_006")
    tokopedia_sandbox.control("POST", "clock", {"advance_seconds": 5})
    assert api.post(PICKUP, {"order_id": order_id, "shop_id": SARI}).status_code == 200
    tokopedia_sandbox.reset()
    assert tokopedia_sandbox.control("GET", "fulfilment") == {"pickup_delay_seconds": 0.0}


def test_label_is_html_and_checks_printed(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    order_id = accepted_order(tokopedia_sandbox, api)
    path = f"/v1/order/{order_id}/fs/{{fs}}/shipping-label"
    assert code(api.get(path, {"printed": "yes"})) == "ORD_DLV_024"
    page = api.get(path, {"printed": 1})
    assert page.headers["content-type"].startswith("text/html")
    assert f"Order ID: {order_id}" in page.text and "Budi" not in page.text[:20]
    assert api.post(path).status_code == 404


def test_steps_send_their_webhooks(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    api.post(
        "/v1/fs/{fs}/register",
        {
            "fs_id": api.fs_id,
            "order_status_url": "http://127.0.0.1:9/status",
            "order_request_cancellation_url": "http://127.0.0.1:9/request",
        },
    )
    order_id = accepted_order(tokopedia_sandbox, api)
    tokopedia_sandbox.control("POST", f"orders/{order_id}/cancel-request", {})
    api.post(PICKUP, {"order_id": order_id, "shop_id": SARI})
    tokopedia_sandbox.control("POST", f"orders/{order_id}/collect")
    tokopedia_sandbox.control("POST", f"orders/{order_id}/deliver")
    statuses = tokopedia_sandbox.wait_for_deliveries(12, event="order_status", timeout=20)
    assert [d["payload"]["order_status"] for d in statuses if d["attempt"] == 1] == [
        400,
        450,
        500,
        600,
    ]
    (request, *_) = tokopedia_sandbox.wait_for_deliveries(1, event="order_request_cancellation")
    assert request["payload"] == {"order_id": order_id}


def test_control_steps_refuse_the_wrong_status(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    order_id = int(tokopedia_sandbox.place_order(SARI, [{"product_id": IN_STOCK}])["order_id"])
    for step in ("collect", "deliver", "fail-delivery", "return", "cancel-request"):
        with pytest.raises(tokopedia_sandbox.error) as refused:
            tokopedia_sandbox.control("POST", f"orders/{order_id}/{step}", {})
        assert refused.value.status == 409, step
    cancelled = tokopedia_sandbox.control("POST", f"orders/{order_id}/buyer-cancel")
    assert cancelled["order_status"] == 15
