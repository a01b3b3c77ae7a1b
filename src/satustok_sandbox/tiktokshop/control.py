"""The control API under ``/_sandbox/tiktokshop/``: what a test (or a demo) does to the world that
an app cannot — buyers placing and cancelling orders, TikTok Shop moving them, the seller editing
products in Seller Center, authorizing or deauthorizing an app, Partner Center settings
(redirect URL, webhook addresses), the clock, faults, reset, stats, logs.

Plain JSON in and out (never the TikTok envelope); errors are ``{"error": message}`` with 400
(bad input), 404 (unknown id) or 409 (refused by the world's rules). ``app_key`` defaults to the
seed's first app and ``open_id`` to the seed's first seller. The plumbing (bodies, errors,
routes), the info, reset, call log, clock and clearing-the-faults handlers and the refresh-token
ledger are shared with the other sandboxes (``common/control.py``, ``common/tokens.py``).
"""

from __future__ import annotations

import bisect
from dataclasses import asdict
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
)
from satustok_sandbox.common.control import StrictBody as _Body
from satustok_sandbox.common.tokens import refresh_counts
from satustok_sandbox.tiktokshop import auth
from satustok_sandbox.tiktokshop.catalog import product_detail
from satustok_sandbox.tiktokshop.envelope import TikTokError
from satustok_sandbox.tiktokshop.event_api import check_address
from satustok_sandbox.tiktokshop.faults import FaultsPatch
from satustok_sandbox.tiktokshop.fulfillment_api import SHIPPED
from satustok_sandbox.tiktokshop.order_json import PENDING_CANCEL, buyer_cancel_pending, order_json
from satustok_sandbox.tiktokshop.order_ops import Buyer, move_order, place_order
from satustok_sandbox.tiktokshop.return_api import add_cancellation, notify_return
from satustok_sandbox.tiktokshop.seed import (
    EVENT_TYPES,
    MAX_QUANTITY,
    SENT_EVENT_TYPES,
    Platform,
    ProductStatus,
    SkuStatus,
)
from satustok_sandbox.tiktokshop.state import (
    CANCELLABLE_STATUSES,
    STATUS_PATH,
    Order,
    Product,
    ReturnRecord,
    Shop,
    Sku,
    TikTokShopState,
)

if TYPE_CHECKING:
    from satustok_sandbox.tiktokshop.sandbox import TikTokShopSandbox


class OrderItemBody(_Body):
    sku_id: str | None = None
    seller_sku: str | None = Field(None, description="Exact and unique in the shop.")
    quantity: int = Field(1, ge=1, le=100)

    @model_validator(mode="after")
    def _reference(self) -> OrderItemBody:
        if (self.sku_id is None) == (self.seller_sku is None):
            raise ValueError("give sku_id or seller_sku (one of them)")
        return self


class PlaceOrderBody(_Body):
    shop_id: str
    items: list[OrderItemBody] = Field(min_length=1)
    commerce_platform: Platform = "TIKTOK_SHOP"
    status: Literal["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"] = "AWAITING_SHIPMENT"
    buyer_message: str = ""
    recipient_name: str = "Budi Santoso"
    recipient_city: str = "Kota Bandung"
    is_cod: bool = False
    shipping_fee: int = Field(10_000, ge=0)
    shipping_type: Literal["TIKTOK", "SELLER"] = Field(
        "TIKTOK", description="SELLER: the seller ships with a courier of their own."
    )
    warehouse_id: str | None = Field(
        None,
        description="The sales warehouse the order ships from: its units are taken there "
        "first (the order's warehouse_id). Default: the shop's default warehouse first.",
    )


class MoveOrderBody(_Body):
    status: str
    reason: str = ""
    initiator: Literal["BUYER", "SELLER", "SYSTEM"] | None = None


class BuyerCancelBody(_Body):
    reason: str = "Pembeli berubah pikiran"


class ReturnItemBody(_Body):
    sku_id: str
    quantity: int = Field(1, ge=1, le=100)


class ReturnBody(_Body):
    items: list[ReturnItemBody] | None = Field(None, description="Default: every line item.")
    return_type: Literal["RETURN_AND_REFUND", "REFUND"] = "RETURN_AND_REFUND"
    status: Literal[
        "RETURN_OR_REFUND_REQUEST_PENDING",
        "AWAITING_BUYER_SHIP",
        "BUYER_SHIPPED_ITEM",
        "RETURN_OR_REFUND_REQUEST_SUCCESS",
        "RETURN_OR_REFUND_REQUEST_COMPLETE",
    ] = "RETURN_OR_REFUND_REQUEST_COMPLETE"
    reason: str = "Barang rusak"


