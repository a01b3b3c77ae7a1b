"""The Shopee response envelope, the sandbox's error codes and their HTTP statuses.

Business calls answer ``{"request_id", "error", "message", "warning", "response"}`` with
``error == ""`` on success; the token endpoints put their fields at the top level instead (no
``response``). Errors carry no ``response`` (except the update calls' ``failure_list``).

The HTTP status of an error is undocumented (fact sheet §3: clients must read the body whatever
the status). The sandbox's choice, one table: malformed requests (``error_param`` with or
without a module prefix, ``order.order_list_invalid_time``) → 400; refused credentials
(``error_sign``, ``error_auth``, ``invalid_code``, ``refresh_token_expired``,
``shop_access_expired``, ``invalid_shop_id``, ``shop_banned``) → 403; ``error_not_found`` for an
unknown API path → 404; ``error_rate_limit`` → 429; ``error_server``, ``error_inner``,
``error_system_busy`` → 500 (or the fault's status); every business error
(``error_item_not_found``, ``error_busi_update_stock_failed``, ``error_busi``…) → 200.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse

STATUS_BY_ERROR: dict[str, int] = {
    "error_param": 400,
    "order_list_invalid_time": 400,
    "error_sign": 403,
    "error_auth": 403,
    "invalid_acceess_token": 403,
    "invalid_code": 403,
    "invalid_shop_id": 403,
    "refresh_token_expired": 403,
    "shop_access_expired": 403,
    "shop_banned": 403,
    "error_not_found": 404,
    "error_rate_limit": 429,
    "error_server": 500,
    "error_inner": 500,
    "error_system_busy": 500,
}

_request_numbers = itertools.count(1)


def status_for(error: str) -> int:
    """The HTTP status the sandbox answers ``error`` with (module prefix ignored)."""
    return STATUS_BY_ERROR.get(error.rsplit(".", 1)[-1], 200)


def request_id() -> str:
    """A fresh request id (32 hex digits, like Shopee's; a counter keeps them unique)."""
    return f"{next(_request_numbers):08x}{secrets.token_hex(12)}"


@dataclass
class ShopeeError(Exception):
    """An error answer; raise it anywhere in a handler and the pipeline wraps it."""

    error: str
    message: str
    status: int = 0
    response: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.status:
            self.status = status_for(self.error)
        super().__init__(f"{self.error}: {self.message}")


def param_error(message: str, module: str = "") -> ShopeeError:
    """``error_param`` (400), optionally module-prefixed (``product.error_param``)."""
    return ShopeeError(f"{module}.error_param" if module else "error_param", message)


def ok(response: Any, *, warning: Any = "", message: str = "") -> JSONResponse:
    """A business success envelope."""
    return JSONResponse(
        {
            "request_id": request_id(),
            "error": "",
            "message": message,
            "warning": warning,
            "response": response,
        }
    )


def top_level(fields: dict[str, Any]) -> JSONResponse:
    """A token-endpoint success: fields at the top level, no ``response`` wrapper."""
    return JSONResponse({"request_id": request_id(), "error": "", "message": "", **fields})


def error_response(error: ShopeeError, *, wrapped: bool = True) -> JSONResponse:
    """An error envelope; ``wrapped`` False for the token endpoints (no ``response`` key)."""
    body: dict[str, Any] = {
        "request_id": request_id(),
        "error": error.error,
        "message": error.message,
    }
    if wrapped:
        body["warning"] = ""
        if error.response is not None:
            body["response"] = error.response
    return JSONResponse(body, status_code=error.status, headers=error.headers or None)
