"""``TikTokShopControl``: the TikTok Shop part of a started sandbox
(``RunningSandbox.tiktokshop``).

Small httpx wrappers around the control API under ``/_sandbox/tiktokshop/``, for tests and
demos. ``base_url`` is the hub's TikTok Shop API host (``{server}/tiktokshop/open-api``),
``auth_url`` its auth host and ``services_url`` the seller authorization site; signing stays
exactly the real one (the signed path never includes the mount prefix). The calls every sandbox
answers alike (``control``, reset, faults, stats, calls, clock) and those it shares with Shopee's
(the clock's ``now``, authorizations, the refresh-token ledger) are ``common/handle.py``'s.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from satustok_sandbox.common.handle import (
    InfoControlHandle,
    SandboxControlError,
    wait_for_records,
)
from satustok_sandbox.tiktokshop.signing import sign


class TikTokShopControlError(SandboxControlError):
    """A TikTok Shop control API call was refused; ``status`` and ``message`` say why."""


class TikTokShopControl(InfoControlHandle):
    error = TikTokShopControlError

    def __init__(self, info: dict[str, Any], sandbox: Any = None) -> None:
        super().__init__(info, sandbox)  # sandbox: the in-process TikTokShopSandbox
        self.auth_url: str = info["auth_url"]
        self.services_url: str = info["services_url"]

    # --- the seed's apps and shops -------------------------------------------------------

    def app(self, app_key: str | None = None) -> dict[str, Any]:
        apps = self.info["apps"]
        return apps[0] if app_key is None else next(a for a in apps if a["app_key"] == app_key)

    @property
    def app_key(self) -> str:
        return str(self.app()["app_key"])

    @property
    def app_secret(self) -> str:
        return str(self.app()["app_secret"])

    @property
    def service_id(self) -> str:
        return str(self.app()["service_id"])

    def shop(self, shop_id: str) -> dict[str, Any]:
        return next(s for s in self.info["shops"] if s["id"] == shop_id)

    def authorize_url(self, state: str = "", service_id: str | None = None) -> str:
        """The seller authorization page for the app (``service_id``: default the first app)."""
        query = urlencode({"service_id": service_id or self.service_id, "state": state})
        return f"{self.services_url}/open/authorize?{query}"

    def sign(
        self,
        path: str,
        params: dict[str, Any],
        body: bytes = b"",
        app_key: str | None = None,
    ) -> str:
        """The real ``sign`` for a call (``path`` like ``/product/202309/products/search``)."""
        pairs = [(key, str(value)) for key, value in params.items()]
        return sign(self.app(app_key)["app_secret"], path, pairs, body)

    # --- the control API (``control()``, reset, faults, stats, calls, clock, authorizations,
    # the refresh-token ledger: InfoControlHandle) -------------------------------------------

    def faults(self) -> dict[str, Any]:
        return self.control("GET", "faults")

    def set_rate_limit(self, rate: float, burst: int, app_key: str = "*") -> dict[str, Any]:
        return self.set_faults(rate_limits={app_key: {"rate": rate, "burst": burst}})

    # orders
    def place_order(
        self, shop_id: str, items: list[dict[str, Any]], **extra: Any
    ) -> dict[str, Any]:
        """``items``: ``[{"sku_id" or "seller_sku", "quantity"}]``; ``extra``:
        ``commerce_platform``, ``status``, ``buyer_message``, ``is_cod``, …"""
        return self.control("POST", "orders", {"shop_id": shop_id, "items": items, **extra})

    def order(self, order_id: str) -> dict[str, Any]:
        return self.control("GET", f"orders/{order_id}")

    def move_order(self, order_id: str, status: str, **extra: Any) -> dict[str, Any]:
        return self.control("POST", f"orders/{order_id}/status", {"status": status, **extra})

    def cancel_order_as_buyer(self, order_id: str, reason: str | None = None) -> dict[str, Any]:
        body = {} if reason is None else {"reason": reason}
        return self.control("POST", f"orders/{order_id}/cancel", body)

    # fulfilment: the courier, the buyer's requests and returns
    def collect(self, order_id: str) -> dict[str, Any]:
        """The courier collects the arranged package (AWAITING_COLLECTION → IN_TRANSIT)."""
        return self.control("POST", f"orders/{order_id}/collect")

    def deliver(self, order_id: str) -> dict[str, Any]:
        return self.control("POST", f"orders/{order_id}/deliver")

    def fail_delivery(self, order_id: str) -> dict[str, Any]:
        """The parcel comes back to the seller: the order is cancelled (initiator SYSTEM)."""
        return self.control("POST", f"orders/{order_id}/fail_delivery")

    def request_cancellation(self, order_id: str, reason: str | None = None) -> dict[str, Any]:
        """The buyer asks to cancel: ``{…order, cancel_id}``."""
        body = {} if reason is None else {"reason": reason}
        return self.control("POST", f"orders/{order_id}/request_cancel", body)

    def return_order(
        self, order_id: str, items: list[dict[str, Any]] | None = None, **extra: Any
    ) -> dict[str, Any]:
        """The buyer returns ``items`` (``[{"sku_id", "quantity"}]``, default all): ``{…order,
        return_id}``; ``extra``: ``return_type``, ``status``, ``reason``."""
        body: dict[str, Any] = dict(extra)
        if items is not None:
            body["items"] = items
        return self.control("POST", f"orders/{order_id}/return", body)

    def fulfillment(self, order_id: str) -> dict[str, Any]:
        """``{status, tracking_number, handover_method, pickup_slot, labels_printed, shipped,
        cancellations, returns, …}``."""
        return self.control("GET", f"orders/{order_id}/fulfillment")

    # products, SKUs, stock
    def product(self, product_id: str) -> dict[str, Any]:
        return self.control("GET", f"products/{product_id}")

    def patch_product(self, product_id: str, **fields: Any) -> dict[str, Any]:
        return self.control("PATCH", f"products/{product_id}", fields)

    def sku(self, sku_id: str) -> dict[str, Any]:
        """``{sku_id, seller_sku, status, price, warehouses{id: {available, committed}}, …}``."""
        return self.control("GET", f"skus/{sku_id}")

    def patch_sku(self, sku_id: str, **fields: Any) -> dict[str, Any]:
        return self.control("PATCH", f"skus/{sku_id}", fields)

    def stock(self, shop_id: str) -> list[dict[str, Any]]:
        """Every SKU of the shop with its stock per warehouse."""
        return self.control("GET", f"shops/{shop_id}/stock")

    def stock_of(self, shop_id: str, seller_sku: str) -> dict[str, Any]:
        """The one SKU of the shop with this ``seller_sku`` (deleted products excluded)."""
        found = [
            row
            for row in self.stock(shop_id)
            if row["seller_sku"] == seller_sku and row["product_status"] != "DELETED"
        ]
        if len(found) != 1:
            raise LookupError(f"{len(found)} SKUs of shop {shop_id} have seller_sku {seller_sku!r}")
        return found[0]

    def stock_changes(
        self, after: int = 0, source: str | None = None, shop_id: str | None = None
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"after": after} if after else {}
        params.update({k: v for k, v in (("source", source), ("shop_id", shop_id)) if v})
        return self.control("GET", "stock_changes", **params)

    def shop_state(self, shop_id: str) -> dict[str, Any]:
        return self.control("GET", f"shops/{shop_id}")

    # authorization and Partner Center
    def authorize(
        self,
        open_id: str | None = None,
        app_key: str | None = None,
        *,
        issue_tokens: bool = False,
    ) -> dict[str, Any]:
        """The seller approves without the page: ``{code, shops}``, or tokens at once."""
        body = {"open_id": open_id, "app_key": app_key, "issue_tokens": issue_tokens}
        return self.control("POST", "authorize", body)

    def issue_tokens(
        self, open_id: str | None = None, app_key: str | None = None
    ) -> dict[str, Any]:
        """``{code, access_token, access_token_expire_in, refresh_token, …, shops[…]}``."""
        return self.authorize(open_id, app_key, issue_tokens=True)

    def revoke(self, open_id: str | None = None, app_key: str | None = None) -> dict[str, Any]:
        return self.control("POST", "revoke", {"open_id": open_id, "app_key": app_key})

    def expire_access_tokens(
        self, open_id: str | None = None, app_key: str | None = None
    ) -> dict[str, Any]:
        return self.control(
            "POST", "expire_access_tokens", {"open_id": open_id, "app_key": app_key}
        )

    def set_redirect_url(self, redirect_url: str, app_key: str | None = None) -> dict[str, Any]:
        key = app_key or self.app_key
        return self.control("POST", f"apps/{key}/redirect_url", {"redirect_url": redirect_url})

    def set_app_webhook(
        self, address: str, event_types: list[str] | None = None, app_key: str | None = None
    ) -> dict[str, Any]:
        """The app's Partner Center address (for every event type unless named)."""
        body: dict[str, Any] = {"address": address}
        if event_types is not None:
            body["event_types"] = event_types
        return self.control("POST", f"apps/{app_key or self.app_key}/webhooks", body)

    def webhook_subscriptions(self) -> dict[str, Any]:
        return self.control("GET", "webhooks")

    def notify_authorization_expiring(
        self,
        open_id: str | None = None,
        app_key: str | None = None,
        ends_in_seconds: int | None = None,
    ) -> dict[str, Any]:
        """Type 7 now; ``ends_in_seconds`` first brings the authorization's end that close."""
        body = {"open_id": open_id, "app_key": app_key, "ends_in_seconds": ends_in_seconds}
        return self.control("POST", "notify/authorization_expiring", body)

    def notify_tokopedia_mirror(
        self, shop_id: str, mirror_status: str = "MIRRORED"
    ) -> dict[str, Any]:
        body = {"shop_id": shop_id, "mirror_status": mirror_status}
        return self.control("POST", "notify/tokopedia_mirror", body)

    # webhook deliveries
    def deliveries(self, type_: int | None = None, after: int = 0) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"type": type_} if type_ is not None else {}
        if after:
            params["after"] = after
        return self.control("GET", "deliveries", **params)

    def wait_for_deliveries(
        self, count: int, *, type_: int | None = None, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Poll the delivery log until it holds at least ``count`` records (or time runs out)."""
        return wait_for_records(lambda: self.deliveries(type_), count, timeout)
