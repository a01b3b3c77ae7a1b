"""The control API under ``/_sandbox/tokopedia/``: what a test (or a demo) does to the world
that a seller's app cannot — buyers placing orders, the marketplace moving them, the seller
editing on the dashboard, the clock, faults, links, reset, stats and the webhook log.

Plain JSON in and out (no Tokopedia envelope); errors are ``{"error": message}`` with 400
(bad input), 404 (unknown id) or 409 (refused by the world's rules). The plumbing (bodies,
errors, routes) and the info, reset, call log, clock and clearing-the-faults handlers are shared
with the other sandboxes (``common/control.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from satustok_sandbox.common import control as common
from satustok_sandbox.common.control import (
    ControlError,
    Handler,
    after_param,
    found,
    parse_body,
    path_int,
)
from satustok_sandbox.common.control import StrictBody as _Body
from satustok_sandbox.common.tokens import expire_now
from satustok_sandbox.tokopedia import fulfilment_control
from satustok_sandbox.tokopedia.catalog import (
    ProductChange,
    apply_changes,
    control_view,
    live_product,
    products_by_sku,
    set_price,
    set_status,
    set_stock,
)
from satustok_sandbox.tokopedia.faults import FaultsPatch
from satustok_sandbox.tokopedia.order_ops import move_order, place_order
from satustok_sandbox.tokopedia.ratelimit import GROUPS, Limit
from satustok_sandbox.tokopedia.seed import ELIGIBLE_TIERS, ORDER_STATUSES
from satustok_sandbox.tokopedia.state import CANCELLED_STATUSES, Order, Product, Shop

if TYPE_CHECKING:
    from satustok_sandbox.tokopedia.sandbox import TokopediaSandbox


class OrderItemBody(_Body):
    product_id: int | None = None
    sku: str | None = None
    quantity: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _reference(self) -> OrderItemBody:
        if self.product_id is None and self.sku is None:
            raise ValueError("give product_id or sku")
        return self


class PlaceOrderBody(_Body):
    shop_id: int
    items: list[OrderItemBody] = Field(min_length=1)
    buyer_name: str = "Budi Santoso"
    recipient_city: str = "Kota Bandung"
    warehouse_id: int | None = Field(
        None,
        description="The shop warehouse the order ships from (the order's warehouse_id). "
        "Default: the shop's default warehouse. Stock stays one per product.",
    )


class MoveOrderBody(_Body):
    status: int


class ProductPatch(_Body):
    stock: int | None = Field(None, ge=0)
    status: Literal[-2, -1, 0, 1, 3] | None = None
    sku: str | None = Field(None, max_length=50)
    price: int | None = Field(None, ge=100, le=100_000_000)
    name: str | None = Field(None, min_length=1, max_length=70)
    promotion: bool | None = Field(
        None, description="Start (true) or end (false) a campaign: price/update refuses it."
    )


class LinkBody(_Body):
    fs_id: int
    replace: bool = Field(False, description="Move the shop from another app to this one.")


class ShopPatch(_Body):
    is_open: bool | None = None
    close_note: str | None = None
    close_until: int | None = None


def routes(sim: TokopediaSandbox) -> list[BaseRoute]:
    table: list[tuple[str, str, Handler[TokopediaSandbox]]] = [
        *common.shared_rows(get_stats, get_faults, post_faults),
        ("POST", "/orders", post_order),
        ("GET", "/orders/{order_id}", get_order),
        ("POST", "/orders/{order_id}/status", post_order_status),
        *fulfilment_control.rows(),
        ("GET", "/products/{product_id}", get_product),
        ("PATCH", "/products/{product_id}", patch_product),
        ("GET", "/webhooks", get_webhooks),
        ("GET", "/webhooks/deliveries", get_deliveries),
        ("GET", "/shops/{shop_id}", get_shop),
        ("PATCH", "/shops/{shop_id}", patch_shop),
        ("POST", "/shops/{shop_id}/link", post_link),
        ("POST", "/shops/{shop_id}/unlink", post_unlink),
    ]
    return common.routes(sim, table)


async def get_stats(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    return {**sim.stats.snapshot(), "webhook_deliveries": sim.webhooks.count()}


async def get_faults(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    limits = {g: sim.limiter.limit(g).view() for g in GROUPS}
    return {**sim.faults.snapshot(), "limits": limits}


async def post_faults(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    patch = await parse_body(request, FaultsPatch)
    sim.faults.merge(patch)
    if patch.expire_tokens:
        with sim.state.lock:
            expire_now(sim.state.tokens.values(), sim.state.now())
    for group, limit in (patch.limits or {}).items():
        for target in GROUPS if group == "*" else (group,):
            sim.limiter.set_limit(target, Limit.of(limit))
    return await get_faults(sim, request)


def _shop(sim: TokopediaSandbox, shop_id: int) -> Shop:
    return found(sim.state.shops, shop_id, "shop")


def _order(sim: TokopediaSandbox, order_id: int) -> Order:
    return found(sim.state.orders, order_id, "order")


def _product(sim: TokopediaSandbox, product_id: int) -> Product:
    return found(sim.state.products, product_id, "product")


def order_summary(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "invoice_ref_num": order.invoice,
        "shop_id": order.shop_id,
        "warehouse_id": order.warehouse_id,
        "order_status": order.status,
        "create_time": int(order.create_time),
        "update_time": order.update_time,
        "awb": order.awb,
        "items": [
            {
                "product_id": line.product_id,
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "price": line.price,
            }
            for line in order.lines
        ],
        "total": order.total_product_price + order.shipping_cost,
        "history": [{"status": status, "at": at} for status, at in order.history],
        "stock_taken": order.stock_taken,
    }


async def post_order(sim: TokopediaSandbox, request: Request) -> Response:
    body = await parse_body(request, PlaceOrderBody)
    with sim.state.lock:
        shop = _shop(sim, body.shop_id)
        if not shop.is_open:
            raise ControlError(
                409,
                f"shop {shop.shop_id} is closed ({shop.close_note or 'holiday'}); "
                "buyers cannot order",
            )
        if body.warehouse_id is not None and shop.warehouse(body.warehouse_id) is None:
            known = [w.warehouse_id for w in shop.warehouses]
            raise ControlError(400, f"warehouse_id {body.warehouse_id} is not one of {known}")
        items = _order_items(sim, shop, body.items)
        order = place_order(
            sim, shop, items, body.buyer_name, body.recipient_city, body.warehouse_id
        )
        return JSONResponse(placed_view(order), status_code=201)


def placed_view(order: Order) -> dict[str, Any]:
    """The answer to a placed order: its summary and ``placed_at``, the wall-clock time it took
    its stock (what the flash-sale benchmark times orders by)."""
    return {**order_summary(order), "placed_at": order.placed_at}


def _order_items(
    sim: TokopediaSandbox, shop: Shop, items: list[OrderItemBody]
) -> list[tuple[Product, int]]:
    quantities: dict[int, int] = {}
    products: dict[int, Product] = {}
    for item in items:
        product = _buyable(sim, shop, item)
        products[product.product_id] = product
        quantities[product.product_id] = quantities.get(product.product_id, 0) + item.quantity
    for product_id, quantity in quantities.items():
        product = products[product_id]
        if quantity > product.stock:
            raise ControlError(
                409,
                f"not enough stock for product {product_id} (sku {product.sku!r}): "
                f"{product.stock} left, {quantity} ordered",
            )
    return [(products[pid], quantity) for pid, quantity in quantities.items()]


def _buyable(sim: TokopediaSandbox, shop: Shop, item: OrderItemBody) -> Product:
    if item.product_id is not None:
        product = live_product(sim.state, item.product_id)
        if product is None or product.shop_id != shop.shop_id:
            raise ControlError(404, f"no product {item.product_id} in shop {shop.shop_id}")
    else:
        matches = [
            p for p in products_by_sku(sim.state, shop.shop_id, item.sku or "") if not p.is_parent
        ]
        if not matches:
            raise ControlError(404, f"no product with sku {item.sku!r} in shop {shop.shop_id}")
        if len(matches) > 1:
            ids = [p.product_id for p in matches]
            raise ControlError(
                409, f"sku {item.sku!r} is shared by products {ids}; order by product_id"
            )
        product = matches[0]
    if product.is_parent:
        raise ControlError(409, f"product {product.product_id} is a variant parent; order a child")
    if product.status != 1:
        raise ControlError(
            409, f"product {product.product_id} is not active (status {product.status})"
        )
    return product


async def get_order(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        return order_summary(_order(sim, path_int(request, "order_id")))


async def post_order_status(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, MoveOrderBody)
    if body.status not in ORDER_STATUSES:
        raise ControlError(400, f"{body.status} is not a Tokopedia order status code")
    with sim.state.lock:
        order = _order(sim, path_int(request, "order_id"))
        if order.status in CANCELLED_STATUSES:
            raise ControlError(
                409, f"order {order.order_id} is already cancelled (status {order.status})"
            )
        if body.status == 220 and not order.reached_paid:
            raise ControlError(
                409, "paying an unpaid seeded order is not simulated; place a new order"
            )
        move_order(sim, order, body.status)
        return order_summary(order)


async def get_product(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        return control_view(_product(sim, path_int(request, "product_id")), sim.state)


async def patch_product(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    patch = await parse_body(request, ProductPatch)
    with sim.state.lock:
        product = _product(sim, path_int(request, "product_id"))
        if patch.stock is not None and product.is_parent:
            raise ControlError(409, "a variant parent has no stock of its own; patch a child")
        apply_changes(sim, _dashboard_edit(sim, product, patch))
        return control_view(product, sim.state)


def _dashboard_edit(
    sim: TokopediaSandbox, product: Product, patch: ProductPatch
) -> list[ProductChange]:
    """The seller editing on the dashboard: stock is a ``stock_overwrite``."""
    changes: list[ProductChange] = []
    if patch.stock is not None:
        changes += set_stock(sim, product, patch.stock, "stock_overwrite", "seller")
    if patch.price is not None:
        changes += set_price(sim, product, patch.price)
    if patch.status is not None:
        product.auto_inactive = False
        changes += set_status(sim, product, patch.status)
    if patch.sku is not None:
        product.sku = patch.sku
    if patch.name is not None:
        product.name = patch.name
    if patch.promotion is not None:
        product.promotion = patch.promotion
    return changes


async def get_webhooks(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        return {
            str(fs_id): {"urls": reg.urls, "secret": sim.state.webhook_secret(fs_id)}
            for fs_id, reg in sim.state.webhooks.items()
        }


async def get_deliveries(sim: TokopediaSandbox, request: Request) -> list[dict[str, Any]]:
    return sim.webhooks.deliveries(request.query_params.get("event"), after_param(request))


def shop_view(shop: Shop) -> dict[str, Any]:
    return {
        "shop_id": shop.shop_id,
        "name": shop.name,
        "domain": shop.domain,
        "tier": shop.tier,
        "is_open": shop.is_open,
        "close_note": shop.close_note,
        "close_until": shop.close_until,
        "fs_ids": list(shop.fs_ids),
        "warehouses": [
            {"warehouse_id": w.warehouse_id, "is_default": w.is_default} for w in shop.warehouses
        ],
    }


async def get_shop(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        return shop_view(_shop(sim, path_int(request, "shop_id")))


async def patch_shop(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    patch = await parse_body(request, ShopPatch)
    with sim.state.lock:
        shop = _shop(sim, path_int(request, "shop_id"))
        if patch.is_open is not None:
            shop.is_open = patch.is_open
            shop.close_note = "" if patch.is_open else shop.close_note
            shop.close_until = None if patch.is_open else shop.close_until
        shop.close_note = patch.close_note if patch.close_note is not None else shop.close_note
        shop.close_until = patch.close_until if patch.close_until is not None else shop.close_until
        return shop_view(shop)


async def post_link(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, LinkBody)
    with sim.state.lock:
        shop = _shop(sim, path_int(request, "shop_id"))
        if body.fs_id not in sim.state.apps:
            raise ControlError(404, f"no app with fs_id {body.fs_id}")
        if shop.tier not in ELIGIBLE_TIERS:
            raise ControlError(
                409,
                f"shop {shop.shop_id} is a {shop.tier}; only official_store and "
                "power_merchant shops can be linked to an app",
            )
        others = [fs_id for fs_id in shop.fs_ids if fs_id != body.fs_id]
        if others and not body.replace:
            raise ControlError(
                409,
                f"shop {shop.shop_id} is already linked to fs_id {others}; "
                "a shop can be linked to one party's app only (send replace: true)",
            )
        shop.fs_ids = [body.fs_id]
        return shop_view(shop)


async def post_unlink(sim: TokopediaSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, LinkBody)
    with sim.state.lock:
        shop = _shop(sim, path_int(request, "shop_id"))
        shop.fs_ids = [fs_id for fs_id in shop.fs_ids if fs_id != body.fs_id]
        return shop_view(shop)
