"""``satustok sandbox``: run the marketplace simulators on their own (see docs/sandbox.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the local marketplace simulators (every channel's sandbox)."

    def run_from_argv(self, argv: list[str]) -> None:
        # The sandbox owns its arguments; Django only routes to it.
        from satustok_sandbox.cli import main

        main(argv[2:])

    def handle(self, *args: Any, **options: Any) -> None:  # pragma: no cover - via run_from_argv
        from satustok_sandbox.cli import main

        main(list(args))
