"""Products, warehouses and inventory reads (fact sheet §4).

**Search** ``POST /product/202309/products/search`` and ``/product/202502/products/search``:
query ``page_size`` 1..100 (required) and ``page_token``; body ``status`` (default ``ALL``),
``seller_skus[]`` (exact match on any SKU; the product comes back with all its SKUs),
``create_time_ge/le``, ``update_time_ge/le`` (inclusive); 202502 also ``listing_platforms[]``
(TOKOPEDIA|TIKTOK_SHOP: listed on any of them) and ``sku_ids[]`` (≤ 10). Fields the sandbox
does not filter on (``category_version``, ``audit_status``, ``return_draft_version``) are
ignored. Sandbox choices: ``ALL`` means every status except DELETED (ask for ``DELETED`` to see
deleted products); rows come in product-id order; the ``page_token`` is an opaque keyset
cursor; ``next_page_token`` is ``""`` on the last page; ``total_count`` counts every match.

**Get** ``GET /product/202309/products/{product_id}``: every status (deleted too); another
shop's or an unknown id → 12019001.

**Warehouses** ``GET /logistics/202309/warehouses``; **inventory search**
``POST /product/202309/inventory/search`` with ``sku_ids[]`` (≤ 600; they win when both are
given) or ``product_ids[]`` (≤ 100); unknown ids are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from satustok_sandbox.tiktokshop import paging
from satustok_sandbox.tiktokshop.catalog import product_detail, search_product, sku_stock
from satustok_sandbox.tiktokshop.catalog import warehouse_view as _warehouse_view
from satustok_sandbox.tiktokshop.envelope import (
    PRODUCT_NOT_FOUND,
    TikTokError,
    invalid_request,
    ok,
)
from satustok_sandbox.tiktokshop.fields import optional_int, optional_text, text_list, within
from satustok_sandbox.tiktokshop.pipeline import Call
from satustok_sandbox.tiktokshop.seed import PLATFORMS, PRODUCT_STATUSES
from satustok_sandbox.tiktokshop.state import Product, TikTokShopState

Filter = Callable[[Product], bool]
MAX_SEARCH_SKU_IDS = 10
MAX_INVENTORY_PRODUCTS = 100
MAX_INVENTORY_SKUS = 600


def shop_product(call: Call, product_id: str) -> Product:
    product = call.state.products.get(product_id)
    if product is None or product.shop_id != call.shop.id:
        raise TikTokError(PRODUCT_NOT_FOUND, f"Product {product_id} not found.")
    return product


def _status_filter(body: dict[str, Any]) -> Filter:
    status = optional_text(body, "status", {*PRODUCT_STATUSES, "ALL"}) or "ALL"
    if status == "ALL":
        return lambda p: p.status != "DELETED"
    return lambda p: p.status == status


def _time_filter(body: dict[str, Any], field: str) -> Filter:
    low, high = optional_int(body, f"{field}_ge"), optional_int(body, f"{field}_le")
    return lambda p: within(getattr(p, field), low, high)


def _sku_filter(state: TikTokShopState, wanted: list[str] | None, attribute: str) -> Filter:
    if wanted is None:
        return lambda p: True
    chosen = set(wanted)
    return lambda p: any(getattr(s, attribute) in chosen for s in state.product_skus(p))


def _filters(state: TikTokShopState, body: dict[str, Any], v202502: bool) -> list[Filter]:
    filters = [
        _status_filter(body),
        _time_filter(body, "create_time"),
        _time_filter(body, "update_time"),
        _sku_filter(state, text_list(body, "seller_skus", maximum=100), "seller_sku"),
    ]
    if v202502:
        platforms = text_list(body, "listing_platforms", maximum=2, allowed=PLATFORMS)
        if platforms is not None:
            filters.append(lambda p: bool(set(p.listing_platforms) & set(platforms)))
        sku_ids = text_list(body, "sku_ids", maximum=MAX_SEARCH_SKU_IDS)
        filters.append(_sku_filter(state, sku_ids, "id"))
    return filters


async def _search(call: Call, version: str) -> Response:
    v202502 = version == "202502"
    size = call.int_param("page_size", default=None, minimum=1, maximum=100)
    after = paging.decode("products", call.param("page_token"))
    body = call.json_body()
    state = call.state
    with state.lock:
        filters = _filters(state, body, v202502)
        matching = [p for p in state.shop_products(call.shop.id) if all(f(p) for f in filters)]
        start = 0 if after is None else _position_after(matching, str(after[0]))
        page = matching[start : start + size]
        rows = [search_product(state, p, v202502=v202502) for p in page]
    more = start + size < len(matching)
    token = paging.encode("products", [page[-1].id]) if more and page else ""
    return ok({"products": rows, "next_page_token": token, "total_count": len(matching)})


def _position_after(products: list[Product], last_id: str) -> int:
    key = (len(last_id), last_id)
    return next((i for i, p in enumerate(products) if (len(p.id), p.id) > key), len(products))


async def search_products(call: Call) -> Response:
    return await _search(call, "202309")


async def search_products_202502(call: Call) -> Response:
    return await _search(call, "202502")


async def get_product(call: Call) -> Response:
    with call.state.lock:
        product = shop_product(call, call.request.path_params["product_id"])
        return ok(product_detail(call.state, product))


async def warehouses(call: Call) -> Response:
    with call.state.lock:
        rows = [_warehouse_view(w) for w in call.shop.warehouses]
    return ok({"warehouses": rows})


async def inventory_search(call: Call) -> Response:
    body = call.json_body()
    sku_ids = text_list(body, "sku_ids", maximum=MAX_INVENTORY_SKUS)
    product_ids = text_list(body, "product_ids", maximum=MAX_INVENTORY_PRODUCTS)
    if not sku_ids and not product_ids:
        raise invalid_request("give product_ids or sku_ids.")
    state = call.state
    with state.lock:
        if sku_ids:
            skus = [state.skus[s] for s in dict.fromkeys(sku_ids) if s in state.skus]
        else:
            products = [
                state.products[p] for p in dict.fromkeys(product_ids or []) if p in state.products
            ]
            skus = [sku for product in products for sku in state.product_skus(product)]
        by_product: dict[str, list[dict[str, Any]]] = {}
        for sku in skus:
            if state.products[sku.product_id].shop_id == call.shop.id:
                by_product.setdefault(sku.product_id, []).append(sku_stock(sku))
    rows = [{"product_id": pid, "skus": rows} for pid, rows in by_product.items()]
    return ok({"inventory": rows})
