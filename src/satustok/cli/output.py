"""Shared pieces of satustok's operator commands: JSON output, seller problems, exit codes."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import CommandError

from satustok.channels.problems import SellerProblem


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def fail(problem: SellerProblem, as_json: bool) -> CommandError:
    """The error to raise for a seller problem: same words as the UI, a distinct exit code."""
    if as_json:
        print_json(
            {
                "error": {
                    "problem": str(problem.problem),
                    "title": problem.headline,
                    "detail": problem.explanation,
                }
            }
        )
    return CommandError(f"{problem.headline}\n{problem.explanation}", returncode=problem.exit_code)
