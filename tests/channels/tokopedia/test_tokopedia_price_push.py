"""Tokopedia's price push over real loopback HTTP to the sandbox: ``price/update`` sets the
price, a price below Rp 100 or under a running campaign is refused for that row and reported
as permanent with the seller's explanation, a body of the wrong shape is refused whole."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.utils.translation import override

from satustok.channels.http.errors import ChannelError
from satustok.channels.protocol import PricePush
from satustok.channels.tokopedia.adapter import push_prices
from satustok.channels.tokopedia.client import PRICE_UPDATE, TokopediaClient

if TYPE_CHECKING:
    from satustok_sandbox.server import RunningSandbox

pytestmark = pytest.mark.dbless

SHOP = 480001


def sellable_ids(client: TokopediaClient, count: int = 2) -> list[int]:
    products = client.get_product_page(SHOP, 1)
    found = [p.product_id for p in products if not p.is_variant_parent and p.basic.status == 1]
    assert len(found) >= count
    return found[:count]


def test_prices_are_set_and_shown(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    first, second = sellable_ids(client)
    pushes = [PricePush(str(first), 123_400), PricePush(str(second), 99_000)]
    outcomes = push_prices(client, SHOP, pushes)
    assert all(outcome.ok for outcome in outcomes)
    assert tokopedia_sandbox.product(first)["price"] == 123_400
    assert tokopedia_sandbox.product(second)["price"] == 99_000


def test_a_price_below_the_minimum_is_refused_for_good(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    first, second = sellable_ids(client)
    before = tokopedia_sandbox.product(first)["price"]
    with override("en"):
        outcomes = push_prices(
            client, SHOP, [PricePush(str(first), 50), PricePush(str(second), 60_000)]
        )
    by_id = {outcome.external_id: outcome for outcome in outcomes}
    refused = by_id[str(first)]
    assert not refused.ok and refused.permanent
    assert "minimum" in refused.message and "[new_price]" in refused.message  # both words
    assert by_id[str(second)].ok  # the other row of the call went through
    assert tokopedia_sandbox.product(first)["price"] == before


def test_a_campaign_locks_the_price(
    client: TokopediaClient, tokopedia_sandbox: RunningSandbox
) -> None:
    (first,) = sellable_ids(client, 1)
    tokopedia_sandbox.patch_product(first, promotion=True)
    with override("en"):
        (outcome,) = push_prices(client, SHOP, [PricePush(str(first), 77_000)])
    assert not outcome.ok and outcome.permanent and "promotion" in outcome.message
    tokopedia_sandbox.patch_product(first, promotion=False)
    (outcome,) = push_prices(client, SHOP, [PricePush(str(first), 77_000)])
    assert outcome.ok and tokopedia_sandbox.product(first)["price"] == 77_000


def test_a_body_that_is_not_a_list_of_rows_is_refused_whole(client: TokopediaClient) -> None:
    (first,) = sellable_ids(client, 1)
    with pytest.raises(ChannelError) as refused:
        client._call(  # the real shape is a JSON array of rows
            PRICE_UPDATE,
            params={"shop_id": SHOP},
            body={"product_id": first, "new_price": 10_000},
            units=1,
        )
    assert "PRD_DLV_043" in str(refused.value) or "request body" in str(refused.value)
