"""JSON views of products, SKUs and warehouses, shared by the API and the control API.

Prices are decimal strings of whole rupiah (``"15000"``), currency ``IDR``; ``price`` has
``tax_exclusive_price`` and ``sale_price`` equal (no taxes or discounts are simulated). A SKU's
``inventory[{warehouse_id, quantity}]`` lists its assigned sales warehouses with the *available*
quantity (committed stock is separate: ``inventory/search``).

202502 additions: ``integrated_platform_statuses[{platform, status}]`` per product (one row per
storefront it is listed on, each with the product's status — sandbox choice: the sheet names
the field, not its shape), and ``status_info{status}`` NORMAL|DEACTIVATED per SKU.
"""

from __future__ import annotations

import zlib
from typing import Any

from satustok_sandbox.tiktokshop.state import Product, Sku, TikTokShopState, Warehouse


def digits_id(*parts: str) -> str:
    """A stable numeric id for a name (sales attribute and value ids)."""
    return str(7_000_000_000 + zlib.crc32("/".join(parts).encode()))


def price_view(sku: Sku) -> dict[str, str]:
    amount = str(sku.price)
    return {"currency": "IDR", "tax_exclusive_price": amount, "sale_price": amount}


def inventory_view(sku: Sku) -> list[dict[str, Any]]:
    return [{"warehouse_id": w, "quantity": q} for w, q in sku.available.items()]


def platform_statuses(product: Product) -> list[dict[str, str]]:
    return [{"platform": p, "status": product.status} for p in product.listing_platforms]


def search_sku(sku: Sku, *, v202502: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": sku.id,
        "seller_sku": sku.seller_sku,
        "price": price_view(sku),
        "inventory": inventory_view(sku),
    }
    if v202502:
        row["status_info"] = {"status": sku.status}
    return row


def search_product(state: TikTokShopState, product: Product, *, v202502: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": product.id,
        "title": product.title,
        "status": product.status,
        "create_time": product.create_time,
        "update_time": product.update_time,
        "sales_regions": ["ID"],
        "skus": [search_sku(sku, v202502=v202502) for sku in state.product_skus(product)],
    }
    if v202502:
        row["integrated_platform_statuses"] = platform_statuses(product)
    return row


def sales_attributes(sku: Sku) -> list[dict[str, str]]:
    return [
        {
            "id": digits_id(name),
            "name": name,
            "value_id": digits_id(name, value),
            "value_name": value,
        }
        for name, value in sku.sales_attributes
    ]


def product_detail(state: TikTokShopState, product: Product) -> dict[str, Any]:
    """``GET /product/202309/products/{id}``."""
    return {
        "id": product.id,
        "status": product.status,
        "title": product.title,
        "description": product.description,
        "create_time": product.create_time,
        "update_time": product.update_time,
        "is_cod_allowed": True,
        "integrated_platform_statuses": platform_statuses(product),
        "skus": [
            {
                **search_sku(sku, v202502=True),
                "sales_attributes": sales_attributes(sku),
                "external_sku_id": sku.external_sku_id,
            }
            for sku in state.product_skus(product)
        ],
    }


def warehouse_view(warehouse: Warehouse) -> dict[str, Any]:
    return {
        "id": warehouse.id,
        "name": warehouse.name,
        "type": warehouse.type,
        "sub_type": "DOMESTIC_WAREHOUSE",
        "effect_status": warehouse.effect_status,
        "is_default": warehouse.is_default,
        "address": dict(warehouse.address),
    }


def sku_stock(sku: Sku) -> dict[str, Any]:
    """``inventory/search``'s view of one SKU."""
    return {
        "id": sku.id,
        "seller_sku": sku.seller_sku,
        "total_available_quantity": sku.total_available,
        "total_committed_quantity": sku.total_committed,
        "warehouse_inventory": [
            {
                "warehouse_id": warehouse_id,
                "available_quantity": quantity,
                "committed_quantity": sku.committed.get(warehouse_id, 0),
            }
            for warehouse_id, quantity in sku.available.items()
        ],
    }
