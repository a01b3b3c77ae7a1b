"""The built-in Shopee demo world, sitting beside the Tokopedia demo shops.

Deterministic: built from the Tokopedia demo seed (itself from a fixed random seed) and
``random.Random(DEMO_RANDOM_SEED)``. Partner apps:

- 2001887 "satustok demo", partner_key ``satustok-shopee-demo-partner-key-2001887``;
- 2001888 "another system", partner_key ``another-system-shopee-partner-key-2001888``.

Shops (any of them can be authorized on the authorization page or with the control API):

- 7700001 Demo Shopee Store, NORMAL, one location. The same batik seller as Tokopedia 480001 /
  480002: 36 items without models carry SKUs of singles sold in BOTH Tokopedia shops, two items
  with models carry the children of the two shared Tokopedia variant families, and one item
  groups four shared singles as models (Shopee's "Motif" tier). 12 items and two families carry
  SKUs sold only in 480001. Its own messes: an empty ``item_sku``, an empty ``model_sku``, two
  models with the same SKU, a listing duplicated under a second item, SKUs with surrounding
  spaces or in lower case, UNLIST, BANNED, REVIEWING and SELLER_DELETE items, an unavailable
  model, sold-out units, promotion-reserved stock, and a parent ``item_sku`` on an item with
  models. 13 orders over the last ten days in every status.
- 7700002 Sari Batik Outlet, BANNED (every shop call but ``get_shop_info`` answers
  ``shop_banned``).
- 7700003 Sari Batik Dua Gudang, NORMAL, two locations (stock updates must name
  ``location_id``), selling Official Store (480002) SKUs.

``large_seed`` builds a big single-shop world for benchmarks, also deterministically.
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

from satustok_sandbox.shopee.seed import SN_ALPHABET, ShopeeSeed
from satustok_sandbox.tokopedia.demo import demo_seed

DEMO_RANDOM_SEED = 20240901
DEMO_PARTNER_ID = 2001887
DEMO_PARTNER_KEY = "satustok-shopee-demo-partner-key-2001887"
OTHER_PARTNER_ID = 2001888
OTHER_PARTNER_KEY = "another-system-shopee-partner-key-2001888"
DEMO_SHOP_ID = 7700001
BANNED_SHOP_ID = 7700002
TWO_WAREHOUSE_SHOP_ID = 7700003

FIRST_ITEM_ID = 20_000_100_000
FIRST_MODEL_ID = 90_000_200_000

# Indexes into the 120 singles of Tokopedia shop 480001 (45..89 are shared with 480002).
SHARED_SINGLES = range(45, 81)
GROUPED_SINGLES = range(81, 85)
DELETED_SHARED = 85
DUPLICATE_LISTING_OF = 50
SPACED_SKU, LOWER_SKU = 46, 47
UNLISTED_SHARED = 80
PROMOTION_RESERVED = 60
SOLD_OUT = (55, 56)
SARI_ONLY_SINGLES = range(90, 102)
BANNED_SHOP_SINGLES = range(102, 107)
SHARED_FAMILIES = (0, 1)  # also in 480002
SARI_ONLY_FAMILIES = (2, 4)  # family 4 has a child without SKU


class _Ids:
    def __init__(self, first: int) -> None:
        self.last = first

    def take(self) -> int:
        self.last += 1
        return self.last


def _shopee_price(rng: random.Random, price: int) -> int:
    """Shopee prices differ a little from Tokopedia's: ±5 %, whole hundreds of rupiah."""
    return max(100, round(price * rng.uniform(0.95, 1.05) / 100) * 100)


def _single_item(
    rng: random.Random, item_id: int, shop_id: int, source: Any, **changes: Any
) -> dict[str, Any]:
    item = {
        "item_id": item_id,
        "shop_id": shop_id,
        "item_name": source.name,
        "item_sku": source.sku,
        "price": _shopee_price(rng, source.price),
        "stock": rng.randint(1, 150),
        "category_id": 100_017,
        "weight": source.weight_grams / 1000,
        "description": source.description,
    }
    item.update(changes)
    return item


