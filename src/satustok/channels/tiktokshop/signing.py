"""TikTok Shop request signatures and webhook verification (fact sheet §2 and §7), and nothing else.

Requests: ``sign`` is the lowercase hex HMAC-SHA256, keyed with the app secret, of::

    app_secret + path + key1 + value1 + key2 + value2 … + raw_body + app_secret

- the query parameters are every one sent except ``sign`` and ``access_token``, keys sorted
  ascending, each written ``key + value`` with no separator; an array value is comma-joined
  first (the official SDK does the same when it builds the query);
- ``path`` is the API path only (``/product/202309/products/search``): no host, no query, and
  no prefix a proxy or the sandbox mounts the API under;
- the raw body bytes are appended exactly as they are sent (never re-serialised), unless the
  request is ``multipart/form-data``, whose body is not signed.

The ``x-tts-access-token`` header is not signed.

Webhooks: the ``Authorization`` header of a notification is the lowercase hex
HMAC-SHA256(key=app_secret, msg=app_key + raw_body), with no scheme word in front. There is no
timestamp in it, so a copy can be replayed: the hub's order ingestion is idempotent (an order's
status only moves forward), and an authorization notice older than the seller's latest approval
is ignored.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

WEBHOOK_SIGNATURE_HEADER = "Authorization"
JSON_CONTENT_TYPE = "application/json"
MULTIPART = "multipart/form-data"
# Sent in the query, but never signed (sheet §2, step 1).
UNSIGNED_PARAMS = frozenset({"sign", "access_token"})

QueryValue = str | int | Sequence[str | int]


def param_text(value: QueryValue) -> str:
    """A query value as it is sent and signed: an array comma-joined, anything else as text."""
    if isinstance(value, str | int):
        return str(value)
    return ",".join(str(item) for item in value)


def canonical_params(params: Mapping[str, QueryValue]) -> str:
    """``key1value1key2value2…`` over the signed parameters, keys sorted ascending."""
    signed = sorted(key for key in params if key not in UNSIGNED_PARAMS)
    return "".join(f"{key}{param_text(params[key])}" for key in signed)


def base_string(
    app_secret: str,
    path: str,
    params: Mapping[str, QueryValue],
    body: bytes = b"",
    content_type: str = JSON_CONTENT_TYPE,
) -> bytes:
    """The wrapped string the signature is computed over (bytes: the body is appended raw)."""
    signed_body = b"" if content_type.lower().startswith(MULTIPART) else body
    middle = (path + canonical_params(params)).encode() + signed_body
    secret = app_secret.encode()
    return secret + middle + secret


def sign_request(
    app_secret: str,
    path: str,
    params: Mapping[str, QueryValue],
    body: bytes = b"",
    content_type: str = JSON_CONTENT_TYPE,
) -> str:
    """The ``sign`` query parameter of a request."""
    message = base_string(app_secret, path, params, body, content_type)
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_signature(app_key: str, app_secret: str, raw_body: bytes) -> str:
    """The signature TikTok Shop puts in a notification's ``Authorization`` header."""
    message = app_key.encode() + raw_body
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def verify_webhook(
    app_key: str, app_secret: str, raw_body: bytes, authorization: str | None
) -> bool:
    """True when ``authorization`` signs ``raw_body`` for this app (constant time).

    Strict: the header is the bare hex digest (surrounding whitespace and the hex's letter case
    are tolerated, a ``Bearer`` or any other prefix is not — TikTok Shop sends none). The body
    must be the raw bytes received: re-serialising the JSON would change them. A header that
    is not ASCII is refused without raising, since it is made by whoever sent the request.
    """
    if not authorization or not app_secret or not authorization.isascii():
        return False
    expected = webhook_signature(app_key, app_secret, raw_body).encode()
    received = authorization.strip().lower().encode("ascii")
    return hmac.compare_digest(expected, received)
