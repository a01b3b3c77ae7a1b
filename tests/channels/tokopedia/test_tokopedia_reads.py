"""Over loopback HTTP against the sandbox: a shop, product pages (full, resumed, Name/name),
variant families, lookups by id (chunked) and by SKU, and a budget the client learns and keeps
to."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from satustok.channels.http.errors import NotAssociated, ValidationError

if TYPE_CHECKING:
    from satustok.channels.tokopedia.client import TokopediaClient
    from satustok_sandbox.server import RunningSandbox

pytestmark = pytest.mark.dbless

SHOP = 480001


def seeded_ids(sandbox: RunningSandbox, shop_id: int = SHOP) -> list[int]:
    """What the sandbox holds for a shop: every visible product, parents and children."""
    return [product.product_id for product in sandbox.tokopedia.state.shop_products(shop_id)]


def product_calls(sandbox: RunningSandbox) -> int:
    return sandbox.stats()["groups"]["product_info"]["calls"]


def test_a_shop_its_warehouses_and_its_close_note(client: TokopediaClient) -> None:
    shop = client.get_shop(SHOP)
    assert (shop.shop_name, shop.open, shop.status) == ("Toko Sari Batik", True, 1)
    assert shop.warehouses and shop.warehouses[0].warehouse_id > 0
    holiday = client.get_shop(480004)
    assert not holiday.open and holiday.reason  # the close note comes back as `reason`


def test_every_product_is_listed_once_and_paging_ends_on_an_empty_page(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    expected = seeded_ids(tokopedia_sandbox)
    assert len(expected) >= 150
    pages = list(client.iter_product_pages(SHOP))
    listed = [product.product_id for page in pages for product in page.products]
    assert listed == expected
    assert [page.page for page in pages] == list(range(1, len(pages) + 1))
    assert all(len(page.products) <= 50 for page in pages)
    assert product_calls(tokopedia_sandbox) == len(pages) + 1  # + the empty page that ends it


def test_variant_parents_and_children_are_each_their_own_product(client: TokopediaClient) -> None:
    products = list(client.iter_products(SHOP))
    parents = [p for p in products if p.is_variant_parent]
    by_id = {p.product_id: p for p in products}
    assert parents
    for parent in parents:
        assert parent.variant is not None
        for child_id in parent.variant.children_ids:
            child = by_id[child_id]
            assert child.variant is not None and child.variant.parent_id == parent.product_id


def test_the_messy_seed_reaches_the_caller_untouched(client: TokopediaClient) -> None:
    products = list(client.iter_products(SHOP))
    skus = [p.sku for p in products if not p.is_variant_parent]
    assert "" in skus  # empty SKUs
    assert any(p.basic.status != 1 for p in products)  # inactive, banned, pending
    assert any(p.stock.value == 0 for p in products if not p.is_variant_parent)
    keys = [sku.strip().casefold() for sku in skus if sku.strip()]
    assert len(keys) > len(set(keys))  # duplicates, case and space variants


def test_listing_resumes_from_a_given_page(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    full = {page.page: page.products for page in client.iter_product_pages(SHOP, per_page=20)}
    calls_before = product_calls(tokopedia_sandbox)
    resumed = list(client.iter_product_pages(SHOP, start_page=4, per_page=20))
    assert [page.page for page in resumed] == [n for n in sorted(full) if n >= 4]
    assert all(page.products == full[page.page] for page in resumed)
    assert product_calls(tokopedia_sandbox) - calls_before == len(resumed) + 1  # 1..3 not asked


def test_capital_name_is_read_like_lowercase_name(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    lowercase = client.get_product_page(SHOP, 1)
    tokopedia_sandbox.set_faults(name_key="Name")
    capital = client.get_product_page(SHOP, 1)
    assert [p.basic.name for p in capital] == [p.basic.name for p in lowercase]
    assert all(p.basic.name for p in capital)


def test_products_by_id_are_looked_up_fifty_ids_a_call(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    wanted = [*seeded_ids(tokopedia_sandbox)[:120], 999_999_999]  # one unknown id
    found = client.get_products(wanted)
    assert sorted(p.product_id for p in found) == sorted(wanted[:120])
    assert product_calls(tokopedia_sandbox) == 3  # 121 ids: 50 + 50 + 21


def test_products_by_sku_span_every_linked_shop(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    state = tokopedia_sandbox.tokopedia.state
    shared = next(
        p.sku
        for p in state.shop_products(480002)
        if p.sku and any(q.sku == p.sku for q in state.shop_products(SHOP))
    )
    found = client.get_products_by_sku(shared)
    assert {p.basic.shop_id for p in found} == {480001, 480002}
    assert all(p.sku == shared for p in found)
    assert {p.basic.shop_id for p in client.get_products_by_sku(shared, shop_id=480002)} == {480002}
    assert client.get_products_by_sku("NO-SUCH-SKU-XYZ") == []
    with pytest.raises(ValidationError):
        client.get_products_by_sku("   ")


def test_product_pages_of_an_unlinked_shop_are_refused(client: TokopediaClient) -> None:
    with pytest.raises(NotAssociated):
        list(client.iter_product_pages(480005))


def test_a_tight_budget_is_learned_and_never_exceeded(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    tokopedia_sandbox.set_faults(limits={"product_info": {"rate": 20, "burst": 2}})
    listed = [
        p.product_id for page in client.iter_product_pages(SHOP, per_page=10) for p in page.products
    ]
    assert listed == seeded_ids(tokopedia_sandbox)
    stats = tokopedia_sandbox.stats()["groups"]["product_info"]
    assert stats["calls"] >= 18
    assert stats["rate_limited"] == 0  # not one 429, though the burst is 2 and we made 18 calls
