"""The real queue: a Huey consumer (worker threads) on the SQLite queue file and on Redis runs
the import, the push after *Push stock* is switched on, and the push a sale nudges — the path
`make run` and `satustok worker` take. Redis must be there under CI=true."""

from __future__ import annotations

import os
import signal
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from huey.contrib.djhuey import HUEY
from huey.storage import PriorityRedisStorage, SqliteStorage

from satustok.catalog.models import Variant
from satustok.channels.connect import connect_shop
from satustok.channels.models import ChannelAccount
from satustok.inventory import stock
from satustok.sync import imports, pusher, tasks
from satustok.sync.models import ImportRun, RunState

pytestmark = pytest.mark.django_db(transaction=True)

REDIS = ("127.0.0.1", 6379)


def redis_available() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def queue_storage(kind: str, tmp_path: Path) -> Any:
    name = f"satustok-test-{uuid.uuid4().hex[:8]}"
    if kind == "sqlite":
        return SqliteStorage(name, filename=str(tmp_path / "queue.sqlite3"))
    if not redis_available():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("Redis is not reachable at 127.0.0.1:6379 (CI=true requires it)")
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    return PriorityRedisStorage(name, url="redis://127.0.0.1:6379/15")  # as settings.HUEY


@pytest.fixture(params=["sqlite", "redis"])
def consumer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Point the app's Huey at a real queue and run two worker threads on it."""
    saved = (
        HUEY._immediate,
        HUEY.storage,
        signal.getsignal(signal.SIGINT),
        signal.getsignal(signal.SIGTERM),
    )
    HUEY._immediate, HUEY.storage = False, queue_storage(request.param, tmp_path)
    worker = HUEY.create_consumer(workers=2, worker_type="thread", periodic=False)
    worker.start()
    yield request.param
    worker.stop(graceful=True)
    HUEY.storage.flush_all()
    HUEY._immediate, HUEY.storage = saved[0], saved[1]
    signal.signal(signal.SIGINT, saved[2])
    signal.signal(signal.SIGTERM, saved[3])


def eventually(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"not reached within {seconds}s: {check.__doc__ or check}")


def imported(account: ChannelAccount) -> ImportRun:
    run = imports.start_run(account)
    tasks.run_import(run.pk)  # enqueued: a worker runs it
    eventually(lambda: ImportRun.objects.get(pk=run.pk).state == RunState.DONE)
    return ImportRun.objects.get(pk=run.pk)


def test_a_sale_reaches_the_other_shop_through_the_queue(
    consumer: str, fast_sandbox: Any, demo_credentials: Callable[..., Any]
) -> None:
    shop_a, shop_b = (
        connect_shop("tokopedia", demo_credentials(fast_sandbox), str(s)) for s in (480001, 480002)
    )
    imported(shop_a)
    assert imported(shop_b).counts["linked"] > 0
    variant = (
        Variant.objects.filter(listings__account=shop_a)
        .filter(listings__account=shop_b)
        .order_by("sku_key")
        .first()
    )
    listing_b = variant.listings.get(account=shop_b)  # type: ignore[union-attr]

    def shop_b_shows(quantity: int) -> Callable[[], bool]:
        return lambda: int(fast_sandbox.product(int(listing_b.external_id))["stock"]) == quantity

    pusher.set_push_stock(shop_b, True)  # pushes everything once, through the queue
    eventually(shop_b_shows(stock.available(shop_b.warehouse_id, variant.pk)))  # type: ignore[union-attr]
    stock.reserve(shop_a.warehouse_id, variant.pk, 2, reference="order on shop A")  # type: ignore[union-attr]
    eventually(shop_b_shows(stock.available(shop_b.warehouse_id, variant.pk)))  # type: ignore[union-attr]

    def nothing_left_to_push() -> bool:
        return not shop_b.listings.filter(needs_push=True, variant__isnull=False).exists()

    eventually(nothing_left_to_push)
