"""Refused webhook deliveries, counted and never stored.

A POST the receiver refuses (no such integration or event, too large, a bad signature, a
malformed body) leaves no body anywhere: it adds one to a counter row per day, channel,
integration and reason (:class:`RefusedDeliveries`), so that a flood of unsigned posts costs
an ``UPDATE`` each and the database does not grow. :func:`refused_counts` reads them (for an
integration's page, the sync log or the CLI).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from satustok.orders.models import RefusalReason, RefusedDeliveries

NO_INTEGRATION = 0  # the URL named no integration of its channel (the id itself is not kept)


def count_refusal(channel: str, integration: int, reason: RefusalReason) -> None:
    """Add one to today's count of ``reason`` for this channel and integration."""
    now = timezone.now()
    key = {"day": timezone.localdate(now), "channel": channel, "integration": integration}
    rows = RefusedDeliveries.objects.filter(**key, reason=reason)
    if rows.update(count=F("count") + 1, last_at=now):
        return
    try:
        with transaction.atomic():
            RefusedDeliveries.objects.create(**key, reason=reason, count=1, last_at=now)
    except IntegrityError:  # another request created today's row first
        rows.update(count=F("count") + 1, last_at=now)


def refused_counts(
    *, channel: str | None = None, integration: int | None = None, days: int | None = None
) -> dict[str, int]:
    """Refused deliveries of the last ``days`` days (default: the retention), by reason code;
    narrowed to one channel and/or one integration (``NO_INTEGRATION``: unknown ids)."""
    window = settings.SATUSTOK_WEBHOOK_RETENTION_DAYS if days is None else days
    since = timezone.localdate() - timedelta(days=max(window - 1, 0))
    rows = RefusedDeliveries.objects.filter(day__gte=since)
    if channel is not None:
        rows = rows.filter(channel=channel)
    if integration is not None:
        rows = rows.filter(integration=integration)
    totals = rows.values("reason").annotate(total=Sum("count")).order_by("reason")
    return {row["reason"]: int(row["total"]) for row in totals}
