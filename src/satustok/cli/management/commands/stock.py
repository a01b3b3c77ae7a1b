"""``satustok stock set|add|remove SKU QTY --reason …`` and ``satustok stock show SKU [--json]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from satustok.cli.output import print_json
from satustok.inventory.adjustments import ACTIONS, AdjustmentRefused, adjust, find_variant
from satustok.inventory.models import Warehouse
from satustok.sync.stock_view import sku_status


class Command(BaseCommand):
    help = "Adjust or show the master stock of a SKU."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        for action in ACTIONS:
            sub = commands.add_parser(action, help=f"{action} on-hand stock")
            sub.add_argument("sku")
            sub.add_argument("quantity", type=int)
            sub.add_argument("--reason", required=True)
            sub.add_argument("--warehouse", default="utama", help="warehouse code")
            sub.add_argument("--json", action="store_true")
        show = commands.add_parser("show", help="levels and what every listing should show")
        show.add_argument("sku")
        show.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            variant = find_variant(options["sku"])
            if options["action"] != "show":
                warehouse = _warehouse(options["warehouse"])
                adjust(
                    variant,
                    options["action"],
                    options["quantity"],
                    options["reason"],
                    warehouse=warehouse,
                    actor="cli",
                )
        except AdjustmentRefused as refused:
            raise CommandError(str(refused), returncode=2) from None
        status = sku_status(variant)
        if options["json"]:
            print_json(status)
        else:
            self._print(status)

    def _print(self, status: dict[str, Any]) -> None:
        console = Console()
        console.print(
            f"{status['sku']} · {status['product']}: on hand {status['on_hand']}, "
            f"reserved {status['reserved']}, available {status['available']}"
            + (" (OVERSOLD)" if status["oversold"] else "")
        )
        table = Table("Shop", "Listing", "Desired", "Last pushed", "Push")
        for row in status["listings"]:
            table.add_row(
                row["shop"],
                row["external_id"],
                str(row["desired"]),
                str(row["last_pushed"] if row["last_pushed"] is not None else "—"),
                "pending" if row["needs_push"] else "done",
            )
        console.print(table)


def _warehouse(code: str) -> Warehouse:
    warehouse = Warehouse.objects.filter(code=code).first()
    if warehouse is None:
        raise AdjustmentRefused(f"No warehouse with code {code!r}.")
    return warehouse
