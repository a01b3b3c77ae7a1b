"""How long webhook deliveries are kept: ``SATUSTOK_WEBHOOK_RETENTION_DAYS`` after they came in,
once done with. :func:`purge_deliveries` (the hourly task ``purge_old_deliveries``, and for the
CLI) deletes in small batches, each its own short transaction, so that a large purge never
holds SQLite's write lock for long; a delivery still waiting or being processed is never
deleted, whatever its age (the minute sweep still owes it a task)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from satustok.orders.models import DeliveryStatus, RefusedDeliveries, WebhookDelivery

PURGE_BATCH = 500  # rows one delete takes: a few milliseconds of write lock
# A retention longer than this keeps everything (a century; more overflows the date arithmetic).
LONGEST_RETENTION_DAYS = 36_500

DONE_WITH = (DeliveryStatus.PROCESSED, DeliveryStatus.FAILED, DeliveryStatus.REJECTED)


@dataclass(frozen=True)
class Purged:
    deliveries: int
    refusal_counts: int


def purge_deliveries(
    *, now: datetime | None = None, retention_days: int | None = None, batch: int = PURGE_BATCH
) -> Purged:
    """Delete deliveries done with (processed, failed, or rejected before refusals were only
    counted) received more than the retention ago, and refusal counts of days that old."""
    days = settings.SATUSTOK_WEBHOOK_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = (now or timezone.now()) - timedelta(days=min(max(days, 0), LONGEST_RETENTION_DAYS))
    old = WebhookDelivery.objects.filter(status__in=DONE_WITH, received_at__lt=cutoff)
    deliveries = 0
    while ids := list(old.order_by("id").values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            deliveries += WebhookDelivery.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < batch:
            break
    counts, _ = RefusedDeliveries.objects.filter(day__lt=timezone.localdate(cutoff)).delete()
    return Purged(deliveries, counts)
