"""How long uploads are kept.

A preview nobody confirmed, or one discarded, is of no use after a week: it is deleted with its
file. An applied upload stays — the ledger and the activity log name it (``upload:<id>``) and
its page shows what it wrote — but after a month its file is dropped: the plan already holds
every change it made, and a file of up to 20 MB per upload would otherwise grow the database
for ever."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from satustok.uploads.models import Upload, UploadState

UNCONFIRMED_KEPT = timedelta(days=7)
APPLIED_FILE_KEPT = timedelta(days=30)


@dataclass(frozen=True)
class Purged:
    deleted: int  # previews never confirmed, and discarded uploads
    files_dropped: int  # applied uploads whose file was dropped


def purge(now: datetime | None = None) -> Purged:
    now = now or timezone.now()
    unconfirmed = Upload.objects.filter(
        state__in=[UploadState.PREVIEWED, UploadState.DISCARDED],
        created_at__lt=now - UNCONFIRMED_KEPT,
    )
    deleted, _by_model = unconfirmed.delete()
    old_files = Upload.objects.filter(
        state=UploadState.APPLIED, applied_at__lt=now - APPLIED_FILE_KEPT
    ).exclude(content=b"")
    return Purged(deleted, old_files.update(content=b""))
