"""SQLite writers of one process take turns in order (satustok/core/sqlite/base.py).

These tests open their own SQLite file (whatever database the suite runs on), so they hold on
the PostgreSQL pass too."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, transaction
from django.db.utils import ConnectionHandler

from satustok.core.sqlite.base import DatabaseWrapper, WriteTurns


def test_waiting_writers_get_the_database_in_the_order_they_asked() -> None:
    turns, got = WriteTurns(), []
    first, second, third = object(), object(), object()
    turns.take(first, timeout=1)

    def wait_for_turn(owner: object, name: str) -> None:
        turns.take(owner, timeout=5)
        got.append(name)
        turns.give_back(owner)

    waiters = []
    for owner, name in ((second, "second"), (third, "third")):
        waiters.append(threading.Thread(target=wait_for_turn, args=(owner, name)))
        waiters[-1].start()
        time.sleep(0.05)  # the second asks before the third
    assert got == []  # the first still holds it
    turns.give_back(first)
    for waiter in waiters:
        waiter.join(5)
    assert got == ["second", "third"]


def test_a_writer_that_waited_too_long_is_told_the_database_is_locked_and_leaves_the_line() -> None:
    turns, holder, impatient, later = WriteTurns(), object(), object(), object()
    turns.take(holder, timeout=1)
    with pytest.raises(OperationalError, match="database is locked"):
        turns.take(impatient, timeout=0.05)
    turns.give_back(holder)
    turns.take(later, timeout=0.05)  # free at once: the impatient one is not in line any more
    assert turns.held_by(later)


def test_only_the_owner_gives_a_turn_back() -> None:
    turns, owner, other = WriteTurns(), object(), object()
    turns.take(owner, timeout=1)
    turns.give_back(other)
    assert turns.held_by(owner)


def test_the_default_database_is_sqlite_through_this_backend(monkeypatch: Any) -> None:
    from satustok import settings

    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert settings._database()["ENGINE"] == "satustok.core.sqlite"


# --- the backend on a real file -------------------------------------------------------------


@pytest.fixture
def handler(tmp_path: Path, django_db_blocker: Any, monkeypatch: Any) -> Iterator[Any]:
    """Django's connections (one per thread) with an extra alias, ``turns``: a fresh SQLite
    file through this backend. (The browser tests' Playwright leaves an event loop running on
    the main thread, which Django takes for async code unless told otherwise.)"""
    from django.db import connections

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")

    configured = ConnectionHandler().configure_settings(
        {
            "default": {"ENGINE": "django.db.backends.dummy"},
            "turns": {
                "ENGINE": "satustok.core.sqlite",
                "NAME": tmp_path / "turns.sqlite3",
                "OPTIONS": {
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 10,
                    "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
                },
            },
        }
    )
    connections.settings["turns"] = configured["turns"]
    with django_db_blocker.unblock():
        with connections["turns"].cursor() as cursor:
            cursor.execute("CREATE TABLE sale (id INTEGER PRIMARY KEY, who TEXT)")
        yield connections
        connections["turns"].close()
    del connections["turns"]
    del connections.settings["turns"]


def _insert(handler: Any, who: str) -> None:
    with handler["turns"].cursor() as cursor:
        cursor.execute("INSERT INTO sale (who) VALUES (%s)", [who])


def _in_thread(work: Any) -> threading.Thread:
    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_the_backend_is_this_one(handler: Any) -> None:
    assert isinstance(handler["turns"], DatabaseWrapper)


def test_a_write_outside_a_transaction_waits_for_the_open_one_then_goes_in(
    handler: Any,
) -> None:
    order: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def long_transaction() -> None:
        with transaction.atomic(using="turns"):
            _insert(handler, "transaction")
            inside.set()
            release.wait(5)
            order.append("committed")
        handler["turns"].close()

    def lone_write() -> None:
        _insert(handler, "autocommit")
        order.append("lone write done")
        handler["turns"].close()

    holder = _in_thread(long_transaction)
    inside.wait(5)
    writer = _in_thread(lone_write)
    time.sleep(0.2)
    assert order == []  # waiting for its turn, not failing
    release.set()
    holder.join(5), writer.join(5)
    assert order == ["committed", "lone write done"]
    with handler["turns"].cursor() as cursor:
        cursor.execute("SELECT who FROM sale ORDER BY id")
        assert [who for (who,) in cursor.fetchall()] == ["transaction", "autocommit"]


def test_a_rolled_back_transaction_gives_its_turn_back(handler: Any) -> None:
    connection = handler["turns"]
    with pytest.raises(ZeroDivisionError), transaction.atomic(using="turns"):
        _insert(handler, "rolled back")
        assert connection.turns.held_by(connection)
        1 / 0  # noqa: B018
    assert not connection.turns.held_by(connection)
    done = []
    thread = _in_thread(lambda: (_insert(handler, "next"), done.append(1), handler.close_all()))
    thread.join(2)
    assert done == [1]


def test_a_writer_is_not_starved_by_a_stream_of_short_transactions(
    handler: Any,
) -> None:
    """With SQLite's own busy wait a lone writer could sleep through a whole stream of short
    transactions; taking turns, it goes in right after the one running when it asked."""
    stream_length, done_at = 2_000, []
    written, asked = [0], threading.Event()

    def stream() -> None:
        for n in range(stream_length):
            with transaction.atomic(using="turns"):
                _insert(handler, f"stream {n}")
            written[0] = n + 1
            if n == 10:
                asked.set()
        handler["turns"].close()

    def lone_writer() -> None:
        asked.wait(5)
        _insert(handler, "lone")
        done_at.append(written[0])
        handler["turns"].close()

    threads = [_in_thread(stream), _in_thread(lone_writer)]
    for thread in threads:
        thread.join(30)
    assert done_at and done_at[0] < stream_length / 2, done_at
