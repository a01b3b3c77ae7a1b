"""The Shopee API route table: method, real API path (the signed path), handler, and whether it
is a public call, a write (refused for FROZEN shops), answered by BANNED shops, or a token
endpoint (top-level fields). Mounted under ``/shopee`` by the sandbox.

Unknown paths, and known paths called with the wrong method, answer 404 ``error_not_found`` in
the normal envelope.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from satustok_sandbox.shopee import (
    auth,
    logistics_api,
    order_api,
    product_api,
    push_api,
    returns_api,
    shop_api,
    stock_api,
)
from satustok_sandbox.shopee.envelope import ShopeeError, error_response
from satustok_sandbox.shopee.pipeline import ApiRoute, make_endpoint
from satustok_sandbox.shopee.signing import AUTH_PARTNER_PATH

if TYPE_CHECKING:
    from satustok_sandbox.shopee.sandbox import ShopeeSandbox

V2 = "/api/v2"

ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("POST", f"{V2}/auth/token/get", auth.token_get, "public", top_level=True),
    ApiRoute(
        "POST", f"{V2}/auth/access_token/get", auth.access_token_get, "public", top_level=True
    ),
    ApiRoute("GET", f"{V2}/public/get_shops_by_partner", shop_api.get_shops_by_partner, "public"),
    ApiRoute("GET", f"{V2}/shop/get_shop_info", shop_api.get_shop_info, allow_banned=True),
    ApiRoute("GET", f"{V2}/shop/get_warehouse_detail", shop_api.get_warehouse_detail),
    ApiRoute("GET", f"{V2}/product/get_item_list", product_api.get_item_list),
    ApiRoute("GET", f"{V2}/product/get_item_base_info", product_api.get_item_base_info),
    ApiRoute("GET", f"{V2}/product/get_model_list", product_api.get_model_list),
    ApiRoute("GET", f"{V2}/product/search_item", product_api.search_item),
    ApiRoute("POST", f"{V2}/product/update_stock", stock_api.update_stock, writes=True),
    ApiRoute("POST", f"{V2}/product/update_price", stock_api.update_price, writes=True),
    ApiRoute("GET", f"{V2}/order/get_order_list", order_api.get_order_list),
    ApiRoute("GET", f"{V2}/order/get_order_detail", order_api.get_order_detail),
    ApiRoute("POST", f"{V2}/order/cancel_order", order_api.cancel_order, writes=True),
    ApiRoute(
        "POST",
        f"{V2}/order/handle_buyer_cancellation",
        order_api.handle_buyer_cancellation,
        writes=True,
    ),
    ApiRoute("GET", f"{V2}/logistics/get_shipping_parameter", logistics_api.get_shipping_parameter),
    ApiRoute("POST", f"{V2}/logistics/ship_order", logistics_api.ship_order, writes=True),
    ApiRoute("GET", f"{V2}/logistics/get_tracking_number", logistics_api.get_tracking_number),
    ApiRoute(
        "POST",
        f"{V2}/logistics/get_shipping_document_parameter",
        logistics_api.get_shipping_document_parameter,
    ),
    ApiRoute(
        "POST",
        f"{V2}/logistics/create_shipping_document",
        logistics_api.create_shipping_document,
        writes=True,
    ),
    ApiRoute(
        "POST",
        f"{V2}/logistics/get_shipping_document_result",
        logistics_api.get_shipping_document_result,
    ),
    ApiRoute(
        "POST",
        f"{V2}/logistics/download_shipping_document",
        logistics_api.download_shipping_document,
    ),
    ApiRoute("GET", f"{V2}/returns/get_return_list", returns_api.get_return_list),
    ApiRoute("GET", f"{V2}/returns/get_return_detail", returns_api.get_return_detail),
    ApiRoute("POST", f"{V2}/push/set_app_push_config", push_api.set_app_push_config, "public"),
    ApiRoute("GET", f"{V2}/push/get_app_push_config", push_api.get_app_push_config, "public"),
    ApiRoute("GET", f"{V2}/push/get_lost_push_message", push_api.get_lost_push_message, "public"),
    ApiRoute(
        "POST",
        f"{V2}/push/confirm_consumed_lost_push_message",
        push_api.confirm_consumed_lost_push_message,
        "public",
    ),
)
METHODS = {route.path: route.method for route in ROUTES} | {AUTH_PARTNER_PATH: "GET or POST"}


def api_routes(sim: ShopeeSandbox) -> list[BaseRoute]:
    async def page(request: Request) -> Response:
        if request.method == "POST":
            return await auth.auth_submit(sim, request)
        return await auth.auth_page(sim, request)

    return [
        *(Route(r.path, make_endpoint(sim, r), methods=[r.method]) for r in ROUTES),
        Route(AUTH_PARTNER_PATH, page, methods=["GET", "POST"]),
        Route("/{path:path}", _not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]


async def _not_found(request: Request) -> Response:
    path = request.url.path
    api_path = path[path.find(V2) :] if V2 in path else path
    method = METHODS.get(api_path)
    message = (
        f"{api_path} must be called with {method}, not {request.method}."
        if method
        else f"No such API: {request.method} {api_path}"
    )
    return error_response(ShopeeError("error_not_found", message))
