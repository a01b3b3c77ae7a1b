"""The architecture's rules, checked in the suite so CI enforces them (``make lint`` runs the
same two tools): import-linter's contracts (one-way layers, channel packages reached only
through the registry, channels apart, hub and sandboxes apart) and no channel name in code
outside the channel packages and the registry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts import check_channel_names

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.dbless


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_channel_is_named_outside_its_package_and_the_registry(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert check_channel_names.main() == 0, capsys.readouterr().out


def test_the_name_check_finds_a_channel_named_in_code(tmp_path: Path) -> None:
    leaky = tmp_path / "leaky.py"
    leaky.write_text(
        '"""Docstrings may say Shopee."""\n# so may comments: Tokopedia\nx = "shopee"\n'
    )
    assert [line for line, _ in check_channel_names.python_findings(leaky)] == [3]


def test_the_name_check_reads_templates_but_not_their_comments(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("{# Tokopedia #}\n{% comment %}Shopee{% endcomment %}\n<p>TikTok Shop</p>\n")
    assert [line for line, _ in check_channel_names.template_findings(page)] == [3]
