"""Django's SQLite backend, with the writers of one process taking turns first come, first served.

SQLite lets one writer in at a time. A writer that finds the file locked sleeps and tries again
(``busy_timeout``), backing off up to 100 ms a try, so under a steady stream of short write
transactions — a burst of webhooks stored by the web threads while the worker threads ingest
them and push stock, all in the one process of ``satustok run`` — a waiter can miss turn after
turn and sit idle for seconds while the CPU is free (seen with py-spy: web threads parked in
``INSERT`` during the benchmarks' burst). Here the writers of a process queue for the database
instead, and each one that finishes hands it straight to the next in line:

- a transaction (``BEGIN IMMEDIATE``, the settings' ``transaction_mode``) takes its turn before
  ``BEGIN`` and gives it back at ``COMMIT``, ``ROLLBACK`` or close;
- a write outside a transaction (an autocommit ``INSERT``, ``UPDATE``, …) takes a turn for that
  one statement; reads never wait (WAL: readers see the last commit).

Other processes on the same file still meet SQLite's own lock and ``busy_timeout``, as before.
PostgreSQL needs none of this: its row locks let writers of different rows pass each other.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base as sqlite3_base

READS = ("SELECT", "PRAGMA", "EXPLAIN")


class WriteTurns:
    """A first-come, first-served lock whose owner is a connection, handed over on release."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: object | None = None
        self._waiting: deque[tuple[object, threading.Event]] = deque()

    def take(self, owner: object, timeout: float) -> None:
        with self._mutex:
            if self._owner is None:
                self._owner = owner
                return
            entry = (owner, threading.Event())
            self._waiting.append(entry)
        if entry[1].wait(timeout):
            return
        with self._mutex:
            if self._owner is owner:  # handed over just as the wait ran out
                return
            self._waiting.remove(entry)
        raise OperationalError("database is locked (waited for other writers in this process)")

    def give_back(self, owner: object) -> None:
        with self._mutex:
            if self._owner is not owner:
                return
            if self._waiting:
                self._owner, ready = self._waiting.popleft()
                ready.set()
            else:
                self._owner = None

    def held_by(self, owner: object) -> bool:
        return self._owner is owner


_turns: dict[str, WriteTurns] = {}
_turns_lock = threading.Lock()


def turns_for(name: object) -> WriteTurns:
    """The turns of one database file, shared by every connection to it in this process."""
    with _turns_lock:
        return _turns.setdefault(str(name), WriteTurns())


class DatabaseWrapper(sqlite3_base.DatabaseWrapper):
    @property
    def turns(self) -> WriteTurns:
        return turns_for(self.settings_dict["NAME"])

    @property
    def turn_timeout(self) -> float:
        return float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))

    def take_turn(self) -> None:
        self.turns.take(self, self.turn_timeout)

    def give_back_turn(self) -> None:
        self.turns.give_back(self)

    def create_cursor(self, name: Any = None) -> Any:
        cursor = self.connection.cursor(factory=TurnTakingCursor)
        cursor.wrapper = self
        return cursor

    def _start_transaction_under_autocommit(self) -> None:
        self.take_turn()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self.give_back_turn()
            raise

    def _commit(self) -> Any:
        return self._ending(super()._commit)  # type: ignore[misc]

    def _rollback(self) -> Any:
        return self._ending(super()._rollback)  # type: ignore[misc]

    def _ending(self, end: Callable[[], Any]) -> Any:
        """COMMIT or ROLLBACK, then the turn goes to the next writer — unless the transaction
        is still open (a failed COMMIT; the rollback that follows gives it back)."""
        try:
            return end()
        finally:
            if self.connection is None or not self.connection.in_transaction:
                self.give_back_turn()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self.give_back_turn()


class TurnTakingCursor(sqlite3_base.SQLiteCursorWrapper):
    wrapper: DatabaseWrapper

    def execute(self, query: str, params: Any = None) -> Any:
        return self._in_turn(query, super().execute, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        return self._in_turn(query, super().executemany, param_list)

    def _in_turn(self, query: str, run: Callable[[str, Any], Any], params: Any) -> Any:
        if not self._needs_turn(query):
            return run(query, params)
        self.wrapper.take_turn()
        try:
            return run(query, params)
        finally:
            self.wrapper.give_back_turn()

    def _needs_turn(self, query: str) -> bool:
        """A write outside a transaction this connection already holds the turn for."""
        if self.wrapper.turns.held_by(self.wrapper) or self.connection.in_transaction:
            return False
        return not query.lstrip().upper().startswith(READS)
