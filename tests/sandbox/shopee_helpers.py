"""Helpers for the Shopee sandbox's own tests: a client that signs like a real partner app
(HMAC computed here, independently of the sandbox's code), and the demo seed's ids."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx

from satustok_sandbox.server import RunningSandbox

PARTNER_ID = 2001887
PARTNER_KEY = "satustok-shopee-demo-partner-key-2001887"
OTHER_PARTNER_ID = 2001888
OTHER_PARTNER_KEY = "another-system-shopee-partner-key-2001888"
SHOP = 7700001
BANNED_SHOP = 7700002
TWO_WAREHOUSES = 7700003
V2 = "/api/v2"

Params = dict[str, Any] | list[tuple[str, Any]] | None


def hmac_hex(key: str, message: bytes | str) -> str:
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(key.encode(), data, hashlib.sha256).hexdigest()


class ShopeeApi:
    """A partner app calling ``{sandbox}/shopee/api/v2/…``; signs the path without ``/shopee``."""

    def __init__(
        self,
        sandbox: RunningSandbox,
        shop_id: int = SHOP,
        partner_id: int = PARTNER_ID,
        partner_key: str = PARTNER_KEY,
    ) -> None:
        self.sandbox = sandbox
        self.control = sandbox.shopee
        self.shop_id = shop_id
        self.partner_id = partner_id
        self.partner_key = partner_key
        self.access_token = ""
        self.refresh_token = ""
        self.client = httpx.Client(base_url=self.control.base_url, timeout=10, trust_env=False)

    def close(self) -> None:
        self.client.close()

    def authorize(self) -> ShopeeApi:
        """Tokens through the control API shortcut (the seller approved in Seller Centre)."""
        tokens = self.control.issue_tokens(self.shop_id, self.partner_id)
        self.access_token, self.refresh_token = tokens["access_token"], tokens["refresh_token"]
        return self

    def common(
        self,
        path: str,
        *,
        shop: bool = True,
        timestamp: int | None = None,
        token: str | None = None,
        shop_id: int | None = None,
        signed_path: str | None = None,
        key: str | None = None,
    ) -> list[tuple[str, Any]]:
        timestamp = int(time.time()) if timestamp is None else timestamp
        token = self.access_token if token is None else token
        shop_id = self.shop_id if shop_id is None else shop_id
        base = f"{self.partner_id}{signed_path or path}{timestamp}"
        if shop:
            base += f"{token}{shop_id}"
        params: list[tuple[str, Any]] = [
            ("partner_id", self.partner_id),
            ("timestamp", timestamp),
            ("sign", hmac_hex(key or self.partner_key, base)),
        ]
        if shop:
            params += [("access_token", token), ("shop_id", shop_id)]
        return params

    @staticmethod
    def _items(params: Params) -> list[tuple[str, Any]]:
        if params is None:
            return []
        return list(params.items()) if isinstance(params, dict) else list(params)

    def get(
        self, path: str, params: Params = None, *, shop: bool = True, **signing: Any
    ) -> httpx.Response:
        query = self.common(path, shop=shop, **signing) + self._items(params)
        return self.client.get(path, params=query)

    def post(
        self, path: str, body: Any = None, *, shop: bool = True, **signing: Any
    ) -> httpx.Response:
        return self.client.post(path, params=self.common(path, shop=shop, **signing), json=body)

    def ok(self, response: httpx.Response) -> Any:
        """The ``response`` of a successful business call."""
        payload = response.json()
        assert response.status_code == 200 and payload["error"] == "", response.text
        return payload["response"]

    def items(self, *statuses: str) -> list[int]:
        """Every item id of the shop in the given statuses, paging through get_item_list."""
        found: list[int] = []
        offset = 0
        while True:
            page = self.ok(
                self.get(
                    f"{V2}/product/get_item_list",
                    [("offset", offset), ("page_size", 100)]
                    + [("item_status", s) for s in statuses or ("NORMAL",)],
                )
            )
            found += [row["item_id"] for row in page["item"]]
            if not page["has_next_page"]:
                return found
            offset = page["next_offset"]

    def base_info(self, *item_ids: int) -> list[dict[str, Any]]:
        return self.ok(
            self.get(
                f"{V2}/product/get_item_base_info",
                {"item_id_list": ",".join(map(str, item_ids))},
            )
        )["item_list"]


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    payload = response.json()
    return response.status_code, payload["error"], payload["message"]
