"""Ingestion: one order per (integration, order id), status only forward, and each stock effect
applied exactly once — whatever the order, number and path of the events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from orders_helpers import Catalog, channel_order, ledger

from satustok.channels.protocol import StatusChange
from satustok.inventory.models import MovementReason as R
from satustok.inventory.models import StockLevel, StockMovement
from satustok.orders.ingest import NotRestockable, ingest, ingest_status, relink, restock
from satustok.orders.models import EventSource, Order, OrderEvent, OrderStatus, StockEffect
from satustok.sync.models import ImportRun

WEBHOOK, POLL = EventSource.WEBHOOK, EventSource.POLL


def change(code: int, order_id: str = "7001") -> StatusChange:
    order = channel_order(code, order_id=order_id)
    return StatusChange(order_id, order.channel_status, order.status, order.status_rank)


def test_a_new_paid_order_reserves_each_linked_line(catalog: Catalog) -> None:
    lines = [("1001", "KMJ-01", 2), ("1002", "SLD-02", 1)]
    done = ingest(catalog.account, channel_order(220, lines), WEBHOOK)
    order = done.order
    assert done.created and order.status == OrderStatus.OPEN and order.channel_status == "220"
    assert order.stock_effect == StockEffect.RESERVED and not order.has_unlinked_lines
    assert catalog.level(catalog.shirt) == (10, 2) and catalog.level(catalog.scarf) == (5, 1)
    assert sorted(ledger(order)) == [(R.ORDER_RESERVE, 0, 1), (R.ORDER_RESERVE, 0, 2)]
    assert (order.invoice, order.buyer_name, order.total) == ("INV/7001", "Budi", 309_000)


def test_the_same_event_twice_changes_nothing_the_second_time(catalog: Catalog) -> None:
    first = ingest(catalog.account, channel_order(220), WEBHOOK)
    again = ingest(catalog.account, channel_order(220), POLL)
    assert not again.created and not again.moved
    assert Order.objects.count() == 1 and first.order.lines.count() == 1
    assert OrderEvent.objects.count() == 1
    assert ledger(first.order) == [(R.ORDER_RESERVE, 0, 2)]


def test_status_never_moves_back(catalog: Catalog) -> None:
    ingest(catalog.account, channel_order(220), WEBHOOK)
    ingest(catalog.account, channel_order(500), WEBHOOK)
    late = ingest(catalog.account, channel_order(400), POLL)
    order = late.order
    assert not late.moved
    assert (order.status, order.channel_status) == (OrderStatus.SHIPPED, "500")
    assert list(order.events.values_list("channel_status", flat=True)) == ["220", "500"]


def test_cancelled_after_paid_releases_what_was_reserved(catalog: Catalog) -> None:
    ingest(catalog.account, channel_order(220), WEBHOOK)
    order = ingest(catalog.account, channel_order(10), WEBHOOK).order
    assert order.status == OrderStatus.CANCELLED and order.stock_effect == StockEffect.RELEASED
    assert catalog.level(catalog.shirt) == (10, 0)
    assert ledger(order) == [(R.ORDER_RESERVE, 0, 2), (R.ORDER_RELEASE, 0, -2)]
    ingest(catalog.account, channel_order(0), WEBHOOK)  # another cancellation code: final
    assert len(ledger(order)) == 2 and order.events.count() == 2


def test_shipped_takes_from_on_hand_and_releases_the_reservation(catalog: Catalog) -> None:
    ingest(catalog.account, channel_order(220), WEBHOOK)
    ingest(catalog.account, channel_order(400), WEBHOOK)
    order = ingest(catalog.account, channel_order(500), WEBHOOK).order
    assert order.stock_effect == StockEffect.SHIPPED
    assert catalog.level(catalog.shirt) == (8, 0)
    assert ledger(order) == [(R.ORDER_RESERVE, 0, 2), (R.ORDER_SHIP, -2, -2)]
    for later in (600, 700):  # delivered, completed: stock already left
        ingest(catalog.account, channel_order(later), WEBHOOK)
    assert len(ledger(order)) == 2


def test_an_order_first_seen_shipped_takes_on_hand_without_touching_other_reservations(
    catalog: Catalog,
) -> None:
    other = ingest(catalog.account, channel_order(220, order_id="7002"), WEBHOOK).order
    order = ingest(catalog.account, channel_order(500), POLL).order
    assert ledger(order) == [(R.ORDER_SHIP, -2, 0)]
    assert catalog.level(catalog.shirt) == (8, 2)  # order 7002 still holds its 2
    ingest(catalog.account, channel_order(220), WEBHOOK)  # the late notification
    assert ledger(order) == [(R.ORDER_SHIP, -2, 0)] and other.stock_effect == "reserved"


def test_reordered_events_end_where_the_ordered_ones_do(catalog: Catalog) -> None:
    for code in (400, 220, 500, 400, 220):
        ingest(catalog.account, channel_order(code), WEBHOOK)
    order = Order.objects.get()
    assert order.status == OrderStatus.SHIPPED
    assert catalog.level(catalog.shirt) == (8, 0)
    assert list(order.events.values_list("channel_status", flat=True)) == ["400", "500"]


def test_a_cancelled_order_never_reserved_does_nothing(catalog: Catalog) -> None:
    order = ingest(catalog.account, channel_order(15), POLL).order
    ingest(catalog.account, channel_order(220), WEBHOOK)  # a late notification changes nothing
    assert order.status == OrderStatus.CANCELLED and order.stock_effect == StockEffect.NONE
    assert ledger(order) == [] and catalog.level(catalog.shirt) == (10, 0)


def test_returned_restocks_only_when_the_seller_says_so(catalog: Catalog) -> None:
    for code in (220, 500):
        ingest(catalog.account, channel_order(code), WEBHOOK)
    order = ingest(catalog.account, channel_order(550), WEBHOOK).order
    assert order.status == OrderStatus.RETURNED and catalog.level(catalog.shirt) == (8, 0)
    restocked = restock(order)
    assert restocked.stock_effect == StockEffect.RESTOCKED
    assert catalog.level(catalog.shirt) == (10, 0)
    assert ledger(order)[-1] == (R.RETURN_RESTOCK, 2, 0)
    with pytest.raises(NotRestockable):
        restock(order)  # twice is refused, not applied twice
    ingest(catalog.account, channel_order(550), POLL)
    assert catalog.level(catalog.shirt) == (10, 0) and len(ledger(order)) == 3


def test_restock_is_refused_for_an_order_that_has_not_come_back(catalog: Catalog) -> None:
    order = ingest(catalog.account, channel_order(500), WEBHOOK).order
    with pytest.raises(NotRestockable):
        restock(order)
    assert catalog.level(catalog.shirt) == (8, 0)


def test_unlinked_lines_are_flagged_and_stock_follows_the_linked_ones(catalog: Catalog) -> None:
    lines = [("1001", "KMJ-01", 1), ("1009", "", 1), ("4040", "UNKNOWN-SKU", 1)]
    order = ingest(catalog.account, channel_order(220, lines), WEBHOOK).order
    assert order.has_unlinked_lines
    flags = dict(order.lines.values_list("external_product_id", "linked"))
    assert flags == {"1001": True, "1009": False, "4040": False}
    assert order.lines.get(external_product_id="1009").listing is not None  # known, unlinked
    assert ledger(order) == [(R.ORDER_RESERVE, 0, 1)]


def test_a_line_without_a_listing_links_by_sku_key(catalog: Catalog) -> None:
    order = ingest(catalog.account, channel_order(220, [("5555", "  tas-03 ", 1)]), WEBHOOK).order
    line = order.lines.get()
    assert line.linked and line.variant == catalog.bag and line.listing is None
    assert catalog.level(catalog.bag) == (3, 1)


def test_a_line_linked_later_catches_up_with_its_order(catalog: Catalog) -> None:
    order = ingest(catalog.account, channel_order(220, [("1009", "", 1)]), WEBHOOK).order
    assert order.has_unlinked_lines and ledger(order) == []
    catalog.account.listings.filter(external_id="1009").update(variant=catalog.scarf)
    relinked = relink(order)
    assert not relinked.has_unlinked_lines and catalog.level(catalog.scarf) == (5, 1)
    relink(order)
    assert ledger(order) == [(R.ORDER_RESERVE, 0, 1)]


def test_a_status_event_for_an_unknown_order_is_left_to_the_caller(catalog: Catalog) -> None:
    assert ingest_status(catalog.account, change(400), WEBHOOK) is None
    ingest(catalog.account, channel_order(220), WEBHOOK)
    moved = ingest_status(catalog.account, change(400), WEBHOOK)
    assert moved is not None and moved.moved and moved.order.status == OrderStatus.ACCEPTED
    assert ingest_status(catalog.account, change(400), WEBHOOK).moved is False  # type: ignore[union-attr]


def test_orders_older_than_the_import_are_counted_in_its_baseline(catalog: Catalog) -> None:
    """Tokopedia's stock already left out an open order when the import read it."""
    placed = timezone.now() - timedelta(hours=3)
    run = ImportRun.objects.create(account=catalog.account)
    ImportRun.objects.filter(pk=run.pk).update(created_at=placed + timedelta(hours=1))
    level = StockLevel.objects.get(variant=catalog.shirt)
    StockMovement.objects.create(
        level=level, on_hand_delta=0, reason=R.IMPORT_BASELINE, reference=f"import:{run.pk}"
    )
    old = ingest(catalog.account, channel_order(220, created_at=placed), POLL).order
    assert old.lines.get().in_baseline and ledger(old) == []
    assert catalog.level(catalog.shirt) == (10, 0)
    ingest(catalog.account, channel_order(10, created_at=placed), WEBHOOK)
    assert ledger(old) == [(R.ORDER_RELEASE, 2, 0)]  # the channel gave the 2 back: so do we
    shipped = ingest(catalog.account, channel_order(500, order_id="7002", created_at=placed), POLL)
    assert ledger(shipped.order) == [] and shipped.order.stock_effect == StockEffect.SHIPPED
    newer = ingest(catalog.account, channel_order(220, order_id="7003"), WEBHOOK).order
    assert ledger(newer) == [(R.ORDER_RESERVE, 0, 2)]  # placed after the import: reserved


