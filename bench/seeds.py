"""Generated sandbox worlds for benchmarks: one big Power Merchant shop, deterministic."""

from __future__ import annotations

import random
from typing import Any

FS_ID, SHOP_ID = 15001, 900001
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret-0123456789"


def big_shop(units: int, seed: int = 7) -> dict[str, Any]:
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
    return {
        "apps": [
            {
                "fs_id": FS_ID,
                "name": "bench",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "webhook_secret": "bench-webhook-secret",
            }
        ],
        "shops": [
            {"shop_id": SHOP_ID, "name": "Toko Bench", "tier": "power_merchant", "fs_ids": [FS_ID]}
        ],
        "products": products,
    }


def _unit(rng: random.Random, index: int) -> dict[str, Any]:
    roll = rng.random()
    return {
        "sku": "" if roll < 0.03 else f"BENCH-{index:06d}",
        "status": 3 if 0.03 <= roll < 0.06 else 1,
        "stock": 0 if 0.06 <= roll < 0.10 else rng.randint(1, 500),
        "price": rng.randrange(10_000, 1_000_000, 500),
    }
