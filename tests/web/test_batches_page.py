"""Bulk actions from the order list: the bulk bar starts a batch over the ticked orders or over
every order of the filter, the batch page shows each order's result in the channel's words
(with a progress partial that stops polling once finished) and retries the failed ones, the
file a batch made is downloaded only by those who work orders, and a Viewer starts nothing."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from channel_worlds import TokopediaWorld
from roles_support import an_integration, user_with_role
from satustok.channels.models import ChannelAccount
from satustok.core.access import Role
from satustok.core.datadir import data_dir
from satustok.orders import poller
from satustok.orders.models import (
    BatchItem,
    BatchKind,
    ItemState,
    Order,
    OrderBatch,
    OrderStatus,
)

pytestmark = pytest.mark.django_db

SHOP = 480001
SKU = "SB-MSK-SDM-050"


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(user_with_role(Role.STAFF))
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def three_orders(fast_sandbox: Any) -> tuple[TokopediaWorld, ChannelAccount, list[Order]]:
    """Three new orders on the sandbox; the buyer cancelled the last one since the hub read it."""
    world = TokopediaWorld(fast_sandbox)
    account = world.connect(SHOP)
    world.shop_id = SHOP
    placed = [world.place_order(SKU, 1) for _ in range(3)]
    poller.poll_account(account.pk, force=True)
    orders = [Order.objects.get(account=account, external_id=e) for e in placed]
    world.cancel_order(placed[-1])
    Order.objects.filter(pk=orders[-1].pk).update(cancel_reason="")  # the hub has not seen it
    return world, account, orders


def test_bulk_accept_over_the_filter_reports_each_order(
    three_orders: tuple[TokopediaWorld, ChannelAccount, list[Order]],
    staff: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    world, account, orders = three_orders
    form = {"action": "accept", "scope": "filter", "tab": "open", "integration": str(account.pk)}
    in_filter = set(
        Order.objects.filter(account=account, status=OrderStatus.OPEN).values_list("pk", flat=True)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("web:orders_bulk"), form)
    batch = OrderBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "web:order_batch", args=[batch.pk]
    )
    assert batch.kind == BatchKind.ACCEPT and batch.finished
    assert set(batch.items.values_list("order_id", flat=True)) == in_filter
    states = dict(BatchItem.objects.filter(batch=batch).values_list("order_id", "state"))
    assert states[orders[0].pk] == states[orders[1].pk] == ItemState.OK
    assert states[orders[2].pk] == ItemState.FAILED  # cancelled by the buyer meanwhile
    for order in orders[:2]:
        assert world.sandbox.order(int(order.external_id))["order_status"] == 400

    html = staff.get(reverse("web:order_batch", args=[batch.pk])).content.decode()
    failed = BatchItem.objects.get(batch=batch, state=ItemState.FAILED)
    assert f'data-item="{orders[2].external_id}" data-state="failed"' in html
    assert failed.message and failed.message.split(".")[0] in html  # the channel's reason
    assert 'data-testid="batch-retry"' in html and "hx-get" not in html  # finished: no polling
    progress = staff.get(reverse("web:order_batch_progress", args=[batch.pk]))
    assert progress.headers.get("HX-Refresh") == "true"

    with django_capture_on_commit_callbacks(execute=True):
        again = staff.post(reverse("web:order_batch_retry", args=[batch.pk]))
    retry = OrderBatch.objects.exclude(pk=batch.pk).get()
    assert again["Location"] == reverse("web:order_batch", args=[retry.pk])
    assert retry.retry_of_id == batch.pk and retry.total == 1
    listing = staff.get(reverse("web:order_batches")).content.decode()
    assert f'data-batch="{batch.pk}"' in listing and f'data-batch="{retry.pk}"' in listing


def test_ticked_orders_only_and_the_progress_polls_while_working(
    staff: Client, django_capture_on_commit_callbacks: Any
) -> None:
    account = an_integration()
    orders = [
        Order.objects.create(
            account=account,
            external_id=str(n),
            status=OrderStatus.READY_TO_SHIP,
            channel_status="400",
            ordered_at=timezone.now(),
        )
        for n in range(4)
    ]
    form = {"action": "labels_a4", "order": [str(orders[1].pk), str(orders[3].pk), "x", "0"]}
    # Not committed: the batch waits, as it does while a worker has not taken it yet.
    response = staff.post(reverse("web:orders_bulk"), form)
    batch = OrderBatch.objects.get()
    assert response.status_code == 302 and batch.params["layout"] == "a4"
    assert set(batch.items.values_list("order_id", flat=True)) == {orders[1].pk, orders[3].pk}
    html = staff.get(reverse("web:order_batch", args=[batch.pk])).content.decode()
    assert "hx-get" in html and 'hx-trigger="every 1s"' in html and "<script>" not in html
    partial = staff.get(reverse("web:order_batch_progress", args=[batch.pk]))
    assert partial.status_code == 200 and 'data-done="0"' in partial.content.decode()


@pytest.mark.parametrize(
    "form",
    [
        {"action": "accept"},  # nothing ticked
        {"action": "launch", "order": "1"},
        {"action": "pickup", "order": ["99999999999999999999999", "\x00"]},
    ],
)
def test_a_bulk_post_without_a_selection_is_a_message(staff: Client, form: dict[str, Any]) -> None:
    response = staff.post(reverse("web:orders_bulk"), form, follow=True)
    assert response.status_code == 200 and 'class="alert error"' in response.content.decode()
    assert not OrderBatch.objects.exists()


def test_a_viewer_starts_nothing_and_downloads_nothing(client: Client) -> None:
    account = an_integration()
    order = Order.objects.create(
        account=account,
        external_id="1",
        status=OrderStatus.OPEN,
        channel_status="220",
        ordered_at=timezone.now(),
    )
    client.force_login(user_with_role(Role.VIEWER))
    form = {"action": "accept", "order": str(order.pk)}
    assert client.post(reverse("web:orders_bulk"), form).status_code == 403
    assert not OrderBatch.objects.exists()
    batch = _labels_batch(order)
    assert client.get(reverse("web:order_batch", args=[batch.pk])).status_code == 200
    assert client.get(reverse("web:order_batch_file", args=[batch.pk])).status_code == 403
    assert client.post(reverse("web:order_batch_retry", args=[batch.pk])).status_code == 403


def test_the_labels_file_is_its_batchs_own(staff: Client) -> None:
    order = Order.objects.create(
        account=an_integration(),
        external_id="1",
        status=OrderStatus.READY_TO_SHIP,
        channel_status="400",
        ordered_at=timezone.now(),
    )
    batch = _labels_batch(order)
    html = staff.get(reverse("web:order_batch", args=[batch.pk])).content.decode()
    assert 'data-testid="batch-file"' in html
    response = staff.get(reverse("web:order_batch_file", args=[batch.pk]))
    assert response.status_code == 200 and response.content == b"%PDF-1.4 labels"
    assert response["Content-Type"] == "application/pdf"
    without = OrderBatch.objects.create(kind=BatchKind.LABELS, finished_at=timezone.now())
    assert staff.get(reverse("web:order_batch_file", args=[without.pk])).status_code == 404
    sneaky = OrderBatch.objects.create(
        kind=BatchKind.LABELS, finished_at=timezone.now(), file_name="../keys.json"
    )
    assert staff.get(reverse("web:order_batch_file", args=[sneaky.pk])).status_code == 404
    assert staff.get(reverse("web:order_batch_file", args=[10**12])).status_code == 404


def test_the_picking_list_is_answered_at_once(staff: Client) -> None:
    order = Order.objects.create(
        account=an_integration(),
        external_id="1",
        status=OrderStatus.OPEN,
        channel_status="220",
        ordered_at=timezone.now(),
    )
    order.lines.create(external_product_id="1", sku="KAOS-M", name="Kaos", quantity=3)
    form = {"action": "picking_csv", "order": str(order.pk)}
    response = staff.post(reverse("web:orders_bulk"), form)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert any("KAOS-M" in row and "3" in row for row in rows)
    pdf = staff.post(reverse("web:orders_bulk"), {**form, "action": "picking_pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert not OrderBatch.objects.exists()  # immediate: no batch


def test_retry_with_nothing_failed_is_a_message_not_an_error(staff: Client) -> None:
    running = OrderBatch.objects.create(kind=BatchKind.ACCEPT, total=1)
    done = OrderBatch.objects.create(
        kind=BatchKind.ACCEPT, total=1, done=1, finished_at=timezone.now()
    )
    for batch in (running, done):
        response = staff.post(reverse("web:order_batch_retry", args=[batch.pk]), follow=True)
        assert response.status_code == 200
        assert "No failed orders to retry" in response.content.decode()
    assert OrderBatch.objects.count() == 2, "nothing new started"


def _labels_batch(order: Order) -> OrderBatch:
    batch = OrderBatch.objects.create(
        kind=BatchKind.LABELS,
        params={"layout": "10x15"},
        total=1,
        done=1,
        finished_at=timezone.now(),
        file_name=f"labels-test-{order.pk}.pdf",
    )
    BatchItem.objects.create(batch=batch, order=order, state=ItemState.OK)
    exports = data_dir() / "exports"
    exports.mkdir(exist_ok=True)
    (exports / batch.file_name).write_bytes(b"%PDF-1.4 labels")
    return batch
