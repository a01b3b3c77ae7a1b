"""The fs.tokopedia.net route table: method, path (exactly as in the fact sheet), endpoint
group (for rate limits and stats), handler, error domain and whether it is a bulk call.

Unknown paths answer 404 and wrong methods 405, both in the normal envelope.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from satustok_sandbox.tokopedia import (
    fulfilment_api,
    order_api,
    product_api,
    shop_api,
    stock_api,
    webhook_api,
)
from satustok_sandbox.tokopedia.envelope import ApiError, error_response
from satustok_sandbox.tokopedia.pipeline import ApiRoute, make_endpoint

if TYPE_CHECKING:
    from satustok_sandbox.tokopedia.sandbox import TokopediaSandbox

ORDER = "/v1/order/{order_id}/fs/{fs_id}"

ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("GET", "/v1/shop/fs/{fs_id}/shop-info", "shop_info", shop_api.get_shop_info, "SHP"),
    ApiRoute(
        "GET", "/inventory/v1/fs/{fs_id}/product/info", "product_info", product_api.get_product_info
    ),
    ApiRoute(
        "GET",
        "/inventory/v1/fs/{fs_id}/product/variant/{product_id}",
        "product_variant",
        product_api.get_variant,
        "VRT",
    ),
    ApiRoute(
        "POST",
        "/v1/products/fs/{fs_id}/active",
        "product_active",
        product_api.set_active,
        bulk=True,
    ),
    ApiRoute(
        "POST",
        "/v1/products/fs/{fs_id}/inactive",
        "product_active",
        product_api.set_inactive,
        bulk=True,
    ),
    ApiRoute(
        "POST",
        "/inventory/v1/fs/{fs_id}/stock/update",
        "stock_update",
        stock_api.update_stock,
        bulk=True,
    ),
    ApiRoute(
        "POST",
        "/inventory/v1/fs/{fs_id}/price/update",
        "price_update",
        stock_api.update_price,
        bulk=True,
    ),
    *(
        ApiRoute(
            "POST",
            f"/inventory/{version}/fs/{{fs_id}}/stock/{direction}",
            "stock_increment",
            handler,
            bulk=True,
        )
        for version in ("v1", "v2")
        for direction, handler in (
            ("increment", stock_api.increment_stock),
            ("decrement", stock_api.decrement_stock),
        )
    ),
    ApiRoute("GET", "/v2/order/list", "order_list", order_api.list_orders, "ORD", fs_id_in="query"),
    ApiRoute("GET", "/v2/fs/{fs_id}/order", "order_single", order_api.get_order, "ORD"),
    ApiRoute("POST", f"{ORDER}/ack", "order_action", order_api.accept_order, "ORD"),
    ApiRoute("POST", f"{ORDER}/nack", "order_action", order_api.reject_order, "ORD"),
    ApiRoute("POST", f"{ORDER}/status", "order_action", order_api.confirm_shipping, "ORD"),
    ApiRoute(
        "POST",
        "/inventory/v1/fs/{fs_id}/pick-up",
        "order_action",
        fulfilment_api.request_pickup,
        "ORD",
    ),
    ApiRoute(
        "GET", f"{ORDER}/shipping-label", "order_action", fulfilment_api.shipping_label, "ORD"
    ),
    ApiRoute("POST", f"{ORDER}/reject-cancel", "order_action", fulfilment_api.reject_cancel, "ORD"),
    ApiRoute(
        "POST", "/v1/fs/{fs_id}/register", "webhook", webhook_api.register, webhook_style=True
    ),
    ApiRoute("GET", "/v1/fs/{fs_id}", "webhook", webhook_api.list_webhooks, webhook_style=True),
)


def api_routes(sim: TokopediaSandbox) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        Route(route.path, make_endpoint(sim, route), methods=[route.method]) for route in ROUTES
    ]
    return [
        *routes,
        Route("/{path:path}", _not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]


async def _not_found(request: Request) -> Response:
    error = ApiError("NOT_FOUND", f"No such endpoint: {request.method} {request.url.path}", 404)
    return error_response(error, time.perf_counter())