def _family_item(
    rng: random.Random, items: _Ids, models: _Ids, shop_id: int, family: Any
) -> dict[str, Any]:
    names = list(family.variant.names)
    options = [
        list(dict.fromkeys(child.options[tier] for child in family.variant.children))
        for tier in range(len(names))
    ]
    return {
        "item_id": items.take(),
        "shop_id": shop_id,
        "item_name": family.name,
        "item_sku": "",
        "category_id": 100_017,
        "tier_variation": [
            {"name": name, "options": opts} for name, opts in zip(names, options, strict=True)
        ],
        "models": [
            {
                "model_id": models.take(),
                "model_sku": child.sku,
                "tier_index": [
                    opts.index(option) for opts, option in zip(options, child.options, strict=True)
                ],
                "price": _shopee_price(rng, child.price),
                "stock": rng.randint(0, 60),
            }
            for child in family.variant.children
        ],
    }


def _demo_store(rng: random.Random, sari: list[Any]) -> list[dict[str, Any]]:
    items, models = _Ids(FIRST_ITEM_ID), _Ids(FIRST_MODEL_ID)
    shop = DEMO_SHOP_ID
    rows = [_single_item(rng, items.take(), shop, sari[index]) for index in SHARED_SINGLES]
    by_index = dict(zip(SHARED_SINGLES, rows, strict=True))
    by_index[SPACED_SKU]["item_sku"] = f" {sari[SPACED_SKU].sku} "
    by_index[LOWER_SKU]["item_sku"] = sari[LOWER_SKU].sku.lower()
    by_index[UNLISTED_SHARED]["item_status"] = "UNLIST"
    by_index[PROMOTION_RESERVED].update({"stock": 40, "reserved_stock": 5})
    for index in SOLD_OUT:
        by_index[index]["stock"] = 0
    families = [sari[120 + number] for number in SHARED_FAMILIES]
    rows += [_family_item(rng, items, models, shop, family) for family in families]
    grouped = [sari[index] for index in GROUPED_SINGLES]
    rows.append(
        {
            "item_id": items.take(),
            "shop_id": shop,
            "item_name": "Paket Pilihan Batik (pilih motif)",
            "item_sku": "",
            "tier_variation": [{"name": "Motif", "options": [s.name for s in grouped]}],
            "models": [
                {
                    "model_id": models.take(),
                    "model_sku": single.sku,
                    "tier_index": [number],
                    "price": _shopee_price(rng, single.price),
                    "stock": rng.randint(1, 80),
                    "model_status": "MODEL_UNAVAILABLE" if number == 1 else "MODEL_NORMAL",
                }
                for number, single in enumerate(grouped)
            ],
        }
    )
    rows.append(
        _single_item(
            rng, items.take(), shop, sari[DELETED_SHARED], item_status="SELLER_DELETE", stock=0
        )
    )
    rows.append(
        _single_item(
            rng,
            items.take(),
            shop,
            sari[DUPLICATE_LISTING_OF],
            item_name=f"{sari[DUPLICATE_LISTING_OF].name} (promo)",
        )
    )
    rows += [_single_item(rng, items.take(), shop, sari[index]) for index in SARI_ONLY_SINGLES]
    for number in SARI_ONLY_FAMILIES:
        rows.append(_family_item(rng, items, models, shop, sari[120 + number]))
    rows[-2]["item_sku"] = "SB-VAR03"  # a parent SKU on an item with models (not a unit's SKU)
    rows += _own_items(rng, items, models)
    return rows


