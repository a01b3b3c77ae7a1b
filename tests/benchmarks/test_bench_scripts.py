"""The benchmark scripts keep working: each scenario runs once in ``--quick`` mode (tiny sizes,
short loads) and writes a JSON document with its figures. The figures mean nothing and are
never asserted against targets — performance is measured by ``make bench``, not in tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]

# What each scenario's run must report besides its figures (the script measured something).
EVIDENCE: dict[str, tuple[str, ...]] = {
    "import": ("units", "pages", "seconds"),
    "import-limited": ("pages", "ceiling_seconds", "product_info_calls", "fetch_seconds"),
    "propagation": ("orders", "latency_ms", "breakdown_ms", "stock_update_calls"),
    "burst": ("orders", "placing_seconds", "hub_side", "stock_update_rows"),
    "webhooks": ("posted", "accepted", "orders_in_db", "reserve_movements", "lines_accepted"),
    "scale": ("build_seconds", "sweep", "converge", "import"),
    "labels": ("orders", "labels", "pages", "bytes", "mix"),
    "orders": ("orders_built", "build_seconds", "queries"),
    "workers": ("by_workers",),
    "flash-sale": ("contenders", "floor_delay_ms", "stock_update_round_trip_ms", "chart"),
    "uploads": ("rows", "changes", "written", "ledger_rows", "listings_marked"),
    "dashboard": ("orders", "lines", "build_seconds", "sales_days", "view_ms", "refreshed_days"),
}


IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_servers() -> None:
    """``workers`` needs PostgreSQL and Redis on this machine (CI has both: never skip there)."""
    for name, port in (("PostgreSQL", 5432), ("Redis", 6379)):
        try:
            socket.create_connection(("127.0.0.1", port), 2).close()
        except OSError:
            if IN_CI:
                pytest.fail(f"{name} is not reachable at 127.0.0.1:{port} (CI=true requires it)")
            pytest.skip(f"{name} is not running at 127.0.0.1:{port}")


def quick(scenario: str, output: Path, **env: str) -> dict[str, Any]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    environment.pop("SATUSTOK_QUEUE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--scenario", scenario, "--output", str(output)],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    assert "target" in done.stdout and scenario in done.stdout  # the printed table
    return dict(json.loads(output.read_text()))


@pytest.mark.dbless
def test_every_scenario_has_evidence_listed() -> None:
    assert set(EVIDENCE) == set(SCENARIOS)


@pytest.mark.dbless
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_quick_scenario_writes_its_figures(scenario: str, tmp_path: Path) -> None:
    if scenario == "workers":
        require_servers()
    document = quick(scenario, tmp_path / "result.json")
    assert document["database"] == "sqlite" and document["machine"]["cpus"]
    assert document["machine"]["python_speed_ms"] > 0  # how fast this machine is, to compare runs
    assert document["queue"] and document["quick"] is True
    result = document["scenarios"][scenario]
    assert "error" not in result, result.get("error")
    assert result["parameters"] == SCENARIOS[scenario]["quick"]
    assert len(result["runs"]) == 1
    for spec in SCENARIOS[scenario]["figures"]:
        figure = result["figures"][spec["key"]]
        assert figure["target"] == spec["target"]
        assert figure["missing"] == 0, f"{spec['key']}: the run produced no value"
        assert figure["min"] <= figure["median"] <= figure["max"]
    run = result["runs"][0]
    for key in EVIDENCE[scenario]:
        assert run.get(key) not in (None, {}, []), f"{scenario}: {key} missing from the run"
    if scenario == "import":
        assert run["units"] == result["parameters"]["units"]
    if scenario == "flash-sale":  # every contender sold, and the hub lost and doubled nothing
        for name in ("satustok", "interval-2s", "interval-4s"):
            assert run["contenders"][name]["orders"] >= sum(run["parameters"]["stocks"])
        assert run["orders_lost_or_doubled"] == 0
    if scenario == "webhooks":
        assert run["accepted"] > 0 and run["lines_accepted"] == run["reserve_movements"]


@pytest.mark.dbless
def test_quick_dashboard_counts_what_it_built(tmp_path: Path) -> None:
    """The dashboard scenario built its year (scaled down) and measured the page on it."""
    run = quick("dashboard", tmp_path / "result.json")["scenarios"]["dashboard"]["runs"][0]
    parameters = SCENARIOS["dashboard"]["quick"]
    assert run["orders"] == parameters["orders_per_day"] * parameters["days"]
    assert run["lines"] >= run["orders"] and run["sales_days"] > 0
    assert run["refreshed_days"] >= 1  # the new orders' day was recomputed
    assert set(run["view_ms"]) == {"30d", "today"}


@pytest.mark.dbless
def test_quick_uploads_wrote_one_ledger_line_per_row(tmp_path: Path) -> None:
    """The uploads scenario changed every row of its template, and the ledger and the
    listings to push say so."""
    run = quick("uploads", tmp_path / "result.json")["scenarios"]["uploads"]["runs"][0]
    assert run["rows"] == SCENARIOS["uploads"]["quick"]["rows"] and run["problems"] == 0
    assert run["changes"] == run["written"] == run["ledger_rows"] == run["rows"]
    assert run["listings_marked"] == run["skus"]
