"""Authorization bookkeeping the approval-page marketplaces keep alike: codes, page sessions,
access tokens and the refresh-token ledger.

Shopee and TikTok Shop both rotate refresh tokens: a refresh answers a new pair and *spends* the
token presented; presenting it again is refused and logged as a reuse, so a test can watch the
hub's refresh race (``GET refresh_tokens``). The bases here hold what every code, session and
token has (its value, its times, the ledger's counters). Each marketplace's subclass adds whom it
belongs to (Shopee: a partner app and a shop; TikTok Shop: an app and a seller) and names them in
``owner``, in the order its control API shows them. Which error a refused code or token answers,
and how long anything lives, stay the marketplace's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any, Protocol

# How long a shown authorization page can be posted (both marketplaces: 10 minutes).
SESSION_TTL = 600


@dataclass
class AuthCodeBase:
    """A single-use authorization code (the subclass adds whom it authorizes)."""

    code: str
    _: KW_ONLY
    expires_at: float
    used_at: float | None = None


@dataclass
class AuthSessionBase:
    """A shown authorization page, so its form can be posted a little later."""

    session: str
    _: KW_ONLY
    expires_at: float


@dataclass
class TokenBase:
    """An access token (the subclass adds whom it was issued to, in ``owner``)."""

    value: str
    _: KW_ONLY
    issued_at: float
    expires_at: float

    def owner(self) -> dict[str, Any]:
        """Whom the token was issued to, as the control API names them."""
        raise NotImplementedError


@dataclass
class RefreshTokenBase(TokenBase):
    """A refresh token and its ledger: who issued it, how often it was presented, when it was
    spent and by which token it was replaced, and whether the seller revoked it."""

    _: KW_ONLY
    issued_by: str
    uses: int = 0
    spent_at: float | None = None
    replaced_by: str = ""
    revoked_at: float | None = None

    def view(self) -> dict[str, Any]:
        """The token's row of ``GET refresh_tokens``."""
        return {
            "refresh_token": self.value,
            **self.owner(),
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
            "issued_by": self.issued_by,
            "uses": self.uses,
            "spent_at": self.spent_at,
            "replaced_by": self.replaced_by,
            "revoked_at": self.revoked_at,
        }


class Ledger(Protocol):
    """What a marketplace's state keeps of refresh tokens."""

    @property
    def refresh_tokens(self) -> Mapping[str, RefreshTokenBase]: ...

    @property
    def refresh_calls(self) -> int: ...

    @property
    def reused_refresh_tokens(self) -> list[dict[str, Any]]: ...


class Expiring(Protocol):
    expires_at: float


def owned_by(token: TokenBase, wanted: Mapping[str, object]) -> bool:
    """Whether the token's owner has every value of ``wanted`` that is not None."""
    owner = token.owner()
    return all(value is None or owner[name] == value for name, value in wanted.items())


def expire_now(tokens: Iterable[Expiring], now: float) -> int:
    """Bring every token's expiry to ``now`` at the latest; how many were still valid."""
    expired = 0
    for token in tokens:
        expired += token.expires_at > now
        token.expires_at = min(token.expires_at, now)
    return expired


def expire_owned(tokens: Iterable[TokenBase], now: float, wanted: Mapping[str, object]) -> int:
    """``POST expire_access_tokens``: expire now the tokens :func:`owned_by` ``wanted``; how
    many were still valid."""
    return expire_now((token for token in tokens if owned_by(token, wanted)), now)


def count_presentation(ledger: Ledger, refresh: RefreshTokenBase, now: float) -> bool:
    """Count one presentation of a refresh token. False when it was already spent: then the
    reuse is logged, and the caller refuses it in its marketplace's words."""
    refresh.uses += 1
    if refresh.spent_at is None:
        return True
    ledger.reused_refresh_tokens.append(
        {
            "refresh_token": refresh.value,
            **refresh.owner(),
            "uses": refresh.uses,
            "spent_at": refresh.spent_at,
            "at": now,
        }
    )
    return False


def ledger_view(ledger: Ledger) -> dict[str, Any]:
    """``GET refresh_tokens``: how often each token was presented, and every reuse."""
    tokens = [t.view() for t in ledger.refresh_tokens.values()]
    return {
        "refresh_calls": ledger.refresh_calls,
        "tokens": tokens,
        "uses": {t["refresh_token"]: t["uses"] for t in tokens},
        "reused": list(ledger.reused_refresh_tokens),
        "max_uses": max((t["uses"] for t in tokens), default=0),
    }


def refresh_counts(ledger: Ledger) -> dict[str, int]:
    """The ``refresh`` part of ``GET stats``: refresh calls, and how many were reuses."""
    return {"calls": ledger.refresh_calls, "reuses": len(ledger.reused_refresh_tokens)}
