"""Early reservation, path by path, at the protocol's level (a channel that holds stock for an
unpaid order says so with ``holds_stock``): each unit is reserved once and leaves once, by
shipping or by a release, whatever status the order jumps to next, one by one or in a batch."""

from __future__ import annotations

from dataclasses import replace

import pytest
from orders_helpers import Catalog, channel_order, ledger

from satustok.inventory.models import MovementReason as R
from satustok.orders.ingest import ingest, ingest_many
from satustok.orders.models import EventSource, Order, StockEffect

WEBHOOK = EventSource.WEBHOOK
pytestmark = pytest.mark.django_db

UNPAID = 100  # pending payment in the table the helper uses
RESERVE = (R.ORDER_RESERVE, 0, 2)
SHIP = (R.ORDER_SHIP, -2, -2)
RELEASE = (R.ORDER_RELEASE, 0, -2)


def held(code: int = UNPAID, order_id: str = "9001") -> object:
    return replace(channel_order(code, order_id=order_id), holds_stock=True)


def at(code: int, order_id: str = "9001") -> object:
    return channel_order(code, order_id=order_id)


def order(order_id: str = "9001") -> Order:
    return Order.objects.get(external_id=order_id)


@pytest.mark.parametrize(("then", "moves"), [(500, [RESERVE, SHIP]), (700, [RESERVE, SHIP])])
def test_an_unpaid_hold_that_jumps_to_shipped_or_completed_ships_what_it_reserved(
    catalog: Catalog, then: int, moves: list[tuple[str, int, int]]
) -> None:
    ingest(catalog.account, held(), WEBHOOK)  # type: ignore[arg-type]
    assert order().stock_effect == StockEffect.RESERVED and catalog.level(catalog.shirt) == (10, 2)
    ingest(catalog.account, at(then), WEBHOOK)  # type: ignore[arg-type]
    ingest(catalog.account, at(then), WEBHOOK)  # a repeated event does nothing more
    assert ledger(order()) == moves and catalog.level(catalog.shirt) == (8, 0)


def test_an_unpaid_hold_that_times_out_is_released_once(catalog: Catalog) -> None:
    ingest(catalog.account, held(), WEBHOOK)  # type: ignore[arg-type]
    for _ in range(2):
        ingest(catalog.account, at(0), WEBHOOK)  # type: ignore[arg-type]
    assert ledger(order()) == [RESERVE, RELEASE] and catalog.level(catalog.shirt) == (10, 0)


def test_an_order_first_seen_cancelled_moves_nothing(catalog: Catalog) -> None:
    ingest(catalog.account, replace(at(0), holds_stock=False), WEBHOOK)  # type: ignore[arg-type]
    assert ledger(order()) == [] and catalog.level(catalog.shirt) == (10, 0)


def test_an_unpaid_order_of_a_channel_that_holds_nothing_reserves_nothing(
    catalog: Catalog,
) -> None:
    ingest(catalog.account, at(UNPAID), WEBHOOK)  # type: ignore[arg-type]
    assert ledger(order()) == [] and catalog.level(catalog.shirt) == (10, 0)
    ingest(catalog.account, at(220), WEBHOOK)  # paid: now it holds
    assert ledger(order()) == [RESERVE]


def test_a_batch_of_unpaid_holds_is_reserved_as_one_by_one_would(catalog: Catalog) -> None:
    batch = [held(order_id=f"95{n}") for n in range(3)]
    ingest_many(catalog.account, batch, WEBHOOK)  # type: ignore[arg-type]
    assert [ledger(order(f"95{n}")) for n in range(3)] == [[RESERVE]] * 3
    assert catalog.level(catalog.shirt) == (10, 6)
