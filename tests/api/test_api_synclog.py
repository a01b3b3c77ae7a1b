"""The sync log's push records over the API (import runs: see test_api_imports)."""

from __future__ import annotations

import pytest
from api_helpers import ApiClient, make_account, make_listing, make_variant

from satustok.sync.models import PushRecord, PushResult

pytestmark = pytest.mark.django_db


def test_pushes_are_listed_newest_first_and_filter(api: ApiClient) -> None:
    shop_a, shop_b = make_account("480001"), make_account("480002")
    kaos = make_variant("KAOS-01")
    first = make_listing(shop_a, "11", variant=kaos)
    second = make_listing(shop_b, "22", variant=kaos)
    PushRecord.objects.create(account=shop_a, listing=first, quantity=3, result=PushResult.OK)
    PushRecord.objects.create(
        account=shop_b,
        listing=second,
        quantity=3,
        result=PushResult.FAILED,
        message="Invalid SKU.",
        batch="b1",
    )
    everything = api.get("/sync-log/pushes").json()
    assert [(p["external_id"], p["result"]) for p in everything["items"]] == [
        ("22", "failed"),
        ("11", "ok"),
    ]
    refused = api.get("/sync-log/pushes", result="failed").json()["items"]
    assert [(p["integration"], p["message"], p["sku"]) for p in refused] == [
        (shop_b.pk, "Invalid SKU.", "KAOS-01")
    ]
    assert api.get("/sync-log/pushes", integration=shop_a.pk).json()["count"] == 1
    assert api.get("/sync-log/pushes", result="maybe").status_code == 422


def test_price_rows_say_their_kind_price_and_explanation(api: ApiClient) -> None:
    shop = make_account("480001")
    listing = make_listing(shop, "11", variant=make_variant("KAOS-01"))
    PushRecord.objects.create(account=shop, listing=listing, quantity=4, result=PushResult.OK)
    PushRecord.objects.create(
        account=shop,
        listing=listing,
        kind="price",
        quantity=0,  # as the price pusher writes it
        price=110_000,
        explanation="master Rp 100.000 × 110% = Rp 110.000",
        result=PushResult.OK,
    )
    rows = api.get("/sync-log/pushes", kind="price").json()["items"]
    assert [(r["kind"], r["price"], r["explanation"]) for r in rows] == [
        ("price", 110_000, "master Rp 100.000 × 110% = Rp 110.000")
    ]
    stock_rows = api.get("/sync-log/pushes", kind="stock").json()["items"]
    assert [(r["kind"], r["quantity"], r["price"]) for r in stock_rows] == [("stock", 4, None)]
