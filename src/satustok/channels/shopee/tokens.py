"""The Shopee token keeper, Django side: a shop's access token, refreshed by one worker at a time.

Shopee's refresh token can be spent **once**; each refresh returns a new pair. Two workers (web
processes, Huey consumers, import threads) that found the same expiring token and refreshed it
both would present one refresh token twice: the second is refused ("already used") and, worse,
whichever pair is stored last may be the dead one. So a refresh happens only inside a
transaction that holds the integration's row (``select_for_update``; on SQLite the IMMEDIATE
transaction holds the database's write lock), re-reads the tokens there, and stores the new
pair before it commits. The worker that waited behind it finds a fresh token and uses it.

When Shopee refuses the refresh token, the seller's approval has ended (revoked, older than 30
days, a year old, or spent by an answer that was lost): the integration is marked
``NEEDS_RECONNECT`` **in the same transaction, which commits** — so the worker waiting behind
the lock sees it and does not present the dead token again — and :class:`AuthorizationEnded`
is raised. Call these functions outside any transaction of your own: an outer rollback would
take the stored tokens (or the mark) with it.

:class:`ShopSession` is how the adapter calls Shopee for one integration: a client per call,
bound to the token current at that moment, sharing one connection pool and one rate budget
(safe from several threads at once, as the importer reads pages ahead).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
from django.conf import settings
from django.db import connection, transaction
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
from satustok.channels.shopee.client import (
    USER_AGENT,
    PartnerApp,
    ShopeeClient,
    ShopTokens,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# A token this close to its end is refreshed before use: a page read or a push started with it
# must not meet its expiry half-way.
REFRESH_MARGIN = timedelta(minutes=10)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)  # fact sheet §1.2; Shopee's answer does not say
# The refresh runs while the row (on SQLite: the database) is locked, so it must answer fast;
# the call is never repeated once it may have reached Shopee (the client knows it is not
# idempotent), only a connection that never got through is tried again.
REFRESH_TIMEOUT = httpx.Timeout(10.0, connect=5.0, pool=5.0)
REFRESH_RETRIES = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=2.0, max_elapsed=6.0)


def partner_app(account: Any) -> PartnerApp:
    """The Shopee app of an integration: ``app_id`` is the partner id, the secret its key."""
    return PartnerApp(int(account.app_id), account.client_secret.reveal())


def access_token_for(account: ChannelAccount) -> str:
    """The integration's access token, refreshed first if it ends within :data:`REFRESH_MARGIN`
    (by one worker only; see the module's docstring). Raises :class:`AuthorizationEnded`."""
    stored = _usable_token(account.access_token, account.token_expires_at)
    return stored if stored is not None else _refresh(account, refused=None)


def force_refresh(account: ChannelAccount, refused: str) -> str:
    """A new access token after Shopee refused ``refused`` although it looked valid (revoked,
    or expired early). If another worker has already replaced it, that token is used instead."""
    return _refresh(account, refused=refused)


def with_fresh_token(account: ChannelAccount, call: Callable[[str], T]) -> T:
    """``call(access_token)``; when Shopee refuses the token, refresh once and call once more."""
    token = access_token_for(account)
    try:
        return call(token)
    except TokenExpired:
        log.info("Shopee refused the access token of integration %s: refreshing", account.pk)
    return call(force_refresh(account, refused=token))


# --- the refresh, under the row's lock ---------------------------------------------------------


def _refresh(account: ChannelAccount, refused: str | None) -> str:
    try:
        with transaction.atomic():
            row = ChannelAccount.objects.select_for_update().get(pk=account.pk)
            current = _usable_token(row.access_token, row.token_expires_at)
            if current is not None and current != refused:
                _adopt(account, row)  # another worker refreshed while we waited for the lock
                return current
            ended = _spend_refresh_token(row)
            if ended is None:
                _adopt(account, row)
                return row.access_token.reveal()
        _adopt(account, row)
        raise ended
    finally:
        _release_thread_connection()


def _spend_refresh_token(row: ChannelAccount) -> AuthorizationEnded | None:
    """Refresh and store the new pair on ``row`` (inside the caller's transaction), or mark the
    integration for reconnecting and return the error to raise once the mark is committed."""
    if row.health == Health.NEEDS_RECONNECT or not row.refresh_token:
        # Already refused (or never authorized): presenting the dead token again cannot help.
        return AuthorizationEnded(
            "the shop's authorization ended earlier: the seller must reconnect it",
            endpoint="token",
        )
    try:
        tokens = _refresh_call(row)
    except (AuthError, NotAssociated) as refused:
        _mark_needs_reconnect(row, refused.error_code or type(refused).__name__)
        ended = AuthorizationEnded(refused.message, error_code=refused.error_code, endpoint="token")
        ended.__cause__ = refused
        return ended
    _store(row, tokens)
    return None


def _refresh_call(row: ChannelAccount) -> ShopTokens:
    refresh_token = row.refresh_token.reveal()
    with ShopeeClient(
        partner_app(row),
        api_url=registry.setting("SHOPEE_API_URL"),
        retry_policy=REFRESH_RETRIES,
        timeout=REFRESH_TIMEOUT,
    ) as client:
        return client.refresh_tokens(refresh_token, int(row.shop_id))


def _store(row: ChannelAccount, tokens: ShopTokens) -> None:
    """The new pair, encrypted, at once: the refresh token sent is already spent."""
    row.access_token = tokens.access_token
    row.token_expires_at = tokens.expires_at
    row.refresh_token = tokens.refresh_token
    row.refresh_expires_at = timezone.now() + REFRESH_TOKEN_LIFETIME
    row.save(
        update_fields=["access_token", "token_expires_at", "refresh_token", "refresh_expires_at"]
    )
    log.info("refreshed the Shopee tokens of integration %s", row.pk)


def _mark_needs_reconnect(row: ChannelAccount, cause: str) -> None:
    row.health = Health.NEEDS_RECONNECT
    # Stored in the hub's language, whichever page or worker found out (a worker has no seller).
    with translation.override(settings.LANGUAGE_CODE):
        row.health_message = gettext(
            "Shopee no longer accepts this hub for the shop (%(cause)s): the approval was "
            "cancelled, expired or must be renewed. Press Reconnect and approve the shop again "
            "on Shopee's page; stock and orders wait until then."
        ) % {"cause": cause}
    row.health_checked_at = timezone.now()
    row.save(update_fields=["health", "health_message", "health_checked_at"])
    log.warning(
        "Shopee refused the refresh token of integration %s (%s): needs reconnecting",
        row.pk,
        cause,
        extra={"integration": row.pk},
    )


def _adopt(account: ChannelAccount, row: ChannelAccount) -> None:
    """Give the caller's object what the database now holds."""
    for name in (
        "access_token",
        "token_expires_at",
        "refresh_token",
        "refresh_expires_at",
        "health",
        "health_message",
        "health_checked_at",
    ):
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


# --- calling Shopee for one integration --------------------------------------------------------


class ShopSession:
    """One integration's calls to Shopee: a client per call, built with the token current at
    that moment (so no thread ever changes another's token), over one shared connection pool
    and rate budget. Construction does no I/O; :meth:`close` ends the pool."""

    def __init__(self, account: ChannelAccount, retry_policy: RetryPolicy | None = None) -> None:
        self.account = account
        self.app = partner_app(account)
        self.shop_id = int(account.shop_id)
        self.retry_policy = retry_policy
        # One TLS context for the process (transport.py): the pusher opens a session per round.
        self._http = connection_pool(USER_AGENT)
        self._budget = RateBudget()

    def __repr__(self) -> str:
        return f"ShopSession(integration={self.account.pk}, shop_id={self.shop_id})"

    def client(self, access_token: str | None = None) -> ShopeeClient:
        """A client of the shop; without a token it can make only public calls."""
        return ShopeeClient(
            self.app,
            api_url=registry.setting("SHOPEE_API_URL"),
            shop_id=self.shop_id,
            access_token=access_token,
            retry_policy=self.retry_policy,
            http_client=self._http,
            budget=self._budget,
        )

    def call(self, action: Callable[[ShopeeClient], T]) -> T:
        """``action(client)`` with a fresh token, refreshed once if Shopee refuses it."""
        return with_fresh_token(self.account, lambda token: action(self.client(token)))

    def close(self) -> None:
        self._http.close()
