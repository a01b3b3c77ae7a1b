"""``ShopeeControl``: the Shopee half of a started sandbox (``RunningSandbox.shopee``).

Small httpx wrappers around the control API under ``/_sandbox/shopee/``, for tests and demos:
``base_url`` is what the hub uses as its Shopee host (``{server}/shopee``), and signing stays
exactly the real one (the signed path never includes ``/shopee``). The calls every sandbox
answers alike (``control``, reset, faults, stats, calls, clock) and those it shares with TikTok
Shop's (the clock's ``now``, authorizations, the refresh-token ledger) are ``common/handle.py``'s.
"""

from __future__ import annotations

import time
from typing import Any

from satustok_sandbox.common.handle import (
    InfoControlHandle,
    SandboxControlError,
    wait_for_records,
)
from satustok_sandbox.shopee.signing import auth_partner_url, sign


class ShopeeControlError(SandboxControlError):
    """A Shopee control API call was refused; ``status`` and ``message`` say why."""


class ShopeeControl(InfoControlHandle):
    error = ShopeeControlError

    def __init__(self, info: dict[str, Any], sandbox: Any = None) -> None:
        super().__init__(info, sandbox)  # sandbox: the in-process ShopeeSandbox
        self.auth_partner_url: str = info["auth_partner_url"]

    # --- the seed's partners and shops ---------------------------------------------------

    def partner(self, partner_id: int | None = None) -> dict[str, Any]:
        partners = self.info["partners"]
        if partner_id is None:
            return partners[0]
        return next(p for p in partners if p["partner_id"] == partner_id)

    @property
    def partner_id(self) -> int:
        return int(self.partner()["partner_id"])

    @property
    def partner_key(self) -> str:
        return str(self.partner()["partner_key"])

    def shop(self, shop_id: int) -> dict[str, Any]:
        return next(s for s in self.info["shops"] if s["shop_id"] == shop_id)

    def sign(
        self,
        api_path: str,
        timestamp: int,
        access_token: str = "",
        shop_id: int | str = "",
        partner_id: int | None = None,
    ) -> str:
        """The real ``sign`` for a call (``api_path`` like ``/api/v2/product/get_item_list``)."""
        partner = self.partner(partner_id)
        return sign(
            partner["partner_key"],
            partner["partner_id"],
            api_path,
            timestamp,
            access_token,
            shop_id,
        )

    def auth_url(
        self, redirect: str, partner_id: int | None = None, timestamp: int | None = None
    ) -> str:
        """A signed authorization link (valid 5 minutes) for a browser test."""
        partner = self.partner(partner_id)
        return auth_partner_url(
            self.base_url,
            partner["partner_id"],
            partner["partner_key"],
            redirect,
            int(time.time()) if timestamp is None else timestamp,
        )

    # --- the control API (``control()``, reset, faults, stats, calls, clock, authorizations,
    # the refresh-token ledger: InfoControlHandle) -------------------------------------------

    def set_rate_limit(
        self, rate: float, burst: int, partner_id: int | str = "*"
    ) -> dict[str, Any]:
        return self.set_faults(rate_limits={str(partner_id): {"rate": rate, "burst": burst}})

    # orders
    def place_order(
        self, shop_id: int, lines: list[dict[str, Any]], **extra: Any
    ) -> dict[str, Any]:
        """``lines``: ``[{"item_id", "model_id" (0 without models), "quantity"}]`` or ``sku``."""
        return self.control("POST", "orders", {"shop_id": shop_id, "lines": lines, **extra})

    def move_order(self, order_sn: str, status: str, **extra: Any) -> dict[str, Any]:
        return self.control("POST", f"orders/{order_sn}/status", {"status": status, **extra})

    def order(self, order_sn: str) -> dict[str, Any]:
        """The order as the sandbox holds it, with its shipping (``shipment``,
        ``tracking_number``, ``documents``, ``labels_downloaded``, ``shipped``, returns)."""
        return self.control("GET", f"orders/{order_sn}")

    # the parcel's journey and the buyer's requests
    def collect(self, order_sn: str) -> dict[str, Any]:
        """The courier collects an arranged parcel (PROCESSED → SHIPPED)."""
        return self.control("POST", f"orders/{order_sn}/collect")

    def fail_pickup(self, order_sn: str) -> dict[str, Any]:
        return self.control("POST", f"orders/{order_sn}/fail_pickup")

    def deliver(self, order_sn: str) -> dict[str, Any]:
        return self.control("POST", f"orders/{order_sn}/deliver")

    def fail_delivery(self, order_sn: str) -> dict[str, Any]:
        """The parcel goes back to the seller: Shopee cancels the order."""
        return self.control("POST", f"orders/{order_sn}/fail_delivery")

    def request_cancellation(self, order_sn: str, reason: str = "") -> dict[str, Any]:
        """The buyer asks to cancel a paid order (→ IN_CANCEL)."""
        return self.control("POST", f"orders/{order_sn}/cancel_request", {"reason": reason})

    def buyer_cancel(self, order_sn: str, reason: str = "") -> dict[str, Any]:
        return self.control("POST", f"orders/{order_sn}/buyer_cancel", {"reason": reason})

    def return_order(
        self, order_sn: str, lines: list[dict[str, Any]] | None = None, reason: str = ""
    ) -> dict[str, Any]:
        """The buyer returns ``lines`` (``[{item_id, model_id, quantity}]``; default all)."""
        body: dict[str, Any] = {"lines": lines}
        if reason:
            body["reason"] = reason
        return self.control("POST", f"orders/{order_sn}/return", body)

    def patch_return(self, return_sn: str, status: str) -> dict[str, Any]:
        return self.control("PATCH", f"returns/{return_sn}", {"status": status})

    # items and shops
    def item(self, item_id: int) -> dict[str, Any]:
        return self.control("GET", f"items/{item_id}")

    def model_stock(self, item_id: int, model_id: int = 0) -> dict[str, Any]:
        """One unit's stock view (``model_id`` 0: the item itself, when it has no models)."""
        return self.control("GET", f"items/{item_id}/models/{model_id}")

    def patch_item(self, item_id: int, **fields: Any) -> dict[str, Any]:
        return self.control("PATCH", f"items/{item_id}", fields)

    def patch_model(self, item_id: int, model_id: int, **fields: Any) -> dict[str, Any]:
        return self.control("PATCH", f"items/{item_id}/models/{model_id}", fields)

    def patch_shop(self, shop_id: int, **fields: Any) -> dict[str, Any]:
        return self.control("PATCH", f"shops/{shop_id}", fields)

    # authorization
    def authorize(
        self, shop_id: int, partner_id: int | None = None, *, issue_tokens: bool = False
    ) -> dict[str, Any]:
        """The seller approves: ``{code}`` (for ``auth/token/get``), or tokens at once."""
        body = {"shop_id": shop_id, "partner_id": partner_id, "issue_tokens": issue_tokens}
        return self.control("POST", "authorize", body)

    def issue_tokens(self, shop_id: int, partner_id: int | None = None) -> dict[str, Any]:
        return self.authorize(shop_id, partner_id, issue_tokens=True)

    def revoke(self, shop_id: int, partner_id: int | None = None) -> dict[str, Any]:
        return self.control("POST", "revoke", {"shop_id": shop_id, "partner_id": partner_id})

    def expire_access_tokens(
        self, shop_id: int | None = None, partner_id: int | None = None
    ) -> dict[str, Any]:
        return self.control(
            "POST", "expire_access_tokens", {"shop_id": shop_id, "partner_id": partner_id}
        )

    # push
    def set_push_config(
        self,
        callback_url: str,
        partner_id: int | None = None,
        codes_on: list[int] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"callback_url": callback_url, "partner_id": partner_id}
        if codes_on is not None:
            body["codes_on"] = codes_on
        return self.control("POST", "push_config", body)

    def deliveries(self, code: int | None = None) -> list[dict[str, Any]]:
        return self.control("GET", "deliveries", **({"code": code} if code is not None else {}))

    def wait_for_deliveries(
        self, count: int, *, code: int | None = None, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Poll the delivery log until it holds at least ``count`` records (or time runs out)."""
        return wait_for_records(lambda: self.deliveries(code), count, timeout)

    def lost_pushes(self, partner_id: int | None = None) -> list[dict[str, Any]]:
        params = {"partner_id": partner_id} if partner_id is not None else {}
        return self.control("GET", "lost_push", **params)
