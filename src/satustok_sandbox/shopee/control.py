"""The control API under ``/_sandbox/shopee/``: what a test (or a demo) does to the world that a
partner app cannot — buyers placing orders, Shopee moving them, the seller editing listings on
Seller Centre, approving or cancelling an app's authorization, the clock, faults, reset, stats,
the push log and the refresh-token ledger.

Plain JSON in and out (never the Shopee envelope); errors are ``{"error": message}`` with 400
(bad input), 404 (unknown id) or 409 (refused by the world's rules). ``partner_id`` defaults
to the seed's first partner app (2001887 in the demo). The plumbing (bodies, errors, routes),
the info, reset, call log, clock and clearing-the-faults handlers and the refresh-token ledger
are shared with the other sandboxes (``common/control.py``, ``common/tokens.py``).
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
from satustok_sandbox.common.tokens import refresh_counts
from satustok_sandbox.shopee import auth
from satustok_sandbox.shopee.catalog import item_view, unit_view
from satustok_sandbox.shopee.envelope import ShopeeError
from satustok_sandbox.shopee.faults import FaultsPatch
from satustok_sandbox.shopee.order_ops import move_order, open_return, place_order, push_return
from satustok_sandbox.shopee.push_api import check_url, config_view
from satustok_sandbox.shopee.returns_api import return_json
from satustok_sandbox.shopee.seed import ORDER_STATUSES, PUSH_CODES, ItemStatus, ModelStatus
from satustok_sandbox.shopee.state import (
    ACCESS_TOKEN_TTL,
    Item,
    Model,
    Order,
    Shop,
    Unit,
    package_number,
)

if TYPE_CHECKING:
    from satustok_sandbox.shopee.sandbox import ShopeeSandbox


class OrderLineBody(_Body):
    item_id: int | None = None
    model_id: int = 0
    sku: str | None = Field(None, description="An item_sku or model_sku, exact and unique.")
    quantity: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _reference(self) -> OrderLineBody:
        if self.item_id is None and self.sku is None:
            raise ValueError("give item_id (and model_id) or sku")
        return self


class PlaceOrderBody(_Body):
    shop_id: int
    lines: list[OrderLineBody] = Field(default_factory=list)
    items: list[OrderLineBody] = Field(default_factory=list, description="Alias of lines.")
    status: Literal["UNPAID", "READY_TO_SHIP"] = "READY_TO_SHIP"
    cod: bool = False
    buyer_username: str = "budi.s"
    recipient_city: str = "Kota Bandung"
    message_to_seller: str = ""
    logistics: Literal["integrated", "non_integrated"] = Field(
        "integrated",
        description="integrated: pickup or drop-off with SPX; non_integrated: the seller's "
        "own courier and tracking number.",
    )
    location_id: str | None = Field(
        None,
        description="The shop location the order ships from: its stock is taken there first "
        "(item_list[].product_location_id). Default: the locations in order.",
    )


class MoveOrderBody(_Body):
    status: str
    cancel_by: Literal["buyer", "seller", "system"] | None = None
    reason: str = ""


class ReasonBody(_Body):
    reason: str = ""


class ReturnLineBody(_Body):
    item_id: int
    model_id: int = 0
    quantity: int = Field(ge=1)


class ReturnBody(_Body):
    lines: list[ReturnLineBody] | None = Field(None, description="Default: the whole order.")
    reason: Literal[
        "NOT_RECEIPT",
        "WRONG_ITEM",
        "ITEM_DAMAGED",
        "DIFFERENT_DESCRIPTION",
        "MUTUAL_AGREE",
        "OTHER",
        "CHANGE_MIND",
        "ITEM_MISSING",
        "EXPECTATION_FAILED",
        "ITEM_FAKE",
        "PHYSICAL_DMG",
        "FUNCTIONAL_DMG",
    ] = "ITEM_DAMAGED"


class ReturnPatch(_Body):
    status: Literal[
        "REQUESTED", "ACCEPTED", "CANCELLED", "JUDGING", "CLOSED", "PROCESSING", "SELLER_DISPUTE"
    ]


class UnitPatch(_Body):
    stock: int | None = Field(None, ge=0, le=999_999)
    location_id: str | None = Field(None, description="Default: the shop's first location.")
    price: int | None = Field(None, ge=100, le=1_000_000_000)
    reserved_stock: int | None = Field(None, ge=0)
    promotion: bool | None = Field(
        None, description="Start (true) or end (false) a promotion: update_price refuses it."
    )


class ItemPatch(UnitPatch):
    item_status: ItemStatus | None = None
    item_sku: str | None = Field(None, max_length=100)
    item_name: str | None = Field(None, min_length=1, max_length=120)


class ModelPatch(UnitPatch):
    model_status: ModelStatus | None = None
    model_sku: str | None = Field(None, max_length=100)


class ShopPatch(_Body):
    status: Literal["NORMAL", "BANNED", "FROZEN"] | None = None
    shop_name: str | None = Field(None, min_length=1)


class AuthorizeBody(_Body):
    shop_id: int
    partner_id: int | None = None
    issue_tokens: bool = Field(False, description="Also trade the code for tokens at once.")


class PartnerShopBody(_Body):
    shop_id: int | None = None
    partner_id: int | None = None


class PushConfigBody(_Body):
    partner_id: int | None = None
    callback_url: str | None = None
    codes_on: list[int] | None = None
    blocked_shop_ids: list[int] | None = None


def routes(sim: ShopeeSandbox) -> list[BaseRoute]:
    table: list[tuple[str, str, Handler[ShopeeSandbox]]] = [
        *common.shared_rows(get_stats, get_faults, post_faults),
        ("POST", "/orders", post_order),
        ("GET", "/orders/{order_sn}", get_order),
        ("POST", "/orders/{order_sn}/status", post_order_status),
        ("POST", "/orders/{order_sn}/collect", post_collect),
        ("POST", "/orders/{order_sn}/fail_pickup", post_fail_pickup),
        ("POST", "/orders/{order_sn}/deliver", post_deliver),
        ("POST", "/orders/{order_sn}/fail_delivery", post_fail_delivery),
        ("POST", "/orders/{order_sn}/cancel_request", post_cancel_request),
        ("POST", "/orders/{order_sn}/buyer_cancel", post_buyer_cancel),
        ("POST", "/orders/{order_sn}/return", post_return),
        ("GET", "/returns/{return_sn}", get_return),
        ("PATCH", "/returns/{return_sn}", patch_return),
        ("GET", "/items/{item_id}", get_item),
        ("PATCH", "/items/{item_id}", patch_item),
        ("GET", "/items/{item_id}/models/{model_id}", get_model),
        ("PATCH", "/items/{item_id}/models/{model_id}", patch_model),
        ("GET", "/shops/{shop_id}", get_shop),
        ("PATCH", "/shops/{shop_id}", patch_shop),
        *common.authorization_rows(
            post_authorize, post_revoke, get_authorizations, owner_body=PartnerShopBody
        ),
        ("GET", "/push_config", get_push_config),
        ("POST", "/push_config", post_push_config),
        ("GET", "/deliveries", get_deliveries),
        ("GET", "/lost_push", get_lost_push),
    ]
    return common.routes(sim, table)


def _partner_id(sim: ShopeeSandbox, given: int | None) -> int:
    if given is None:
        if not sim.state.partners:
            raise ControlError(409, "the seed has no partner apps")
        return next(iter(sim.state.partners))
    if given not in sim.state.partners:
        raise ControlError(404, f"no partner app {given}")
    return given


def _shop(sim: ShopeeSandbox, shop_id: int) -> Shop:
    return found(sim.state.shops, shop_id, "shop")


def _item(sim: ShopeeSandbox, item_id: int) -> Item:
    return found(sim.state.items, item_id, "item")


def _order(sim: ShopeeSandbox, order_sn: str) -> Order:
    return found(sim.state.orders, order_sn, "order")


# --- stats and faults (info, reset, calls, the clock, clearing faults: common/control.py) -----


async def get_stats(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        refresh = refresh_counts(sim.state)
    return {
        **sim.stats.snapshot(),
        "refresh": refresh,
        "push_deliveries": sim.push.count(),
    }


async def get_faults(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    limits = {str(p): sim.limiter.limit(p).view() for p in sim.state.partners}
    return {**sim.faults.snapshot(), "rate_limits": limits}


async def post_faults(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    patch = await parse_body(request, FaultsPatch)
    for key in patch.rate_limits or {}:
        if key != "*" and not key.isdigit():
            raise ControlError(400, f"rate_limits: {key!r} is not a partner_id or '*'")
    sim.faults.merge(patch)
    if patch.expire_tokens:
        common.expire_access_tokens(sim, {})
    sim.limiter.set_limits(patch.rate_limits or {}, int)
    return await get_faults(sim, request)


# --- orders ----------------------------------------------------------------------------------


def order_summary(order: Order) -> dict[str, Any]:
    return {
        "order_sn": order.order_sn,
        "shop_id": order.shop_id,
        "order_status": order.status,
        "create_time": order.create_time,
        "update_time": order.update_time,
        "pay_time": order.pay_time,
        "cod": order.cod,
        "lines": [
            {
                "item_id": line.item_id,
                "model_id": line.model_id,
                "sku": line.model_sku if line.model_id else line.item_sku,
                "item_name": line.item_name,
                "model_name": line.model_name,
                "quantity": line.quantity,
                "price": line.discounted_price,
                "location_id": line.location_id,
            }
            for line in order.lines
        ],
        "total_amount": order.total_amount,
        "history": [{"status": status, "at": at} for status, at in order.history],
        "stock_taken": order.stock_taken,
        "reserved_held": order.reserved_held,
        "cancel_by": order.cancel_by,
        "cancel_reason": order.cancel_reason,
        "buyer_cancel_reason": order.buyer_cancel_reason,
        **fulfilment_view(order),
    }


def fulfilment_view(order: Order) -> dict[str, Any]:
    """What the sandbox holds of an order's shipping: its logistics channel, the arrangement
    ship_order recorded, the tracking number, its package's document and downloads, returns."""
    return {
        "logistics": order.logistics,
        "shipping_carrier": order.shipping_carrier,
        "package_number": package_number(order),
        "shipment": dict(order.shipment),
        "tracking_number": order.tracking_number,
        "documents": dict(order.documents),
        "labels_downloaded": order.labels_downloaded,
        "shipped": order.status in SHIPPED_STATUSES,
        "return_sns": list(order.return_sns),
    }


