"""The Tokopedia sandbox's shop listing, which every import pages through: built once per
ordering and kept until a product changes, so a page costs a slice, not a filter and a sort of
the whole shop — and a page always shows the shop as it is now."""

from __future__ import annotations

from typing import Any

import pytest

from bench import seeds
from satustok_sandbox.tokopedia.product_api import SORTS
from satustok_sandbox.tokopedia.seed import parse_seed
from satustok_sandbox.tokopedia.state import SandboxClock, SandboxState, build_state

SHOP = seeds.SHOP_ID


@pytest.fixture
def state() -> SandboxState:
    return build_state(parse_seed(seeds.big_shop(60)), SandboxClock())


def listed(state: SandboxState, sort: int = 1) -> list[int]:
    key, reverse = SORTS[sort]
    return [p.product_id for p in state.listing(SHOP, sort, lambda p: key(p, state), reverse)]


def filtered_and_sorted(state: SandboxState, sort: int = 1) -> list[int]:
    """What every page used to compute: the whole shop, filtered and sorted."""
    key, reverse = SORTS[sort]
    live = [p for p in state.products.values() if p.shop_id == SHOP and not p.is_deleted]
    by_id = sorted(live, key=lambda p: p.product_id)
    return [p.product_id for p in sorted(by_id, key=lambda p: key(p, state), reverse=reverse)]


def test_every_ordering_is_the_filtered_and_sorted_shop(state: SandboxState) -> None:
    for sort in SORTS:
        assert listed(state, sort) == filtered_and_sorted(state, sort), sort
    assert [p.product_id for p in state.shop_products(SHOP)] == filtered_and_sorted(state)


def test_the_listing_is_built_once_while_nothing_changes(state: SandboxState) -> None:
    key, reverse = SORTS[9]
    first = state.listing(SHOP, 9, lambda p: key(p, state), reverse)
    assert state.listing(SHOP, 9, lambda p: key(p, state), reverse) is first
    assert state.shop_products(SHOP) is not state.shop_products(SHOP)  # callers get a copy


@pytest.mark.parametrize(
    "change",
    [
        lambda s, p, child: setattr(p, "stock", 10_000),  # stock order
        lambda s, p, child: setattr(p, "status", 0),  # deleted: gone
        lambda s, p, child: setattr(p, "name", "aaa first"),  # name order
        lambda s, p, child: setattr(p, "count_sold", 99),  # sold order
        lambda s, p, child: setattr(p, "updated_at", p.updated_at + 10**6),  # last update
        lambda s, p, child: setattr(child, "price", 1),  # a child makes its parent cheapest
        lambda s, p, child: setattr(child, "stock", 0),  # and its parent's stock smaller
        lambda s, p, child: s.products.pop(p.product_id),  # removed from the table
        lambda s, p, child: s.products.__setitem__(
            p.product_id + 10**6, type(p)(**{**p.__dict__, "product_id": p.product_id + 10**6})
        ),  # a product added
    ],
    ids=[
        "stock",
        "deleted",
        "name",
        "sold",
        "updated",
        "child-price",
        "child-stock",
        "removed",
        "added",
    ],
)
def test_any_change_to_a_product_shows_on_the_next_page(state: SandboxState, change: Any) -> None:
    for sort in SORTS:
        listed(state, sort)  # every ordering cached
    single = next(p for p in state.shop_products(SHOP) if not p.is_parent and not p.parent_id)
    child = next(p for p in state.shop_products(SHOP) if p.parent_id)
    change(state, single, child)
    for sort in SORTS:
        assert listed(state, sort) == filtered_and_sorted(state, sort), sort
