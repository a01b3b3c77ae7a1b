"""The built-in ``demo`` seed: a batik seller with every messy case an import has to sort.

Generated from ``random.Random(DEMO_RANDOM_SEED)``, so every run (and every machine) gets the
same ids, SKUs, stocks, prices and credentials. Shops:

- 480001 Toko Sari Batik, power_merchant, open, linked to 15001: 120 single products and 15
  variant families; empty SKUs, inactive, banned, pending, deleted and zero-stock products,
  duplicate SKUs and SKUs differing only in case or surrounding spaces; orders over 7 days.
- 480002 Sari Official Store, official_store, linked to 15001: 45 single SKUs and two variant
  families shared with 480001 (other stock values), plus its own products.
- 480003 regular_merchant, linked to nothing (15001 gets 403).
- 480004 power_merchant linked to 15001, on holiday.
- 480005 power_merchant linked only to 15002 (15001 gets 403).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Any

from satustok_sandbox.tokopedia.seed import Seed

DEMO_RANDOM_SEED = 20240817
DEMO_FS_ID = 15001
OTHER_FS_ID = 15002

TYPES = [
    ("Kemeja Batik", "KMJ", 1807),
    ("Dress Batik", "DRS", 1808),
    ("Kain Batik", "KAIN", 1809),
    ("Blus Batik", "BLS", 1808),
    ("Sarung Batik", "SRG", 1807),
    ("Selendang Batik", "SLD", 1810),
    ("Outer Batik", "OTR", 1808),
    ("Rok Batik", "ROK", 1808),
    ("Tas Batik", "TAS", 1810),
    ("Masker Batik", "MSK", 1810),
]
MOTIFS = [
    ("Parang", "PRG"),
    ("Kawung", "KWG"),
    ("Mega Mendung", "MGM"),
    ("Truntum", "TRN"),
    ("Sidomukti", "SDM"),
    ("Sekar Jagad", "SKJ"),
    ("Lasem", "LSM"),
    ("Sogan", "SGN"),
    ("Tujuh Rupa", "TJR"),
    ("Gentongan", "GTG"),
    ("Jlamprang", "JLP"),
    ("Tambal", "TBL"),
]
FABRICS = ["Katun Primisima", "Sutra", "Rayon", "Katun Prima", "Dobby", "Tulis", "Cap"]
PRICES = [
    49_900,
    75_000,
    89_000,
    99_000,
    125_000,
    149_900,
    165_000,
    189_000,
    215_000,
    249_000,
    275_000,
    325_000,
    385_000,
    450_000,
    525_000,
    650_000,
    850_000,
    1_250_000,
]
SIZES = ["S", "M", "L", "XL"]
COLOURS = [
    ("Merah Marun", "MRH"),
    ("Biru Dongker", "BRU"),
    ("Coklat Sogan", "CKL"),
    ("Hitam", "HTM"),
]
BUYERS = [
    "Budi Santoso",
    "Siti Rahmawati",
    "Agus Wijaya",
    "Dewi Lestari",
    "Rina Kartika",
    "Eko Prasetyo",
    "Putri Ayu",
    "Hendra Gunawan",
    "Wulan Sari",
    "Fajar Nugroho",
]
CITIES = [
    "Kota Bandung",
    "Jakarta Selatan",
    "Kota Surabaya",
    "Kota Semarang",
    "Kota Medan",
    "Kota Makassar",
    "Kota Denpasar",
    "Kabupaten Sleman",
]

# Which of the 120 singles of shop 480001 carry which messy case (index ranges, by design).
EMPTY_SKU = range(0, 6)
INACTIVE = range(6, 14)
BANNED = range(14, 17)
PENDING = range(17, 19)
DELETED = range(19, 21)
ZERO_STOCK = range(21, 31)
DUPLICATE_PAIRS = [(31, 32), (33, 34), (35, 36)]
CASE_SPACE_PAIRS = [
    (37, 38, str.lower),
    (39, 40, lambda s: f" {s}"),
    (41, 42, lambda s: f"{s} "),
    (43, 44, lambda s: f"  {s.lower()} "),
]
SHARED_WITH_OFFICIAL = range(45, 90)
SINGLES = 120
FAMILIES = 15
SHARED_FAMILIES = (0, 1)


@dataclass
class _Ids:
    """Sequential product ids per shop."""

    next_id: int

    def take(self) -> int:
        self.next_id += 1
        return self.next_id


@cache
def _demo_document() -> dict[str, Any]:
    rng = random.Random(DEMO_RANDOM_SEED)
    apps = [_app(rng, DEMO_FS_ID, "satustok demo"), _app(rng, OTHER_FS_ID, "another system")]
    sari = _sari_batik_products(rng)
    official = _official_store_products(rng, sari)
    others = [
        *_plain_products(rng, 480003, 6_100_000, 10, "BRT"),
        *_plain_products(rng, 480004, 6_200_000, 12, "BPL"),
        *_plain_products(rng, 480005, 6_300_000, 10, "GBN"),
    ]
    products = [*sari, *official, *others]
    orders = [
        *_orders(rng, 480001, sari, 30, 900_000_001),
        *_orders(rng, 480002, official, 10, 900_000_101),
        *_orders(rng, 480004, others[10:22], 2, 900_000_201, statuses=[700, 700]),
        *_orders(rng, 480005, others[22:], 3, 900_000_301),
    ]
    return {"apps": apps, "shops": _shops(), "products": products, "orders": orders}


def demo_seed() -> Seed:
    """The demo world as a validated seed (a fresh copy each call)."""
    return Seed.model_validate(_demo_document())


def _app(rng: random.Random, fs_id: int, name: str) -> dict[str, Any]:
    return {
        "fs_id": fs_id,
        "name": name,
        "client_id": f"{rng.getrandbits(128):032x}",
        "client_secret": f"{rng.getrandbits(160):040x}",
        "webhook_secret": f"{rng.getrandbits(128):032x}",
        "token_ttl_seconds": 2_592_000,
    }


def _warehouse(
    warehouse_id: int, name: str, city: str, province: str, default: bool = True
) -> dict[str, Any]:
    return {
        "warehouse_id": warehouse_id,
        "name": name,
        "is_default": default,
        "city_name": city,
        "province_name": province,
    }


def _shops() -> list[dict[str, Any]]:
    return [
        {
            "shop_id": 480001,
            "name": "Toko Sari Batik",
            "domain": "sari-batik",
            "tier": "power_merchant",
            "fs_ids": [DEMO_FS_ID],
            "created_date": "2018-06-02",
            "warehouses": [
                _warehouse(
                    4_800_011, "Gudang Sari Batik Yogyakarta", "Kota Yogyakarta", "DI Yogyakarta"
                ),
                _warehouse(4_800_012, "Gudang Solo", "Kota Surakarta", "Jawa Tengah", False),
            ],
        },
        {
            "shop_id": 480002,
            "name": "Sari Official Store",
            "domain": "sari-official",
            "tier": "official_store",
            "fs_ids": [DEMO_FS_ID],
            "created_date": "2021-01-15",
            "warehouses": [
                _warehouse(4_800_021, "Gudang Official Jakarta", "Jakarta Barat", "DKI Jakarta")
            ],
        },
        {
            "shop_id": 480003,
            "name": "Batik Rumahan Bu Tini",
            "domain": "batik-bu-tini",
            "tier": "regular_merchant",
            "created_date": "2022-09-09",
            "warehouses": [
                _warehouse(4_800_031, "Rumah Bu Tini", "Kota Pekalongan", "Jawa Tengah")
            ],
        },
        {
            "shop_id": 480004,
            "name": "Batik Pesisir Lasem",
            "domain": "batik-pesisir-lasem",
            "tier": "power_merchant",
            "fs_ids": [DEMO_FS_ID],
            "is_open": False,
            "close_note": "Libur Lebaran, toko buka kembali tanggal 20",
            "created_date": "2020-03-03",
            "warehouses": [
                _warehouse(4_800_041, "Gudang Lasem", "Kabupaten Rembang", "Jawa Tengah")
            ],
        },
        {
            "shop_id": 480005,
            "name": "Griya Batik Nusantara",
            "domain": "griya-batik-nusantara",
            "tier": "power_merchant",
            "fs_ids": [OTHER_FS_ID],
            "created_date": "2019-11-11",
            "warehouses": [_warehouse(4_800_051, "Gudang Griya", "Kota Surakarta", "Jawa Tengah")],
        },
    ]


def _single(
    rng: random.Random, shop_id: int, product_id: int, index: int, prefix: str
) -> dict[str, Any]:
    kind, code, category = TYPES[index % len(TYPES)]
    motif, motif_code = MOTIFS[(index // len(TYPES)) % len(MOTIFS)]
    return {
        "product_id": product_id,
        "shop_id": shop_id,
        "name": f"{kind} {motif} {FABRICS[index % len(FABRICS)]}",
        "sku": f"{prefix}-{code}-{motif_code}-{index + 1:03d}",
        "price": rng.choice(PRICES),
        "stock": rng.randint(1, 250),
        "category_id": category,
        "etalase": kind,
        "description": f"{kind} motif {motif}, dibuat oleh pengrajin batik Indonesia.",
        "count_sold": rng.randint(0, 400),
        "count_view": rng.randint(50, 5000),
        "weight_grams": rng.choice([150, 250, 300, 400, 600]),
    }


def _apply_messy_cases(singles: list[dict[str, Any]]) -> None:
    """Turn the designated singles of 480001 into the import's awkward cases."""
    for index in EMPTY_SKU:
        singles[index]["sku"] = ""
    for indexes, status in ((INACTIVE, 3), (BANNED, -2), (PENDING, -1), (DELETED, 0)):
        for index in indexes:
            singles[index]["status"] = status
    for index in ZERO_STOCK:
        singles[index]["stock"] = 0
    for first, second in DUPLICATE_PAIRS:
        singles[second]["sku"] = singles[first]["sku"]
    for first, second, variant_of in CASE_SPACE_PAIRS:
        singles[second]["sku"] = variant_of(singles[first]["sku"])


