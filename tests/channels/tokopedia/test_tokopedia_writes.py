"""Over loopback HTTP against the sandbox: stock and price updates, increments, activation —
chunking, per-row results mapped back to the caller's rows, over-budget rows re-sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from satustok.channels.http.errors import ActionRejected, ServerError, ValidationError
from satustok.channels.tokopedia.schemas import PriceUpdate, StockChange, StockUpdate

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


def test_activation_goes_twenty_five_ids_a_call(
    make_client: ClientFactory, unlimited_tokopedia_sandbox: RunningSandbox
) -> None:
    client = make_client(unlimited_tokopedia_sandbox)
    state = unlimited_tokopedia_sandbox.tokopedia.state
    active = [p.product_id for p in state.shop_products(SHOP) if p.status == 1][:60]
    result = client.deactivate_products(SHOP, active)
    assert all(row.ok for row in result.rows)
    assert stats(unlimited_tokopedia_sandbox, "product_active")["calls"] == 3  # 25 + 25 + 10
    assert {unlimited_tokopedia_sandbox.product(pid)["status"] for pid in active} == {3}
    assert all(row.ok for row in client.activate_products(SHOP, active).rows)
    assert unlimited_tokopedia_sandbox.product(active[0])["status"] == 1


def test_activation_failures_are_mapped_to_their_ids(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    active = next(
        p.product_id for p in tokopedia_sandbox.tokopedia.state.shop_products(SHOP) if p.status == 1
    )
    result = client.deactivate_products(SHOP, [active, 123])
    assert [(row.item, row.ok) for row in result.rows] == [(active, True), (123, False)]
    assert "retrieve product info" in result.rows[1].message


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


def test_increment_and_decrement_with_a_request_id(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    product_id, sku = sellable(tokopedia_sandbox)[0]
    before = tokopedia_sandbox.product(product_id)["stock"]
    result = client.increment_stock(SHOP, [StockChange(sku=sku, stock_value=3)], request_id="inc-1")
    assert result.rows[0].ok
    assert tokopedia_sandbox.product(product_id)["stock"] == before + 3
    client.increment_stock(SHOP, [StockChange(sku=sku, stock_value=3)], request_id="inc-1")
    assert tokopedia_sandbox.product(product_id)["stock"] == before + 3  # deduplicated
    too_many = client.decrement_stock(
        SHOP, [StockChange(product_id=product_id, stock_value=before + 100)]
    )
    assert too_many.rows[0].message == "Stock is not enough for decrement."
    taken = client.decrement_stock(SHOP, [StockChange(product_id=product_id, stock_value=1)])
    assert taken.rows[0].ok and taken.rows[0].stock == before + 2


def test_an_increment_is_retried_after_a_5xx_only_with_a_request_id(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    product_id, _ = sellable(tokopedia_sandbox)[0]
    before = tokopedia_sandbox.product(product_id)["stock"]
    tokopedia_sandbox.set_faults(fail_next=1)
    with pytest.raises(ServerError):
        client.increment_stock(SHOP, [StockChange(product_id=product_id, stock_value=1)])
    assert stats(tokopedia_sandbox, "stock_increment")["calls"] == 1
    tokopedia_sandbox.set_faults(fail_next=1)
    client.increment_stock(
        SHOP, [StockChange(product_id=product_id, stock_value=1)], request_id="retry-me"
    )
    assert stats(tokopedia_sandbox, "stock_increment")["calls"] == 3
    assert tokopedia_sandbox.product(product_id)["stock"] == before + 1


def test_request_ids_and_rows_are_checked_before_sending(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    row = StockChange(product_id=1, stock_value=1)
    with pytest.raises(ValidationError, match="request_id"):
        client.increment_stock(SHOP, [row], request_id="has spaces!")
    with pytest.raises(ValidationError, match="at most 100 rows"):
        client.increment_stock(SHOP, [row] * 101, request_id="ok-id")
    with pytest.raises(ValueError):
        StockUpdate(product_id=1, sku="A", new_stock=1)
    assert stats(tokopedia_sandbox, "stock_increment")["calls"] == 0


def test_an_unknown_warehouse_is_refused_by_the_channel(client: TokopediaClient) -> None:
    with pytest.raises(ActionRejected) as raised:
        client.update_stock(SHOP, [StockUpdate(product_id=1, new_stock=1)], warehouse_id=42)
    assert raised.value.error_code == "PRD_USC_021"
