"""The report exports' Huey tasks: write one export, and every few minutes re-queue an export
whose task was lost and delete old files. Each re-reads its export from the database, so
running one twice, or on any worker, does no harm (``exports.run`` claims an export once)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from satustok.reports import exports


@db_task()
def run_export(export_id: int) -> None:
    exports.run(export_id)


@db_periodic_task(crontab(minute="*/5"))
def sweep_exports() -> list[int]:
    """Every five minutes: queue again the exports no worker took, and delete old ones."""
    waiting = exports.lost()
    for export_id in waiting:
        run_export(export_id)
    exports.purge()
    return waiting
