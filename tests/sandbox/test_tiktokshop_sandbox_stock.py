"""TikTok Shop stock and price updates: whole-call refusals, per-SKU errors with their
warehouse rows, the every-warehouse rule, and the stock change log."""

from __future__ import annotations

from typing import Any

from tiktokshop_helpers import (
    APP_KEY,
    FROZEN_PRODUCT,
    JAKARTA,
    PLAIN_PRODUCT,
    SHOP,
    SLD_PRODUCT,
    SLD_SKU,
    SRG_PRODUCT,
    SRG_SKU,
    TAS_PRODUCT,
    TAS_SKU,
    VAR_BRU,
    VAR_DEACTIVATED,
    VAR_MRH,
    VARIANT_PRODUCT,
    YOGYA,
    TikTokApi,
    error_of,
    ok,
)

from satustok_sandbox.tiktokshop.handle import TikTokShopControl


def update(product_id: str) -> str:
    return f"/product/202309/products/{product_id}/inventory/update"


def prices(product_id: str) -> str:
    return f"/product/202309/products/{product_id}/prices/update"


def rows(*pairs: tuple[str | None, int]) -> list[dict[str, Any]]:
    return [{"quantity": q} if w is None else {"warehouse_id": w, "quantity": q} for w, q in pairs]


def stock(control: TikTokShopControl, sku_id: str) -> dict[str, int]:
    return {w: v["available"] for w, v in control.sku(sku_id)["warehouses"].items()}


