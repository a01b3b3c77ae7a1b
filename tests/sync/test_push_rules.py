"""Push rules, allocations and priority stores (``sync/rules.py``, ``sync/controls.py``): the
numbers each listing shows and their explanation, as properties over random stock and rules
(hypothesis), and through the real pusher to each channel's sandbox."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from channel_worlds import TokopediaWorld, World
from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount
from satustok.inventory import stock
from satustok.sync import controls, pusher, rules
from satustok.sync.models import PushRecord
from satustok.sync.rules import Priority, Rule

SHOP_A = 480001


# --- the computation ------------------------------------------------------------------------


@translation.override("en")
def test_the_issues_example_reads_as_it_computes() -> None:
    found = rules.explain(40, rule=Rule(percent=50, buffer=5))
    assert found.quantity == 17
    assert found.text == "available 40 − buffer 5 = 35 × 50% = 17"


@translation.override("en")
def test_fixed_maximum_oversold_and_the_channels_ceiling() -> None:
    assert rules.explain(4, rule=Rule(fixed=10)).quantity == 4, "never more than there is"
    assert rules.explain(40, rule=Rule(fixed=10)).quantity == 10
    assert rules.explain(40, rule=Rule(maximum=12)).quantity == 12
    oversold = rules.explain(-3, rule=Rule(percent=50))
    assert oversold.quantity == 0 and "oversold" in oversold.text
    assert rules.explain(150_000, ceiling=99_999).quantity == 99_999


def test_allocations_elsewhere_and_the_priority_store() -> None:
    assert rules.explain(30, held_elsewhere=10).quantity == 20
    assert rules.explain(5, held_elsewhere=10).quantity == 0
    keeper = Priority(account_id=7, threshold=5)
    assert rules.explain(5, priority=keeper, account_id=8).quantity == 0
    assert rules.explain(5, priority=keeper, account_id=7).quantity == 5, "the chosen one sells"
    assert rules.explain(6, priority=keeper, account_id=8).quantity == 6, "above the threshold"


rule_numbers = st.builds(
    Rule,
    percent=st.integers(0, 100),
    buffer=st.integers(0, 200),
    maximum=st.none() | st.integers(0, 500),
    fixed=st.none() | st.integers(0, 500),
)


@given(available=st.integers(-100, 100_000), rule=rule_numbers, held=st.integers(0, 300))
@settings(max_examples=300, deadline=None)
def test_every_value_equals_its_explanation(available: int, rule: Rule, held: int) -> None:
    found = rules.explain(available, rule=rule, held_elsewhere=held, ceiling=99_999)
    last_number = int(re.findall(r"-?\d+", found.text)[-1])
    assert last_number == found.quantity
    assert 0 <= found.quantity <= max(available - held, 0) or found.quantity == 0


@given(
    available=st.integers(-50, 10_000),
    shares=st.lists(st.integers(0, 100), min_size=1, max_size=5).filter(lambda s: sum(s) <= 100),
    buffers=st.lists(st.integers(0, 50), min_size=5, max_size=5),
    maximums=st.lists(st.none() | st.integers(0, 1_000), min_size=5, max_size=5),
)
@settings(max_examples=300, deadline=None)
def test_a_split_never_shows_more_than_is_available(
    available: int, shares: list[int], buffers: list[int], maximums: list[int | None]
) -> None:
    """Shares that add up to at most 100% never show more than available, whatever is kept
    back or capped on each integration."""
    shown = sum(
        rules.explain(available, rule=Rule(share, buffers[i], maximums[i])).quantity
        for i, share in enumerate(shares)
    )
    assert shown <= max(available, 0)


# --- stored controls, through the pusher ------------------------------------------------------


pytestmark_db = pytest.mark.django_db


@pytest.fixture
def shops(fast_sandbox: Any, world: World) -> tuple[ChannelAccount, ChannelAccount]:
    shop_a = TokopediaWorld(fast_sandbox).connect(SHOP_A)
    return shop_a, world.connect()


def shared(shop_a: ChannelAccount, shop_b: ChannelAccount) -> Variant:
    found = (
        Variant.objects.filter(listings__account=shop_a, listings__account__isnull=False)
        .filter(listings__account=shop_b)
        .order_by("sku_key")
        .first()
    )
    assert found is not None
    return found


@pytestmark_db
@translation.override("en")
def test_a_half_rule_shows_half_and_says_so(world: World, shops: Any) -> None:
    shop_a, shop_b = shops
    variant = shared(shop_a, shop_b)
    stock.set_on_hand(shop_b.warehouse_id, variant.pk, 40, reference="test")
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    controls.set_rule(shop_b, Rule(percent=50, buffer=1))
    pusher.push_account(shop_b.pk)

    available = stock.available(shop_b.warehouse_id, variant.pk)
    listing = variant.listings.get(account=shop_b)
    expected = max(available - 1, 0) * 50 // 100
    assert world.shown_stock(listing) == expected
    record = PushRecord.objects.filter(listing=listing).order_by("-id").first()
    assert record is not None and record.quantity == expected
    assert (
        record.explanation
        == f"available {available} − buffer 1 = {available - 1} × 50% = {expected}"
    )
    explained = pusher.explained_quantities(shop_b, [listing])[listing.pk]
    assert explained.quantity == expected and "buffer 1" in explained.text


@pytestmark_db
@translation.override("en")
def test_a_listing_rule_replaces_the_integrations(world: World, shops: Any) -> None:
    shop_a, shop_b = shops
    variant = shared(shop_a, shop_b)
    listing = variant.listings.get(account=shop_b)
    controls.set_rule(shop_b, Rule(percent=10))
    controls.set_listing_rule(listing, Rule(fixed=1))
    explained = pusher.explained_quantities(shop_b, [listing])[listing.pk]
    assert explained.quantity == min(1, stock.available(shop_b.warehouse_id, variant.pk))
    assert "listing rule: fixed 1" in explained.text
    controls.set_listing_rule(listing, None)
    assert "× 10%" in pusher.explained_quantities(shop_b, [listing])[listing.pk].text


@pytestmark_db
def test_an_allocation_holds_units_for_one_shop_and_ends_by_itself(
    world: World, shops: Any
) -> None:
    shop_a, shop_b = shops
    variant = shared(shop_a, shop_b)
    available = stock.available(shop_b.warehouse_id, variant.pk)
    now = timezone.now()
    allocation = controls.allocate(
        variant, shop_a, 2, now - timedelta(minutes=1), now + timedelta(hours=1)
    )
    on_b = variant.listings.get(account=shop_b)
    on_a = variant.listings.get(account=shop_a)
    assert pusher.desired_quantities(shop_b, [on_b])[on_b.pk] == max(available - 2, 0)
    assert pusher.desired_quantities(shop_a, [on_a])[on_a.pk] == available, "the holder sees all"
    assert on_b.__class__.objects.get(pk=on_b.pk).needs_push, "marked when allocated"

    later = now + timedelta(hours=1, seconds=30)
    context = rules.load_context(shop_b, [on_b], now=later)
    assert context.held_elsewhere == {}, "over at its end"
    type(allocation).objects.filter(pk=allocation.pk).update(
        ends_at=timezone.now() - timedelta(seconds=5)
    )
    on_b.__class__.objects.filter(pk=on_b.pk).update(needs_push=False)
    assert variant.pk in controls.mark_turning_allocations()
    assert on_b.__class__.objects.get(pk=on_b.pk).needs_push, "the sweep marks it for a push"
    assert pusher.desired_quantities(shop_b, [on_b])[on_b.pk] == available


@pytestmark_db
def test_a_priority_store_keeps_selling_the_last_units(world: World, shops: Any) -> None:
    shop_a, shop_b = shops
    variant = shared(shop_a, shop_b)
    available = stock.available(shop_b.warehouse_id, variant.pk)
    controls.set_priority(shop_a, threshold=available, variant=variant)
    on_a = variant.listings.get(account=shop_a)
    on_b = variant.listings.get(account=shop_b)
    assert pusher.desired_quantities(shop_b, [on_b])[on_b.pk] == 0
    assert pusher.desired_quantities(shop_a, [on_a])[on_a.pk] == available
    controls.set_priority(shop_a, threshold=max(available - 1, 0), variant=variant)
    assert pusher.desired_quantities(shop_b, [on_b])[on_b.pk] == available, "above it again"


@pytestmark_db
def test_bad_controls_are_refused(shops: Any) -> None:
    shop_a, shop_b = shops
    variant = shared(shop_a, shop_b)
    now = timezone.now()
    with pytest.raises(controls.InvalidControl):
        controls.set_rule(shop_b, Rule(percent=150))
    with pytest.raises(controls.InvalidControl):
        controls.allocate(variant, shop_a, 0, now, now + timedelta(hours=1))
    with pytest.raises(controls.InvalidControl):
        controls.allocate(variant, shop_a, 1, now, now - timedelta(hours=1))


@pytestmark_db
def test_a_rule_reaches_the_shop_at_once_not_at_the_next_sweep(
    world: World, shops: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Saving a rule nudges the integration's pusher when it commits (the minute sweep is only
    the backstop): the queue runs the push inline here."""
    shop_a, shop_b = shops
    variant = shared(shop_a, shop_b)
    stock.set_on_hand(shop_b.warehouse_id, variant.pk, 40, reference="test")
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    listing = variant.listings.get(account=shop_b)
    with django_capture_on_commit_callbacks(execute=True):
        controls.set_rule(shop_b, Rule(percent=50))
    available = stock.available(shop_b.warehouse_id, variant.pk)
    assert world.shown_stock(listing) == available * 50 // 100
    with django_capture_on_commit_callbacks(execute=True):
        controls.set_listing_rule(listing, Rule(fixed=3))
    assert world.shown_stock(listing) == min(3, available)
