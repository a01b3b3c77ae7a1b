"""The request bodies the hub sends Tokopedia, in the shape the real API takes, and a sandbox
that refuses the shapes the real API refuses (so a wrong body fails in tests, not in a shop).

The reject (``nack``) body's ``empty_products`` is an array of product ids; the client once
sent ``[{"product_id": …}]`` and the sandbox took both, so nothing noticed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from satustok.channels.http.errors import ValidationError
from satustok.channels.tokopedia.client import ORDER_CONFIRM, ORDER_NACK
from satustok.channels.tokopedia.schemas import OrderRejection, RejectReason

if TYPE_CHECKING:
    from conftest import PlaceOrder
    from satustok.channels.tokopedia.client import TokopediaClient
    from satustok_sandbox.server import RunningSandbox

pytestmark = pytest.mark.dbless

BAD_JSON = "ORD_DLV_020"


def test_the_reject_body_lists_out_of_stock_products_as_ids() -> None:
    body = OrderRejection(RejectReason.OUT_OF_STOCK, empty_products=[11, 12]).body()
    assert body["empty_products"] == [11, 12]


@pytest.mark.parametrize(
    "empty_products",
    [
        [{"product_id": 1}],  # the shape the client used to send
        ["1"],
        1,
        [True],
    ],
)
def test_the_sandbox_refuses_empty_products_that_are_not_an_array_of_ids(
    client: TokopediaClient,
    tokopedia_sandbox: RunningSandbox,
    place_order: PlaceOrder,
    empty_products: object,
) -> None:
    placed = place_order()
    product_id = placed["items"][0]["product_id"]
    stock = tokopedia_sandbox.product(product_id)["stock"]
    body = {"reason_code": 1, "reason": "", "empty_products": empty_products}
    with pytest.raises(ValidationError) as raised:
        client._call(ORDER_NACK, path={"order_id": placed["order_id"]}, body=body)
    assert (raised.value.status, raised.value.error_code) == (400, BAD_JSON)
    # Refused as a whole: the order is still open and no product was emptied.
    assert tokopedia_sandbox.order(placed["order_id"])["order_status"] == 220
    assert tokopedia_sandbox.product(product_id)["stock"] == stock


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        (ORDER_NACK, {"reason_code": "5"}),  # an integer field sent as text
        (ORDER_CONFIRM, {"order_status": "500", "shipping_ref_num": "JNE1"}),
        (ORDER_NACK, {"reason_code": 5, "reason": 123}),  # a string field sent as a number
        (ORDER_CONFIRM, {"order_status": 500, "shipping_ref_num": 123456}),
    ],
)
def test_the_sandbox_refuses_fields_of_the_wrong_json_type(
    client: TokopediaClient,
    tokopedia_sandbox: RunningSandbox,
    place_order: PlaceOrder,
    endpoint: object,
    body: dict[str, object],
) -> None:
    order_id = place_order()["order_id"]
    tokopedia_sandbox.move_order(order_id, 400)
    with pytest.raises(ValidationError) as raised:
        client._call(endpoint, path={"order_id": order_id}, body=body)  # type: ignore[arg-type]
    assert raised.value.error_code == BAD_JSON
    assert tokopedia_sandbox.order(order_id)["order_status"] == 400
