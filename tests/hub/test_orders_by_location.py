"""Orders reserve, ship and release in the hub warehouse their shop location maps to, over real
HTTP to the sandboxes: the Shopee two-location shop 7700003 (the order's lines say
``product_location_id``), the TikTok Shop shop with two sales warehouses and the Tokopedia
shop 480001 with two warehouses (the order says ``warehouse_id``). An order from a location
nothing maps, or from a one-location shop, stays in the integration's warehouse, as before."""

from __future__ import annotations

from typing import Any

import pytest

from channel_worlds import ShopeeWorld, TikTokShopWorld, TokopediaWorld
from satustok.channels.models import ChannelAccount, Listing
from satustok.inventory import stock
from satustok.inventory.models import StockLevel, StockMovement, Warehouse
from satustok.orders import actions, poller
from satustok.orders.location_mapping import set_locations
from satustok.orders.models import Order, StockEffect
from satustok.orders.source import order_source

pytestmark = pytest.mark.django_db

TWO_LOCATIONS = 7700003
LOCATION_A, LOCATION_B = "IDZ7700003A", "IDZ7700003B"
TTS_JAKARTA = "7300000000000000012"
TWO_WAREHOUSE_SKU = "SB-TAS-SDM-049"


@pytest.fixture(autouse=True)
def no_webhooks(settings: Any) -> None:
    settings.PUBLIC_URL = "http://127.0.0.1:9"  # webhooks go nowhere: the hub reads orders


@pytest.fixture
def shop(hub_shopee: Any) -> ChannelAccount:
    return ShopeeWorld(hub_shopee).connect(TWO_LOCATIONS)


@pytest.fixture
def jakarta(db: Any) -> Warehouse:
    return Warehouse.objects.create(code="jakarta", name="Gudang Jakarta")


def fresh_listing(account: ChannelAccount) -> Listing:
    """A linked listing no order of the demo shop holds (its stock is the test's alone)."""
    found = (
        Listing.objects.filter(account=account, variant__isnull=False)
        .exclude(variant__order_lines__isnull=False)
        .order_by("pk")
        .first()
    )
    assert found is not None and found.variant_id is not None
    return found


def level(warehouse_id: int, variant_id: int) -> tuple[int, int]:
    found = StockLevel.objects.get(warehouse_id=warehouse_id, variant_id=variant_id)
    return found.on_hand, found.reserved


def ledger_warehouses(order: Order) -> set[int]:
    rows = StockMovement.objects.filter(reference=order.reference)
    return set(rows.values_list("level__warehouse_id", flat=True))


def place_at(hub_shopee: Any, listing: Listing, location_id: str, quantity: int = 2) -> Order:
    """The buyer orders from ``location_id`` (the sandbox has stock there); the hub reads it."""
    item_id, model_id = (int(part) for part in listing.external_id.split(":"))
    hub_shopee.patch_model(item_id, model_id, stock=20, location_id=location_id)
    lines = [{"sku": listing.sku, "quantity": quantity}]
    placed = hub_shopee.place_order(TWO_LOCATIONS, lines, location_id=location_id)
    poller.poll_account(listing.account_id, force=True)
    return Order.objects.get(account_id=listing.account_id, external_id=placed["order_sn"])


def read_again(order: Order) -> Order:
    actions.refresh(order)
    order.refresh_from_db()
    return order


def test_a_shopee_order_from_a_location_mapped_to_b_reserves_ships_and_releases_in_b(
    hub_shopee: Any, shop: ChannelAccount, jakarta: Warehouse
) -> None:
    main = shop.warehouse_id
    set_locations(shop, {LOCATION_A: main, LOCATION_B: jakarta.pk})
    poller.poll_account(shop.pk)  # the demo shop's own orders first
    listing = fresh_listing(shop)
    variant = listing.variant_id
    assert variant is not None
    stock.set_on_hand(main, variant, 10)
    stock.set_on_hand(jakarta.pk, variant, 5)

    shipped = place_at(hub_shopee, listing, LOCATION_B)
    assert shipped.warehouse_id == jakarta.pk
    assert level(jakarta.pk, variant) == (5, 2)
    assert level(main, variant) == (10, 0)
    hub_shopee.move_order(shipped.external_id, "SHIPPED")
    shipped = read_again(shipped)
    assert shipped.stock_effect == StockEffect.SHIPPED
    assert level(jakarta.pk, variant) == (3, 0)
    assert level(main, variant) == (10, 0)
    assert ledger_warehouses(shipped) == {jakarta.pk}

    cancelled = place_at(hub_shopee, listing, LOCATION_B, quantity=1)
    assert level(jakarta.pk, variant) == (3, 1)
    hub_shopee.move_order(cancelled.external_id, "CANCELLED")
    cancelled = read_again(cancelled)
    assert cancelled.stock_effect == StockEffect.RELEASED
    assert level(jakarta.pk, variant) == (3, 0)
    assert level(main, variant) == (10, 0)
    assert ledger_warehouses(cancelled) == {jakarta.pk}


