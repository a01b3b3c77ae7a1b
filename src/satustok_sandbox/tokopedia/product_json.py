"""Products as Get Product Info and the variant endpoint show them (fact sheet §5).

A variant parent is listed with ``variant.isParent`` and ``childrenID``; each child is its own
product with ``variant.isVariant`` and ``parentID``. The parent's stock is the sum of its live
children and its price the cheapest child. The name key is ``name`` unless the ``name_key``
fault asks for the doc example's ``Name``.
"""

from __future__ import annotations

from typing import Any

from satustok_sandbox.tokopedia.state import Product, SandboxState, Shop, slugify

CATEGORIES = {1807: "Batik Pria", 1808: "Batik Wanita", 1809: "Kain Batik", 1810: "Aksesoris Batik"}
IMAGE_HOST = "https://images.tokopedia.net/img/cache"


def product_slug(product: Product) -> str:
    # The id keeps URLs unique when two products share a name (as real slugs get a suffix).
    return f"{slugify(product.name)}-{product.product_id}"


def product_url(product: Product, shop: Shop, *, mobile: bool = False) -> str:
    host = "m.tokopedia.com" if mobile else "www.tokopedia.com"
    return f"https://{host}/{shop.domain}/{product_slug(product)}"


def live_children(product: Product, state: SandboxState) -> list[Product]:
    children = (state.products[child_id] for child_id in product.children_ids)
    return [child for child in children if not child.is_deleted]


def effective_stock(product: Product, state: SandboxState) -> int:
    if product.is_parent:
        return sum(child.stock for child in live_children(product, state))
    return product.stock


def effective_price(product: Product, state: SandboxState) -> int:
    children = live_children(product, state) if product.is_parent else []
    return min((child.price for child in children), default=product.price)


def price_json(product: Product, state: SandboxState) -> dict[str, Any]:
    price = effective_price(product, state)
    return {
        "value": price,
        "currency": 1,
        "LastUpdateUnix": int(product.price_updated_at),
        "idr": price,
    }


def product_json(
    product: Product, shop: Shop, state: SandboxState, name_key: str = "name"
) -> dict[str, Any]:
    """One element of Get Product Info's ``data``."""
    stock = effective_stock(product, state)
    return {
        "basic": _basic(product, name_key),
        "price": price_json(product, state),
        "weight": {"value": product.weight_grams, "unit": 1},
        "stock": {"useStock": True, "value": stock, "stockWording": "" if stock else "Stok habis"},
        "main_stock": stock,
        "reserve_stock": 0,
        "variant": _variant_flags(product),
        "menu": {"id": _etalase_id(product), "name": product.etalase},
        "preorder": {},
        "extraAttribute": {"minOrder": 1, "isEligibleCOD": False, "isOnCampaign": False},
        "wholesale": None,
        "categoryTree": _category_tree(product),
        "pictures": _pictures(product),
        "GMStats": {
            "transactionSuccess": product.count_sold,
            "transactionReject": 0,
            "countSold": product.count_sold,
        },
        "stats": {"countView": product.count_view, "countReview": 0, "countTalk": 0},
        "other": {
            "sku": product.sku,
            "url": product_url(product, shop),
            "mobileURL": product_url(product, shop, mobile=True),
        },
        "campaign": {"StartDate": "", "EndDate": ""},
        "volume": {"length": 30, "width": 20, "height": 5},
        "warehouses": [_warehouse_row(product, stock, state)],
    }


def _basic(product: Product, name_key: str) -> dict[str, Any]:
    return {
        "productID": product.product_id,
        "shopID": product.shop_id,
        "status": product.status,
        name_key: product.name,
        "condition": product.condition,
        "childCategoryID": product.category_id,
        "shortDesc": product.description[:140],
        "createTimeUnix": int(product.created_at),
        "updateTimeUnix": int(product.updated_at),
    }


def _variant_flags(product: Product) -> dict[str, Any]:
    return {
        "isParent": product.is_parent,
        "isVariant": product.parent_id is not None,
        "childrenID": list(product.children_ids),
        "parentID": product.parent_id or 0,
    }


def _etalase_id(product: Product) -> int:
    return 1000 + sum(map(ord, product.etalase)) if product.etalase else 0


