"""Shop calls (fact sheet §4): get_shop_info, get_warehouse_detail, and the public
get_shops_by_partner.

``get_shop_info`` answers at the top level as documented (``shop_name, region, status,
auth_time, expire_time…``) and, for clients that read a ``response`` object, repeats the same
fields there. It is the one shop call a BANNED shop still answers, so a client can learn why
everything else says ``shop_banned``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from satustok_sandbox.shopee.envelope import ok, param_error, request_id
from satustok_sandbox.shopee.pipeline import Call


async def get_shop_info(call: Call) -> Response:
    shop = call.shop
    assert shop is not None
    with call.state.lock:
        authorization = call.state.authorizations[(call.partner.partner_id, shop.shop_id)]
        fields: dict[str, Any] = {
            "shop_id": shop.shop_id,
            "shop_name": shop.shop_name,
            "region": shop.region,
            "status": shop.status,
            "is_cb": False,
            "is_sip": False,
            "is_upgraded_cbsc": False,
            "merchant_id": shop.merchant_id,
            "shop_fulfillment_flag": "Others",
            "is_main_shop": False,
            "is_direct_shop": False,
            "auth_time": authorization.auth_time,
            "expire_time": authorization.expire_time,
        }
    return JSONResponse(
        {
            "request_id": request_id(),
            "error": "",
            "message": "",
            "warning": "",
            **fields,
            "response": fields,
        }
    )


async def get_warehouse_detail(call: Call) -> Response:
    kind = call.int_param("warehouse_type", default=1, minimum=1, maximum=2, module="shop")
    shop = call.shop
    assert shop is not None
    rows = [
        {
            "warehouse_id": loc.warehouse_id,
            "warehouse_name": loc.name,
            "location_id": loc.location_id,
            "address_id": loc.warehouse_id * 10 + (kind or 1),
            "region": shop.region,
            "state": loc.state,
            "city": loc.city,
            "district": "",
            "town": "",
            "address": f"Jl. Gudang No. {number}",
            "zipcode": loc.zipcode,
            "state_code": "",
            "holiday_mode_state": 0,
        }
        for number, loc in enumerate(shop.locations, start=1)
    ]
    return ok(rows)


async def get_shops_by_partner(call: Call) -> Response:
    size = call.int_param("page_size", default=100, minimum=1, maximum=100)
    page = call.int_param("page_no", default=1, minimum=1)
    assert size is not None and page is not None
    if page < 1:
        raise param_error("page_no starts at 1.")
    state = call.state
    with state.lock:
        authorized = sorted(
            (a for a in state.authorizations.values() if a.partner_id == call.partner.partner_id),
            key=lambda a: a.shop_id,
        )
        active = [a for a in authorized if a.active(state.now())]
        rows = [
            {
                "region": state.shops[a.shop_id].region,
                "shop_id": a.shop_id,
                "auth_time": a.auth_time,
                "expire_time": a.expire_time,
                "sip_affi_shop_list": [],
            }
            for a in active[(page - 1) * size : page * size]
        ]
    more = page * size < len(active)
    return JSONResponse(
        {
            "request_id": request_id(),
            "error": "",
            "message": "",
            "authed_shop_list": rows,
            "more": more,
            "response": {"authed_shop_list": rows, "more": more},
        }
    )
