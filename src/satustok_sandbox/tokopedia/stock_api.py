"""Bulk stock and price calls (fact sheet §6): update stock, update price, increment, decrement.

A price row is refused outside 100..100,000,000 (PRD_DLV_042's wording) and, for a product
under a campaign (control API ``PATCH products/{id} {"promotion": true}``), with the sandbox's
own words (Tokopedia's are not documented): "Product is in an active campaign; …".

Bodies are JSON arrays of at most 100 rows; each row names its product by ``sku`` (wins, exact
match, at most 50 characters) or ``product_id``. Rows fail individually in a 200 answer. The
rate limit is charged per row: rows beyond the tokens left fail with ``ERR_TOO_MANY_REQUEST``.
A SKU shared by several products of the shop updates all of them (one succeeded row).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from satustok_sandbox.tokopedia.catalog import (
    EDITABLE_STATUSES,
    ProductChange,
    apply_changes,
    flip_status_for_stock,
    live_product,
    products_by_sku,
    set_price,
    set_stock,
)
from satustok_sandbox.tokopedia.envelope import (
    ROW_INVALID_PRODUCT_ID,
    ROW_INVALID_SKU,
    ROW_NOT_ENOUGH_STOCK,
    ROW_PRICE_IN_CAMPAIGN,
    ROW_STATUS_NOT_ELIGIBLE,
    ROW_TOO_MANY_REQUESTS,
    ROW_VARIANT_PARENT,
    ApiError,
    envelope_response,
)
from satustok_sandbox.tokopedia.pipeline import Call
from satustok_sandbox.tokopedia.product_api import shop_param
from satustok_sandbox.tokopedia.product_json import product_url
from satustok_sandbox.tokopedia.state import Product, Shop

MAX_ROWS = 100
MAX_SKU_LENGTH = 50
MAX_STOCK = 999_999
MIN_PRICE, MAX_PRICE = 100, 100_000_000
REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
BAD_BODY = ("PRD_DLV_043", "Invalid request body, please check again")


@dataclass
class Outcome:
    """What a bulk call did, row by row."""

    failed: list[dict[str, Any]] = field(default_factory=list)
    succeeded: int = 0
    succeeded_products: list[Product] = field(default_factory=list)
    changes: list[ProductChange] = field(default_factory=list)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def invalid_value(field_name: str, value: Any, expected: str) -> str:
    """A row message worded like PRD_DLV_042."""
    return f"Invalid field [{field_name}] format, value [{value}] should be {expected}"


def parse_rows(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, list) or not all(isinstance(row, dict) for row in body):
        raise ApiError(*BAD_BODY)
    if not body:
        raise ApiError("PRD_DLV_020", "Empty payload passed")
    if len(body) > MAX_ROWS:
        raise ApiError("PRD_DLV_018", f"Max allowed products per-update are {MAX_ROWS} products")
    return body


def warehouse_param(call: Call, shop: Shop) -> None:
    """Validate the optional ``warehouse_id`` (stock is simulated per product, not per
    warehouse)."""
    warehouse_id = call.int_param(
        "warehouse_id", missing=None, invalid=("PRD_DLV_019", "invalid warehouse_id format")
    )
    if warehouse_id is not None and shop.warehouse(warehouse_id) is None:
        raise ApiError("PRD_USC_021", "Warehouse ID not found")


def resolve_row(call: Call, shop: Shop, row: dict[str, Any]) -> list[Product] | str:
    """The products a row targets, or the failure message for the row."""
    sku = row.get("sku")
    if isinstance(sku, str) and sku != "":
        if len(sku) > MAX_SKU_LENGTH:
            return ROW_INVALID_SKU
        products = products_by_sku(call.state, shop.shop_id, sku)
        if not products:
            return ROW_INVALID_SKU
    else:
        product_id = row.get("product_id")
        product = live_product(call.state, product_id) if isinstance(product_id, int) else None
        if product is None or product.shop_id != shop.shop_id:
            return ROW_INVALID_PRODUCT_ID
        products = [product]
    sellable = [p for p in products if not p.is_parent]
    if not sellable:
        return ROW_VARIANT_PARENT
    if not any(p.status in EDITABLE_STATUSES for p in sellable):
        return ROW_STATUS_NOT_ELIGIBLE
    return [p for p in sellable if p.status in EDITABLE_STATUSES]


def failed_row(
    call: Call, shop: Shop, row: dict[str, Any], value_key: str, value: Any, message: str
) -> dict[str, Any]:
    product_id = row.get("product_id") if _is_int(row.get("product_id")) else 0
    product = live_product(call.state, product_id) if product_id else None
    url = product_url(product, shop) if product and product.shop_id == shop.shop_id else ""
    return {
        "product_id": product_id,
        "sku": row.get("sku") or "",
        "product_url": url,
        value_key: value,
        "message": message,
    }


RowAction = Callable[[Call, list[Product], Any, Outcome], str | None]


def run_rows(
    call: Call,
    shop: Shop,
    rows: list[dict[str, Any]],
    value_of: Callable[[dict[str, Any]], Any],
    value_key: str,
    action: RowAction,
) -> Outcome:
    """Charge the bucket per row, then resolve and apply each granted row."""
    granted = call.charge(len(rows))
    outcome = Outcome()
    with call.state.lock:
        for index, row in enumerate(rows):
            target = ROW_TOO_MANY_REQUESTS if index >= granted else resolve_row(call, shop, row)
            message = (
                target if isinstance(target, str) else action(call, target, value_of(row), outcome)
            )
            if message is None:
                outcome.succeeded += 1
            else:
                outcome.failed.append(
                    failed_row(call, shop, row, value_key, value_of(row), message)
                )
        apply_changes(call.sim, outcome.changes)
    return outcome


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in {"1", "true", "yes"}


async def update_stock(call: Call) -> Response:
    shop = shop_param(call)
    warehouse_param(call, shop)
    rows = parse_rows(await call.json_body(BAD_BODY))
    bypass = _truthy(call.query("bypass_update_product_status"))

    def overwrite(call: Call, products: list[Product], value: Any, outcome: Outcome) -> str | None:
        if not _is_int(value) or not 0 <= value <= MAX_STOCK:
            return invalid_value("new_stock", value, f"integer 0-{MAX_STOCK}")
        for product in products:
            outcome.changes += set_stock(call.sim, product, value, "stock_overwrite", "api")
            outcome.changes += [] if bypass else flip_status_for_stock(call.sim, product)
        return None

    outcome = run_rows(call, shop, rows, lambda row: row.get("new_stock"), "new_stock", overwrite)
    data = {
        "failed_rows": len(outcome.failed),
        "failed_rows_data": outcome.failed,
        "succeed_rows": outcome.succeeded,
    }
    return envelope_response(data, call.started)


async def update_price(call: Call) -> Response:
    shop = shop_param(call)
    warehouse_param(call, shop)
    rows = parse_rows(await call.json_body(BAD_BODY))

    def reprice(call: Call, products: list[Product], value: Any, outcome: Outcome) -> str | None:
        if not _is_int(value) or not MIN_PRICE <= value <= MAX_PRICE:
            return invalid_value("new_price", value, f"integer {MIN_PRICE}-{MAX_PRICE}")
        if any(product.promotion for product in products):
            return ROW_PRICE_IN_CAMPAIGN
        for product in products:
            outcome.changes += set_price(call.sim, product, value)
        return None

    outcome = run_rows(call, shop, rows, lambda row: row.get("new_price"), "new_price", reprice)
    data = {
        "failed_rows": len(outcome.failed),
        "failed_rows_data": outcome.failed,
        "succeed_rows": outcome.succeeded,
    }
    return envelope_response(data, call.started)


async def increment_stock(call: Call) -> Response:
    return await _adjust_stock(call, +1)


async def decrement_stock(call: Call) -> Response:
    return await _adjust_stock(call, -1)


def _request_id(call: Call) -> str | None:
    request_id = call.query("request_id")
    if request_id and not REQUEST_ID.match(request_id):
        raise ApiError(
            "PRD_DLV_042",
            f"Invalid field [request_id] format, value [{request_id}] "
            "should be at most 20 letters, digits, '-' or '_'",
        )
    return request_id or None


async def _adjust_stock(call: Call, sign: int) -> Response:
    shop = shop_param(call)
    warehouse_param(call, shop)
    request_id = _request_id(call)
    dedupe_key = (call.fs_id, shop.shop_id, request_id or "")
    if request_id and dedupe_key in call.state.request_ids:
        return envelope_response(call.state.request_ids[dedupe_key], call.started)
    rows = parse_rows(await call.json_body(BAD_BODY))
    action = "stock_increment" if sign > 0 else "stock_decrement"

    def adjust(call: Call, products: list[Product], value: Any, outcome: Outcome) -> str | None:
        if not _is_int(value) or not 0 < value <= MAX_STOCK:
            return invalid_value("stock_value", value, f"integer 1-{MAX_STOCK}")
        if sign < 0 and any(p.stock < value for p in products):
            return ROW_NOT_ENOUGH_STOCK
        for product in products:
            stock = product.stock + sign * value
            outcome.changes += set_stock(call.sim, product, stock, action, "api")
            outcome.succeeded_products.append(product)
        return None

    outcome = run_rows(call, shop, rows, _stock_value, "stock_value", adjust)
    data = _adjust_data(rows, outcome)
    if request_id:
        call.state.request_ids[dedupe_key] = data
    return envelope_response(data, call.started)


def _stock_value(row: dict[str, Any]) -> Any:
    # The doc text says new_stock, its example stock_value (fact sheet §6): accept both.
    return row["stock_value"] if "stock_value" in row else row.get("new_stock")


def _adjust_data(rows: list[dict[str, Any]], outcome: Outcome) -> dict[str, Any]:
    return {
        "total_data": len(rows),
        "succeed_rows": outcome.succeeded,
        "failed_rows": len(outcome.failed),
        "failed_rows_data": outcome.failed,
        "succeed_rows_data": [
            {
                "productID": p.product_id,
                "warehouseID": p.warehouse_id,
                "shopID": p.shop_id,
                "stock": p.stock,
                "price": p.price,
            }
            for p in outcome.succeeded_products
        ],
    }
