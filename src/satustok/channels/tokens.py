"""Renewing an integration's access token, by one worker at a time, for any channel whose seller
approved the hub on the channel's page (the channel supplies the renewal call).

Such channels renew an access token with a refresh token that can be spent **once**; each
renewal returns a new pair. Two workers (web processes, queue consumers, import threads) that
found the same expiring token and renewed it both would present one refresh token twice: the
second is refused and, worse, whichever pair is stored last may be the dead one. So a renewal
happens only inside a transaction that holds the integration's row (``select_for_update``; on
SQLite the IMMEDIATE transaction holds the database's write lock), re-reads the tokens there,
and stores the new pair before it commits. The worker that waited behind it finds a fresh token
and uses it.

When the channel refuses the refresh token, the seller's approval has ended (revoked, expired,
or spent by an answer that was lost): the integration is marked ``NEEDS_RECONNECT`` **in the same
transaction, which commits** — so the worker waiting behind the lock sees it and does not present
the dead token again — and :class:`AuthorizationEnded` is raised. Call these outside any
transaction of your own: an outer rollback would take the stored tokens (or the mark) with it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from satustok.channels import registry
from satustok.channels.http.errors import (
    AuthError,
    AuthorizationEnded,
    NotAssociated,
    TokenExpired,
)
from satustok.channels.http.ratelimit import RateBudget
from satustok.channels.http.retry import RetryPolicy
from satustok.channels.http.transport import connection_pool
from satustok.channels.models import ChannelAccount, Health
from satustok.channels.protocol import AuthorizationNotice

log = logging.getLogger(__name__)

T = TypeVar("T")
C = TypeVar("C")  # a channel's client

# A token this close to its end is renewed before use: a page read or a push started with it
# must not meet its expiry half-way.
REFRESH_MARGIN = timedelta(minutes=10)

TOKEN_FIELDS = ("access_token", "token_expires_at", "refresh_token", "refresh_expires_at")
HEALTH_FIELDS = ("health", "health_message", "health_checked_at")


@dataclass(frozen=True)
class RenewedTokens:
    """What a renewal gives: the new pair and when each ends (UTC)."""

    access_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_token: str = field(repr=False)
    refresh_expires_at: datetime


# The channel's renewal call, made with the row locked: it must answer fast and must never be
# repeated once it may have reached the channel. It raises AuthError or NotAssociated when the
# channel refuses the refresh token.
Renew = Callable[[ChannelAccount], RenewedTokens]


class TokenKeeper:
    """One channel's access tokens: read, renewed before they end, renewed once more when the
    channel refuses one that looked valid."""

    def __init__(self, renew: Renew) -> None:
        self._renew = renew

    def access_token_for(self, account: ChannelAccount) -> str:
        """The integration's access token, renewed first if it ends within
        :data:`REFRESH_MARGIN` (by one worker only). Raises :class:`AuthorizationEnded`."""
        stored = _usable_token(account.access_token, account.token_expires_at)
        return stored if stored is not None else self._refresh(account, refused=None)

    def force_refresh(self, account: ChannelAccount, refused: str) -> str:
        """A new access token after the channel refused ``refused`` although it looked valid
        (revoked, or expired early). If another worker replaced it already, that one is used."""
        return self._refresh(account, refused=refused)

    def with_fresh_token(self, account: ChannelAccount, call: Callable[[str], T]) -> T:
        """``call(access_token)``; when the channel refuses the token, renew once and call
        once more."""
        token = self.access_token_for(account)
        try:
            return call(token)
        except TokenExpired:
            log.info("the channel refused the access token of integration %s", account.pk)
        return call(self.force_refresh(account, refused=token))

    def _refresh(self, account: ChannelAccount, refused: str | None) -> str:
        try:
            with transaction.atomic():
                row = ChannelAccount.objects.select_for_update().get(pk=account.pk)
                current = _usable_token(row.access_token, row.token_expires_at)
                if current is not None and current != refused:
                    _adopt(account, row)  # another worker renewed while we waited for the lock
                    return current
                ended = self._spend_refresh_token(row)
                if ended is None:
                    _adopt(account, row)
                    return str(row.access_token.reveal())
            _adopt(account, row)
            raise ended
        finally:
            _release_thread_connection()

    def _spend_refresh_token(self, row: ChannelAccount) -> AuthorizationEnded | None:
        """Renew and store the new pair on ``row`` (inside the caller's transaction), or mark the
        integration for reconnecting and return the error to raise once the mark is committed."""
        if row.health == Health.NEEDS_RECONNECT or not row.refresh_token:
            # Already refused (or never authorized): presenting the dead token cannot help.
            return AuthorizationEnded(
                "the shop's authorization ended earlier: the seller must reconnect it",
                endpoint="token",
            )
        try:
            tokens = self._renew(row)
        except (AuthError, NotAssociated) as refused:
            mark_needs_reconnect(row, refused.error_code or type(refused).__name__)
            ended = AuthorizationEnded(
                refused.message, error_code=refused.error_code, endpoint="token"
            )
            ended.__cause__ = refused
            return ended
        _store(row, tokens)
        return None


def _store(row: ChannelAccount, tokens: RenewedTokens) -> None:
    """The new pair, encrypted, at once: the refresh token sent is already spent."""
    row.access_token = tokens.access_token
    row.token_expires_at = tokens.access_expires_at
    row.refresh_token = tokens.refresh_token
    row.refresh_expires_at = tokens.refresh_expires_at
    row.save(update_fields=list(TOKEN_FIELDS))
    log.info("renewed the tokens of integration %s", row.pk)


def mark_needs_reconnect(row: ChannelAccount, cause: str) -> None:
    """The channel no longer accepts the hub for this shop: pushes pause, Reconnect is shown."""
    label = registry.label(row.channel)
    row.health = Health.NEEDS_RECONNECT
    # Stored in the hub's language, whichever page or worker found out (a worker has no seller).
    with translation.override(settings.LANGUAGE_CODE):
        row.health_message = gettext(
            "%(channel)s no longer accepts this hub for the shop (%(cause)s): the approval was "
            "cancelled, expired or must be renewed. Press Reconnect and approve the shop again "
            "on %(channel)s's page; stock and orders wait until then."
        ) % {"cause": cause, "channel": label}
    row.health_checked_at = timezone.now()
    row.save(update_fields=list(HEALTH_FIELDS))
    log.warning(
        "%s refused the hub for integration %s (%s): needs reconnecting",
        label,
        row.pk,
        cause,
        extra={"integration": row.pk},
    )


def apply_authorization_notice(account: ChannelAccount, notice: AuthorizationNotice) -> str:
    """What the channel said of the seller's approval, on the integration; returns what was
    done, for the delivery's record. An approval that ended pauses the integration (nothing is
    lost: its listings stay due until Reconnect); a coming end is shown with Reconnect."""
    if notice.ended:
        return _authorization_ended(account, notice)
    if notice.expires_at is not None:
        # Never later than known: a reminder without a date is a guess each day, and the
        # grant's own end may be nearer.
        sooner = Q(authorization_expires_at__isnull=True) | Q(
            authorization_expires_at__gt=notice.expires_at
        )
        ChannelAccount.objects.filter(sooner, pk=account.pk).update(
            authorization_expires_at=notice.expires_at
        )
        return f"authorization ends {notice.expires_at.isoformat()}"
    return "authorization notice recorded"


def _authorization_ended(account: ChannelAccount, notice: AuthorizationNotice) -> str:
    """Reconnect needed — unless the seller approved the hub again after the channel sent this
    (a late or repeated delivery must not undo a Reconnect)."""
    with transaction.atomic():
        row = ChannelAccount.objects.select_for_update().get(pk=account.pk)
        if _approved_since(row, notice.sent_at):
            return "authorization ended before the latest approval: nothing to do"
        mark_needs_reconnect(row, "deauthorized")
    return "authorization ended: reconnect needed"


def _approved_since(row: ChannelAccount, sent_at: datetime | None) -> bool:
    """Channels stamp notices to the second: only an approval a whole second after counts."""
    if sent_at is None or row.authorized_at is None:
        return False
    return row.authorized_at > sent_at + timedelta(seconds=1)


def _adopt(account: ChannelAccount, row: ChannelAccount) -> None:
    """Give the caller's object what the database now holds."""
    for name in TOKEN_FIELDS + HEALTH_FIELDS:
        setattr(account, name, getattr(row, name))


