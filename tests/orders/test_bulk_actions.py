"""Bulk actions over many orders (``orders.batches``) against the Tokopedia sandbox over HTTP:
each order gets its own result; an order the buyer cancelled and one the channel refuses fail
with the reason while the others go on; a retry takes only the failed ones; labels become one
PDF; a batch run twice acts once per order; a user limited to other warehouses is refused per
order."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation
from orders_helpers import SHOP_A
from pypdf import PdfReader

from roles_support import user_with_role
from satustok.channels.models import ChannelAccount
from satustok.core import activity
from satustok.core.access import Role
from satustok.inventory.access import set_warehouses
from satustok.inventory.models import Warehouse
from satustok.orders import batches, poller, tasks
from satustok.orders.models import BatchItem, BatchKind, ItemState, Order, OrderBatch, OrderStatus

SKU = "SB-MSK-SDM-050"  # a demo shop A listing with stock to spare


def new_orders(sandbox: Any, account: ChannelAccount, count: int) -> list[Order]:
    placed = [
        sandbox.place_order(SHOP_A, [{"sku": SKU, "quantity": 1}])["order_id"] for _ in range(count)
    ]
    poller.poll_account(account.pk, force=True)
    return [Order.objects.get(account=account, external_id=str(pk)) for pk in placed]


def run(kind: str, orders: list[Order], capture: Any, **params: Any) -> OrderBatch:
    """Start a batch; the queue runs inline once the transaction would commit."""
    with capture(execute=True):
        batch = batches.start(kind, [order.pk for order in orders], params=params)
    batch.refresh_from_db()
    return batch


def states(batch: OrderBatch) -> dict[str, tuple[str, str]]:
    return {
        item.order.external_id: (item.state, item.message)
        for item in batch.items.select_related("order")
    }


def test_bulk_accept_reports_each_order_and_finishes_the_others(
    sandbox: Any, shop_a: ChannelAccount, django_capture_on_commit_callbacks: Any
) -> None:
    orders = new_orders(sandbox, shop_a, 5)
    cancelled, accepted_elsewhere = orders[0], orders[1]
    sandbox.move_order(int(cancelled.external_id), 15)  # the buyer cancelled: hub knows by poll
    poller.poll_account(shop_a.pk, force=True)
    sandbox.move_order(int(accepted_elsewhere.external_id), 0)  # cancelled, hub not told

    batch = run(BatchKind.ACCEPT, orders, django_capture_on_commit_callbacks)

    assert batch.finished and (batch.total, batch.done, batch.failed) == (5, 5, 2)
    result = states(batch)
    assert result[cancelled.external_id][0] == ItemState.FAILED
    assert "dibatalkan" in result[cancelled.external_id][1], "in the seller's language"
    refused_state, refused_reason = result[accepted_elsewhere.external_id]
    assert refused_state == ItemState.FAILED and "ORD_USC_001" in refused_reason
    for order in orders[2:]:
        assert result[order.external_id][0] == ItemState.OK
        assert sandbox.order(int(order.external_id))["order_status"] == 400
    accepted_elsewhere.refresh_from_db()
    assert accepted_elsewhere.status == OrderStatus.CANCELLED, "read back after the refusal"


def test_retry_takes_only_the_failed_orders(
    sandbox: Any, shop_a: ChannelAccount, django_capture_on_commit_callbacks: Any
) -> None:
    orders = new_orders(sandbox, shop_a, 3)
    sandbox.move_order(int(orders[0].external_id), 0)
    first = run(BatchKind.ACCEPT, orders, django_capture_on_commit_callbacks)
    assert first.failed == 1

    with django_capture_on_commit_callbacks(execute=True):
        retry = batches.retry_failed(first)
    retry.refresh_from_db()
    assert retry.retry_of == first and retry.total == 1
    assert list(retry.items.values_list("order_id", flat=True)) == [orders[0].pk]


def test_a_batch_run_again_acts_once_per_order(
    sandbox: Any, shop_a: ChannelAccount, django_capture_on_commit_callbacks: Any
) -> None:
    orders = new_orders(sandbox, shop_a, 2)
    batch = run(BatchKind.ACCEPT, orders, django_capture_on_commit_callbacks)
    calls = len(sandbox.calls())
    again = batches.run(batch.pk)
    assert (again.done, again.failed) == (2, 0)
    assert len(sandbox.calls()) == calls, "a finished batch calls nothing"


def test_bulk_pickup_then_one_labels_pdf(
    sandbox: Any, shop_a: ChannelAccount, django_capture_on_commit_callbacks: Any
) -> None:
    orders = new_orders(sandbox, shop_a, 4)
    run(BatchKind.ACCEPT, orders, django_capture_on_commit_callbacks)
    arranged = run(
        BatchKind.ARRANGE_SHIPMENT, orders, django_capture_on_commit_callbacks, method="pickup"
    )
    assert arranged.failed == 0, states(arranged)
    labels = run(BatchKind.LABELS, orders, django_capture_on_commit_callbacks, layout="10x15")
    assert labels.failed == 0, states(labels)
    path = batches.batch_file(labels)
    assert path is not None and len(PdfReader(path).pages) == 4
    assert Order.objects.filter(pk__in=[o.pk for o in orders], labels_printed_at__isnull=False)
    assert oct(path.stat().st_mode & 0o777) == "0o600", "exports are private to the hub"


def test_labels_before_shipment_is_arranged_fail_per_order(
    sandbox: Any, shop_a: ChannelAccount, django_capture_on_commit_callbacks: Any
) -> None:
    orders = new_orders(sandbox, shop_a, 2)
    batch = run(BatchKind.LABELS, orders, django_capture_on_commit_callbacks, layout="a4")
    assert (batch.done, batch.failed) == (2, 2) and batches.batch_file(batch) is None


def test_a_user_limited_to_another_warehouse_is_refused_per_order(
    sandbox: Any,
    shop_a: ChannelAccount,
    django_capture_on_commit_callbacks: Any,
) -> None:
    orders = new_orders(sandbox, shop_a, 2)
    staff = user_with_role(Role.STAFF, "staf-gudang-b")
    set_warehouses(staff, [Warehouse.objects.create(name="Gudang B", code="gudang-b")])
    acting_as_staff = activity.acting(lambda: activity.actor_for(staff, "ui"))
    with acting_as_staff, django_capture_on_commit_callbacks(execute=True):
        batch = batches.start(BatchKind.ACCEPT, [o.pk for o in orders], user=staff)
    batch.refresh_from_db()
    assert batch.failed == 2
    assert all(sandbox.order(int(o.external_id))["order_status"] == 220 for o in orders)


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("explode", {}),
        (BatchKind.ARRANGE_SHIPMENT, {"method": "teleport"}),
        ("labels", {"layout": "A0"}),
    ],
)
def test_a_bad_batch_is_refused_before_anything_is_written(
    catalog: Any, kind: str, params: dict[str, str]
) -> None:
    with pytest.raises(batches.BatchRefused):
        batches.start(kind, [1], params=params)
    assert not OrderBatch.objects.exists()


def test_an_empty_or_huge_selection_is_refused(catalog: Any) -> None:
    with pytest.raises(batches.BatchRefused):
        batches.start(BatchKind.ACCEPT, [])
    with pytest.raises(batches.BatchRefused):
        batches.start(BatchKind.ACCEPT, range(1, batches.BATCH_LIMIT + 2))
    assert not OrderBatch.objects.exists()


def test_a_batch_whose_worker_died_is_resumed_by_the_sweep(
    sandbox: Any, shop_a: ChannelAccount
) -> None:
    orders = new_orders(sandbox, shop_a, 2)
    batch = batches.start(BatchKind.ACCEPT, [o.pk for o in orders])  # never committed: no task
    assert batches.unfinished() == [], "a fresh batch is not stale"
    OrderBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert batches.unfinished() == [batch.pk]
    tasks.resume_batches.call_local()
    batch.refresh_from_db()
    assert batch.finished and batch.done == 2 and batches.unfinished() == []


def test_old_label_files_are_purged(settings: Any, tmp_path: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("SATUSTOK_DATA_DIR", str(tmp_path))
    exports = tmp_path / "exports"
    exports.mkdir()
    old, new = exports / "labels-1-aa.pdf", exports / "labels-2-bb.pdf"
    for path in (old, new):
        path.write_bytes(b"%PDF-1.4")
    week_ago = time.time() - 8 * 86_400
    os.utime(old, (week_ago, week_ago))
    assert batches.purge_files() == 1
    assert not old.exists() and new.exists()


def test_a_batch_held_by_a_live_worker_is_left_to_it(sandbox: Any, shop_a: ChannelAccount) -> None:
    orders = new_orders(sandbox, shop_a, 2)
    batch = batches.start(BatchKind.ACCEPT, [o.pk for o in orders])
    OrderBatch.objects.filter(pk=batch.pk).update(beat_at=timezone.now())  # another worker
    calls = len(sandbox.calls())
    batches.run(batch.pk)
    batch.refresh_from_db()
    assert batch.done == 0 and len(sandbox.calls()) == calls, "no order called twice"
    assert batches.unfinished() == [], "a live worker's batch is not resumed"
    OrderBatch.objects.filter(pk=batch.pk).update(beat_at=timezone.now() - timedelta(hours=1))
    assert batches.unfinished() == [batch.pk]
    assert batches.run(batch.pk).done == 2


def test_a_resumed_labels_batch_still_prints_every_label(
    sandbox: Any, shop_a: ChannelAccount, django_capture_on_commit_callbacks: Any
) -> None:
    orders = new_orders(sandbox, shop_a, 4)
    run(BatchKind.ACCEPT, orders, django_capture_on_commit_callbacks)
    run(BatchKind.ARRANGE_SHIPMENT, orders, django_capture_on_commit_callbacks, method="pickup")
    batch = batches.start(BatchKind.LABELS, [o.pk for o in orders], params={"layout": "10x15"})
    # A first worker printed two, then died: their items are done, its sheet is gone.
    done_before = list(batch.items.order_by("id")[:2])
    for item in done_before:
        BatchItem.objects.filter(pk=item.pk).update(state=ItemState.OK, finished_at=timezone.now())
    OrderBatch.objects.filter(pk=batch.pk).update(
        done=2, beat_at=timezone.now() - timedelta(hours=1)
    )

    resumed = batches.run(batch.pk)
    path = batches.batch_file(resumed)
    assert resumed.finished and resumed.done == 4 and not resumed.error
    assert path is not None and len(PdfReader(path).pages) == 4


def test_an_unexpected_error_fails_its_order_only(
    sandbox: Any, shop_a: ChannelAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders = new_orders(sandbox, shop_a, 3)
    broken = orders[0].pk
    accept = batches.actions.accept

    def accept_or_break(order: Order) -> Order:
        if order.pk == broken:
            raise ValueError("a bug")
        return accept(order)

    monkeypatch.setattr(batches.actions, "accept", accept_or_break)
    batch = batches.run(batches.start(BatchKind.ACCEPT, [o.pk for o in orders]).pk)
    assert batch.finished and (batch.done, batch.failed) == (3, 1)
    item = batch.items.get(order_id=broken)
    assert item.state == ItemState.FAILED and "ValueError" in item.message


def test_orders_deleted_since_are_refused_or_reported(sandbox: Any, shop_a: ChannelAccount) -> None:
    orders = new_orders(sandbox, shop_a, 2)
    batch = batches.start(BatchKind.ACCEPT, [o.pk for o in orders])
    Order.objects.filter(pk=orders[0].pk).delete()  # its item goes with it (cascade)
    assert batches.run(batch.pk).done == 1
    Order.objects.filter(pk=orders[1].pk).delete()
    with pytest.raises(batches.BatchRefused):
        batches.start(BatchKind.ACCEPT, [o.pk for o in orders])


def test_results_are_written_in_the_language_of_who_started_it(
    sandbox: Any, shop_a: ChannelAccount
) -> None:
    orders = new_orders(sandbox, shop_a, 1)
    sandbox.move_order(int(orders[0].external_id), 15)
    poller.poll_account(shop_a.pk, force=True)
    with translation.override("en"):
        batch = batches.start(BatchKind.ACCEPT, [orders[0].pk])
    batches.run(batch.pk)  # the worker's own language is the default (Bahasa Indonesia)
    assert batch.items.get().message.startswith("The order is cancelled")
