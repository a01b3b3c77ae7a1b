"""Product reads (fact sheet §4): get_item_list, get_item_base_info, get_model_list,
search_item.

Lists accept every plausible array form: ``item_status=NORMAL&item_status=UNLIST``,
``item_status=NORMAL,UNLIST``, ``item_status=["NORMAL","UNLIST"]`` and ``item_status[]=…``;
``item_id_list`` likewise (``1,2``, repeated, ``[1,2]``). ``DELETED`` (older docs) means both
``SELLER_DELETE`` and ``SHOPEE_DELETE``. Items are listed in item id order; a page costs
O(log n + page) (see ``state.ItemIndex``), except with ``update_time_from``/``update_time_to``,
which filter by scanning the shop's items.
"""

from __future__ import annotations

from starlette.responses import Response

from satustok_sandbox.shopee.catalog import item_json, model_json, tier_json
from satustok_sandbox.shopee.envelope import ShopeeError, ok, param_error
from satustok_sandbox.shopee.pipeline import Call
from satustok_sandbox.shopee.state import Item

ITEM_STATUSES = ("NORMAL", "BANNED", "UNLIST", "REVIEWING", "SELLER_DELETE", "SHOPEE_DELETE")
MAX_PAGE_SIZE = 100
MAX_BASE_INFO_IDS = 50
MODULE = "product"


def item_statuses(call: Call, *, default: list[str] | None = None) -> list[str]:
    raw = [value.upper() for value in call.list_param("item_status")]
    if not raw:
        if default is None:
            raise param_error("item_status is required.", MODULE)
        return default
    statuses: list[str] = []
    for value in raw:
        if value == "DELETED":
            statuses += ["SELLER_DELETE", "SHOPEE_DELETE"]
        elif value in ITEM_STATUSES:
            statuses.append(value)
        else:
            raise param_error(
                f"Invalid item_status {value!r}: use {', '.join(ITEM_STATUSES)}.", MODULE
            )
    return list(dict.fromkeys(statuses))


def shop_item(call: Call, item_id: int) -> Item:
    """An item of the caller's shop; ``error_item_not_found`` otherwise."""
    item = call.state.items.get(item_id)
    if item is None:
        raise ShopeeError("error_item_not_found", f"Item {item_id} not found.")
    if item.shop_id != call.shop_id:
        raise ShopeeError("error_item_not_belong_shop", f"Item {item_id} is not in this shop.")
    return item


async def get_item_list(call: Call) -> Response:
    offset = call.int_param("offset", default=0, minimum=0, module=MODULE)
    size = call.int_param(
        "page_size", required=True, minimum=1, maximum=MAX_PAGE_SIZE, module=MODULE
    )
    statuses = item_statuses(call)
    since = call.int_param("update_time_from", minimum=0, module=MODULE)
    until = call.int_param("update_time_to", minimum=0, module=MODULE)
    assert offset is not None and size is not None
    state = call.state
    with state.lock:
        if since is None and until is None:
            ids, total = state.index.page(call.shop_id, statuses, offset, size)
        else:
            matching = sorted(
                item_id
                for ids in state.index.ids(call.shop_id, statuses)
                for item_id in ids
                if (since is None or state.items[item_id].update_time >= since)
                and (until is None or state.items[item_id].update_time <= until)
            )
            ids, total = matching[offset : offset + size], len(matching)
        rows = [
            {
                "item_id": item_id,
                "item_status": state.items[item_id].item_status,
                "update_time": state.items[item_id].update_time,
                "tag": {"kit": False},
            }
            for item_id in ids
        ]
    more = offset + len(ids) < total
    return ok(
        {
            "item": rows,
            "total_count": total,
            "has_next_page": more,
            "next_offset": offset + len(ids) if more else total,
        }
    )


async def get_item_base_info(call: Call) -> Response:
    ids = call.int_list_param("item_id_list", MODULE)
    if not ids:
        raise param_error("item_id_list is required.", MODULE)
    if len(ids) > MAX_BASE_INFO_IDS:
        raise param_error(f"item_id_list: at most {MAX_BASE_INFO_IDS} ids.", MODULE)
    state = call.state
    with state.lock:
        found = [state.items.get(item_id) for item_id in ids]
        rows = [
            item_json(state, item)
            for item in found
            if item is not None and item.shop_id == call.shop_id
        ]
    returned = {row["item_id"] for row in rows}
    missing = [item_id for item_id in ids if item_id not in returned]
    warning = f"item_id not found in this shop: {missing}" if missing else ""
    return ok({"item_list": rows}, warning=warning)


async def get_model_list(call: Call) -> Response:
    item_id = call.int_param("item_id", required=True, minimum=1, module=MODULE)
    assert item_id is not None
    state = call.state
    with state.lock:
        item = shop_item(call, item_id)
        models = [model_json(state, item, model) for model in state.models_of(item)]
        tiers = tier_json(item)
    return ok({"tier_variation": tiers, "model": models, "standardise_tier_variation": []})


async def search_item(call: Call) -> Response:
    size = call.int_param(
        "page_size", required=True, minimum=1, maximum=MAX_PAGE_SIZE, module=MODULE
    )
    raw_offset = call.param("offset") or "0"
    if not raw_offset.isdigit():
        raise param_error("Invalid offset: give the next_offset of the previous page.", MODULE)
    offset = int(raw_offset)
    name = (call.param("item_name") or "").lower()
    sku = call.request.query_params.get("item_sku")  # exact: spaces count
    if not name and not sku:
        raise param_error("Give item_name or item_sku.", MODULE)
    statuses = set(item_statuses(call, default=["NORMAL"]))
    assert size is not None
    state = call.state
    with state.lock:
        candidates = (
            state.items_with_sku(call.shop_id, sku)
            if sku
            else sorted(
                item_id
                for ids in state.index.ids(call.shop_id, sorted(statuses))
                for item_id in ids
            )
        )
        matching = [
            item_id
            for item_id in candidates
            if state.items[item_id].item_status in statuses
            and name in state.items[item_id].item_name.lower()
        ]
    page = matching[offset : offset + size]
    more = offset + len(page) < len(matching)
    return ok(
        {
            "item_id_list": page,
            "total_count": len(matching),
            "next_offset": str(offset + len(page)) if more else "",
        }
    )
