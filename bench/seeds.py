"""Generated sandbox worlds for benchmarks, deterministic (``random.Random(seed)``).

- :func:`big_shop` — one Power Merchant shop of N sellable units (``import``, ``import-limited``,
  the RSS part of ``scale``).
- :func:`shared_shops` — one app, shop A (Power Merchant) and shop B (Official Store) selling the
  same N SKUs under different product ids (``propagation``, ``burst``, ``webhooks``, ``workers``).
- :func:`scale_shops` — three apps, one shop each, holding the listings of the SKUs ``scale``
  changes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

FS_ID, SHOP_ID = 15001, 900001
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret-0123456789"
WEBHOOK_SECRET = "bench-webhook-secret"

SHOP_A, SHOP_B = 910001, 910002
FIRST_ID_A, FIRST_ID_B = 6_000_000, 7_000_000


def app(fs_id: int = FS_ID, suffix: str = "") -> dict[str, Any]:
    return {
        "fs_id": fs_id,
        "name": f"bench{suffix}",
        "client_id": CLIENT_ID + suffix,
        "client_secret": CLIENT_SECRET,
        "webhook_secret": WEBHOOK_SECRET,
    }


def big_shop(
    units: int, seed: int = 7, rate_limits: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A shop of ``units`` sellable units: about a third in variant families of three, and
    one in ten skipped by the import (empty SKU, inactive or no stock), mixed in."""
    rng = random.Random(seed)
    products: list[dict[str, Any]] = []
    made, next_id = 0, 5_000_000
    while made < units:
        size = 3 if rng.random() < 0.1 and units - made >= 3 else 1
        children = [_unit(rng, made + k) for k in range(size)]
        if size == 1:
            products.append(
                {"product_id": next_id, "shop_id": SHOP_ID, "name": f"Produk {made}", **children[0]}
            )
        else:
            products.append(
                {
                    "product_id": next_id,
                    "shop_id": SHOP_ID,
                    "name": f"Keluarga {made}",
                    "variant": {
                        "names": ["Ukuran"],
                        "children": [
                            {"product_id": next_id + 1 + k, "options": [f"U{k}"], **child}
                            for k, child in enumerate(children)
                        ],
                    },
                }
            )
        next_id += size + 1
        made += size
    world: dict[str, Any] = {
        "apps": [app()],
        "shops": [
            {"shop_id": SHOP_ID, "name": "Toko Bench", "tier": "power_merchant", "fs_ids": [FS_ID]}
        ],
        "products": products,
    }
    if rate_limits:
        world["rate_limits"] = rate_limits
    return world


def _unit(rng: random.Random, index: int) -> dict[str, Any]:
    roll = rng.random()
    return {
        "sku": "" if roll < 0.03 else f"BENCH-{index:06d}",
        "status": 3 if 0.03 <= roll < 0.06 else 1,
        "stock": 0 if 0.06 <= roll < 0.10 else rng.randint(1, 500),
        "price": rng.randrange(10_000, 1_000_000, 500),
    }


def shared_sku(index: int) -> str:
    return f"SHARED-{index:06d}"


def shared_shops(
    skus: int, stock_a: int = 5_000, stock_b: int = 4_000, seed: int = 11
) -> dict[str, Any]:
    """Shops A and B, both linked to one app, selling the same ``skus`` SKUs (single products,
    active, in stock): SKU i is product ``FIRST_ID_A + i`` on A and ``FIRST_ID_B + i`` on B.
    B starts with other stock values than A, as a second shop does before the hub pushes."""
    rng = random.Random(seed)
    products = []
    for i in range(skus):
        price = rng.randrange(10_000, 500_000, 500)
        for shop_id, first, stock in ((SHOP_A, FIRST_ID_A, stock_a), (SHOP_B, FIRST_ID_B, stock_b)):
            products.append(
                {
                    "product_id": first + i,
                    "shop_id": shop_id,
                    "name": f"Barang {i}",
                    "sku": shared_sku(i),
                    "stock": stock,
                    "price": price,
                }
            )
    return {
        "apps": [app()],
        "shops": [
            {"shop_id": SHOP_A, "name": "Toko A", "tier": "power_merchant", "fs_ids": [FS_ID]},
            {"shop_id": SHOP_B, "name": "Toko B", "tier": "official_store", "fs_ids": [FS_ID]},
        ],
        "products": products,
    }


SCALE_FS_IDS = (16001, 16002, 16003)
SCALE_SHOPS = (920001, 920002, 920003)
SCALE_FIRST_IDS = (8_000_000, 8_200_000, 8_400_000)


def scale_sku(index: int) -> str:
    return f"SCALE-{index:06d}"


def scale_shops(indexes: list[int], stock: int) -> dict[str, Any]:
    """Three apps with one shop each; shop k holds product ``SCALE_FIRST_IDS[k] + i`` for every
    SKU index in ``indexes`` (only the listings a scenario will push to need to exist)."""
    products = [
        {
            "product_id": first + i,
            "shop_id": shop_id,
            "name": f"Skala {i}",
            "sku": scale_sku(i),
            "stock": stock,
            "price": 25_000,
        }
        for shop_id, first in zip(SCALE_SHOPS, SCALE_FIRST_IDS, strict=True)
        for i in indexes
    ]
    return {
        "apps": [app(fs_id, f"-{k}") for k, fs_id in enumerate(SCALE_FS_IDS)],
        "shops": [
            {
                "shop_id": shop_id,
                "name": f"Toko Skala {k}",
                "tier": "power_merchant",
                "fs_ids": [fs],
            }
            for k, (shop_id, fs) in enumerate(zip(SCALE_SHOPS, SCALE_FS_IDS, strict=True))
        ],
        "products": products,
    }


