"""What the demo seed says an import must find, computed from the seed file itself."""

from __future__ import annotations

from typing import Any


def sellable_units(shop_id: int) -> list[dict[str, Any]]:
    """The demo seed's sellable units of one shop, read straight from the seed (not through the
    client or the sandbox), so that tests compare the hub's result with an independent account."""
    from satustok_sandbox.tokopedia.demo import demo_seed

    units = []
    for product in demo_seed().products:
        if product.shop_id != shop_id:
            continue
        rows = product.variant.children if product.variant else [product]
        units += [
            {
                "product_id": str(row.product_id),
                "sku": row.sku,
                "active": row.status in (1, 2),  # active, featured
                "stock": row.stock,
            }
            for row in rows
            if row.status != 0
        ]  # 0 = deleted
    return units


SHOPEE_LISTED = {"NORMAL", "UNLIST", "BANNED", "REVIEWING"}  # what the import asks Shopee for


def shopee_units(shop_id: int) -> list[dict[str, Any]]:
    """The Shopee demo seed's sellable units of one shop: each model of an item with
    variations, or the item itself ("item:model" ids, model 0 for an item without models)."""
    from satustok_sandbox.shopee.demo import shopee_demo_seed

    units = []
    for item in shopee_demo_seed().items:
        if item.shop_id != shop_id or item.item_status not in SHOPEE_LISTED:
            continue
        rows = item.models or [item]
        for row in rows:
            model_id = getattr(row, "model_id", 0)
            units.append(
                {
                    "product_id": f"{item.item_id}:{model_id}",
                    "sku": getattr(row, "model_sku", None) if item.models else item.item_sku,
                    "active": item.item_status == "NORMAL"
                    and getattr(row, "model_status", "MODEL_NORMAL") == "MODEL_NORMAL",
                    "stock": sum(r.stock for r in row.seller_stock)
                    if row.seller_stock
                    else row.stock,
                }
            )
    return units


def expected_buckets(
    shop_id: int,
    known_skus: set[str] = frozenset(),  # type: ignore[assignment]
    units: list[dict[str, Any]] | None = None,
) -> dict[str, str]:
    """Unit id → bucket, by the founding document's rules, written out plainly (the Tokopedia
    demo shop's units unless ``units`` are given)."""
    key = lambda sku: sku.strip().lower()  # noqa: E731
    units = sellable_units(shop_id) if units is None else units
    candidates = [u for u in units if key(u["sku"]) and u["active"] and u["stock"] > 0]
    seen: dict[str, int] = {}
    for unit in candidates:
        seen[key(unit["sku"])] = seen.get(key(unit["sku"]), 0) + 1
    buckets = {}
    for unit in units:
        if not key(unit["sku"]):
            buckets[unit["product_id"]] = "skipped_empty_sku"
        elif not unit["active"]:
            buckets[unit["product_id"]] = "skipped_inactive"
        elif unit["stock"] <= 0:
            buckets[unit["product_id"]] = "skipped_no_stock"
        elif seen[key(unit["sku"])] > 1:
            buckets[unit["product_id"]] = "conflict_duplicate_sku"
        else:
            linked = key(unit["sku"]) in known_skus
            buckets[unit["product_id"]] = "linked" if linked else "new_master"
    return buckets


def bucket_counts(buckets: dict[str, str]) -> dict[str, int]:
    names = [
        "linked",
        "new_master",
        "skipped_empty_sku",
        "skipped_inactive",
        "skipped_no_stock",
        "conflict_duplicate_sku",
    ]
    return {name: sum(1 for b in buckets.values() if b == name) for name in names}