def _line_unit(sim: ShopeeSandbox, shop: Shop, line: OrderLineBody) -> tuple[Item, Model | None]:
    state = sim.state
    if line.item_id is None:
        found = [
            (item, model)
            for item_id in state.items_with_sku(shop.shop_id, line.sku or "")
            for item in [state.items[item_id]]
            for model in ([None] if not item.has_model else state.models_of(item))
            if (model.model_sku if model else item.item_sku) == line.sku
        ]
        if not found:
            raise ControlError(404, f"no unit with sku {line.sku!r} in shop {shop.shop_id}")
        if len(found) > 1:
            raise ControlError(409, f"sku {line.sku!r} is on {len(found)} units; order by item_id")
        return found[0]
    item = state.items.get(line.item_id)
    if item is None or item.shop_id != shop.shop_id:
        raise ControlError(404, f"no item {line.item_id} in shop {shop.shop_id}")
    unit = state.unit(item, line.model_id)
    if unit is None:
        raise ControlError(
            404 if line.model_id else 409,
            f"item {item.item_id} has models: give one of {item.model_ids}"
            if item.has_model and not line.model_id
            else f"no model {line.model_id} of item {item.item_id}",
        )
    return item, unit if isinstance(unit, Model) else None


async def post_order(sim: ShopeeSandbox, request: Request) -> Response:
    body = await parse_body(request, PlaceOrderBody)
    raw_lines = body.lines + body.items
    if not raw_lines:
        raise ControlError(400, "lines: give at least one {item_id, model_id, quantity}")
    with sim.state.lock:
        shop = _shop(sim, body.shop_id)
        if body.location_id is not None and body.location_id not in shop.location_ids:
            raise ControlError(
                400, f"location_id {body.location_id!r} is not one of {shop.location_ids}"
            )
        if shop.status != "NORMAL":
            raise ControlError(409, f"shop {shop.shop_id} is {shop.status}; buyers cannot order")
        wanted: dict[tuple[int, int], tuple[Item, Model | None, int]] = {}
        for raw in raw_lines:
            item, model = _line_unit(sim, shop, raw)
            key = (item.item_id, model.model_id if model else 0)
            quantity = wanted.get(key, (item, model, 0))[2] + raw.quantity
            wanted[key] = (item, model, quantity)
        for item, model, quantity in wanted.values():
            _check_buyable(item, model, quantity)
        order = place_order(
            sim,
            shop,
            list(wanted.values()),
            status=body.status,
            cod=body.cod,
            buyer_username=body.buyer_username,
            recipient_city=body.recipient_city,
            message_to_seller=body.message_to_seller,
            logistics=body.logistics,
            location_id=body.location_id,
        )
        placed = {**order_summary(order), "placed_at": order.placed_at}  # wall clock: the bench's
        return JSONResponse(placed, status_code=201)


