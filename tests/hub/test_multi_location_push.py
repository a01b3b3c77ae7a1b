"""A Shopee shop with two locations, each fed by its own hub warehouse, over real HTTP to the
sandbox (shop 7700003: locations IDZ7700003A "Gudang Yogyakarta" and IDZ7700003B "Gudang
Jakarta"; the sandbox refuses a stock update without ``location_id`` from it, as Shopee does).

Hub warehouse A (the integration's own, 10 units) feeds location A, hub warehouse B (3 units)
location B: the shop shows 10 and 3. A sale, reserved in A, lowers location A only. A shop
with nothing mapped is pushed as one quantity, exactly as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from channel_worlds import ShopeeWorld, TikTokShopWorld, TokopediaWorld
from satustok.catalog.models import Variant
from satustok.channels import locations
from satustok.channels.models import ChannelAccount, Listing, ShopLocation
from satustok.inventory import stock
from satustok.inventory.models import Warehouse
from satustok.orders import poller
from satustok.orders.location_mapping import set_locations
from satustok.orders.models import Order
from satustok.sync import pusher
from satustok.sync.models import PushRecord

pytestmark = pytest.mark.django_db

TWO_LOCATIONS = 7700003
LOCATION_A, LOCATION_B = "IDZ7700003A", "IDZ7700003B"


@pytest.fixture
def shop(hub_shopee: Any, settings: Any) -> ChannelAccount:
    settings.PUBLIC_URL = "http://127.0.0.1:9"  # webhooks go nowhere: the poll reads orders
    return ShopeeWorld(hub_shopee).connect(TWO_LOCATIONS)


def seller_stock(hub_shopee: Any, listing: Listing) -> dict[str, int]:
    item_id, model_id = listing.external_id.split(":")
    return dict(hub_shopee.model_stock(int(item_id), int(model_id))["seller_stock"])


def fresh_listing(account: ChannelAccount) -> Listing:
    """A linked listing no order of the demo shop holds (its stock is the test's alone)."""
    found = (
        Listing.objects.filter(account=account, variant__isnull=False)
        .exclude(variant__order_lines__isnull=False)
        .order_by("pk")
        .first()
    )
    assert found is not None
    return found


def test_connecting_reads_the_shops_locations(shop: ChannelAccount) -> None:
    rows = list(ShopLocation.objects.filter(account=shop).values_list("location_id", "name"))
    assert rows == [(LOCATION_A, "Gudang Yogyakarta"), (LOCATION_B, "Gudang Jakarta")]
    assert ShopLocation.objects.get(account=shop, location_id=LOCATION_A).is_default
    assert locations.push_plan(shop) == []  # nothing mapped yet: one quantity, as before


def test_two_hub_warehouses_show_in_two_locations_and_a_sale_lowers_its_own(
    hub_shopee: Any, shop: ChannelAccount
) -> None:
    warehouse_a = shop.warehouse
    warehouse_b = Warehouse.objects.create(code="jakarta", name="Jakarta")
    assert set_locations(shop, {LOCATION_A: warehouse_a.pk, LOCATION_B: warehouse_b.pk}) == 2
    poller.poll_account(shop.pk)  # the demo shop's own orders, before the stock is set
    listing = fresh_listing(shop)
    variant_id = listing.variant_id
    assert variant_id is not None
    stock.set_on_hand(warehouse_a.pk, variant_id, 10)
    stock.set_on_hand(warehouse_b.pk, variant_id, 3)
    pusher.set_push_stock(shop, True)
    with translation.override("en"):  # the sync log's explanation, in English
        pusher.push_account(shop.pk)

    assert seller_stock(hub_shopee, listing) == {LOCATION_A: 10, LOCATION_B: 3}
    listing.refresh_from_db()
    assert listing.last_pushed_qty == 13
    assert listing.last_pushed_locations == {LOCATION_A: 10, LOCATION_B: 3}
    record = PushRecord.objects.filter(listing=listing).latest("pk")
    assert record.quantity == 13
    assert record.explanation == (
        "Gudang Yogyakarta: available 10; Gudang Jakarta: available 3; 13 in all"
    )

    placed = hub_shopee.place_order(TWO_LOCATIONS, [{"sku": listing.sku, "quantity": 2}])
    poller.poll_account(shop.pk, force=True)
    assert Order.objects.filter(account=shop, external_id=placed["order_sn"]).exists()
    pusher.push_account(shop.pk)

    assert stock.available(warehouse_a.pk, variant_id) == 8  # reserved in A
    assert stock.available(warehouse_b.pk, variant_id) == 3
    listing.refresh_from_db()
    assert listing.last_pushed_locations == {LOCATION_A: 8, LOCATION_B: 3}
    assert seller_stock(hub_shopee, listing) == {LOCATION_A: 8, LOCATION_B: 3}


def test_a_changed_location_alone_is_pushed_again(hub_shopee: Any, shop: ChannelAccount) -> None:
    """Moving units from B to A keeps the total: the listing is pushed for its locations."""
    warehouse_a = shop.warehouse
    warehouse_b = Warehouse.objects.create(code="jakarta", name="Jakarta")
    set_locations(shop, {LOCATION_B: warehouse_b.pk})
    listing = fresh_listing(shop)
    variant_id = listing.variant_id
    assert variant_id is not None
    stock.set_on_hand(warehouse_a.pk, variant_id, 4)
    stock.set_on_hand(warehouse_b.pk, variant_id, 6)
    pusher.set_push_stock(shop, True)
    pusher.push_account(shop.pk)
    assert seller_stock(hub_shopee, listing) == {LOCATION_A: 4, LOCATION_B: 6}

    stock.set_on_hand(warehouse_a.pk, variant_id, 6)
    stock.set_on_hand(warehouse_b.pk, variant_id, 4)
    pusher.push_account(shop.pk)
    assert seller_stock(hub_shopee, listing) == {LOCATION_A: 6, LOCATION_B: 4}
    listing.refresh_from_db()
    assert listing.last_pushed_qty == 10


def test_a_stock_change_in_a_mapped_warehouse_marks_the_shop(shop: ChannelAccount) -> None:
    """The shop is not fed by B as a whole, only its location B is: B's change marks it."""
    warehouse_b = Warehouse.objects.create(code="jakarta", name="Jakarta")
    listing = fresh_listing(shop)
    Listing.objects.filter(account=shop).update(needs_push=False)
    assert listing.variant_id is not None
    stock.set_on_hand(warehouse_b.pk, listing.variant_id, 5)
    listing.refresh_from_db()
    assert not listing.needs_push  # not mapped yet: B feeds nothing of this shop
    set_locations(shop, {LOCATION_B: warehouse_b.pk})
    Listing.objects.filter(account=shop).update(needs_push=False)
    stock.set_on_hand(warehouse_b.pk, listing.variant_id, 6)
    listing.refresh_from_db()
    assert listing.needs_push


def test_two_locations_on_one_hub_warehouse_never_show_its_stock_twice(
    hub_shopee: Any, shop: ChannelAccount
) -> None:
    warehouse_a = shop.warehouse
    set_locations(shop, {LOCATION_A: warehouse_a.pk, LOCATION_B: warehouse_a.pk})
    listing = fresh_listing(shop)
    assert listing.variant_id is not None
    stock.set_on_hand(warehouse_a.pk, listing.variant_id, 7)
    pusher.set_push_stock(shop, True)
    pusher.push_account(shop.pk)
    assert seller_stock(hub_shopee, listing) == {LOCATION_A: 7, LOCATION_B: 0}
    with translation.override("en"):
        explained = pusher.explained_quantities(shop, [listing])[listing.pk]
    assert explained.quantity == 7
    assert "same warehouse as Gudang Yogyakarta → 0" in explained.text


def test_an_unmapped_one_location_shop_is_pushed_as_before(hub_shopee: Any) -> None:
    account = ShopeeWorld(hub_shopee).connect()  # the demo shop: one location
    assert ShopLocation.objects.filter(account=account).count() == 1
    listing = fresh_listing(account)
    assert listing.variant_id is not None
    stock.set_on_hand(account.warehouse_id, listing.variant_id, 9)
    pusher.set_push_stock(account, True)
    pusher.push_account(account.pk)
    listing.refresh_from_db()
    assert listing.last_pushed_qty == 9 and listing.last_pushed_locations == {}
    assert ShopeeWorld(hub_shopee).shown_stock(listing) == 9
    assert not Variant.objects.filter(pk=listing.variant_id, product__archived_at__isnull=False)


def test_an_unmapped_two_location_shop_shows_the_quantity_at_its_default_location(
    hub_shopee: Any, shop: ChannelAccount
) -> None:
    """Shopee refuses a stock without location_id from this shop: unmapped, the hub's one
    quantity goes to the default location and the other is set to 0."""
    listing = fresh_listing(shop)
    assert listing.variant_id is not None
    stock.set_on_hand(shop.warehouse_id, listing.variant_id, 5)
    pusher.set_push_stock(shop, True)
    pusher.push_account(shop.pk)
    listing.refresh_from_db()
    assert listing.push_error == "" and listing.last_pushed_qty == 5
    assert listing.last_pushed_locations == {}
    assert seller_stock(hub_shopee, listing) == {LOCATION_A: 5, LOCATION_B: 0}


# --- TikTok Shop: the same, per warehouse_id (shop 7494000000000000001: Gudang Yogyakarta,
# the default, and Gudang Jakarta; its SKU SB-TAS-SDM-049 is stocked in both) --------------

TTS_YOGYA, TTS_JAKARTA = "7300000000000000011", "7300000000000000012"
TWO_WAREHOUSE_SKU = "SB-TAS-SDM-049"


def tts_warehouses(hub_tiktokshop: Any, listing: Listing) -> dict[str, int]:
    _, sku_id = listing.external_id.split(":")
    rows = hub_tiktokshop.sku(sku_id)["warehouses"]
    return {warehouse: int(row["available"]) for warehouse, row in rows.items()}


def test_tiktokshop_warehouses_each_show_their_hub_warehouse(hub_tiktokshop: Any) -> None:
    account = TikTokShopWorld(hub_tiktokshop).connect()
    assert [row.location_id for row in locations.shop_locations(account)] == [
        TTS_YOGYA,
        TTS_JAKARTA,
    ]  # the return warehouse is not a sales warehouse: never a location
    listing = Listing.objects.get(account=account, sku=TWO_WAREHOUSE_SKU)
    assert listing.variant_id is not None
    jakarta = Warehouse.objects.create(code="jakarta", name="Jakarta")
    set_locations(account, {TTS_JAKARTA: jakarta.pk})
    stock.set_on_hand(account.warehouse_id, listing.variant_id, 11)
    stock.set_on_hand(jakarta.pk, listing.variant_id, 4)
    pusher.set_push_stock(account, True)
    pusher.push_account(account.pk)
    assert tts_warehouses(hub_tiktokshop, listing) == {TTS_YOGYA: 11, TTS_JAKARTA: 4}
    listing.refresh_from_db()
    assert listing.last_pushed_qty == 15


# --- Tokopedia: stock/update?warehouse_id= per warehouse (shop 480001: 4800011 Yogyakarta,
# the default, and 4800012 Solo). The sandbox checks the warehouse id but keeps one stock per
# product, so this shows the calls are made and accepted, not what each warehouse holds. ----


def test_tokopedia_warehouses_are_updated_one_call_each(fast_sandbox: Any) -> None:
    world = TokopediaWorld(fast_sandbox)
    account = world.connect(480001)
    solo = Warehouse.objects.create(code="solo", name="Solo")
    set_locations(account, {"4800012": solo.pk})
    listing = fresh_listing(account)
    assert listing.variant_id is not None
    stock.set_on_hand(account.warehouse_id, listing.variant_id, 8)
    stock.set_on_hand(solo.pk, listing.variant_id, 2)
    Listing.objects.filter(account=account).exclude(pk=listing.pk).update(needs_push=False)
    before = world.stock_update_calls()
    pusher.set_push_stock(account, True)
    Listing.objects.filter(account=account).exclude(pk=listing.pk).update(needs_push=False)
    pusher.push_account(account.pk)
    listing.refresh_from_db()
    assert listing.push_error == "" and listing.last_pushed_qty == 10
    assert listing.last_pushed_locations == {"4800011": 8, "4800012": 2}
    assert world.stock_update_calls() - before == 2
