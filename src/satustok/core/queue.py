"""The task queue (Huey): a SQLite file in the data directory by default, Redis for several
machines — both with priorities, so that a stock push queued behind a backlog of webhook
processing runs next (the sale reaches the other shops while the backlog drains, not after).

On Redis a queue with priorities is a sorted set, where earlier releases kept a plain list
under the same name; the queue is therefore named :data:`REDIS_NAME`, and a starting process
moves whatever the older release left queued or scheduled (:func:`adopt_list_queue`), so an
upgrade loses no work and old processes still running never meet a key of the wrong type.

Workers on the SQLite queue poll it; those of ``satustok run`` and ``satustok worker`` also
wake the moment their own process queues a task (``core/wakeup.py``), so a hop through the
queue waits for no poll.

The queue holds pickled tasks, and a worker unpickles whatever it finds: anyone who can write
to the queue runs code in every worker. The SQLite queue file is therefore private (0600, like
the data directory) and a Redis queue must ask for a password — ``core/checks.py`` refuses one
without in production mode (docs/operations.md, "Running on the internet").
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from satustok.core.datadir import private_file
from satustok.core.deploy import is_redis_url

log = logging.getLogger(__name__)

NAME = "satustok"  # the SQLite queue (that table has always had a priority column)
REDIS_NAME = "satustok-priority"  # cleaned by Huey to "satustokpriority"
LIST_QUEUE_NAME = "satustok"  # the Redis list of releases before priorities

PUSH_PRIORITY = 10  # stock pushes; every other task has 0


def huey_settings(url: str, data_dir: Path) -> dict[str, Any]:
    """``settings.HUEY`` for ``SATUSTOK_QUEUE_URL`` (empty: the SQLite file)."""
    common = {"immediate": False, "results": False, "utc": True}
    if is_redis_url(url):  # redis:// or rediss:// (TLS)
        return {**common, "name": REDIS_NAME, "huey_class": "huey.PriorityRedisHuey", "url": url}
    return {
        **common,
        "name": NAME,
        "huey_class": "huey.SqliteHuey",
        "filename": str(private_file(data_dir / "queue.sqlite3")),
    }


def backend_name(storage: Any) -> str:
    """``sqlite`` or ``redis``: what an operator configured, whatever Huey's class is called."""
    name = type(storage).__name__.removesuffix("Storage").removeprefix("Priority")
    return name.lower()


def adopt_list_queue(storage: Any) -> int:
    """Move the tasks of the older list queue on the same Redis into ``storage`` (a priority
    queue): waiting ones in their order, scheduled ones at their times. Returns how many.
    Safe with several processes starting at once: each task is popped by one of them."""
    from huey.storage import RedisStorage

    if not (isinstance(storage, RedisStorage) and storage.priority):
        return 0
    conn = storage.conn
    moved = 0
    queue_key, schedule_key = f"huey.redis.{LIST_QUEUE_NAME}", f"huey.schedule.{LIST_QUEUE_NAME}"
    if conn.type(queue_key) == b"list":
        while (data := conn.rpop(queue_key)) is not None:  # the list's oldest is at its right
            storage.enqueue(data)
            moved += 1
    for data, at in conn.zrange(schedule_key, 0, -1, withscores=True):
        if conn.zrem(schedule_key, data):  # only the process that removed it moves it
            conn.zadd(storage.schedule_key, {data: at})
            moved += 1
    if moved:
        log.warning("moved %d tasks from the queue of an earlier release", moved)
    return moved
