"""``satustok reports refresh [--rebuild] [--json]``: bring the sales aggregates up to date
now (the worker does it every minute; the Dashboard before it reads), or recompute them all
from the orders (``--rebuild``, e.g. after restoring a backup or editing orders by hand)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from satustok.cli.output import print_json
from satustok.reports import sales


class Command(BaseCommand):
    help = "Keep the sales aggregates of the Dashboard and the reports up to date."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        refresh = commands.add_parser("refresh", help="refresh the sales aggregates now")
        refresh.add_argument(
            "--rebuild", action="store_true", help="recompute every day from the orders"
        )
        refresh.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        done = sales.rebuild() if options["rebuild"] else sales.refresh()
        seconds = round(time.perf_counter() - started, 2)
        if options["json"]:
            print_json(
                {
                    "rebuilt": done.rebuilt,
                    "days": None if done.days is None else [d.isoformat() for d in done.days],
                    "sales_rows": done.sales_rows,
                    "sku_rows": done.sku_rows,
                    "read_through": done.read_through.isoformat(),
                    "seconds": seconds,
                }
            )
            return
        if done.rebuilt:
            message = _("Sales aggregates rebuilt: %(shops)d shop days, %(skus)d SKU days.")
        else:
            message = _("Sales aggregates refreshed: %(days)d days recomputed.")
        values = {"shops": done.sales_rows, "skus": done.sku_rows, "days": len(done.days or ())}
        self.stdout.write(message % values + f" ({seconds} s)")
