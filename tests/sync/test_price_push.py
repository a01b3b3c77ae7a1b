"""The price push: the rule that computes a listing's price (property-tested), and the
level-triggered price pusher against each channel's sandbox over real HTTP (``world``):
pushed when on and only then, refusals below the minimum and during a promotion blocked and
explained, a 429 retried, every row in the sync log, stock and price never in each other's way.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from channel_worlds import TokopediaWorld, World
from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount, Listing
from satustok.sync import prices, pusher, tasks
from satustok.sync.models import PushKind, PushRecord, PushResult
from satustok.sync.prices import PriceRule, PriceRuleInvalid, desired_price

SHOP_A = 480001

# --- the rule, without a database -------------------------------------------------------------


def last_rupiah(text: str) -> int:
    """The last ``Rp 1.234`` of an explanation, as a number."""
    found = re.findall(r"Rp ([0-9.]+(?:,[0-9]+)?)", text)
    assert found, text
    whole = found[-1].split(",")[0]
    return int(whole.replace(".", ""))


def test_markup_and_rounding_are_explained_in_rupiah() -> None:
    with override("en"):
        found = desired_price(100_000, PriceRule(Decimal(10), 1000))
    assert found.price == 110_000
    assert found.text == "master Rp 100.000 × 110% = Rp 110.000 → rounded to Rp 110.000"


def test_rounding_goes_to_the_nearest_step() -> None:
    assert desired_price(99_949, PriceRule(Decimal(0), 100)).price == 99_900
    assert desired_price(99_950, PriceRule(Decimal(0), 100)).price == 100_000  # halves up
    assert desired_price(123_456, PriceRule(Decimal("12.5"), 500)).price == 139_000  # 138.888
    assert desired_price(100_000, PriceRule(Decimal(-15), 1)).price == 85_000


def test_a_fixed_price_replaces_the_rule_and_no_master_price_pushes_nothing() -> None:
    with override("en"):
        fixed = desired_price(100_000, PriceRule(Decimal(50), 1000), fixed=75_500)
        none = desired_price(None, PriceRule(Decimal(10), 100), fixed=75_500)
    assert (fixed.price, fixed.text) == (75_500, "fixed price Rp 75.500")
    assert none.price is None


def test_a_tiny_master_price_never_rounds_to_zero() -> None:
    assert desired_price(40, PriceRule(Decimal(0), 1000)).price == 1000


@given(
    master=st.integers(min_value=1, max_value=2_000_000_000),
    markup=st.decimals(min_value=-90, max_value=1000, places=2),
    step=st.sampled_from(prices.STEPS),
)
def test_every_price_is_a_positive_multiple_of_the_step_and_ends_its_explanation(
    master: int, markup: Decimal, step: int
) -> None:
    found = desired_price(master, PriceRule(markup, step))
    assert found.price is not None and found.price > 0
    assert found.price % step == 0
    assert abs(found.price - master * (100 + markup) / 100) <= max(step, step / 2 + 1)
    assert last_rupiah(found.text) == found.price


@pytest.mark.parametrize("channel", ["tokopedia", "shopee", "tiktokshop"])
def test_every_channel_maps_its_price_refusals_onto_the_shared_kinds(channel: str) -> None:
    """The channels' ``errors.py`` spell the kinds as plain strings (their clients load no
    Django): they must be the ones ``channels/pushing.py`` acts on."""
    import importlib

    from satustok.channels import pushing

    words = importlib.import_module(f"satustok.channels.{channel}.errors").PRICE_REFUSAL_WORDS
    assert words and set(words.values()) <= {pushing.PRICE_LIMIT, pushing.PROMOTION}
    assert all(found == found.lower() for found in words)


@pytest.mark.parametrize("bad", ["abc", "-91", "1000.01", "10.005", "nan", ""])
def test_a_markup_out_of_range_is_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(PriceRuleInvalid):
        prices.parse_markup(bad)


def test_markups_and_steps_that_are_allowed() -> None:
    assert prices.parse_markup("12,5") == Decimal("12.5")
    assert prices.parse_markup("-90") == Decimal(-90)
    assert prices.parse_step("500") == 500
    with pytest.raises(PriceRuleInvalid):
        prices.parse_step("250")
    assert prices.parse_fixed_price("Rp 150.000") == 150_000
    assert prices.parse_fixed_price("") is None
    with pytest.raises(PriceRuleInvalid):
        prices.parse_fixed_price("12,50")


# --- the pusher against each channel's sandbox ------------------------------------------------


@pytest.fixture
def shop(fast_sandbox: Any, world: World) -> ChannelAccount:
    """The world's shop, imported, with a master price on every linked variant."""
    account = world.connect()
    linked = Variant.objects.filter(listings__account=account)
    for number, variant in enumerate(linked.order_by("pk")):
        Variant.objects.filter(pk=variant.pk).update(price=50_000 + 1_000 * number)
    return account


