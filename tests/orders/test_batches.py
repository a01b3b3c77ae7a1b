"""Batches: many new orders ingested in one transaction end exactly as if ingested one by one,
and a task processing one webhook delivery takes the others waiting with it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from orders_helpers import SHOP_A, Catalog, channel_order, ledger, sign
from test_webhooks import notification

from satustok.inventory import stock
from satustok.inventory.models import MovementReason as R
from satustok.inventory.models import StockMovement
from satustok.orders import webhooks
from satustok.orders.ingest import ingest, ingest_many
from satustok.orders.models import DeliveryStatus, EventSource, Order, OrderEvent, WebhookDelivery

WEBHOOK = EventSource.WEBHOOK
pytestmark = pytest.mark.django_db


def _orders() -> list[Any]:
    return [
        channel_order(220, [("1001", "KMJ-01", 2)], order_id="8001"),
        channel_order(220, [("1002", "SLD-02", 1), ("1001", "KMJ-01", 1)], order_id="8002"),
        channel_order(220, [("9999", "TAS-03", 1)], order_id="8003"),  # linked by SKU only
        channel_order(220, [("7777", "NOWHERE", 4)], order_id="8004"),  # links to nothing
        channel_order(500, [("1002", "SLD-02", 2)], order_id="8005"),  # first seen shipped
    ]


def _state() -> list[tuple[Any, ...]]:
    """Everything ingestion writes, without ids: orders, lines, events and the ledger."""
    rows = []
    for order in Order.objects.order_by("external_id"):
        lines = order.lines.order_by("external_product_id").values_list(
            "external_product_id", "variant__sku", "linked", "stock_effect", "quantity"
        )
        events = order.events.values_list("to_status", "channel_status", "source")
        rows.append(
            (order.external_id, order.status, order.stock_effect, order.has_unlinked_lines,
             list(lines), list(events), sorted(ledger(order)))
        )  # fmt: skip
    return rows


def test_a_batch_of_new_orders_ends_as_one_by_one_would(catalog: Catalog) -> None:
    for order in _orders():
        ingest(catalog.account, order, WEBHOOK)
    one_by_one = _state(), catalog.level(catalog.shirt), catalog.level(catalog.scarf)
    Order.objects.all().delete()
    StockMovement.objects.filter(reference__startswith="order:").delete()
    _reset_levels(catalog)

    done = ingest_many(catalog.account, _orders(), WEBHOOK)

    assert [d.created for d in done] == [True] * 5
    assert (_state(), catalog.level(catalog.shirt), catalog.level(catalog.scarf)) == one_by_one
    assert catalog.level(catalog.shirt) == (10, 3) and catalog.level(catalog.scarf) == (3, 1)
    assert Order.objects.get(external_id="8004").has_unlinked_lines


def _reset_levels(catalog: Catalog) -> None:
    """Back to the fixture's shelf: 10 shirts, 5 scarves, 3 bags, nothing reserved."""
    from satustok.inventory.models import StockLevel

    for variant, on_hand in ((catalog.shirt, 10), (catalog.scarf, 5), (catalog.bag, 3)):
        StockLevel.objects.filter(warehouse=catalog.account.warehouse, variant=variant).update(
            on_hand=on_hand, reserved=0
        )


def test_known_and_repeated_orders_in_a_batch_are_ingested_once(catalog: Catalog) -> None:
    ingest(catalog.account, channel_order(220, order_id="8001"), WEBHOOK)
    batch = [
        channel_order(220, order_id="8001"),  # known: nothing new
        channel_order(220, order_id="8002"),
        channel_order(220, order_id="8002"),  # the same notification twice in one batch
        channel_order(400, order_id="8001"),  # known, and moving forward
    ]
    done = ingest_many(catalog.account, batch, WEBHOOK)
    assert [(d.created, d.moved) for d in done] == [
        (False, False), (True, True), (False, False), (False, True),
    ]  # fmt: skip
    assert Order.objects.count() == 2 and OrderEvent.objects.count() == 3
    assert ledger(Order.objects.get(external_id="8002")) == [(R.ORDER_RESERVE, 0, 2)]
    assert catalog.level(catalog.shirt) == (10, 4)