def test_a_single_warehouse_sku_may_leave_the_warehouse_out(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    before = tiktokshop.product(SLD_PRODUCT)["update_time"]
    tiktokshop.advance_clock(5)
    body = {"skus": [{"id": SLD_SKU, "inventory": rows((None, 17))}]}
    assert ok(tts_api.post(update(SLD_PRODUCT), body)) == {"errors": []}
    assert stock(tiktokshop, SLD_SKU) == {YOGYA: 17}
    assert tiktokshop.product(SLD_PRODUCT)["update_time"] > before
    search = ok(
        tts_api.post(
            "/product/202309/products/search", {"seller_skus": ["SB-SLD-SDM-046"]}, {"page_size": 1}
        )
    )
    assert search["products"][0]["skus"][0]["inventory"] == [
        {"warehouse_id": YOGYA, "quantity": 17}
    ]


def test_every_assigned_warehouse_must_be_listed(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    body = {"skus": [{"id": TAS_SKU, "inventory": rows((YOGYA, 5))}]}
    (error,) = ok(tts_api.post(update(TAS_PRODUCT), body))["errors"]
    assert error["code"] == 12052011 and error["detail"]["sku_id"] == TAS_SKU
    assert [(e["warehouse_id"], e["code"]) for e in error["detail"]["extra_errors"]] == [
        (JAKARTA, 12052011)
    ]
    unnamed = {"skus": [{"id": TAS_SKU, "inventory": rows((None, 5))}]}
    (error,) = ok(tts_api.post(update(TAS_PRODUCT), unnamed))["errors"]
    assert error["code"] == 12052009 and "2 warehouses" in error["message"]
    assert stock(tiktokshop, TAS_SKU) == {YOGYA: 12, JAKARTA: 8}  # nothing changed
    both = {"skus": [{"id": TAS_SKU, "inventory": rows((YOGYA, 5), (JAKARTA, 0))}]}
    assert ok(tts_api.post(update(TAS_PRODUCT), both))["errors"] == []
    assert stock(tiktokshop, TAS_SKU) == {YOGYA: 5, JAKARTA: 0}


def test_a_warehouse_not_assigned_or_repeated_is_refused(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    # SB-SRG-SKJ-055 is stocked only in Jakarta, not in the default warehouse
    wrong = {"skus": [{"id": SRG_SKU, "inventory": rows((YOGYA, 3))}]}
    (error,) = ok(tts_api.post(update(SRG_PRODUCT), wrong))["errors"]
    assert error["code"] == 12052010
    assert error["detail"]["extra_errors"][0]["warehouse_id"] == YOGYA
    implicit = {"skus": [{"id": SRG_SKU, "inventory": rows((None, 3))}]}
    assert ok(tts_api.post(update(SRG_PRODUCT), implicit))["errors"] == []
    assert stock(tiktokshop, SRG_SKU) == {JAKARTA: 3}
    twice = {"skus": [{"id": SRG_SKU, "inventory": rows((JAKARTA, 1), (JAKARTA, 2))}]}
    assert ok(tts_api.post(update(SRG_PRODUCT), twice))["errors"][0]["code"] == 12052012


def test_per_sku_errors_leave_the_other_skus_applied(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    body = {
        "skus": [
            {"id": VAR_MRH, "inventory": rows((YOGYA, 1), (JAKARTA, 2))},
            {"id": SLD_SKU, "inventory": rows((None, 9))},  # another product's SKU
            {"id": VAR_BRU, "inventory": rows((JAKARTA, 4))},  # BRU is only in Yogyakarta
            {"id": VAR_DEACTIVATED, "inventory": rows((None, 0))},  # deactivated: still settable
        ]
    }
    answer = tts_api.post(update(VARIANT_PRODUCT), body)
    assert answer.json()["code"] == 0
    errors = {e["detail"]["sku_id"]: e["code"] for e in ok(answer)["errors"]}
    assert errors == {SLD_SKU: 12052008, VAR_BRU: 12052010}
    assert stock(tiktokshop, VAR_MRH) == {YOGYA: 1, JAKARTA: 2}
    assert stock(tiktokshop, VAR_DEACTIVATED) == {YOGYA: 0}
    assert stock(tiktokshop, SLD_SKU) == {YOGYA: 24} and stock(tiktokshop, VAR_BRU) == {YOGYA: 10}


def test_whole_call_refusals_change_nothing(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    too_many = {
        "skus": [
            {"id": SLD_SKU, "inventory": rows((None, 5))},
            {"id": TAS_SKU, "inventory": rows((YOGYA, 100_000), (JAKARTA, 1))},
        ]
    }
    status, code, message = error_of(tts_api.post(update(TAS_PRODUCT), too_many))
    assert (status, code) == (200, 12052230) and "0..99,999" in message
    negative = {"skus": [{"id": SLD_SKU, "inventory": rows((None, -1))}]}
    assert error_of(tts_api.post(update(SLD_PRODUCT), negative))[1] == 12052230
    frozen = {"skus": [{"id": "1729100000000000014", "inventory": rows((None, 5))}]}
    refused = error_of(tts_api.post(update(FROZEN_PRODUCT), frozen))
    assert refused[1] == 12019002 and "FREEZE" in refused[2]
    assert error_of(tts_api.post(update(PLAIN_PRODUCT), frozen))[1] == 12019001
    for malformed in (
        {},
        {"skus": []},
        {"skus": [{"id": SLD_SKU}]},
        {"skus": [{"id": SLD_SKU, "inventory": [{"quantity": "5"}]}]},
    ):
        assert error_of(tts_api.post(update(SLD_PRODUCT), malformed))[1] == 40001
    assert tiktokshop.stock_changes(source="api") == []
    assert stock(tiktokshop, SLD_SKU) == {YOGYA: 24}


def test_the_stock_change_log_shows_what_was_pushed(
    tts_api: TikTokApi, tiktokshop: TikTokShopControl
) -> None:
    body = {"skus": [{"id": TAS_SKU, "inventory": rows((YOGYA, 3), (JAKARTA, 4))}]}
    ok(tts_api.post(update(TAS_PRODUCT), body))
    pushed = tiktokshop.stock_changes(source="api")
    assert [(c["warehouse_id"], c["available_before"], c["available_after"]) for c in pushed] == [
        (YOGYA, 12, 3),
        (JAKARTA, 8, 4),
    ]
    assert {(c["app_key"], c["shop_id"], c["seller_sku"]) for c in pushed} == {
        (APP_KEY, SHOP, "SB-TAS-SDM-049")
    }
    last = pushed[-1]["id"]
    tiktokshop.place_order(SHOP, [{"sku_id": TAS_SKU, "quantity": 1}])
    later = tiktokshop.stock_changes(after=last)
    assert [(c["source"], c["available_after"], c["committed_after"]) for c in later] == [
        ("order", 2, 3)
    ]
    assert tiktokshop.stats()["stock_updates"] == 2


def test_price_update(tts_api: TikTokApi, tiktokshop: TikTokShopControl) -> None:
    body = {
        "skus": [
            {"id": VAR_MRH, "price": {"amount": "265000", "currency": "IDR"}},
            {"id": VAR_BRU, "price": {"amount": "270000.00", "currency": "IDR"}},
        ]
    }
    assert ok(tts_api.post(prices(VARIANT_PRODUCT), body)) == {}
    assert (tiktokshop.sku(VAR_MRH)["price"], tiktokshop.sku(VAR_BRU)["price"]) == (
        265_000,
        270_000,
    )
    detail = ok(tts_api.get(f"/product/202309/products/{VARIANT_PRODUCT}"))
    assert detail["skus"][0]["price"]["sale_price"] == "265000"


def test_price_update_refusals(tts_api: TikTokApi, tiktokshop: TikTokShopControl) -> None:
    def one(amount: str, currency: str = "IDR", sku: str = VAR_MRH) -> int:
        body = {"skus": [{"id": sku, "price": {"amount": amount, "currency": currency}}]}
        return error_of(tts_api.post(prices(VARIANT_PRODUCT), body))[1]

    assert one("15000.50") == 12052300
    assert one("50") == 12052300
    assert one("15000", "USD") == 12052300
    assert one("15000", sku=SLD_SKU) == 12052008
    frozen = {
        "skus": [{"id": "1729100000000000014", "price": {"amount": "1000", "currency": "IDR"}}]
    }
    assert error_of(tts_api.post(prices(FROZEN_PRODUCT), frozen))[1] == 12019002
    assert tiktokshop.sku(VAR_MRH)["price"] == 275_000
