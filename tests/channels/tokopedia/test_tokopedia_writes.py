"""Over loopback HTTP against the sandbox: stock and price updates — chunking, per-row results
mapped back to the caller's rows, over-budget rows re-sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from satustok.channels.http.errors import ActionRejected
from satustok.channels.tokopedia.schemas import PriceUpdate, StockUpdate

if TYPE_CHECKING:
    from conftest import ClientFactory
    from satustok.channels.tokopedia.client import TokopediaClient
    from satustok_sandbox.server import RunningSandbox

pytestmark = pytest.mark.dbless

SHOP = 480001


def sellable(sandbox: RunningSandbox, shop_id: int = SHOP) -> list[tuple[int, str]]:
    """(product_id, sku) of products a stock/price row may target: not parents, editable,
    and with a SKU no other product of the shop shares (a shared SKU updates all of them)."""
    products = sandbox.tokopedia.state.shop_products(shop_id)
    skus = [p.sku for p in products]
    return [
        (p.product_id, p.sku)
        for p in products
        if not p.is_parent
        and p.status in (1, 3)
        and p.sku
        and skus.count(p.sku) == 1
        and len(p.sku) <= 50
    ]


def editable_ids(sandbox: RunningSandbox, shop_id: int = SHOP) -> list[int]:
    products = sandbox.tokopedia.state.shop_products(shop_id)
    return [p.product_id for p in products if not p.is_parent and p.status in (1, 3)]


def stats(sandbox: RunningSandbox, group: str) -> dict[str, int]:
    return sandbox.stats()["groups"][group]


def test_stock_rows_by_sku_and_id_with_partial_failures_mapped_back(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    (first_id, first_sku), (second_id, _) = sellable(tokopedia_sandbox)[:2]
    rows = [
        StockUpdate(sku=first_sku, new_stock=17),
        StockUpdate(sku="NO-SUCH-SKU", new_stock=1),
        StockUpdate(product_id=second_id, new_stock=23),
        StockUpdate(product_id=1, new_stock=5),
        StockUpdate(sku="X" * 51, new_stock=1),  # refused here: Tokopedia allows 50
    ]
    result = client.update_stock(SHOP, rows)
    assert [row.item for row in result.rows] == rows  # the caller's rows, in order
    assert [row.ok for row in result.rows] == [True, False, True, False, False]
    assert result.rows[1].message == "Invalid SKU."
    assert result.rows[3].message == "Invalid Product ID."
    assert "at most 50" in result.rows[4].message and result.rows[4].sends == 0
    assert tokopedia_sandbox.product(first_id)["stock"] == 17
    assert tokopedia_sandbox.product(second_id)["stock"] == 23
    assert stats(tokopedia_sandbox, "stock_update")["items"] == 4


def test_price_rows_are_set_and_refusals_carry_the_channels_words(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    (product_id, sku), (other_id, _) = sellable(tokopedia_sandbox)[:2]
    rows = [PriceUpdate(sku=sku, new_price=125_000), PriceUpdate(product_id=other_id, new_price=5)]
    result = client.update_price(SHOP, rows)
    assert result.rows[0].ok and tokopedia_sandbox.product(product_id)["price"] == 125_000
    assert not result.rows[1].ok and "new_price" in result.rows[1].message
    assert [row.item for row in result.failed] == [rows[1]]


def test_stock_updates_go_a_hundred_rows_a_call(
    make_client: ClientFactory, unlimited_tokopedia_sandbox: RunningSandbox
) -> None:
    client = make_client(unlimited_tokopedia_sandbox)
    known = editable_ids(unlimited_tokopedia_sandbox)
    unknown = list(range(1, 251 - len(known)))
    rows = [StockUpdate(product_id=pid, new_stock=9) for pid in known + unknown]
    assert len(rows) == 250
    result = client.update_stock(SHOP, rows)
    assert [row.ok for row in result.rows] == [True] * len(known) + [False] * len(unknown)
    counted = stats(unlimited_tokopedia_sandbox, "stock_update")
    assert (counted["calls"], counted["items"]) == (3, 250)


def test_rows_refused_as_over_budget_are_resent_and_chunks_shrink_to_the_burst(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    tokopedia_sandbox.set_faults(limits={"stock_update": {"rate": 100, "burst": 40}})
    targets = editable_ids(tokopedia_sandbox)[:120]
    rows = [StockUpdate(product_id=pid, new_stock=4) for pid in targets]
    result = client.update_stock(SHOP, rows)
    assert all(row.ok for row in result.rows)
    assert [row.sends for row in result.rows] == [1] * 40 + [2] * 60 + [1] * 20
    counted = stats(tokopedia_sandbox, "stock_update")
    # 100 rows (40 allowed) + 20, then the 60 refused ones in chunks of the learned burst.
    assert (counted["calls"], counted["items"]) == (4, 180)
    assert counted["rate_limited"] == 0
    assert {tokopedia_sandbox.product(pid)["stock"] for pid in targets} == {4}


def test_only_the_last_row_per_product_is_sent_so_the_last_value_wins(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    first, second = editable_ids(tokopedia_sandbox)[:2]
    rows = [
        StockUpdate(product_id=first, new_stock=4),
        StockUpdate(product_id=second, new_stock=6),
        StockUpdate(product_id=first, new_stock=3),
    ]
    result = client.update_stock(SHOP, rows)
    assert [(row.ok, row.sends) for row in result.rows] == [(True, 0), (True, 1), (True, 1)]
    assert "superseded" in result.rows[0].message
    assert tokopedia_sandbox.product(first)["stock"] == 3
    assert stats(tokopedia_sandbox, "stock_update")["items"] == 2


def test_rows_still_over_budget_after_the_last_round_are_reported(
    make_client: ClientFactory, tokopedia_sandbox: RunningSandbox
) -> None:
    tokopedia_sandbox.set_faults(limits={"price_update": {"rate": 100, "burst": 1}})
    client = make_client(max_resend_rounds=0)
    targets = sellable(tokopedia_sandbox)[:3]
    result = client.update_price(
        SHOP, [PriceUpdate(product_id=p, new_price=99_000) for p, _ in targets]
    )
    assert [row.ok for row in result.rows] == [True, False, False]
    assert result.rows[1].message == "ERR_TOO_MANY_REQUEST"


def test_a_row_naming_both_a_product_id_and_a_sku_is_refused() -> None:
    with pytest.raises(ValueError):
        StockUpdate(product_id=1, sku="A", new_stock=1)


def test_an_unknown_warehouse_is_refused_by_the_channel(client: TokopediaClient) -> None:
    with pytest.raises(ActionRejected) as raised:
        client.update_stock(SHOP, [StockUpdate(product_id=1, new_stock=1)], warehouse_id=42)
    assert raised.value.error_code == "PRD_USC_021"
