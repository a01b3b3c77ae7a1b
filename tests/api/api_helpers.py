"""Helpers for the API tests: a client that sends the token, and small catalogue builders."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.test import Client

from satustok.catalog.models import MasterProduct, Variant
from satustok.channels.connect import default_warehouse
from satustok.channels.models import ChannelAccount, LinkMethod, Listing
from satustok.channels.protocol import Credentials
from satustok.inventory.models import StockLevel


class ApiClient:
    """Django's test client with the token, JSON bodies and ``/api`` in front of every path."""

    def __init__(self, client: Client, key: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        call = getattr(self.client, method)
        extra = {"headers": {**self.headers, **params.pop("headers", {})}}
        if body is not None:
            return call(f"/api{path}", json.dumps(body), content_type="application/json", **extra)
        return call(f"/api{path}", params or None, **extra)

    def get(self, path: str, **params: Any) -> Any:
        return self._call("get", path, **params)

    def post(self, path: str, body: Any = None) -> Any:
        return self._call("post", path, {} if body is None else body)

    def patch(self, path: str, body: Any) -> Any:
        return self._call("patch", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._call("put", path, body)

    def delete(self, path: str, **params: Any) -> Any:
        query = f"?{urlencode(params)}" if params else ""
        return self.client.delete(f"/api{path}{query}", headers=self.headers)


def connect_body(credentials: Credentials, shop_id: int | str) -> dict[str, Any]:
    return {
        "fs_id": credentials.app_id,
        "shop_id": str(shop_id),
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    }


# --- small catalogue builders (no sandbox needed) -----------------------------------------


def make_account(shop_id: str = "480001", **fields: Any) -> ChannelAccount:
    values: dict[str, Any] = {
        "channel": "tokopedia",
        "shop_id": shop_id,
        "shop_name": f"Toko {shop_id}",
        "app_id": "15001",
        "client_id": "client-abc",
        "client_secret": "a-client-secret-of-some-length",
        "warehouse": default_warehouse(),
    }
    return ChannelAccount.objects.create(**(values | fields))


def make_variant(sku: str, on_hand: int = 0, reserved: int = 0, product: str = "") -> Variant:
    master = MasterProduct.objects.create(name=product or f"Produk {sku}")
    variant = Variant.objects.create(product=master, sku=sku)
    if on_hand or reserved:
        StockLevel.objects.create(
            warehouse=default_warehouse(), variant=variant, on_hand=on_hand, reserved=reserved
        )
    return variant


def make_listing(account: ChannelAccount, external_id: str, **fields: Any) -> Listing:
    variant = fields.get("variant")
    values: dict[str, Any] = {
        "sku": variant.sku if variant else "",
        "name": f"Listing {external_id}",
        "status": "Active",
        "stock": 5,
        "link_method": LinkMethod.AUTO_SKU if variant else LinkMethod.UNLINKED,
    }
    return Listing.objects.create(account=account, external_id=external_id, **(values | fields))
