"""Template filters for how Indonesian sellers read numbers and times."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone

from satustok.core import formatting

register = template.Library()


@register.filter
def rupiah(value: int | float | None) -> str:
    """150000 → ``Rp 150.000`` (dots group thousands, as on every Indonesian price tag)."""
    if value is None or value == "":
        return "—"
    return formatting.rupiah(value if isinstance(value, int) else round(float(value)))


@register.filter
def number(value: int | None) -> str:
    """12345 → ``12.345``."""
    if value is None:
        return "—"
    return formatting.grouped(value)


@register.filter
def wib(value: datetime | None) -> str:
    """A moment in Western Indonesian Time: ``26-11-2026 22:15 WIB``."""
    if value is None:
        return "—"
    local = timezone.localtime(value)  # TIME_ZONE is Asia/Jakarta
    return local.strftime("%d-%m-%Y %H:%M WIB")


@register.filter
def percent(part: int, whole: int) -> int:
    return int(100 * part / whole) if whole else 0


APPROVAL_REMINDER_DAYS = 30  # TikTok Shop and Shopee remind a month ahead; so does the hub


@register.filter
def ends_soon(value: datetime | None) -> bool:
    """An approval ending within a month (or already ended): time to reconnect."""
    return value is not None and value - timezone.now() <= timedelta(days=APPROVAL_REMINDER_DAYS)
