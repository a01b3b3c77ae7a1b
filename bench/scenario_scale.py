"""``scale``: N master SKUs × 3 integrations (3N listings), built directly in the database.

1. **Build** (not a figure): N master products, N variants, N stock levels (on hand 50) and 3N
   listings, linked by SKU and converged (``last_pushed_qty`` = available), with
   ``bulk_create``; three integrations with *Push stock* on. One SKU in ten is a bundle
   (``BUNDLE_EVERY``) of two others, so one SKU in five is a component; of the SKUs the 1%
   step changes, one in five is a component too (as a uniform change would hit), and its
   bundle is re-pushed through it. Bundles have no stock level.
2. **No-op sweep** (figure ``sweep_seconds``, one sample per round): what the periodic sweep
   does when nothing is due — ``sync.pusher.accounts_due()`` — plus ``push_account`` for each
   integration, which claims nothing and pushes nothing (a nudge arriving anyway).
3. **1% changed** (figure ``converge_seconds``, one sample per round): a Huey consumer runs in
   this process (two worker threads, the SQLite queue or ``SATUSTOK_QUEUE_URL``) as in
   ``satustok run``; 1% of the SKUs get ``stock.move(on_hand=-1)``, each in its own
   transaction (each nudges the three pushers); the time from the first move until every
   listing of those SKUs was pushed its new value (no listing left marked, ``last_pushed_qty``
   equal to the new available), polled every 0.1 s. The sandbox (own process, latency as
   stated, default rate limits: ``stock_update`` 200 rows/s per app) has three apps with one
   shop each, holding exactly the products of the SKUs this step changes (only those are
   called). Between rounds the queue is left to drain for up to ``DRAIN_TIMEOUT`` seconds
   (``queue_drained_after_seconds``; the leftover nudges find nothing to push), then emptied.
4. **Import peak RSS** (figure ``import_peak_rss_mb``): on a flushed database, a subprocess
   (``python -m bench.rss_import``) imports a shop of ``import_units`` units from a sandbox
   process (no latency, no limit) and reports its peak resident memory (``VmHWM``): the whole
   importing process, Django included (``baseline_rss_mb`` is that process before the import).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from bench import seeds, stack

ON_HAND = 50
# Every integration has a push rule (issue 15): a unit kept back, so each listing shows one less
# than available and every desired quantity goes through the rule's computation.
KEPT_BACK = 1
SHOWN = ON_HAND - KEPT_BACK
BATCH = 5_000  # a multiple of BUNDLE_EVERY: a bundle and its components share a batch
# Issue 15: 10% of the SKUs are bundles. SKU i (i a multiple of 10) = 1 × SKU i+1 + 1 × SKU i+2,
# but for i a multiple of 500: 1 × SKU i+7 + 1 × SKU i+8, so that of the 1% changed
# (i ≡ 7 mod 100) one in five (i ≡ 7 mod 500) is a component, as 20% of all SKUs are.
BUNDLE_EVERY = 10
COMPONENT_OFFSETS = (1, 2)
CHANGED_COMPONENT_EVERY = 500
CHANGED_COMPONENT_OFFSETS = (7, 8)
CONVERGE_TIMEOUT = 120.0
DRAIN_TIMEOUT = 20.0


def run(skus: int, rounds: int, latency_ms: int, import_units: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "skus": skus,
        "listings": 3 * skus,
        "push_rules": f"every integration keeps {KEPT_BACK} back",
        "bundles": len(bundle_indexes(skus)),
    }
    started = time.perf_counter()
    accounts, variants = build(skus)
    result["build_seconds"] = round(time.perf_counter() - started, 1)
    result["sweep"] = [sweep_once(accounts) for _ in range(rounds)]
    result["sweep_seconds"] = [round(s["seconds"], 3) for s in result["sweep"]]
    changed = list(range(7, skus, 100))  # 1% of the SKUs, spread over the catalogue
    first = CHANGED_COMPONENT_OFFSETS[0]
    bundles = [i - first for i in changed if (i - first) % CHANGED_COMPONENT_EVERY == 0]
    sandbox = stack.Sandbox(
        seeds.scale_shops(sorted(changed + bundles), stock=SHOWN),
        latency_ms=latency_ms,
        unlimited=False,
    )
    try:
        stack.point_hub_at(sandbox)
        pushed = [variants[i] for i in changed + bundles]
        result["converge"] = converge(
            sandbox, accounts, [variants[i] for i in changed], pushed, rounds
        )
    finally:
        sandbox.stop()
    result["converge_seconds"] = [
        None if r["converged_seconds"] is None else round(r["converged_seconds"], 3)
        for r in result["converge"]
    ]
    result["import"] = import_rss(import_units)
    result["import_peak_rss_mb"] = result["import"]["peak_rss_mb"]
    return result


# --- 1. build ---------------------------------------------------------------------------------


def bundle_indexes(skus: int) -> range:
    return range(0, skus - BUNDLE_EVERY + 1, BUNDLE_EVERY)


def component_offsets(bundle: int) -> tuple[int, int]:
    changed = bundle % CHANGED_COMPONENT_EVERY == 0
    return CHANGED_COMPONENT_OFFSETS if changed else COMPONENT_OFFSETS


def build(skus: int) -> tuple[list[int], list[int]]:
    """The catalogue; returns the integrations' ids and the variant ids by SKU index."""
    from django.db import transaction
    from django.utils import timezone

    from satustok.catalog.models import BundleComponent, MasterProduct, Variant
    from satustok.catalog.sku import sku_key
    from satustok.channels.connect import default_warehouse
    from satustok.channels.models import ChannelAccount, LinkMethod, Listing
    from satustok.inventory.models import StockLevel
    from satustok.sync.models import PushRule

    warehouse = default_warehouse()
    accounts = [
        ChannelAccount.objects.create(
            channel="tokopedia",
            shop_id=str(shop_id),
            shop_name=f"Toko Skala {k}",
            app_id=str(fs_id),
            client_id=seeds.CLIENT_ID + f"-{k}",
            client_secret=seeds.CLIENT_SECRET,
            warehouse=warehouse,
            push_stock=True,
        )
        for k, (shop_id, fs_id) in enumerate(
            zip(seeds.SCALE_SHOPS, seeds.SCALE_FS_IDS, strict=True)
        )
    ]
    now = timezone.now()
    variant_ids: list[int] = []
    for start in range(0, skus, BATCH):
        indexes = range(start, min(start + BATCH, skus))
        with transaction.atomic():
            products = MasterProduct.objects.bulk_create(
                [MasterProduct(name=f"Skala {i}") for i in indexes]
            )
            variants = Variant.objects.bulk_create(
                [
                    Variant(product=p, sku=seeds.scale_sku(i), sku_key=sku_key(seeds.scale_sku(i)))
                    for p, i in zip(products, indexes, strict=True)
                ]
            )
            kits = {i for i in indexes if i in bundle_indexes(skus)}
            StockLevel.objects.bulk_create(
                [
                    StockLevel(warehouse=warehouse, variant=v, on_hand=ON_HAND)
                    for v, i in zip(variants, indexes, strict=True)
                    if i not in kits
                ]
            )
            by_index = dict(zip(indexes, variants, strict=True))
            BundleComponent.objects.bulk_create(
                BundleComponent(bundle=by_index[i], component=by_index[i + offset], quantity=1)
                for i in kits
                for offset in component_offsets(i)
            )
            Listing.objects.bulk_create(
                [
                    Listing(
                        account=account,
                        external_id=str(first + i),
                        sku=seeds.scale_sku(i),
                        name=f"Skala {i}",
                        status="Active",
                        stock=SHOWN,
                        price=25_000,
                        variant=v,
                        link_method=LinkMethod.AUTO_SKU,
                        last_pushed_qty=SHOWN,
                        last_pushed_at=now,
                        last_seen_at=now,
                    )
                    for account, first in zip(accounts, seeds.SCALE_FIRST_IDS, strict=True)
                    for v, i in zip(variants, indexes, strict=True)
                ]
            )
        variant_ids.extend(v.pk for v in variants)
    PushRule.objects.bulk_create(PushRule(account=a, buffer=KEPT_BACK) for a in accounts)
    _analyze()
    return [a.pk for a in accounts], variant_ids


