"""The reports' Huey tasks: the sales aggregates refreshed every minute.

The dashboard and the report pages refresh before they read as well (``sales.
refresh_for_reading``), so this task is what keeps the aggregates current between visits, and
what picks up an order whose transaction committed late (``sales.OVERLAP``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from satustok.reports import sales


@db_periodic_task(crontab(minute="*"))
def refresh_sales() -> int:
    """Refresh the sales aggregates; how many days it recomputed (-1: all, a rebuild)."""
    result = sales.refresh()
    return -1 if result.days is None else len(result.days)


# The report exports' tasks (reports/export_tasks.py), registered with every consumer too.
from satustok.reports import export_tasks  # noqa: E402, F401
