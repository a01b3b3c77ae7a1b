"""The Tokopedia response envelope, its messages and the error codes the sandbox answers with.

Every fs.tokopedia.net answer is ``{"header": {...}, "data": ...}``; errors carry ``data: null``
and a ``DOMAIN_LAYER_NNN`` code. The HTTP status follows the layer (fact sheet §2): DLV
(validation) → 400, USC (business rule) → 400, MDLW (RBAC) → 403, API/GRPC/DB/CACHE (upstream)
→ 500. ``messages`` only ever takes the three documented values; the specific text goes to
``reason``, worded like the official error table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse

MESSAGE_SUCCESS = "Your request has been processed successfully"
MESSAGE_MALFORMED = "We could not process your request due to malformed request, please check again"
MESSAGE_SERVER_ERROR = "Our server encounters an error, please try again later"
MESSAGE_SHOP_INFO = "Successfully get retrieved shop info data"

RBAC_REASON = "fs_id Is Not Associated With Shop ID or Warehouse ID"

# Per-row failure messages in bulk calls (fact sheet §6 and the sandbox's own, documented).
ROW_INVALID_PRODUCT_ID = "Invalid Product ID."
ROW_INVALID_SKU = "Invalid SKU."
ROW_TOO_MANY_REQUESTS = "ERR_TOO_MANY_REQUEST"
ROW_VARIANT_PARENT = "Product is a variant parent; update its variant children instead."
ROW_STATUS_NOT_ELIGIBLE = "Product Status Not In Active or Warehouse."
ROW_NOT_ENOUGH_STOCK = "Stock is not enough for decrement."
# Sandbox wording (Tokopedia's own words for a price locked by a campaign are not documented).
ROW_PRICE_IN_CAMPAIGN = "Product is in an active campaign; its price cannot be changed."

_LAYER_STATUS = {"DLV": 400, "USC": 400, "MDLW": 403, "API": 500, "GRPC": 500, "DB": 500}


def status_for_code(code: str) -> int:
    """The HTTP status the sandbox uses for an error code, from its layer."""
    parts = code.split("_")
    return _LAYER_STATUS.get(parts[1], 400) if len(parts) == 3 else 400


def message_for_status(status: int) -> str:
    """The documented ``messages`` value for an HTTP status."""
    if status < 300:
        return MESSAGE_SUCCESS
    return MESSAGE_SERVER_ERROR if status >= 500 else MESSAGE_MALFORMED


@dataclass
class ApiError(Exception):
    """An error answer: raised anywhere in a handler, turned into an envelope by the pipeline."""

    code: str
    reason: str
    status: int = 0

    def __post_init__(self) -> None:
        if not self.status:
            self.status = status_for_code(self.code)
        super().__init__(f"{self.code}: {self.reason}")


def rbac_error() -> ApiError:
    """403 for a shop (or warehouse, order, product) the app is not linked to."""
    return ApiError("RBAC_MDLW_001", RBAC_REASON, 403)


def unauthorized(reason: str) -> ApiError:
    """401 for a missing, unknown or expired bearer token (the body is a sandbox choice)."""
    return ApiError("UNAUTHORIZED", reason, 401)


def too_many_requests(retry_after: float) -> ApiError:
    """429 when the endpoint's bucket is empty (the body is a sandbox choice)."""
    reason = f"Too many requests, please retry after {retry_after:.3f} seconds"
    return ApiError(ROW_TOO_MANY_REQUESTS, reason, 429)


def header(
    started: float, status: int, *, reason: str = "", error_code: Any = ""
) -> dict[str, Any]:
    """The ``header`` object; ``process_time`` is the real handling time in seconds."""
    return {
        "process_time": round(time.perf_counter() - started, 6),
        "messages": message_for_status(status),
        "reason": reason,
        "error_code": error_code,
    }


def envelope_response(
    data: Any, started: float, *, status: int = 200, header_overrides: dict[str, Any] | None = None
) -> JSONResponse:
    """A success envelope (``header_overrides`` serves shop-info's odd header)."""
    head = header(started, status)
    head.update(header_overrides or {})
    return JSONResponse({"header": head, "data": data}, status_code=status)


def error_response(error: ApiError, started: float) -> JSONResponse:
    """An error envelope with ``data: null``."""
    head = header(started, error.status, reason=error.reason, error_code=error.code)
    return JSONResponse({"header": head, "data": None}, status_code=error.status)
