"""Fulfilment over the API, against the Tokopedia sandbox over loopback HTTP (and Shopee's
for pickup slots): how an order can ship, arranging it once, self-ship's tracking number, the
labels PDF, the buyer's cancellation request, return decisions per line, and bulk actions
started, polled, retried and downloaded. Who may call what (a Viewer reads, a read-only token
changes nothing), and hostile ids answered 404/422, never 500."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from api_helpers import ApiClient
from django.conf import settings
from django.test import Client
from pypdf import PdfReader

from roles_support import user_with_role
from satustok.api import tokens
from satustok.channels.models import ChannelAccount
from satustok.core.access import Role
from satustok.inventory.models import StockLevel, Warehouse
from satustok.orders import batches, poller
from satustok.orders.models import Order, OrderBatch, StockEffect
from satustok.sync import imports, tasks

pytestmark = pytest.mark.django_db

SHOP_A = 480001
SECONDS = 20  # bound of every poll: generous, a passing run never waits for it


# --- the shop, its orders and the batches -----------------------------------------------------


@pytest.fixture
def shop(fast_sandbox: Any, demo_credentials: Callable[..., Any]) -> ChannelAccount:
    """Demo shop A connected and imported: order lines are linked to master SKUs (returns
    move their stock)."""
    from satustok.channels.connect import connect_shop

    account = connect_shop("tokopedia", demo_credentials(fast_sandbox), str(SHOP_A))
    tasks.run_import_now(imports.start_run(account).pk)
    account.refresh_from_db()
    return account


def products(account: ChannelAccount, count: int) -> list[int]:
    """Products of the shop the import linked to a master SKU, with stock to spare: their
    order lines are linked (a return moves their stock)."""
    linked = account.listings.filter(variant__isnull=False, stock__gt=5).order_by("external_id")
    return [int(pk) for pk in linked.values_list("external_id", flat=True)[:count]]


@pytest.fixture
def buy(fast_sandbox: Any, shop: ChannelAccount) -> Callable[..., list[Order]]:
    """``buy(count, lines=1)``: buyers pay for orders on the sandbox; the poller reads them in."""

    def orders(count: int = 1, lines: int = 1) -> list[Order]:
        items = [{"product_id": pid, "quantity": 1} for pid in products(shop, lines)]
        placed = [fast_sandbox.place_order(SHOP_A, items)["order_id"] for _ in range(count)]
        poller.poll_account(shop.pk, force=True)
        return [Order.objects.get(account=shop, external_id=str(pk)) for pk in placed]

    return orders


def sandbox_status(sandbox: Any, order: Order) -> int:
    return int(sandbox.order(int(order.external_id))["order_status"])


def accepted(api: ApiClient, order: Order) -> dict[str, Any]:
    response = api.post(f"/orders/{order.pk}/accept")
    assert response.status_code == 200, response.content
    return dict(response.json())


def pickup(api: ApiClient, order: Order) -> Any:
    return api.post(f"/orders/{order.pk}/ship", {"method": "pickup"})


def pdf_pages(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def start_batch(
    api: ApiClient, django_capture_on_commit_callbacks: Any
) -> Callable[..., dict[str, Any]]:
    """``start_batch(body)``: POST it (202) and run the queued batch as a commit would."""

    def start(body: dict[str, Any], via: ApiClient | None = None) -> dict[str, Any]:
        with django_capture_on_commit_callbacks(execute=True):
            response = (via or api).post("/order-batches", body)
        assert response.status_code == 202, response.content
        return dict(response.json())

    return start


def finished(api: ApiClient, batch_id: int) -> dict[str, Any]:
    """Poll the batch until it says it is finished (the progress a client would show)."""
    deadline = time.monotonic() + SECONDS
    while True:
        batch = api.get(f"/order-batches/{batch_id}").json()
        if batch["finished"] or time.monotonic() > deadline:
            assert batch["finished"], f"batch {batch_id} never finished: {batch}"
            return dict(batch)
        time.sleep(0.05)


def by_order(batch: dict[str, Any]) -> dict[int, tuple[str, str]]:
    return {item["order"]: (item["state"], item["message"]) for item in batch["items"]}


# --- the order's new fields -------------------------------------------------------------------


def test_the_order_detail_carries_the_fulfilment_fields(
    api: ApiClient, buy: Any, fast_sandbox: Any
) -> None:
    (order,) = buy()
    detail = api.get(f"/orders/{order.pk}").json()
    channel = fast_sandbox.order(int(order.external_id))
    assert detail["ship_by"] is not None, "a new paid order has an accept-by deadline"
    assert detail["recipient"]["name"] and detail["recipient"]["address"]
    assert set(detail["recipient"]) == {"name", "phone", "address"}
    keys = [row["key"] for row in detail["payment"]]
    assert "total" in keys and all(isinstance(row["amount"], int) for row in detail["payment"])
    total = next(row["amount"] for row in detail["payment"] if row["key"] == "total")
    assert total == detail["total"]
    assert detail["courier"], f"the buyer's courier choice is shown: {channel.get('logistics')}"
    assert detail["tracking_number"] == "", "no AWB before the parcel is handed over"
    assert all(isinstance(package, str) for package in detail["packages"])
    assert (detail["cancel_requested"], detail["cancel_reason"]) == (False, "")
    actions = detail["actions"]
    assert actions["can_accept"] and not actions["can_arrange_shipment"]
    assert (actions["ship_methods"], actions["can_print_label"]) == ([], False)
    assert actions["can_answer_cancellation"] is False

    after = accepted(api, order)["actions"]
    assert after["can_arrange_shipment"] and after["can_print_label"]
    assert set(after["ship_methods"]) == {"pickup", "self_ship"}


# --- shipping --------------------------------------------------------------------------------


def test_options_then_pickup_once_and_a_second_ship_is_refused(
    api: ApiClient, buy: Any, fast_sandbox: Any
) -> None:
    (order,) = buy()
    accepted(api, order)
    options = api.get(f"/orders/{order.pk}/shipping-options")
    assert options.status_code == 200, options.content
    by_method = {option["method"]: option for option in options.json()}
    assert set(by_method) == {"pickup", "self_ship"}
    assert by_method["self_ship"]["needs_tracking_number"] is True
    assert by_method["pickup"]["needs_tracking_number"] is False
    assert by_method["pickup"]["slots"] == [], "Tokopedia offers no pickup slots"

    shipped = pickup(api, order)
    assert shipped.status_code == 200, shipped.content
    assert shipped.json()["status"] == "ready_to_ship"
    assert sandbox_status(fast_sandbox, order) == 450, "pickup requested on the channel"
    assert api.get(f"/orders/{order.pk}/shipping-options").json() == []

    again = pickup(api, order)
    assert (again.status_code, again.json()["code"]) == (409, "not_allowed")
    assert again.json()["detail"]


def test_a_ship_the_channel_refuses_answers_409_in_the_channels_words(
    api: ApiClient, buy: Any, fast_sandbox: Any
) -> None:
    """The seller requested pickup in the seller centre; the hub has not heard yet, so it
    sends the call and Tokopedia refuses it: its reason reaches the caller."""
    (order,) = buy()
    accepted(api, order)
    fast_sandbox.move_order(int(order.external_id), 450)
    refused = pickup(api, order)
    assert refused.status_code == 409, refused.content
    body = refused.json()
    assert body["code"] == "action_refused"
    assert "LGS_USC_011" in body["detail"], "Tokopedia's own error code and words"
    assert body["explanation"], "what happened and what to do"
    assert Order.objects.get(pk=order.pk).channel_status == "450", "read back after refusing"


def test_self_ship_needs_a_tracking_number(api: ApiClient, buy: Any, fast_sandbox: Any) -> None:
    (order,) = buy()
    accepted(api, order)
    for blank in ("", "   "):
        missing = api.post(
            f"/orders/{order.pk}/ship", {"method": "self_ship", "tracking_number": blank}
        )
        assert (missing.status_code, missing.json()["code"]) == (422, "tracking_number_required")
    assert sandbox_status(fast_sandbox, order) == 400, "nothing was sent"
    unknown = api.post(f"/orders/{order.pk}/ship", {"method": "teleport"})
    assert unknown.status_code == 422

    shipped = api.post(
        f"/orders/{order.pk}/ship", {"method": "self_ship", "tracking_number": " JNE1234567890 "}
    )
    assert shipped.status_code == 200, shipped.content
    assert shipped.json()["tracking_number"] == "JNE1234567890"
    assert fast_sandbox.order(int(order.external_id))["awb"] == "JNE1234567890"


# --- labels ----------------------------------------------------------------------------------


def test_labels_are_one_pdf_once_shipment_can_be_arranged(
    api: ApiClient, buy: Any, fast_sandbox: Any
) -> None:
    (order,) = buy()
    early = api.post(f"/orders/{order.pk}/labels")
    assert (early.status_code, early.json()["code"]) == (409, "not_allowed")
    accepted(api, order)
    assert pickup(api, order).status_code == 200

    for layout in ("10x15", "a4"):
        response = api.post(f"/orders/{order.pk}/labels", {"layout": layout})
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/pdf"
        assert f"label-{order.pk}.pdf" in response["Content-Disposition"]
        assert pdf_pages(response.content) == 1, "Tokopedia: one label per order"
    assert Order.objects.get(pk=order.pk).labels_printed_at is not None
    assert api.post(f"/orders/{order.pk}/labels", {"layout": "A0"}).status_code == 422
    assert api.get(f"/orders/{order.pk}/labels").status_code == 405, "printing is a POST"


# --- the buyer's cancellation request --------------------------------------------------------


def test_answering_a_cancellation_nobody_asked_for_is_409(api: ApiClient, buy: Any) -> None:
    (order,) = buy()
    accepted(api, order)
    response = api.post(f"/orders/{order.pk}/cancellation", {"approve": True})
    assert (response.status_code, response.json()["code"]) == (409, "no_cancellation_request")
    assert Order.objects.get(pk=order.pk).status == "accepted"


def test_a_cancellation_request_refused_keeps_the_order(
    api: ApiClient, buy: Any, fast_sandbox: Any
) -> None:
    (order,) = buy()
    accepted(api, order)
    fast_sandbox.control("POST", f"orders/{order.external_id}/cancel-request", {"reason": "Salah"})
    detail = api.post(f"/orders/{order.pk}/refresh").json()
    assert detail["cancel_requested"] is True and detail["cancel_reason"]
    assert detail["actions"]["can_answer_cancellation"] is True
    assert api.post(f"/orders/{order.pk}/cancellation", {}).status_code == 422, "approve: required"

    refused = api.post(f"/orders/{order.pk}/cancellation", {"approve": False})
    assert refused.status_code == 200, refused.content
    assert refused.json()["cancel_requested"] is False
    assert refused.json()["status"] == "accepted"
    assert sandbox_status(fast_sandbox, order) == 400


# --- returns ---------------------------------------------------------------------------------


def came_back(api: ApiClient, sandbox: Any, order: Order) -> dict[str, Any]:
    """Shipped, delivered and returned on the channel; the hub reads it again."""
    accepted(api, order)
    assert pickup(api, order).status_code == 200
    for step in ("collect", "deliver"):
        sandbox.control("POST", f"orders/{order.external_id}/{step}")
    sandbox.control("POST", f"orders/{order.external_id}/return", {"items": []})
    detail = api.post(f"/orders/{order.pk}/refresh").json()
    assert detail["status"] == "returned", detail["status"]
    return dict(detail)


def on_hand(warehouse_id: int, sku: str) -> int:
    level = StockLevel.objects.filter(warehouse_id=warehouse_id, variant__sku=sku).first()
    return level.on_hand if level else 0


def test_a_return_is_decided_per_line_once(
    api: ApiClient, buy: Any, fast_sandbox: Any, shop: ChannelAccount
) -> None:
    (order,) = buy(lines=2)
    early = api.post(f"/orders/{order.pk}/return", {"lines": [{"line_id": 1, "choice": "restock"}]})
    assert (early.status_code, early.json()["code"]) == (409, "nothing_to_decide")

    detail = came_back(api, fast_sandbox, order)
    kept, damaged = detail["lines"]
    gudang = Warehouse.objects.create(name="Gudang Retur", code="retur")
    home = shop.warehouse_id
    before = {sku: on_hand(home, sku) for sku in (kept["master_sku"], damaged["master_sku"])}

    unknown = {"line_id": kept["id"], "choice": "restock", "warehouse_id": 987654}
    refused = api.post(f"/orders/{order.pk}/return", {"lines": [unknown]})
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_decision")
    bad_choice = {"line_id": kept["id"], "choice": "burn"}
    assert api.post(f"/orders/{order.pk}/return", {"lines": [bad_choice]}).status_code == 422
    assert api.post(f"/orders/{order.pk}/return", {"lines": []}).status_code == 422
    assert on_hand(gudang.pk, kept["master_sku"]) == 0, "nothing moved"

    decisions = [
        {"line_id": kept["id"], "choice": "restock", "warehouse_id": gudang.pk},
        {"line_id": damaged["id"], "choice": "write_off"},
    ]
    decided = api.post(f"/orders/{order.pk}/return", {"lines": decisions})
    assert decided.status_code == 200, decided.content
    assert decided.json()["stock_effect"] == StockEffect.RESTOCKED
    assert on_hand(gudang.pk, kept["master_sku"]) == kept["quantity"]
    assert {sku: on_hand(home, sku) for sku in before} == before, "home shelf unchanged"
    reasons = [effect["reason"] for effect in decided.json()["stock_effects"]]
    assert reasons.count("return_restock") == 1 and reasons.count("return_write_off") == 1

    twice = api.post(f"/orders/{order.pk}/return", {"lines": decisions})
    assert (twice.status_code, twice.json()["code"]) == (409, "nothing_to_decide")
    assert on_hand(gudang.pk, kept["master_sku"]) == kept["quantity"], "restocked once"


# --- bulk actions ----------------------------------------------------------------------------


def test_a_bulk_accept_reports_per_order_and_a_retry_takes_only_the_failed(
    api: ApiClient, buy: Any, fast_sandbox: Any, start_batch: Any
) -> None:
    orders = buy(3)
    refused = orders[0]
    fast_sandbox.move_order(int(refused.external_id), 0)  # cancelled there; the hub not told
    started = start_batch({"kind": "accept", "order_ids": [o.pk for o in orders]})
    assert (started["kind"], started["total"], started["file"]) == ("accept", 3, None)

    batch = finished(api, started["id"])
    assert (batch["done"], batch["failed"]) == (3, 1)
    result = by_order(batch)
    state, message = result[refused.pk]
    assert state == "failed" and "ORD_USC_001" in message, "the channel's reason"
    assert [result[o.pk][0] for o in orders[1:]] == ["ok", "ok"]
    assert all(result[o.pk][1] for o in orders[1:])
    assert [sandbox_status(fast_sandbox, o) for o in orders[1:]] == [400, 400]

    retry = api.post(f"/order-batches/{batch['id']}/retry")
    assert retry.status_code == 202, retry.content
    assert [item["order"] for item in retry.json()["items"]] == [refused.pk]
    assert OrderBatch.objects.get(pk=retry.json()["id"]).retry_of_id == batch["id"]


def test_retry_needs_failed_orders_and_unknown_ids_are_left_out(
    api: ApiClient, buy: Any, start_batch: Any
) -> None:
    orders = buy(2)
    missing = 2**63 - 1  # no such order: left out, not a failure
    body = {"kind": "accept", "order_ids": [o.pk for o in orders] + [missing]}
    batch = finished(api, start_batch(body)["id"])
    assert (batch["total"], batch["failed"]) == (2, 0)
    assert [item["order"] for item in batch["items"]] == [o.pk for o in orders]
    nothing = api.post(f"/order-batches/{batch['id']}/retry")
    assert (nothing.status_code, nothing.json()["code"]) == (409, "nothing_to_retry")
    assert api.get(f"/order-batches/{batch['id']}/file").status_code == 404, "no file: not labels"


def test_bulk_pickup_then_one_labels_file_to_download(
    api: ApiClient, buy: Any, fast_sandbox: Any, start_batch: Any
) -> None:
    orders = buy(3)
    ids = [o.pk for o in orders]
    unaccepted = start_batch({"kind": "labels", "order_ids": ids[:1], "layout": "a4"})
    early = finished(api, unaccepted["id"])
    assert (early["failed"], early["file"]) == (1, None), "no label before accepting"
    assert "220" in early["items"][0]["message"], "says the status it is at"
    finished(api, start_batch({"kind": "accept", "order_ids": ids})["id"])

    arranged = finished(
        api, start_batch({"kind": "arrange", "order_ids": ids, "method": "pickup"})["id"]
    )
    assert (arranged["done"], arranged["failed"]) == (3, 0), arranged["items"]
    assert [sandbox_status(fast_sandbox, o) for o in orders] == [450, 450, 450]
    again = finished(api, start_batch({"kind": "arrange", "order_ids": ids[:1]})["id"])
    assert again["items"][0]["state"] == "skipped", "already arranged: nothing to do"

    labels = finished(
        api, start_batch({"kind": "labels", "order_ids": ids, "layout": "10x15"})["id"]
    )
    assert labels["failed"] == 0 and labels["file"] == f"/api/order-batches/{labels['id']}/file"
    download = api.get(labels["file"].removeprefix("/api"))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert pdf_pages(download.content) == 3, "one page per order's label"


def test_the_api_starts_only_the_kinds_a_worker_runs() -> None:
    from typing import get_args

    from satustok.api.routes.fulfilment import BulkKind

    assert set(get_args(BulkKind)) == set(batches.WORKERS)


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "explode", "order_ids": [1]},
        {"kind": "picking", "order_ids": [1]},
        {"kind": "cancel", "order_ids": [1]},
        {"kind": "arrange", "order_ids": [1], "method": "teleport"},
        {"kind": "arrange", "order_ids": [1], "method": "self_ship"},
        {"kind": "labels", "order_ids": [1], "layout": "A0"},
        {"kind": "accept", "order_ids": []},
        {"kind": "accept", "order_ids": list(range(1, batches.BATCH_LIMIT + 2))},
        {"kind": "accept", "order_ids": [0]},
        {"kind": "accept", "order_ids": [2**63]},
        {"kind": "accept", "order_ids": ["satu"]},
        {"kind": "accept", "order_ids": [1], "urgent": True},
        {"order_ids": [1]},
    ],
    ids=lambda body: str(body)[:60],
)
def test_a_bad_batch_is_422_and_writes_nothing(api: ApiClient, body: dict[str, Any]) -> None:
    response = api.post("/order-batches", body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] and response.json()["detail"]
    assert not OrderBatch.objects.exists()


# --- who may call what -----------------------------------------------------------------------


def token(client: Client, role: str, *, read_only: bool = False) -> ApiClient:
    user = user_with_role(role, f"{role}-{'ro' if read_only else 'rw'}")
    return ApiClient(client, tokens.issue(user, "tests", read_only=read_only).key)


def writes(order: Order, batch_id: int) -> Iterator[tuple[str, dict[str, Any]]]:
    yield f"/orders/{order.pk}/ship", {"method": "pickup"}
    yield f"/orders/{order.pk}/cancellation", {"approve": True}
    yield f"/orders/{order.pk}/return", {"lines": [{"line_id": 1, "choice": "restock"}]}
    yield "/order-batches", {"kind": "accept", "order_ids": [order.pk]}
    yield f"/order-batches/{batch_id}/retry", {}


@pytest.fixture
def labelled(api: ApiClient, buy: Any, start_batch: Any) -> tuple[Order, dict[str, Any]]:
    """An order with its pickup arranged, and the finished labels batch that printed it."""
    (order,) = buy()
    accepted(api, order)
    assert pickup(api, order).status_code == 200
    batch = finished(api, start_batch({"kind": "labels", "order_ids": [order.pk]})["id"])
    assert batch["file"]
    return order, batch


def test_a_viewer_reads_but_may_not_work_orders_or_download_their_files(
    client: Client, labelled: tuple[Order, dict[str, Any]], fast_sandbox: Any
) -> None:
    order, batch = labelled
    viewer = token(client, Role.VIEWER)
    for path, body in writes(order, batch["id"]):
        refused = viewer.post(path, body)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden"), path
    refused = viewer.post(f"/orders/{order.pk}/labels")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    reads_the_channel = (
        f"/orders/{order.pk}/shipping-options",
        f"/order-batches/{batch['id']}/file",
    )
    for path in reads_the_channel:
        refused = viewer.get(path)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden"), path
    assert viewer.get(f"/order-batches/{batch['id']}").status_code == 200
    assert viewer.get(f"/orders/{order.pk}").status_code == 200
    assert OrderBatch.objects.count() == 1, "no batch was started"
    assert sandbox_status(fast_sandbox, order) == 450


def test_a_read_only_token_changes_nothing(
    client: Client, labelled: tuple[Order, dict[str, Any]]
) -> None:
    order, batch = labelled
    read_only = token(client, Role.OWNER, read_only=True)
    for path, body in writes(order, batch["id"]):
        refused = read_only.post(path, body)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden"), path
    assert OrderBatch.objects.count() == 1


# --- hostile ids -----------------------------------------------------------------------------

HOSTILE = ["0", "-1", str(2**63), str(2**64 + 1), "satu", "1e3", "1.5", "%00"]


def id_routes(order_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    line = {"lines": [{"line_id": 1, "choice": "restock"}]}
    return [
        ("get", f"/orders/{order_id}/shipping-options", None),
        ("post", f"/orders/{order_id}/ship", {"method": "pickup"}),
        ("post", f"/orders/{order_id}/labels", {}),
        ("post", f"/orders/{order_id}/cancellation", {"approve": False}),
        ("post", f"/orders/{order_id}/return", line),
        ("get", f"/order-batches/{order_id}", None),
        ("post", f"/order-batches/{order_id}/retry", {}),
        ("get", f"/order-batches/{order_id}/file", None),
    ]


def call(api: ApiClient, method: str, path: str, body: dict[str, Any] | None) -> Any:
    return api.get(path) if method == "get" else api.post(path, body)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_ids_are_422(api: ApiClient, hostile: str) -> None:
    for method, path, body in id_routes(hostile):
        response = call(api, method, path, body)
        assert response.status_code in (404, 422), (path, response.status_code)
        assert response.status_code != 404 or response.json()["code"] == "not_found"


def test_ids_of_nothing_are_404(api: ApiClient) -> None:
    for method, path, body in id_routes(str(2**63 - 1)):
        response = call(api, method, path, body)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path


def test_staff_of_another_warehouse_may_not_ship_the_order(
    client: Client, api: ApiClient, buy: Any, fast_sandbox: Any
) -> None:
    """The services check the warehouse behind the route's role check, as on the order page:
    a Staff user working only in another warehouse is refused, and nothing is sent."""
    from satustok.inventory.access import set_warehouses

    (order,) = buy()
    accepted(api, order)
    user = user_with_role(Role.STAFF, "staf-b")
    set_warehouses(user, [Warehouse.objects.create(name="Gudang B", code="gudang-b")])
    staff = ApiClient(client, tokens.issue(user, "tests").key)
    for response in (
        pickup(staff, order),
        staff.post(f"/orders/{order.pk}/labels"),
        staff.get(f"/orders/{order.pk}/shipping-options"),
    ):
        assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert sandbox_status(fast_sandbox, order) == 400


# --- Shopee: pickup slots, and a refusal in Shopee's words -------------------------------------


@pytest.fixture
def shopee_order(fast_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Order]:
    """A paid order of the demo Shopee shop (connected and imported), read in by the poller."""
    from channel_worlds import ShopeeWorld

    shopee = fast_sandbox.shopee
    shopee.reset()
    monkeypatch.setattr(settings, "SHOPEE_API_URL", shopee.base_url)
    world = ShopeeWorld(shopee)
    account = world.connect()
    listing = account.listings.filter(variant__isnull=False, stock__gt=5).order_by("sku").first()
    assert listing is not None
    order_sn = world.place_order(listing.sku, 1)
    poller.poll_account(account.pk, force=True)
    return shopee, Order.objects.get(account=account, external_id=order_sn)


def test_shopee_pickup_in_a_slot_then_a_label_and_a_second_ship_refused(
    api: ApiClient, shopee_order: tuple[Any, Order]
) -> None:
    shopee, order = shopee_order
    options = api.get(f"/orders/{order.pk}/shipping-options")
    assert options.status_code == 200, options.content
    by_method = {option["method"]: option for option in options.json()}
    assert "pickup" in by_method, by_method
    slots = by_method["pickup"]["slots"]
    assert slots and all(slot["id"] and slot["label"] for slot in slots)
    early = api.post(f"/orders/{order.pk}/labels")
    assert (early.status_code, early.json()["code"]) == (409, "not_allowed")

    slot = slots[-1]["id"]
    shipped = api.post(f"/orders/{order.pk}/ship", {"method": "pickup", "slot_id": slot})
    assert shipped.status_code == 200, shipped.content
    assert shipped.json()["status"] == "ready_to_ship"
    shipment = shopee.order(order.external_id)["shipment"]
    assert (shipment["method"], shipment["pickup_time_id"]) == ("pickup", slot), "as chosen"

    labels = api.post(f"/orders/{order.pk}/labels", {"layout": "a4"})
    assert labels.status_code == 200, labels.content
    assert labels["Content-Type"] == "application/pdf"
    packages = api.get(f"/orders/{order.pk}").json()["packages"]
    assert pdf_pages(labels.content) == max(1, len(packages)), "one airway bill per package"

    # Shipped again behind the hub's back is refused by Shopee, in its words.
    Order.objects.filter(pk=order.pk).update(channel_status="READY_TO_SHIP")
    again = api.post(f"/orders/{order.pk}/ship", {"method": "pickup", "slot_id": slot})
    assert again.status_code == 409, again.content
    assert again.json()["code"] == "action_refused"
    assert "package_already_shipped" in again.json()["detail"], "Shopee's own error and words"
    assert Order.objects.get(pk=order.pk).channel_status != "READY_TO_SHIP", "read back"
