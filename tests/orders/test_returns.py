"""Returns decided per line: restock to a chosen warehouse or write off, each unit once, on the
ledger; and the fulfilment fields a channel sends kept on the order (newer payloads win, a
thinner one blanks nothing it did not mean to)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.db import close_old_connections
from orders_helpers import Catalog, channel_order, ledger

from satustok.channels.protocol import PaymentPart, Recipient, ReturnedItem
from satustok.inventory.models import MovementReason as R
from satustok.inventory.models import StockLevel, Warehouse
from satustok.orders import returns
from satustok.orders.ingest import ingest
from satustok.orders.models import EventSource, Order, ReturnChoice, StockEffect
from satustok.orders.returns import InvalidDecision, LineDecision, NothingToDecide

WEBHOOK = EventSource.WEBHOOK
TWO_LINES = [("1001", "KMJ-01", 2), ("1002", "SLD-02", 1)]


def returned_order(catalog: Catalog, lines=TWO_LINES, order_id: str = "7001") -> Order:  # type: ignore[no-untyped-def]
    for code in (220, 500, 550):
        order = ingest(catalog.account, channel_order(code, lines, order_id=order_id), WEBHOOK)
    return order.order


def level(warehouse: Warehouse, catalog_variant) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    found = StockLevel.objects.filter(warehouse=warehouse, variant=catalog_variant).first()
    return (found.on_hand, found.reserved) if found else (0, 0)


def test_a_returned_order_awaits_a_decision_until_every_line_is_decided(catalog: Catalog) -> None:
    order = returned_order(catalog)
    assert list(returns.awaiting_decision()) == [order]
    shirt, scarf = sorted(returns.lines_to_decide(order), key=lambda line: line.sku)
    returns.decide(order, [LineDecision(shirt.pk, ReturnChoice.RESTOCK)])
    assert list(returns.awaiting_decision()) == [order], "the scarf is still undecided"
    decided = returns.decide(order, [LineDecision(scarf.pk, ReturnChoice.WRITE_OFF)])
    assert decided.stock_effect == StockEffect.RESTOCKED
    assert list(returns.awaiting_decision()) == []
    assert catalog.level(catalog.shirt) == (10, 0), "the two shirts are back"
    assert catalog.level(catalog.scarf) == (4, 0), "the damaged scarf stays out"
    assert ledger(order)[-2:] == [(R.RETURN_RESTOCK, 2, 0), (R.RETURN_WRITE_OFF, 0, 0)]


def test_restock_goes_to_the_warehouse_the_seller_names(catalog: Catalog) -> None:
    order = returned_order(catalog)
    gudang = Warehouse.objects.create(name="Gudang Retur")
    shirt = next(line for line in returns.lines_to_decide(order) if line.sku == "KMJ-01")
    returns.decide(order, [LineDecision(shirt.pk, ReturnChoice.RESTOCK, gudang.pk)])
    assert level(gudang, catalog.shirt) == (2, 0)
    assert catalog.level(catalog.shirt) == (8, 0), "the integration's warehouse is unchanged"
    shirt.refresh_from_db()
    assert (shirt.return_choice, shirt.return_warehouse_id) == (ReturnChoice.RESTOCK, gudang.pk)


def test_nothing_is_restocked_twice(catalog: Catalog) -> None:
    order = returned_order(catalog)
    decisions = [LineDecision(line.pk, "restock") for line in returns.lines_to_decide(order)]
    returns.decide(order, decisions)
    with pytest.raises(NothingToDecide):
        returns.decide(order, decisions)
    # The channel repeating the return changes nothing either.
    ingest(catalog.account, channel_order(550, TWO_LINES), WEBHOOK)
    assert catalog.level(catalog.shirt) == (10, 0) and catalog.level(catalog.scarf) == (5, 0)
    restocks = sorted(row for row in ledger(order) if row[0] == R.RETURN_RESTOCK)
    assert restocks == [(R.RETURN_RESTOCK, 1, 0), (R.RETURN_RESTOCK, 2, 0)]


@pytest.mark.django_db(transaction=True)
def test_two_sellers_deciding_at_once_restock_once(catalog: Catalog) -> None:
    order = returned_order(catalog, lines=[("1001", "KMJ-01", 2)])
    decision = [LineDecision(returns.lines_to_decide(order)[0].pk, ReturnChoice.RESTOCK)]
    outcomes: list[str] = []

    def seller() -> None:
        try:
            returns.decide(order, decision)
            outcomes.append("restocked")
        except NothingToDecide:
            outcomes.append("nothing left")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=seller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["nothing left", "restocked"]
    assert catalog.level(catalog.shirt) == (10, 0)


def test_only_what_the_channel_says_came_back_is_restocked(catalog: Catalog) -> None:
    for code in (220, 500):
        ingest(catalog.account, channel_order(code, TWO_LINES), WEBHOOK)
    partial = replace(channel_order(550, TWO_LINES), returned_items=(ReturnedItem("1001", 1),))
    order = ingest(catalog.account, partial, WEBHOOK).order
    assert [line.sku for line in returns.lines_to_decide(order)] == ["KMJ-01"]
    returns.restock_all(order)
    assert catalog.level(catalog.shirt) == (9, 0), "one of the two shirts came back"
    assert catalog.level(catalog.scarf) == (4, 0), "the scarf stayed with the buyer"
    order.refresh_from_db()
    assert order.stock_effect == StockEffect.RESTOCKED and not returns.can_decide(order)


def test_two_lines_of_one_product_share_the_returned_units(catalog: Catalog) -> None:
    lines = [("1001", "KMJ-01", 2), ("1001", "KMJ-01", 1)]
    for code in (220, 500):
        ingest(catalog.account, channel_order(code, lines), WEBHOOK)
    partial = replace(channel_order(550, lines), returned_items=(ReturnedItem("1001", 2),))
    order = ingest(catalog.account, partial, WEBHOOK).order
    assert sorted(order.lines.values_list("returned_quantity", flat=True)) == [0, 2]
    returns.restock_all(order)
    assert catalog.level(catalog.shirt) == (9, 0), "two of the three came back, not four"


def test_an_order_that_did_not_come_back_has_nothing_to_decide(catalog: Catalog) -> None:
    order = ingest(catalog.account, channel_order(500), WEBHOOK).order
    assert not returns.can_decide(order)
    with pytest.raises(NothingToDecide):
        returns.decide(order, [LineDecision(order.lines.get().pk, ReturnChoice.RESTOCK)])
    assert catalog.level(catalog.shirt) == (8, 0)


def test_a_bad_decision_is_refused_before_anything_moves(catalog: Catalog) -> None:
    order = returned_order(catalog)
    line = returns.lines_to_decide(order)[0]
    with pytest.raises(InvalidDecision):
        returns.decide(order, [LineDecision(line.pk, "burn")])
    with pytest.raises(InvalidDecision):
        returns.decide(order, [LineDecision(line.pk, ReturnChoice.RESTOCK, 10**9)])
    assert len(returns.lines_to_decide(order)) == 2


def test_a_written_off_order_stays_final_whatever_the_channel_says(catalog: Catalog) -> None:
    order = returned_order(catalog, lines=[("1001", "KMJ-01", 2)])
    returns.decide(order, [LineDecision(returns.lines_to_decide(order)[0].pk, "write_off")])
    order.refresh_from_db()
    assert order.stock_effect == StockEffect.WRITTEN_OFF
    ingest(catalog.account, channel_order(550, [("1001", "KMJ-01", 2)]), WEBHOOK)
    assert catalog.level(catalog.shirt) == (8, 0)


# --- fulfilment fields --------------------------------------------------------------------


def shipping(order_code: int, **fields) -> object:  # type: ignore[no-untyped-def]
    return replace(channel_order(order_code), **fields)


def test_the_fulfilment_fields_are_kept_and_a_newer_payload_updates_them(
    catalog: Catalog,
) -> None:
    deadline = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
    first = shipping(
        220,
        ship_by=deadline,
        courier="JNE Reguler",
        packages=("7001",),
        recipient=Recipient("Budi", "62812****789", "Jl. Braga 1, Bandung"),
        payment=(
            PaymentPart("subtotal", "Subtotal", 300_000),
            PaymentPart("shipping", "Ongkir", 9_000),
        ),
        cancel_requested=True,
        cancel_reason="Ganti alamat",
    )
    order = ingest(catalog.account, first, WEBHOOK).order
    assert (order.ship_by, order.courier, order.recipient_phone) == (
        deadline,
        "JNE Reguler",
        "62812****789",
    )
    assert order.payment[1] == {"key": "shipping", "label": "Ongkir", "amount": 9_000}
    assert order.item_count == 2 and order.cancel_requested
    later = shipping(500, tracking_number="JNE0012345678", courier="")
    order = ingest(catalog.account, later, WEBHOOK).order
    assert order.tracking_number == "JNE0012345678"
    assert order.courier == "JNE Reguler", "a thinner payload does not blank the courier"
    assert not order.cancel_requested and order.ship_by is None, "the request was answered"


def test_a_late_payload_does_not_undo_newer_fulfilment_fields(catalog: Catalog) -> None:
    ingest(catalog.account, shipping(500, tracking_number="AWB-NEW-1"), WEBHOOK)
    stale = shipping(220, tracking_number="", cancel_requested=True, ship_by=datetime.now(UTC))
    order = ingest(catalog.account, stale, WEBHOOK).order
    assert order.tracking_number == "AWB-NEW-1"
    assert not order.cancel_requested and order.ship_by is None


def test_hostile_fulfilment_text_is_cut_to_the_columns(catalog: Catalog) -> None:
    long = "x" * 5000
    order = ingest(
        catalog.account,
        shipping(
            220,
            courier=long,
            tracking_number=long,
            recipient=Recipient(long, long, long),
            cancel_reason=long,
            ship_by=datetime.now(UTC) + timedelta(days=2),
        ),
        WEBHOOK,
    ).order
    order.refresh_from_db()
    assert len(order.courier) == 120 and len(order.tracking_number) == 64
    assert len(order.recipient_name) == 255 and len(order.cancel_reason) == 255