class ProductPatch(_Body):
    status: ProductStatus | None = None
    title: str | None = Field(None, min_length=1, max_length=255)
    listing_platforms: list[Platform] | None = Field(None, min_length=1)


class SkuPatch(_Body):
    status: SkuStatus | None = None
    seller_sku: str | None = Field(None, max_length=50)
    price: int | None = Field(None, ge=100, le=1_000_000_000)
    stock: int | None = Field(None, ge=0, le=MAX_QUANTITY, description="Available quantity.")
    warehouse_id: str | None = Field(None, description="With stock; default: the SKU's first.")
    promotion: bool | None = Field(
        None, description="Start (true) or end (false) a promotion: prices/update refuses it."
    )


class AppSellerBody(_Body):
    app_key: str | None = None
    open_id: str | None = None


class ExpiringBody(AppSellerBody):
    ends_in_seconds: int | None = Field(
        None,
        ge=1,
        description="First bring the authorization's end this close (as a grant nearing its end).",
    )


class AuthorizeBody(AppSellerBody):
    issue_tokens: bool = Field(False, description="Also trade the code for tokens at once.")


class RedirectBody(_Body):
    redirect_url: str


class AppWebhooksBody(_Body):
    address: str = Field(description="'' removes the Partner Center address.")
    event_types: list[str] | None = Field(None, description="Default: every event type.")


class MirrorBody(_Body):
    shop_id: str
    mirror_status: Literal["MIRRORED", "ROLLED_BACK", "CANCELED"] = "MIRRORED"


def routes(sim: TikTokShopSandbox) -> list[BaseRoute]:
    table: list[tuple[str, str, Handler[TikTokShopSandbox]]] = [
        *common.shared_rows(get_stats, get_faults, post_faults, post_clock),
        ("POST", "/orders", post_order),
        ("GET", "/orders/{order_id}", get_order),
        ("POST", "/orders/{order_id}/status", post_order_status),
        ("POST", "/orders/{order_id}/cancel", post_buyer_cancel),
        ("POST", "/orders/{order_id}/request_cancel", post_request_cancel),
        ("POST", "/orders/{order_id}/collect", post_collect),
        ("POST", "/orders/{order_id}/deliver", post_deliver),
        ("POST", "/orders/{order_id}/fail_delivery", post_fail_delivery),
        ("POST", "/orders/{order_id}/return", post_return),
        ("GET", "/orders/{order_id}/fulfillment", get_fulfillment),
        ("GET", "/products/{product_id}", get_product),
        ("PATCH", "/products/{product_id}", patch_product),
        ("GET", "/skus/{sku_id}", get_sku),
        ("PATCH", "/skus/{sku_id}", patch_sku),
        ("GET", "/shops/{shop_id}", get_shop),
        ("GET", "/shops/{shop_id}/stock", get_shop_stock),
        ("GET", "/stock_changes", get_stock_changes),
        *common.authorization_rows(
            post_authorize, post_revoke, get_authorizations, owner_body=AppSellerBody
        ),
        ("POST", "/apps/{app_key}/redirect_url", post_redirect_url),
        ("POST", "/apps/{app_key}/webhooks", post_app_webhooks),
        ("GET", "/webhooks", get_webhooks),
        ("POST", "/notify/authorization_expiring", post_notify_expiring),
        ("POST", "/notify/tokopedia_mirror", post_notify_mirror),
        ("GET", "/deliveries", get_deliveries),
    ]
    return common.routes(sim, table)


# --- look-ups --------------------------------------------------------------------------------


def _app_key(state: TikTokShopState, given: str | None) -> str:
    if given is None:
        if not state.apps:
            raise ControlError(409, "the seed has no apps")
        return next(iter(state.apps))
    return found(state.apps, given, "app").app_key


def _open_id(state: TikTokShopState, given: str | None) -> str:
    if given is None:
        if not state.sellers:
            raise ControlError(409, "the seed has no sellers")
        return next(iter(state.sellers))
    return found(state.sellers, given, "seller").open_id


