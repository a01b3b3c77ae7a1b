"""One small *world* per channel, so the sync engine's reliability tests run on every channel
from one file (``tests/hub/test_pusher.py``, ``tests/orders/test_channel_reliability.py``).

A world connects and imports a shop of its channel the way a seller would (Tokopedia: typed
credentials; Shopee and TikTok Shop: an approval code traded for tokens), and plays the
marketplace around the hub through its sandbox's control API: what a listing shows, a failing
stock endpoint, a buyer's order, lost or doubled webhooks. Adding a channel means adding a
world here; every parametrised test then runs on it.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from django.conf import settings

from satustok.catalog.models import Variant
from satustok.channels.connect import connect_shop, finish_authorization
from satustok.channels.models import ChannelAccount, Listing
from satustok.channels.protocol import Credentials
from satustok.sync import imports, pusher, tasks

TOKOPEDIA_FS_ID = 15001
MASTER_SHOP = 480001  # Tokopedia: imported first, its stock is the master's


class World(Protocol):
    channel: str
    shop_id: int | str  # the shop of this channel the tests push to
    gone_external_id: str  # an id the channel refuses for good ("no such product")

    def connect(
        self, shop_id: int | str | None = None, *, imported: bool = True
    ) -> ChannelAccount: ...

    def shown_stock(self, listing: Listing) -> int: ...

    def stock_update_calls(self) -> int: ...

    def calls_per_round(self, units: int) -> int:
        """Stock-update calls one push of ``units`` changed units (one item each) takes."""
        ...

    def fail_stock_updates(self) -> None: ...

    def heal(self) -> None: ...

    def place_order(self, sku: str, quantity: int) -> str: ...

    def webhooks(
        self, *, drop: bool = False, duplicate: bool = False, reorder: bool = False
    ) -> None: ...

    def cancel_order(self, external_id: str) -> None:
        """The buyer (or the marketplace) cancels the order."""
        ...

    def rate_limit_stock_updates(self, calls: int) -> None:
        """The next ``calls`` stock updates answer 429."""
        ...

    def expire_tokens(self) -> None:
        """The channel refuses every access token it issued so far."""
        ...

    def refresh_reuses(self) -> int:
        """Single-use refresh tokens presented twice (0 where the channel has none)."""
        ...

    # --- the marketplace changing stock by itself (tests/orders/test_drift_repair.py) ---

    holds_unpaid: bool  # the channel takes stock for an unpaid order (shown stock falls)
    restocks_after_shipping: bool  # a cancellation after shipping puts the units back on sale
    restock_webhook: bool  # ... and sends a stock webhook saying so
    seller_edit_webhook: bool  # the channel sends a stock webhook when the seller edits stock

    def place_unpaid_order(self, sku: str, quantity: int) -> str:
        """A buyer's order not paid yet (only where ``holds_unpaid``)."""
        ...

    def ship_order(self, external_id: str) -> None:
        """The parcel leaves (the marketplace's shipped status)."""
        ...

    def cancel_after_shipping(self, external_id: str) -> None:
        """The shipped order is cancelled (failed delivery): the marketplace restocks it."""
        ...

    def edit_stock(self, listing: Listing, quantity: int) -> None:
        """The seller sets the listing's stock in the marketplace's seller centre."""
        ...

    # --- price push (tests/sync/test_price_push.py) ---

    def price_of(self, external_id: str) -> int:
        """The price the channel shows for the listing, whole rupiah."""
        ...

    def start_promotion(self, external_id: str) -> None:
        """A promotion starts on the listing: the channel refuses its price changes."""
        ...

    def stop_promotion(self, external_id: str) -> None: ...

    def price_update_calls(self) -> int: ...

    def rate_limit_price_updates(self, calls: int) -> None:
        """The next ``calls`` price updates answer 429."""
        ...


def webhook_faults(drop: bool, duplicate: bool, reorder: bool) -> dict[str, Any]:
    """Every delivery dropped, or sent twice; ``reorder``: what arrives close together is sent
    newest first."""
    faults: dict[str, Any] = {"drop": float(drop), "duplicate": float(duplicate)}
    return {**faults, "reorder": True} if reorder else faults


def import_now(account: ChannelAccount) -> ChannelAccount:
    tasks.run_import_now(imports.start_run(account).pk)
    account.refresh_from_db()
    return account


