"""Importing the Shopee demo shop: the same preview, buckets and rules as Tokopedia (Shopee's
*active* is NORMAL), its messy cases sorted like the seed says, and its shared SKUs linked to the
masters the Tokopedia import created — one master, listings on both marketplaces."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from channel_worlds import ShopeeWorld, TokopediaWorld
from satustok.catalog.models import Variant
from satustok.sync import imports, tasks
from satustok.sync.models import RunMode, RunState
from seed_oracle import bucket_counts, expected_buckets, shopee_units

pytestmark = pytest.mark.django_db

SHOPEE_SHOP, TOKOPEDIA_SHOP = 7700001, 480001


@pytest.fixture
def shopee_world(fast_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> ShopeeWorld:
    shopee = fast_sandbox.shopee
    shopee.reset()
    monkeypatch.setattr(settings, "SHOPEE_API_URL", shopee.base_url)
    return ShopeeWorld(shopee)


def test_preview_sorts_every_shopee_unit_like_the_seed_says_and_writes_nothing(
    shopee_world: ShopeeWorld,
) -> None:
    account = shopee_world.connect(imported=False)
    preview = tasks.run_import_now(imports.start_run(account, RunMode.PREVIEW).pk)
    assert preview.state == RunState.DONE, preview.error
    expected = expected_buckets(SHOPEE_SHOP, units=shopee_units(SHOPEE_SHOP))
    assert dict(preview.rows.values_list("external_id", "bucket")) == expected
    # The demo shop carries every messy case the rules name.
    for bucket in ("skipped_empty_sku", "skipped_inactive", "conflict_duplicate_sku"):
        assert preview.counts[bucket] > 0, bucket
    assert not Variant.objects.exists()


def test_shared_skus_link_to_the_masters_of_the_tokopedia_shop(
    fast_sandbox: Any, shopee_world: ShopeeWorld
) -> None:
    tokopedia = TokopediaWorld(fast_sandbox).connect(TOKOPEDIA_SHOP)
    known = set(Variant.objects.values_list("sku_key", flat=True))
    shopee = shopee_world.connect()
    run = shopee.imports.latest("created_at")
    expected = bucket_counts(expected_buckets(SHOPEE_SHOP, known, shopee_units(SHOPEE_SHOP)))
    assert run.counts == expected and expected["linked"] >= 40
    shared = Variant.objects.filter(listings__account=shopee).filter(listings__account=tokopedia)
    assert shared.count() == expected["linked"]
    for variant in shared:
        assert {listing.account.channel for listing in variant.listings.all()} == {
            "tokopedia",
            "shopee",
        }
