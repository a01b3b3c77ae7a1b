"""Credentials and the access-token cache. No HTTP here: the client fetches, this remembers.

A Tokopedia token is issued per app (``client_id``/``client_secret``) and lives for weeks
(the doc says 30 days, a 2021 news post 2 weeks), so the hub persists it (encrypted) and
seeds a new client with it instead of asking for a new one per job: pass ``token=`` to the
client, and ``on_token=`` to be told about every new token.

The cache hands out a token until a *refresh margin* before it expires (5 minutes, or a
tenth of a short lifetime), so a token does not expire between being read and being used.
It is thread-safe: one client may serve several threads, and only one of them fetches.
"""

from __future__ import annotations

import base64
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

REFRESH_MARGIN = timedelta(minutes=5)
SEEN_TOKENS = 4

TokenHook = Callable[["AccessToken"], None]


@dataclass(frozen=True)
class Credentials:
    """One Tokopedia app: its FS ID and OAuth client. ``client_secret`` never shows in a repr."""

    fs_id: int
    client_id: str
    client_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.client_id or not self.client_secret:
            raise ValueError("client_id and client_secret must not be empty")

    def basic_authorization(self) -> str:
        """The ``Authorization`` header value of the token call."""
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")


@dataclass(frozen=True)
class AccessToken:
    """A bearer token and when it stops working. ``value`` never shows in a repr."""

    value: str = field(repr=False)
    expires_at: datetime
    refresh_at: datetime | None = None  # when to stop handing it out; default: margin before

    def __post_init__(self) -> None:
        if self.expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")

    @classmethod
    def issued(cls, value: str, expires_in: float, now: datetime) -> AccessToken:
        """A token just received, valid for ``expires_in`` seconds from ``now``."""
        lifetime = timedelta(seconds=max(0.0, expires_in))
        margin = min(REFRESH_MARGIN, lifetime / 10)
        return cls(value, now + lifetime, now + lifetime - margin)

    def usable_at(self, now: datetime) -> bool:
        """True while the token may still be handed out (not yet in its refresh margin)."""
        return now < (self.refresh_at or self.expires_at - REFRESH_MARGIN)

    def authorization(self) -> str:
        return f"Bearer {self.value}"


class TokenCache:
    """The current token of one app, the hook that persists it, and the lock that fetches it."""

    def __init__(
        self,
        *,
        token: AccessToken | None = None,
        on_token: TokenHook | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._token = token
        self._on_token = on_token
        self._now = now
        self._fetch_lock = threading.Lock()
        # Every token this cache has held, newest last: error bodies are redacted of all of
        # them, since a channel may echo a token that was just replaced.
        self._seen: deque[str] = deque([token.value] if token else [], maxlen=SEEN_TOKENS)

    def current(self) -> AccessToken | None:
        """The cached token if it is still usable, else None."""
        token = self._token
        return token if token is not None and token.usable_at(self._now()) else None

    def store(self, token: AccessToken) -> None:
        """Remember a new token and tell the hub, which may persist it."""
        self._token = token
        self._seen.append(token.value)
        if self._on_token is not None:
            self._on_token(token)

    def discard(self, token: AccessToken) -> None:
        """Forget ``token`` after a 401, unless another thread already replaced it."""
        if self._token is token:
            self._token = None

    @contextmanager
    def fetching(self) -> Iterator[None]:
        """Held while fetching, so concurrent callers wait for one fetch instead of stampeding."""
        with self._fetch_lock:
            yield

    def now(self) -> datetime:
        return self._now()

    def seen_values(self) -> list[str]:
        """The values of the tokens held so far (for redaction only)."""
        return list(self._seen)
