"""The shown-stock log: every change of the stock buyers see, with its wall-clock time and cause.

The flash-sale benchmark (``make bench SCENARIO=flash-sale``) counts oversell and draws each
shop's shown stock over time, so it must know every change of every sellable unit of every shop,
not only those a marketplace announces. Every sandbox appends here at each place shown stock
changes, and its control API serves the log (``GET stock-log?after=N[&shop_id=S]``).

A record is ``id`` (1, 2, 3… in log order), ``at`` (``time.time()`` when the change was applied:
the **wall clock**, not the sandbox clock, which ``POST clock`` shifts — the benchmark compares it
with its own ``time.time()`` on the same machine), ``shop_id`` and ``unit`` (the marketplace's key
of a sellable unit, the hub's ``Listing.external_id``: Tokopedia ``"<product_id>"``, Shopee
``"<item_id>:<model_id>"`` with model 0 for an item without models, TikTok Shop
``"<product_id>:<sku_id>"``), ``sku`` (the seller SKU or ""), ``stock`` (the unit's total shown
stock after the change, over every location or warehouse) and ``cause``:

- ``order``: a buyer's order took it;
- ``release``: a cancelled or rejected order gave it back;
- ``api``: a partner API call set, incremented or decremented it — recorded even when the value
  did not change, because the benchmark counts the stock-update rows the marketplace applied;
- ``seller``: the seller edited it (the control API);
- ``other``: anything else.

The log is bounded (oldest records dropped, in chunks so appending stays O(1) amortised) and
thread-safe: a sandbox appends under its world's lock, a control call reads from another task.
A reset builds a fresh world and with it an empty log whose ids start again at 1.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, Literal, NamedTuple

Cause = Literal["order", "release", "api", "seller", "other"]
CAUSES: frozenset[str] = frozenset({"order", "release", "api", "seller", "other"})

# Enough for a long flash-sale run (hundreds of thousands of orders and pushes), yet bounded for
# a soak: about 100 MB at worst.
DEFAULT_CAPACITY = 500_000
# At most this many records per ``GET stock-log`` answer; a reader pages with ``after``.
PAGE_LIMIT = 20_000


class StockRecord(NamedTuple):
    """One change of a unit's shown stock (a tuple: half the memory of a dict per record)."""

    id: int
    at: float
    shop_id: str
    unit: str
    sku: str
    stock: int
    cause: str

    def as_json(self) -> dict[str, Any]:
        return self._asdict()


class StockLog:
    """A bounded, thread-safe, append-only log of shown-stock changes."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        # Dropping the oldest records one by one would shift the whole list each time: drop a
        # chunk (a hundredth of the capacity) once the log is over capacity instead.
        self._drop_chunk = max(1, capacity // 100)
        self._lock = threading.Lock()
        self._records: list[StockRecord] = []
        self._last_id = 0

    def record(
        self,
        shop_id: object,
        unit: str,
        sku: str,
        stock: int,
        cause: Cause,
        at: float | None = None,
    ) -> StockRecord:
        """Append a change applied just now (``at``: a ``time.time()`` the caller took when it
        applied it, so that an order's records share the order's ``placed_at``)."""
        if cause not in CAUSES:
            raise ValueError(f"unknown stock-log cause {cause!r}")
        when = time.time() if at is None else at
        # A hot unit is logged thousands of times: one copy of its strings, not one per record.
        shop, unit, sku = sys.intern(str(shop_id)), sys.intern(unit), sys.intern(sku or "")
        with self._lock:
            self._last_id += 1
            found = StockRecord(self._last_id, when, shop, unit, sku, stock, cause)
            self._records.append(found)
            if len(self._records) > self.capacity:
                del self._records[: max(self._drop_chunk, len(self._records) - self.capacity)]
            return found

    def after(
        self, after: int = 0, shop_id: str | None = None, limit: int = PAGE_LIMIT
    ) -> list[StockRecord]:
        """Up to ``limit`` records with an id above ``after`` (of ``shop_id`` only, when given),
        oldest first. Records dropped for space are simply absent: a reader sees the gap in
        the ids."""
        with self._lock:
            records = self._records
            first_id = records[0].id if records else self._last_id + 1
            # ids are consecutive in the list: the first wanted record is found by arithmetic
            start = max(0, after - first_id + 1)
            if shop_id is None:
                return records[start : start + limit]
            found: list[StockRecord] = []
            for index in range(start, len(records)):
                if records[index].shop_id == shop_id:
                    found.append(records[index])
                    if len(found) >= limit:
                        break
            return found

    @property
    def last_id(self) -> int:
        """The id of the latest record (0 before the first)."""
        with self._lock:
            return self._last_id

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def clear(self) -> None:
        """Forget every record; ids start again at 1."""
        with self._lock:
            self._records = []
            self._last_id = 0