def _path(request: Request, name: str) -> str:
    return str(request.path_params[name])


# --- views -----------------------------------------------------------------------------------


def shop_view(sim: TikTokShopSandbox, shop: Shop) -> dict[str, Any]:
    state = sim.state
    return {
        "id": shop.id,
        "cipher": shop.cipher,
        "name": shop.name,
        "code": shop.code,
        "region": shop.region,
        "seller_type": shop.seller_type,
        "open_id": shop.open_id,
        "seller_name": state.sellers[shop.open_id].seller_name,
        "warehouses": [
            {"id": w.id, "name": w.name, "type": w.type, "is_default": w.is_default}
            for w in shop.warehouses
        ],
        "authorized_app_keys": state.authorized_app_keys(shop.id),
    }


def sku_view(state: TikTokShopState, sku: Sku) -> dict[str, Any]:
    product = state.products[sku.product_id]
    return {
        "sku_id": sku.id,
        "product_id": product.id,
        "shop_id": product.shop_id,
        "seller_sku": sku.seller_sku,
        "status": sku.status,
        "product_status": product.status,
        "price": sku.price,
        "promotion": sku.promotion,
        "warehouses": {
            w: {"available": q, "committed": sku.committed.get(w, 0)}
            for w, q in sku.available.items()
        },
        "total_available": sku.total_available,
        "total_committed": sku.total_committed,
    }


def order_view(order: Order) -> dict[str, Any]:
    units: dict[str, int] = {}
    for item in order.line_items:
        units[item.sku_id] = units.get(item.sku_id, 0) + 1
    return {
        **order_json(order),
        "shop_id": order.shop_id,
        "quantities": units,
        "history": [{"status": status, "at": at} for status, at in order.history],
        "holds_stock": order.holds_stock,
    }


# --- stats, faults, clock (info, reset, calls, clearing faults: common/control.py) -----------


