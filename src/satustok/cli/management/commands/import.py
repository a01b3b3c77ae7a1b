"""``satustok import CHANNEL INTEGRATION [--preview] [--json]``: the import, in the foreground,
for any registered channel.

The same engine and the same messages as the web UI's *Sync Product from …*; a Rich
progress bar shows pages read and products written. An interrupted run is resumed by running
the command again (``--resume RUN`` continues a specific one).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from satustok.channels import registry
from satustok.channels.http.errors import ChannelError
from satustok.channels.models import ChannelAccount
from satustok.channels.problems import explain
from satustok.cli.output import fail, print_json
from satustok.sync import imports, report
from satustok.sync.models import Bucket, ImportRun, RunMode, RunState


class Command(BaseCommand):
    help = "Import (or preview) a connected shop's products, linking them by SKU."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("channel", choices=registry.codes())
        parser.add_argument(
            "integration", type=int, help="the integration id (see `integrations list`)"
        )
        parser.add_argument("--preview", action="store_true", help="sort products, write nothing")
        parser.add_argument("--resume", type=int, metavar="RUN", help="continue an interrupted run")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        account = _account(options["channel"], options["integration"])
        run = _run(account, options)
        source = registry.connector(account.channel).catalog_source(account)
        try:
            self._execute(run, source, quiet=options["json"])
        except ChannelError as error:
            problem = explain(
                error,
                channel=account.get_channel_display(),
                app_id=account.app_id,
                shop_id=account.shop_id,
            )
            imports.fail(run, problem.headline)
            raise fail(problem, options["json"]) from None
        if options["json"]:
            print_json(report.run_document(run))
        else:
            self._summary(run)

    def _execute(self, run: ImportRun, source: Any, quiet: bool) -> None:
        if quiet:
            imports.execute(run, source)
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=Console(stderr=True)) as bar:
            task = bar.add_task("Reading products", total=None)

            def show(current: ImportRun) -> None:
                if current.state == RunState.APPLYING:
                    bar.update(
                        task,
                        description="Importing",
                        completed=current.units_applied,
                        total=current.units_fetched,
                    )
                else:
                    bar.update(
                        task,
                        completed=current.units_fetched,
                        description=f"Reading products (page {current.pages_done})",
                    )

            imports.execute(run, source, show)

    def _summary(self, run: ImportRun) -> None:
        table = Table("Bucket", "Products", title=f"{run.get_mode_display()} #{run.pk}")
        for bucket in Bucket:
            table.add_row(str(bucket.label), str(run.counts.get(bucket.value, 0)))
        console = Console()
        console.print(table)
        if run.mismatches:
            console.print(
                f"{run.mismatches} linked products show a different stock on the channel."
            )


def _account(channel: str, pk: int) -> ChannelAccount:
    try:
        return ChannelAccount.objects.select_related("warehouse").get(pk=pk, channel=channel)
    except ChannelAccount.DoesNotExist:
        raise CommandError(
            f"No {channel} integration with id {pk}; see `satustok integrations list`.",
            returncode=2,
        ) from None


def _run(account: ChannelAccount, options: dict[str, Any]) -> ImportRun:
    if options["resume"]:
        return _resumable(account, options["resume"])
    mode = RunMode.PREVIEW if options["preview"] else RunMode.IMPORT
    return imports.start_run(account, mode)


def _resumable(account: ChannelAccount, pk: int) -> ImportRun:
    """The run ``--resume`` names, refused in words (exit code 2) when it is not this
    integration's: resuming another shop's run would write its products under this one."""
    run = ImportRun.objects.filter(pk=pk).first()
    if run is None:
        raise CommandError(
            f"No import run with id {pk}; run the command without --resume to start one.",
            returncode=2,
        )
    if run.account_id != account.pk:
        raise CommandError(
            f"Import run {pk} belongs to integration {run.account_id}, not {account.pk}; "
            f"resume it with that integration's id, or run without --resume.",
            returncode=2,
        )
    return run
