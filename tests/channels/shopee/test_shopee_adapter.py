"""The Shopee connector over loopback HTTP against the sandbox: connecting through the seller's
approval, the catalogue as sellable units (models and items without models), resumable and
thread-safe pages, and stock pushes with their per-row outcomes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx
import pytest
from django.utils import timezone
from shopee_client_helpers import BANNED_SHOP, DEMO_SHOP, FAST_RETRIES, api_stats

from satustok.channels import pushing, registry
from satustok.channels.http.errors import AuthError, ValidationError
from satustok.channels.protocol import ChannelUnit, Credentials, StockPush, unit_pages
from satustok.channels.shopee import adapter
from satustok.channels.shopee.adapter import ShopeeConnector, parse_unit_id
from satustok.channels.shopee.tokens import AuthorizationEnded, ShopSession

if TYPE_CHECKING:
    from conftest import MakeAccount
    from satustok.channels.models import ChannelAccount
    from satustok_sandbox.shopee.handle import ShopeeControl

pytestmark = pytest.mark.django_db

FAMILY = 20000100037  # two models, tiers Warna + Ukuran
BUNDLE = 20000100039  # four models, the second MODEL_UNAVAILABLE
SINGLE = 20000100001  # no models
RESERVED = 20000100016  # 40 in stock, 5 promotion-reserved
DELETED = 20000100040  # SELLER_DELETE
UNLISTED, BANNED, REVIEWING = 20000100057, 20000100058, 20000100059


def credentials(shopee: ShopeeControl) -> Credentials:
    partner = str(shopee.partner_id)
    return Credentials(app_id=partner, client_id=partner, client_secret=shopee.partner_key)


def all_units(account: ChannelAccount) -> dict[str, ChannelUnit]:
    source = ShopeeConnector().catalog_source(account)
    try:
        return {unit.external_id: unit for page in unit_pages(source) for unit in page.units}
    finally:
        source.close()


def test_the_registry_hands_out_the_shopee_connector() -> None:
    connector = registry.connector("shopee")
    assert isinstance(connector, ShopeeConnector)
    assert (connector.channel, connector.label, connector.max_push_batch) == (
        "shopee",
        "Shopee",
        50,
    )


# --- connecting ------------------------------------------------------------------------------


def test_the_authorization_link_opens_the_sandbox_approval_page(shopee_hub: ShopeeControl) -> None:
    url = ShopeeConnector().authorization_url(
        credentials(shopee_hub), "http://hub.test/back", "nonce-1"
    )
    assert url.startswith(shopee_hub.auth_partner_url + "?")
    assert shopee_hub.partner_key not in url
    assert httpx.URL(url).params["redirect"] == "http://hub.test/back?state=nonce-1"
    page = httpx.get(url, trust_env=False)
    assert page.status_code == 200
    assert "Confirm Authorization" in page.text  # the signature was accepted


def test_a_code_becomes_tokens_and_the_shop_profile(shopee_hub: ShopeeControl) -> None:
    code = shopee_hub.authorize(DEMO_SHOP)["code"]
    granted = ShopeeConnector().complete_authorization(
        credentials(shopee_hub), code, str(DEMO_SHOP)
    )
    now = timezone.now()
    assert granted.profile.shop_id == str(DEMO_SHOP)
    assert granted.profile.name == "Demo Shopee Store"
    assert granted.profile.is_open and granted.profile.close_reason == ""
    assert granted.access_token and granted.refresh_token
    assert granted.access_token not in repr(granted) and granted.refresh_token not in repr(granted)
    assert abs(granted.access_expires_at - (now + timedelta(hours=4))) < timedelta(minutes=1)
    assert abs(granted.refresh_expires_at - (now + timedelta(days=30))) < timedelta(minutes=1)
    assert granted.authorization_expires_at is not None
    assert abs(granted.authorization_expires_at - (now + timedelta(days=365))) < timedelta(days=1)
    # The code was single-use: the same code again is a refused authorization.
    with pytest.raises(AuthError):
        ShopeeConnector().complete_authorization(credentials(shopee_hub), code, str(DEMO_SHOP))


def test_a_banned_shop_is_authorized_but_reads_as_closed(shopee_hub: ShopeeControl) -> None:
    code = shopee_hub.authorize(BANNED_SHOP)["code"]
    granted = ShopeeConnector().complete_authorization(
        credentials(shopee_hub), code, str(BANNED_SHOP)
    )
    assert not granted.profile.is_open
    assert granted.profile.close_reason == "banned by Shopee"


def test_verify_says_shopee_connects_through_its_authorization_page(
    shopee_hub: ShopeeControl,
) -> None:
    with pytest.raises(ValidationError, match="authorization page"):
        ShopeeConnector().verify(credentials(shopee_hub), str(DEMO_SHOP))


# --- the catalogue ---------------------------------------------------------------------------


def test_every_unit_matches_the_sandbox(
    shopee_account: ChannelAccount, shopee_hub: ShopeeControl
) -> None:
    units = all_units(shopee_account)
    # 61 items; 6 have 15 models in all; the deleted item is not read.
    assert len(units) == 69
    assert f"{DELETED}:0" not in units
    for unit in units.values():
        item_id, model_id = parse_unit_id(unit.external_id)
        seen = shopee_hub.model_stock(item_id, model_id)
        assert unit.sku == seen["sku"], unit
        assert unit.stock == seen["stock"], unit
        assert unit.price == seen["price"], unit
        item = shopee_hub.item(item_id)
        assert unit.is_active == (
            item["item_status"] == "NORMAL" and seen["status"] != "MODEL_UNAVAILABLE"
        )
        if item["has_model"]:
            assert (unit.parent_external_id, unit.family_name) == (str(item_id), item["item_name"])
        else:
            assert model_id == 0 and unit.parent_external_id == "" and unit.family_name == ""


def test_models_and_items_without_models_become_units(shopee_account: ChannelAccount) -> None:
    units = all_units(shopee_account)
    family = [u for u in units.values() if u.parent_external_id == str(FAMILY)]
    assert {u.sku for u in family} == {"SB-VAR01-MRH-S", "SB-VAR01-BRU-S"}
    red = units[f"{FAMILY}:90000200001"]
    assert red.name.startswith(red.family_name + " — ")
    assert (red.stock, red.price, red.is_active, red.status_label) == (29, 282600, True, "Active")
    single = units[f"{SINGLE}:0"]
    assert single.sku == "SB-SLD-SDM-046" and single.is_active and single.status_label == "Active"
    assert units[f"{SINGLE + 1}:0"].sku == " SB-OTR-SDM-047 "  # as Shopee spells it


def test_inactive_units_carry_shopee_status(shopee_account: ChannelAccount) -> None:
    units = all_units(shopee_account)
    labels = {
        item_id: (units[f"{item_id}:0"].is_active, units[f"{item_id}:0"].status_label)
        for item_id in (UNLISTED, BANNED, REVIEWING)
    }
    assert labels == {
        UNLISTED: (False, "Unlisted"),
        BANNED: (False, "Banned"),
        REVIEWING: (False, "Pending review"),
    }
    bundle = sorted(
        (u for u in units.values() if u.parent_external_id == str(BUNDLE)),
        key=lambda u: u.external_id,
    )
    assert [u.is_active for u in bundle] == [True, False, True, True]
    assert bundle[1].status_label == "Variant unavailable"


def test_pages_are_resumable_and_safe_to_read_from_threads(
    shopee_account: ChannelAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adapter, "ITEMS_PER_PAGE", 20)  # 60 readable items: pages 1..3
    source = ShopeeConnector().catalog_source(shopee_account)
    try:
        in_order = [page.units for page in unit_pages(source)]
        assert len(in_order) == 3
        resumed = list(unit_pages(source, start_page=2))
        assert [page.number for page in resumed] == [2, 3]
        assert [page.units for page in resumed] == in_order[1:]
        assert source.page(3).units == in_order[2]
        assert source.page(4).units == []  # past the end: an empty page, not an error
        with ThreadPoolExecutor(max_workers=4) as pool:
            together = list(pool.map(source.page, [1, 2, 3, 4]))
        assert [page.units for page in together] == [*in_order, []]
    finally:
        source.close()


# --- stock push ------------------------------------------------------------------------------


def test_push_sets_absolute_stock_one_call_per_item(
    shopee_account: ChannelAccount, shopee_hub: ShopeeControl
) -> None:
    pushes = [
        StockPush(f"{SINGLE}:0", 7),
        StockPush(f"{FAMILY}:90000200001", 3),
        StockPush(f"{FAMILY}:90000200002", 0),
    ]
    outcomes = ShopeeConnector().push_stock(shopee_account, pushes)
    assert sorted(outcomes, key=lambda o: o.external_id) == sorted(
        (adapter.PushOutcome(p.external_id, ok=True) for p in pushes),
        key=lambda o: o.external_id,
    )
    assert shopee_hub.model_stock(SINGLE)["stock"] == 7
    assert shopee_hub.model_stock(FAMILY, 90000200001)["stock"] == 3
    assert shopee_hub.model_stock(FAMILY, 90000200002)["stock"] == 0
    assert api_stats(shopee_hub, "product/update_stock")["calls"] == 2


def test_partial_failures_say_which_rows_no_retry_will_fix(
    shopee_account: ChannelAccount, shopee_hub: ShopeeControl
) -> None:
    pushes = [
        StockPush(f"{FAMILY}:90000200001", 5),  # applied
        StockPush(f"{FAMILY}:123", 5),  # not a model of the item
        StockPush(f"{DELETED}:0", 1),  # deleted item
        StockPush(f"{BANNED}:0", 1),  # banned item
        StockPush(f"{RESERVED}:0", 2),  # below the promotion's 5: fine once it ends
        StockPush("99999:0", 1),  # no such item in the shop
        StockPush("not-a-unit", 1),
    ]
    outcomes = {o.external_id: o for o in ShopeeConnector().push_stock(shopee_account, pushes)}
    assert set(outcomes) == {p.external_id for p in pushes}
    assert outcomes[f"{FAMILY}:90000200001"].ok
    assert shopee_hub.model_stock(FAMILY, 90000200001)["stock"] == 5
    permanent = {key for key, o in outcomes.items() if not o.ok and o.permanent}
    assert permanent == {f"{FAMILY}:123", f"{DELETED}:0", f"{BANNED}:0", "99999:0", "not-a-unit"}
    assert outcomes[f"{FAMILY}:123"].message == "Wrong model_id."
    assert outcomes[f"{DELETED}:0"].message == "The item is deleted."
    reserved = outcomes[f"{RESERVED}:0"]
    assert not reserved.ok and not reserved.permanent and "reserved" in reserved.message
    assert shopee_hub.model_stock(RESERVED)["stock"] == 40


def test_a_shopee_outage_leaves_every_row_for_a_later_retry(
    shopee_account: ChannelAccount, shopee_hub: ShopeeControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pushing, "CALLS_IN_FLIGHT", 1)  # one call a wave: the next is not sent
    shopee_hub.set_faults(forced={"product.update_stock": {"error": "error_server", "status": 500}})
    pushes = [StockPush(f"{SINGLE}:0", 7), StockPush(f"{FAMILY}:90000200001", 3)]
    session = ShopSession(shopee_account, retry_policy=FAST_RETRIES)
    try:
        outcomes = adapter.push_stock(session, pushes)
    finally:
        session.close()
    assert [(o.ok, o.permanent) for o in outcomes] == [(False, False), (False, False)]
    # The second item (the next wave) was not tried: the first one's failure said Shopee is down.
    assert api_stats(shopee_hub, "product/update_stock")["calls"] == FAST_RETRIES.max_attempts


def test_a_push_after_the_seller_revoked_the_app_raises_authorization_ended(
    make_shopee_account: MakeAccount, shopee_hub: ShopeeControl
) -> None:
    account = make_shopee_account(expires_in=timedelta(minutes=1))
    shopee_hub.revoke(DEMO_SHOP)
    with pytest.raises(AuthorizationEnded):
        ShopeeConnector().push_stock(account, [StockPush(f"{SINGLE}:0", 7)])
    assert api_stats(shopee_hub, "product/update_stock")["calls"] == 0