def _check_buyable(item: Item, model: Model | None, quantity: int) -> None:
    if item.item_status != "NORMAL":
        raise ControlError(409, f"item {item.item_id} is {item.item_status}; buyers cannot order")
    if model is not None and model.model_status != "MODEL_NORMAL":
        raise ControlError(409, f"model {model.model_id} is {model.model_status}")
    unit: Unit = model or item
    if quantity > unit.total_stock:
        raise ControlError(
            409,
            f"not enough stock for item {item.item_id} model {model.model_id if model else 0}: "
            f"{unit.total_stock} left, {quantity} ordered",
        )


async def get_order(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        return order_summary(_order(sim, request.path_params["order_sn"]))


async def post_order_status(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, MoveOrderBody)
    status = body.status.upper()
    if status not in ORDER_STATUSES:
        raise ControlError(400, f"{body.status!r} is not a Shopee order status")
    with sim.state.lock:
        order = _order(sim, request.path_params["order_sn"])
        if order.status == "CANCELLED":
            raise ControlError(409, f"order {order.order_sn} is already cancelled")
        if status == order.status:
            raise ControlError(409, f"order {order.order_sn} is already {status}")
        move_order(sim, order, status, cancel_by=body.cancel_by or "", reason=body.reason)
        return order_summary(order)


# --- the parcel's journey and the buyer's requests ----------------------------------------

SHIPPED_STATUSES = frozenset({"SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"})


def _step(
    sim: ShopeeSandbox,
    request: Request,
    allowed: frozenset[str],
    status: str,
    *,
    cancel_by: str = "",
    reason: str = "",
) -> dict[str, Any]:
    with sim.state.lock:
        order = _order(sim, request.path_params["order_sn"])
        if order.status not in allowed:
            raise ControlError(
                409,
                f"order {order.order_sn} is {order.status}; this step needs "
                f"{' or '.join(sorted(allowed))}",
            )
        move_order(sim, order, status, cancel_by=cancel_by, reason=reason)
        return order_summary(order)


async def post_collect(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    """The courier collects the parcel (pickup done, or dropped off at the counter)."""
    return _step(sim, request, frozenset({"PROCESSED"}), "SHIPPED")


async def post_fail_pickup(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    """The courier could not collect: the seller arranges shipment again (RETRY_SHIP)."""
    return _step(sim, request, frozenset({"PROCESSED"}), "RETRY_SHIP")


async def post_deliver(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    return _step(sim, request, frozenset({"SHIPPED"}), "TO_CONFIRM_RECEIVE")


async def post_fail_delivery(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    """Delivery failed and the parcel goes back to the seller: Shopee cancels the order."""
    return _step(
        sim,
        request,
        frozenset({"SHIPPED"}),
        "CANCELLED",
        cancel_by="system",
        reason="Failed Delivery",
    )


async def post_cancel_request(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    """The buyer asks to cancel a paid order (IN_CANCEL): the seller answers with
    handle_buyer_cancellation."""
    body = await parse_body(request, ReasonBody)
    reason = body.reason or "Need to change delivery address"
    allowed = frozenset({"READY_TO_SHIP", "PROCESSED"})
    return _step(sim, request, allowed, "IN_CANCEL", reason=reason)


async def post_buyer_cancel(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    """The buyer cancels an unpaid order outright (a paid one needs a cancel_request)."""
    body = await parse_body(request, ReasonBody)
    reason = body.reason or "Change of mind / others"
    allowed = frozenset({"UNPAID"})
    return _step(sim, request, allowed, "CANCELLED", cancel_by="buyer", reason=reason)


async def post_return(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    """The buyer returns lines of a delivered order (default: all of it)."""
    body = await parse_body(request, ReturnBody)
    with sim.state.lock:
        order = _order(sim, request.path_params["order_sn"])
        if order.status not in ("TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"):
            raise ControlError(409, f"order {order.order_sn} is {order.status}: not delivered")
        bought = {(line.item_id, line.model_id): line.quantity for line in order.lines}
        wanted = (
            {(row.item_id, row.model_id): row.quantity for row in body.lines}
            if body.lines
            else dict(bought)
        )
        for key, quantity in wanted.items():
            if quantity > bought.get(key, 0):
                raise ControlError(409, f"line {key} of {order.order_sn}: {quantity} > bought")
        found = open_return(sim, order, wanted, body.reason)
        return {**order_summary(order), "return": return_json(sim.state, found)}


async def get_return(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        found = sim.state.returns.get(request.path_params["return_sn"])
        if found is None:
            raise ControlError(404, f"no return {request.path_params['return_sn']}")
        return return_json(sim.state, found)


async def patch_return(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, ReturnPatch)
    with sim.state.lock:
        found = sim.state.returns.get(request.path_params["return_sn"])
        if found is None:
            raise ControlError(404, f"no return {request.path_params['return_sn']}")
        found.status = body.status
        found.update_time = int(sim.state.now())
        push_return(sim, found)
        return return_json(sim.state, found)


# --- items, models, shops --------------------------------------------------------------------


async def get_item(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        return item_view(sim.state, _item(sim, path_int(request, "item_id")))


def _apply_unit_patch(sim: ShopeeSandbox, item: Item, unit: Unit, patch: UnitPatch) -> None:
    if patch.stock is not None:
        locations = sim.state.shops[item.shop_id].location_ids
        location = patch.location_id or locations[0]
        if location not in locations:
            raise ControlError(400, f"location_id {location!r} is not one of {locations}")
        unit.stock[location] = patch.stock
        sim.state.log_stock(item, unit, "seller")
    elif patch.location_id is not None:
        raise ControlError(400, "location_id only goes with stock")
    if patch.price is not None:
        unit.price = patch.price
    if patch.reserved_stock is not None:
        unit.reserved_stock = patch.reserved_stock
    if patch.promotion is not None:
        unit.promotion = patch.promotion


async def patch_item(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    patch = await parse_body(request, ItemPatch)
    state = sim.state
    with state.lock:
        item = _item(sim, path_int(request, "item_id"))
        unit_fields = (patch.stock, patch.price, patch.reserved_stock, patch.promotion)
        if item.has_model and any(v is not None for v in unit_fields):
            raise ControlError(409, "an item with models has no stock or price: patch a model")
        _apply_unit_patch(sim, item, item, patch)
        if patch.item_status is not None:
            state.set_item_status(item, patch.item_status)
        if patch.item_sku is not None:
            before = state.item_skus(item)
            item.item_sku = patch.item_sku
            state.reindex_skus(item, before)
        if patch.item_name is not None:
            item.item_name = patch.item_name
        state.touch(item)
        return item_view(state, item)


def _unit_of(sim: ShopeeSandbox, request: Request) -> tuple[Item, Unit]:
    item = _item(sim, path_int(request, "item_id"))
    model_id = path_int(request, "model_id")
    unit = sim.state.unit(item, model_id)
    if unit is None:
        raise ControlError(404, f"no model {model_id} of item {item.item_id}")
    return item, unit


async def get_model(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        item, unit = _unit_of(sim, request)
        return unit_view(sim.state, item, unit)


async def patch_model(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    patch = await parse_body(request, ModelPatch)
    state = sim.state
    with state.lock:
        item, unit = _unit_of(sim, request)
        if not isinstance(unit, Model) and (patch.model_status or patch.model_sku is not None):
            raise ControlError(409, f"item {item.item_id} has no models: patch the item")
        _apply_unit_patch(sim, item, unit, patch)
        if isinstance(unit, Model):
            if patch.model_status is not None:
                unit.model_status = patch.model_status
            if patch.model_sku is not None:
                before = state.item_skus(item)
                unit.model_sku = patch.model_sku
                state.reindex_skus(item, before)
        state.touch(item)
        return unit_view(state, item, unit)


def shop_view(sim: ShopeeSandbox, shop: Shop) -> dict[str, Any]:
    return {
        "shop_id": shop.shop_id,
        "shop_name": shop.shop_name,
        "status": shop.status,
        "region": shop.region,
        "location_ids": shop.location_ids,
        "authorized_partner_ids": sim.state.authorized_partner_ids(shop.shop_id),
    }


async def get_shop(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    with sim.state.lock:
        return shop_view(sim, _shop(sim, path_int(request, "shop_id")))


async def patch_shop(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    patch = await parse_body(request, ShopPatch)
    with sim.state.lock:
        shop = _shop(sim, path_int(request, "shop_id"))
        shop.status = patch.status or shop.status
        shop.shop_name = patch.shop_name or shop.shop_name
        return shop_view(sim, shop)


# --- authorization and tokens ----------------------------------------------------------------


async def post_authorize(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, AuthorizeBody)
    with sim.state.lock:
        partner_id = _partner_id(sim, body.partner_id)
        _shop(sim, body.shop_id)
        code = auth.authorize(sim, partner_id, body.shop_id)
        result: dict[str, Any] = {
            "partner_id": partner_id,
            "shop_id": body.shop_id,
            "code": code.code,
        }
        if body.issue_tokens:
            code.used_at = sim.state.now()
            access, refresh = auth.issue_tokens(sim, partner_id, body.shop_id, "control")
            result.update(
                access_token=access.value,
                refresh_token=refresh.value,
                expire_in=ACCESS_TOKEN_TTL,
                access_token_expires_at=access.expires_at,
                refresh_token_expires_at=refresh.expires_at,
            )
        return result


async def post_revoke(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, PartnerShopBody)
    if body.shop_id is None:
        raise ControlError(400, "shop_id: required")
    with sim.state.lock:
        partner_id = _partner_id(sim, body.partner_id)
        _shop(sim, body.shop_id)
        return {"revoked": auth.revoke(sim, partner_id, body.shop_id)}


async def get_authorizations(sim: ShopeeSandbox, request: Request) -> list[dict[str, Any]]:
    with sim.state.lock:
        now = sim.state.now()
        return [
            {
                "partner_id": a.partner_id,
                "shop_id": a.shop_id,
                "auth_time": a.auth_time,
                "expire_time": a.expire_time,
                "revoked_at": a.revoked_at,
                "active": a.active(now),
            }
            for a in sim.state.authorizations.values()
        ]


# --- push ------------------------------------------------------------------------------------


async def get_push_config(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    raw = request.query_params.get("partner_id")
    with sim.state.lock:
        partner_id = _partner_id(sim, int(raw) if raw and raw.isdigit() else None)
        return {"partner_id": partner_id, **config_view(sim.state.partners[partner_id])}


async def post_push_config(sim: ShopeeSandbox, request: Request) -> dict[str, Any]:
    body = await parse_body(request, PushConfigBody)
    unknown = sorted(set(body.codes_on or []) - PUSH_CODES)
    if unknown:
        raise ControlError(400, f"codes_on: the sandbox sends only {sorted(PUSH_CODES)}")
    with sim.state.lock:
        partner_id = _partner_id(sim, body.partner_id)
        push = sim.state.partners[partner_id].push
        if body.callback_url is not None:
            try:
                push.callback_url = check_url(body.callback_url)
            except ShopeeError as error:
                raise ControlError(400, error.message) from None
        if body.codes_on is not None:
            push.codes_on = set(body.codes_on)
        if body.blocked_shop_ids is not None:
            push.blocked_shop_ids = set(body.blocked_shop_ids)
        return {"partner_id": partner_id, **config_view(sim.state.partners[partner_id])}


async def get_deliveries(sim: ShopeeSandbox, request: Request) -> list[dict[str, Any]]:
    raw = request.query_params.get("code")
    if raw is not None and not raw.isdigit():
        raise ControlError(400, "code must be a number")
    return sim.push.deliveries(
        int(raw) if raw else None, request.query_params.get("event"), after_param(request)
    )


async def get_lost_push(sim: ShopeeSandbox, request: Request) -> list[dict[str, Any]]:
    raw = request.query_params.get("partner_id")
    with sim.state.lock:
        partner_id = _partner_id(sim, int(raw) if raw and raw.isdigit() else None)
    messages, _ = sim.push.lost(partner_id, limit=10_000)
    return [m.__dict__ for m in messages]