def _family(
    rng: random.Random, shop_id: int, ids: _Ids, number: int, prefix: str
) -> dict[str, Any]:
    motif = MOTIFS[number % len(MOTIFS)][0]
    with_colour = number % 3 != 2
    sizes = rng.sample(SIZES, rng.randint(2, 4)) if not with_colour else SIZES[: rng.randint(1, 2)]
    colours = COLOURS[: rng.randint(1, 2)] if with_colour else [("", "")]
    combos = [(colour, size) for colour in colours for size in sorted(sizes, key=SIZES.index)][:4]
    if len(combos) < 2:
        combos = [(COLOURS[0], SIZES[0]), (COLOURS[1], SIZES[0])]
    price = rng.choice(PRICES[3:12])
    parent_id = ids.take()
    children = [
        {
            "product_id": ids.take(),
            "options": [colour[0], size] if with_colour else [size],
            "sku": f"{prefix}-VAR{number + 1:02d}-{colour[1] + '-' if with_colour else ''}{size}",
            "price": price + (10_000 if size == "XL" else 0),
            "stock": rng.randint(0, 60),
        }
        for colour, size in combos
    ]
    return {
        "product_id": parent_id,
        "shop_id": shop_id,
        "name": f"Kemeja Batik {motif} Lengan Panjang",
        "sku": "",
        "category_id": 1807,
        "etalase": "Kemeja Batik",
        "description": f"Kemeja batik motif {motif} dengan pilihan ukuran.",
        "variant": {
            "names": ["Warna", "Ukuran"] if with_colour else ["Ukuran"],
            "children": children,
        },
    }


