"""``make bench [SCENARIO=name]``: run benchmark scenarios, print a table, write JSON.

``python -m bench [--scenario NAME] [--quick] [--repeat N] [--output FILE]``

Each scenario runs ``--repeat`` times (some declare fewer: see ``max_repeat``) on a fresh
database — SQLite in a temporary data directory unless ``DATABASE_URL`` is set; the Huey queue
is the data directory's SQLite file unless ``SATUSTOK_QUEUE_URL`` is set — and starts its own
sandbox (and hub processes) with a generated seed and a stated latency and rate limit. A
scenario reports several figures; each is the median over all samples (runs, or rounds inside
a run) with min and max, beside its target. Results go to ``bench/results/<timestamp>.json``:
machine, database, queue, parameters, figures and every run's details. ``--quick`` shrinks
every scenario so that the test suite can check the scripts still work; quick figures mean
nothing.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def fig(key: str, label: str, target: float, better: str, unit: str) -> dict[str, Any]:
    return {"key": key, "label": label, "target": target, "better": better, "unit": unit}


SCENARIOS: dict[str, dict[str, Any]] = {
    "import": {
        "what": "a shop of N units (families, skipped units mixed in), latency 20 ms, no limit",
        "target": "≥ 2,000 units/s on SQLite; ≥ 3,000/s on PostgreSQL",
        "full": {"units": 10_000, "latency_ms": 20},
        "quick": {"units": 300, "latency_ms": 5},
        "figures": [fig("units_per_second", "import rate", 2_000, "higher", "units/s")],
    },
    "import-limited": {
        "what": "the import shop with product_info limited to R req/s (burst R), latency 20 ms",
        "target": "import time ≤ 1.1 × ceil(pages)/R",
        "full": {"units": 10_000, "latency_ms": 20, "rate": 10},
        "quick": {"units": 300, "latency_ms": 5, "rate": 5},
        "figures": [
            fig("ratio", "time / ceiling", 1.1, "lower", "×"),
            fig("fetch_ratio", "fetch phase / ceiling", 1.1, "lower", "×"),
        ],
    },
    "propagation": {
        "what": "2 shops × N shared SKUs, push on for B; orders on A at R/s for S s",
        "target": "placed on A → B's stock updated: p50 ≤ 250 ms, p99 ≤ 1 s; a lone order after "
        "a quiet minute ≤ 2 × (webhook delivery + one stock-update round trip)",
        "full": {
            "skus": 1_000,
            "rate": 10,
            "seconds": 60,
            "latency_ms": 20,
            "idle_seconds": 60,
            "idle_probes": 3,
        },
        "quick": {
            "skus": 50,
            "rate": 10,
            "seconds": 3,
            "latency_ms": 5,
            "idle_seconds": 1,
            "idle_probes": 2,
        },
        "max_repeat": 2,  # each run ends with three quiet minutes (the idle probes)
        "figures": [
            fig("p50_ms", "p50 latency", 250, "lower", "ms"),
            fig("p99_ms", "p99 latency", 1_000, "lower", "ms"),
            fig("idle_p50_ms", "lone order after quiet, p50", 250, "lower", "ms"),
            fig("idle_vs_floor", "lone order ÷ (delivery + round trip)", 2.0, "lower", "×"),
        ],
    },
    "burst": {
        "what": "N orders over K SKUs placed on A as fast as the sandbox takes them",
        "target": "B converged ≤ 2 s after the first order, ≤ 20 stock-update calls",
        "full": {"orders": 1_000, "skus": 50, "threads": 8, "latency_ms": 20},
        "quick": {"orders": 60, "skus": 10, "threads": 4, "latency_ms": 5},
        "max_repeat": 2,  # each run may wait 90 s for B: two keep `make bench` near 15 minutes
        "figures": [
            fig("converged_seconds", "B converged after", 2.0, "lower", "s"),
            fig("stock_update_calls", "stock-update calls", 20, "lower", "calls"),
        ],
    },
    "webhooks": {
        "what": "signed order_notification posts on loopback (C connections), then drain",
        "target": "≥ 500 accepted/s; none lost; each processed once",
        "full": {
            "posts": 5_000,
            "max_seconds": 20,
            "concurrency": 4,
            "skus": 200,
            "worker_processes": 1,
        },
        "quick": {"posts": 150, "max_seconds": 10, "concurrency": 2, "skus": 20},
        "figures": [
            fig("accepted_per_second", "accepted", 500, "higher", "posts/s"),
            fig("lost", "lost orders", 0, "lower", "orders"),
            fig("not_once", "orders not reserved exactly once", 0, "lower", "orders"),
        ],
    },
    "flash-sale": {
        "what": "3 shops (Tokopedia, Shopee, TikTok Shop) × N hot SKUs of 30–100 units; buyers "
        "at R orders/s until every shop shows 0; satustok vs interval sync vs the floor",
        "target": "oversold ≤ 1.5 × floor and ≥ 20 × fewer than interval-300 s; 0 orders lost "
        "or doubled; every shop at 0 ≤ 1 s after the last real unit",
        "full": {
            "skus": 20,
            "low": 30,
            "high": 100,
            "rate": 50,
            "latency_ms": 20,
            "intervals": [60, 300],
        },
        "quick": {
            "skus": 4,
            "low": 5,
            "high": 10,
            "rate": 20,
            "latency_ms": 5,
            "intervals": [2, 4],
        },
        "max_repeat": 1,  # the 300 s baseline alone may take 10 minutes
        "figures": [
            fig("oversold_satustok", "satustok: units oversold", 0, "lower", "units"),
            fig("oversold_floor", "floor: units oversold", 0, "lower", "units"),
            fig("oversold_interval_fast", "interval 60 s: units oversold", 0, "lower", "units"),
            fig("oversold_interval_slow", "interval 300 s: units oversold", 0, "lower", "units"),
            fig("vs_floor", "satustok ÷ floor", 1.5, "lower", "×"),
            fig("fewer_than_slowest_interval", "interval 300 s ÷ satustok", 20, "higher", "×"),
            fig(
                "zero_after_last_unit_s", "all shops at 0 after last unit (max)", 1.0, "lower", "s"
            ),
            fig("orders_lost_or_doubled", "orders lost or counted twice", 0, "lower", "orders"),
        ],
    },
    "scale": {
        "what": "N SKUs (10% bundles) × 3 integrations, bulk-built; sweep, 1% change, import",
        "target": "no-op sweep ≤ 2 s; 1% changed converge ≤ 10 s; import of N units < 400 MB RSS",
        "full": {"skus": 100_000, "rounds": 3, "latency_ms": 20, "import_units": 100_000},
        "quick": {"skus": 2_000, "rounds": 2, "latency_ms": 5, "import_units": 2_000},
        "max_repeat": 1,  # rounds inside the run give the samples (the build takes long)
        "figures": [
            fig("sweep_seconds", "no-op sweep", 2.0, "lower", "s"),
            fig("converge_seconds", "1% changed converged", 10.0, "lower", "s"),
            fig("import_peak_rss_mb", "import peak RSS", 400, "lower", "MB"),
        ],
    },
    "labels": {
        "what": "N orders' labels as one PDF (⅓ channel PDF, ⅓ HTML, ⅓ hub-drawn), both layouts",
        "target": "labels of 200 orders in one PDF in < 10 s (10×15 and A4)",
        "full": {"orders": 200},
        "quick": {"orders": 12},
        "figures": [
            fig("seconds_10x15", "10×15 PDF composed in", 10.0, "lower", "s"),
            fig("seconds_a4", "A4 PDF composed in", 10.0, "lower", "s"),
        ],
    },
    "orders": {
        "what": "the order work queue over N orders (6 shops, 3 channels) built with bulk_create",
        "target": "a filtered page of the Orders view ≤ 200 ms on SQLite (p50)",
        "full": {"orders": 100_000, "rounds": 20},
        "quick": {"orders": 2_000, "rounds": 3},
        "max_repeat": 1,  # rounds inside the run give the samples (the build takes long)
        "figures": [
            fig("view_ms", "Orders view, filtered page", 200, "lower", "ms"),
            fig("filtered_page_ms", "filtered page query", 100, "lower", "ms"),
            fig("tab_counts_ms", "tab counts", 100, "lower", "ms"),
            fig("page_200_ms", "to ship, page 200", 200, "lower", "ms"),
            fig("search_ms", "search by tracking number", 20, "lower", "ms"),
        ],
    },
    "dashboard": {
        "what": "a year of orders (N a day × D days, 6 shops, K SKUs, 1–3 lines) bulk-built; "
        "aggregates rebuilt, refreshed after M new orders; the Dashboard view (last 30 days)",
        "target": "Dashboard view ≤ 300 ms (p50 and p95); full rebuild ≤ 30 s; refresh ≤ 1 s",
        "full": {
            "orders_per_day": 1_000,
            "days": 365,
            "skus": 300,
            "new_orders": 100,
            "requests": 30,
        },
        "quick": {"orders_per_day": 20, "days": 20, "skus": 20, "new_orders": 5, "requests": 3},
        "max_repeat": 1,  # the requests inside the run give the samples (the build takes long)
        "figures": [
            fig("view_p50_ms", "Dashboard view, 30 days, p50", 300, "lower", "ms"),
            fig("view_p95_ms", "Dashboard view, 30 days, p95", 300, "lower", "ms"),
            fig("rebuild_seconds", "aggregates rebuilt from orders", 30, "lower", "s"),
            fig("refresh_ms", "refresh after new orders", 1_000, "lower", "ms"),
            fig("idle_refresh_ms", "refresh check, nothing changed", 20, "lower", "ms"),
        ],
    },
    "uploads": {
        "what": "a stock upload of N rows (N/2 SKUs × 2 warehouses, a linked listing per SKU): "
        "the template, then a filled-in XLSX with a change on every row previewed and applied",
        "target": "preview < 10 s and apply < 20 s on SQLite (50,000 rows)",
        "full": {"rows": 50_000},
        "quick": {"rows": 600},
        "max_repeat": 2,  # a run builds 25,000 SKUs and writes 50,000 ledger lines
        "figures": [
            fig("preview_seconds", "50,000-row upload previewed", 10.0, "lower", "s"),
            fig("apply_seconds", "50,000-row upload applied", 20.0, "lower", "s"),
            fig("template_seconds", "template downloaded (built)", 10.0, "lower", "s"),
        ],
    },
    "workers": {
        "what": "PostgreSQL + Redis; a backlog stored by the web process, drained by 1 or 2 "
        "`satustok worker` processes",
        "target": "throughput with 2 workers ≥ 1.6 × with 1 (propagation and webhooks)",
        "full": {
            "propagation": {"skus": 1_000, "orders": 1_000, "threads": 4},
            "webhooks": {"posts": 3_000, "concurrency": 4, "skus": 200},
            "latency_ms": 20,
        },
        "quick": {
            "propagation": {"skus": 20, "orders": 30, "threads": 2},
            "webhooks": {"posts": 60, "concurrency": 2, "skus": 20},
            "latency_ms": 5,
        },
        "max_repeat": 3,  # each run measures 1 and 2 workers on two workloads (~40 s)
        "figures": [
            fig("propagation_ratio", "propagation 2w/1w", 1.6, "higher", "×"),
            fig("webhooks_ratio", "webhooks 2w/1w", 1.6, "higher", "×"),
        ],
    },
}


def main(argv: list[str]) -> int:
    args = _parse(argv)
    _setup_django()
    names = [args.scenario] if args.scenario else list(SCENARIOS)
    document: dict[str, Any] = {
        "machine": _machine(),
        "database": _database(),
        "database_detail": _database_detail(),
        "queue": _queue(),
        "quick": args.quick,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "scenarios": {},
    }
    failed = False
    for name in names:
        started = time.perf_counter()
        load_before = os.getloadavg()
        try:
            result = _run_scenario(name, args)
        except Exception as error:  # one broken scenario must not hide the others' figures
            failed = True
            traceback.print_exc()
            result = {"error": f"{type(error).__name__}: {error}", **_spec_summary(name, args)}
        result["wall_seconds"] = round(time.perf_counter() - started, 1)
        # Other work on the machine skews figures: the 1-minute load before and after says so.
        result["load_average"] = {
            "before": round(load_before[0], 2),
            "after": round(os.getloadavg()[0], 2),
        }
        document["scenarios"][name] = result
        print(f"[bench] {name}: done in {result['wall_seconds']} s", file=sys.stderr, flush=True)
    document["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    _write(document, args.output)
    _print_table(document)
    return 1 if failed else 0


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/<ts>.json)")
    return parser.parse_args(argv)


def _setup_django() -> None:
    # Always a throw-away data directory: keys, the SQLite database (unless DATABASE_URL) and
    # the SQLite queue (unless SATUSTOK_QUEUE_URL) live there, shared with the hub processes.
    data_dir = tempfile.mkdtemp(prefix="satustok-bench-")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["SATUSTOK_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satustok.settings")
    os.environ.setdefault("SATUSTOK_LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _fresh_database() -> None:
    from django.core.management import call_command

    from bench import stack

    call_command("flush", "--noinput", verbosity=0)
    stack.flush_queue()


def _spec_summary(name: str, args: argparse.Namespace) -> dict[str, Any]:
    spec = SCENARIOS[name]
    return {
        "what": spec["what"],
        "parameters": spec["quick" if args.quick else "full"],
        "target": spec["target"],
    }


def _run_scenario(name: str, args: argparse.Namespace) -> dict[str, Any]:
    import importlib

    spec = SCENARIOS[name]
    params = spec["quick" if args.quick else "full"]
    module = importlib.import_module(f"bench.scenario_{name.replace('-', '_')}")
    repeat = 1 if args.quick else min(args.repeat, spec.get("max_repeat", args.repeat))
    runs = []
    for index in range(repeat):
        _fresh_database()
        print(f"[bench] {name}: run {index + 1}/{repeat}", file=sys.stderr, flush=True)
        runs.append(module.run(**params))
    figures = {f["key"]: _figure(f, runs) for f in spec["figures"]}
    primary = spec["figures"][0]["key"]
    return {
        **_spec_summary(name, args),
        "repeat": repeat,
        "figure": primary,
        "median": figures[primary]["median"],
        "min": figures[primary]["min"],
        "max": figures[primary]["max"],
        "figures": figures,
        "runs": runs,
    }


def _samples(runs: list[dict[str, Any]], key: str) -> list[float | None]:
    """Every sample of one figure: a run gives one value, or a list (rounds inside the run)."""
    values: list[float | None] = []
    for run in runs:
        value = run.get(key)
        values.extend(value if isinstance(value, list) else [value])
    return values


def _figure(spec: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    samples = _samples(runs, spec["key"])
    present = [float(v) for v in samples if v is not None]
    missing = len(samples) - len(present)
    median = round(statistics.median(present), 3) if present else None
    if spec["better"] == "lower":
        met = median is not None and not missing and median <= spec["target"]
    else:
        met = median is not None and not missing and median >= spec["target"]
    return {
        "label": spec["label"],
        "unit": spec["unit"],
        "target": spec["target"],
        "better": spec["better"],
        "median": median,
        "min": round(min(present), 3) if present else None,
        "max": round(max(present), 3) if present else None,
        "samples": samples,
        "missing": missing,  # a sample the run could not produce (e.g. B never converged)
        "met": met,
    }


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python_speed_ms": _python_speed_ms(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _python_speed_ms() -> float:
    """Milliseconds one core takes for a fixed piece of interpreter work (best of 5): machines
    of one kind differ, and the same code measured 2× apart on two of them. Figures from runs
    are comparable only where this is alike."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        table: dict[int, str] = {}
        for i in range(200_000):
            table[i % 1000] = f"{i}:{i * i}"
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def _database() -> str:
    from django.db import connection

    return connection.vendor


