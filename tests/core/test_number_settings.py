"""A whole-number setting given something else stops the start with its name and the value,
not a traceback deep in the code that first reads it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.dbless
@pytest.mark.parametrize("name", ["SATUSTOK_PUSH_URGENT_AT", "SATUSTOK_LOW_STOCK_DEFAULT"])
@pytest.mark.parametrize("value", ["ten", "-1", "٣"])
def test_a_whole_number_setting_refuses_anything_else_in_words(
    name: str, value: str, tmp_path: Path
) -> None:
    env = {**os.environ, "SATUSTOK_DATA_DIR": str(tmp_path), name: value}
    done = subprocess.run(
        [sys.executable, "-c", "import satustok.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert f"{name} must be a whole number, 0 or more (got {value!r})" in done.stderr


@pytest.mark.dbless
def test_a_whole_number_setting_takes_a_whole_number(tmp_path: Path) -> None:
    env = {**os.environ, "SATUSTOK_DATA_DIR": str(tmp_path), "SATUSTOK_PUSH_URGENT_AT": " 3 "}
    code = "import satustok.settings as s; print(s.SATUSTOK_PUSH_URGENT_AT)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3"
