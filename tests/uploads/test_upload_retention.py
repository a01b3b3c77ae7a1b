"""Old uploads are purged: a preview nobody confirmed and a discarded one after a week, an
applied upload's file (not the upload, which the ledger names) after a month."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from satustok.uploads import retention, tasks
from satustok.uploads.models import Upload, UploadKind, UploadState

pytestmark = pytest.mark.django_db


def an_upload(state: str, days_old: int, applied_days_old: int | None = None) -> Upload:
    upload = Upload.objects.create(
        kind=UploadKind.STOCK, state=state, file_name="s.xlsx", file_sha256="0" * 64,
        content=b"PK-the-file",
    )  # fmt: skip
    now = timezone.now()
    applied = None if applied_days_old is None else now - timedelta(days=applied_days_old)
    Upload.objects.filter(pk=upload.pk).update(
        created_at=now - timedelta(days=days_old), applied_at=applied
    )
    return upload


def test_stale_previews_go_and_applied_uploads_keep_their_plan_but_not_their_file() -> None:
    old_preview = an_upload(UploadState.PREVIEWED, 8)
    old_discarded = an_upload(UploadState.DISCARDED, 8)
    fresh_preview = an_upload(UploadState.PREVIEWED, 6)
    old_applied = an_upload(UploadState.APPLIED, 40, applied_days_old=31)
    recent_applied = an_upload(UploadState.APPLIED, 40, applied_days_old=29)

    purged = retention.purge()

    left = set(Upload.objects.values_list("pk", flat=True))
    assert old_preview.pk not in left and old_discarded.pk not in left
    assert {fresh_preview.pk, old_applied.pk, recent_applied.pk} <= left
    assert bytes(Upload.objects.get(pk=old_applied.pk).content) == b""
    assert bytes(Upload.objects.get(pk=recent_applied.pk).content) == b"PK-the-file"
    assert purged == retention.Purged(deleted=2, files_dropped=1)
    assert retention.purge() == retention.Purged(deleted=0, files_dropped=0)  # nothing twice


def test_the_daily_task_purges() -> None:
    an_upload(UploadState.DISCARDED, 9)
    assert tasks.purge_uploads.call_local() == 1
    assert not Upload.objects.exists()
