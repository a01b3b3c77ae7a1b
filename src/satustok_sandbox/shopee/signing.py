"""Shopee's request signature and push signature (fact sheet §2 and §7), exactly.

Requests: ``sign`` = lowercase hex HMAC-SHA256(partner_key, base string), where the base string
is a plain concatenation: ``partner_id + api_path + timestamp`` for public calls (authorization
link, token endpoints, push configuration) and ``… + access_token + shop_id`` for shop calls.
``api_path`` is the path as the real host sees it (``/api/v2/product/get_item_list``): never
the sandbox's ``/shopee`` mount prefix. The JSON body of a POST is not signed.

Pushes: the ``Authorization`` header is lowercase hex HMAC-SHA256(partner_key,
``callback_url + "|" + raw_body``).
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

AUTH_PARTNER_PATH = "/api/v2/shop/auth_partner"


def base_string(
    partner_id: int | str,
    api_path: str,
    timestamp: int | str,
    access_token: str = "",
    shop_id: int | str = "",
) -> str:
    """The signed text; leave ``access_token`` and ``shop_id`` out for public calls."""
    return f"{partner_id}{api_path}{timestamp}{access_token}{shop_id}"


def hmac_hex(key: str, message: str | bytes) -> str:
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(key.encode(), data, hashlib.sha256).hexdigest()


def sign(
    partner_key: str,
    partner_id: int | str,
    api_path: str,
    timestamp: int | str,
    access_token: str = "",
    shop_id: int | str = "",
) -> str:
    """The ``sign`` query parameter of a request."""
    return hmac_hex(
        partner_key, base_string(partner_id, api_path, timestamp, access_token, shop_id)
    )


def push_signature(partner_key: str, callback_url: str, raw_body: bytes) -> str:
    """The ``Authorization`` header of a push to ``callback_url``."""
    return hmac_hex(partner_key, callback_url.encode() + b"|" + raw_body)


def signatures_match(expected: str, given: str) -> bool:
    """Constant-time comparison; a client's upper-case hex is not accepted (Shopee: lowercase)."""
    return hmac.compare_digest(expected.encode(), given.strip().encode())


def auth_partner_url(
    api_base_url: str, partner_id: int, partner_key: str, redirect: str, timestamp: int
) -> str:
    """A signed shop-authorization link (``{api_base_url}/api/v2/shop/auth_partner?…``)."""
    query = urlencode(
        {
            "partner_id": partner_id,
            "timestamp": timestamp,
            "sign": sign(partner_key, partner_id, AUTH_PARTNER_PATH, timestamp),
            "redirect": redirect,
        }
    )
    return f"{api_base_url.rstrip('/')}{AUTH_PARTNER_PATH}?{query}"
