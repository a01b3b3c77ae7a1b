"""The TikTok Shop channel in the hub: connected through the seller's authorization (the shop
found by its cipher), imported with the same buckets and rules (ACTIVATE is active; a
DEACTIVATED SKU is not), its shared SKUs linked to the masters of the other channels, stock
pushed per warehouse, and an order from either storefront moving the one master stock once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command

from channel_worlds import ShopeeWorld, TikTokShopWorld, TokopediaWorld, point_at_tiktokshop
from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount, Health
from satustok.sync import imports, pusher, tasks
from satustok.sync.models import Bucket, RunMode, RunState

pytestmark = pytest.mark.django_db

DEMO_SHOP = "7494000000000000001"
DEMO_CIPHER = "ROW_c2FyaWJhdGlrLXR0cy0wMDE"
YOGYA, JAKARTA = "7300000000000000011", "7300000000000000012"  # default, other


@pytest.fixture
def tts_world(fast_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> TikTokShopWorld:
    return TikTokShopWorld(point_at_tiktokshop(fast_sandbox.tiktokshop, monkeypatch))


def test_connecting_stores_the_shop_its_cipher_warehouses_and_tokens_encrypted(
    tts_world: TikTokShopWorld,
) -> None:
    account = tts_world.connect(imported=False)
    stored = ChannelAccount.objects.get(pk=account.pk)
    assert (stored.channel, stored.shop_id, stored.shop_handle) == (
        "tiktokshop",
        DEMO_SHOP,
        DEMO_CIPHER,
    )
    assert stored.health == Health.CONNECTED and stored.push_stock is False
    default = [w["id"] for w in stored.shop_warehouses if w["is_default"]]
    assert default == [YOGYA] and JAKARTA in {w["id"] for w in stored.shop_warehouses}
    assert stored.access_token and stored.refresh_token and stored.token_expires_at
    assert stored.authorization_expires_at is not None


def test_preview_sorts_the_messy_cases_and_writes_nothing(tts_world: TikTokShopWorld) -> None:
    account = tts_world.connect(imported=False)
    preview = tasks.run_import_now(imports.start_run(account, RunMode.PREVIEW).pk)
    assert preview.state == RunState.DONE, preview.error
    buckets = dict(preview.rows.values_list("sku", "bucket"))
    assert buckets["SB-SLD-SKJ-056"] == Bucket.SKIPPED_INACTIVE  # frozen product
    assert buckets["SB-KMJ-LSM-061"] == Bucket.SKIPPED_INACTIVE  # deactivated product
    assert buckets["SB-BLS-SKJ-054"] == Bucket.SKIPPED_NO_STOCK
    assert buckets["SB-SRG-SKJ-055"] == Bucket.NEW_MASTER  # stock in the other warehouse only
    assert preview.counts["skipped_empty_sku"] >= 1
    deactivated_skus = preview.rows.filter(status_label="Variant deactivated")
    assert deactivated_skus.exists() and {r.bucket for r in deactivated_skus} == {
        Bucket.SKIPPED_INACTIVE
    }
    assert not Variant.objects.exists()


def test_shared_skus_are_one_master_across_the_three_marketplaces(
    fast_sandbox: Any, tts_world: TikTokShopWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokopedia = TokopediaWorld(fast_sandbox).connect(480001)
    shopee_sandbox = fast_sandbox.shopee
    shopee_sandbox.reset()
    monkeypatch.setattr("django.conf.settings.SHOPEE_API_URL", shopee_sandbox.base_url)
    shopee = ShopeeWorld(shopee_sandbox).connect()
    masters = Variant.objects.count()
    tiktok = tts_world.connect()
    run = tiktok.imports.latest("created_at")
    assert run.state == RunState.DONE and run.counts["linked"] >= 10
    three = (
        Variant.objects.filter(listings__account=tokopedia)
        .filter(listings__account=shopee)
        .filter(listings__account=tiktok)
    )
    assert three.filter(sku_key="sb-sld-sdm-046").exists()
    assert Variant.objects.count() == masters + run.counts["new_master"]


def test_push_sets_the_default_warehouse_to_the_master_and_zeroes_the_others(
    tts_world: TikTokShopWorld,
) -> None:
    account = tts_world.connect()
    pusher.set_push_stock(account, True)
    summary = pusher.push_account(account.pk)
    assert summary.failed == 0, summary
    linked = account.listings.filter(variant__isnull=False)
    desired = pusher.desired_quantities(account, linked)
    for listing in linked:
        assert tts_world.shown_stock(listing) == desired[listing.pk], listing.sku
    split = linked.get(sku="SB-TAS-SDM-049")  # 12 in Yogyakarta, 8 in Jakarta
    warehouses = tts_world.tts.sku(split.external_id.split(":")[1])["warehouses"]
    assert warehouses[YOGYA]["available"] == desired[split.pk] == 20
    assert warehouses[JAKARTA]["available"] == 0


@pytest.mark.parametrize("channel", ["tiktokshop", "shopee"])
def test_the_cli_imports_any_registered_channel(
    channel: str,
    fast_sandbox: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``satustok import CHANNEL ID --json`` for the approval-page channels too."""
    if channel == "tiktokshop":
        world: Any = TikTokShopWorld(point_at_tiktokshop(fast_sandbox.tiktokshop, monkeypatch))
    else:
        fast_sandbox.shopee.reset()
        monkeypatch.setattr("django.conf.settings.SHOPEE_API_URL", fast_sandbox.shopee.base_url)
        world = ShopeeWorld(fast_sandbox.shopee)
    account = world.connect(imported=False)
    capsys.readouterr()
    call_command("import", channel, str(account.pk), "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["state"] == RunState.DONE and report["counts"]["new_master"] > 0
    assert account.listings.count() == sum(report["counts"].values())


def test_cursor_pages_read_ahead_from_threads_are_each_read_once(
    tts_world: TikTokShopWorld,
) -> None:
    """The importer asks for pages ahead from several threads; a cursor page can only be read
    after the one before it, and what a walk to a later page read is handed out, not read
    again."""
    from concurrent.futures import ThreadPoolExecutor

    from satustok.channels.tiktokshop.adapter import TikTokShopCatalog
    from satustok.channels.tiktokshop.tokens import ShopSession

    account = tts_world.connect(imported=False)
    search = "product/202502/products/search"
    calls_before = tts_world.tts.stats()["apis"].get(search, {}).get("calls", 0)
    catalog = TikTokShopCatalog(ShopSession(account), page_size=10)
    try:
        with ThreadPoolExecutor(4) as pool:
            pages = list(pool.map(catalog.page, [4, 2, 5, 1, 3, 6]))
    finally:
        catalog.close()
    units = [unit.external_id for page in pages for unit in page.units]
    product_pages = -(-len({unit.split(":")[0] for unit in units}) // 10)
    calls = tts_world.tts.stats()["apis"][search]["calls"] - calls_before
    assert product_pages >= 3 and calls == product_pages  # each read once, none past the end
    assert len(units) == len(set(units))
    assert all(not page.units for page in pages if page.number > product_pages)
