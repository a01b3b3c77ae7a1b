"""Creating, checking and revoking API tokens. Keys never reach a log: only their prefix does."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from satustok.api.models import ApiToken
from satustok.core import activity

log = logging.getLogger(__name__)

KEY_PREFIX = "sst_"  # recognisable in a leaked file or a secret scanner's rules
PREFIX_LENGTH = 12  # "sst_" + 8 random characters, shown in lists
# Writing last_used_at on every request would turn each read into a write (SQLite takes the
# database lock for it); once a minute is precise enough to spot an unused token.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A freshly created token and its key: the only moment the key exists in clear."""

    token: ApiToken
    key: str


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def assign_key(token: ApiToken) -> str:
    """Give an unsaved token a fresh key; returns the key, which is not kept anywhere."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token.key_hash = digest(key)
    token.prefix = key[:PREFIX_LENGTH]
    return key


def issue(user: User, name: str, *, read_only: bool = False) -> IssuedToken:
    token = ApiToken(user=user, name=name, read_only=read_only)
    key = assign_key(token)
    token.save()
    log.info("API token %s… created for %s", token.prefix, user.get_username())
    activity.record(None, activity.Action.TOKEN_CREATED, token, after=_described(token))
    return IssuedToken(token, key)


def _described(token: ApiToken) -> dict[str, object]:
    """What the activity log keeps of a token: never its key, only the prefix shown in lists."""
    return {
        "user": token.user.get_username(),
        "name": token.name,
        "prefix": token.prefix,
        "read_only": token.read_only,
    }


def find_active(key: str) -> ApiToken | None:
    """The live token with this key, or None (unknown, revoked, or its user deactivated)."""
    if not key.startswith(KEY_PREFIX):
        return None
    wanted = digest(key)
    token = ApiToken.objects.select_related("user").filter(key_hash=wanted).first()
    # The lookup is by digest, so timing reveals nothing about the key; compare anyway in
    # constant time in case a database compares case-insensitively or pads.
    if token is None or not hmac.compare_digest(token.key_hash, wanted):
        return None
    if token.is_revoked or not token.user.is_active:
        return None
    _touch(token)
    return token


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def revoke(token: ApiToken) -> bool:
    """Revoke a token; False when it already was (revoking twice changes nothing)."""
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if changed:
        log.info("API token %s… revoked", token.prefix)
        activity.record(None, activity.Action.TOKEN_REVOKED, token, before=_described(token))
    return bool(changed)
