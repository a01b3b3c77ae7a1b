"""The built-in TikTok Shop demo world, beside the Tokopedia and Shopee demo shops.

Deterministic: fixed ids, stocks and SKUs; names and prices of the shared SKUs come from the
Tokopedia demo seed (itself from a fixed random seed). Apps (Partner Center):

- ``6d3satustok01`` "satustok demo", app_secret ``satustok-tiktokshop-demo-app-secret-6d3``,
  service_id ``7301880000000000001``, every scope; no redirect URL registered (set it with the
  control API ``POST apps/6d3satustok01/redirect_url``);
- ``6d3othersys02`` "another system (read-only)", app_secret
  ``another-system-tiktokshop-app-secret-02``, service_id ``7301880000000000002``, without the
  write scopes (``seller.product.write``, ``seller.return_refund.basic``: 105005).

Sellers and shops (nobody is authorized at start):

- seller ``seller-sari-batik-7IiD3w`` "Sari Batik" owns **7494000000000000001** "Sari Batik
  (Tokopedia & TikTok Shop)", region ID, LOCAL, cipher ``ROW_c2FyaWJhdGlrLXR0cy0wMDE``. The same
  batik seller as Tokopedia 480001/480002 and Shopee 7700001: its products are listed on both
  storefronts (TOKOPEDIA and TIKTOK_SHOP) and twelve SKUs are shared with all three demo shops.
  Warehouses: 7300000000000000011 Gudang Yogyakarta (default SALES_WAREHOUSE),
  7300000000000000012 Gudang Jakarta (SALES_WAREHOUSE), 7300000000000000013 Gudang Retur
  (RETURN_WAREHOUSE: never stocked). Its messes: SKUs stocked in both sales warehouses, one only
  in the non-default one, a zero-stock SKU, a blank ``seller_sku``, a DEACTIVATED SKU inside an
  ACTIVATE product, FREEZE, DELETED and SELLER_DEACTIVATED products, a TikTok-only and a
  Tokopedia-only listing. Nine orders across the statuses, from both storefronts.
- seller ``seller-kain-polos-9Qk2Lx`` "Kain Polos Nusantara" owns **7494000000000000002** "Kain
  Polos Nusantara", a plain TikTok Shop-only shop with one warehouse (7300000000000000021) and
  three products; cipher ``ROW_a2FpbnBvbG9zLXR0cy0wMDI``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from satustok_sandbox.tiktokshop.seed import TikTokShopSeed
from satustok_sandbox.tokopedia.demo import demo_seed

DEMO_APP_KEY = "6d3satustok01"
DEMO_APP_SECRET = "satustok-tiktokshop-demo-app-secret-6d3"
DEMO_SERVICE_ID = "7301880000000000001"
OTHER_APP_KEY = "6d3othersys02"
OTHER_APP_SECRET = "another-system-tiktokshop-app-secret-02"
OTHER_SERVICE_ID = "7301880000000000002"
READ_ONLY_SCOPES = [
    "seller.authorization.info",
    "seller.product.basic",
    "seller.logistics",
    "seller.order.info",
]

DEMO_OPEN_ID = "seller-sari-batik-7IiD3w"
OTHER_OPEN_ID = "seller-kain-polos-9Qk2Lx"
DEMO_SHOP_ID = "7494000000000000001"
DEMO_SHOP_CIPHER = "ROW_c2FyaWJhdGlrLXR0cy0wMDE"
PLAIN_SHOP_ID = "7494000000000000002"
PLAIN_SHOP_CIPHER = "ROW_a2FpbnBvbG9zLXR0cy0wMDI"
WAREHOUSE_YOGYA = "7300000000000000011"
WAREHOUSE_JAKARTA = "7300000000000000012"
WAREHOUSE_RETURN = "7300000000000000013"
WAREHOUSE_PLAIN = "7300000000000000021"
BOTH = ["TOKOPEDIA", "TIKTOK_SHOP"]

# Shared SKUs (sold in Tokopedia 480001 and 480002 and Shopee 7700001): available stock per
# warehouse in this shop.
Y, J = WAREHOUSE_YOGYA, WAREHOUSE_JAKARTA
SHARED_STOCK: dict[str, dict[str, int]] = {
    "SB-SLD-SDM-046": {Y: 24},
    "SB-TAS-SDM-049": {Y: 12, J: 8},
    "SB-MSK-SDM-050": {Y: 30},
    "SB-DRS-SKJ-052": {Y: 7, J: 5},
    "SB-KAIN-SKJ-053": {Y: 15},
    "SB-BLS-SKJ-054": {Y: 0},  # the zero-stock SKU
    "SB-SRG-SKJ-055": {J: 9},  # stocked only in the non-default warehouse
    "SB-ROK-SKJ-058": {Y: 20},
    "SB-TAS-SKJ-059": {Y: 3, J: 2},
    "SB-MSK-SKJ-060": {Y: 40},
}
VARIANT_STOCK: dict[str, dict[str, int]] = {
    "SB-VAR01-MRH-S": {Y: 6, J: 4},
    "SB-VAR01-BRU-S": {Y: 10},
}
FROZEN_SKU, DELETED_SKU, DEACTIVATED_PRODUCT_SKU = (
    "SB-SLD-SKJ-056",
    "SB-OTR-SKJ-057",
    "SB-KMJ-LSM-061",
)
TOKOPEDIA_ONLY_SKU = "SB-KAIN-LSM-063"
# More singles of Tokopedia 480001 (and Shopee 7700001), so the hub's tests can sell across
# two dozen shared SKUs at once; listed after the other products, their ids come last.
MORE_SHARED_STOCK: dict[str, dict[str, int]] = {
    sku: ({Y: 30 + 5 * n} if n % 4 else {Y: 20 + n, J: 10})
    for n, sku in enumerate(
        (
            "SB-KMJ-SGN-071",
            "SB-DRS-SGN-072",
            "SB-KAIN-SGN-073",
            "SB-BLS-SGN-074",
            "SB-SRG-SGN-075",
            "SB-SLD-SGN-076",
            "SB-OTR-SGN-077",
            "SB-ROK-SGN-078",
            "SB-TAS-SGN-079",
            "SB-MSK-SGN-080",
            "SB-KMJ-TJR-081",
            "SB-DRS-TJR-082",
            "SB-KAIN-TJR-083",
            "SB-BLS-TJR-084",
            "SB-SRG-TJR-085",
            "SB-SLD-TJR-086",
            "SB-KMJ-GTG-091",
            "SB-DRS-GTG-092",
            "SB-KAIN-GTG-093",
            "SB-BLS-GTG-094",
        )
    )
}
SHARED_SKUS = (*SHARED_STOCK, *VARIANT_STOCK)

FIRST_PRODUCT_ID = 1_729_000_000_000_000_000
FIRST_SKU_ID = 1_729_100_000_000_000_000


class _Ids:
    def __init__(self, first: int) -> None:
        self.last = first

    def take(self) -> str:
        self.last += 1
        return str(self.last)


def _inventory(stock: dict[str, int]) -> list[dict[str, Any]]:
    return [{"warehouse_id": w, "quantity": q} for w, q in stock.items()]


def _single(
    products: _Ids, skus: _Ids, source: Any, stock: dict[str, int], **changes: Any
) -> dict[str, Any]:
    """A one-SKU product for a Tokopedia single, listed on both storefronts."""
    return {
        "product_id": products.take(),
        "shop_id": DEMO_SHOP_ID,
        "title": source.name,
        "description": source.description,
        "listing_platforms": BOTH,
        "skus": [
            {
                "sku_id": skus.take(),
                "seller_sku": source.sku,
                "price": source.price,
                "inventory": _inventory(stock),
            }
        ],
        **changes,
    }


def _variant_product(products: _Ids, skus: _Ids, family: Any) -> dict[str, Any]:
    """The shared family 0 as one product with several SKUs, plus a DEACTIVATED variant."""
    rows = [
        {
            "sku_id": skus.take(),
            "seller_sku": child.sku,
            "price": child.price,
            "sales_attributes": [
                {"name": name, "value_name": value}
                for name, value in zip(family.variant.names, child.options, strict=True)
            ],
            "inventory": _inventory(VARIANT_STOCK[child.sku]),
        }
        for child in family.variant.children
        if child.sku in VARIANT_STOCK
    ]
    rows.append(
        {
            "sku_id": skus.take(),
            "seller_sku": "TTS-VAR01-HJU-S",
            "price": 275_000,
            "status": "DEACTIVATED",
            "sales_attributes": [
                {"name": "Warna", "value_name": "Hijau Botol"},
                {"name": "Ukuran", "value_name": "S"},
            ],
            "inventory": _inventory({Y: 5}),
        }
    )
    return {
        "product_id": products.take(),
        "shop_id": DEMO_SHOP_ID,
        "title": family.name,
        "description": family.description,
        "listing_platforms": BOTH,
        "skus": rows,
    }


def _own(products: _Ids, skus: _Ids, title: str, seller_sku: str, **fields: Any) -> dict[str, Any]:
    stock = fields.pop("stock")
    return {
        "product_id": products.take(),
        "shop_id": fields.pop("shop_id", DEMO_SHOP_ID),
        "title": title,
        "listing_platforms": fields.pop("listing_platforms", BOTH),
        "skus": [
            {
                "sku_id": skus.take(),
                "seller_sku": seller_sku,
                "price": fields.pop("price", 89_000),
                "inventory": _inventory(stock),
            }
        ],
        **fields,
    }


def _demo_products(by_sku: dict[str, Any], family: Any) -> list[dict[str, Any]]:
    products, skus = _Ids(FIRST_PRODUCT_ID), _Ids(FIRST_SKU_ID)
    rows = [_single(products, skus, by_sku[sku], stock) for sku, stock in SHARED_STOCK.items()]
    rows.append(_variant_product(products, skus, family))
    rows += [
        _single(products, skus, by_sku[FROZEN_SKU], {Y: 11}, status="FREEZE"),
        _single(products, skus, by_sku[DELETED_SKU], {Y: 0}, status="DELETED"),
        _single(
            products, skus, by_sku[DEACTIVATED_PRODUCT_SKU], {Y: 14}, status="SELLER_DEACTIVATED"
        ),
        _single(
            products, skus, by_sku[TOKOPEDIA_ONLY_SKU], {Y: 4}, listing_platforms=["TOKOPEDIA"]
        ),
        _own(products, skus, "Totebag Batik Sari", "", stock={Y: 6}, price=59_000),
        _own(
            products,
            skus,
            "Masker Batik Edisi Live",
            "TTS-MSK-LIVE-01",
            stock={Y: 50},
            price=25_000,
            listing_platforms=["TIKTOK_SHOP"],
        ),
    ]
    rows += _plain_products(products, skus)
    rows += [_single(products, skus, by_sku[sku], st) for sku, st in MORE_SHARED_STOCK.items()]
    return rows


def _plain_products(products: _Ids, skus: _Ids) -> list[dict[str, Any]]:
    plain = {"shop_id": PLAIN_SHOP_ID, "listing_platforms": ["TIKTOK_SHOP"]}
    stock = WAREHOUSE_PLAIN
    return [
        _own(products, skus, "Kain Katun Polos Putih", "KPN-PTH-001", stock={stock: 120}, **plain),
        _own(products, skus, "Kain Katun Polos Hitam", "KPN-HTM-001", stock={stock: 80}, **plain),
        _own(products, skus, "Kain Linen Polos Krem", "KPN-KRM-001", stock={stock: 0}, **plain),
    ]


# (status, commerce platform, index into SHARED_SKUS, quantity, hours ago)
DEMO_ORDERS = [
    ("UNPAID", "TIKTOK_SHOP", 0, 1, 1),
    ("ON_HOLD", "TIKTOK_SHOP", 2, 2, 3),
    ("AWAITING_SHIPMENT", "TIKTOK_SHOP", 1, 2, 6),
    ("AWAITING_SHIPMENT", "TOKOPEDIA", 3, 1, 20),
    ("AWAITING_COLLECTION", "TOKOPEDIA", 4, 1, 30),
    ("IN_TRANSIT", "TIKTOK_SHOP", 7, 1, 50),
    ("DELIVERED", "TOKOPEDIA", 9, 3, 80),
    ("COMPLETED", "TOKOPEDIA", 10, 1, 150),
    ("CANCELLED", "TIKTOK_SHOP", 8, 1, 200),
]
CITIES = ["Kota Bandung", "Jakarta Selatan", "Kota Surabaya", "Kota Semarang", "Kota Medan"]


def _orders() -> list[dict[str, Any]]:
    return [
        {
            "order_id": f"5760000000000000{number:02d}",
            "shop_id": DEMO_SHOP_ID,
            "status": status,
            "commerce_platform": platform,
            "created_seconds_ago": hours * 3_600,
            "items": [{"seller_sku": SHARED_SKUS[sku_index], "quantity": quantity}],
            "recipient_city": CITIES[number % len(CITIES)],
            "is_cod": number == 4,
        }
        for number, (status, platform, sku_index, quantity, hours) in enumerate(DEMO_ORDERS, 1)
    ]


def _warehouse(warehouse_id: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"warehouse_id": warehouse_id, "name": name, **fields}


JAKARTA_ADDRESS = {
    "full_address": "Jl. Daan Mogot No. 8, Kedaung Kali Angke, Jakarta Barat, DKI Jakarta",
    "state": "DKI Jakarta",
    "city": "Jakarta Barat",
    "district": "Cengkareng",
    "zipcode": "11710",
}


@cache
def _demo_document() -> dict[str, Any]:
    tokopedia = demo_seed()
    sari = [p for p in tokopedia.products if p.shop_id == 480001]
    by_sku = {p.sku: p for p in sari if p.variant is None}
    family = sari[120]  # the variant family shared by 480001, 480002 and Shopee 7700001
    return {
        "apps": [
            {
                "app_key": DEMO_APP_KEY,
                "app_secret": DEMO_APP_SECRET,
                "service_id": DEMO_SERVICE_ID,
                "name": "satustok demo",
            },
            {
                "app_key": OTHER_APP_KEY,
                "app_secret": OTHER_APP_SECRET,
                "service_id": OTHER_SERVICE_ID,
                "name": "another system (read-only)",
                "scopes": READ_ONLY_SCOPES,
            },
        ],
        "sellers": [
            {"open_id": DEMO_OPEN_ID, "seller_name": "Sari Batik"},
            {"open_id": OTHER_OPEN_ID, "seller_name": "Kain Polos Nusantara"},
        ],
        "shops": [
            {
                "shop_id": DEMO_SHOP_ID,
                "cipher": DEMO_SHOP_CIPHER,
                "name": "Sari Batik (Tokopedia & TikTok Shop)",
                "code": "IDLCSB0001",
                "open_id": DEMO_OPEN_ID,
                "warehouses": [
                    _warehouse(WAREHOUSE_YOGYA, "Gudang Yogyakarta", is_default=True),
                    _warehouse(WAREHOUSE_JAKARTA, "Gudang Jakarta", address=JAKARTA_ADDRESS),
                    _warehouse(WAREHOUSE_RETURN, "Gudang Retur", type="RETURN_WAREHOUSE"),
                ],
            },
            {
                "shop_id": PLAIN_SHOP_ID,
                "cipher": PLAIN_SHOP_CIPHER,
                "name": "Kain Polos Nusantara",
                "code": "IDLCKP0002",
                "open_id": OTHER_OPEN_ID,
                "warehouses": [_warehouse(WAREHOUSE_PLAIN, "Gudang Bandung")],
            },
        ],
        "products": _demo_products(by_sku, family),
        "orders": _orders(),
    }


def tiktokshop_demo_seed() -> TikTokShopSeed:
    """The demo world as a validated seed (a fresh copy each call)."""
    return TikTokShopSeed.model_validate(_demo_document())
