"""A model of a banned, unlisted or reviewed item is not sellable: reported inactive with a
label naming the parent's status (payload samples of get_item_base_info / get_model_list)."""

from __future__ import annotations

import pytest

from satustok.channels.shopee.adapter import _item_unit, _model_unit
from satustok.channels.shopee.schemas import ItemBaseInfo, ModelList


def item(status: str, *, has_model: bool = True) -> ItemBaseInfo:
    return ItemBaseInfo.model_validate(
        {
            "item_id": 20000100099,
            "item_name": "Kemeja Batik Parang",
            "item_sku": "" if has_model else "SB-PRG-01",
            "item_status": status,
            "has_model": has_model,
            "price_info": [] if has_model else [{"current_price": 150000}],
            "stock_info_v2": None if has_model else {"seller_stock": [{"stock": 9}]},
        }
    )


MODELS = ModelList.model_validate(
    {
        "tier_variation": [{"name": "Ukuran", "option_list": [{"option": "M"}, {"option": "L"}]}],
        "model": [
            {
                "model_id": 90000200101 + index,
                "model_sku": f"SB-PRG-{size}",
                "model_status": "MODEL_NORMAL",
                "tier_index": [index],
                "price_info": [{"current_price": 150000}],
                "stock_info_v2": {"seller_stock": [{"location_id": "IDZ", "stock": 7}]},
            }
            for index, size in enumerate(("M", "L"))
        ],
    }
)


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("BANNED", "Parent banned"),
        ("UNLIST", "Parent unlisted"),
        ("REVIEWING", "Parent pending review"),
    ],
)
def test_models_of_an_unsellable_item_are_inactive(status: str, label: str) -> None:
    units = [_model_unit(item(status), model, MODELS) for model in MODELS.model]
    assert [(u.is_active, u.status_label) for u in units] == [(False, label)] * 2
    assert {u.parent_external_id for u in units} == {"20000100099"}


def test_models_of_a_normal_item_are_active() -> None:
    units = [_model_unit(item("NORMAL"), model, MODELS) for model in MODELS.model]
    assert [(u.is_active, u.status_label) for u in units] == [(True, "Active")] * 2


def test_an_item_without_models_keeps_its_own_label() -> None:
    unit = _item_unit(item("BANNED", has_model=False))
    assert (unit.is_active, unit.status_label) == (False, "Banned")
