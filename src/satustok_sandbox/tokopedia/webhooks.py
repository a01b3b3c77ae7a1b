"""Signed, asynchronous webhook delivery with a log of every attempt.

Events are queued by the handlers and sent by one worker task on the server's event loop, so an
API answer never waits for a receiver. Each POST carries the raw JSON body (no envelope) and
``Authorization-Hmac`` = lowercase hex HMAC-SHA256(webhook secret, body) (fact sheet §8).
The retry policy is undocumented; the sandbox tries three times (0.2 s, then 0.5 s apart) when
the receiver fails or answers non-2xx. Faults can drop, duplicate or reorder deliveries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from satustok_sandbox.common.clock import SandboxClock
from satustok_sandbox.common.delivery import DeliveryWorker, SignedItem, compact_json
from satustok_sandbox.tokopedia.faults import FaultBox

EVENT_URL_FIELDS = {
    "order_notification": "order_notification_url",
    "order_status": "order_status_url",
    "order_cancellation": "order_cancellation_url",
    "order_request_cancellation": "order_request_cancellation_url",
    "product_changes": "product_changes_url",
}
REGISTRATION_URL_FIELDS = (
    "order_notification_url",
    "order_cancellation_url",
    "order_status_url",
    "order_request_cancellation_url",
    "chat_notification_url",
    "product_creation_url",
    "product_changes_url",
    "campaign_notification_url",
    "order_partial_fulfillment_url",
)
RETRY_DELAYS = (0.2, 0.5)
TIMEOUT_SECONDS = 2.0


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Outgoing(SignedItem):
    """One event bound for one URL, already serialised and signed."""

    event: str
    fs_id: int


@dataclass
class DeliveryRecord:
    id: int
    event: str
    fs_id: int
    url: str
    attempt: int
    status_code: int | None
    error: str
    payload: Any
    signature: str
    duplicate: bool
    dropped: bool
    at: float


class WebhookDispatcher(DeliveryWorker[Outgoing, DeliveryRecord]):
    """Queue, worker and delivery log, with drop, duplicate and reorder faults
    (``common/delivery.py``). ``clear`` forgets everything queued or logged."""

    signature_header = "Authorization-Hmac"
    user_agent = "Tokopedia-Sandbox-Webhook/1.0"
    timeout_seconds = TIMEOUT_SECONDS
    retry_delays = RETRY_DELAYS

    def __init__(self, faults: FaultBox, clock: SandboxClock) -> None:
        super().__init__(clock, faults)

    def emit(self, event: str, fs_id: int, url: str, secret: str, payload: Any) -> None:
        """Queue one delivery; callable from the event loop or any other thread."""
        if not url or self._loop is None or self._queue is None:
            return
        body = compact_json(payload)
        signature = sign(secret, body)
        self._enqueue(Outgoing(url, body, signature, self._generation, event=event, fs_id=fs_id))

    def deliveries(self, event: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        return self._logged(None if event is None else (lambda r: r.event == event), after)

    def _record_of(self, item: Outgoing, attempt_facts: dict[str, Any]) -> DeliveryRecord:
        return DeliveryRecord(
            event=item.event,
            fs_id=item.fs_id,
            url=item.url,
            payload=json.loads(item.body),
            signature=item.signature,
            **attempt_facts,
        )
