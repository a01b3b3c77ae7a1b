"""The one error tree every channel client raises, and the table vocabulary that picks a branch.

Retryable versus fatal is decided at the top, so a caller (the retry loop, a Huey task, the
health check of a channel account) can act on the class alone::

    ChannelError
     ├── RetryableError            the same request may succeed later
     │    ├── RateLimited           429, or over the learned budget; carries retry_after
     │    ├── ServerError           5xx from the channel
     │    └── TransportError        no usable HTTP response (refused, reset, DNS, protocol)
     │         └── Timeout           connect/read/write/pool timeout
     └── FatalError                retrying the same request will not help
          ├── AuthError
          │    ├── CredentialsRejected   the token endpoint refused client id / secret
          │    ├── TokenExpired          the API refused a freshly fetched token (401 twice)
          │    └── AuthorizationEnded    the seller's approval of the app ended: reconnect
          ├── NotAssociated         the shop is not linked to this app (Tokopedia 403 RBAC_MDLW_*)
          ├── ValidationError       the request is malformed, or an argument was refused locally
          ├── ActionRejected        well formed, but a business rule refused it (order not eligible)
          │    └── ShopClosed        the shop is closed, frozen or banned by the channel
          ├── NotFound              the order / product / shop does not exist
          ├── MalformedPayload      a 2xx body that does not match the schema (names the field)
          └── PaginationLoop        the channel served the same page twice

Every error carries ``status``, ``error_code`` (the channel's own code), ``endpoint`` (the
endpoint group, e.g. ``product_info``), ``body_excerpt`` (at most 300 characters, secrets
redacted) and ``request_id`` when the channel sent one (httpx ``_exceptions.py`` and stripe
``_error.py`` shape). ``ambiguous`` says whether the request may have taken effect on the
channel although no success came back: a timeout after the request was written, or a 5xx.
The retry loop repeats an ambiguous failure only for idempotent calls.

The mapping from a channel's statuses and codes onto this tree is a table of :class:`Rule`
rows, one table per channel (see ``channels/tokopedia/errors.py``), not an ``if`` ladder.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

BODY_EXCERPT_LIMIT = 300
REDACTED = "[redacted]"

# Keys whose values are credentials wherever they appear in a body we quote.
_SECRET_KEYS = r"access_token|refresh_token|client_secret|webhook_secret|secret|token|authorization"
_SECRET_FIELD = re.compile(rf'("(?:{_SECRET_KEYS})"\s*:\s*")[^"]*(")', re.IGNORECASE)
_BEARER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_MIN_SECRET_LENGTH = 4  # shorter "secrets" would redact ordinary words and digits


class ChannelError(Exception):
    """Base of every error a channel client raises."""

    ambiguous: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        endpoint: str | None = None,
        body_excerpt: str = "",
        request_id: str | None = None,
        ambiguous: bool | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.endpoint = endpoint
        self.body_excerpt = body_excerpt[:BODY_EXCERPT_LIMIT]
        self.request_id = request_id
        # The channel's hint, in seconds, of when to try again (RetryableError only).
        self.retry_after = retry_after
        if ambiguous is not None:
            self.ambiguous = ambiguous

    def __str__(self) -> str:
        details = [
            f"HTTP {self.status}" if self.status is not None else None,
            self.error_code,
            self.endpoint,
            f"request id {self.request_id}" if self.request_id else None,
        ]
        shown = ", ".join(detail for detail in details if detail)
        return f"{self.message} ({shown})" if shown else self.message

    def __repr__(self) -> str:
        fields = f"status={self.status!r}, error_code={self.error_code!r}"
        return f"{type(self).__name__}({self.message!r}, {fields}, endpoint={self.endpoint!r})"


class RetryableError(ChannelError):
    """The same request may succeed if sent again later (``retry_after`` may say when)."""


class RateLimited(RetryableError):
    """Over the channel's rate budget. The channel refused before doing anything."""


class ServerError(RetryableError):
    """The channel failed (5xx). It may have applied part of the request first."""

    ambiguous = True


class TransportError(RetryableError):
    """No usable HTTP response. Ambiguous unless the connection was never made."""

    ambiguous = True


class Timeout(TransportError):
    """A connect, read, write or pool timeout."""


class FatalError(ChannelError):
    """Retrying the same request will not help; a person or a different request must."""


class AuthError(FatalError):
    """Authentication failed."""


class CredentialsRejected(AuthError):
    """The token endpoint refused the client id / client secret."""


class TokenExpired(AuthError):
    """The API refused the access token even after a fresh one was fetched."""


