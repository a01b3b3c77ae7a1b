"""Shop info, product info in all its modes, variants and activate/deactivate."""

from __future__ import annotations

from typing import Any

from tokopedia_sandbox_helpers import (
    HOLIDAY,
    OFFICIAL,
    OTHER_APPS_SHOP,
    REGULAR,
    SARI,
    Api,
)

from satustok_sandbox.server import RunningSandbox
from satustok_sandbox.tokopedia.envelope import MESSAGE_MALFORMED, MESSAGE_SUCCESS, RBAC_REASON

SHOP_INFO = "/v1/shop/fs/{fs}/shop-info"
PRODUCT_INFO = "/inventory/v1/fs/{fs}/product/info"
VARIANT = "/inventory/v1/fs/{fs}/product/variant/{product_id}"


def all_listed(api: Api, shop_id: int = SARI, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while batch := api.products(shop_id=shop_id, page=page, per_page=50, **params):
        rows += batch
        page += 1
    return rows


def test_shop_info_lists_the_linked_shops_without_tier(api: Api) -> None:
    response = api.get(SHOP_INFO)
    body = response.json()
    assert response.status_code == 200
    assert body["header"]["messages"] == "Successfully get retrieved shop info data"
    assert body["header"]["error_code"] == 0
    assert [shop["shop_id"] for shop in body["data"]] == [SARI, OFFICIAL, HOLIDAY]
    sari = body["data"][0]
    assert sari["is_open"] == 1 and sari["status"] == 1 and sari["shop_name"] == "Toko Sari Batik"
    assert sari["warehouses"][0]["is_default"] == 1
    assert not any("tier" in key or "gold" in key or "official" in key for key in sari)


def test_shop_info_of_a_holiday_shop_says_closed_with_a_reason(api: Api) -> None:
    shop = api.get(SHOP_INFO, {"shop_id": HOLIDAY}).json()["data"][0]
    assert (shop["is_open"], shop["status"]) == (0, 2)
    assert "Libur" in shop["reason"]


def test_shops_of_other_apps_or_unlinked_shops_are_forbidden(api: Api) -> None:
    for shop_id in (REGULAR, OTHER_APPS_SHOP, 999_999):
        response = api.get(SHOP_INFO, {"shop_id": shop_id})
        assert response.status_code == 403
        header = response.json()["header"]
        assert header["error_code"] == "RBAC_MDLW_001"
        assert header["reason"] == RBAC_REASON
        assert response.json()["data"] is None
    products = api.get(PRODUCT_INFO, {"shop_id": OTHER_APPS_SHOP, "page": 1, "per_page": 10})
    assert products.status_code == 403


def test_shop_info_paging(api: Api) -> None:
    pages = [api.get(SHOP_INFO, {"page": p, "per_page": 2}).json()["data"] for p in (1, 2, 3)]
    assert [len(page) for page in pages] == [2, 1, 0]


def test_product_listing_pages_through_every_live_product(
    fast_api: Api, unlimited_tokopedia_sandbox: RunningSandbox
) -> None:
    rows = all_listed(fast_api)
    ids = [row["basic"]["productID"] for row in rows]
    statuses = {row["basic"]["status"] for row in rows}
    assert len(ids) == len(set(ids)) == 169
    assert statuses == {-2, -1, 1, 3}  # deleted (0) products are not listed
    assert fast_api.products(shop_id=SARI, page=5, per_page=50) == []


def test_product_shape(api: Api) -> None:
    row = api.products(shop_id=SARI, page=1, per_page=1)[0]
    assert set(row["basic"]) >= {"productID", "shopID", "status", "name", "condition"}
    assert set(row["price"]) == {"value", "currency", "LastUpdateUnix", "idr"}
    assert set(row["stock"]) == {"useStock", "value", "stockWording"}
    assert row["main_stock"] == row["stock"]["value"]
    assert set(row["other"]) == {"sku", "url", "mobileURL"}
    assert row["warehouses"][0]["warehouseID"] == 4_800_011
    assert isinstance(row["basic"]["productID"], int)


def test_variant_parents_and_children_are_all_listed(fast_api: Api) -> None:
    rows = {row["basic"]["productID"]: row for row in all_listed(fast_api)}
    parents = [row for row in rows.values() if row["variant"]["isParent"]]
    assert len(parents) == 15
    for parent in parents:
        children = [rows[child_id] for child_id in parent["variant"]["childrenID"]]
        assert 2 <= len(children) <= 4
        assert all(child["variant"]["isVariant"] for child in children)
        assert {c["variant"]["parentID"] for c in children} == {parent["basic"]["productID"]}
        assert parent["stock"]["value"] == sum(c["stock"]["value"] for c in children)


def test_per_page_above_50_and_missing_page_are_validation_errors(api: Api) -> None:
    too_big = api.get(PRODUCT_INFO, {"shop_id": SARI, "page": 1, "per_page": 51})
    no_page = api.get(PRODUCT_INFO, {"shop_id": SARI, "per_page": 10})
    bad_sort = api.get(PRODUCT_INFO, {"shop_id": SARI, "page": 1, "per_page": 10, "sort": 11})
    nothing = api.get(PRODUCT_INFO)
    codes = [r.json()["header"]["error_code"] for r in (too_big, no_page, bad_sort, nothing)]
    assert codes == ["PRD_DLV_012", "PRD_DLV_005", "PRD_DLV_008", "PRD_DLV_004"]
    assert {r.status_code for r in (too_big, no_page, bad_sort, nothing)} == {400}
    assert too_big.json()["header"]["messages"] == MESSAGE_MALFORMED
    assert too_big.json()["data"] is None


def test_sorting_by_price_and_name(fast_api: Api) -> None:
    by_price = all_listed(fast_api, sort=6)
    prices = [row["price"]["value"] for row in by_price]
    by_name_desc = all_listed(fast_api, sort=8)
    names = [row["basic"]["name"].lower() for row in by_name_desc]
    assert prices == sorted(prices)
    assert names == sorted(names, reverse=True)


def test_product_ids_comma_joined_and_repeated_are_the_same(api: Api) -> None:
    joined = api.products(product_id="2100046,2100047")
    repeated = api.products(product_id=["2100046", "2100047"])
    assert [r["basic"]["productID"] for r in joined] == [2100046, 2100047]
    assert joined == repeated
    assert api.products(product_id="2100020") == []  # deleted
    assert api.get(PRODUCT_INFO, {"product_id": "abc"}).json()["header"]["error_code"] == (
        "PRD_DLV_021"
    )


def test_lookup_by_sku_is_exact_and_finds_duplicates(api: Api) -> None:
    duplicates = api.products(sku="SB-DRS-TRN-032", shop_id=SARI)
    across_shops = api.products(sku="SB-KMJ-SGN-071")
    assert len(duplicates) == 2
    assert {r["basic"]["shopID"] for r in across_shops} == {SARI, OFFICIAL}
    assert api.products(sku="sb-kmj-sgn-071") == []


def test_lookup_by_url_accepts_web_and_mobile_urls(api: Api) -> None:
    row = api.products(product_id="2100050")[0]
    by_web = api.products(product_url=row["other"]["url"])
    by_mobile = api.products(product_url=row["other"]["mobileURL"] + "/")
    assert [r["basic"]["productID"] for r in by_web + by_mobile] == [2100050, 2100050]


def test_the_name_key_fault_switches_to_capital_name(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    tokopedia_sandbox.set_faults(name_key="Name")
    basic = api.products(product_id="2100050")[0]["basic"]
    assert "Name" in basic and "name" not in basic


def test_malformed_next_corrupts_the_next_product_answers_only(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    tokopedia_sandbox.set_faults(malformed_next=1)
    broken = api.products(shop_id=SARI, page=1, per_page=2)
    healthy = api.products(shop_id=SARI, page=1, per_page=2)
    assert isinstance(broken[0]["basic"]["productID"], str)
    assert "other" not in broken[1]
    assert isinstance(healthy[0]["basic"]["productID"], int) and "other" in healthy[1]


def test_variant_endpoint_from_parent_or_child(api: Api) -> None:
    parent = next(
        row for row in api.products(shop_id=SARI, page=3, per_page=50) if row["variant"]["isParent"]
    )
    parent_id = parent["basic"]["productID"]
    child_id = parent["variant"]["childrenID"][0]
    from_parent = api.get(VARIANT.replace("{product_id}", str(parent_id))).json()["data"]
    from_child = api.get(VARIANT.replace("{product_id}", str(child_id))).json()["data"]
    assert from_parent == from_child
    assert from_parent["parent_id"] == parent_id
    children = from_parent["children"]
    assert [c["product_id"] for c in children] == parent["variant"]["childrenID"]
    option_ids = {o["id"] for v in from_parent["variant"] for o in v["option"]}
    assert all(set(c["option_ids"]) <= option_ids for c in children)
    assert {"sku", "stock", "price", "enabled", "is_buyable"} <= set(children[0])


def test_variant_endpoint_errors(api: Api) -> None:
    bad = api.get(VARIANT.replace("{product_id}", "x1"))
    unknown = api.get(VARIANT.replace("{product_id}", "1"))
    assert (bad.status_code, bad.json()["header"]["error_code"]) == (400, "VRT_DLV_005")
    assert unknown.status_code == 500


def test_deactivate_then_activate_with_partial_failures(
    tokopedia_sandbox: RunningSandbox, api: Api
) -> None:
    params = {"shop_id": SARI}
    off = api.post("/v1/products/fs/{fs}/inactive", {"product_id": [2100050, 2100015, 1]}, params)
    data = off.json()["data"]
    assert off.status_code == 200 and off.json()["header"]["messages"] == MESSAGE_SUCCESS
    assert (data["total_data"], data["succeed_rows"], data["failed_rows"]) == (3, 1, 2)
    assert "Error Product ID [2100015]" in data["failed_rows_data"][0]  # banned
    assert tokopedia_sandbox.product(2100050)["status"] == 3
    on = api.post("/v1/products/fs/{fs}/active", {"product_id": [2100050]}, params).json()["data"]
    assert on["failed_rows_data"] is None
    assert tokopedia_sandbox.product(2100050)["status"] == 1


def test_activate_caps_at_25_ids(api: Api) -> None:
    response = api.post(
        "/v1/products/fs/{fs}/active", {"product_id": list(range(1, 27))}, {"shop_id": SARI}
    )
    assert (response.status_code, response.json()["header"]["error_code"]) == (400, "PRD_DLV_018")
