"""The secrets one client must keep out of every error message and body excerpt.

:func:`~satustok.channels.http.errors.redact` masks the secrets it is given, credential-looking
JSON fields and auth headers. A client that signs requests and handles rotating tokens needs
two more things, kept here so that each such client does not keep its own copy:

- a memory of the tokens and codes it has handled, the last few of them: a channel may echo a
  token that was just replaced, and it must not show up in an excerpt either;
- the channel's own pattern for what it puts in queries and bodies (signatures, app keys,
  grant codes), masked before the shared rules run.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence

import pydantic

from satustok.channels.http.errors import REDACTED, excerpt, redact

SEEN_SECRETS = 8  # tokens remembered for redaction: a channel may echo one just replaced


def mask_fields(pattern: re.Pattern[str], text: str) -> str:
    """``text`` with every match of ``pattern`` masked. The pattern's alternatives are a JSON
    field (groups 1 and 2: what comes before and after the value) or a query parameter
    (group 3: ``name=``, the value running to the next ``&``, space or quote)."""
    return pattern.sub(_mask, text)


def _mask(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return f"{match.group(1)}{REDACTED}{match.group(2)}"
    return f"{match.group(3)}{REDACTED}"


class SecretMemory:
    """The fixed secrets of an app, the last :data:`SEEN_SECRETS` tokens a client handled, and
    the channel's pattern (see :func:`mask_fields`); masks them in messages and excerpts."""

    def __init__(self, fixed: Sequence[str], pattern: re.Pattern[str]) -> None:
        self._fixed = list(fixed)
        self._pattern = pattern
        self._seen: deque[str] = deque(maxlen=SEEN_SECRETS)

    def remember(self, value: str | None) -> None:
        """Mask ``value`` from now on (a token, a refresh token, an authorization code)."""
        if value and value not in self._seen:
            self._seen.append(value)

    def reveal(self, *secrets: pydantic.SecretStr) -> list[str]:
        """The values of secrets a payload carried (a new token pair), remembered first: the
        moment one is revealed, it is a value to mask."""
        revealed = [secret.get_secret_value() for secret in secrets]
        for value in revealed:
            self.remember(value)
        return revealed

    def values(self) -> list[str]:
        return [*self._fixed, *self._seen]

    def redact(self, text: str) -> str:
        """A message (the channel's words quoted in an error) with every secret masked."""
        return redact(mask_fields(self._pattern, text), self.values())

    def excerpt(self, body: bytes) -> str:
        """At most 300 characters of a body, every secret masked before cutting."""
        text = body.decode("utf-8", "replace")
        return excerpt(mask_fields(self._pattern, text), self.values())
