"""Shopee's price push over real loopback HTTP to the sandbox: ``product/update_price`` sets a
model's original price; a price below Rp 100 or on an item in a promotion comes back in
``failure_list`` and is reported as permanent with the seller's explanation; a price sent as
a string is refused whole, as Shopee's typed decoder does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.utils.translation import override

from satustok.channels.http.errors import ChannelError
from satustok.channels.protocol import PricePush
from satustok.channels.shopee.adapter import push_prices, unit_id
from satustok.channels.shopee.client import UPDATE_PRICE, ShopeeClient

if TYPE_CHECKING:
    from satustok_sandbox.shopee.handle import ShopeeControl

pytestmark = pytest.mark.dbless


class Direct:
    """What the adapter needs of a shop session: make the call with this client."""

    def __init__(self, client: ShopeeClient) -> None:
        self.client = client

    def call(self, action: Any) -> Any:
        return action(self.client)


def plain_items(shopee: ShopeeControl, count: int = 2) -> list[int]:
    """Items without models, listed, that no promotion holds."""
    state = shopee.sandbox.state
    found = [
        item.item_id
        for item in state.items.values()
        if item.item_status == "NORMAL"
        and not item.has_model
        and not item.reserved_stock
        and item.shop_id == 7700001
    ]
    assert len(found) >= count
    return sorted(found)[:count]


def test_prices_are_set_and_shown(client: ShopeeClient, shopee: ShopeeControl) -> None:
    first, second = plain_items(shopee)
    pushes = [PricePush(unit_id(first, 0), 123_400), PricePush(unit_id(second, 0), 99_000)]
    outcomes = push_prices(Direct(client), pushes)  # type: ignore[arg-type]
    assert all(outcome.ok for outcome in outcomes)
    assert shopee.model_stock(first, 0)["price"] == 123_400
    assert shopee.model_stock(second, 0)["price"] == 99_000


def test_a_price_below_the_minimum_is_refused_for_good(
    client: ShopeeClient, shopee: ShopeeControl
) -> None:
    (first,) = plain_items(shopee, 1)
    before = shopee.model_stock(first, 0)["price"]
    with override("en"):
        (outcome,) = push_prices(Direct(client), [PricePush(unit_id(first, 0), 50)])  # type: ignore[arg-type]
    assert not outcome.ok and outcome.permanent
    assert "minimum" in outcome.message and "original_price" in outcome.message
    assert shopee.model_stock(first, 0)["price"] == before


def test_a_promotion_locks_the_price(client: ShopeeClient, shopee: ShopeeControl) -> None:
    (first,) = plain_items(shopee, 1)
    shopee.patch_model(first, 0, promotion=True)
    with override("en"):
        (outcome,) = push_prices(Direct(client), [PricePush(unit_id(first, 0), 77_000)])  # type: ignore[arg-type]
    assert not outcome.ok and outcome.permanent
    assert "promotion runs" in outcome.message and "error_cannt_edit_price" in outcome.message
    shopee.patch_model(first, 0, promotion=False)
    (outcome,) = push_prices(Direct(client), [PricePush(unit_id(first, 0), 77_000)])  # type: ignore[arg-type]
    assert outcome.ok and shopee.model_stock(first, 0)["price"] == 77_000


def test_a_price_sent_as_text_is_refused_whole(client: ShopeeClient, shopee: ShopeeControl) -> None:
    (first,) = plain_items(shopee, 1)
    body = {"item_id": first, "price_list": [{"model_id": "0", "original_price": 10_000}]}
    with pytest.raises(ChannelError) as refused:
        client._call(UPDATE_PRICE, body=body)
    assert "model_id" in str(refused.value)
