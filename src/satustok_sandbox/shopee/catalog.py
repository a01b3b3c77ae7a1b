"""JSON views of items and models (get_item_base_info, get_model_list, the control API) and the
stock arithmetic shared by the update calls and orders.

``stock_info_v2`` of a unit: ``summary_info{total_reserved_stock, total_available_stock}``,
``seller_stock[{location_id, stock, if_saleable}]`` (one row per location of the shop),
``shopee_stock`` empty (no Shopee-fulfilled stock is simulated). For an item with models the
item-level figures are the models' sums. Prices are whole rupiah sent as numbers.
"""

from __future__ import annotations

from typing import Any

from satustok_sandbox.shopee.state import Item, Model, Shop, ShopeeState, Unit


def price_info(unit: Unit, shop: Shop) -> list[dict[str, Any]]:
    return [
        {
            "currency": shop.currency,
            "original_price": float(unit.price),
            "current_price": float(unit.price),
            "inflated_price_of_original_price": float(unit.price),
            "inflated_price_of_current_price": float(unit.price),
        }
    ]


def saleable(item: Item, model: Model | None = None) -> bool:
    return item.item_status == "NORMAL" and (model is None or model.model_status == "MODEL_NORMAL")


def stock_info(
    levels: dict[str, int], reserved: int, shop: Shop, if_saleable: bool
) -> dict[str, Any]:
    return {
        "summary_info": {
            "total_reserved_stock": reserved,
            "total_available_stock": sum(levels.values()),
        },
        "seller_stock": [
            {"location_id": location, "stock": levels.get(location, 0), "if_saleable": if_saleable}
            for location in shop.location_ids
        ],
        "shopee_stock": [],
    }


def item_levels(state: ShopeeState, item: Item) -> tuple[dict[str, int], int]:
    """Stock per location and reserved stock of an item (its models' sums when it has any)."""
    if not item.has_model:
        return dict(item.stock), item.total_reserved
    levels: dict[str, int] = {}
    reserved = 0
    for model in state.models_of(item):
        for location, stock in model.stock.items():
            levels[location] = levels.get(location, 0) + stock
        reserved += model.total_reserved
    return levels, reserved


def item_json(state: ShopeeState, item: Item) -> dict[str, Any]:
    shop = state.shops[item.shop_id]
    levels, reserved = item_levels(state, item)
    row: dict[str, Any] = {
        "item_id": item.item_id,
        "category_id": item.category_id,
        "item_name": item.item_name,
        "description": item.description,
        "item_sku": item.item_sku,
        "create_time": item.create_time,
        "update_time": item.update_time,
        "attribute_list": [],
        "image": {
            "image_url_list": [f"https://cf.shopee.co.id/file/sandbox-{item.item_id}"],
            "image_id_list": [f"sandbox-{item.item_id}"],
        },
        "weight": f"{item.weight:g}",
        "dimension": {"package_length": 20, "package_width": 15, "package_height": 3},
        "logistic_info": [],
        "pre_order": {"is_pre_order": False, "days_to_ship": 2},
        "condition": "NEW",
        "item_status": item.item_status,
        "has_model": item.has_model,
        "promotion_id": 0,
        "brand": {"brand_id": 0, "original_brand_name": "NoBrand"},
        "item_dangerous": 0,
        "description_type": "normal",
        "stock_info_v2": stock_info(levels, reserved, shop, saleable(item)),
    }
    if not item.has_model:
        row["price_info"] = price_info(item, shop)
    return row


def model_json(state: ShopeeState, item: Item, model: Model) -> dict[str, Any]:
    shop = state.shops[item.shop_id]
    return {
        "model_id": model.model_id,
        "model_sku": model.model_sku,
        "model_status": model.model_status,
        "model_name": ",".join(
            opts[i] for (_, opts), i in zip(item.tiers, model.tier_index, strict=False)
        ),
        "tier_index": list(model.tier_index),
        "promotion_id": 0,
        "price_info": price_info(model, shop),
        "stock_info_v2": stock_info(
            dict(model.stock), model.total_reserved, shop, saleable(item, model)
        ),
        "pre_order": {"is_pre_order": False, "days_to_ship": 2},
        "weight": item.weight,
    }


def tier_json(item: Item) -> list[dict[str, Any]]:
    return [
        {"name": name, "option_list": [{"option": option, "image": None} for option in options]}
        for name, options in item.tiers
    ]


def unit_view(state: ShopeeState, item: Item, unit: Unit) -> dict[str, Any]:
    """The control API's flat view of one unit (an item without models, or a model)."""
    model = unit if isinstance(unit, Model) else None
    return {
        "item_id": item.item_id,
        "model_id": model.model_id if model else 0,
        "shop_id": item.shop_id,
        "sku": model.model_sku if model else item.item_sku,
        "status": model.model_status if model else item.item_status,
        "price": unit.price,
        "stock": unit.total_stock,
        "seller_stock": dict(unit.stock),
        "reserved_stock": unit.reserved_stock,
        "order_reserved": unit.order_reserved,
        "total_reserved_stock": unit.total_reserved,
        "promotion": unit.promotion,
    }


def item_view(state: ShopeeState, item: Item) -> dict[str, Any]:
    """The control API's view of an item, its models and their stock."""
    levels, reserved = item_levels(state, item)
    return {
        "item_id": item.item_id,
        "shop_id": item.shop_id,
        "item_name": item.item_name,
        "item_sku": item.item_sku,
        "item_status": item.item_status,
        "has_model": item.has_model,
        "price": None if item.has_model else item.price,
        "stock": sum(levels.values()),
        "seller_stock": levels,
        "reserved_stock": None if item.has_model else item.reserved_stock,
        "total_reserved_stock": reserved,
        "update_time": item.update_time,
        "models": [unit_view(state, item, model) for model in state.models_of(item)],
    }
