"""``import``: a shop of N sellable units through connect + import, against the sandbox over
loopback with a stated latency and no rate limit. Figure: units imported per second.

The sandbox runs in its own process, as in the other scenarios: the marketplace is another
machine, and a simulator sharing the importing process's interpreter lock (encoding every page
as JSON) charged the hub for its work."""

from __future__ import annotations

import time
from typing import Any

from bench import seeds, stack


def run(units: int, latency_ms: int) -> dict[str, Any]:
    sandbox = stack.Sandbox(seeds.big_shop(units), latency_ms=latency_ms, unlimited=True)
    try:
        stack.point_hub_at(sandbox)
        account = _connect()
        cpu = _cpu_now(sandbox)
        started = time.perf_counter()
        run = _import(account)
        elapsed = time.perf_counter() - started
        used = {role: round(seconds - cpu[role], 2) for role, seconds in _cpu_now(sandbox).items()}
    finally:
        sandbox.stop()
    return {
        "units": run.units_fetched,
        "seconds": round(elapsed, 3),
        "units_per_second": round(run.units_fetched / elapsed, 1),
        "pages": run.pages_done,
        "counts": run.counts,
        # CPU seconds used during the import by the importing process, the sandbox process and
        # (on PostgreSQL) the database server: what shared the machine's cores.
        "cpu_seconds": used,
    }


def _cpu_now(sandbox: stack.Sandbox) -> dict[str, float]:
    from django.db import connection

    cpu = {"hub": time.process_time(), "sandbox": sandbox.cpu_seconds()}
    if connection.vendor == "postgresql":
        cpu["postgres"] = stack.postgres_cpu_seconds()
    return cpu


def _connect() -> Any:
    from satustok.channels.connect import connect_shop
    from satustok.channels.models import ChannelAccount
    from satustok.channels.protocol import Credentials

    ChannelAccount.objects.all().delete()
    credentials = Credentials(str(seeds.FS_ID), seeds.CLIENT_ID, seeds.CLIENT_SECRET)
    return connect_shop("tokopedia", credentials, str(seeds.SHOP_ID))


def _import(account: Any) -> Any:
    from satustok.sync import imports, tasks

    return tasks.run_import_now(imports.start_run(account).pk)
