"""Get Product Info, Get Product Variant, Set Active / Inactive (fact sheet §5).

Product info has four look-up modes, tried in this order: ``product_id`` (comma-joined and/or
repeated; ``product`` is accepted as an alias), ``product_url``, ``sku`` (optionally narrowed
by ``shop_id``) and ``shop_id`` + ``page`` + ``per_page`` (max 50) + ``sort`` 1..10. Deleted
products (status 0) are invisible everywhere. Unknown ids, SKUs and URLs are simply absent from
``data`` (an empty array when nothing matches).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import Response

from satustok_sandbox.tokopedia.catalog import (
    EDITABLE_STATUSES,
    STATUS_ACTIVE,
    STATUS_INACTIVE,
    ProductChange,
    apply_changes,
    linked_shop,
    live_product,
    products_by_sku,
    set_status,
)
from satustok_sandbox.tokopedia.envelope import ApiError, envelope_response, rbac_error
from satustok_sandbox.tokopedia.pipeline import Call
from satustok_sandbox.tokopedia.product_json import (
    effective_price,
    effective_stock,
    empty_variant_json,
    malform_products,
    product_json,
    product_url,
    variant_json,
)
from satustok_sandbox.tokopedia.state import Product, SandboxState, Shop

MAX_PER_PAGE = 50
MAX_ACTIVE_IDS = 25
RETRIEVE_PROBLEM = "There are some problem when retrieve product info"
PRODUCT_NOT_FOUND = ("PRD_GRPC_003", "Product not found")

SortKey = Callable[[Product, SandboxState], Any]
# sort 1..10: default, last update, sold desc/asc, price desc/asc, name A-Z/Z-A, stock asc/desc.
SORTS: dict[int, tuple[SortKey, bool]] = {
    1: (lambda p, s: p.product_id, False),
    2: (lambda p, s: (p.updated_at, p.product_id), True),
    3: (lambda p, s: (p.count_sold, p.product_id), True),
    4: (lambda p, s: (p.count_sold, p.product_id), False),
    5: (lambda p, s: (effective_price(p, s), p.product_id), True),
    6: (lambda p, s: (effective_price(p, s), p.product_id), False),
    7: (lambda p, s: (p.name.lower(), p.product_id), False),
    8: (lambda p, s: (p.name.lower(), p.product_id), True),
    9: (lambda p, s: (effective_stock(p, s), p.product_id), False),
    10: (lambda p, s: (effective_stock(p, s), p.product_id), True),
}


def shop_param(call: Call) -> Shop:
    """The required ``shop_id`` query parameter of write calls, linked to the app."""
    shop_id = call.int_param(
        "shop_id",
        missing=("PRD_DLV_016", "shop_id field is empty, please check again"),
        invalid=("PRD_DLV_003", "shop_id is in the wrong format, please check again"),
    )
    assert shop_id is not None
    return linked_shop(call.state, shop_id, call.fs_id)


async def get_product_info(call: Call) -> Response:
    with call.state.lock:
        products = _look_up(call)
        name_key = call.sim.faults.faults.name_key
        rows = [
            product_json(p, call.state.shops[p.shop_id], call.state, name_key) for p in products
        ]
    if call.sim.faults.take_malformed(call.route.group):
        rows = malform_products(rows)
    return envelope_response(rows, call.started)


def _look_up(call: Call) -> list[Product]:
    ids = _product_ids(call)
    if ids:
        return _by_ids(call, ids)
    if call.query("product_url"):
        return _by_url(call, call.query("product_url") or "")
    shop_id = call.int_param(
        "shop_id",
        missing=None,
        invalid=("PRD_DLV_003", "shop_id is in the wrong format, please check again"),
    )
    if call.query("sku"):
        return _by_sku(call, call.query("sku") or "", shop_id)
    if shop_id is not None:
        return _page(call, linked_shop(call.state, shop_id, call.fs_id))
    raise ApiError("PRD_DLV_004", "parameter cannot be empty")


def _product_ids(call: Call) -> list[int]:
    raw = [
        part.strip()
        for name in ("product_id", "product")
        for value in call.query_all(name)
        for part in value.split(",")
        if part.strip()
    ]
    if not all(part.isdigit() for part in raw):
        raise ApiError("PRD_DLV_021", "invalid product_id format")
    return list(dict.fromkeys(int(part) for part in raw))


def _visible(call: Call, products: list[Product]) -> list[Product]:
    """403 if any product belongs to a shop the app is not linked to."""
    for product in products:
        if not call.state.shops[product.shop_id].is_linked_to(call.fs_id):
            raise rbac_error()
    return products


def _by_ids(call: Call, ids: list[int]) -> list[Product]:
    found = [live_product(call.state, product_id) for product_id in ids]
    return _visible(call, [product for product in found if product is not None])


def _normalise_url(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _by_url(call: Call, url: str) -> list[Product]:
    wanted = _normalise_url(url)
    state = call.state
    found = [
        product
        for product in state.products.values()
        if not product.is_deleted
        and wanted
        in {
            _normalise_url(product_url(product, state.shops[product.shop_id], mobile=m))
            for m in (False, True)
        }
    ]
    return _visible(call, found)


def _by_sku(call: Call, sku: str, shop_id: int | None) -> list[Product]:
    state = call.state
    if shop_id is not None:
        return products_by_sku(state, linked_shop(state, shop_id, call.fs_id).shop_id, sku)
    shops = sorted(s.shop_id for s in state.shops.values() if s.is_linked_to(call.fs_id))
    return [product for shop in shops for product in products_by_sku(state, shop, sku)]


def _page(call: Call, shop: Shop) -> list[Product]:
    page = call.int_param(
        "page",
        missing=("PRD_DLV_005", "page cannot be empty when shop_id is filled"),
        invalid=("PRD_DLV_006", "invalid page format"),
    )
    per_page = call.int_param(
        "per_page",
        missing=("PRD_DLV_009", "per_page cannot be empty when shop_id is filled"),
        invalid=("PRD_DLV_010", "invalid per_page format"),
    )
    sort = call.int_param(
        "sort", missing=None, default=1, minimum=0, invalid=("PRD_DLV_007", "invalid sort format")
    )
    assert page is not None and per_page is not None and sort is not None
    if per_page > MAX_PER_PAGE:
        raise ApiError(
            "PRD_DLV_012", f"products to show must between 1-{MAX_PER_PAGE} items per page"
        )
    if sort not in SORTS:
        raise ApiError("PRD_DLV_008", "sort must between 1 to 10")
    key, reverse = SORTS[sort]
    state = call.state
    products = state.listing(shop.shop_id, sort, lambda p: key(p, state), reverse)
    return products[(page - 1) * per_page : page * per_page]


async def get_variant(call: Call) -> Response:
    raw = str(call.request.path_params["product_id"]).strip()
    if not raw.isdigit():
        raise ApiError("VRT_DLV_005", "invalid product_id format")
    with call.state.lock:
        product = live_product(call.state, int(raw))
        if product is None:
            raise ApiError(*PRODUCT_NOT_FOUND)
        shop = linked_shop(call.state, product.shop_id, call.fs_id)
        family = call.state.products[product.parent_id] if product.parent_id else product
        data = (
            variant_json(family, shop, call.state)
            if family.is_parent
            else empty_variant_json(family)
        )
    return envelope_response(data, call.started)


async def set_active(call: Call) -> Response:
    return await _set_status(call, STATUS_ACTIVE)


async def set_inactive(call: Call) -> Response:
    return await _set_status(call, STATUS_INACTIVE)


async def _set_status(call: Call, status: int) -> Response:
    shop = shop_param(call)
    ids = _active_body_ids(
        await call.json_body(("PRD_DLV_043", "Invalid request body, please check again"))
    )
    granted = call.charge(len(ids))
    failed: list[str] = []
    changes: list[ProductChange] = []
    with call.state.lock:
        for index, product_id in enumerate(ids):
            if index >= granted:
                failed.append(f"Error Product ID [{product_id}] : ERR_TOO_MANY_REQUEST")
            elif not _status_change(call, shop, product_id, status, changes):
                failed.append(f"Error Product ID [{product_id}] : {RETRIEVE_PROBLEM}")
        apply_changes(call.sim, changes)
    data = {
        "total_data": len(ids),
        "succeed_rows": len(ids) - len(failed),
        "failed_rows": len(failed),
        "failed_rows_data": failed or None,
    }
    return envelope_response(data, call.started)


def _active_body_ids(body: Any) -> list[int]:
    ids = body.get("product_id") if isinstance(body, dict) else None
    if not isinstance(ids, list):
        raise ApiError("PRD_DLV_043", "Invalid request body, please check again")
    if not ids:
        raise ApiError("PRD_DLV_017", "product_id cannot be empty")
    if len(ids) > MAX_ACTIVE_IDS:
        raise ApiError(
            "PRD_DLV_018", f"Max allowed products per-update are {MAX_ACTIVE_IDS} products"
        )
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ApiError("PRD_DLV_021", "invalid product_id format")
    return ids


def _status_change(
    call: Call, shop: Shop, product_id: int, status: int, changes: list[ProductChange]
) -> bool:
    """Activate or deactivate one product (a parent takes its children along)."""
    product = live_product(call.state, product_id)
    if (
        product is None
        or product.shop_id != shop.shop_id
        or product.status not in EDITABLE_STATUSES
    ):
        return False
    family = [product] + [call.state.products[c] for c in product.children_ids]
    for member in family:
        if member.status in EDITABLE_STATUSES:
            member.auto_inactive = False
            changes += set_status(call.sim, member, status)
    return True
