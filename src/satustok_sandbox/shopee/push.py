"""Push mechanism (fact sheet §7): signed, asynchronous delivery to each partner app's callback
URL, a log of every attempt, and the "lost push" store.

A push is a JSON POST ``{"shop_id", "code", "timestamp", "data"}`` (partner-level codes 1 and 2
leave ``shop_id`` out of the top level), compact JSON, with ``Authorization`` = lowercase hex
HMAC-SHA256(partner_key, callback_url + "|" + raw body), where callback_url is the registered
string exactly. One worker task on the server's event loop sends them in order, 3 s timeout,
three attempts (0.2 s and 0.5 s apart) on a connection error or a non-2xx answer. A push that
never got a 2xx (or that the ``drop`` fault lost) is kept for ``get_lost_push_message`` until
confirmed or three days old.

Codes sent: 1 shop authorized, 2 shop deauthorized, 3 order status update
(``data{ordersn, status, update_time, items: []}``), 8 reserved stock change
(``data{shop_id, item_id, model_id, variation_id, action, changed_values[{name:
"reserved_stock", old, new}], update_time}``), 4 tracking number (``data{ordersn, forder_id,
package_number, tracking_no}``), 15 shipping document status (``data{order_sn,
package_number, status}``), 29 return updates (``data{return_sn, order_sn, status,
update_time}``; the shape of 4, 15 and 29 is the sandbox's reading of uncertain sources).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from satustok_sandbox.common.delivery import DeliveryWorker, SignedItem, compact_json
from satustok_sandbox.shopee.signing import push_signature

if TYPE_CHECKING:
    from satustok_sandbox.common.clock import SandboxClock
    from satustok_sandbox.shopee.faults import FaultBox
    from satustok_sandbox.shopee.state import ShopeeState

EVENTS = {
    1: "shop_authorization",
    2: "shop_deauthorization",
    3: "order_status_update",
    4: "order_trackingno_push",
    8: "reserved_stock_change",
    15: "shipping_document_status_push",
    29: "return_updates_push",
}
RETRY_DELAYS = (0.2, 0.5)
TIMEOUT_SECONDS = 3.0
LOST_KEEP_SECONDS = 3 * 86_400


@dataclass
class Outgoing(SignedItem):
    code: int
    partner_id: int
    shop_id: int | None


@dataclass
class DeliveryRecord:
    id: int
    code: int
    event: str
    partner_id: int
    shop_id: int | None
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


@dataclass
class LostMessage:
    message_id: int
    partner_id: int
    shop_id: int | None
    code: int
    timestamp: int
    data: str
    confirmed: bool = False


class PushDispatcher(DeliveryWorker[Outgoing, DeliveryRecord]):
    """Queue, worker, drop and duplicate faults and delivery log (``common/delivery.py``), and
    the lost messages. ``clear`` forgets all of them."""

    signature_header = "Authorization"
    user_agent = "Shopee-Sandbox-Push/1.0"
    timeout_seconds = TIMEOUT_SECONDS
    retry_delays = RETRY_DELAYS

    def __init__(self, faults: FaultBox, clock: SandboxClock) -> None:
        super().__init__(clock, faults)
        self.state: ShopeeState | None = None
        self._lost: list[LostMessage] = []
        self._message_ids = itertools.count(1)

    def _forget(self) -> None:
        self._lost.clear()

    # --- emitting ------------------------------------------------------------------------

    def send_for_shop(self, shop_id: int, code: int, data: dict[str, Any]) -> None:
        """To every partner app currently authorized for the shop."""
        assert self.state is not None
        for partner_id in self.state.authorized_partner_ids(shop_id):
            self.send_to_partner(partner_id, code, data, shop_id=shop_id)

    def send_to_partner(
        self, partner_id: int, code: int, data: dict[str, Any], *, shop_id: int | None
    ) -> None:
        """One push to one partner app, if it registered a URL and switched the code on."""
        assert self.state is not None
        partner = self.state.partners.get(partner_id)
        if partner is None:
            return
        config = partner.push
        blocked = shop_id is not None and shop_id in config.blocked_shop_ids
        if not config.callback_url or code not in config.codes_on or blocked:
            return
        payload: dict[str, Any] = {} if shop_id is None else {"shop_id": shop_id}
        payload.update({"code": code, "timestamp": int(self._clock.now()), "data": data})
        body = compact_json(payload)
        item = Outgoing(
            url=config.callback_url,
            body=body,
            signature=push_signature(partner.partner_key, config.callback_url, body),
            generation=self._generation,
            code=code,
            partner_id=partner_id,
            shop_id=shop_id,
        )
        self._enqueue(item)

    # --- reading -------------------------------------------------------------------------

    def deliveries(
        self, code: int | None = None, event: str | None = None, after: int = 0
    ) -> list[dict[str, Any]]:
        return self._logged(
            lambda r: (code is None or r.code == code) and (event is None or r.event == event),
            after,
        )

    def lost(self, partner_id: int, limit: int = 100) -> tuple[list[LostMessage], bool]:
        """The earliest unconfirmed lost pushes of the last three days, and whether more wait."""
        now = self._clock.now()
        with self._lock:
            waiting = [
                m
                for m in self._lost
                if m.partner_id == partner_id
                and not m.confirmed
                and m.timestamp > now - LOST_KEEP_SECONDS
            ]
        return waiting[:limit], len(waiting) > limit

    def confirm(self, partner_id: int, last_message_id: int) -> int:
        with self._lock:
            confirmed = 0
            for message in self._lost:
                if message.partner_id == partner_id and message.message_id <= last_message_id:
                    confirmed += not message.confirmed
                    message.confirmed = True
            return confirmed

    # --- delivering ----------------------------------------------------------------------

    def _undelivered(self, item: Outgoing) -> None:
        """Keep it for ``get_lost_push_message``."""
        payload = json.loads(item.body)
        with self._lock:
            if item.generation != self._generation:
                return
            self._lost.append(
                LostMessage(
                    next(self._message_ids),
                    item.partner_id,
                    item.shop_id,
                    item.code,
                    payload["timestamp"],
                    compact_json(payload["data"]).decode(),
                )
            )

    def _record_of(self, item: Outgoing, attempt_facts: dict[str, Any]) -> DeliveryRecord:
        return DeliveryRecord(
            code=item.code,
            event=EVENTS.get(item.code, str(item.code)),
            partner_id=item.partner_id,
            shop_id=item.shop_id,
            url=item.url,
            payload=json.loads(item.body),
            body=item.body.decode(),
            signature=item.signature,
            **attempt_facts,
        )
