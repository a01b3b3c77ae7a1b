"""``satustok sandbox`` as a real process: one JSON line once listening, then a working API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

RUN = "from satustok_sandbox.cli import main; import sys; main(sys.argv[1:])"


def run_cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", RUN, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_json_line_then_the_api_answers_then_it_stops() -> None:
    process = run_cli("--port", "0", "--json", "--unlimited")
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        assert set(info) >= {"accounts_url", "api_url", "control_url", "apps", "shops"}
        assert info["control_url"].endswith("/_sandbox/tokopedia/")
        app = next(app for app in info["apps"] if app["fs_id"] == 15001)
        token = httpx.post(
            f"{info['accounts_url']}/token?grant_type=client_credentials",
            auth=(app["client_id"], app["client_secret"]),
            trust_env=False,
        ).json()["access_token"]
        shops = httpx.get(
            f"{info['api_url']}/v1/shop/fs/15001/shop-info",
            headers={"Authorization": f"Bearer {token}"},
            trust_env=False,
        )
        assert [s["shop_id"] for s in shops.json()["data"]] == [480001, 480002, 480004]
        assert shops.headers["X-Ratelimit-Limit"] == "1000000 req/s (burst 1000000)"
        assert httpx.get(f"{info['control_url']}info", trust_env=False).json() == info
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0


def test_a_bad_seed_prints_the_field_and_exits_non_zero(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"apps": [{"fs_id": "x", "client_id": "a", "client_secret": "b"}]}))
    result = subprocess.run(
        [sys.executable, "-c", RUN, "--seed", str(seed), "--port", "0", "--json"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "apps[0].fs_id" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_print_schema() -> None:
    result = subprocess.run(
        [sys.executable, "-c", RUN, "--print-schema"], capture_output=True, text=True, timeout=30
    )
    assert json.loads(result.stdout)["title"] == "satustok Tokopedia sandbox seed"
