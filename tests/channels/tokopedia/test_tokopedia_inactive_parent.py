"""A variant child whose parent is banned or inactive is not sellable: the catalogue reports it
inactive, and its status label names the parent's status (payload samples, no HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from satustok.channels.tokopedia.adapter import TokopediaCatalog
from satustok.channels.tokopedia.schemas import Product

PARENT, CHILD_A, CHILD_B = 2_100_500, 2_100_501, 2_100_502


def payload(product_id: int, status: int, *, parent: int = 0, children: Any = ()) -> Product:
    """One element of Get Product Info's ``data``, in the fact sheet's shape."""
    return Product.model_validate(
        {
            "basic": {"productID": product_id, "shopID": 480001, "status": status,
                      "name": f"Kemeja Batik {product_id}"},
            "price": {"value": 150000, "currency": 1, "LastUpdateUnix": 1700000000},
            "stock": {"useStock": True, "value": 12},
            "variant": {"isParent": bool(children), "isVariant": bool(parent),
                        "childrenID": list(children), "parentID": parent},
            "other": {"sku": f"SB-{product_id}" if not children else ""},
        }
    )  # fmt: skip


class PagesClient:
    """Stands in for ``TokopediaClient``: fixed pages, and parents looked up by id."""

    def __init__(self, pages: list[list[Product]], lookup: list[Product] | None = None) -> None:
        self.pages, self.lookup = pages, lookup or []
        self.looked_up: list[int] = []

    def get_product_page(self, shop_id: int, number: int) -> list[Product]:
        return self.pages[number - 1] if number <= len(self.pages) else []

    def get_products(self, ids: list[int]) -> list[Product]:
        self.looked_up += ids
        return [p for p in self.lookup if p.product_id in ids]


def family(parent_status: int, child_status: int = 1) -> list[Product]:
    return [
        payload(PARENT, parent_status, children=[CHILD_A, CHILD_B]),
        payload(CHILD_A, child_status, parent=PARENT),
        payload(CHILD_B, 1, parent=PARENT),
    ]


@pytest.mark.parametrize(
    ("parent_status", "label"),
    [(-2, "Parent banned"), (3, "Parent inactive"), (-1, "Parent pending review")],
)
def test_children_of_an_unsellable_parent_are_inactive(parent_status: int, label: str) -> None:
    units = TokopediaCatalog(PagesClient([family(parent_status)]), 480001).page(1).units
    assert [u.external_id for u in units] == [str(CHILD_A), str(CHILD_B)]
    assert all(not u.is_active and u.status_label == label for u in units)
    assert all(u.parent_external_id == str(PARENT) for u in units)  # still one family


@pytest.mark.parametrize("parent_status", [1, 2])
def test_children_of_an_active_or_featured_parent_keep_their_own_status(
    parent_status: int,
) -> None:
    units = TokopediaCatalog(PagesClient([family(parent_status, 3)]), 480001).page(1).units
    assert [(u.is_active, u.status_label) for u in units] == [(False, "Inactive"), (True, "Active")]


def test_a_childs_own_status_is_kept_when_it_is_already_unsellable() -> None:
    units = TokopediaCatalog(PagesClient([family(-2, child_status=0)]), 480001).page(1).units
    assert (units[0].is_active, units[0].status_label) == (False, "Deleted")


def test_a_parent_on_a_later_page_is_looked_up_for_its_status() -> None:
    parent, *children = family(-2)
    client = PagesClient([children, [parent]], lookup=[parent])
    units = TokopediaCatalog(client, 480001).page(1).units  # type: ignore[arg-type]
    assert client.looked_up == [PARENT]
    assert [(u.is_active, u.status_label) for u in units] == [(False, "Parent banned")] * 2
    assert units[0].family_name == f"Kemeja Batik {PARENT}"
