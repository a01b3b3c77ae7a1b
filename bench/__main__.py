"""``make bench [SCENARIO=name]``: run benchmark scenarios, print a table, write JSON.

Each scenario runs ``--repeat`` times on a fresh database (SQLite in a temporary data
directory unless ``DATABASE_URL`` is set); figures are medians with min and max. Results go
to ``bench/results/<timestamp>.json``. ``--quick`` shrinks every scenario so that the test suite
can check the scripts still work; quick figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
SCENARIOS: dict[str, dict[str, Any]] = {
    "import": {
        "target": "≥ 2,000 units/s on SQLite; ≥ 3,000/s on PostgreSQL",
        "full": {"units": 10_000, "latency_ms": 20},
        "quick": {"units": 300, "latency_ms": 5},
        "figure": "units_per_second",
    },
}


def main(argv: list[str]) -> int:
    args = _parse(argv)
    _setup_django()
    names = [args.scenario] if args.scenario else list(SCENARIOS)
    document = {
        "machine": _machine(),
        "database": _database(),
        "quick": args.quick,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "scenarios": {},
    }
    for name in names:
        document["scenarios"][name] = _run_scenario(name, args)
    _write(document, args.output)
    _print_table(document)
    return 0


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/<ts>.json)")
    return parser.parse_args(argv)


def _setup_django() -> None:
    if "DATABASE_URL" not in os.environ:
        os.environ["SATUSTOK_DATA_DIR"] = tempfile.mkdtemp(prefix="satustok-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satustok.settings")
    os.environ.setdefault("SATUSTOK_LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _fresh_database() -> None:
    from django.core.management import call_command

    call_command("flush", "--noinput", verbosity=0)


def _run_scenario(name: str, args: argparse.Namespace) -> dict[str, Any]:
    import importlib

    spec = SCENARIOS[name]
    params = spec["quick" if args.quick else "full"]
    module = importlib.import_module(f"bench.scenario_{name.replace('-', '_')}")
    runs = []
    for _ in range(1 if args.quick else args.repeat):
        _fresh_database()
        runs.append(module.run(**params))
    values = [run[spec["figure"]] for run in runs]
    return {
        "parameters": params,
        "target": spec["target"],
        "figure": spec["figure"],
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": runs,
    }


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def _database() -> str:
    from django.db import connection

    return connection.vendor


def _write(document: dict[str, Any], output: Path | None) -> None:
    target = output or RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    print(f"results: {target}")


def _print_table(document: dict[str, Any]) -> None:
    print(f"{'scenario':<12} {'figure':<18} {'median':>10} {'min':>10} {'max':>10}  target")
    for name, result in document["scenarios"].items():
        print(
            f"{name:<12} {result['figure']:<18} {result['median']:>10} {result['min']:>10} "
            f"{result['max']:>10}  {result['target']}"
        )
    print(
        json.dumps(
            {
                name: {k: r[k] for k in ("median", "min", "max")}
                for name, r in document["scenarios"].items()
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
