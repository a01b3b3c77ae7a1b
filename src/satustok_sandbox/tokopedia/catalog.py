"""Product look-ups and changes shared by the API and the control API, with their webhooks.

Every change to stock, price or status goes through ``apply_changes``, which emits one
``product_changes`` webhook per call (fact sheet §8: actions stock_overwrite, stock_decrement,
stock_increment, price_changes, status_changes; ``update_time`` in nanoseconds). Every stock
change goes through ``set_stock``, which also appends it to the shown-stock log
(``common/stocklog.py``) with its cause.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from satustok_sandbox.common.stocklog import Cause
from satustok_sandbox.tokopedia.envelope import rbac_error
from satustok_sandbox.tokopedia.product_json import effective_price, effective_stock
from satustok_sandbox.tokopedia.state import Product, SandboxState, Shop

if TYPE_CHECKING:
    from satustok_sandbox.tokopedia.sandbox import TokopediaSandbox

STATUS_ACTIVE = 1
STATUS_INACTIVE = 3
EDITABLE_STATUSES = frozenset({STATUS_ACTIVE, STATUS_INACTIVE})


@dataclass
class ProductChange:
    action: str
    product: Product
    previous: Any
    value: Any


def linked_shop(state: SandboxState, shop_id: int, fs_id: int) -> Shop:
    """The shop if this app may use it; 403 RBAC_MDLW_001 otherwise (unknown shops too)."""
    shop = state.shops.get(shop_id)
    if shop is None or not shop.is_linked_to(fs_id):
        raise rbac_error()
    return shop


def products_by_sku(state: SandboxState, shop_id: int, sku: str) -> list[Product]:
    """Exact, case- and space-sensitive SKU match among a shop's live products."""
    return [p for p in state.listing(shop_id) if p.sku == sku]


def live_product(state: SandboxState, product_id: int) -> Product | None:
    product = state.products.get(product_id)
    return product if product is not None and not product.is_deleted else None


def set_stock(
    sim: TokopediaSandbox,
    product: Product,
    stock: int,
    action: str,
    cause: Cause,
    at: float | None = None,
) -> list[ProductChange]:
    """Set a (sellable) product's stock; ``action`` names the webhook's change, ``cause`` the
    shown-stock log's (``at``: the wall-clock time of the change, default now)."""
    previous, product.stock = product.stock, stock
    product.updated_at = sim.state.now()
    sim.state.stock_log.record(
        product.shop_id, str(product.product_id), product.sku, stock, cause, at
    )
    return [ProductChange(action, product, previous, stock)]


def set_status(sim: TokopediaSandbox, product: Product, status: int) -> list[ProductChange]:
    if product.status == status:
        return []
    previous, product.status = product.status, status
    product.updated_at = sim.state.now()
    return [ProductChange("status_changes", product, previous, status)]


def set_price(sim: TokopediaSandbox, product: Product, price: int) -> list[ProductChange]:
    previous, product.price = product.price, price
    product.updated_at = product.price_updated_at = sim.state.now()
    return [ProductChange("price_changes", product, previous, price)]


def flip_status_for_stock(sim: TokopediaSandbox, product: Product) -> list[ProductChange]:
    """Without ``bypass_update_product_status``: an active product whose stock becomes 0 goes
    inactive, and one that this rule made inactive comes back when restocked."""
    if product.stock == 0 and product.status == STATUS_ACTIVE:
        product.auto_inactive = True
        return set_status(sim, product, STATUS_INACTIVE)
    if product.stock > 0 and product.status == STATUS_INACTIVE and product.auto_inactive:
        product.auto_inactive = False
        return set_status(sim, product, STATUS_ACTIVE)
    return []


def apply_changes(sim: TokopediaSandbox, changes: list[ProductChange]) -> None:
    """Emit the ``product_changes`` webhooks for a batch of changes, one per shop."""
    by_shop: dict[int, list[ProductChange]] = {}
    for change in changes:
        by_shop.setdefault(change.product.shop_id, []).append(change)
    for shop_id, shop_changes in by_shop.items():
        shop = sim.state.shops[shop_id]
        rows = [_change_row(change, shop, sim.state.now()) for change in shop_changes]
        sim.notify(shop, "product_changes", _changes_payload(rows))


def _changes_payload(rows: list[dict[str, Any]]) -> Callable[[int], dict[str, Any]]:
    return lambda fs_id: {"fs_id": fs_id, "product_changes_data": rows}


def _change_row(change: ProductChange, shop: Shop, now: float) -> dict[str, Any]:
    product = change.product
    return {
        "action": change.action,
        "product_id": product.product_id,
        "shop_id": product.shop_id,
        "warehouse_id": product.warehouse_id,
        "value": str(change.value),
        "previous_value": str(change.previous),
        "update_time": int(now * 1_000_000_000),
        "is_default_warehouse": product.warehouse_id == shop.default_warehouse().warehouse_id,
    }


def control_view(product: Product, state: SandboxState) -> dict[str, Any]:
    """The control API's flat view of a product (``GET products/{id}``)."""
    return {
        "product_id": product.product_id,
        "shop_id": product.shop_id,
        "warehouse_id": product.warehouse_id,
        "name": product.name,
        "sku": product.sku,
        "stock": effective_stock(product, state),
        "price": effective_price(product, state),
        "status": product.status,
        "is_parent": product.is_parent,
        "parent_id": product.parent_id,
        "children_ids": list(product.children_ids),
        "options": list(product.options),
        "auto_inactive": product.auto_inactive,
        "promotion": product.promotion,
    }
