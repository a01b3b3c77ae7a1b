"""Order list, single order, accept / reject / confirm shipping, and buyer-side orders."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tokopedia_sandbox_helpers import HOLIDAY, OTHER_APPS_SHOP, SARI, Api

from satustok_sandbox.server import RunningSandbox, SandboxControlError

ORDER_LIST = "/v2/order/list"
SINGLE = "/v2/fs/{fs}/order"
DAY = 86_400
IN_STOCK = 2100050


def window(api: Api, start: int, end: int, **params: Any) -> dict[str, Any]:
    query = {"fs_id": api.fs_id, "from_date": start, "to_date": end, "page": 1, "per_page": 100}
    return {**query, **params}


def list_all(
    api: Api, start: int, end: int, per_page: int = 100, **params: Any
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        query = window(api, start, end, page=page, per_page=per_page, **params)
        response = api.get(ORDER_LIST, query)
        assert response.status_code == 200, response.text
        if not response.json()["data"]:
            return rows
        rows += response.json()["data"]
        page += 1


def seven_days(api: Api) -> list[dict[str, Any]]:
    now = int(time.time()) + 60
    return [
        row
        for k in range(3)
        for row in list_all(api, now - (k + 1) * 3 * DAY, now - k * 3 * DAY - 1)
    ]


def test_the_order_list_covers_paid_orders_of_linked_shops(api: Api) -> None:
    rows = seven_days(api)
    ids = [row["order_id"] for row in rows]
    assert len(ids) == len(set(ids)) == 41  # 30 + 10 + 2 demo orders, minus the two unpaid ones
    assert {row["shop_id"] for row in rows} == {SARI, 480002, HOLIDAY}
    assert 100 not in {row["order_status"] for row in rows}
    first = rows[0]
    assert first["fs_id"] == "15001" and isinstance(first["create_time"], int)
    assert set(first["amt"]) >= {"ttl_product_price", "shipping_cost", "ttl_amount"}
    assert "****" in first["buyer"]["phone"]


def test_the_list_is_sorted_by_create_time_and_pages_end_empty(api: Api) -> None:
    now = int(time.time()) + 60
    rows = list_all(api, now - 3 * DAY, now, per_page=3, shop_id=SARI)
    times = [row["create_time"] for row in rows]
    assert times == sorted(times) and len(rows) > 3
    assert all(now - 3 * DAY <= t <= now for t in times)


def test_window_and_paging_validation(api: Api) -> None:
    now = int(time.time())
    cases = {
        "ORD_DLV_013": window(api, now - 3 * DAY - 1, now),
        "ORD_DLV_009": {"fs_id": api.fs_id, "to_date": now, "page": 1, "per_page": 10},
        "ORD_DLV_014": window(api, now - DAY, now, page=""),
        "ORD_DLV_017": window(api, now - DAY, now, per_page=101),
        "ORD_DLV_008": window(api, now - DAY, now, shop_id=SARI, warehouse_id=4_800_011),
        "ORD_DLV_001": {"from_date": now - DAY, "to_date": now, "page": 1, "per_page": 10},
    }
    for code, params in cases.items():
        response = api.get(ORDER_LIST, params)
        assert (response.status_code, response.json()["header"]["error_code"]) == (400, code)
    assert api.get(ORDER_LIST, window(api, now - 3 * DAY, now)).status_code == 200


def test_the_list_of_another_apps_shop_is_forbidden(api: Api) -> None:
    now = int(time.time())
    response = api.get(ORDER_LIST, window(api, now - DAY, now, shop_id=OTHER_APPS_SHOP))
    assert response.status_code == 403


def test_status_filter(api: Api) -> None:
    now = int(time.time()) + 60
    rows = list_all(api, now - 3 * DAY, now, status=220)
    assert rows and {row["order_status"] for row in rows} == {220}


def test_single_order_by_id_or_invoice(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    order = tokopedia_sandbox.place_order(SARI, [{"product_id": IN_STOCK, "quantity": 2}])
    by_id = api.get(SINGLE, {"order_id": order["order_id"]}).json()["data"]
    by_invoice = api.get(SINGLE, {"invoice_num": order["invoice_ref_num"]}).json()["data"]
    assert by_id == by_invoice
    assert by_id["order_status"] == 220
    assert by_id["create_time"].endswith("+07:00")
    detail = by_id["order_info"]["order_detail"][0]
    assert (detail["product_id"], detail["quantity"]) == (IN_STOCK, 2)


def test_single_order_errors(api: Api) -> None:
    neither = api.get(SINGLE)
    both = api.get(SINGLE, {"order_id": 1, "invoice_num": "INV/1"})
    unknown = api.get(SINGLE, {"order_id": 1})
    assert neither.json()["header"]["error_code"] == "ORD_DLV_003"
    assert both.json()["header"]["error_code"] == "ORD_DLV_004"
    assert (unknown.status_code, unknown.json()["header"]["error_code"]) == (500, "ORD_API_008")


def test_placing_an_order_takes_stock_and_refuses_overselling(
    tokopedia_sandbox: RunningSandbox,
) -> None:
    stock = tokopedia_sandbox.product(IN_STOCK)["stock"]
    tokopedia_sandbox.place_order(SARI, [{"product_id": IN_STOCK, "quantity": 1}])
    assert tokopedia_sandbox.product(IN_STOCK)["stock"] == stock - 1
    with pytest.raises(SandboxControlError) as refused:
        tokopedia_sandbox.place_order(SARI, [{"product_id": IN_STOCK, "quantity": stock}])
    assert refused.value.status == 409 and "not enough stock" in refused.value.message
    with pytest.raises(SandboxControlError) as closed:
        tokopedia_sandbox.place_order(HOLIDAY, [{"product_id": 6_200_001, "quantity": 1}])
    assert closed.value.status == 409


def test_accept_then_confirm_shipping(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    order_id = tokopedia_sandbox.place_order(SARI, [{"product_id": IN_STOCK}])["order_id"]
    base = f"/v1/order/{order_id}/fs/{{fs}}"
    early = api.post(f"{base}/status", {"order_status": 500, "shipping_ref_num": "JNE1"})
    accepted = api.post(f"{base}/ack")
    again = api.post(f"{base}/ack")
    no_awb = api.post(f"{base}/status", {"order_status": 500, "shipping_ref_num": ""})
    shipped = api.post(f"{base}/status", {"order_status": 500, "shipping_ref_num": "JNE1234567"})
    assert early.json()["header"]["error_code"] == "LGS_USC_006"
    assert (accepted.status_code, accepted.json()["data"]) == (200, "success")
    assert (again.status_code, again.json()["header"]["error_code"]) == (400, "ORD_USC_001")
    assert no_awb.json()["header"]["error_code"] == "ORD_DLV_021"
    assert shipped.json()["data"] == "Success"
    final = tokopedia_sandbox.order(order_id)
    assert [h["status"] for h in final["history"]] == [220, 400, 500]
    assert final["awb"] == "JNE1234567"


def test_reject_releases_stock(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    stock = tokopedia_sandbox.product(IN_STOCK)["stock"]
    order_id = tokopedia_sandbox.place_order(SARI, [{"product_id": IN_STOCK, "quantity": 3}])[
        "order_id"
    ]
    base = f"/v1/order/{order_id}/fs/{{fs}}/nack"
    assert api.post(base, {"reason_code": 8}).json()["header"]["error_code"] == "ORD_USC_009"
    assert (
        api.post(base, {"reason_code": 8, "reason": "Pembeli minta batal"}).json()["data"]
        == "success"
    )
    assert tokopedia_sandbox.order(order_id)["order_status"] == 10
    assert tokopedia_sandbox.product(IN_STOCK)["stock"] == stock
    assert api.post(base, {"reason_code": 1}).json()["header"]["error_code"] == "ORD_USC_008"


def test_reject_for_shop_closed_needs_date_and_note_and_closes_the_shop(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    order_id = tokopedia_sandbox.place_order(SARI, [{"product_id": IN_STOCK}])["order_id"]
    base = f"/v1/order/{order_id}/fs/{{fs}}/nack"
    missing = api.post(base, {"reason_code": 4, "shop_close_note": "Libur"})
    bad_date = api.post(
        base, {"reason_code": 4, "shop_close_end_date": "2030-01-01", "shop_close_note": "L"}
    )
    ok = api.post(
        base, {"reason_code": 4, "shop_close_end_date": "01/01/2030", "shop_close_note": "Libur"}
    )
    assert missing.json()["header"]["error_code"] == "ORD_USC_012"
    assert bad_date.json()["header"]["error_code"] == "ORD_USC_013"
    assert ok.status_code == 200
    shop = api.get("/v1/shop/fs/{fs}/shop-info", {"shop_id": SARI}).json()["data"][0]
    assert (shop["is_open"], shop["reason"]) == (0, "Libur")


def test_actions_on_unknown_or_foreign_orders(api: Api) -> None:
    unknown = api.post("/v1/order/1/fs/{fs}/ack")
    foreign = api.post("/v1/order/900000301/fs/{fs}/ack")  # a 480005 order
    assert (unknown.status_code, unknown.json()["header"]["error_code"]) == (500, "ORD_API_008")
    assert (foreign.status_code, foreign.json()["header"]["error_code"]) == (403, "RBAC_MDLW_001")


def test_marketplace_cancellation_restores_stock_once(tokopedia_sandbox: RunningSandbox) -> None:
    stock = tokopedia_sandbox.product(IN_STOCK)["stock"]
    order_id = tokopedia_sandbox.place_order(SARI, [{"product_id": IN_STOCK, "quantity": 2}])[
        "order_id"
    ]
    tokopedia_sandbox.move_order(order_id, 400)
    tokopedia_sandbox.move_order(order_id, 15)
    assert tokopedia_sandbox.product(IN_STOCK)["stock"] == stock
    with pytest.raises(SandboxControlError):
        tokopedia_sandbox.move_order(order_id, 0)
    assert tokopedia_sandbox.product(IN_STOCK)["stock"] == stock


def test_ordering_a_duplicate_sku_or_a_parent_is_refused(tokopedia_sandbox: RunningSandbox) -> None:
    for items in (
        [{"sku": "SB-DRS-TRN-032"}],
        [{"product_id": 2100121}],
        [{"product_id": 2100007}],
    ):
        with pytest.raises(SandboxControlError) as refused:
            tokopedia_sandbox.place_order(SARI, items)
        assert refused.value.status == 409