def test_a_shopee_order_from_a_location_mapped_to_the_integrations_warehouse_stays_there(
    hub_shopee: Any, shop: ChannelAccount, jakarta: Warehouse
) -> None:
    main = shop.warehouse_id
    set_locations(shop, {LOCATION_B: jakarta.pk})  # A: the integration's own
    poller.poll_account(shop.pk)
    listing = fresh_listing(shop)
    assert listing.variant_id is not None
    stock.set_on_hand(main, listing.variant_id, 10)
    order = place_at(hub_shopee, listing, LOCATION_A)
    assert order.warehouse_id == main
    assert level(main, listing.variant_id) == (10, 2)
    assert ledger_warehouses(order) == {main}


def test_a_shopee_order_from_an_unmapped_location_reserves_as_before(
    hub_shopee: Any, shop: ChannelAccount
) -> None:
    poller.poll_account(shop.pk)
    listing = fresh_listing(shop)
    assert listing.variant_id is not None
    stock.set_on_hand(shop.warehouse_id, listing.variant_id, 10)
    order = place_at(hub_shopee, listing, LOCATION_B)  # nothing mapped
    assert order.warehouse_id == shop.warehouse_id
    assert level(shop.warehouse_id, listing.variant_id) == (10, 2)
    assert ledger_warehouses(order) == {shop.warehouse_id}


def test_a_one_location_shopee_shop_reserves_as_before(hub_shopee: Any) -> None:
    world = ShopeeWorld(hub_shopee)
    account = world.connect()  # the demo shop: one location
    poller.poll_account(account.pk)
    listing = fresh_listing(account)
    assert listing.variant_id is not None
    stock.set_on_hand(account.warehouse_id, listing.variant_id, 10)
    order_sn = world.place_order(listing.sku, 3)
    poller.poll_account(account.pk, force=True)
    order = Order.objects.get(account=account, external_id=order_sn)
    assert order.warehouse_id == account.warehouse_id
    assert level(account.warehouse_id, listing.variant_id) == (10, 3)


def test_a_tiktokshop_order_from_a_mapped_warehouse_reserves_and_ships_there(
    hub_tiktokshop: Any, jakarta: Warehouse
) -> None:
    world = TikTokShopWorld(hub_tiktokshop)
    account = world.connect()
    set_locations(account, {TTS_JAKARTA: jakarta.pk})
    poller.poll_account(account.pk)  # the demo shop's own orders first
    listing = Listing.objects.get(account=account, sku=TWO_WAREHOUSE_SKU)
    variant = listing.variant_id
    assert variant is not None
    main = account.warehouse_id
    before_main = level(main, variant)
    stock.set_on_hand(jakarta.pk, variant, 4)

    items = [{"seller_sku": TWO_WAREHOUSE_SKU, "quantity": 1}]
    placed = hub_tiktokshop.place_order(world.shop_id, items, warehouse_id=TTS_JAKARTA)
    assert placed["warehouse_id"] == TTS_JAKARTA
    poller.poll_account(account.pk, force=True)
    order = Order.objects.get(account=account, external_id=placed["id"])
    assert order.warehouse_id == jakarta.pk
    assert level(jakarta.pk, variant) == (4, 1)
    assert level(main, variant) == before_main

    hub_tiktokshop.move_order(order.external_id, "IN_TRANSIT")
    order = read_again(order)
    assert order.stock_effect == StockEffect.SHIPPED
    assert level(jakarta.pk, variant) == (3, 0)
    assert level(main, variant) == before_main
    assert ledger_warehouses(order) == {jakarta.pk}


def test_a_tokopedia_order_from_a_mapped_warehouse_reserves_there(
    fast_sandbox: Any, jakarta: Warehouse
) -> None:
    account = TokopediaWorld(fast_sandbox).connect(480001)
    set_locations(account, {"4800012": jakarta.pk})  # Solo; 4800011 (Yogyakarta) the default
    poller.poll_account(account.pk)  # the demo shop's own orders first
    listing = fresh_listing(account)
    variant = listing.variant_id
    assert variant is not None
    main = account.warehouse_id
    before_main = level(main, variant)
    stock.set_on_hand(jakarta.pk, variant, 4)
    items = [{"product_id": int(listing.external_id), "quantity": 1}]
    placed = fast_sandbox.place_order(480001, items, warehouse_id=4800012)
    poller.poll_account(account.pk, force=True)
    order = Order.objects.get(account=account, external_id=str(placed["order_id"]))
    assert order.warehouse_id == jakarta.pk
    assert level(jakarta.pk, variant) == (4, 1)
    assert level(main, variant) == before_main
    source = order_source(account)  # Get Single Order says it too (order_warehouse)
    try:
        assert source.order(order.external_id).location_id == "4800012"
    finally:
        source.close()
