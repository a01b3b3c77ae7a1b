"""The founding document's import, end to end over loopback HTTP against the Tokopedia sandbox:
every bucket, the cross-shop link of shared SKUs, re-import, resume, and import under faults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from satustok.catalog.models import Variant
from satustok.channels import registry
from satustok.channels.connect import connect_shop
from satustok.channels.http.errors import ServerError
from satustok.channels.models import ChannelAccount, LinkMethod
from satustok.channels.tokopedia.adapter import TokopediaCatalog
from satustok.inventory.models import StockLevel, StockMovement
from satustok.sync import imports, tasks
from satustok.sync.models import ImportRun, RunMode, RunState
from seed_oracle import bucket_counts, expected_buckets, sellable_units

pytestmark = pytest.mark.django_db

SHOP_A, SHOP_B = 480001, 480002


@pytest.fixture
def connect(demo_credentials: Callable[..., Any]) -> Callable[[Any, int], ChannelAccount]:
    def attempt(sandbox: Any, shop_id: int) -> ChannelAccount:
        return connect_shop("tokopedia", demo_credentials(sandbox), str(shop_id))

    return attempt


def run(account: ChannelAccount, mode: str = RunMode.IMPORT) -> ImportRun:
    return tasks.run_import_now(imports.start_run(account, mode).pk)


def test_preview_sorts_every_unit_like_the_seed_says_and_writes_nothing(
    fast_sandbox, connect
) -> None:  # type: ignore[no-untyped-def]
    preview = run(connect(fast_sandbox, SHOP_A), RunMode.PREVIEW)
    assert preview.state == RunState.DONE, preview.error
    expected = expected_buckets(SHOP_A)
    assert dict(preview.rows.values_list("external_id", "bucket")) == expected
    assert preview.counts == bucket_counts(expected)
    assert all(count > 0 for bucket, count in preview.counts.items() if bucket != "linked")
    assert not Variant.objects.exists() and not StockLevel.objects.exists()


def test_import_creates_masters_listings_and_baselines(fast_sandbox, connect) -> None:  # type: ignore[no-untyped-def]
    account = connect(fast_sandbox, SHOP_A)
    result = run(account)
    expected = bucket_counts(expected_buckets(SHOP_A))
    assert result.counts == expected
    assert Variant.objects.count() == expected["new_master"]
    assert account.listings.count() == len(sellable_units(SHOP_A))
    assert account.listings.filter(variant__isnull=False).count() == expected["new_master"]
    stock = {u["sku"].strip().lower(): u["stock"] for u in sellable_units(SHOP_A)}
    for level in StockLevel.objects.select_related("variant"):
        assert level.on_hand == stock[level.variant.sku_key]
    assert StockMovement.objects.filter(reason="import_baseline").count() == expected["new_master"]


def test_shared_skus_link_the_two_demo_shops(fast_sandbox, connect) -> None:  # type: ignore[no-untyped-def]
    shop_a, shop_b = connect(fast_sandbox, SHOP_A), connect(fast_sandbox, SHOP_B)
    run(shop_a)
    known = set(Variant.objects.values_list("sku_key", flat=True))
    second = run(shop_b)
    assert second.counts == bucket_counts(expected_buckets(SHOP_B, known))
    assert second.counts["linked"] >= 40
    shared = Variant.objects.filter(listings__account=shop_b).filter(listings__account=shop_a)
    assert shared.count() == second.counts["linked"]
    for variant in shared:
        assert variant.listings.count() == 2  # one master per shared SKU, two listings
        assert variant.stock_levels.count() == 1  # the stock of shop A, not doubled


def test_reimport_is_idempotent(fast_sandbox, connect) -> None:  # type: ignore[no-untyped-def]
    account = connect(fast_sandbox, SHOP_A)
    run(account)
    before = (Variant.objects.count(), account.listings.count(), StockMovement.objects.count())
    again = run(account)
    assert (
        Variant.objects.count(),
        account.listings.count(),
        StockMovement.objects.count(),
    ) == before
    assert again.counts["new_master"] == 0
    assert again.counts["linked"] == bucket_counts(expected_buckets(SHOP_A))["new_master"]
    assert account.listings.filter(link_method=LinkMethod.AUTO_SKU).count() == before[0]


def test_an_import_that_fails_mid_way_resumes_to_the_same_result(
    fast_sandbox, connect, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    requested: list[int] = []
    broken = {"from_page": 3}
    real_page = TokopediaCatalog.page

    def page_breaking_the_channel_at_3(self, number: int):  # type: ignore[no-untyped-def]
        requested.append(number)
        if number >= broken["from_page"]:  # the channel fails from page 3 on (pages are read
            raise ServerError("HTTP 500", status=500)  # ahead, so only page numbers decide)
        return real_page(self, number)

    monkeypatch.setattr(TokopediaCatalog, "page", page_breaking_the_channel_at_3)
    account = connect(fast_sandbox, SHOP_A)
    started = imports.start_run(account)
    source = registry.connector("tokopedia").catalog_source(account)
    with pytest.raises(ServerError):
        imports.execute(started, source)
    started.refresh_from_db()
    assert started.pages_done == 2 and not account.listings.exists()
    broken["from_page"] = 10**6  # the channel is back
    requested.clear()
    resumed = tasks.run_import_now(started.pk)  # what a restarted worker does
    assert resumed.state == RunState.DONE
    assert resumed.counts == bucket_counts(expected_buckets(SHOP_A))
    assert account.listings.count() == len(sellable_units(SHOP_A))
    assert min(requested) == 3  # the second attempt started after the last finished page


def test_a_failed_run_says_why_and_continues_on_try_again(fast_sandbox, connect) -> None:  # type: ignore[no-untyped-def]
    account = connect(fast_sandbox, SHOP_A)
    fast_sandbox.set_faults(error_rate=1.0)
    failed = run(account)
    assert failed.state == RunState.FAILED
    assert "Tokopedia" in failed.error
    fast_sandbox.clear_faults()
    ImportRun.objects.filter(pk=failed.pk).update(state=RunState.QUEUED)
    assert tasks.run_import_now(failed.pk).state == RunState.DONE


def test_import_completes_under_429s_and_latency(sandbox, connect) -> None:  # type: ignore[no-untyped-def]
    account = connect(sandbox, SHOP_A)
    sandbox.set_faults(
        latency_ms=30, rate_limit_next=3, limits={"product_info": {"rate": 4, "burst": 2}}
    )
    result = run(account)
    assert result.state == RunState.DONE, result.error
    assert result.counts == bucket_counts(expected_buckets(SHOP_A))
    served = sandbox.stats()["groups"]["product_info"]
    assert served["rate_limited"] >= 3  # the 429s really happened, and were waited out