class TokopediaWorld:
    channel = "tokopedia"
    shop_id = 480002
    gone_external_id = "999999999"

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox

    def connect(self, shop_id: int | None = None, *, imported: bool = True) -> ChannelAccount:
        app = self.sandbox.app(fs_id=TOKOPEDIA_FS_ID)
        credentials = Credentials(str(app["fs_id"]), app["client_id"], app["client_secret"])
        account = connect_shop("tokopedia", credentials, str(shop_id or self.shop_id))
        return import_now(account) if imported else account

    def shown_stock(self, listing: Listing) -> int:
        return int(self.sandbox.product(int(listing.external_id))["stock"])

    def stock_update_calls(self) -> int:
        return int(self.sandbox.stats()["groups"]["stock_update"]["calls"])

    def calls_per_round(self, units: int) -> int:
        return -(-units // 100)  # 100 rows a call

    def fail_stock_updates(self) -> None:
        self.sandbox.set_faults(error_rate=1.0, only_groups=["stock_update"])

    def heal(self) -> None:
        self.sandbox.clear_faults()

    def place_order(self, sku: str, quantity: int) -> str:
        placed = self.sandbox.place_order(self.shop_id, [{"sku": sku, "quantity": quantity}])
        return str(placed["order_id"])

    def webhooks(
        self, *, drop: bool = False, duplicate: bool = False, reorder: bool = False
    ) -> None:
        self.sandbox.set_faults(webhooks=webhook_faults(drop, duplicate, reorder))

    def cancel_order(self, external_id: str) -> None:
        self.sandbox.move_order(int(external_id), 0)  # cancelled

    def rate_limit_stock_updates(self, calls: int) -> None:
        self.sandbox.set_faults(rate_limit_next=calls, only_groups=["stock_update"])

    def expire_tokens(self) -> None:
        self.sandbox.set_faults(expire_tokens=True)

    def refresh_reuses(self) -> int:
        return 0  # client-credentials tokens: a new one is simply fetched

    holds_unpaid = False  # Tokopedia takes stock at payment (220)
    restocks_after_shipping = True  # a cancellation gives the stock back, whatever the status
    restock_webhook = True  # product_changes stock_increment
    seller_edit_webhook = True  # product_changes stock_overwrite

    def place_unpaid_order(self, sku: str, quantity: int) -> str:
        raise NotImplementedError("Tokopedia holds no stock for an unpaid order")

    def ship_order(self, external_id: str) -> None:
        self.sandbox.move_order(int(external_id), 500)  # shipped (AWB set)

    def cancel_after_shipping(self, external_id: str) -> None:
        self.sandbox.move_order(int(external_id), 0)

    def edit_stock(self, listing: Listing, quantity: int) -> None:
        self.sandbox.patch_product(int(listing.external_id), stock=quantity)

    def _fulfil(self, external_id: str, step: str, body: Any = None) -> dict[str, Any]:
        return dict(self.sandbox.control("POST", f"orders/{int(external_id)}/{step}", body))

    def price_of(self, external_id: str) -> int:
        return int(self.sandbox.product(int(external_id))["price"])

    def start_promotion(self, external_id: str) -> None:
        self.sandbox.patch_product(int(external_id), promotion=True)

    def stop_promotion(self, external_id: str) -> None:
        self.sandbox.patch_product(int(external_id), promotion=False)

    def price_update_calls(self) -> int:
        group = self.sandbox.stats()["groups"].get("price_update") or {}
        return int(group.get("calls", 0))

    def rate_limit_price_updates(self, calls: int) -> None:
        self.sandbox.set_faults(rate_limit_next=calls, only_groups=["price_update"])

    def deliver(self, external_id: str) -> None:
        """The courier delivers (600); a parcel not yet handed over is collected first."""
        if self._fulfilment(external_id)["order_status"] == 450:
            self._fulfil(external_id, "collect")
        self._fulfil(external_id, "deliver")

    def request_cancellation(self, external_id: str) -> None:
        self._fulfil(external_id, "cancel-request", {"reason": "Ingin mengubah pesanan"})

    def return_order(self, external_id: str) -> None:
        """The buyer sends the whole delivered order back: 550 (returned to seller)."""
        self._fulfil(external_id, "return", {"items": []})

    def shipped_in_sandbox(self, external_id: str) -> bool:
        return int(self._fulfilment(external_id)["order_status"]) in (450, 500, 540, 600, 700)

    def _fulfilment(self, external_id: str) -> dict[str, Any]:
        return dict(self.sandbox.control("GET", f"orders/{int(external_id)}/fulfilment"))


class ShopeeWorld:
    channel = "shopee"
    shop_id = 7700001
    gone_external_id = "999999999:0"

    def __init__(self, shopee: Any) -> None:
        self.shopee = shopee

    def connect(self, shop_id: int | None = None, *, imported: bool = True) -> ChannelAccount:
        """As after the seller approved the hub on Shopee's page: the code goes through the
        hub's own ``finish_authorization`` (the page itself is the browser test's)."""
        partner = self.shopee.partner()
        shop = shop_id or self.shop_id
        code = self.shopee.authorize(shop_id=shop)["code"]
        credentials = Credentials(
            str(partner["partner_id"]), str(partner["partner_id"]), partner["partner_key"]
        )
        account = finish_authorization("shopee", credentials, code, str(shop))
        return import_now(account) if imported else account

    def shown_stock(self, listing: Listing) -> int:
        item_id, model_id = listing.external_id.split(":")
        return int(self.shopee.model_stock(int(item_id), int(model_id))["stock"])

    def stock_update_calls(self) -> int:
        api = self.shopee.stats()["apis"].get("product/update_stock") or {}
        return int(api.get("calls", 0))

    def calls_per_round(self, units: int) -> int:
        return units  # one item a call

    def fail_stock_updates(self) -> None:
        self.shopee.set_faults(forced={"product/update_stock": {"error": "error_server"}})

    def heal(self) -> None:
        self.shopee.clear_faults()

    def place_order(self, sku: str, quantity: int) -> str:
        placed = self.shopee.place_order(self.shop_id, [{"sku": sku, "quantity": quantity}])
        return str(placed["order_sn"])

    def webhooks(
        self, *, drop: bool = False, duplicate: bool = False, reorder: bool = False
    ) -> None:
        self.shopee.set_faults(push=webhook_faults(drop, duplicate, reorder))

    def cancel_order(self, external_id: str) -> None:
        self.shopee.move_order(external_id, "CANCELLED")

    def rate_limit_stock_updates(self, calls: int) -> None:
        self.shopee.set_faults(rate_limit_next=calls, only_apis=["product/update_stock"])

    def expire_tokens(self) -> None:
        self.shopee.expire_access_tokens()

    def refresh_reuses(self) -> int:
        return len(self.shopee.refresh_token_uses()["reused"])

    holds_unpaid = True  # stock goes at placement, UNPAID included
    restocks_after_shipping = True  # CANCELLED gives the stock back once
    restock_webhook = False  # no push carries seller stock: read-back only
    seller_edit_webhook = False  # no push code says the seller's stock changed: read-back only

    def place_unpaid_order(self, sku: str, quantity: int) -> str:
        lines = [{"sku": sku, "quantity": quantity}]
        return str(self.shopee.place_order(self.shop_id, lines, status="UNPAID")["order_sn"])

    def ship_order(self, external_id: str) -> None:
        self.shopee.move_order(external_id, "SHIPPED")

    def cancel_after_shipping(self, external_id: str) -> None:
        self.shopee.move_order(external_id, "CANCELLED", reason="Delivery failed")

    def edit_stock(self, listing: Listing, quantity: int) -> None:
        item_id, model_id = listing.external_id.split(":")
        self.shopee.patch_model(int(item_id), int(model_id), stock=quantity)

    def deliver(self, external_id: str) -> None:
        self.shopee.deliver(external_id)

    def request_cancellation(self, external_id: str) -> None:
        """The buyer asks to cancel the paid order (IN_CANCEL on Shopee)."""
        self.shopee.request_cancellation(external_id)

    def return_order(self, external_id: str) -> None:
        """The buyer returns the whole delivered order (TO_RETURN, with a return record)."""
        self.shopee.return_order(external_id)

    def shipped_in_sandbox(self, external_id: str) -> bool:
        return bool(self.shopee.order(external_id)["shipped"])

    def price_of(self, external_id: str) -> int:
        item_id, model_id = external_id.split(":")
        return int(self.shopee.model_stock(int(item_id), int(model_id))["price"])

    def start_promotion(self, external_id: str) -> None:
        item_id, model_id = external_id.split(":")
        self.shopee.patch_model(int(item_id), int(model_id), promotion=True)

    def stop_promotion(self, external_id: str) -> None:
        item_id, model_id = external_id.split(":")
        self.shopee.patch_model(int(item_id), int(model_id), promotion=False)

    def price_update_calls(self) -> int:
        api = self.shopee.stats()["apis"].get("product/update_price") or {}
        return int(api.get("calls", 0))

    def rate_limit_price_updates(self, calls: int) -> None:
        self.shopee.set_faults(rate_limit_next=calls, only_apis=["product/update_price"])


def point_at_tiktokshop(tiktokshop: Any, monkeypatch: Any) -> Any:
    """The TikTok Shop half of a sandbox, reset, with the hub's three base URLs at it."""
    tiktokshop.reset()
    monkeypatch.setattr(settings, "TIKTOKSHOP_API_URL", tiktokshop.base_url)
    monkeypatch.setattr(settings, "TIKTOKSHOP_AUTH_URL", tiktokshop.auth_url)
    monkeypatch.setattr(settings, "TIKTOKSHOP_SERVICES_URL", tiktokshop.services_url)
    return tiktokshop


TIKTOKSHOP_STOCK_UPDATE = "product/202309/products/{product_id}/inventory/update"
TIKTOKSHOP_PRICE_UPDATE = "product/202309/products/{product_id}/prices/update"


class TikTokShopWorld:
    """A "Tokopedia & TikTok Shop" shop: one product, one stock on both storefronts."""

    channel = "tiktokshop"
    shop_id = "7494000000000000001"
    gone_external_id = "1729999999999999999:1729999999999999999"

    def __init__(self, tiktokshop: Any) -> None:
        self.tts = tiktokshop

    def credentials(self) -> Credentials:
        app = self.tts.app()
        return Credentials(app["app_key"], app["service_id"], app["app_secret"])

    def connect(self, shop_id: int | str | None = None, *, imported: bool = True) -> ChannelAccount:
        """As after the seller authorized the app on TikTok Shop's page (whose return names
        no shop): the code goes through the hub's own ``finish_authorization``."""
        code = self.tts.authorize()["code"]
        account = finish_authorization("tiktokshop", self.credentials(), code, "")
        assert account.shop_id == str(shop_id or self.shop_id)
        return import_now(account) if imported else account

    def shown_stock(self, listing: Listing) -> int:
        _, sku_id = listing.external_id.split(":")
        warehouses = self.tts.sku(sku_id)["warehouses"]
        return sum(int(row["available"]) for row in warehouses.values())

    def stock_update_calls(self) -> int:
        api = self.tts.stats()["apis"].get(TIKTOKSHOP_STOCK_UPDATE) or {}
        return int(api.get("calls", 0))

    def calls_per_round(self, units: int) -> int:
        return units  # one product a call

    def fail_stock_updates(self) -> None:
        self.tts.set_faults(forced={TIKTOKSHOP_STOCK_UPDATE: {"code": 36009003}})

    def heal(self) -> None:
        self.tts.clear_faults()

    def place_order(self, sku: str, quantity: int, storefront: str = "TIKTOK_SHOP") -> str:
        items = [{"seller_sku": sku, "quantity": quantity}]
        placed = self.tts.place_order(self.shop_id, items, commerce_platform=storefront)
        return str(placed["id"])

    def webhooks(
        self, *, drop: bool = False, duplicate: bool = False, reorder: bool = False
    ) -> None:
        self.tts.set_faults(webhooks=webhook_faults(drop, duplicate, reorder))

    def cancel_order(self, external_id: str) -> None:
        self.tts.cancel_order_as_buyer(external_id)

    def rate_limit_stock_updates(self, calls: int) -> None:
        self.tts.set_faults(rate_limit_next=calls, only_apis=[TIKTOKSHOP_STOCK_UPDATE])

    def expire_tokens(self) -> None:
        self.tts.expire_access_tokens()

    def refresh_reuses(self) -> int:
        return len(self.tts.refresh_token_uses()["reused"])

    holds_unpaid = True  # units committed at placement, UNPAID included
    restocks_after_shipping = False  # no cancellation once IN_TRANSIT (fact sheet §6)
    restock_webhook = False
    seller_edit_webhook = True  # 27 INVENTORY_STATUS_CHANGE

    def place_unpaid_order(self, sku: str, quantity: int) -> str:
        items = [{"seller_sku": sku, "quantity": quantity}]
        return str(self.tts.place_order(self.shop_id, items, status="UNPAID")["id"])

    def ship_order(self, external_id: str) -> None:
        self.tts.move_order(external_id, "IN_TRANSIT")

    def cancel_after_shipping(self, external_id: str) -> None:
        raise NotImplementedError("TikTok Shop cancels no order once it is in transit")

    def edit_stock(self, listing: Listing, quantity: int) -> None:
        _, sku_id = listing.external_id.split(":")
        self.tts.patch_sku(sku_id, stock=quantity)

    # --- fulfilment (the control API's courier and buyer) ---

    def deliver(self, external_id: str) -> None:
        """The courier collects the package if it waits (shipping it first if nobody did),
        then delivers it."""
        status = self.tts.fulfillment(external_id)["status"]
        if status in ("AWAITING_SHIPMENT", "PARTIALLY_SHIPPING"):
            self.tts.move_order(external_id, "AWAITING_COLLECTION")
            status = "AWAITING_COLLECTION"
        if status == "AWAITING_COLLECTION":
            self.tts.collect(external_id)
        self.tts.deliver(external_id)

    def request_cancellation(self, external_id: str) -> None:
        self.tts.request_cancellation(external_id)

    def return_order(self, external_id: str) -> None:
        """The buyer returns every unit after delivery (a completed RETURN_AND_REFUND)."""
        self.tts.return_order(external_id)

    def shipped_in_sandbox(self, external_id: str) -> bool:
        return bool(self.tts.fulfillment(external_id)["shipped"])

    def price_of(self, external_id: str) -> int:
        _, sku_id = external_id.split(":")
        return int(self.tts.sku(sku_id)["price"])

    def start_promotion(self, external_id: str) -> None:
        _, sku_id = external_id.split(":")
        self.tts.patch_sku(sku_id, promotion=True)

    def stop_promotion(self, external_id: str) -> None:
        _, sku_id = external_id.split(":")
        self.tts.patch_sku(sku_id, promotion=False)

    def price_update_calls(self) -> int:
        api = self.tts.stats()["apis"].get(TIKTOKSHOP_PRICE_UPDATE) or {}
        return int(api.get("calls", 0))

    def rate_limit_price_updates(self, calls: int) -> None:
        self.tts.set_faults(rate_limit_next=calls, only_apis=[TIKTOKSHOP_PRICE_UPDATE])


WORLD_CLASSES = (TokopediaWorld, ShopeeWorld, TikTokShopWorld)


def worlds_where(capability: str) -> Any:
    """Run a test taking ``world`` only on the channels that have ``capability`` (a World
    attribute): the others are not collected, rather than collected and skipped."""
    import pytest

    channels = [w.channel for w in WORLD_CLASSES if getattr(w, capability)]
    return pytest.mark.parametrize("world", channels, indirect=True)


QUIET_SECONDS = 0.5  # no new delivery for this long, none left to process: the sandbox is done


def settle_webhooks(world: World, seconds: float = 20) -> None:
    """Stop the sandbox's duplicated and reordered webhooks and wait until the last of them are
    received and processed: a live-server worker still writing when PostgreSQL truncates the
    test's tables deadlocks the flush."""
    from satustok.orders.models import DeliveryStatus, WebhookDelivery

    world.webhooks()
    seen = {"count": -1, "since": time.monotonic()}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        count = WebhookDelivery.objects.count()
        busy = WebhookDelivery.objects.filter(
            status__in=(DeliveryStatus.RECEIVED, DeliveryStatus.PROCESSING)
        ).exists()
        if count != seen["count"] or busy:
            seen.update(count=count, since=time.monotonic())
        elif time.monotonic() - seen["since"] >= QUIET_SECONDS:
            return
        time.sleep(0.05)
    raise AssertionError(f"webhooks still arriving after {seconds}s")


def pushing_shops(fast_sandbox: Any, world: World, shared: int) -> tuple[Any, Any, list[Variant]]:
    """Shop A and the world's shop B with push on and converged, and ``shared`` SKUs of both."""
    shop_a = TokopediaWorld(fast_sandbox).connect(MASTER_SHOP)
    shop_b = world.connect()
    pusher.set_push_stock(shop_b, True)
    pusher.push_account(shop_b.pk)
    variants = list(
        Variant.objects.filter(listings__account=shop_b)
        .filter(listings__account=shop_a)
        .order_by("sku_key")[:shared]
    )
    assert len(variants) == shared
    return shop_a, shop_b, variants
