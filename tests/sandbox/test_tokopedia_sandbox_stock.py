"""Stock and price updates, increments and decrements, with their per-row failures."""

from __future__ import annotations

from tokopedia_sandbox_helpers import OFFICIAL, SARI, Api

from satustok_sandbox.server import RunningSandbox

STOCK_UPDATE = "/inventory/v1/fs/{fs}/stock/update"
PRICE_UPDATE = "/inventory/v1/fs/{fs}/price/update"
SHOP = {"shop_id": SARI}
ACTIVE_SINGLE = 2100050  # SB-MSK-SDM-050, active, in stock
FAMILY_PARENT = 2100121  # the first variant parent of 480001


def test_stock_update_by_product_id_and_by_sku(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    sku = tokopedia_sandbox.product(2100060)["sku"]
    response = api.post(
        STOCK_UPDATE,
        [{"product_id": ACTIVE_SINGLE, "new_stock": 7}, {"sku": sku, "new_stock": 3}],
        SHOP,
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"failed_rows": 0, "failed_rows_data": [], "succeed_rows": 2}
    assert tokopedia_sandbox.product(ACTIVE_SINGLE)["stock"] == 7
    assert tokopedia_sandbox.product(2100060)["stock"] == 3


def test_sku_wins_over_product_id(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    sku = tokopedia_sandbox.product(2100060)["sku"]
    before = tokopedia_sandbox.product(ACTIVE_SINGLE)["stock"]
    api.post(STOCK_UPDATE, [{"sku": sku, "product_id": ACTIVE_SINGLE, "new_stock": 11}], SHOP)
    assert tokopedia_sandbox.product(2100060)["stock"] == 11
    assert tokopedia_sandbox.product(ACTIVE_SINGLE)["stock"] == before


def test_partial_failure_rows_are_reported_in_a_200(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    rows = [
        {"product_id": ACTIVE_SINGLE, "new_stock": 5},
        {"product_id": 1, "new_stock": 5},
        {"sku": "NO-SUCH-SKU", "new_stock": 5},
        {"sku": "X" * 51, "new_stock": 5},
        {"product_id": FAMILY_PARENT, "new_stock": 5},
        {"product_id": 2100015, "new_stock": 5},  # banned
        {"product_id": 3100001, "new_stock": 5},  # another shop's product
        {"product_id": 2100051, "new_stock": -1},
    ]
    data = api.post(STOCK_UPDATE, rows, SHOP).json()["data"]
    messages = [row["message"] for row in data["failed_rows_data"]]
    assert data["succeed_rows"] == 1 and data["failed_rows"] == 7
    assert messages[:3] == ["Invalid Product ID.", "Invalid SKU.", "Invalid SKU."]
    assert "variant parent" in messages[3]
    assert messages[4] == "Product Status Not In Active or Warehouse."
    assert messages[5] == "Invalid Product ID."
    assert "new_stock" in messages[6]
    first_failure = data["failed_rows_data"][0]
    assert set(first_failure) == {"product_id", "sku", "product_url", "new_stock", "message"}


def test_more_than_100_rows_is_prd_dlv_018(api: Api) -> None:
    rows = [{"product_id": ACTIVE_SINGLE, "new_stock": 1}] * 101
    response = api.post(STOCK_UPDATE, rows, SHOP)
    assert (response.status_code, response.json()["header"]["error_code"]) == (400, "PRD_DLV_018")


def test_bad_bodies_and_missing_shop(api: Api) -> None:
    not_a_list = api.post(STOCK_UPDATE, {"product_id": 1}, SHOP)
    empty = api.post(STOCK_UPDATE, [], SHOP)
    no_shop = api.post(STOCK_UPDATE, [{"product_id": 1, "new_stock": 1}])
    bad_warehouse = api.post(
        STOCK_UPDATE, [{"product_id": 1, "new_stock": 1}], {**SHOP, "warehouse_id": 4_800_021}
    )
    codes = [r.json()["header"]["error_code"] for r in (not_a_list, empty, no_shop, bad_warehouse)]
    assert codes == ["PRD_DLV_043", "PRD_DLV_020", "PRD_DLV_016", "PRD_USC_021"]


def test_stock_zero_deactivates_and_restock_reactivates_unless_bypassed(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    api.post(STOCK_UPDATE, [{"product_id": ACTIVE_SINGLE, "new_stock": 0}], SHOP)
    assert tokopedia_sandbox.product(ACTIVE_SINGLE)["status"] == 3
    api.post(STOCK_UPDATE, [{"product_id": ACTIVE_SINGLE, "new_stock": 4}], SHOP)
    assert tokopedia_sandbox.product(ACTIVE_SINGLE)["status"] == 1
    bypass = {**SHOP, "bypass_update_product_status": "true"}
    api.post(STOCK_UPDATE, [{"product_id": ACTIVE_SINGLE, "new_stock": 0}], bypass)
    assert tokopedia_sandbox.product(ACTIVE_SINGLE)["status"] == 1


def test_restock_does_not_reactivate_a_product_the_seller_deactivated(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    seller_inactive = 2100007
    api.post(STOCK_UPDATE, [{"product_id": seller_inactive, "new_stock": 9}], SHOP)
    product = tokopedia_sandbox.product(seller_inactive)
    assert (product["stock"], product["status"]) == (9, 3)


def test_duplicate_sku_updates_every_product_that_carries_it(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    data = api.post(STOCK_UPDATE, [{"sku": "SB-DRS-TRN-032", "new_stock": 12}], SHOP).json()["data"]
    assert data["succeed_rows"] == 1
    assert tokopedia_sandbox.product(2100032)["stock"] == 12
    assert tokopedia_sandbox.product(2100033)["stock"] == 12


def test_price_update_and_its_bounds(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    rows = [
        {"product_id": ACTIVE_SINGLE, "new_price": 155_000},
        {"product_id": 2100051, "new_price": 99},
        {"product_id": 2100052, "new_price": 100_000_001},
    ]
    data = api.post(PRICE_UPDATE, rows, SHOP).json()["data"]
    assert (data["succeed_rows"], data["failed_rows"]) == (1, 2)
    assert data["failed_rows_data"][0]["new_price"] == 99
    assert tokopedia_sandbox.product(ACTIVE_SINGLE)["price"] == 155_000


def test_increment_and_decrement_on_v1_and_v2(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    start = tokopedia_sandbox.product(ACTIVE_SINGLE)["stock"]
    up = api.post(
        "/inventory/v1/fs/{fs}/stock/increment",
        [{"product_id": ACTIVE_SINGLE, "stock_value": 5}],
        SHOP,
    ).json()["data"]
    down = api.post(
        "/inventory/v2/fs/{fs}/stock/decrement",
        [{"product_id": ACTIVE_SINGLE, "new_stock": 2}],
        SHOP,
    ).json()["data"]
    assert up["total_data"] == 1 and up["succeed_rows"] == 1
    assert up["succeed_rows_data"] == [
        {"productID": ACTIVE_SINGLE, "warehouseID": 4_800_011, "shopID": SARI,
         "stock": start + 5, "price": tokopedia_sandbox.product(ACTIVE_SINGLE)["price"]}
    ]  # fmt: skip
    assert down["succeed_rows_data"][0]["stock"] == start + 3
    assert tokopedia_sandbox.product(ACTIVE_SINGLE)["stock"] == start + 3


def test_decrement_below_zero_fails_the_row(tokopedia_sandbox: RunningSandbox, api: Api) -> None:
    stock = tokopedia_sandbox.product(ACTIVE_SINGLE)["stock"]
    rows = [{"product_id": ACTIVE_SINGLE, "stock_value": stock + 1}]
    data = api.post("/inventory/v1/fs/{fs}/stock/decrement", rows, SHOP).json()["data"]
    assert data["failed_rows"] == 1
    assert "not enough" in data["failed_rows_data"][0]["message"]
    assert tokopedia_sandbox.product(ACTIVE_SINGLE)["stock"] == stock


def test_a_repeated_request_id_returns_the_first_answer_and_changes_nothing(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    start = tokopedia_sandbox.product(ACTIVE_SINGLE)["stock"]
    params = {**SHOP, "request_id": "sync-42_a"}
    path = "/inventory/v1/fs/{fs}/stock/decrement"
    first = api.post(path, [{"product_id": ACTIVE_SINGLE, "stock_value": 2}], params).json()
    again = api.post(path, [{"product_id": ACTIVE_SINGLE, "stock_value": 9}], params).json()
    assert again["data"] == first["data"]
    assert tokopedia_sandbox.product(ACTIVE_SINGLE)["stock"] == start - 2
    other_shop = api.post(
        path,
        [{"sku": "SB-MSK-SDM-050", "stock_value": 1}],
        {"shop_id": OFFICIAL, "request_id": "sync-42_a"},
    )
    assert other_shop.json()["data"]["succeed_rows"] == 1  # the key is per shop


def test_invalid_request_id_is_rejected(api: Api) -> None:
    for bad in ("has space", "x" * 21, "semi;colon"):
        response = api.post(
            "/inventory/v1/fs/{fs}/stock/increment",
            [{"product_id": ACTIVE_SINGLE, "stock_value": 1}],
            {**SHOP, "request_id": bad},
        )
        assert (response.status_code, response.json()["header"]["error_code"]) == (
            400,
            "PRD_DLV_042",
        )
