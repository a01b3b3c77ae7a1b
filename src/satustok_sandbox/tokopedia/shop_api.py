"""Get Shop Info (fact sheet §4): the shops linked to the app, one page at a time.

Tier is deliberately absent (the real payload has no Official Store / Power Merchant flag).
A holiday shop answers ``is_open: 0``, ``status: 2`` and its close note as ``reason``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from satustok_sandbox.tokopedia.catalog import linked_shop
from satustok_sandbox.tokopedia.envelope import MESSAGE_SHOP_INFO, envelope_response
from satustok_sandbox.tokopedia.pipeline import Call
from satustok_sandbox.tokopedia.state import Shop, Warehouse

SHOP_STATUS_OPEN = 1
SHOP_STATUS_CLOSED = 2
DEFAULT_PER_PAGE = 50


async def get_shop_info(call: Call) -> Response:
    shop_id = call.int_param(
        "shop_id", missing=None, invalid=("SHP_DLV_002", "Invalid Shop ID, please kindly check")
    )
    page = call.int_param(
        "page",
        missing=None,
        default=1,
        invalid=("SHP_DLV_003", "Invalid Page format, please kindly check"),
    )
    per_page = call.int_param(
        "per_page",
        missing=None,
        default=DEFAULT_PER_PAGE,
        invalid=("SHP_DLV_004", "Invalid Per Page format, please kindly check"),
    )
    assert page is not None and per_page is not None
    state = call.state
    with state.lock:
        if shop_id is not None:
            shops = [linked_shop(state, shop_id, call.fs_id)]
        else:
            shops = sorted(
                (s for s in state.shops.values() if s.is_linked_to(call.fs_id)),
                key=lambda s: s.shop_id,
            )
        rows = [shop_json(shop) for shop in shops[(page - 1) * per_page : page * per_page]]
    return envelope_response(
        rows, call.started, header_overrides={"messages": MESSAGE_SHOP_INFO, "error_code": 0}
    )


def shop_json(shop: Shop) -> dict[str, Any]:
    default = shop.default_warehouse()
    return {
        "shop_id": shop.shop_id,
        "user_id": shop.user_id,
        "shop_name": shop.name,
        "logo": f"https://images.tokopedia.net/img/cache/215-square/shops-1/{shop.domain}.png",
        "shop_url": f"https://www.tokopedia.com/{shop.domain}",
        "domain": shop.domain,
        "is_open": 1 if shop.is_open else 0,
        "status": SHOP_STATUS_OPEN if shop.is_open else SHOP_STATUS_CLOSED,
        "date_shop_created": shop.created_date,
        "admin_id": [shop.user_id],
        "reason": "" if shop.is_open else shop.close_note,
        "district_id": 5101,
        "province_name": default.province_name,
        "warehouses": [_warehouse_json(warehouse) for warehouse in shop.warehouses],
        "subscribe_tokocabang": False,
        "is_mitra": False,
    }


def _warehouse_json(warehouse: Warehouse) -> dict[str, Any]:
    return {
        "warehouse_id": warehouse.warehouse_id,
        "warehouse_name": warehouse.name,
        "district_id": 5101,
        "district_name": warehouse.district_name,
        "city_id": 501,
        "city_name": warehouse.city_name,
        "province_id": 5,
        "province_name": warehouse.province_name,
        "status": 1,
        "postal_code": warehouse.postal_code,
        "is_default": 1 if warehouse.is_default else 0,
        "latlon": "-7.7956,110.3695",
        "latitude": "-7.7956",
        "longitude": "110.3695",
        "email": "",
        "address_detail": warehouse.address,
        "phone": "",
        "warehouse_type": 0,
    }
