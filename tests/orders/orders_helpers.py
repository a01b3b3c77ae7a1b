"""Helpers of the orders tests (fixtures live in conftest.py)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from satustok.catalog.models import Variant
from satustok.channels.connect import connect_shop
from satustok.channels.models import ChannelAccount, Listing
from satustok.channels.protocol import ChannelOrder, ChannelOrderLine, Credentials
from satustok.channels.tokopedia.orders import unified
from satustok.inventory.models import StockLevel, StockMovement
from satustok.orders.models import Order
from satustok.sync import imports, tasks

FS_ID = 15001
SHOP_A, SHOP_B = 480001, 480002
WEBHOOK_SECRET = "test-webhook-secret-0123456789"


@dataclass
class Catalog:
    account: ChannelAccount
    shirt: Variant  # listed as product 1001, 10 on hand
    scarf: Variant  # listed as product 1002, 5 on hand
    bag: Variant  # no listing on this shop: linked by SKU only, 3 on hand

    def level(self, variant: Variant) -> tuple[int, int]:
        found = StockLevel.objects.get(warehouse=self.account.warehouse, variant=variant)
        return found.on_hand, found.reserved


def channel_order(
    code: int,
    lines: list[tuple[str, str, int]] | None = None,
    *,
    order_id: str = "7001",
    created_at: datetime | None = None,
) -> ChannelOrder:
    """A Tokopedia order at ``code``, through the real status table."""
    status, rank = unified(code)
    return ChannelOrder(
        external_id=order_id,
        channel_status=str(code),
        status=status.value,
        status_rank=rank,
        created_at=created_at or timezone.now() - timedelta(minutes=1),
        lines=tuple(
            ChannelOrderLine(pid, sku, f"item {pid}", qty, 150_000)
            for pid, sku, qty in (lines or [("1001", "KMJ-01", 2)])
        ),
        invoice=f"INV/{order_id}",
        buyer_name="Budi",
        total=309_000,
    )


def ledger(order: Order) -> list[tuple[str, int, int]]:
    """The order's stock movements: (reason, on hand delta, reserved delta), oldest first."""
    movements = StockMovement.objects.filter(reference=order.reference).order_by("id")
    return [(m.reason, m.on_hand_delta, m.reserved_delta) for m in movements]


def credentials(sandbox: Any) -> Credentials:
    app = sandbox.app(fs_id=FS_ID)
    return Credentials(str(app["fs_id"]), app["client_id"], app["client_secret"])


def connect_and_import(sandbox: Any, shop_id: int) -> ChannelAccount:
    account = connect_shop("tokopedia", credentials(sandbox), str(shop_id))
    tasks.run_import_now(imports.start_run(account).pk)
    account.refresh_from_db()
    return account


def listing(account: ChannelAccount, sku: str) -> Listing:
    return Listing.objects.select_related("variant").get(account=account, sku=sku)


def master(account: ChannelAccount, sku: str) -> tuple[int, int]:
    """(on hand, reserved) of the master variant behind the account's listing of ``sku``."""
    found = StockLevel.objects.get(
        warehouse_id=account.warehouse_id, variant=listing(account, sku).variant
    )
    return found.on_hand, found.reserved


def sign(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def wait_until(check: Any, timeout: float = 5.0) -> Any:
    """Poll ``check()`` until it returns something truthy (or time runs out)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)
