"""Background jobs. Tasks are nudges: each re-reads its run from the database, so running one
twice, or on any worker, does no harm (a finished run is left alone)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from satustok.channels import registry
from satustok.channels.http.errors import ChannelError
from satustok.channels.problems import explain
from satustok.sync import imports
from satustok.sync.models import ImportRun, RunState

UNFINISHED = (RunState.QUEUED, RunState.FETCHING, RunState.APPLYING)

log = logging.getLogger(__name__)


@db_task()
def run_import(run_id: int) -> None:
    run_import_now(run_id)


def run_import_now(run_id: int) -> ImportRun:
    """Run or resume an import in this process; channel failures end the run with a message."""
    run = ImportRun.objects.select_related("account").get(pk=run_id)
    if run.is_finished:
        return run
    source = registry.connector(run.account.channel).catalog_source(run.account)
    try:
        imports.execute(run, source)
    except ChannelError as error:
        problem = explain(
            error,
            channel=run.account.get_channel_display(),
            app_id=run.account.app_id,
            shop_id=run.account.shop_id,
        )
        log.warning("import %s failed: %s", run.pk, type(error).__name__)
        imports.fail(
            run,
            f"{problem.headline}. "
            + _("Stopped after page %(page)s; try again to continue from there.")
            % {"page": run.pages_done},
        )
    return run


def resume_unfinished() -> list[int]:
    """Queue again every run a stopped worker left half-way (called when the worker starts)."""
    unfinished = list(ImportRun.objects.filter(state__in=UNFINISHED).values_list("pk", flat=True))
    for run_id in unfinished:
        run_import(run_id)
    return unfinished


def retry(run: ImportRun) -> None:
    """Continue a failed run from its last finished page."""
    ImportRun.objects.filter(pk=run.pk).update(state=RunState.QUEUED, error="", finished_at=None)
    run_import(run.pk)