def _analyze() -> None:
    """Fresh planner statistics, as a database that grew over months would have."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- 2. the no-op sweep ---------------------------------------------------------------------


def sweep_once(accounts: list[int]) -> dict[str, Any]:
    from satustok.sync import pusher

    started = time.perf_counter()
    due = pusher.accounts_due()
    found = time.perf_counter()
    pushed = [pusher.push_account(account_id).sent for account_id in accounts]
    ended = time.perf_counter()
    return {
        "seconds": ended - started,
        "accounts_due_seconds": round(found - started, 4),
        "push_nothing_seconds": round(ended - found, 4),
        "due": due,
        "sent": sum(pushed),
    }


# --- 3. 1% changed ----------------------------------------------------------------------------


def converge(
    sandbox: stack.Sandbox, accounts: list[int], variants: list[int], pushed: list[int], rounds: int
) -> list[dict[str, Any]]:
    """``variants`` are moved; ``pushed`` (they and the bundles using them) must converge."""
    from django.conf import settings
    from huey.contrib.djhuey import HUEY

    consumer = HUEY.create_consumer(
        workers=settings.SATUSTOK_WORKER_THREADS, worker_type="thread", periodic=False
    )
    consumer.start()
    try:
        return [_converge_round(sandbox, accounts, variants, pushed, r + 1) for r in range(rounds)]
    finally:
        consumer.stop(graceful=True)


def _converge_round(
    sandbox: stack.Sandbox,
    accounts: list[int],
    variants: list[int],
    pushed: list[int],
    round_number: int,
) -> dict[str, Any]:
    from django.db import close_old_connections

    from satustok.channels.models import Listing
    from satustok.inventory import stock
    from satustok.inventory.models import MovementReason

    warehouse = _warehouse_id(accounts[0])
    expected = SHOWN - round_number
    # A bundle shows min(its changed component, the other) − the rule's unit: the same number.
    changed = Listing.objects.filter(account_id__in=accounts, variant_id__in=pushed)
    before = sandbox.stats()["groups"]["stock_update"]
    started = time.perf_counter()
    for variant_id in variants:
        stock.move(
            warehouse, variant_id, on_hand=-1, reason=MovementReason.ADJUSTMENT, reference="bench"
        )
    moved = time.perf_counter() - started

    def converged() -> bool:
        close_old_connections()
        return (
            stack.pending_pushes(accounts) == 0
            and not changed.exclude(last_pushed_qty=expected).exists()
        )

    try:
        stack.wait_until(converged, timeout=CONVERGE_TIMEOUT, interval=0.1)
        seconds: float | None = time.perf_counter() - started
    except TimeoutError:
        seconds = None
    drained = _drain_queue()
    after = sandbox.stats()["groups"]["stock_update"]
    left = _queue_left()
    return {
        "changed_skus": len(variants),
        "bundles_repushed": len(pushed) - len(variants),
        "listings": changed.count(),
        "moves_seconds": round(moved, 3),
        "converged_seconds": seconds,
        "queue_drained_after_seconds": drained,
        "queue_left_after_drain_timeout": left,
        "stock_update_calls": after["calls"] - before["calls"],
        "stock_update_rows": after["items"] - before["items"],
        "rate_limited": after["rate_limited"] - before["rate_limited"],
        "blocked": changed.filter(push_blocked=True).count(),
    }


def _queue_left() -> dict[str, int]:
    """What the queue still holds after the drain timeout; then it is emptied (all nudges for
    integrations already converged)."""
    from huey.contrib.djhuey import HUEY

    left = {"pending": HUEY.pending_count(), "scheduled": HUEY.scheduled_count()}
    if left["pending"] or left["scheduled"]:
        stack.flush_queue()
    return left


def _warehouse_id(account_id: int) -> int:
    from satustok.channels.models import ChannelAccount

    return int(ChannelAccount.objects.get(pk=account_id).warehouse_id)


def _drain_queue() -> float | None:
    """Seconds until the queue and its schedule are empty (the nudges left over), bounded."""
    from huey.contrib.djhuey import HUEY

    started = time.perf_counter()
    try:
        stack.wait_until(
            lambda: HUEY.pending_count() == 0 and HUEY.scheduled_count() == 0,
            timeout=DRAIN_TIMEOUT,
            interval=0.2,
        )
    except TimeoutError:
        return None
    return round(time.perf_counter() - started, 2)


# --- 4. import peak RSS ---------------------------------------------------------------------


def import_rss(units: int) -> dict[str, Any]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    call_command("flush", "--noinput", verbosity=0)
    stack.flush_queue()
    connections.close_all()
    sandbox = stack.Sandbox(seeds.big_shop(units), latency_ms=0, unlimited=True)
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.rss_import",
                "--api-url",
                sandbox.api_url,
                "--accounts-url",
                sandbox.accounts_url,
            ],
            env={**_env(), "SATUSTOK_DATA_DIR": str(settings.DATA_DIR)},
            capture_output=True,
            text=True,
            timeout=1_200,
            check=False,
        )
    finally:
        sandbox.stop()
    if done.returncode != 0:
        raise RuntimeError(f"bench.rss_import failed:\n{done.stderr[-3000:]}")
    return {"units": units, **json.loads(done.stdout.strip().splitlines()[-1])}


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)