class AuthorizationEnded(AuthError):
    """The seller's approval of the app for this shop has ended (expired, revoked, or the
    renewal was refused): the integration is marked ``NEEDS_RECONNECT`` and nothing reaches
    the shop until the seller reconnects it (Shopee; any channel with an approval page)."""


class NotAssociated(FatalError):
    """The shop is not linked to this app, or its owner has not granted it permission."""


class ValidationError(FatalError):
    """The request was malformed, or an argument was refused before sending it."""


class ActionRejected(FatalError):
    """A well-formed request refused by a business rule (e.g. the order is not eligible)."""


class ShopClosed(ActionRejected):
    """The channel refuses calls for the shop because it is closed, frozen or banned."""


class NotFound(FatalError):
    """The requested order, product or shop does not exist."""


class MalformedPayload(FatalError):
    """A successful response whose body does not match the expected schema."""


class PaginationLoop(FatalError):
    """The channel served a page (or page token) it had already served: paging would not end."""


class Action(enum.Enum):
    """What the client does with a failed response (airbyte's ``ResponseAction``)."""

    RETRY = "retry"  # raise a RetryableError; the retry loop backs off and repeats
    RATE_LIMITED = "rate_limited"  # drain the budget, then retry after the channel's hint
    REFRESH_TOKEN = "refresh_token"  # fetch a new access token once and repeat the request
    FAIL = "fail"  # raise a FatalError at once


@dataclass(frozen=True)
class Rule:
    """One row of a channel's error table: what to raise and what to do."""

    error: type[ChannelError]
    action: Action
    explanation: str = ""


HINT_SEPARATOR = "~"  # ``code~hint``: the code, when the channel's message holds the hint word


def hints_of(rules: Mapping[str, Rule]) -> dict[str, list[str]]:
    """``{code (possibly scoped): [hint words]}`` from a table's ``code~hint`` keys, in table
    order. A *hint* is a word of the channel's message: one code may cover several failures
    (a stale timestamp, a wrong key, a bad token) that only the message tells apart."""
    hints: dict[str, list[str]] = {}
    for key in rules:
        if HINT_SEPARATOR in key:
            code, hint = key.split(HINT_SEPARATOR, 1)
            hints.setdefault(code, []).append(hint)
    return hints


def with_hints(key: str, message: str, hints: Mapping[str, Sequence[str]]) -> list[str]:
    """``key~hint`` for every hint of ``key`` found in the message, then ``key`` itself."""
    lowered = message.lower()
    hinted = [f"{key}{HINT_SEPARATOR}{hint}" for hint in hints.get(key, ()) if hint in lowered]
    return [*hinted, key]


def first_rule(rules: Mapping[str, Rule], keys: Iterable[str]) -> Rule:
    """The rule of the first key (most specific first) the table has. A response no key
    matches (an odd 1xx or 3xx) counts as a server failure, the table's ``5xx``."""
    for key in keys:
        if key in rules:
            return rules[key]
    return rules["5xx"]


def explained(said: str, meaning: str) -> str:
    """A raised error's message: the channel's own words, then what they mean (either alone
    when the other is empty)."""
    said = said.strip()
    return f"{said} ({meaning})" if said and meaning else said or meaning


# Rows for a bare HTTP status that mean the same on every channel, in the same words.
STATUS_RULES: dict[str, Rule] = {
    "403": Rule(NotAssociated, Action.FAIL, "the app may not act for this shop"),
    "404": Rule(NotFound, Action.FAIL, "not found"),
}


def require(condition: bool, message: str) -> None:
    """Refuse an argument before anything is sent: the channel would refuse it less clearly,
    and only after spending a unit of the budget."""
    if not condition:
        raise ValidationError(message)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Text with the given secrets, credential-looking JSON fields and auth headers masked."""
    maskable = [secret for secret in secrets if len(secret) >= _MIN_SECRET_LENGTH]
    for secret in sorted(maskable, key=len, reverse=True):  # longest first: no partial leftovers
        text = text.replace(secret, REDACTED)
    text = _SECRET_FIELD.sub(rf"\g<1>{REDACTED}\g<2>", text)
    return _BEARER.sub(rf"\g<1> {REDACTED}", text)


def excerpt(body: str | bytes, secrets: Iterable[str] = ()) -> str:
    """At most 300 characters of a body, redacted *before* cutting so no half-secret survives."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    flat = " ".join(redact(text, secrets).split())
    if len(flat) <= BODY_EXCERPT_LIMIT:
        return flat
    return flat[: BODY_EXCERPT_LIMIT - 1] + "…"