def a_listing(account: ChannelAccount) -> Listing:
    found = account.listings.filter(variant__isnull=False).order_by("sku").first()
    assert found is not None
    return found


def set_master_price(listing: Listing, price: int | None) -> set[int]:
    assert listing.variant_id is not None
    Variant.objects.filter(pk=listing.variant_id).update(price=price)
    return prices.mark_prices_dirty([listing.variant_id])


pytestmark = pytest.mark.django_db


def test_price_push_is_off_after_connecting(world: World, shop: ChannelAccount) -> None:
    assert shop.push_price is False
    assert set_master_price(a_listing(shop), 70_000) == set()  # nobody to nudge
    assert prices.push_prices(shop.pk).sent == 0
    assert world.price_update_calls() == 0
    assert shop.pk not in prices.accounts_due()


def test_switching_price_push_on_pushes_every_listing_with_a_master_price(
    world: World, shop: ChannelAccount
) -> None:
    prices.set_price_rule(shop, "10", "500")
    prices.set_push_price(shop, True)
    summary = prices.push_prices(shop.pk)
    linked = list(shop.listings.filter(variant__isnull=False))
    desired = prices.desired_prices(shop, linked)
    # A demo unit may be in a promotion already (Shopee's holds promotion stock): refused.
    locked = {lst.pk for lst in shop.listings.filter(price_push_blocked=True)}
    for listing in linked:
        if listing.pk not in locked:
            assert world.price_of(listing.external_id) == desired[listing.pk].price
    assert len(locked) <= 1 and summary.failed == len(locked)
    assert summary.ok == len(linked) - len(locked) and summary.retrying == 0
    assert not shop.listings.filter(price_needs_push=True, price_push_blocked=False).exists()
    record = PushRecord.objects.filter(kind=PushKind.PRICE, listing=linked[0]).get()
    assert record.result == PushResult.OK and record.price == desired[linked[0].pk].price
    assert last_rupiah(record.explanation) == record.price
    assert prices.push_prices(shop.pk).sent == 0  # nothing changed: nothing sent


def test_a_master_price_change_reaches_only_the_shops_pushing_prices(
    fast_sandbox: Any, world: World, shop: ChannelAccount
) -> None:
    other = TokopediaWorld(fast_sandbox)
    shop_a = other.connect(SHOP_A)  # price push stays off here
    prices.set_push_price(shop, True)
    prices.push_prices(shop.pk)
    listing = a_listing(shop)
    shared = shop_a.listings.filter(variant_id=listing.variant_id).first()
    before_a = other.price_of(shared.external_id) if shared else None

    nudged = set_master_price(listing, 123_400)
    assert nudged == {shop.pk}
    for account in (shop, shop_a):
        prices.push_prices(account.pk)
    assert world.price_of(listing.external_id) == 123_400
    if shared is not None:
        assert other.price_of(shared.external_id) == before_a


def test_a_price_below_the_minimum_is_refused_blocked_and_lifted_by_a_new_price(
    world: World, shop: ChannelAccount
) -> None:
    prices.set_push_price(shop, True)
    prices.push_prices(shop.pk)
    listing = a_listing(shop)
    shown = world.price_of(listing.external_id)
    set_master_price(listing, 50)  # every channel's minimum is Rp 100
    with override("en"):
        summary = prices.push_prices(shop.pk)
    listing.refresh_from_db()
    assert summary.failed == 1
    assert listing.price_push_blocked and "minimum" in listing.price_push_error
    assert world.price_of(listing.external_id) == shown
    record = PushRecord.objects.filter(kind=PushKind.PRICE, listing=listing).first()
    assert record is not None and record.result == PushResult.FAILED and record.price == 50
    assert prices.push_prices(shop.pk).sent == 0  # the same price is not tried again

    set_master_price(listing, 65_000)
    prices.push_prices(shop.pk)
    listing.refresh_from_db()
    assert not listing.price_push_blocked and world.price_of(listing.external_id) == 65_000


def test_a_running_promotion_refuses_the_price_and_the_seller_is_told(
    world: World, shop: ChannelAccount
) -> None:
    prices.set_push_price(shop, True)
    prices.push_prices(shop.pk)
    listing = a_listing(shop)
    world.start_promotion(listing.external_id)
    set_master_price(listing, 77_000)
    with override("en"):
        prices.push_prices(shop.pk)
    listing.refresh_from_db()
    assert listing.price_push_blocked
    assert "promotion" in listing.price_push_error.lower()
    assert world.price_of(listing.external_id) != 77_000

    world.stop_promotion(listing.external_id)
    prices.set_push_price(shop, False)
    prices.set_push_price(shop, True)  # the seller's way to send it again
    prices.push_prices(shop.pk)
    assert world.price_of(listing.external_id) == 77_000


