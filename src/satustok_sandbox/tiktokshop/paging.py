"""Opaque ``page_token`` cursors (fact sheet §10: "use page_token cursors, opaque").

A token is URL-safe base64 of a small JSON object naming the listing it belongs to and the sort
key of the last row served; the next page starts strictly after that key, so rows arriving
between pages are neither skipped nor repeated. A token from another listing, or another sort,
is refused (40001) rather than silently restarting.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from satustok_sandbox.tiktokshop.envelope import invalid_request


def encode(kind: str, after: list[Any]) -> str:
    raw = json.dumps({"k": kind, "a": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(kind: str, token: str | None) -> list[Any] | None:
    """The sort key after which a page starts; ``None`` for the first page."""
    if not token:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        raise invalid_request("page_token is not a token this API returned.") from None
    if not isinstance(payload, dict) or payload.get("k") != kind:
        raise invalid_request("page_token belongs to another listing or sort order.")
    after = payload.get("a")
    if not isinstance(after, list):
        raise invalid_request("page_token is not a token this API returned.")
    return after