async def get_stats(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        refresh = refresh_counts(sim.state)
        stock_updates = sum(1 for c in sim.state.stock_changes if c.source == "api")
    return {
        **sim.stats.snapshot(),
        "refresh": refresh,
        "stock_updates": stock_updates,
        "webhook_deliveries": sim.webhooks.count(),
    }


async def get_faults(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    limits = {key: sim.limiter.limit(key).view() for key in sim.state.apps}
    return {**sim.faults.snapshot(), "rate_limits": limits}


async def post_faults(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    patch = await parse_body(request, FaultsPatch)
    for key in patch.rate_limits or {}:
        if key != "*" and key not in sim.state.apps:
            raise ControlError(400, f"rate_limits: {key!r} is not an app_key or '*'")
    sim.faults.merge(patch)
    if patch.expire_tokens:
        common.expire_access_tokens(sim, {})
    sim.limiter.set_limits(patch.rate_limits or {}, str)
    return await get_faults(sim, request)


async def post_clock(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    """Move the clock; authorizations now within 30 days of expiry get their daily type 7."""
    moved = await common.post_clock(sim, request)
    return {**moved, "expiry_notices": auth.send_daily_expiry_notices(sim)}


# --- orders ----------------------------------------------------------------------------------


def _sku_of(state: TikTokShopState, shop: Shop, item: OrderItemBody) -> Sku:
    if item.sku_id is not None:
        sku = state.skus.get(item.sku_id)
        if sku is None or state.products[sku.product_id].shop_id != shop.id:
            raise ControlError(404, f"no SKU {item.sku_id} in shop {shop.id}")
        return sku
    matches = [
        s
        for p in state.shop_products(shop.id)
        for s in state.product_skus(p)
        if s.seller_sku == item.seller_sku and p.status != "DELETED"
    ]
    if not matches:
        raise ControlError(404, f"no SKU with seller_sku {item.seller_sku!r} in shop {shop.id}")
    if len(matches) > 1:
        raise ControlError(409, f"seller_sku {item.seller_sku!r} is on {len(matches)} SKUs")
    return matches[0]


def _check_buyable(state: TikTokShopState, sku: Sku, quantity: int, platform: str) -> None:
    product = state.products[sku.product_id]
    if product.status != "ACTIVATE":
        raise ControlError(409, f"product {product.id} is {product.status}; buyers cannot order")
    if sku.status != "NORMAL":
        raise ControlError(409, f"SKU {sku.id} is {sku.status}; buyers cannot order")
    if platform not in product.listing_platforms:
        raise ControlError(409, f"product {product.id} is not listed on {platform}")
    if quantity > sku.total_available:
        raise ControlError(
            409,
            f"not enough stock for SKU {sku.id} ({sku.seller_sku or 'no seller_sku'}): "
            f"{sku.total_available} available, {quantity} ordered",
        )


async def post_order(sim: TikTokShopSandbox, request: Request) -> Response:
    body = await parse_body(request, PlaceOrderBody)
    state = sim.state
    with state.lock:
        shop = found(state.shops, body.shop_id, "shop")
        if body.warehouse_id is not None and body.warehouse_id not in shop.sales_warehouse_ids:
            raise ControlError(
                400, f"warehouse_id {body.warehouse_id} is no sales warehouse of the shop"
            )
        wanted: dict[str, tuple[Sku, int]] = {}
        for item in body.items:
            sku = _sku_of(state, shop, item)
            wanted[sku.id] = (sku, wanted.get(sku.id, (sku, 0))[1] + item.quantity)
        for sku, quantity in wanted.values():
            _check_buyable(state, sku, quantity, body.commerce_platform)
        buyer = Buyer(
            body.buyer_message,
            body.recipient_name,
            body.recipient_city,
            body.is_cod,
            body.shipping_fee,
        )
        order = place_order(
            sim,
            shop,
            list(wanted.values()),
            status=body.status,
            commerce_platform=body.commerce_platform,
            buyer=buyer,
            shipping_type=body.shipping_type,
            warehouse_id=body.warehouse_id,
        )
        placed = {**order_view(order), "placed_at": order.placed_at}  # wall clock: the bench's
        return JSONResponse(placed, status_code=201)


def _order(state: TikTokShopState, request: Request) -> Order:
    return found(state.orders, _path(request, "order_id"), "order")


async def get_order(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        return order_view(_order(sim.state, request))


def _check_move(order: Order, status: str) -> None:
    if order.status == "CANCELLED":
        raise ControlError(409, f"order {order.id} is cancelled")
    if status == "CANCELLED":
        if order.status not in CANCELLABLE_STATUSES:
            raise ControlError(409, f"order {order.id} is {order.status}; it cannot be cancelled")
        return
    if status not in STATUS_PATH:
        raise ControlError(400, f"{status!r} is not a TikTok Shop order status")
    if STATUS_PATH.index(status) <= STATUS_PATH.index(order.status):
        raise ControlError(409, f"order {order.id} is {order.status}; {status} is not ahead")


async def post_order_status(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, MoveOrderBody)
    status = body.status.upper()
    with sim.state.lock:
        order = _order(sim.state, request)
        _check_move(order, status)
        initiator = body.initiator or ("SYSTEM" if status == "CANCELLED" else "")
        move_order(sim, order, status, initiator=initiator, reason=body.reason)
        return order_view(order)


async def post_buyer_cancel(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, BuyerCancelBody)
    with sim.state.lock:
        order = _order(sim.state, request)
        _check_move(order, "CANCELLED")
        move_order(sim, order, "CANCELLED", initiator="BUYER", reason=body.reason)
        return order_view(order)


# --- fulfilment: the courier, the buyer's requests and returns ---------------------------------


def _step(sim: TikTokShopSandbox, request: Request, before: str, after: str, **how: str) -> Any:
    """Move an order from ``before`` (only) to ``after``: the courier's and TikTok's steps."""
    with sim.state.lock:
        order = _order(sim.state, request)
        if order.status != before:
            raise ControlError(409, f"order {order.id} is {order.status}, not {before}")
        move_order(sim, order, after, **how)
        return order_view(order)


async def post_collect(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    """The courier collects the arranged package (→ IN_TRANSIT)."""
    return _step(sim, request, "AWAITING_COLLECTION", "IN_TRANSIT")  # type: ignore[no-any-return]


async def post_deliver(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    return _step(sim, request, "IN_TRANSIT", "DELIVERED")  # type: ignore[no-any-return]


async def post_fail_delivery(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    """Delivery failed and the parcel goes back to the seller: TikTok Shop cancels the order
    (initiator SYSTEM). The units left the warehouse at collection; none come back by
    themselves (the seller restocks the parcel)."""
    reason = "Package delivery failed"
    return _step(  # type: ignore[no-any-return]
        sim, request, "IN_TRANSIT", "CANCELLED", initiator="SYSTEM", reason=reason
    )


REQUESTABLE = frozenset({"AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION"})


async def post_request_cancel(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    """The buyer asks to cancel a paid order: a pending request the seller approves or rejects
    (webhook 11); the order shows ``is_buyer_request_cancel``."""
    body = await parse_body(request, BuyerCancelBody)
    with sim.state.lock:
        order = _order(sim.state, request)
        if order.status not in REQUESTABLE:
            raise ControlError(409, f"order {order.id} is {order.status}; no request possible")
        if buyer_cancel_pending(order):
            raise ControlError(409, f"order {order.id} already has a pending request")
        order.update_time = int(sim.state.now())
        found_request = add_cancellation(sim, order, "BUYER", PENDING_CANCEL, body.reason)
        return {**order_view(order), "cancel_id": found_request.id}


def _returned_items(order: Order, items: list[ReturnItemBody] | None) -> list[str]:
    if items is None:
        return [item.id for item in order.line_items]
    chosen: list[str] = []
    for wanted in items:
        free = [i.id for i in order.line_items if i.sku_id == wanted.sku_id and i.id not in chosen]
        if len(free) < wanted.quantity:
            raise ControlError(
                409,
                f"order {order.id} has fewer than {wanted.quantity} of SKU "
                f"{wanted.sku_id} to return",
            )
        chosen += free[: wanted.quantity]
    return chosen


async def post_return(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    """The buyer returns line items of a delivered order (default: all of them; webhook 12)."""
    body = await parse_body(request, ReturnBody)
    state = sim.state
    with state.lock:
        order = _order(state, request)
        if order.status not in ("DELIVERED", "COMPLETED"):
            raise ControlError(409, f"order {order.id} is {order.status}; nothing to return")
        now = int(state.now())
        record = ReturnRecord(
            state.next_id("return", "42"),
            order.id,
            body.return_type,
            body.status,
            body.reason,
            _returned_items(order, body.items),
            now,
            now,
            tracking_number=f"RT{int(order.id) % 10**10:010d}",
        )
        order.returns.append(record)
        order.update_time = now
        notify_return(sim, order, record)
        return {**order_view(order), "return_id": record.id}


def fulfillment_view(order: Order) -> dict[str, Any]:
    """What the sandbox holds of an order's shipping (the control API's read)."""
    slot = order.pickup_slot
    return {
        "order_id": order.id,
        "status": order.status,
        "shipping_type": order.shipping_type,
        "package_id": order.package_id,
        "tracking_number": order.tracking_number,
        "handover_method": order.handover_method,
        "pickup_slot": {"start_time": slot[0], "end_time": slot[1]} if slot else None,
        "shipping_provider_id": order.shipping_provider_id,
        "labels_printed": order.labels_printed,
        "shipped": bool(order.handover_method) or order.status in SHIPPED,
        "cancellations": [asdict(c) for c in order.cancellations],
        "returns": [asdict(r) for r in order.returns],
    }


async def get_fulfillment(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        return fulfillment_view(_order(sim.state, request))


# --- products, SKUs, shops, stock ------------------------------------------------------------


def _product(state: TikTokShopState, request: Request) -> Product:
    return found(state.products, _path(request, "product_id"), "product")


def _product_view(state: TikTokShopState, product: Product) -> dict[str, Any]:
    detail = product_detail(state, product)
    return {**detail, "shop_id": product.shop_id, "listing_platforms": product.listing_platforms}


async def get_product(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        return _product_view(sim.state, _product(sim.state, request))


async def patch_product(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    patch = await parse_body(request, ProductPatch)
    state = sim.state
    with state.lock:
        product = _product(state, request)
        product.status = patch.status or product.status
        product.title = patch.title or product.title
        if patch.listing_platforms is not None:
            product.listing_platforms = list(dict.fromkeys(patch.listing_platforms))
        state.touch(product)
        return _product_view(state, product)


def _sku(state: TikTokShopState, request: Request) -> Sku:
    return found(state.skus, _path(request, "sku_id"), "SKU")


async def get_sku(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        return sku_view(sim.state, _sku(sim.state, request))


def _set_stock(state: TikTokShopState, sku: Sku, patch: SkuPatch) -> None:
    if patch.stock is None:
        if patch.warehouse_id is not None:
            raise ControlError(400, "warehouse_id only goes with stock")
        return
    shop = state.shops[state.products[sku.product_id].shop_id]
    warehouse_id = patch.warehouse_id or next(iter(sku.available), shop.sales_warehouse_ids[0])
    if warehouse_id not in shop.sales_warehouse_ids:
        raise ControlError(400, f"warehouse_id {warehouse_id} is no sales warehouse of the shop")
    before = sku.available.get(warehouse_id, 0)
    sku.available[warehouse_id] = patch.stock  # a new warehouse becomes assigned to the SKU
    sku.committed.setdefault(warehouse_id, 0)
    state.record_stock("control", "", sku, warehouse_id, before)
    state.log_stock(sku, "seller")


LOW_STOCK = 5  # at or below: LOW_STOCK (the threshold is the seller's on TikTok Shop; U)


def notify_inventory(sim: TikTokShopSandbox, sku: Sku, trigger: str) -> None:
    """Webhook 27 INVENTORY_STATUS_CHANGE for a SKU whose stock the seller changed in Seller
    Center (sheet §7, shape U: ``inventory_distribution`` with the quantities)."""
    state = sim.state
    product = state.products[sku.product_id]
    available = sku.total_available
    status = "SUFFICIENT_STOCK" if available > LOW_STOCK else "LOW_STOCK"
    status = "OUT_OF_STOCK" if available <= 0 else status
    data = {
        "product_id": product.id,
        "sku_id": sku.id,
        "current_inventory_status": status,
        "trigger_reason": {"type": trigger},
        "inventory_distribution": {
            "total_quantity": available + sku.total_committed,
            "available_quantity": available,
            "committed_quantity": sku.total_committed,
        },
        "update_time": int(state.now()),
    }
    sim.webhooks.send_for_shop(product.shop_id, 27, data)


async def patch_sku(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    patch = await parse_body(request, SkuPatch)
    state = sim.state
    with state.lock:
        sku = _sku(state, request)
        _set_stock(state, sku, patch)
        if patch.stock is not None:
            notify_inventory(sim, sku, "SELLER_EDIT")
        sku.status = patch.status or sku.status
        sku.price = patch.price or sku.price
        if patch.promotion is not None:
            sku.promotion = patch.promotion
        if patch.seller_sku is not None:
            sku.seller_sku = patch.seller_sku
        state.touch(state.products[sku.product_id])
        return sku_view(state, sku)


async def get_shop(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        return shop_view(sim, found(sim.state.shops, _path(request, "shop_id"), "shop"))


async def get_shop_stock(sim: TikTokShopSandbox, request: Request) -> list[dict[str, Any]]:
    """Every SKU of the shop (deleted products too) with its stock per warehouse."""
    state = sim.state
    with state.lock:
        shop = found(state.shops, _path(request, "shop_id"), "shop")
        return [
            sku_view(state, sku)
            for product in state.shop_products(shop.id)
            for sku in state.product_skus(product)
        ]


async def get_stock_changes(sim: TikTokShopSandbox, request: Request) -> list[dict[str, Any]]:
    """The stock change log: ``?after=<id>``, ``?source=api|control|order``, ``?shop_id=``."""
    after = after_param(request)
    source = request.query_params.get("source")
    shop_id = request.query_params.get("shop_id")
    with sim.state.lock:
        changes = sim.state.stock_changes
        # ids grow in log order: a reader that keeps the last id it saw reads each row once
        start = bisect.bisect_right(changes, after, key=lambda change: change.id)
        return [
            asdict(change)
            for change in changes[start:]
            if (source is None or change.source == source)
            and (shop_id is None or change.shop_id == shop_id)
        ]


# --- authorization and tokens ----------------------------------------------------------------


async def post_authorize(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, AuthorizeBody)
    state = sim.state
    with state.lock:
        app_key, open_id = _app_key(state, body.app_key), _open_id(state, body.open_id)
        code = auth.authorize(sim, app_key, open_id)
        result: dict[str, Any] = {"app_key": app_key, "open_id": open_id, "code": code.code}
        if body.issue_tokens:
            code.used_at = state.now()
            access, refresh = auth.issue_tokens(sim, app_key, open_id, "control")
            result.update(auth.token_data(state, access, refresh))
        shops = [state.shops[s] for s in state.sellers[open_id].shop_ids]
        result["shops"] = [{"id": s.id, "cipher": s.cipher, "name": s.name} for s in shops]
        return result


async def post_revoke(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, AppSellerBody)
    with sim.state.lock:
        app_key, open_id = _app_key(sim.state, body.app_key), _open_id(sim.state, body.open_id)
        return {"revoked": auth.revoke(sim, app_key, open_id)}


async def get_authorizations(sim: TikTokShopSandbox, request: Request) -> list[dict[str, Any]]:
    with sim.state.lock:
        now = sim.state.now()
        return [
            {
                "app_key": a.app_key,
                "open_id": a.open_id,
                "shop_ids": list(a.shop_ids),
                "granted_at": a.granted_at,
                "expires_at": a.expires_at,
                "revoked_at": a.revoked_at,
                "active": a.active(now),
                "expiry_notices": list(a.expiry_notices),
            }
            for a in sim.state.authorizations.values()
        ]


# --- Partner Center settings and webhooks -----------------------------------------------------


def _checked_address(address: str) -> str:
    try:
        return check_address(address)
    except TikTokError as error:
        raise ControlError(400, error.message) from None


async def post_redirect_url(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, RedirectBody)
    url = _checked_address(body.redirect_url) if body.redirect_url else ""
    with sim.state.lock:
        app = found(sim.state.apps, _path(request, "app_key"), "app")
        app.redirect_url = url
        return {"app_key": app.app_key, "redirect_url": app.redirect_url}


async def post_app_webhooks(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, AppWebhooksBody)
    events = body.event_types if body.event_types is not None else list(EVENT_TYPES)
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise ControlError(400, f"event_types: {unknown} are not event types")
    address = _checked_address(body.address) if body.address else ""
    with sim.state.lock:
        app = found(sim.state.apps, _path(request, "app_key"), "app")
        for event in events:
            if address:
                app.webhooks[event] = address
            else:
                app.webhooks.pop(event, None)
        return {"app_key": app.app_key, "webhooks": dict(app.webhooks)}


async def get_webhooks(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    """Partner Center addresses per app, and the per-shop registrations made through the API."""
    with sim.state.lock:
        registered = [
            {"app_key": app_key, "shop_id": shop_id, "event_type": event, "address": s.address}
            for (app_key, shop_id), events in sim.state.subscriptions.items()
            for event, s in events.items()
        ]
        apps = {a.app_key: dict(a.webhooks) for a in sim.state.apps.values()}
        return {"apps": apps, "shops": registered, "sent_types": sorted(SENT_EVENT_TYPES)}


async def post_notify_expiring(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    """Type 7 now, for the (active) authorization of the app by the seller."""
    body = await parse_body(request, ExpiringBody)
    state = sim.state
    with state.lock:
        app_key, open_id = _app_key(state, body.app_key), _open_id(state, body.open_id)
        grant = state.authorization(app_key, open_id)
        if grant is None:
            raise ControlError(409, f"seller {open_id} has no active authorization of {app_key}")
        if body.ends_in_seconds is not None:
            grant.expires_at = min(grant.expires_at, int(state.now()) + body.ends_in_seconds)
        auth.notify_expiring(sim, grant)
        return {"app_key": app_key, "open_id": open_id, "shop_ids": list(grant.shop_ids)}


async def post_notify_mirror(sim: TikTokShopSandbox, request: Request) -> dict[str, Any]:
    """Type 35 TOKOPEDIA_MIRROR_STATUS_CHANGE (seller-level) to the apps authorized for the
    shop."""
    body = await parse_body(request, MirrorBody)
    state = sim.state
    with state.lock:
        shop = found(state.shops, body.shop_id, "shop")
        data = {
            "tts_shop_id": shop.id,
            "mirror_status": body.mirror_status,
            "update_time": int(state.now()),
        }
        app_keys = state.authorized_app_keys(shop.id)
        for app_key in app_keys:
            sim.webhooks.send_to_seller(app_key, shop.open_id, 35, data)
        return {"shop_id": shop.id, "app_keys": app_keys}


async def get_deliveries(sim: TikTokShopSandbox, request: Request) -> list[dict[str, Any]]:
    raw = request.query_params.get("type")
    if raw is not None and not raw.isdigit():
        raise ControlError(400, "type must be a number")
    return sim.webhooks.deliveries(
        int(raw) if raw else None, request.query_params.get("event"), after_param(request)
    )
