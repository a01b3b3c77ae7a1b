"""The task queue: stock pushes go ahead of waiting work on both storages, and a Redis queue
left by a release without priorities (a plain list) is taken over on start, nothing lost."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from huey.contrib.djhuey import HUEY
from huey.storage import PriorityRedisStorage, RedisStorage, SqliteStorage
from ops_helpers import redis_or_skip

from satustok.core import queue
from satustok.orders.tasks import process_webhook
from satustok.sync.tasks import push_stock

pytestmark = pytest.mark.dbless

SCRATCH_REDIS = "redis://127.0.0.1:6379/13"  # a database number of its own: flushed here


@pytest.fixture(params=["sqlite", "redis"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The app's Huey on each storage the settings can choose, not running tasks inline."""
    if request.param == "redis":
        redis_or_skip()
        made: Any = PriorityRedisStorage(f"test-{uuid.uuid4().hex[:8]}", url=SCRATCH_REDIS)
    else:
        made = SqliteStorage("satustok", filename=str(tmp_path / "queue.sqlite3"))
    saved = HUEY._immediate, HUEY.storage
    HUEY._immediate, HUEY.storage = False, made
    yield made
    made.flush_all()
    HUEY._immediate, HUEY.storage = saved


def test_the_configured_queues_keep_priorities(tmp_path: Path) -> None:
    sqlite = queue.huey_settings("", tmp_path)
    redis = queue.huey_settings("redis://127.0.0.1:6379/0", tmp_path)
    assert sqlite["huey_class"] == "huey.SqliteHuey"
    assert redis["huey_class"] == "huey.PriorityRedisHuey"
    assert redis["name"] != queue.LIST_QUEUE_NAME  # never the older list's key


def test_a_sqlite_queue_has_nothing_to_take_over(tmp_path: Path) -> None:
    sqlite = SqliteStorage("satustok", filename=str(tmp_path / "queue.sqlite3"))
    assert queue.adopt_list_queue(sqlite) == 0


def test_a_push_queued_behind_webhook_batches_runs_first(storage: Any) -> None:
    for delivery_id in range(1, 4):
        process_webhook(delivery_id)
    push_stock(7)
    process_webhook(4)
    order = [(task.name, task.args) for task in iter(HUEY.dequeue, None)]
    assert order[0] == ("push_stock", (7,))
    assert [args for name, args in order[1:]] == [(1,), (2,), (3,), (4,)]  # the rest in order


def test_a_list_queue_of_an_earlier_release_is_taken_over() -> None:
    redis_or_skip()
    earlier = RedisStorage(queue.LIST_QUEUE_NAME, url=SCRATCH_REDIS)  # what releases before used
    earlier.conn.flushdb()
    try:
        for n in range(3):
            earlier.enqueue(f"waiting-{n}".encode())
        earlier.add_to_schedule(b"scheduled", datetime.now(UTC) + timedelta(minutes=10))
        now = PriorityRedisStorage(queue.REDIS_NAME, url=SCRATCH_REDIS)

        assert queue.adopt_list_queue(now) == 4
        assert now.enqueued_items() == [b"waiting-0", b"waiting-1", b"waiting-2"]  # in order
        assert now.schedule_size() == 1 and now.read_schedule(datetime.now(UTC) + HOUR)
        assert earlier.queue_size() == 0 and earlier.schedule_size() == 0
        assert queue.adopt_list_queue(now) == 0  # a second process starting finds nothing
        assert queue.adopt_list_queue(earlier) == 0  # only a queue with priorities adopts
    finally:
        earlier.conn.flushdb()


HOUR = timedelta(hours=1)
