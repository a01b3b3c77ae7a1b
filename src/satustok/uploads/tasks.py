"""The uploads' Huey task: old previews and old files purged once a day (``retention.py``)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from satustok.uploads import retention


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_uploads() -> int:
    """Delete stale previews and drop old applied files; how many uploads it touched."""
    purged = retention.purge()
    return purged.deleted + purged.files_dropped
