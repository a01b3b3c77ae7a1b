"""The TikTok Shop response envelope, the sandbox's error codes and their HTTP statuses.

Every answer, on the API host and the auth host alike, is ``{"code", "message", "request_id",
"data"}`` with ``code == 0`` on success (fact sheet §3). Errors carry no ``data``.

HTTP status (the sheet: "apart from 401/429, HTTP is mostly 200 with a non-zero code"; the
sandbox's choice, one table): 106001 bad signature → **401**; 36009002 rate limited → **429**
with ``Retry-After``; 36009003 injected internal error → **500** (or the fault's 5xx); 40006 an
unknown path or a known path with the wrong method → **404**; everything else → **200**.

Codes the sheet gives: 106001, 105002, 105005, 106013, 36009002, 36009003, 36009004. Codes it
does not capture (not-found and business refusals) are the sandbox's own, named below and in
``docs/sandbox-tiktokshop.md``; 36009004's message always names what is wrong (``timestamp``,
``app_key``, ``app_secret``, ``access token``) because the code alone covers all of them.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse

OK = 0
# The gateway (fact sheet §2, §3).
INVALID_SIGN = 106001  # HTTP 401
TOKEN_EXPIRED = 105002
SCOPE_NOT_GRANTED = 105005  # also: a shop_cipher this token may not use
MISSING_SHOP_CIPHER = 106013
RATE_LIMITED = 36009002  # HTTP 429
INTERNAL_ERROR = 36009003  # HTTP 5xx (faults)
INVALID_PARAM = 36009004  # timestamp, app_key, app_secret or access token
# The auth host's refusals of a grant (sandbox choice: 105… like the token errors).
INVALID_AUTH_CODE = 105003
INVALID_REFRESH_TOKEN = 105004
REFRESH_TOKEN_EXPIRED = 105006
# Sandbox choices for what the sheet does not capture.
INVALID_REQUEST = 40001  # a malformed query or body
INVALID_PATH = 40006  # HTTP 404
PRODUCT_NOT_FOUND = 12019001
PRODUCT_STATUS_NOT_ALLOWED = 12019002
SKU_NOT_IN_PRODUCT = 12052008
WAREHOUSE_REQUIRED = 12052009
WAREHOUSE_NOT_ASSIGNED = 12052010
WAREHOUSES_MISSING = 12052011
WAREHOUSE_REPEATED = 12052012
QUANTITY_OUT_OF_RANGE = 12052230
INVALID_PRICE = 12052300
PRICE_IN_PROMOTION = 12052301
ORDER_NOT_FOUND = 21011001
ORDER_NOT_CANCELLABLE = 21011002
# Fulfilment and cancellation requests (sandbox choices; the real codes are not captured).
PACKAGE_NOT_FOUND = 21001001
PACKAGE_ALREADY_SHIPPED = 21001012
PACKAGE_STATUS_NOT_ALLOWED = 21001013
INVALID_PICKUP_SLOT = 21001014
SELF_SHIPMENT_NOT_ALLOWED = 21001015
INVALID_TRACKING_NUMBER = 21001016
DOCUMENT_NOT_READY = 21001017
CANCELLATION_NOT_FOUND = 25001001
CANCELLATION_NOT_PENDING = 25001002

STATUS_BY_CODE: dict[int, int] = {
    INVALID_SIGN: 401,
    RATE_LIMITED: 429,
    INTERNAL_ERROR: 500,
    INVALID_PATH: 404,
}

_request_numbers = itertools.count(1)


def status_for(code: int) -> int:
    return STATUS_BY_CODE.get(code, 200)


def request_id() -> str:
    """A fresh request id like TikTok's: the UTC time to the second, then 20 hex digits (a
    counter keeps them unique)."""
    moment = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    return f"{moment}{next(_request_numbers):06X}{secrets.token_hex(7).upper()}"


@dataclass
class TikTokError(Exception):
    """An error answer; raise it anywhere in a handler and the pipeline wraps it."""

    code: int
    message: str
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.status:
            self.status = status_for(self.code)
        super().__init__(f"{self.code}: {self.message}")


def invalid_request(message: str) -> TikTokError:
    """40001: the query string or the body is malformed."""
    return TikTokError(INVALID_REQUEST, f"Invalid request: {message}")


def ok(data: Any) -> JSONResponse:
    return JSONResponse(
        {"code": OK, "message": "Success", "request_id": request_id(), "data": data}
    )


def error_response(error: TikTokError) -> JSONResponse:
    return JSONResponse(
        {"code": error.code, "message": error.message, "request_id": request_id()},
        status_code=error.status,
        headers=error.headers or None,
    )