# --- a property: any interleaving of one order's life, any duplicates -----------------------

LIVES = [
    [220, 400, 450, 500, 600, 700],  # sent and finished
    [220, 400, 10],  # accepted, then cancelled
    [220, 0],  # cancelled by the seller
    [220, 400, 500, 550],  # returned to the seller
]
HOLDS = {220, 221, 400, 401, 450, 501, 520, 530}


def expected(events: list[int]) -> tuple[int, int]:
    """(on hand, reserved) of the shirt after the furthest event of a life (2 ordered)."""
    furthest = max(events, key=lambda code: channel_order(code).status_rank)
    if furthest in HOLDS:
        return 10, 2
    if furthest in (0, 10):
        return 10, 0
    return 8, 0


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_interleaving_of_one_orders_events_ends_the_same(catalog: Catalog, data) -> None:  # type: ignore[no-untyped-def]
    life = data.draw(st.sampled_from(LIVES))
    events = data.draw(st.lists(st.sampled_from(life), min_size=1, max_size=8))
    Order.objects.all().delete()
    StockMovement.objects.filter(reference__startswith="order:").delete()
    StockLevel.objects.filter(variant=catalog.shirt).update(on_hand=10, reserved=0)
    for code in events:
        ingest(catalog.account, channel_order(code), data.draw(st.sampled_from([WEBHOOK, POLL])))
    order = Order.objects.get()
    assert catalog.level(catalog.shirt) == expected(events)
    furthest = max(events, key=lambda code: channel_order(code).status_rank)
    assert order.channel_status == str(furthest)
    channel_statuses = list(order.events.values_list("channel_status", flat=True))
    assert len(channel_statuses) == len(set(channel_statuses)) <= len(set(events))
    moved = sum(m.on_hand_delta for m in StockMovement.objects.filter(reference=order.reference))
    assert 10 + moved == catalog.level(catalog.shirt)[0]


@pytest.mark.django_db(transaction=True)
def test_the_same_order_from_several_workers_at_once_is_stored_and_reserved_once(
    catalog: Catalog,
) -> None:
    """A webhook and a poll (and a retry) ingesting one order at the same moment."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def work(code: int) -> None:
        try:
            ingest(catalog.account, channel_order(code), WEBHOOK)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(work, [220, 220, 400, 220, 400, 220]))
    order = Order.objects.get()
    assert order.status == OrderStatus.ACCEPTED and order.events.count() <= 2
    assert ledger(order) == [(R.ORDER_RESERVE, 0, 2)] and catalog.level(catalog.shirt) == (10, 2)