def _database_detail() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (WAL, temporary data directory)"


def _queue() -> str:
    from bench import stack

    url = os.environ.get("SATUSTOK_QUEUE_URL", "")
    return f"{stack.queue_name()} ({url})" if url else f"{stack.queue_name()} (data directory)"


def _write(document: dict[str, Any], output: Path | None) -> None:
    target = output or RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    print(f"results: {target}")


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{int(value):,}"


def _print_table(document: dict[str, Any]) -> None:
    print(
        f"\n{document['database_detail']} · queue {document['queue']} · "
        f"{document['machine']['cpus']} CPUs · Python {document['machine']['python']} · "
        f"{document['machine'].get('python_speed_ms', '?')} ms per unit of interpreter work"
        + (" · QUICK (figures mean nothing)" if document["quick"] else "")
    )
    header = (
        f"{'scenario':<15} {'figure':<34} {'median':>10} {'min':>10} {'max':>10}  "
        f"{'target':<14} verdict"
    )
    print(header)
    print("-" * len(header))
    for name, result in document["scenarios"].items():
        if "error" in result:
            print(f"{name:<15} ERROR: {result['error']}")
            continue
        for figure in result["figures"].values():
            sign = "≤" if figure["better"] == "lower" else "≥"
            target = f"{sign} {_number(figure['target'])} {figure['unit']}"
            verdict = "met" if figure["met"] else "MISSED"
            if figure["missing"]:
                verdict += f" ({figure['missing']} sample(s) missing)"
            label = f"{figure['label']} ({figure['unit']})"
            print(
                f"{name:<15} {label:<34} {_number(figure['median']):>10} "
                f"{_number(figure['min']):>10} {_number(figure['max']):>10}  {target:<14} {verdict}"
            )
    print(
        json.dumps(
            {
                name: {
                    key: {k: f[k] for k in ("median", "min", "max")}
                    for key, f in r.get("figures", {}).items()
                }
                for name, r in document["scenarios"].items()
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
