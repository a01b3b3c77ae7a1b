"""Stock and price updates (fact sheet §5): one product per call.

**Inventory** ``POST /product/202309/products/{product_id}/inventory/update`` ``{"skus": [{"id",
"inventory": [{"warehouse_id"?, "quantity"}]}]}`` sets each SKU's *available* quantity per
warehouse. The whole call is refused (non-zero ``code``, nothing changed) for a malformed body
(40001), a quantity outside 0..99,999 (12052230), an unknown product or another shop's (12019001),
or a product that is not ACTIVATE (12019002). Otherwise ``code`` is 0 and each SKU is applied or
refused on its own, all-or-nothing per SKU, refusals listed in ``data.errors[{code, message,
detail{sku_id, extra_errors[{warehouse_id, code, message}]}}]`` (empty: all applied):

- 12052008 the SKU is not this product's;
- 12052009 an entry without ``warehouse_id`` while the SKU is stocked in several warehouses
  (it may be left out only when the SKU has exactly one);
- 12052010 a warehouse not assigned to the SKU (one ``extra_errors`` row each);
- 12052011 a warehouse assigned to the SKU is missing — every one must be listed (one row each);
- 12052012 a warehouse listed twice.

Every applied SKU × warehouse is recorded in the stock change log (control API
``stock_changes``, ``source: "api"``), and every applied SKU in the shown-stock log (``stock-log``,
cause ``api``). A DEACTIVATED SKU may be updated.

**Prices** ``POST /product/202309/products/{product_id}/prices/update`` ``{"skus": [{"id",
"price": {"amount": "15000", "currency": "IDR"}, "list_price"?}]}``: all-or-nothing (sandbox
choice): any SKU not the product's (12052008) or a price that is not whole rupiah
100..1,000,000,000 in IDR (12052300), or a SKU under a promotion (12052301; control API
``PATCH skus/{id} {"promotion": true}``) refuses the call; success is ``data {}``. Both codes
and their words are the sandbox's (the sheet says only "market price limits apply").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from satustok_sandbox.common.seed import duplicates
from satustok_sandbox.tiktokshop.envelope import (
    INVALID_PRICE,
    PRICE_IN_PROMOTION,
    PRODUCT_STATUS_NOT_ALLOWED,
    QUANTITY_OUT_OF_RANGE,
    SKU_NOT_IN_PRODUCT,
    WAREHOUSE_NOT_ASSIGNED,
    WAREHOUSE_REPEATED,
    WAREHOUSE_REQUIRED,
    WAREHOUSES_MISSING,
    TikTokError,
    invalid_request,
    ok,
)
from satustok_sandbox.tiktokshop.pipeline import Call
from satustok_sandbox.tiktokshop.product_api import shop_product
from satustok_sandbox.tiktokshop.seed import MAX_QUANTITY
from satustok_sandbox.tiktokshop.state import Product, Sku, TikTokShopState

MIN_PRICE, MAX_PRICE = 100, 1_000_000_000
AMOUNT = re.compile(r"^[0-9]+(\.0+)?$")


@dataclass
class Row:
    warehouse_id: str | None
    quantity: int


@dataclass
class Entry:
    sku_id: str
    rows: list[Row]


# --- inventory -------------------------------------------------------------------------------


def _skus_list(body: dict[str, Any]) -> list[dict[str, Any]]:
    skus = body.get("skus")
    if not isinstance(skus, list) or not skus or not all(isinstance(s, dict) for s in skus):
        raise invalid_request("skus must be a non-empty list of objects.")
    for index, sku in enumerate(skus):
        if not isinstance(sku.get("id"), str) or not sku["id"]:
            raise invalid_request(f"skus[{index}].id is required (a string).")
    return skus


def _row(where: str, raw: Any) -> Row:
    if not isinstance(raw, dict):
        raise invalid_request(f"{where} must be an object.")
    warehouse_id, quantity = raw.get("warehouse_id"), raw.get("quantity")
    if warehouse_id is not None and (not isinstance(warehouse_id, str) or not warehouse_id):
        raise invalid_request(f"{where}.warehouse_id must be a string.")
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise invalid_request(f"{where}.quantity is required (an integer).")
    if not 0 <= quantity <= MAX_QUANTITY:
        raise TikTokError(
            QUANTITY_OUT_OF_RANGE,
            f"Invalid quantity {quantity} ({where}): it must be 0..{MAX_QUANTITY:,}.",
        )
    return Row(warehouse_id, quantity)


def inventory_entries(body: dict[str, Any]) -> list[Entry]:
    """The body's SKUs, checked whole: any malformed row or bad quantity refuses the call."""
    entries = []
    for index, sku in enumerate(_skus_list(body)):
        rows = sku.get("inventory")
        if not isinstance(rows, list) or not rows:
            raise invalid_request(f"skus[{index}].inventory must be a non-empty list.")
        where = f"skus[{index}].inventory"
        entries.append(Entry(sku["id"], [_row(f"{where}[{n}]", r) for n, r in enumerate(rows)]))
    return entries


def _sku_error(
    code: int, message: str, sku_id: str, extra: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "detail": {"sku_id": sku_id, "extra_errors": extra or []},
    }


