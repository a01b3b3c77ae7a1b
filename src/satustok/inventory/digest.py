"""The daily low-stock digest: once a day at 07:00 WIB, how many SKUs are low on stock (the
Dashboard shows the last digest's date), e-mailed in Bahasa Indonesia to the active Owners and
Admins with an e-mail address (and ``SATUSTOK_DIGEST_EMAIL``) when mail is set up.

Once a day, however many workers run the task: the day's :class:`LowStockDigest` row (its date
is unique) is the lock, and only the worker whose insert succeeds builds and sends it. The
task runs every hour and makes the day's digest from 07:00 on, so a worker that was down at
seven still sends it when it comes back; a digest whose mail failed is not sent again (a
second mail later the same day is worse than none), the failure is logged.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from datetime import datetime, time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from satustok.catalog.models import Variant
from satustok.core.access import Role
from satustok.inventory.low_stock import low_stock
from satustok.inventory.models import LowStockDigest

log = logging.getLogger(__name__)

DIGEST_TIME = time(7, 0)  # WIB (settings.TIME_ZONE)
DIGEST_ROWS = 50  # SKUs listed in the e-mail; the Low stock tab has them all
DJANGO_DEFAULT_EMAIL_HOST = "localhost"


def make_daily_digest(now: datetime | None = None) -> LowStockDigest | None:
    """Today's digest, made (and e-mailed) by the one caller that claims the day; None before
    07:00 WIB or when the day's digest exists already."""
    today = timezone.localtime(now)
    if today.time() < DIGEST_TIME or LowStockDigest.objects.filter(date=today.date()).exists():
        return None
    skus = low_stock()  # the whole hub: the digest is for the Owners and Admins
    try:
        with transaction.atomic():
            digest = LowStockDigest.objects.create(date=today.date(), sku_count=skus.count())
    except IntegrityError:
        return None  # another worker claimed the day between our look and our insert
    if mail_is_set_up():
        _mail(digest, list(skus[:DIGEST_ROWS]))
    return digest


def last_digest() -> LowStockDigest | None:
    return LowStockDigest.objects.order_by("-date").first()


def mail_is_set_up() -> bool:
    """Django's mail settings are given: an SMTP host other than Django's default, or
    recipients named in ``SATUSTOK_DIGEST_EMAIL``."""
    return settings.EMAIL_HOST != DJANGO_DEFAULT_EMAIL_HOST or bool(settings.SATUSTOK_DIGEST_EMAIL)


def recipients() -> list[str]:
    """Active Owners and Admins with an e-mail (a superuser without a role is an Owner), then
    ``SATUSTOK_DIGEST_EMAIL``; each address once, whatever its case."""
    staff = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(membership__role__in=[Role.OWNER, Role.ADMIN])
            | Q(membership__isnull=True, is_superuser=True)
        )
        .order_by("pk")
    )
    addresses = [*staff.values_list("email", flat=True), *settings.SATUSTOK_DIGEST_EMAIL]
    unique: dict[str, str] = {}
    for address in addresses:
        unique.setdefault(address.strip().lower(), address.strip())
    return list(unique.values())


def _mail(digest: LowStockDigest, lowest: Sequence[Variant]) -> None:
    """One message per recipient (they need not see each other's addresses), in the hub's
    language, Bahasa Indonesia; ``sent_to``/``sent_at`` record who got it."""
    to = recipients()
    if not to:
        log.info("low-stock digest of %s: nobody to e-mail", digest.date)
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = _subject(digest), _body(digest, lowest)
    try:
        with get_connection() as connection:
            connection.send_messages([EmailMessage(subject, body, to=[addr]) for addr in to])
    except (OSError, smtplib.SMTPException) as error:
        log.error("low-stock digest of %s not e-mailed: %s", digest.date, error)
        return
    digest.sent_to, digest.sent_at = ", ".join(to), timezone.now()
    digest.save(update_fields=["sent_to", "sent_at"])


def _subject(digest: LowStockDigest) -> str:
    count = digest.sku_count
    return ngettext(
        "satustok: %(count)s SKU low on stock (%(date)s)",
        "satustok: %(count)s SKUs low on stock (%(date)s)",
        count,
    ) % {"count": count, "date": digest.date.strftime("%d-%m-%Y")}


def _body(digest: LowStockDigest, lowest: Sequence[Variant]) -> str:
    if not digest.sku_count:
        return _("No SKU is low on stock today.") + "\n"
    lines = [
        _("These SKUs are at or below their low-stock threshold; the lowest come first."),
        "",
        "\t".join([_("SKU"), _("Product"), _("Available"), _("Threshold")]),
        *(_row(variant) for variant in lowest),
    ]
    if digest.sku_count > len(lowest):
        lines += ["", _("… and %(more)s more.") % {"more": digest.sku_count - len(lowest)}]
    return "\n".join([*lines, "", _low_stock_link()]) + "\n"


def _row(variant: Variant) -> str:
    available: int = variant.available  # type: ignore[attr-defined]  # annotated by low_stock
    shown = f"{available} ({_('oversold')})" if available < 0 else str(available)
    threshold = str(variant.threshold)  # type: ignore[attr-defined]
    return "\t".join([variant.sku, variant.product.name, shown, threshold])


def _low_stock_link() -> str:
    try:
        path = reverse("web:inventory") + "?bucket=low"
    except NoReverseMatch:  # a set-up without the web UI
        return ""
    return _("Every low SKU: %(url)s") % {"url": settings.PUBLIC_URL.rstrip("/") + path}
