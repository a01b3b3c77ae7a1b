"""The SKUs of a deactivated, frozen or pending product are not sellable: reported inactive with
a label naming the parent's status (payload samples of a product search page)."""

from __future__ import annotations

import pytest

from satustok.channels.tiktokshop.adapter import product_units
from satustok.channels.tiktokshop.schemas import Product


def product(status: str, sizes: tuple[str, ...] = ("M", "L")) -> Product:
    return Product.model_validate(
        {
            "id": "1729592969712207000",
            "title": "Kemeja Batik Parang",
            "status": status,
            "skus": [
                {
                    "id": f"172959296971220710{index}",
                    "seller_sku": f"SB-PRG-{size}",
                    "price": {"currency": "IDR", "tax_exclusive_price": "150000"},
                    "inventory": [{"warehouse_id": "7068517275539719942", "quantity": 8}],
                    "status_info": {"status": "NORMAL"},
                    "sales_attributes": [{"name": "Ukuran", "value_name": size}],
                }
                for index, size in enumerate(sizes)
            ],
        }
    )


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("PLATFORM_DEACTIVATED", "Parent banned"),
        ("SELLER_DEACTIVATED", "Parent deactivated"),
        ("FREEZE", "Parent frozen"),
        ("PENDING", "Parent pending review"),
    ],
)
def test_skus_of_an_unsellable_product_are_inactive(status: str, label: str) -> None:
    units = product_units(product(status))
    assert [(u.is_active, u.status_label) for u in units] == [(False, label)] * 2
    assert {u.parent_external_id for u in units} == {"1729592969712207000"}


def test_skus_of_an_active_product_are_active() -> None:
    units = product_units(product("ACTIVATE"))
    assert [(u.is_active, u.status_label) for u in units] == [(True, "Active")] * 2


def test_a_one_sku_product_keeps_its_own_label() -> None:
    (unit,) = product_units(product("FREEZE", sizes=("M",)))
    assert (unit.is_active, unit.status_label) == (False, "Frozen")
