"""The two-shop world of ``propagation``, ``burst`` and ``workers``, and how a sale's arrival on
shop B is observed.

Set-up (not timed): a sandbox process seeded with :func:`bench.seeds.shared_shops` (shops A
and B on one app, the same SKUs); both shops connected and imported in this process; the hub
started as separate processes (:class:`bench.stack.Hub`); webhooks registered to the hub;
*Push stock* switched on for B, and B converged to the master stock before anything is timed.

Observation: the sandbox announces every stock change with a ``product_changes`` webhook whose
rows carry the product, the new value and ``update_time`` — the sandbox's own clock at the
moment the change was applied (nanoseconds). A placed order carries the same clock's time of
its 220 in its history. :class:`BChanges` reads those rows for shop B from the sandbox's
delivery log, so "placed → B shows it" is measured on one clock, by the marketplace itself,
without polling.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bench import seeds, stack


@dataclass
class TwoShops:
    sandbox: stack.Sandbox
    hub: stack.Hub
    a: Any
    b: Any
    skus: int
    b0: int  # shop B's stock of every SKU once converged (the master available)
    setup_seconds: dict[str, float] = field(default_factory=dict)
    _b_changes: BChanges | None = field(default=None, repr=False)

    def product_a(self, index: int) -> int:
        return seeds.FIRST_ID_A + index

    def index_of_b(self, product_id: int) -> int:
        return product_id - seeds.FIRST_ID_B

    def b_changes(self) -> dict[int, list[tuple[float, int]]]:
        """Shop B's stock changes so far (:class:`BChanges`)."""
        if self._b_changes is None:
            self._b_changes = BChanges(self.sandbox)
        return self._b_changes.read()


@contextlib.contextmanager
def two_shops(
    skus: int,
    latency_ms: int,
    topology: stack.Topology | None = None,
    *,
    unlimited: bool = False,
) -> Iterator[TwoShops]:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    sandbox = stack.Sandbox(seeds.shared_shops(skus), latency_ms=latency_ms, unlimited=unlimited)
    try:
        stack.point_hub_at(sandbox)
        a = stack.connect(seeds.SHOP_A)
        b = stack.connect(seeds.SHOP_B)
        stack.import_now(a)
        stack.import_now(b)
        timings["sandbox_connect_import"] = time.perf_counter() - started
        mark = time.perf_counter()
        hub = stack.Hub(sandbox, topology or stack.Topology())
        timings["hub_start"] = time.perf_counter() - mark
        try:
            mark = time.perf_counter()
            stack.register_webhooks(a, hub.url)
            stack.push_on(b)
            stack.wait_until(lambda: stack.pending_pushes([b.pk]) == 0, timeout=180, interval=0.2)
            timings["push_on_converged"] = time.perf_counter() - mark
            b0 = int(sandbox.product(seeds.FIRST_ID_B)["stock"])
            settle_deliveries(sandbox)
            rounded = {k: round(v, 2) for k, v in timings.items()}
            yield TwoShops(sandbox, hub, a, b, skus, b0, rounded)
        finally:
            hub.stop()
    finally:
        sandbox.stop()


def settle_deliveries(sandbox: stack.Sandbox, quiet: float = 0.5, timeout: float = 60) -> None:
    """Wait until the sandbox has sent what the set-up caused (its delivery log stops growing)."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        count = int(sandbox.stats()["webhook_deliveries"])
        if count == last:
            return
        last = count
        time.sleep(quiet)


class BChanges:
    """Shop B's stock changes as the sandbox announced them, read as they come: each ``read()``
    asks the sandbox only for deliveries after the last one seen (the whole log every quarter
    second cost the sandbox — on the cores being measured — more with every order)."""

    def __init__(self, sandbox: stack.Sandbox) -> None:
        self.sandbox = sandbox
        self._after = 0
        self._seen: dict[int, set[tuple[float, int]]] = {}

    def read(self) -> dict[int, list[tuple[float, int]]]:
        """{product id: [(time s, value)]}, sorted by time (a delivery attempted twice is
        counted once)."""
        for delivery in self.sandbox.deliveries("product_changes", after=self._after):
            self._after = max(self._after, int(delivery["id"]))
            for row in (delivery.get("payload") or {}).get("product_changes_data", []):
                if row.get("shop_id") == seeds.SHOP_B and str(row.get("action", "")).startswith(
                    "stock"
                ):
                    self._seen.setdefault(int(row["product_id"]), set()).add(
                        (int(row["update_time"]) / 1e9, int(row["value"]))
                    )
        return {product: sorted(values) for product, values in self._seen.items()}


def first_reaching(changes: list[tuple[float, int]], since: float, at_most: int) -> float | None:
    """The time of the first change at or after ``since`` to a value ``<= at_most``."""
    for at, value in changes:
        if at >= since and value <= at_most:
            return at
    return None


def placed_at(order: dict[str, Any]) -> float:
    """The sandbox's time of the order's 220 (its clock, seconds)."""
    return float(order["history"][0]["at"])
