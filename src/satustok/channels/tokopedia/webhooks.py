"""Tokopedia webhooks: verify, then parse (fact sheet §8).

``Authorization-Hmac`` is the lowercase hex HMAC-SHA256 of the raw body, keyed with the
webhook secret registered for the app. :func:`verify` compares it in constant time and is
called before a byte of JSON is read; :func:`parse` then validates the body with the event's
pydantic model and turns it into the hub's records, through one ``{event: handler}`` table.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import pydantic

from satustok.channels.http.errors import MalformedPayload
from satustok.channels.protocol import StockCause, StockReport, WebhookMessage
from satustok.channels.tokopedia.orders import cancel_request, from_notification, status_change
from satustok.channels.tokopedia.schemas import (
    WEBHOOK_PAYLOADS,
    OrderCancellationRequest,
    OrderNotification,
    OrderStatusEvent,
    Payload,
    ProductChange,
    ProductChanges,
)

SIGNATURE_HEADER = "Authorization-Hmac"


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str, secret: str) -> bool:
    """True when ``signature`` is the body's HMAC under ``secret`` (constant-time compare)."""
    if not signature or not secret:
        return False
    # Bytes on both sides: compare_digest raises on a non-ASCII str, and the header is made by
    # whoever sent the request (any text, any length).
    received = signature.strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(sign(body, secret).encode(), received)


def _order_message(event: OrderNotification) -> WebhookMessage:
    order = from_notification(event)
    return WebhookMessage(
        shop_ids=(str(event.shop_id),), order=order, summary=f"order {order.external_id} new"
    )


def _status_message(event: OrderStatusEvent) -> WebhookMessage:
    change = status_change(event.order_id, event.order_status)
    return WebhookMessage(
        shop_ids=(str(event.shop_id),),
        change=change,
        summary=f"order {change.external_id} → {change.channel_status}",
    )


def _cancel_request_message(event: OrderCancellationRequest) -> WebhookMessage:
    """The buyer asks to cancel. The body names only the order (no shop): it is routed to the
    integration whose URL received it, and ingestion reads the order whole (with the request's
    reason) because the thin order carries no lines."""
    order = cancel_request(event.order_id)
    return WebhookMessage(
        shop_ids=(), order=order, summary=f"order {order.external_id}: buyer asks to cancel"
    )


def _product_message(event: ProductChanges) -> WebhookMessage:
    shops = tuple(sorted({str(change.shop_id) for change in event.product_changes_data}))
    actions = sorted({change.action for change in event.product_changes_data})
    summary = f"{len(event.product_changes_data)} product changes ({', '.join(actions)})"
    return WebhookMessage(shop_ids=shops, summary=summary, stock_reports=_stock_reports(event))


# Stock actions of ``product_changes`` (fact sheet §8): an overwrite is the seller's dashboard
# edit (or an edit-product call), an increment an order cancelled or rejected (Tokopedia puts
# the units back itself, also after shipping), a decrement a sale.
STOCK_ACTIONS = {
    "stock_overwrite": StockCause.SELLER_EDIT,
    "stock_increment": StockCause.MARKETPLACE_RESTOCK,
    "stock_decrement": StockCause.SALE,
}


def _stock_reports(event: ProductChanges) -> tuple[StockReport, ...]:
    """What each product's stock is after the event's last stock change (``value``). A row of
    another warehouse than the shop's default is left out: the hub pushes the default one."""
    latest: dict[str, StockReport] = {}
    for change in event.product_changes_data:
        cause = STOCK_ACTIONS.get(change.action)
        if cause is None or change.is_default_warehouse is False:
            continue
        latest[str(change.product_id)] = StockReport(
            str(change.product_id), _quantity(change), cause
        )
    return tuple(latest.values())


def _quantity(change: ProductChange) -> int | None:
    """The stock after the change; None (pushed again, not compared) if not a whole number."""
    text = change.value.strip()
    return int(text) if text.lstrip("-").isdigit() else None


HANDLERS: dict[str, Callable[[Payload], WebhookMessage]] = {
    "order_notification": _order_message,  # type: ignore[dict-item]
    "order_status": _status_message,  # type: ignore[dict-item]
    "order_cancellation": _status_message,  # type: ignore[dict-item]
    "order_request_cancellation": _cancel_request_message,  # type: ignore[dict-item]
    "product_changes": _product_message,  # type: ignore[dict-item]
}


def parse(event: str, body: bytes) -> WebhookMessage:
    """A verified body as a :class:`WebhookMessage`; ``MalformedPayload`` names a bad field."""
    if event not in HANDLERS:
        raise MalformedPayload(f"unknown webhook event {event!r}", endpoint="webhook")
    model = WEBHOOK_PAYLOADS[event]
    try:
        payload = model.model_validate_json(body)
    except pydantic.ValidationError as invalid:
        raise MalformedPayload(_describe(invalid), endpoint="webhook") from None
    return HANDLERS[event](payload)


def _describe(invalid: pydantic.ValidationError) -> str:
    first = invalid.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']}"
