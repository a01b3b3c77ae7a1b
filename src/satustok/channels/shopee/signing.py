"""Shopee request signatures and push verification (fact sheet §2 and §7), and nothing else.

Requests: ``sign`` is the lowercase hex HMAC-SHA256, keyed with the partner key, of a base
string that is a plain concatenation without separators::

    public calls (auth, token, push config):  partner_id + api_path + timestamp
    shop calls:                               partner_id + api_path + timestamp
                                              + access_token + shop_id

``api_path`` is the path only (``/api/v2/product/get_item_list``): no host, no query, and no
prefix a proxy or the sandbox mounts the API under. The JSON body of a POST is not signed.

Pushes: the ``Authorization`` header of a push is the lowercase hex HMAC-SHA256 of
``callback_url + "|" + raw_body``, keyed with the partner key. It is compared in constant time,
over the raw bytes as received (re-serialising the JSON would change them).
"""

from __future__ import annotations

import hashlib
import hmac

PUSH_SIGNATURE_HEADER = "Authorization"


def public_base_string(partner_id: int, api_path: str, timestamp: int) -> str:
    return f"{partner_id}{api_path}{timestamp}"


def shop_base_string(
    partner_id: int, api_path: str, timestamp: int, access_token: str, shop_id: int
) -> str:
    return f"{partner_id}{api_path}{timestamp}{access_token}{shop_id}"


def sign(partner_key: str, base_string: str) -> str:
    """``lowercase_hex(HMAC_SHA256(partner_key, base_string))``, both UTF-8."""
    return hmac.new(partner_key.encode(), base_string.encode(), hashlib.sha256).hexdigest()


def sign_public(partner_key: str, partner_id: int, api_path: str, timestamp: int) -> str:
    return sign(partner_key, public_base_string(partner_id, api_path, timestamp))


def sign_shop(
    partner_key: str,
    partner_id: int,
    api_path: str,
    timestamp: int,
    access_token: str,
    shop_id: int,
) -> str:
    base = shop_base_string(partner_id, api_path, timestamp, access_token, shop_id)
    return sign(partner_key, base)


def push_signature(partner_key: str, callback_url: str, raw_body: bytes) -> str:
    """The signature Shopee puts in a push's ``Authorization`` header."""
    message = callback_url.encode() + b"|" + raw_body
    return hmac.new(partner_key.encode(), message, hashlib.sha256).hexdigest()


def verify_push(
    partner_key: str, callback_url: str, raw_body: bytes, authorization: str | None
) -> bool:
    """True when ``authorization`` signs ``raw_body`` for ``callback_url`` (constant time).

    ``callback_url`` must be the URL exactly as registered with Shopee: a different scheme,
    host, trailing slash or query string gives a different signature.
    """
    if not authorization or not partner_key:
        return False
    expected = push_signature(partner_key, callback_url, raw_body).encode()
    # Bytes on both sides: compare_digest refuses non-ASCII str, and a header is attacker-made.
    received = authorization.strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(expected, received)