def _own_items(rng: random.Random, items: _Ids, models: _Ids) -> list[dict[str, Any]]:
    """Listings only this Shopee shop has, each one an awkward case."""
    shop = DEMO_SHOP_ID

    def own(name: str, sku: str, **changes: Any) -> dict[str, Any]:
        return {
            "item_id": items.take(),
            "shop_id": shop,
            "item_name": name,
            "item_sku": sku,
            "price": rng.choice([35_000, 59_000, 89_000, 129_000]),
            "stock": rng.randint(1, 90),
            **changes,
        }

    rows = [
        own("Totebag Batik Kawung", ""),
        own("Kipas Batik Parang", "SPE-KPS-001", item_status="UNLIST"),
        own("Dompet Batik Motif Replika", "SPE-DMP-001", item_status="BANNED"),
        own("Ikat Kepala Batik Blangkon", "SPE-BLK-001", item_status="REVIEWING"),
        own("Gantungan Kunci Batik", "SPE-GTK-001", stock=0),
    ]
    rows.append(
        {
            "item_id": items.take(),
            "shop_id": shop,
            "item_name": "Sarung Batik Cap Dua Warna",
            "item_sku": "",
            "tier_variation": [{"name": "Warna", "options": ["Hijau", "Ungu"]}],
            "models": [
                {
                    "model_id": models.take(),
                    "model_sku": "SPE-SRG-002",
                    "tier_index": [number],
                    "price": 99_000,
                    "stock": rng.randint(1, 30),
                }
                for number in range(2)
            ],
        }
    )
    return rows


def _banned_shop(rng: random.Random, sari: list[Any]) -> list[dict[str, Any]]:
    items = _Ids(FIRST_ITEM_ID + 20_000)
    return [
        _single_item(rng, items.take(), BANNED_SHOP_ID, sari[index])
        for index in BANNED_SHOP_SINGLES
    ]


def _two_warehouse_shop(rng: random.Random, official: list[Any]) -> list[dict[str, Any]]:
    items = _Ids(FIRST_ITEM_ID + 30_000)
    rows = []
    for source in official[47:53]:
        row = _single_item(rng, items.take(), TWO_WAREHOUSE_SHOP_ID, source)
        del row["stock"]
        row["seller_stock"] = [
            {"location_id": "IDZ7700003A", "stock": rng.randint(0, 40)},
            {"location_id": "IDZ7700003B", "stock": rng.randint(0, 40)},
        ]
        rows.append(row)
    return rows


def _stock_of(unit: dict[str, Any]) -> int:
    return unit.get("stock", 0) + sum(row["stock"] for row in unit.get("seller_stock", []))


