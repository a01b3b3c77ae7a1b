"""Helpers for the TikTok Shop sandbox's own tests: a client that signs like a real app (the
HMAC written here from the fact sheet, independently of the sandbox's code), and the demo
seed's ids."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from satustok_sandbox.server import RunningSandbox

APP_KEY = "6d3satustok01"
APP_SECRET = "satustok-tiktokshop-demo-app-secret-6d3"
SERVICE_ID = "7301880000000000001"
OTHER_APP_KEY = "6d3othersys02"
OTHER_APP_SECRET = "another-system-tiktokshop-app-secret-02"
SELLER = "seller-sari-batik-7IiD3w"
OTHER_SELLER = "seller-kain-polos-9Qk2Lx"
SHOP = "7494000000000000001"
CIPHER = "ROW_c2FyaWJhdGlrLXR0cy0wMDE"
PLAIN_SHOP = "7494000000000000002"
PLAIN_CIPHER = "ROW_a2FpbnBvbG9zLXR0cy0wMDI"
YOGYA, JAKARTA, RETURNS = "7300000000000000011", "7300000000000000012", "7300000000000000013"

# Demo products and SKUs of shop 7494000000000000001 (ids in seed order).
SLD_PRODUCT, SLD_SKU = "1729000000000000001", "1729100000000000001"  # SB-SLD-SDM-046, 24 @ Y
TAS_PRODUCT, TAS_SKU = "1729000000000000002", "1729100000000000002"  # SB-TAS-SDM-049, Y + J
BLS_SKU = "1729100000000000006"  # SB-BLS-SKJ-054, zero stock
SRG_PRODUCT, SRG_SKU = "1729000000000000007", "1729100000000000007"  # only in Jakarta
VARIANT_PRODUCT = "1729000000000000011"
VAR_MRH, VAR_BRU, VAR_DEACTIVATED = (
    "1729100000000000011",
    "1729100000000000012",
    "1729100000000000013",
)
FROZEN_PRODUCT, DELETED_PRODUCT, DEACTIVATED_PRODUCT = (
    "1729000000000000012",
    "1729000000000000013",
    "1729000000000000014",
)
TOKOPEDIA_ONLY_PRODUCT = "1729000000000000015"
BLANK_SKU_PRODUCT, TIKTOK_ONLY_PRODUCT = "1729000000000000016", "1729000000000000017"
PLAIN_PRODUCT = "1729000000000000018"

TOKEN_HEADER = "x-tts-access-token"


def hmac_hex(key: str, message: bytes) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def request_sign(secret: str, path: str, params: dict[str, Any], body: bytes = b"") -> str:
    """Fact sheet §2: params except sign/access_token, keys sorted, key+value, path in front,
    raw body appended, wrapped in the secret, HMAC-SHA256 with the secret."""
    signed = "".join(
        f"{key}{params[key]}" for key in sorted(params) if key not in ("sign", "access_token")
    )
    return hmac_hex(secret, secret.encode() + f"{path}{signed}".encode() + body + secret.encode())


def webhook_signature(app_key: str, secret: str, body: bytes) -> str:
    return hmac_hex(secret, app_key.encode() + body)


class TikTokApi:
    """An app calling ``{server}/tiktokshop/open-api/…``; signs the path without the prefix."""

    def __init__(
        self,
        sandbox: RunningSandbox,
        app_key: str = APP_KEY,
        app_secret: str = APP_SECRET,
        cipher: str = CIPHER,
    ) -> None:
        self.control = sandbox.tiktokshop
        self.app_key, self.app_secret, self.cipher = app_key, app_secret, cipher
        self.access_token = self.refresh_token = ""
        self.client = httpx.Client(base_url=self.control.base_url, timeout=10, trust_env=False)

    def close(self) -> None:
        self.client.close()

    def authorize(self, open_id: str = SELLER) -> TikTokApi:
        """Tokens through the control API shortcut (the seller approved on the page)."""
        tokens = self.control.issue_tokens(open_id, self.app_key)
        self.access_token, self.refresh_token = tokens["access_token"], tokens["refresh_token"]
        return self

    def call(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        body: Any = None,
        *,
        shop: bool = True,
        timestamp: int | None = None,
        secret: str | None = None,
        token: str | None = None,
        signed_path: str | None = None,
        sign: str | None = None,
    ) -> httpx.Response:
        query = {
            **(params or {}),
            "app_key": self.app_key,
            "timestamp": int(time.time()) if timestamp is None else timestamp,
        }
        if shop:
            query["shop_cipher"] = self.cipher
        raw = b"" if body is None else json.dumps(body).encode()
        query["sign"] = sign or request_sign(
            secret or self.app_secret, signed_path or path, query, raw
        )
        headers = {"content-type": "application/json"}
        if (token if token is not None else self.access_token) != "":
            headers[TOKEN_HEADER] = token if token is not None else self.access_token
        return self.client.request(method, path, params=query, content=raw or None, headers=headers)

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> httpx.Response:
        return self.call("GET", path, params, **kw)

    def post(
        self, path: str, body: Any = None, params: dict[str, Any] | None = None, **kw: Any
    ) -> httpx.Response:
        return self.call("POST", path, params, {} if body is None else body, **kw)

    def search(self, body: Any = None, version: str = "202309", **params: Any) -> dict[str, Any]:
        params.setdefault("page_size", 100)
        return ok(self.post(f"/product/{version}/products/search", body, params))

    def all_products(self, body: Any = None, version: str = "202309", size: int = 3) -> list[Any]:
        """Every product matching ``body``, walking the page tokens."""
        found: list[Any] = []
        token = ""
        while True:
            params: dict[str, Any] = {"page_size": size}
            if token:
                params["page_token"] = token
            page = self.search(body, version, **params)
            found += page["products"]
            token = page["next_page_token"]
            if not token:
                return found


def ok(response: httpx.Response) -> Any:
    """The ``data`` of a successful call."""
    payload = response.json()
    assert response.status_code == 200 and payload["code"] == 0, response.text
    return payload["data"]


def error_of(response: httpx.Response) -> tuple[int, int, str]:
    payload = response.json()
    assert "data" not in payload, payload
    return response.status_code, payload["code"], payload["message"]
