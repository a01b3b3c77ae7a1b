"""Tokopedia (legacy Open API, ``fs.tokopedia.net``).

- :mod:`.client` — :class:`TokopediaClient`, the only module that speaks HTTP to Tokopedia;
- :mod:`.auth` — :class:`Credentials` and the access-token cache;
- :mod:`.schemas` — pydantic models of every payload read, and the rows sent;
- :mod:`.errors` — Tokopedia's codes and statuses mapped onto the channel error tree.

How an operator obtains the credentials and how the client behaves: ``docs/channels/tokopedia.md``.
"""

from satustok.channels.tokopedia.auth import AccessToken, Credentials
from satustok.channels.tokopedia.client import (
    REAL_ACCOUNTS_URL,
    REAL_API_URL,
    TokopediaClient,
)

__all__ = ["REAL_ACCOUNTS_URL", "REAL_API_URL", "AccessToken", "Credentials", "TokopediaClient"]
