"""Webhooks (fact sheet §7): signed, asynchronous POSTs to the address an app registered, with a
log of every attempt.

Where an event goes: to every app with an active authorization covering the shop, at the address
registered for that event type on that shop (``PUT /event/202309/webhooks``), or else at the
app's Partner Center address for the type (seed ``apps[].webhooks`` / control API). Seller-level
topics (35) go once per distinct address among the app's Partner Center address and the addresses
registered on the seller's shops.

Body (compact JSON): ``{"type", "tts_notification_id", "shop_id", "timestamp", "data"}``;
seller-level topics carry ``seller_open_id`` instead of ``shop_id``. Header ``Authorization`` =
lowercase hex HMAC-SHA256(app_secret, app_key + raw_body), no "Bearer". Sent: 1
ORDER_STATUS_CHANGE, 6 SELLER_DEAUTHORIZATION, 7 UPCOMING_AUTHORIZATION_EXPIRATION, 27
INVENTORY_STATUS_CHANGE (the seller editing a SKU's stock in Seller Center), 35
TOKOPEDIA_MIRROR_STATUS_CHANGE.

Delivery (the sheet's retries after 2 min, 30 min, 3 h and 12 h are U, and too slow for tests):
in order, 3 s timeout, three attempts 0.2 s and 0.5 s apart on a connection error or a non-2xx
answer. A duplicate (fault) repeats the same body, so the same ``tts_notification_id``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from satustok_sandbox.common.delivery import DeliveryWorker, SignedItem, compact_json
from satustok_sandbox.tiktokshop.seed import EVENT_TYPES
from satustok_sandbox.tiktokshop.signing import webhook_signature

if TYPE_CHECKING:
    from satustok_sandbox.common.clock import SandboxClock
    from satustok_sandbox.tiktokshop.faults import FaultBox
    from satustok_sandbox.tiktokshop.state import App, TikTokShopState

EVENT_NAMES = {number: name for name, number in EVENT_TYPES.items()}


@dataclass
class Outgoing(SignedItem):
    type: int
    app_key: str
    shop_id: str | None
    seller_open_id: str | None
    notification_id: str


@dataclass
class DeliveryRecord:
    id: int
    type: int
    event: str
    app_key: str
    shop_id: str | None
    seller_open_id: str | None
    notification_id: str
    url: str
    attempt: int
    status_code: int | None
    error: str
    payload: Any
    body: str
    signature: str
    duplicate: bool
    dropped: bool
    at: float


class WebhookDispatcher(DeliveryWorker[Outgoing, DeliveryRecord]):
    """Queue, worker and delivery log (``common/delivery.py``), with drop, duplicate and reorder
    faults. ``clear`` forgets everything queued or logged."""

    signature_header = "Authorization"
    user_agent = "TikTokShop-Sandbox-Webhook/1.0"
    timeout_seconds = 3.0
    retry_delays = (0.2, 0.5)

    def __init__(self, faults: FaultBox, clock: SandboxClock) -> None:
        super().__init__(clock, faults)
        self.state: TikTokShopState | None = None

    # --- emitting (call with the state lock held) --------------------------------------------

    def send_for_shop(self, shop_id: str, type_: int, data: dict[str, Any]) -> None:
        """A shop-level event, to every app authorized for the shop."""
        assert self.state is not None
        for app_key in self.state.authorized_app_keys(shop_id):
            self.send_to_app(app_key, shop_id, type_, data)

    def send_to_app(self, app_key: str, shop_id: str, type_: int, data: dict[str, Any]) -> None:
        """A shop-level event to one app (also when it is no longer authorized: type 6)."""
        assert self.state is not None
        app = self.state.apps[app_key]
        url = self._address(app, shop_id, EVENT_NAMES[type_])
        if url:
            self._queue_event(app, url, type_, {"shop_id": shop_id}, data)

    def send_to_seller(self, app_key: str, open_id: str, type_: int, data: dict[str, Any]) -> None:
        """A seller-level event (``seller_open_id`` instead of ``shop_id``), once per address."""
        assert self.state is not None
        app = self.state.apps[app_key]
        event = EVENT_NAMES[type_]
        shops = self.state.sellers[open_id].shop_ids
        addresses = [app.webhooks.get(event, "")]
        addresses += [self._address(app, shop_id, event) for shop_id in shops]
        for url in dict.fromkeys(a for a in addresses if a):
            self._queue_event(app, url, type_, {"seller_open_id": open_id}, data)

    def _address(self, app: App, shop_id: str, event: str) -> str:
        assert self.state is not None
        registered = self.state.subscriptions.get((app.app_key, shop_id), {}).get(event)
        return registered.address if registered is not None else app.webhooks.get(event, "")

    def _queue_event(
        self, app: App, url: str, type_: int, target: dict[str, str], data: dict[str, Any]
    ) -> None:
        assert self.state is not None
        notification_id = self.state.next_id("notification", "73", 19)
        payload = {
            "type": type_,
            "tts_notification_id": notification_id,
            **target,
            "timestamp": int(self._clock.now()),
            "data": data,
        }
        body = compact_json(payload)
        self._enqueue(
            Outgoing(
                type=type_,
                app_key=app.app_key,
                shop_id=target.get("shop_id"),
                seller_open_id=target.get("seller_open_id"),
                notification_id=notification_id,
                url=url,
                body=body,
                signature=webhook_signature(app.app_key, app.app_secret, body),
                generation=self._generation,
            )
        )

    # --- reading -------------------------------------------------------------------------

    def deliveries(
        self, type_: int | None = None, event: str | None = None, after: int = 0
    ) -> list[dict[str, Any]]:
        return self._logged(
            lambda r: (type_ is None or r.type == type_) and (event is None or r.event == event),
            after,
        )

    # --- the log -------------------------------------------------------------------------

    def _record_of(self, item: Outgoing, attempt_facts: dict[str, Any]) -> DeliveryRecord:
        return DeliveryRecord(
            type=item.type,
            event=EVENT_NAMES.get(item.type, str(item.type)),
            app_key=item.app_key,
            shop_id=item.shop_id,
            seller_open_id=item.seller_open_id,
            notification_id=item.notification_id,
            url=item.url,
            payload=json.loads(item.body),
            body=item.body.decode(),
            signature=item.signature,
            **attempt_facts,
        )
