"""``product/update_stock`` and ``product/update_price`` (fact sheet §5): one item per call, 1..50
entries, each entry applied or refused on its own.

Whole-call errors: a malformed body or a field of the wrong JSON type, as Shopee's typed
decoder refuses it (``product.error_param``; ``"model_id": "1"``, ``"stock": "5"``), an unknown item
(``error_item_not_found``), another shop's item (``error_item_not_belong_shop``), a
multi-location shop's stock entry without ``location_id`` (``error_busi`` "…multi warehouse,
please input location id"). Per entry (``failure_list[{model_id, failed_reason}]``): a model
that is not the item's ("Wrong model_id."), ``model_id`` 0 on an item with models (or non-zero
on one without), a deleted or banned item, an unknown location, a stock outside 0..999,999, a
stock below the promotion-reserved stock, a price outside 100..1,000,000,000 or with cents, a
price change during a promotion (a unit with promotion-reserved stock, or one the control API
put in a promotion: ``PATCH items/{id}/models/{model_id} {"promotion": true}``). When every
entry fails the answer is
``error_busi_update_stock_failed`` (stock) or ``error_busi`` (price) — HTTP 200, with the lists
in ``response``. Every applied stock entry is a record of the shown-stock log (cause ``api``),
also when it set the value the unit already had.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from satustok_sandbox.shopee.envelope import ShopeeError, ok, param_error
from satustok_sandbox.shopee.pipeline import Call
from satustok_sandbox.shopee.product_api import shop_item
from satustok_sandbox.shopee.state import Item, Unit

MAX_ENTRIES = 50
MAX_STOCK = 999_999
MIN_PRICE, MAX_PRICE = 100, 1_000_000_000
MODULE = "product"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _entries(body: dict[str, Any], key: str) -> tuple[int, list[dict[str, Any]]]:
    item_id = body.get("item_id")
    if not isinstance(item_id, int) or isinstance(item_id, bool) or item_id <= 0:
        raise param_error("item_id is required (one item per call).", MODULE)
    entries = body.get(key)
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise param_error(f"{key} must be a list of objects.", MODULE)
    for entry in entries:
        _check_types(key, entry)
    if not 1 <= len(entries) <= MAX_ENTRIES:
        raise param_error(f"{key} must have 1..{MAX_ENTRIES} entries.", MODULE)
    return item_id, entries


def _check_types(key: str, entry: dict[str, Any]) -> None:
    """Refuse the call as Shopee's typed decoder does (``product.error_param`` naming the
    field) when a field has the wrong JSON type: ``"model_id": "1"``, ``"seller_stock": 5``,
    ``"stock": "5"``. A wrong *value* of the right type is refused per entry instead."""
    model_id = entry.get("model_id")
    if model_id is not None and not _is_int(model_id):
        raise param_error(f"{key}.model_id: cannot decode {model_id!r} as an integer.", MODULE)
    rows = entry.get("seller_stock")
    if rows is None:
        return
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise param_error(f"{key}.seller_stock: expect an array of objects, got {rows!r}.", MODULE)
    for row in rows:
        stock, location = row.get("stock"), row.get("location_id")
        if stock is not None and not _is_int(stock):
            raise param_error(f"seller_stock.stock: cannot decode {stock!r} as an integer.", MODULE)
        if location is not None and not isinstance(location, str):
            raise param_error(
                f"seller_stock.location_id: expect a string, got {location!r}.", MODULE
            )


def _unit(call: Call, item: Item, entry: dict[str, Any]) -> tuple[int, Unit | str]:
    """(model_id, the unit) or (model_id, why the entry fails)."""
    model_id = entry.get("model_id", 0)
    if model_id is None:
        model_id = 0
    if not _is_int(model_id):
        return 0, "Wrong model_id."
    if item.is_deleted:
        return model_id, "The item is deleted."
    if item.item_status == "BANNED":
        return model_id, "The item is banned."
    unit = call.state.unit(item, model_id)
    if unit is None:
        return model_id, "Wrong model_id."
    return model_id, unit


async def update_stock(call: Call) -> Response:
    item_id, entries = _entries(await call.json_body(MODULE), "stock_list")
    state = call.state
    success: list[dict[str, Any]] = []
    failure: list[dict[str, Any]] = []
    with state.lock:
        item = shop_item(call, item_id)
        locations = state.shops[item.shop_id].location_ids
        for entry in entries:
            rows = entry.get("seller_stock")
            unnamed = isinstance(rows, list) and any(
                isinstance(r, dict) and not r.get("location_id") for r in rows
            )
            if unnamed and len(locations) > 1:
                raise ShopeeError(
                    "error_busi", "This shop has multi warehouse, please input location id."
                )
        for entry in entries:
            model_id, unit = _unit(call, item, entry)
            reason = unit if isinstance(unit, str) else _set_stock(unit, entry, locations, success)
            if reason:
                failure.append({"model_id": model_id, "failed_reason": reason})
            elif isinstance(unit, Unit):  # applied: a stock-log record, changed or not
                state.log_stock(item, unit, "api")
        if success:
            state.touch(item)
    response = {"success_list": success, "failure_list": failure}
    if not success:
        raise ShopeeError(
            "error_busi_update_stock_failed",
            "Update stock failed, please check failure_list.",
            response=response,
        )
    return ok(response)


def _set_stock(
    unit: Unit, entry: dict[str, Any], locations: list[str], success: list[dict[str, Any]]
) -> str:
    """Apply one entry; '' when it succeeded, else why not."""
    rows = entry.get("seller_stock")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        return "seller_stock is required: [{location_id, stock}]."
    changes: dict[str, int] = {}
    for row in rows:
        location = row.get("location_id") or locations[0]
        stock = row.get("stock")
        if location not in locations:
            return f"Invalid location_id {location!r}."
        if not _is_int(stock) or not 0 <= stock <= MAX_STOCK:
            return f"Invalid stock {stock!r}: give an integer 0..{MAX_STOCK}."
        changes[location] = stock
    total = sum({**unit.stock, **changes}.values())
    if total < unit.reserved_stock:
        return f"The stock can not be less than the reserved stock ({unit.reserved_stock})."
    model_id = entry.get("model_id") or 0
    for location, stock in changes.items():
        unit.stock[location] = stock
        success.append({"model_id": model_id, "location_id": location, "stock": stock})
    return ""


async def update_price(call: Call) -> Response:
    item_id, entries = _entries(await call.json_body(MODULE), "price_list")
    state = call.state
    success: list[dict[str, Any]] = []
    failure: list[dict[str, Any]] = []
    with state.lock:
        item = shop_item(call, item_id)
        for entry in entries:
            model_id, unit = _unit(call, item, entry)
            reason = unit if isinstance(unit, str) else _price_problem(unit, entry)
            if reason:
                failure.append({"model_id": model_id, "failed_reason": reason})
                continue
            assert not isinstance(unit, str)
            unit.price = int(entry["original_price"])
            success.append({"model_id": model_id, "original_price": float(unit.price)})
        if success:
            state.touch(item)
    response = {"success_list": success, "failure_list": failure}
    if not success:
        raise ShopeeError(
            "error_busi", "Update price failed, please check failure_list.", response=response
        )
    return ok(response)


def _price_problem(unit: Unit, entry: dict[str, Any]) -> str:
    price = entry.get("original_price")
    if isinstance(price, bool) or not isinstance(price, int | float):
        return "original_price is required."
    if price != int(price):
        return "Invalid original_price: ID prices are whole rupiah."
    if not MIN_PRICE <= price <= MAX_PRICE:
        return f"Invalid original_price: must be {MIN_PRICE}..{MAX_PRICE}."
    if unit.reserved_stock or unit.promotion:
        return "error_cannt_edit_price_in_promotion: the price cannot change during a promotion."
    return ""