def _extra(warehouse_id: str, code: int, message: str) -> dict[str, Any]:
    return {"warehouse_id": warehouse_id, "code": code, "message": message}


def _warehouse_problem(sku: Sku, named: list[str]) -> dict[str, Any] | None:
    """Why the warehouses named for the SKU are refused, or None."""
    assigned = list(sku.available)
    repeated = duplicates(named)
    if repeated:
        extra = [_extra(w, WAREHOUSE_REPEATED, "The warehouse is listed twice.") for w in repeated]
        return _sku_error(WAREHOUSE_REPEATED, "A warehouse is listed twice.", sku.id, extra)
    extra = [
        _extra(w, WAREHOUSE_NOT_ASSIGNED, "The warehouse is not assigned to the SKU.")
        for w in named
        if w not in assigned
    ]
    if extra:
        message = "Some warehouses are not assigned to the SKU."
        return _sku_error(WAREHOUSE_NOT_ASSIGNED, message, sku.id, extra)
    extra = [
        _extra(w, WAREHOUSES_MISSING, "The SKU is stocked in this warehouse: list it too.")
        for w in assigned
        if w not in named
    ]
    if extra:
        message = "Every warehouse assigned to the SKU must be listed."
        return _sku_error(WAREHOUSES_MISSING, message, sku.id, extra)
    return None


def _apply(call: Call, product: Product, entry: Entry) -> dict[str, Any] | None:
    """Apply one SKU's rows, or say why not (nothing of the SKU changes then)."""
    state = call.state
    sku = state.skus.get(entry.sku_id)
    if sku is None or sku.product_id != product.id:
        message = f"The SKU does not belong to product {product.id}."
        return _sku_error(SKU_NOT_IN_PRODUCT, message, entry.sku_id)
    if any(row.warehouse_id is None for row in entry.rows) and len(sku.available) != 1:
        message = (
            f"warehouse_id is required: the SKU is stocked in {len(sku.available)} warehouses."
        )
        return _sku_error(WAREHOUSE_REQUIRED, message, sku.id)
    only = next(iter(sku.available), "")
    named = [row.warehouse_id or only for row in entry.rows]
    problem = _warehouse_problem(sku, named)
    if problem is not None:
        return problem
    for warehouse_id, row in zip(named, entry.rows, strict=True):
        before = sku.available[warehouse_id]
        sku.available[warehouse_id] = row.quantity
        state.record_stock("api", call.app.app_key, sku, warehouse_id, before)
    state.log_stock(sku, "api")  # one shown-stock record per SKU applied, changed or not
    return None


def _activated(call: Call, product_id: str) -> Product:
    product = shop_product(call, product_id)
    if product.status != "ACTIVATE":
        raise TikTokError(
            PRODUCT_STATUS_NOT_ALLOWED,
            f"The product is {product.status}: only ACTIVATE products can be updated.",
        )
    return product


async def update_inventory(call: Call) -> Response:
    entries = inventory_entries(call.json_body())
    state = call.state
    with state.lock:
        product = _activated(call, call.request.path_params["product_id"])
        errors = [e for entry in entries if (e := _apply(call, product, entry)) is not None]
        if len(errors) < len(entries):
            state.touch(product)
    return ok({"errors": errors})


# --- prices ----------------------------------------------------------------------------------


def _amount(where: str, price: Any) -> int:
    if not isinstance(price, dict):
        raise invalid_request(f"{where}.price must be an object {{amount, currency}}.")
    amount, currency = price.get("amount"), price.get("currency")
    if not isinstance(amount, str) or not AMOUNT.match(amount):
        raise TikTokError(INVALID_PRICE, f"Invalid price ({where}): give whole rupiah, '15000'.")
    value = int(amount.split(".")[0])
    if not MIN_PRICE <= value <= MAX_PRICE:
        raise TikTokError(
            INVALID_PRICE, f"Invalid price {amount} ({where}): it must be {MIN_PRICE}..{MAX_PRICE}."
        )
    if currency != "IDR":
        raise TikTokError(INVALID_PRICE, f"Invalid currency {currency!r} ({where}): use IDR.")
    return value


def _price_targets(
    state: TikTokShopState, product: Product, body: dict[str, Any]
) -> list[tuple[Sku, int]]:
    targets = []
    for index, raw in enumerate(_skus_list(body)):
        price = _amount(f"skus[{index}]", raw.get("price"))
        sku = state.skus.get(raw["id"])
        if sku is None or sku.product_id != product.id:
            raise TikTokError(
                SKU_NOT_IN_PRODUCT, f"SKU {raw['id']} does not belong to product {product.id}."
            )
        targets.append((sku, price))
    if any(sku.promotion for sku, _ in targets):
        raise TikTokError(
            PRICE_IN_PROMOTION,
            f"A SKU of product {product.id} is in an ongoing promotion: its price cannot be "
            "changed until the promotion ends.",
        )
    return targets


async def update_prices(call: Call) -> Response:
    body = call.json_body()
    state = call.state
    with state.lock:
        product = _activated(call, call.request.path_params["product_id"])
        for sku, price in _price_targets(state, product, body):
            sku.price = price
        state.touch(product)
    return ok({})