# --- flash-sale: three channels, one shop each per contender -------------------------------

FLASH_CONTENDERS = ("satustok", "interval-a", "interval-b")
FLASH_CHANNELS = ("tokopedia", "shopee", "tiktokshop")


def flash_sku(contender: int, index: int) -> str:
    """Each contender sells its own copy of the hot SKUs: the hub links listings by SKU, so a
    shared SKU would join the contenders' stocks into one master."""
    return f"HOT{contender}-{index + 1:02d}"


def flash_stocks(skus: int, low: int, high: int, seed: int) -> list[int]:
    """The hot SKUs' starting stock (the same for every contender)."""
    rng = random.Random(seed)
    return [rng.randint(low, high) for _ in range(skus)]


@dataclass(frozen=True)
class FlashShops:
    """Where contender ``c`` sells: one shop per channel, each on an app of its own (so that
    webhooks registered for one contender's shops never reach another's)."""

    contender: int

    @property
    def tokopedia_fs_id(self) -> int:
        return 17001 + self.contender

    @property
    def tokopedia_shop(self) -> int:
        return 930001 + self.contender

    def tokopedia_product(self, index: int) -> int:
        return 9_000_000 + self.contender * 1000 + index

    @property
    def shopee_partner(self) -> int:
        return 3_001_001 + self.contender

    @property
    def shopee_key(self) -> str:
        return f"flash-sale-shopee-partner-key-{self.contender}"

    @property
    def shopee_shop(self) -> int:
        return 7_950_001 + self.contender

    def shopee_item(self, index: int) -> int:
        return 30_000_000_000 + self.contender * 1000 + index

    @property
    def tiktok_app_key(self) -> str:
        return f"flashapp{self.contender}"

    @property
    def tiktok_secret(self) -> str:
        return f"flash-sale-tiktok-secret-{self.contender}"

    @property
    def tiktok_service_id(self) -> str:
        return f"73{self.contender:02d}000000000001"

    @property
    def tiktok_open_id(self) -> str:
        return f"flash-seller-{self.contender}"

    @property
    def tiktok_shop(self) -> str:
        return f"749500000000000{self.contender:04d}"

    @property
    def tiktok_warehouse(self) -> str:
        return f"749600000000000{self.contender:04d}"

    def tiktok_product(self, index: int) -> str:
        return f"17310000000{self.contender:04d}{index:04d}"

    def tiktok_sku(self, index: int) -> str:
        return f"17320000000{self.contender:04d}{index:04d}"


def flash_sale(stocks: list[int], contenders: int = len(FLASH_CONTENDERS)) -> dict[str, Any]:
    """A Tokopedia, a Shopee and a TikTok Shop shop per contender, each selling that
    contender's hot SKUs with the same starting stock (so the master starts equal to every
    shop)."""
    world: dict[str, Any] = {"apps": [], "shops": [], "products": []}
    shopee: dict[str, Any] = {"partners": [], "shops": [], "items": []}
    tiktok: dict[str, Any] = {"apps": [], "sellers": [], "shops": [], "products": []}
    for c in range(contenders):
        at = FlashShops(c)
        world["apps"].append(app(at.tokopedia_fs_id, f"-flash{c}"))
        world["shops"].append(
            {
                "shop_id": at.tokopedia_shop,
                "name": f"Toko Kilat {c}",
                "tier": "power_merchant",
                "fs_ids": [at.tokopedia_fs_id],
            }
        )
        shopee["partners"].append(
            {"partner_id": at.shopee_partner, "name": f"flash {c}", "partner_key": at.shopee_key}
        )
        shopee["shops"].append({"shop_id": at.shopee_shop, "shop_name": f"Kilat Shopee {c}"})
        tiktok["apps"].append(
            {
                "app_key": at.tiktok_app_key,
                "app_secret": at.tiktok_secret,
                "service_id": at.tiktok_service_id,
                "name": f"flash {c}",
            }
        )
        tiktok["sellers"].append({"open_id": at.tiktok_open_id, "seller_name": f"Penjual {c}"})
        tiktok["shops"].append(
            {
                "shop_id": at.tiktok_shop,
                "name": f"Kilat TikTok {c}",
                "open_id": at.tiktok_open_id,
                "warehouses": [{"warehouse_id": at.tiktok_warehouse, "is_default": True}],
            }
        )
        for k, stock in enumerate(stocks):
            sku, name, price = flash_sku(c, k), f"Barang Kilat {k + 1}", 99_000 + 1_000 * k
            world["products"].append(
                {
                    "product_id": at.tokopedia_product(k),
                    "shop_id": at.tokopedia_shop,
                    "name": name,
                    "sku": sku,
                    "stock": stock,
                    "price": price,
                }
            )
            shopee["items"].append(
                {
                    "item_id": at.shopee_item(k),
                    "shop_id": at.shopee_shop,
                    "item_name": name,
                    "item_sku": sku,
                    "price": price,
                    "stock": stock,
                }
            )
            tiktok["products"].append(
                {
                    "product_id": at.tiktok_product(k),
                    "shop_id": at.tiktok_shop,
                    "title": name,
                    "skus": [
                        {
                            "sku_id": at.tiktok_sku(k),
                            "seller_sku": sku,
                            "price": price,
                            "stock": stock,
                        }
                    ],
                }
            )
    return {**world, "shopee": shopee, "tiktokshop": tiktok}
