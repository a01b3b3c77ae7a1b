"""The Python side of a control API: small httpx wrappers for tests and demos.

``RunningSandbox`` (Tokopedia, at ``/_sandbox/tokopedia/``) is a :class:`ControlHandle` plus
Tokopedia's own calls; ``ShopeeControl`` (``/_sandbox/shopee/``) and ``TikTokShopControl``
(``/_sandbox/tiktokshop/``) are an :class:`InfoControlHandle` (made from their part of the info
document, with the calls of a marketplace that issues token pairs) plus their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

import httpx

CONTROL_TIMEOUT_SECONDS = 10.0
POLL_SECONDS = 0.02


class SandboxControlError(RuntimeError):
    """A control API call was refused; ``status`` and ``message`` say why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class ControlHandle:
    """A client of one control API: ``control()`` and the calls every sandbox answers."""

    error: ClassVar[type[SandboxControlError]] = SandboxControlError

    def __init__(self, control_url: str) -> None:
        self.control_url = control_url
        self._control = httpx.Client(
            base_url=control_url, timeout=CONTROL_TIMEOUT_SECONDS, trust_env=False
        )

    def close(self) -> None:
        self._control.close()

    def control(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """Call the control API; non-2xx answers raise :attr:`error`."""
        response = self._control.request(method, path, json=body, params=params or None)
        if response.is_error:
            message = response.json().get("error", response.text) if response.content else ""
            raise self.error(response.status_code, message)
        return response.json()

    def reset(self) -> None:
        self.control("POST", "reset")

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        return self.control("POST", "faults", faults)

    def clear_faults(self) -> dict[str, Any]:
        return self.control("DELETE", "faults")

    def stats(self) -> dict[str, Any]:
        return self.control("GET", "stats")

    def calls(self) -> list[dict[str, Any]]:
        return self.control("GET", "calls")

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        return self.control("POST", "clock", {"advance_seconds": seconds})

    def stock_log(self, after: int = 0, shop_id: object = None) -> list[dict[str, Any]]:
        """One page of the shown-stock log: ``[{id, at, shop_id, unit, sku, stock, cause}]``
        with an id above ``after`` (of ``shop_id`` only, when given), oldest first."""
        params: dict[str, Any] = {"after": after}
        if shop_id is not None:
            params["shop_id"] = str(shop_id)
        return self.control("GET", "stock-log", **params)


class InfoControlHandle(ControlHandle):
    """The control API of a marketplace with its own part of the info document (Shopee,
    TikTok Shop): ``info``, its ``base_url`` (the hub's host for that marketplace), the
    in-process sandbox object for white-box tests, and the clock and authorization calls."""

    def __init__(self, info: dict[str, Any], sandbox: Any = None) -> None:
        super().__init__(info["control_url"])
        self.info = info
        self.sandbox = sandbox
        self.base_url: str = info["base_url"]

    def now(self) -> float:
        return float(self.control("GET", "clock")["now"])

    def authorizations(self) -> list[dict[str, Any]]:
        return self.control("GET", "authorizations")

    def refresh_token_uses(self) -> dict[str, Any]:
        """``{refresh_calls, tokens[…uses…], uses{token: n}, reused[…], max_uses}``."""
        return self.control("GET", "refresh_tokens")


def wait_for_records(
    read: Callable[[], list[dict[str, Any]]], count: int, timeout: float
) -> list[dict[str, Any]]:
    """Poll ``read`` (a delivery log) until it holds at least ``count`` records, or time runs
    out; the last reading either way."""
    deadline = time.monotonic() + timeout
    while True:
        found = read()
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(POLL_SECONDS)
