"""The benchmark scripts keep working (``--quick``: tiny sizes; the figures mean nothing and
are not asserted — performance is measured by ``make bench``, never inside tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.dbless
def test_quick_bench_writes_a_json_document(tmp_path: Path) -> None:
    output = tmp_path / "result.json"
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(output.read_text())
    assert document["database"] == "sqlite" and document["machine"]["cpus"]
    result = document["scenarios"]["import"]
    assert result["runs"][0]["units"] == result["parameters"]["units"]
    assert result["min"] <= result["median"] <= result["max"]
