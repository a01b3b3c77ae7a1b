"""Bundles through the real pusher and each channel's sandbox (``world``): a bundle shows what
its scarcest component allows on every shop; a bundle sold on one shop reserves its components,
and both components and every bundle using them are pushed everywhere; a recipe is refused
while an open order holds the bundle."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from channel_worlds import TokopediaWorld, World
from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount, Listing
from satustok.inventory import stock
from satustok.inventory.bundles import BundleRefused, Part
from satustok.orders import bundles as order_bundles
from satustok.orders import poller
from satustok.orders.models import Order
from satustok.orders.registration import register_webhooks
from satustok.sync import pusher
from satustok.sync.models import PushRecord

pytestmark = pytest.mark.django_db

SHOP_A = 480001


@pytest.fixture
def shops(fast_sandbox: Any, world: World, settings: Any) -> tuple[ChannelAccount, ChannelAccount]:
    settings.PUBLIC_URL = "http://127.0.0.1:9"  # webhooks go nowhere: the poll reads orders
    shop_a = TokopediaWorld(fast_sandbox).connect(SHOP_A)
    shop_b = world.connect()
    register_webhooks(shop_b)
    poller.poll_account(shop_b.pk)
    return shop_a, shop_b


def three_shared(shop_a: ChannelAccount, shop_b: ChannelAccount) -> list[Variant]:
    """Three SKUs listed on both shops: two components and the one to become their bundle."""
    found = list(
        Variant.objects.filter(listings__account=shop_a)
        .filter(listings__account=shop_b)
        .exclude(order_lines__isnull=False)  # no order of the demo shops holds them
        .order_by("sku_key")[:3]
    )
    assert len(found) == 3
    return found


def shown_everywhere(
    worlds: dict[int, World], variants: list[Variant]
) -> dict[tuple[str, int], int]:
    shown = {}
    for listing in Listing.objects.filter(variant__in=variants).select_related("variant"):
        shown[(listing.variant.sku, listing.account_id)] = worlds[listing.account_id].shown_stock(
            listing
        )
    return shown


def test_a_bundle_sold_on_one_shop_lowers_its_components_and_bundles_everywhere(
    fast_sandbox: Any, world: World, shops: Any
) -> None:
    shop_a, shop_b = shops
    kaos, topi, paket = three_shared(shop_a, shop_b)
    warehouse = shop_b.warehouse_id
    stock.set_on_hand(warehouse, kaos.pk, 9)
    stock.set_on_hand(warehouse, topi.pk, 8)
    order_bundles.change_recipe(paket, [Part(kaos, 1), Part(topi, 2)])
    for shop in shops:
        pusher.set_push_stock(shop, True)
        pusher.push_account(shop.pk)
    worlds = {shop_a.pk: TokopediaWorld(fast_sandbox), shop_b.pk: world}
    assert shown_everywhere(worlds, [kaos, topi, paket]) == {
        (kaos.sku, shop_a.pk): 9, (kaos.sku, shop_b.pk): 9,
        (topi.sku, shop_a.pk): 8, (topi.sku, shop_b.pk): 8,
        (paket.sku, shop_a.pk): 4, (paket.sku, shop_b.pk): 4,
    }  # fmt: skip

    sold = paket.listings.get(account=shop_b)
    external_id = world.place_order(sold.sku, 2)
    poller.poll_account(shop_b.pk, force=True)
    assert Order.objects.filter(external_id=external_id).exists()
    for shop in shops:
        pusher.push_account(shop.pk)

    assert stock.available_many(warehouse, [kaos.pk, topi.pk, paket.pk]) == {
        kaos.pk: 7,
        topi.pk: 4,
        paket.pk: 2,
    }
    assert shown_everywhere(worlds, [kaos, topi, paket]) == {
        (kaos.sku, shop_a.pk): 7, (kaos.sku, shop_b.pk): 7,
        (topi.sku, shop_a.pk): 4, (topi.sku, shop_b.pk): 4,
        (paket.sku, shop_a.pk): 2, (paket.sku, shop_b.pk): 2,
    }  # fmt: skip
    record = PushRecord.objects.filter(listing__variant=paket).order_by("-id").first()
    assert record is not None and record.quantity == 2
    with translation.override("en"):
        explained = pusher.explained_quantities(shop_a, [paket.listings.get(account=shop_a)])
    words = next(iter(explained.values())).text
    parts = {kaos.pk: f"{kaos.sku} 7 ÷ 1 = 7", topi.pk: f"{topi.sku} 4 ÷ 2 = 2"}
    in_recipe_order = ", ".join(parts[pk] for pk in sorted(parts))
    assert words == f"bundle: min({in_recipe_order}) = 2 available 2"

    with translation.override("en"), pytest.raises(BundleRefused, match="1 open order holds 2"):
        order_bundles.change_recipe(paket, [Part(kaos, 2)])