def test_a_release_in_a_batch_goes_no_further_than_what_is_reserved(catalog: Catalog) -> None:
    warehouse, shirt = catalog.account.warehouse_id, catalog.shirt.pk
    stock.move_many(
        warehouse,
        [
            stock.reserving(shirt, 2, "a"),
            stock.releasing(shirt, 5, "b"),  # only 2 are held
            stock.reserving(shirt, 1, "c"),
        ],
    )
    assert catalog.level(catalog.shirt) == (10, 1)
    deltas = StockMovement.objects.filter(reference__in="abc").order_by("id")
    assert [m.reserved_delta for m in deltas] == [2, -2, 1]


# --- webhook deliveries ----------------------------------------------------------------------


def _store(
    catalog: Catalog, payloads: list[dict[str, Any]], event: str = "order_notification"
) -> list[int]:
    """Deliveries as the receiver stores them, with their tasks not yet run."""
    import json

    ids = []
    for payload in payloads:
        body = json.dumps(payload)
        delivery = WebhookDelivery.objects.create(
            account=catalog.account, channel="tokopedia", event=event,
            body=body, signature_ok=True,
        )  # fmt: skip
        assert sign(body.encode())  # signed like the channel does; the receiver checked it
        ids.append(delivery.pk)
    return ids


def test_one_task_processes_the_deliveries_waiting_with_it(catalog: Catalog) -> None:
    ids = _store(catalog, [notification(order_id=9100 + n) for n in range(12)])
    webhooks.process_delivery(ids[5])
    statuses = set(WebhookDelivery.objects.values_list("status", flat=True))
    assert statuses == {DeliveryStatus.PROCESSED}
    assert Order.objects.count() == 12 and catalog.level(catalog.shirt) == (10, 24)
    for delivery_id in ids:  # the others' own tasks find nothing left to do
        webhooks.process_delivery(delivery_id)
    assert catalog.level(catalog.shirt) == (10, 24)
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}


def product_change(product_id: int, shop_id: int = SHOP_A) -> dict[str, Any]:
    return {
        "fs_id": 15001,
        "product_changes_data": [
            {"action": "stock_overwrite", "product_id": product_id, "shop_id": shop_id,
             "value": "3", "previous_value": "4", "update_time": 1_700_000_000_000_000_000}
        ],
    }  # fmt: skip


