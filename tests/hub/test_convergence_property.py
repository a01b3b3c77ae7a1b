"""Property: whatever happens — sales, cancellations, shipments, adjustments, a failing channel
(5xx, 429 bursts, expired tokens) —
once things are quiet every linked listing shows its desired quantity on the channel, and the
ledger sums to the level for every SKU."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from satustok.catalog.models import Variant
from satustok.channels.connect import connect_shop
from satustok.channels.models import Listing
from satustok.inventory import stock
from satustok.inventory.models import MovementReason, StockLevel, StockMovement
from satustok.sync import imports, pusher, tasks

pytestmark = pytest.mark.django_db

SKUS = 4
operation = st.one_of(
    st.tuples(st.just("reserve"), st.integers(0, SKUS - 1), st.integers(1, 5)),
    st.tuples(st.just("release"), st.integers(0, SKUS - 1), st.integers(1, 5)),
    st.tuples(st.just("ship"), st.integers(0, SKUS - 1), st.integers(1, 3)),
    st.tuples(st.just("adjust"), st.integers(0, SKUS - 1), st.integers(-10, 10)),
    st.tuples(st.just("push"), st.integers(0, 1), st.just(0)),
    st.tuples(st.just("fault"), st.sampled_from([0.0, 0.5, 1.0]), st.just(0)),
    st.tuples(st.just("burst429"), st.integers(1, 4), st.just(0)),
    st.tuples(st.just("expire_tokens"), st.just(0), st.just(0)),
)


@pytest.fixture
def world(fast_sandbox: Any, demo_credentials: Callable[..., Any]) -> dict[str, Any]:
    accounts = []
    for shop_id in (480001, 480002):
        account = connect_shop("tokopedia", demo_credentials(fast_sandbox), str(shop_id))
        tasks.run_import_now(imports.start_run(account).pk)
        pusher.set_push_stock(account, True)
        accounts.append(account)
    shared = list(
        Variant.objects.filter(listings__account=accounts[0])
        .filter(listings__account=accounts[1])
        .order_by("sku_key")[:SKUS]
    )
    return {
        "sandbox": fast_sandbox,
        "accounts": accounts,
        "variants": shared,
        "warehouse": accounts[0].warehouse_id,
    }


def apply(world: dict[str, Any], op: tuple[str, Any, int]) -> None:
    kind, target, amount = op
    if kind == "fault":
        world["sandbox"].set_faults(error_rate=target, only_groups=["stock_update"])
    elif kind == "burst429":
        world["sandbox"].set_faults(rate_limit_next=target, only_groups=["stock_update"])
    elif kind == "expire_tokens":
        world["sandbox"].set_faults(expire_tokens=True)
    elif kind == "push":
        pusher.push_account(world["accounts"][target].pk)
    elif kind == "adjust":
        stock.move(
            world["warehouse"],
            world["variants"][target].pk,
            on_hand=amount,
            reason=MovementReason.ADJUSTMENT,
        )
    else:
        getattr(stock, kind)(world["warehouse"], world["variants"][target].pk, amount, "prop")


def quiesce(world: dict[str, Any]) -> None:
    world["sandbox"].clear_faults()
    for _ in range(5):
        Listing.objects.update(push_retry_at=timezone.now())  # every backoff has elapsed
        for account in world["accounts"]:
            pusher.push_account(account.pk)
        if not Listing.objects.filter(needs_push=True, variant__isnull=False).exists():
            return


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(operation, min_size=1, max_size=12))
def test_after_quiescence_every_channel_shows_the_desired_stock(
    world: dict[str, Any], operations: list[Any]
) -> None:
    for op in operations:
        apply(world, op)
    quiesce(world)
    for account in world["accounts"]:
        linked = list(account.listings.filter(variant__in=world["variants"]))
        desired = pusher.desired_quantities(account, linked)
        for listing in linked:
            shown = int(world["sandbox"].product(int(listing.external_id))["stock"])
            assert shown == desired[listing.pk], (listing.external_id, operations)
    for level in StockLevel.objects.filter(variant__in=world["variants"]):
        sums = StockMovement.objects.filter(level=level).aggregate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
        )
        assert (sums["on_hand"], sums["reserved"] or 0) == (level.on_hand, level.reserved)