def _units(items: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(item_id, model_id) of NORMAL units with stock."""
    found = []
    for item in items:
        if item.get("item_status", "NORMAL") != "NORMAL":
            continue
        if "models" in item:
            found += [
                (item["item_id"], m["model_id"])
                for m in item["models"]
                if m.get("model_status", "MODEL_NORMAL") == "MODEL_NORMAL" and _stock_of(m) > 2
            ]
        elif _stock_of(item) > 2:
            found.append((item["item_id"], 0))
    return found


ORDER_STATUS_MIX = [
    "UNPAID",
    "READY_TO_SHIP",
    "READY_TO_SHIP",
    "READY_TO_SHIP",
    "READY_TO_SHIP",
    "PROCESSED",
    "PROCESSED",
    "SHIPPED",
    "SHIPPED",
    "COMPLETED",
    "COMPLETED",
    "CANCELLED",
    "IN_CANCEL",
]
BUYERS = ["budi.s", "siti_rahma", "agusw88", "dewilestari", "rina.kartika", "ekopras"]
CITIES = ["Kota Bandung", "Jakarta Selatan", "Kota Surabaya", "Kota Semarang", "Kota Medan"]


def _order_sn(rng: random.Random) -> str:
    return "DM" + "".join(rng.choice(SN_ALPHABET) for _ in range(12))


def _orders(
    rng: random.Random, shop_id: int, items: list[dict[str, Any]], statuses: list[str]
) -> list[dict[str, Any]]:
    units = _units(items)
    orders = []
    for number, status in enumerate(statuses):
        picked = rng.sample(units, rng.randint(1, 3))
        orders.append(
            {
                "order_sn": _order_sn(rng),
                "shop_id": shop_id,
                "order_status": status,
                "created_seconds_ago": 3_600 + number * 64_800 + rng.randint(0, 3_000),
                "lines": [
                    {"item_id": item_id, "model_id": model_id, "quantity": rng.randint(1, 2)}
                    for item_id, model_id in picked
                ],
                "buyer_username": rng.choice(BUYERS),
                "recipient_name": "Pembeli Demo",
                "recipient_city": rng.choice(CITIES),
                "cod": number % 5 == 4,
                "estimated_shipping_fee": rng.choice([8_000, 10_000, 15_000]),
            }
        )
    return orders


@cache
def _demo_document() -> dict[str, Any]:
    rng = random.Random(DEMO_RANDOM_SEED)
    tokopedia = demo_seed()
    sari = [p for p in tokopedia.products if p.shop_id == 480001]
    official = [p for p in tokopedia.products if p.shop_id == 480002]
    store = _demo_store(rng, sari)
    banned = _banned_shop(rng, sari)
    two_warehouses = _two_warehouse_shop(rng, official)
    orders = [
        *_orders(rng, DEMO_SHOP_ID, store, ORDER_STATUS_MIX),
        *_orders(rng, TWO_WAREHOUSE_SHOP_ID, two_warehouses, ["READY_TO_SHIP", "COMPLETED"]),
    ]
    return {
        "partners": [
            {
                "partner_id": DEMO_PARTNER_ID,
                "name": "satustok demo",
                "partner_key": DEMO_PARTNER_KEY,
            },
            {
                "partner_id": OTHER_PARTNER_ID,
                "name": "another system",
                "partner_key": OTHER_PARTNER_KEY,
            },
        ],
        "shops": [
            {"shop_id": DEMO_SHOP_ID, "shop_name": "Demo Shopee Store", "merchant_id": 8800001},
            {"shop_id": BANNED_SHOP_ID, "shop_name": "Sari Batik Outlet", "status": "BANNED"},
            {
                "shop_id": TWO_WAREHOUSE_SHOP_ID,
                "shop_name": "Sari Batik Dua Gudang",
                "locations": [
                    {"location_id": "IDZ7700003A", "name": "Gudang Yogyakarta"},
                    {
                        "location_id": "IDZ7700003B",
                        "name": "Gudang Jakarta",
                        "city": "Jakarta Barat",
                        "state": "DKI Jakarta",
                        "zipcode": "11470",
                    },
                ],
            },
        ],
        "items": [*store, *banned, *two_warehouses],
        "orders": orders,
    }


def shopee_demo_seed() -> ShopeeSeed:
    """The demo world as a validated seed (a fresh copy each call)."""
    return ShopeeSeed.model_validate(_demo_document())


def large_seed(
    items: int,
    seed: int = 7,
    *,
    partner_id: int = DEMO_PARTNER_ID,
    partner_key: str = DEMO_PARTNER_KEY,
    shop_id: int = 7_900_001,
) -> dict[str, Any]:
    """A ``shopee`` section with one partner and one shop of ``items`` items: one in ten has
    three models, one in twenty is UNLIST, one in fifty has no SKU (deterministic)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    model_ids = _Ids(FIRST_MODEL_ID + 5_000_000)
    for number in range(items):
        item: dict[str, Any] = {
            "item_id": FIRST_ITEM_ID + 5_000_000 + number,
            "shop_id": shop_id,
            "item_name": f"Produk {number}",
            "item_sku": "" if number % 50 == 49 else f"BIG-{number:07d}",
            "item_status": "UNLIST" if number % 20 == 19 else "NORMAL",
        }
        if number % 10 == 9:
            item["item_sku"] = ""
            item["tier_variation"] = [{"name": "Ukuran", "options": ["S", "M", "L"]}]
            item["models"] = [
                {
                    "model_id": model_ids.take(),
                    "model_sku": f"BIG-{number:07d}-{size}",
                    "tier_index": [k],
                    "price": rng.choice([25_000, 50_000, 75_000]),
                    "stock": rng.randint(0, 100),
                }
                for k, size in enumerate("SML")
            ]
        else:
            item["price"] = rng.choice([15_000, 35_000, 60_000, 120_000])
            item["stock"] = rng.randint(0, 200)
        rows.append(item)
    return {
        "partners": [{"partner_id": partner_id, "name": "bench", "partner_key": partner_key}],
        "shops": [{"shop_id": shop_id, "shop_name": "Toko Besar Shopee"}],
        "items": rows,
    }
