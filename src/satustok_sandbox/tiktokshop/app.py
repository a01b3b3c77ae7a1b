"""The TikTok Shop route tables of the three hosts the sandbox stands in for.

- API host (``/tiktokshop/open-api``): every row of ``ROUTES`` goes through the gateway
  (``pipeline.py``); the route's path is the real, signed path.
- Auth host (``/tiktokshop/auth``): the two token endpoints, not signed.
- Seller site (``/tiktokshop/services``): the authorization page.

Unknown paths, and known paths called with the wrong method, answer HTTP 404 with code 40006
in the normal envelope.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from satustok_sandbox.tiktokshop import (
    auth,
    event_api,
    fulfillment_api,
    order_api,
    product_api,
    return_api,
    stock_api,
)
from satustok_sandbox.tiktokshop.envelope import INVALID_PATH, TikTokError, error_response
from satustok_sandbox.tiktokshop.pipeline import ApiRoute, make_endpoint

if TYPE_CHECKING:
    from satustok_sandbox.tiktokshop.sandbox import TikTokShopSandbox

Endpoint = Callable[[Request], Awaitable[Response]]
PRODUCT = "/product/202309/products"
READ, WRITE = "seller.product.basic", "seller.product.write"
PACKAGE = "/fulfillment/202309/packages"
FULFILLMENT, RETURNS = "seller.logistics", "seller.return_refund.basic"
CANCELLATIONS = "/return_refund/202309/cancellations"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute(
        "GET",
        "/authorization/202309/shops",
        auth.authorized_shops,
        "seller.authorization.info",
        shop=False,
    ),
    ApiRoute("POST", f"{PRODUCT}/search", product_api.search_products, READ),
    ApiRoute("POST", "/product/202502/products/search", product_api.search_products_202502, READ),
    ApiRoute("GET", f"{PRODUCT}/{{product_id}}", product_api.get_product, READ),
    ApiRoute("POST", "/product/202309/inventory/search", product_api.inventory_search, READ),
    ApiRoute(
        "POST", f"{PRODUCT}/{{product_id}}/inventory/update", stock_api.update_inventory, WRITE
    ),
    ApiRoute("POST", f"{PRODUCT}/{{product_id}}/prices/update", stock_api.update_prices, WRITE),
    ApiRoute("GET", "/logistics/202309/warehouses", product_api.warehouses, "seller.logistics"),
    ApiRoute("POST", "/order/202309/orders/search", order_api.search_orders, "seller.order.info"),
    ApiRoute("GET", "/order/202309/orders", order_api.order_detail, "seller.order.info"),
    ApiRoute(
        "POST",
        "/return_refund/202309/cancellations",
        order_api.cancel_order,
        "seller.return_refund.basic",
    ),
    ApiRoute("POST", f"{PACKAGE}/search", fulfillment_api.search_packages, FULFILLMENT),
    ApiRoute("GET", f"{PACKAGE}/{{package_id}}", fulfillment_api.get_package, FULFILLMENT),
    ApiRoute(
        "GET",
        f"{PACKAGE}/{{package_id}}/handover_time_slots",
        fulfillment_api.handover_time_slots,
        FULFILLMENT,
    ),
    ApiRoute("POST", f"{PACKAGE}/{{package_id}}/ship", fulfillment_api.ship_package, FULFILLMENT),
    ApiRoute(
        "GET",
        f"{PACKAGE}/{{package_id}}/shipping_documents",
        fulfillment_api.shipping_documents,
        FULFILLMENT,
    ),
    ApiRoute(
        "POST",
        "/fulfillment/202309/orders/{order_id}/packages",
        fulfillment_api.mark_shipped,
        FULFILLMENT,
    ),
    ApiRoute("POST", f"{CANCELLATIONS}/search", return_api.search_cancellations, RETURNS),
    ApiRoute(
        "POST", f"{CANCELLATIONS}/{{cancel_id}}/approve", return_api.approve_cancellation, RETURNS
    ),
    ApiRoute(
        "POST", f"{CANCELLATIONS}/{{cancel_id}}/reject", return_api.reject_cancellation, RETURNS
    ),
    ApiRoute("POST", "/return_refund/202309/returns/search", return_api.search_returns, RETURNS),
    ApiRoute("PUT", "/event/202309/webhooks", event_api.put_webhook, None),
    ApiRoute("GET", "/event/202309/webhooks", event_api.get_webhooks, None),
    ApiRoute("DELETE", "/event/202309/webhooks", event_api.delete_webhook, None),
)


def api_routes(sim: TikTokShopSandbox) -> list[BaseRoute]:
    # Several methods share a path (the webhooks): one Starlette route per (method, path) would
    # answer 405 for the others before the catch-all, so group them by path.
    by_path: dict[str, dict[str, ApiRoute]] = {}
    for route in ROUTES:
        by_path.setdefault(route.path, {})[route.method] = route
    routes: list[BaseRoute] = [
        Route(path, _dispatch(sim, methods), methods=ALL_METHODS)
        for path, methods in by_path.items()
    ]
    return [*routes, _catch_all()]


def _dispatch(sim: TikTokShopSandbox, methods: dict[str, ApiRoute]) -> Endpoint:
    endpoints = {method: make_endpoint(sim, route) for method, route in methods.items()}

    async def endpoint(request: Request) -> Response:
        found = endpoints.get(request.method)
        if found is None:
            return _wrong_method(request, sorted(endpoints))
        return await found(request)

    return endpoint


def document_routes(sim: TikTokShopSandbox) -> list[BaseRoute]:
    """Where a ``doc_url`` points: the sandbox's own host, outside the signed API."""
    download = fulfillment_api.document_endpoint(lambda: sim.state)
    return [Route("/{token}", download, methods=["GET"]), _catch_all()]


def auth_routes(sim: TikTokShopSandbox) -> list[BaseRoute]:
    return [
        Route(
            "/api/v2/token/get",
            auth.token_endpoint(sim, "auth/api/v2/token/get", auth.token_get),
            methods=["GET"],
        ),
        Route(
            "/api/v2/token/refresh",
            auth.token_endpoint(sim, "auth/api/v2/token/refresh", auth.token_refresh),
            methods=["GET"],
        ),
        _catch_all(),
    ]


def services_routes(sim: TikTokShopSandbox) -> list[BaseRoute]:
    async def authorize(request: Request) -> Response:
        if request.method == "POST":
            return await auth.submit(sim, request)
        return await auth.page(sim, request)

    return [Route("/open/authorize", authorize, methods=["GET", "POST"]), _catch_all()]


def _catch_all() -> Route:
    async def not_found(request: Request) -> Response:
        message = f"Invalid path: no API {request.method} {request.url.path}."
        return error_response(TikTokError(INVALID_PATH, message))

    return Route("/{path:path}", not_found, methods=ALL_METHODS)


def _wrong_method(request: Request, allowed: list[str]) -> Response:
    message = (
        f"Invalid path: {request.url.path} takes {' or '.join(allowed)}, not {request.method}."
    )
    return error_response(TikTokError(INVALID_PATH, message))