def test_events_only_recorded_are_marked_together(catalog: Catalog) -> None:
    """A marketplace follows each sale with a ``product_changes`` for its stock: a batch marks
    all of those in one statement (one by one they were a third of a backlog's time), with the
    outcome each would have alone — including one for a shop that is not connected."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids = _store(catalog, [product_change(1000 + n) for n in range(20)], "product_changes")
    (elsewhere,) = _store(catalog, [product_change(1, shop_id=480009)], "product_changes")
    movements = StockMovement.objects.count()
    with CaptureQueriesContext(connection) as captured:
        webhooks.process_delivery(ids[0])
    marks = [q for q in captured.captured_queries if 'UPDATE "orders_webhookdelivery"' in q["sql"]]
    assert len(marks) == 2, [q["sql"][:60] for q in marks]  # the claim, then all the marks
    done = WebhookDelivery.objects.filter(pk__in=ids)
    assert set(done.values_list("status", flat=True)) == {DeliveryStatus.PROCESSED}
    assert all("stock_overwrite" in outcome for outcome in done.values_list("outcome", flat=True))
    ignored = WebhookDelivery.objects.get(pk=elsewhere)
    assert ignored.status == DeliveryStatus.PROCESSED and "not connected" in ignored.outcome
    assert StockMovement.objects.count() == movements and Order.objects.count() == 0


def test_after_a_full_batch_the_rest_waits_in_the_queue_behind_other_work(
    catalog: Catalog, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task takes one full batch, then queues the rest as a new task (a push queued meanwhile
    runs in between) instead of draining the whole backlog itself."""
    from satustok.orders import tasks

    settings.SATUSTOK_WEBHOOK_BATCH_MS = 0
    monkeypatch.setattr(webhooks, "BATCH_SIZE", 5)
    handed_over = []
    monkeypatch.setattr(tasks, "process_webhooks_waiting", lambda: handed_over.append(1))
    ids = _store(catalog, [notification(order_id=9500 + n) for n in range(12)])
    waiting = WebhookDelivery.objects.filter(status=DeliveryStatus.RECEIVED)

    webhooks.process_delivery(ids[7])
    assert (waiting.count(), len(handed_over)) == (7, 1)
    assert ids[7] not in waiting.values_list("pk", flat=True)  # its own delivery went first
    webhooks.process_waiting()  # the queued task
    assert (waiting.count(), len(handed_over)) == (2, 2)
    webhooks.process_waiting()
    assert (waiting.count(), len(handed_over)) == (0, 2)  # a partial batch: nothing left over
    assert Order.objects.count() == 12


def test_when_the_batch_path_fails_each_delivery_is_processed_alone(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _store(catalog, [notification(order_id=9200 + n) for n in range(3)])

    def broken(*args: Any) -> Any:
        raise RuntimeError("the batch path broke")

    monkeypatch.setattr(webhooks, "ingest_many", broken)
    webhooks.process_delivery(ids[0])
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {
        DeliveryStatus.PROCESSED
    }
    assert Order.objects.count() == 3  # one by one, after the batch failed


def test_the_sweep_frees_a_dead_workers_claims_and_finds_lost_tasks(catalog: Catalog) -> None:
    from django.utils import timezone

    from satustok.orders.tasks import sweep_webhooks

    dead, lost, fresh = _store(catalog, [notification(order_id=9300 + n) for n in range(3)])
    old = timezone.now() - timedelta(minutes=10)
    WebhookDelivery.objects.filter(pk=dead).update(
        status=DeliveryStatus.PROCESSING, claimed_at=old, received_at=old
    )
    WebhookDelivery.objects.filter(pk=lost).update(received_at=old)
    assert webhooks.waiting_too_long() == [dead, lost]  # not the one received just now

    sweep_webhooks.call_local()
    assert Order.objects.count() == 3  # the task for the first took the waiting ones along
    assert fresh in WebhookDelivery.objects.filter(status=DeliveryStatus.PROCESSED).values_list(
        "pk", flat=True
    )


@pytest.mark.django_db(transaction=True)
def test_a_burst_queues_one_task_whose_trailing_look_takes_the_rest(
    catalog: Catalog, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within one batch window a web process queues one task; a delivery stored while that
    task works is taken by its look one window later, not left for the minute sweep."""
    import threading
    import time

    from satustok.orders import tasks

    settings.SATUSTOK_WEBHOOK_BATCH_MS = 300
    webhooks._nudges.forget()
    queued = []
    real = tasks.process_webhook
    monkeypatch.setattr(tasks, "process_webhook", lambda pk: (queued.append(pk), real(pk)))
    first, *_ = _store(catalog, [notification(order_id=9400)])

    def meanwhile() -> None:
        time.sleep(0.1)
        (second,) = _store(catalog, [notification(order_id=9401)])
        webhooks.nudge_processing(second)  # inside the window: no task of its own

    helper = threading.Thread(target=meanwhile)
    helper.start()
    webhooks.nudge_processing(first)  # runs the task here (the queue is immediate in tests)
    helper.join()
    assert queued == [first]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {
        DeliveryStatus.PROCESSED
    }
    assert Order.objects.count() == 2
