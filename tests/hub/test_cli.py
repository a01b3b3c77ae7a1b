"""The operator's CLI: the same flow as the UI, JSON for scripts, the UI's messages and
distinct exit codes on failure."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from seed_oracle import bucket_counts, expected_buckets

pytestmark = pytest.mark.django_db

BUCKETS = {
    "linked",
    "new_master",
    "skipped_empty_sku",
    "skipped_inactive",
    "skipped_no_stock",
    "conflict_duplicate_sku",
}


def satustok_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    call_command(*args)
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def add_args(sandbox: Any, shop_id: str, secret: str | None = None) -> list[str]:
    app = sandbox.app(fs_id=15001)
    return [
        "integrations",
        "add",
        "tokopedia",
        "--fs-id",
        "15001",
        "--shop-id",
        shop_id,
        "--client-id",
        app["client_id"],
        "--client-secret",
        secret or app["client_secret"],
    ]


def test_add_import_and_list_by_contract(
    fast_sandbox: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    added = satustok_json(capsys, *add_args(fast_sandbox, "480001"), "--json")
    assert added["shop_name"] == "Toko Sari Batik" and isinstance(added["id"], int)
    assert fast_sandbox.app(fs_id=15001)["client_secret"] not in json.dumps(added)

    preview = satustok_json(capsys, "import", "tokopedia", str(added["id"]), "--preview", "--json")
    assert set(preview["counts"]) == BUCKETS
    assert preview["counts"] == bucket_counts(expected_buckets(480001))
    assert {"product_id", "sku", "bucket", "reason"} <= set(preview["rows"][0])

    imported = satustok_json(capsys, "import", "tokopedia", str(added["id"]), "--json")
    assert imported["counts"] == preview["counts"] and imported["state"] == "done"

    variants = satustok_json(capsys, "catalog", "list", "--json")
    assert len(variants) == imported["counts"]["new_master"]
    first = variants[0]
    assert {"sku", "available", "listings"} <= set(first)
    assert (
        first["listings"][0]["integration"] == added["id"] and first["listings"][0]["external_id"]
    )

    listed = satustok_json(capsys, "integrations", "list", "--json")
    assert [row["id"] for row in listed] == [added["id"]]


@pytest.mark.parametrize(
    ("shop_id", "secret", "code", "words"),
    [
        ("480001", "wrong-secret-wrong", 3, "rejected the Client ID"),
        ("480003", None, 4, "Official Store or a Power Merchant"),
        ("480004", None, 5, "closed or on holiday"),
    ],
)
def test_failures_exit_non_zero_with_the_uis_words(
    sandbox: Any,
    shop_id: str,
    secret: str | None,
    code: int,
    words: str,
    settings: Any,
) -> None:
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"), pytest.raises(CommandError) as failed:
        call_command(*add_args(sandbox, shop_id, secret))
    assert failed.value.returncode == code
    assert words in str(failed.value)


def test_malformed_input_is_refused_before_any_call(sandbox: Any) -> None:
    with pytest.raises(CommandError) as failed:
        call_command(
            "integrations",
            "add",
            "tokopedia",
            "--fs-id",
            "abc",
            "--shop-id",
            "480001",
            "--client-id",
            "x",
            "--client-secret",
            "y",
        )
    assert failed.value.returncode == 2
    assert sandbox.stats()["groups"]["shop_info"]["calls"] == 0


def test_the_secret_can_come_from_standard_input(
    sandbox: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(sandbox.app(fs_id=15001)["client_secret"] + "\n"))
    without_secret = add_args(sandbox, "480002")[:-2]  # no --client-secret: read from stdin
    added = satustok_json(capsys, *without_secret, "--json")
    assert added["shop_id"] == "480002"


@pytest.mark.dbless
def test_the_console_script_end_to_end(tokopedia_sandbox: Any, tmp_path: Path) -> None:
    """The installed `satustok` entry point, in its own process and data directory."""
    env = {
        **os.environ,
        "SATUSTOK_DATA_DIR": str(tmp_path),
        "SATUSTOK_TOKOPEDIA_ACCOUNTS_URL": tokopedia_sandbox.accounts_url,
        "SATUSTOK_TOKOPEDIA_API_URL": tokopedia_sandbox.api_url,
    }
    env.pop("DATABASE_URL", None)
    satustok = [sys.executable, "-c", "from satustok.cli import main; main()"]
    subprocess.run([*satustok, "migrate"], env=env, check=True, capture_output=True)
    app = tokopedia_sandbox.app(fs_id=15001)
    add = subprocess.run(
        [
            *satustok,
            "integrations",
            "add",
            "tokopedia",
            "--fs-id",
            "15001",
            "--shop-id",
            "480002",
            "--client-id",
            app["client_id"],
            "--json",
        ],
        env=env,
        input=app["client_secret"] + "\n",
        capture_output=True,
        text=True,
    )
    assert add.returncode == 0, add.stderr
    integration = json.loads(add.stdout)["id"]
    again = subprocess.run(
        [
            *satustok,
            "integrations",
            "add",
            "tokopedia",
            "--fs-id",
            "15001",
            "--shop-id",
            "480002",
            "--client-id",
            app["client_id"],
        ],
        env=env,
        input=app["client_secret"] + "\n",
        capture_output=True,
        text=True,
    )
    assert again.returncode == 6 and again.stderr.strip()
    imported = subprocess.run(
        [*satustok, "import", "tokopedia", str(integration), "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["counts"]["new_master"] > 0
