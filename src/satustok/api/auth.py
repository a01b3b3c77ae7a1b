"""``Authorization: Bearer <token>`` for every endpoint but the docs."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from satustok.api import tokens
from satustok.api.access import SAFE_METHODS
from satustok.api.models import ApiToken
from satustok.core.access import NotAllowed, Permission, read_only_refusal, require


class BearerToken(HttpBearer):
    def __call__(self, request: HttpRequest) -> ApiToken | None:
        # ninja's own parser logs the whole header when DEBUG is on and the scheme is not
        # "Bearer" ("Token sst_…" would put a key in the log); this one logs nothing.
        scheme, _space, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.authenticate(request, key)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.find_active(token.strip())
        if found is not None:
            request.user = found.user  # views and the ledger's reference see who acted
            check_scope(request, found)
        return found


def check_scope(request: HttpRequest, token: ApiToken) -> None:
    """What every route needs, checked before any handler runs (a route's own capability is
    checked by :func:`satustok.api.access.requires`)."""
    require(token.user, Permission.VIEW)
    if token.read_only and request.method not in SAFE_METHODS:
        raise NotAllowed(read_only_refusal())


def acting_user(request: HttpRequest) -> str:
    """Who made this request, for ledger references and import runs."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    return token.user.get_username()