def _usable_token(token: Any, expires_at: datetime | None) -> str | None:
    if not token or expires_at is None or expires_at - timezone.now() < REFRESH_MARGIN:
        return None
    return str(token.reveal())


def _release_thread_connection() -> None:
    # A page-reading thread gives its connection back at once (the pool's threads outlive the
    # import, and an open SQLite connection would hold the file).
    if threading.current_thread() is not threading.main_thread() and not connection.in_atomic_block:
        connection.close()


# --- calling a channel for one integration ------------------------------------------------------


class TokenSession(Generic[C]):
    """One integration's calls to its channel: a client per call, built with the token current
    at that moment (so no thread ever changes another's token), over one shared connection pool
    and rate budget (safe from several threads at once, as the importer reads pages ahead).
    Construction does no I/O; :meth:`close` ends the pool. A channel subclasses it with
    :meth:`client`, which builds its client from the token, ``self.http`` and ``self.budget``."""

    keeper: TokenKeeper

    def __init__(
        self, account: ChannelAccount, user_agent: str, retry_policy: RetryPolicy | None = None
    ) -> None:
        self.account = account
        self.retry_policy = retry_policy
        # One TLS context for the process (transport.py): the pusher opens a session per round.
        self.http = connection_pool(user_agent)
        self.budget = RateBudget()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(integration={self.account.pk}, shop={self.account.shop_id})"

    def client(self, access_token: str | None = None) -> C:
        raise NotImplementedError

    def call(self, action: Callable[[C], T]) -> T:
        """``action(client)`` with a fresh token, renewed once if the channel refuses it."""
        return self.keeper.with_fresh_token(self.account, lambda token: action(self.client(token)))

    def close(self) -> None:
        self.http.close()
