"""``import-limited``: the ``import`` shop with the product endpoint limited to R requests/s
(seed ``rate_limits: {"product_info": {"rate": R, "burst": R}}``), latency as stated. The
sandbox runs in its own process; connect is not timed; the import (fetch, classify, apply) runs
in this process, as ``satustok import`` does.

Figures: ``ratio`` = import time ÷ the ceiling ``ceil(pages)/R`` (pages = listing pages the
import read); ``fetch_ratio`` = the fetch phase alone (import start → the sandbox's time of the
last product_info call, from its call log) ÷ the same ceiling. Also reported: every
product_info call the sandbox counted (listing pages, the empty page that ends the listing,
parent look-ups), its 429s, and ``floor_seconds`` = (calls − burst)/R, the least a token bucket
that starts full allows.
"""

from __future__ import annotations

import math
import time
from typing import Any

from bench import seeds, stack


def run(units: int, latency_ms: int, rate: float) -> dict[str, Any]:
    limits = {"product_info": {"rate": rate, "burst": int(rate)}}
    sandbox = stack.Sandbox(seeds.big_shop(units, rate_limits=limits), latency_ms=latency_ms)
    try:
        stack.point_hub_at(sandbox)
        account = stack.connect(seeds.SHOP_ID)
        time.sleep(1.5)  # the token bucket is full again (connect used shop_info only anyway)
        before = sandbox.stats()["groups"]["product_info"]
        wall_start = time.time()
        started = time.perf_counter()
        result = stack.import_now(account)
        elapsed = time.perf_counter() - started
        after = sandbox.stats()["groups"]["product_info"]
        calls_log = [c for c in sandbox.calls() if c["group"] == "product_info"]
    finally:
        sandbox.stop()
    pages = result.pages_done
    calls = after["calls"] - before["calls"]
    ceiling = math.ceil(pages) / rate
    fetch_seconds = (max(c["at"] for c in calls_log) - wall_start) if calls_log else None
    return {
        "state": result.state,
        "units": result.units_fetched,
        "pages": pages,
        "rate": rate,
        "seconds": round(elapsed, 3),
        "ceiling_seconds": round(ceiling, 3),
        "ratio": round(elapsed / ceiling, 3),
        "fetch_seconds": None if fetch_seconds is None else round(fetch_seconds, 3),
        "fetch_ratio": None if fetch_seconds is None else round(fetch_seconds / ceiling, 3),
        "after_fetch_seconds": (
            None if fetch_seconds is None else round(elapsed - fetch_seconds, 3)
        ),
        "product_info_calls": calls,
        "rate_limited": after["rate_limited"] - before["rate_limited"],
        "floor_seconds": round(max(calls - int(rate), 0) / rate, 3),
        "units_per_second": round(result.units_fetched / elapsed, 1),
    }