def _sari_batik_products(rng: random.Random) -> list[dict[str, Any]]:
    ids = _Ids(2_100_000)
    singles = [_single(rng, 480001, ids.take(), index, "SB") for index in range(SINGLES)]
    _apply_messy_cases(singles)
    families = [_family(rng, 480001, ids, number, "SB") for number in range(FAMILIES)]
    # A little mess inside families too: an inactive child, a child without SKU, sold-out children.
    families[3]["variant"]["children"][0]["status"] = 3
    families[4]["variant"]["children"][-1]["sku"] = ""
    families[5]["variant"]["children"][0]["stock"] = 0
    families[6]["variant"]["children"][-1]["stock"] = 0
    return [*singles, *families]


def _official_store_products(
    rng: random.Random, sari: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    ids = _Ids(3_100_000)
    shared = [
        {
            **sari[index],
            "product_id": ids.take(),
            "shop_id": 480002,
            "stock": rng.randint(0, 120),
            "count_sold": rng.randint(0, 100),
        }
        for index in SHARED_WITH_OFFICIAL
    ]
    families = []
    for number in SHARED_FAMILIES:
        source = sari[SINGLES + number]
        children = [
            {**child, "product_id": 0, "stock": rng.randint(0, 40)}
            for child in source["variant"]["children"]
        ]
        parent_id = ids.take()
        for child in children:
            child["product_id"] = ids.take()
        families.append(
            {
                **source,
                "product_id": parent_id,
                "shop_id": 480002,
                "variant": {**source["variant"], "children": children},
            }
        )
    own = [_single(rng, 480002, ids.take(), index, "SOS") for index in range(30)]
    for index, change in (
        (0, {"status": 3}),
        (1, {"status": 3}),
        (2, {"sku": ""}),
        (3, {"stock": 0}),
        (4, {"stock": 0}),
    ):
        own[index].update(change)
    return [*shared, *families, *own]


def _plain_products(
    rng: random.Random, shop_id: int, first_id: int, count: int, prefix: str
) -> list[dict[str, Any]]:
    ids = _Ids(first_id)
    return [_single(rng, shop_id, ids.take(), index * 7, prefix) for index in range(count)]


def _sellable(products: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(product_id, price) of active products with stock, children included."""
    units = []
    for product in products:
        rows = product["variant"]["children"] if "variant" in product else [product]
        units += [
            (row["product_id"], row["price"])
            for row in rows
            if row.get("status", 1) == 1 and row.get("stock", 0) > 0
        ]
    return units


ORDER_STATUS_MIX = (
    [220] * 8 + [400] * 5 + [450] * 2 + [500] * 5 + [600] * 3 + [700] * 4 + [0, 10, 100]
)


def _orders(
    rng: random.Random,
    shop_id: int,
    products: list[dict[str, Any]],
    count: int,
    first_id: int,
    statuses: list[int] | None = None,
) -> list[dict[str, Any]]:
    units = _sellable(products)
    mix = list(statuses or ORDER_STATUS_MIX)
    rng.shuffle(mix)
    orders = []
    for number in range(count):
        status = mix[number % len(mix)]
        picked = rng.sample(units, rng.randint(1, min(3, len(units))))
        orders.append(
            {
                "order_id": first_id + number,
                "shop_id": shop_id,
                "status": status,
                "created_seconds_ago": rng.randint(600, 7 * 86_400 - 600),
                "items": [{"product_id": pid, "quantity": rng.randint(1, 3)} for pid, _ in picked],
                "buyer_name": rng.choice(BUYERS),
                "recipient_city": rng.choice(CITIES),
                "awb": f"JNE{rng.randint(10**11, 10**12 - 1)}" if status in (500, 600, 700) else "",
                "shipping_cost": rng.choice([9_000, 12_000, 18_000, 24_000]),
            }
        )
    return orders
