"""One SKU's stock as the hub sees it: levels, and what each listing should show and last got.

Shared by the Inventory page, ``satustok stock show`` and the REST API.
"""

from __future__ import annotations

from typing import Any

from satustok.catalog.models import Variant
from satustok.inventory import bundles
from satustok.sync.pusher import explained_quantities


def sku_status(variant: Variant) -> dict[str, Any]:
    """A bundle has no levels of its own: its available is its scarcest component's, summed
    over the warehouses, and its components are listed."""
    levels = list(variant.stock_levels.select_related("warehouse"))
    on_hand = sum(level.on_hand for level in levels)
    reserved = sum(level.reserved for level in levels)
    recipe = bundles.recipes([variant.pk]).get(variant.pk)
    available = (
        bundles.available_everywhere([variant.pk])[variant.pk] if recipe else on_hand - reserved
    )
    return {
        "sku": variant.sku,
        "product": variant.product.name,
        "on_hand": on_hand,
        "reserved": reserved,
        "available": available,
        "oversold": available < 0,
        "components": _components(recipe or []),
        "warehouses": [
            {
                "code": level.warehouse.code,
                "on_hand": level.on_hand,
                "reserved": level.reserved,
                "available": level.available,
            }
            for level in levels
        ],
        "listings": _listings(variant),
    }


def _components(recipe: bundles.Recipe) -> list[dict[str, Any]]:
    skus = dict(Variant.objects.filter(pk__in=[c for c, _q in recipe]).values_list("pk", "sku"))
    return [{"sku": skus[c], "quantity": quantity} for c, quantity in recipe]


def _listings(variant: Variant) -> list[dict[str, Any]]:
    rows = []
    for listing in variant.listings.select_related("account"):
        explained = explained_quantities(listing.account, [listing])[listing.pk]
        rows.append(
            {
                "integration": listing.account_id,
                "shop": listing.account.shop_name,
                "external_id": listing.external_id,
                "desired": explained.quantity,
                "explanation": explained.text,
                "last_pushed": listing.last_pushed_qty,
                "last_pushed_at": listing.last_pushed_at.isoformat()
                if listing.last_pushed_at
                else None,
                "needs_push": listing.needs_push,
                "push_error": listing.push_error,
                "push_stock": listing.account.push_stock,
            }
        )
    return rows
