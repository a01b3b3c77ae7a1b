"""The channel-neutral HTTP kit every channel client is built from.

- :mod:`.errors` — the one error tree (retryable vs fatal) and the rule-table vocabulary;
- :mod:`.ratelimit` — per-endpoint token buckets learned from ``X-Ratelimit-*`` headers;
- :mod:`.retry` — bounded, jittered retries that honour the channel's hints;
- :mod:`.pagination` — paginators that refuse to loop, and time windows;
- :mod:`.transport` — one HTTP exchange: timeouts, the shared TLS context, httpx's transport
  failures mapped onto the error tree;
- :mod:`.payloads` — cached pydantic validators and the description of a payload that does
  not match;
- :mod:`.client` — the base every channel client is built on: pool, budget, retries, clock;
- :mod:`.redaction` — the secrets a client handled, kept out of its errors' messages and excerpts.

Nothing here knows a channel's URLs, codes or payloads; nothing here holds process-global
state (a hub serves many shops at once, each with its own client and budget).
"""

from satustok.channels.http.errors import (
    Action,
    ActionRejected,
    AuthError,
    ChannelError,
    CredentialsRejected,
    FatalError,
    MalformedPayload,
    NotAssociated,
    NotFound,
    PaginationLoop,
    RateLimited,
    RetryableError,
    Rule,
    ServerError,
    Timeout,
    TokenExpired,
    TransportError,
    ValidationError,
)
from satustok.channels.http.pagination import (
    CursorPaginator,
    PageNumberPaginator,
    time_windows,
)
from satustok.channels.http.ratelimit import Limit, RateBudget, RateHeaders
from satustok.channels.http.retry import RetryPolicy, call_with_retries

__all__ = [
    "Action",
    "ActionRejected",
    "AuthError",
    "ChannelError",
    "CredentialsRejected",
    "CursorPaginator",
    "FatalError",
    "Limit",
    "MalformedPayload",
    "NotAssociated",
    "NotFound",
    "PageNumberPaginator",
    "PaginationLoop",
    "RateBudget",
    "RateHeaders",
    "RateLimited",
    "RetryPolicy",
    "RetryableError",
    "Rule",
    "ServerError",
    "Timeout",
    "TokenExpired",
    "TransportError",
    "ValidationError",
    "call_with_retries",
    "time_windows",
]
