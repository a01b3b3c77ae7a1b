"""TikTok Shop's price push over real loopback HTTP to the sandbox: ``prices/update`` sets
each SKU's price (``{"amount": "15000", "currency": "IDR"}``); a price below Rp 100 or a SKU
in a promotion refuses the whole call, reported for every row of the product as permanent
with the seller's explanation; an amount sent as a number is refused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.utils.translation import override

from satustok.channels.http.errors import ChannelError
from satustok.channels.protocol import PricePush
from satustok.channels.tiktokshop.adapter import push_prices, unit_id
from satustok.channels.tiktokshop.client import UPDATE_PRICES, TikTokShopClient

if TYPE_CHECKING:
    from satustok_sandbox.tiktokshop.handle import TikTokShopControl

pytestmark = pytest.mark.dbless


class Direct:
    """What the adapter needs of a shop session: make the call with this client."""

    def __init__(self, client: TikTokShopClient) -> None:
        self.client = client

    def call(self, action: Any) -> Any:
        return action(self.client)


def active_sku(client: TikTokShopClient) -> tuple[str, str]:
    for product in client.search_products(status="ACTIVATE").products:
        for sku in product.skus:
            return product.id, sku.id
    raise AssertionError("the demo shop has no active product")


def test_a_price_is_set_and_shown(client: TikTokShopClient, tiktokshop: TikTokShopControl) -> None:
    product_id, sku_id = active_sku(client)
    (outcome,) = push_prices(Direct(client), [PricePush(unit_id(product_id, sku_id), 123_400)])  # type: ignore[arg-type]
    assert outcome.ok and tiktokshop.sku(sku_id)["price"] == 123_400


def test_a_price_below_the_minimum_is_refused_for_good(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    product_id, sku_id = active_sku(client)
    before = tiktokshop.sku(sku_id)["price"]
    with override("en"):
        (outcome,) = push_prices(Direct(client), [PricePush(unit_id(product_id, sku_id), 50)])  # type: ignore[arg-type]
    assert not outcome.ok and outcome.permanent
    assert "minimum" in outcome.message and "Invalid price" in outcome.message
    assert tiktokshop.sku(sku_id)["price"] == before


def test_a_promotion_locks_the_price(
    client: TikTokShopClient, tiktokshop: TikTokShopControl
) -> None:
    product_id, sku_id = active_sku(client)
    tiktokshop.patch_sku(sku_id, promotion=True)
    with override("en"):
        (outcome,) = push_prices(Direct(client), [PricePush(unit_id(product_id, sku_id), 77_000)])  # type: ignore[arg-type]
    assert not outcome.ok and outcome.permanent and "promotion runs" in outcome.message
    tiktokshop.patch_sku(sku_id, promotion=False)
    (outcome,) = push_prices(Direct(client), [PricePush(unit_id(product_id, sku_id), 77_000)])  # type: ignore[arg-type]
    assert outcome.ok and tiktokshop.sku(sku_id)["price"] == 77_000


def test_an_amount_sent_as_a_number_is_refused(client: TikTokShopClient) -> None:
    product_id, sku_id = active_sku(client)
    body = {"skus": [{"id": sku_id, "price": {"amount": 15000, "currency": "IDR"}}]}
    with pytest.raises(ChannelError) as refused:
        client._call(UPDATE_PRICES, body=body, path_args={"product_id": product_id})
    assert "price" in str(refused.value).lower()