def _category_tree(product: Product) -> list[dict[str, Any]]:
    name = CATEGORIES.get(product.category_id, "Batik")
    return [
        {
            "id": 1759,
            "name": "Fashion",
            "title": "Fashion",
            "breadcrumbURL": "https://www.tokopedia.com/p/fashion",
        },
        {
            "id": product.category_id,
            "name": name,
            "title": name,
            "breadcrumbURL": f"https://www.tokopedia.com/p/fashion/{slugify(name)}",
        },
    ]


def _pictures(product: Product) -> list[dict[str, Any]]:
    file_name = f"{product_slug(product)}.jpg"
    return [
        {
            "picID": product.product_id * 10 + 1,
            "fileName": file_name,
            "filePath": "product-1/2024/1/1",
            "status": 2,
            "OriginalURL": f"{IMAGE_HOST}/700/product-1/{file_name}",
            "ThumbnailURL": f"{IMAGE_HOST}/200-square/product-1/{file_name}",
            "width": 700,
            "height": 700,
            "URL300": f"{IMAGE_HOST}/300/product-1/{file_name}",
        }
    ]


def _warehouse_row(product: Product, stock: int, state: SandboxState) -> dict[str, Any]:
    return {
        "productID": product.product_id,
        "warehouseID": product.warehouse_id,
        "price": price_json(product, state),
        "stock": {"useStock": True, "value": stock},
    }


def option_id(parent_id: int, position: int, index: int) -> int:
    """Stable option ids within a family (the real ones are opaque integers too)."""
    return (parent_id % 1_000_000) * 100 + position * 10 + index


def variant_json(parent: Product, shop: Shop, state: SandboxState) -> dict[str, Any]:
    """Get Product Variant's ``data`` for a family (asked by the parent or any child)."""
    children = live_children(parent, state)
    options = _option_tables(parent, children)
    enabled = [c for c in children if c.status == 1]
    return {
        "parent_id": parent.product_id,
        "default_child": (enabled or children)[0].product_id if children else 0,
        "sizechart": [],
        "variant": [
            {
                "name": name,
                "identifier": slugify(name),
                "unit_name": "",
                "position": position,
                "option": [{"id": oid, "value": value, "hex": ""} for value, oid in table.items()],
            }
            for position, (name, table) in enumerate(
                zip(parent.variant_names, options, strict=True), 1
            )
        ],
        "children": [_child_json(child, shop, options) for child in children],
    }


def _option_tables(parent: Product, children: list[Product]) -> list[dict[str, int]]:
    tables: list[dict[str, int]] = [{} for _ in parent.variant_names]
    for child in children:
        for position, value in enumerate(child.options):
            table = tables[position]
            table.setdefault(value, option_id(parent.product_id, position + 1, len(table)))
    return tables


def _child_json(child: Product, shop: Shop, options: list[dict[str, int]]) -> dict[str, Any]:
    file_name = f"{product_slug(child)}.jpg"
    return {
        "name": child.name,
        "url": product_url(child, shop),
        "product_id": child.product_id,
        "price": child.price,
        "price_fmt": format_rupiah(child.price),
        "stock": child.stock,
        "main_stock": child.stock,
        "reserve_stock": 0,
        "sku": child.sku,
        "option_ids": [options[i][value] for i, value in enumerate(child.options)],
        "enabled": child.status == 1,
        "is_buyable": child.status == 1 and child.stock > 0,
        "is_wishlist": False,
        "picture": {
            "original": f"{IMAGE_HOST}/700/product-1/{file_name}",
            "thumbnail": f"{IMAGE_HOST}/200-square/product-1/{file_name}",
        },
        "campaign": {"is_active": False},
        "stock_wording": "" if child.stock else "Stok habis",
        "always_available": False,
        "is_cod": False,
    }


def empty_variant_json(product: Product) -> dict[str, Any]:
    """A product without variants: its own family of one, with nothing in it."""
    return {
        "parent_id": product.product_id,
        "default_child": 0,
        "sizechart": [],
        "variant": [],
        "children": [],
    }


def format_rupiah(amount: int) -> str:
    return "Rp" + f"{amount:,}".replace(",", ".")


def malform_products(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``malformed_next`` fault: wrong types on even rows, missing objects on odd rows."""
    for index, row in enumerate(rows):
        if index % 2 == 0:
            row["basic"]["productID"] = str(row["basic"]["productID"])
            row["price"]["value"] = format_rupiah(int(row["price"]["value"]))
            row["stock"]["value"] = str(row["stock"]["value"])
        else:
            row.pop("other", None)
            row.pop("stock", None)
    return rows