def test_a_throttled_price_update_is_retried_and_converges(
    world: World, shop: ChannelAccount
) -> None:
    prices.set_push_price(shop, True)
    prices.push_prices(shop.pk)
    listing = a_listing(shop)
    world.rate_limit_price_updates(2)
    calls_before = world.price_update_calls()
    set_master_price(listing, 88_000)
    prices.push_prices(shop.pk)
    listing.refresh_from_db()
    if listing.price_needs_push:  # the client's own retries ran out: backoff, then the sweep
        assert listing.price_retry_at is not None and not listing.price_push_blocked
        Listing.objects.filter(pk=listing.pk).update(price_retry_at=timezone.now())
        assert shop.pk in tasks.sweep_prices.call_local()
        prices.push_prices(shop.pk)
    assert world.price_of(listing.external_id) == 88_000
    assert world.price_update_calls() - calls_before >= 3  # the two 429s, then the price


def test_a_listing_without_a_master_price_is_never_pushed_a_price(
    world: World, shop: ChannelAccount
) -> None:
    listing = a_listing(shop)
    set_master_price(listing, None)
    prices.set_push_price(shop, True)
    prices.push_prices(shop.pk)
    assert not PushRecord.objects.filter(kind=PushKind.PRICE, listing=listing).exists()
    Listing.objects.filter(pk=listing.pk).update(fixed_price=99_000, price_needs_push=True)
    prices.push_prices(shop.pk)  # a fixed price alone is not enough either
    assert not PushRecord.objects.filter(kind=PushKind.PRICE, listing=listing).exists()
    assert not Listing.objects.get(pk=listing.pk).price_needs_push  # nothing left due


def test_a_fixed_price_replaces_the_rule_for_its_listing(
    world: World, shop: ChannelAccount
) -> None:
    prices.set_price_rule(shop, "20", "1000")
    prices.set_push_price(shop, True)
    prices.push_prices(shop.pk)
    listing = a_listing(shop)
    prices.set_fixed_price(listing, "45.500")
    prices.push_prices(shop.pk)
    assert world.price_of(listing.external_id) == 45_500
    prices.set_fixed_price(listing, "")
    prices.push_prices(shop.pk)
    master = Variant.objects.get(pk=listing.variant_id).price
    assert master is not None
    assert world.price_of(listing.external_id) == round(master * 1.2 / 1000) * 1000


def test_stock_and_price_marks_never_clear_each_other(world: World, shop: ChannelAccount) -> None:
    pusher.set_push_stock(shop, True)  # marks every listing for a stock push
    prices.set_push_price(shop, True)
    prices.push_prices(shop.pk)
    assert shop.listings.filter(variant__isnull=False, needs_push=True).exists()
    assert not shop.listings.filter(price_needs_push=True, price_push_blocked=False).exists()
    pusher.push_account(shop.pk)
    assert not shop.listings.filter(needs_push=True, push_blocked=False).exists()
    stock_rows = PushRecord.objects.filter(account=shop, kind=PushKind.STOCK)
    assert stock_rows.exists() and not stock_rows.filter(price__isnull=False).exists()


def test_a_moved_integration_cannot_push_prices(world: World, shop: ChannelAccount) -> None:
    prices.set_push_price(shop, True)  # on before the move: the marks stay, nothing goes out
    ChannelAccount.objects.filter(pk=shop.pk).update(moved_to=shop, push_price=False)
    shop.refresh_from_db()
    with pytest.raises(pusher.PushRefused):
        prices.set_push_price(shop, True)
    ChannelAccount.objects.filter(pk=shop.pk).update(push_price=True)
    assert shop.pk not in prices.accounts_due()
    assert prices.push_prices(shop.pk).sent == 0 and world.price_update_calls() == 0


def test_the_sweep_nudges_integrations_with_a_price_due(world: World, shop: ChannelAccount) -> None:
    prices.set_push_price(shop, True)
    assert shop.pk in prices.accounts_due()
    prices.push_prices(shop.pk)
    assert shop.pk not in prices.accounts_due()


@pytest.mark.parametrize("typed", ["\u00b2", "9" * 5000, "-5", "1e6", "0"])
def test_a_fixed_price_typed_oddly_is_refused_in_words(typed: str) -> None:
    """Digits Python reads differently (superscripts, 5,000 of them) are refused, never a 500."""
    with pytest.raises(prices.PriceRuleInvalid):
        prices.parse_fixed_price(typed)
    assert prices.parse_fixed_price("Rp 150.000") == 150_000
