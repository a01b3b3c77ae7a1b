"""TikTok Shop's request signature and webhook signature (fact sheet §2 and §7), exactly.

Requests: take every query parameter except ``sign`` and ``access_token``, sort the keys,
concatenate ``key + value`` (a repeated key's values joined with commas, as the SDK joins
arrays), put the request path in front (the path as the real host sees it,
``/product/202309/products/search``: never the sandbox's ``/tiktokshop/open-api`` mount
prefix), append the raw body bytes unless the content type is ``multipart/form-data``, wrap the
whole in ``app_secret`` on both sides, and HMAC-SHA256 it with ``app_secret`` as the key:
``sign`` is the lowercase hex digest. The access token travels in the ``x-tts-access-token``
header and is not signed.

Webhooks: the ``Authorization`` header is lowercase hex HMAC-SHA256(app_secret,
``app_key + raw_body``), with no "Bearer" prefix.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

UNSIGNED_PARAMS = frozenset({"sign", "access_token"})


def params_text(params: Iterable[tuple[str, str]]) -> str:
    """``key + value`` of every signed parameter, keys sorted; repeated keys comma-joined."""
    values: dict[str, list[str]] = {}
    for key, value in params:
        if key not in UNSIGNED_PARAMS:
            values.setdefault(key, []).append(value)
    return "".join(f"{key}{','.join(values[key])}" for key in sorted(values))


def base_string(
    app_secret: str,
    path: str,
    params: Iterable[tuple[str, str]],
    body: bytes = b"",
    content_type: str = "application/json",
) -> bytes:
    """The signed bytes: ``app_secret + path + params + body + app_secret``."""
    signed_body = b"" if content_type.lower().startswith("multipart/form-data") else body
    inner = (path + params_text(params)).encode() + signed_body
    return app_secret.encode() + inner + app_secret.encode()


def hmac_hex(key: str, message: bytes) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def sign(
    app_secret: str,
    path: str,
    params: Iterable[tuple[str, str]],
    body: bytes = b"",
    content_type: str = "application/json",
) -> str:
    """The ``sign`` query parameter of a request."""
    return hmac_hex(app_secret, base_string(app_secret, path, params, body, content_type))


def webhook_signature(app_key: str, app_secret: str, raw_body: bytes) -> str:
    """The ``Authorization`` header of a webhook POST."""
    return hmac_hex(app_secret, app_key.encode() + raw_body)


def signatures_match(expected: str, given: str) -> bool:
    """Constant-time comparison of lowercase hex digests."""
    return hmac.compare_digest(expected.encode(), given.strip().encode())
