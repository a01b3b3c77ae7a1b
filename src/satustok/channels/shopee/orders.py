"""Shopee orders in the hub's words: the status table, the mappers, the order source, pushes.

``STATUS_TABLE`` is the one place that says what each Shopee order status means to the hub:
its unified :class:`OrderStatus` and its *rank* in Shopee's life cycle. Ingestion moves an
order only to a higher rank, so a late or repeated push never moves it back.

Choices where the fact sheet is unsure (§6):

- PENDING and INVOICE_PENDING (Brazil) are *pending payment*, like UNPAID.
- Shopee has no accept step: a paid order (READY_TO_SHIP) is *open* until the seller arranges
  shipment (PROCESSED, *ready to ship*); RETRY_SHIP (pickup failed) stays ready to ship.
- IN_CANCEL (the buyer asked to cancel) keeps holding stock: it is *open*, ranked between paid
  and processed. If the seller refuses, Shopee moves the order back to where it was; a move to
  a lower rank is ignored, and both hold stock, so nothing is lost. Stock is released only when
  Shopee actually cancels.
- TO_CONFIRM_RECEIVE is *delivered*; TO_RETURN is *returned*, ranked above completed (a
  finished order can still come back). Every cancellation is final: the highest rank.

Stock held while unpaid: Shopee takes an order's stock when it is placed, also UNPAID, and
gives it back when the order is cancelled (the buyer's, or the payment timing out). The
statuses in ``HOLDS_STOCK_UNPAID`` therefore reach the hub with ``holds_stock``: it reserves
at once, so the other shops fall with Shopee's shown stock.

Pushes: Shopee sends every event of a partner app to ONE callback URL (``push``), signed with
the partner key over ``callback_url + "|" + body``; code 3 is an order status change, code 8 a
reserved-stock change, recorded only: it follows the orders (placed, cancelled, shipped), which
the hub follows through their own statuses, and carries no seller stock. No push says that
the seller changed stock in the seller centre, or that a cancellation after shipping put the
units back: Shopee's drift is found by the hub's read-back (sync/drift.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from satustok.channels import order_sources
from satustok.channels.http.errors import ActionRejected, MalformedPayload
from satustok.channels.http.pagination import chunks
from satustok.channels.order_sources import SessionOrderSource, header, known_orders, only_order
from satustok.channels.protocol import (
    AuthorizationNotice,
    ChannelOrder,
    ChannelOrderLine,
    Rejection,
    RejectReason,
    StatusChange,
    WebhookMessage,
)
from satustok.channels.protocol import OrderStatus as S
from satustok.channels.shopee.client import ORDER_SNS_PER_CALL
from satustok.channels.shopee.schemas import (
    ORDER_STATUS_PUSH,
    RESERVED_STOCK_PUSH,
    OrderDetail,
    OrderItem,
    PushMessage,
    parse_push,
)
from satustok.channels.shopee.signing import PUSH_SIGNATURE_HEADER, verify_push
from satustok.channels.shopee.tokens import ShopSession

log = logging.getLogger(__name__)

CANCELLED_RANK = 900

# status: (unified status, rank), in Shopee's life cycle.
STATUS_TABLE: dict[str, tuple[S, int]] = {
    "PENDING": (S.PENDING_PAYMENT, 5),  # only with request_order_status_pending
    "UNPAID": (S.PENDING_PAYMENT, 10),
    "INVOICE_PENDING": (S.PENDING_PAYMENT, 20),  # Brazil: waiting for the invoice
    "READY_TO_SHIP": (S.OPEN, 100),  # paid: the seller arranges shipment
    "IN_CANCEL": (S.OPEN, 150),  # the buyer asked to cancel: stock stays held
    "PROCESSED": (S.READY_TO_SHIP, 200),  # shipment arranged
    "RETRY_SHIP": (S.READY_TO_SHIP, 210),  # the pickup failed
    "SHIPPED": (S.SHIPPED, 400),
    "TO_CONFIRM_RECEIVE": (S.DELIVERED, 500),
    "COMPLETED": (S.COMPLETED, 600),
    "TO_RETURN": (S.RETURNED, 700),
    "CANCELLED": (S.CANCELLED, CANCELLED_RANK),
}

# Unpaid statuses in which Shopee already holds the order's stock (fact sheet §6 leaves open
# whether stock goes at UNPAID; the seller centre shows it taken at placement).
HOLDS_STOCK_UNPAID = frozenset({"UNPAID"})
PUSH_EVENT = "push"  # one callback URL per partner app, for every code
PUSH_CODES = (ORDER_STATUS_PUSH, RESERVED_STOCK_PUSH)

REJECTABLE = frozenset({"UNPAID", "READY_TO_SHIP", "PROCESSED"})  # cancel_order: before shipping
OUT_OF_STOCK = 1
# The seller's reasons, as small ints for the forms and the API, and Shopee's cancel_reason for
# each. UNDELIVERABLE_AREA is left out: Shopee takes it from Taiwan and Malaysia shops only.
REJECT_REASONS = (
    RejectReason(OUT_OF_STOCK, gettext_noop("Out of stock")),
    RejectReason(2, gettext_noop("Buyer's request")),
    RejectReason(3, gettext_noop("Cash on delivery not supported")),
)
CANCEL_REASONS = {OUT_OF_STOCK: "OUT_OF_STOCK", 2: "CUSTOMER_REQUEST", 3: "COD_NOT_SUPPORTED"}

DEAUTHORIZED_PUSH = 2
EXPIRING_PUSH = 12
PARTNER_PUSH_SUMMARIES = {
    1: "shop authorized the app",
    2: "shop cancelled the app's authorization",
    12: "the shop's authorization of the app ends soon",
}


def unified(status: str) -> tuple[S, int]:
    """The unified status and rank of a Shopee order status."""
    return order_sources.unified(STATUS_TABLE, status)


def status_change(order_sn: str, status: str) -> StatusChange:
    return order_sources.status_change(STATUS_TABLE, order_sn, status, HOLDS_STOCK_UNPAID)


# --- payload → ChannelOrder ---------------------------------------------------------------


def _line(item: OrderItem) -> ChannelOrderLine:
    price = item.model_discounted_price or item.model_original_price or 0
    return ChannelOrderLine(
        # The listing's external id: the unit is the model, or the item itself (model 0).
        external_product_id=f"{item.item_id}:{item.model_id}",
        sku=item.sku,
        name=f"{item.item_name} — {item.model_name}" if item.model_name else item.item_name,
        quantity=item.model_quantity_purchased,
        price=round(price),
    )


def from_detail(order: OrderDetail) -> ChannelOrder:
    """An order of get_order_detail (asked with its lines, total and buyer)."""
    status, rank = unified(order.order_status)
    created = datetime.fromtimestamp(order.create_time, UTC) if order.create_time else None
    return ChannelOrder(
        external_id=order.order_sn,
        channel_status=order.order_status,
        status=status.value,
        status_rank=rank,
        created_at=created or timezone.now(),
        lines=tuple(_line(item) for item in order.item_list),
        invoice=order.order_sn,
        buyer_name=order.buyer_username,
        total=round(order.total_amount or 0),
        holds_stock=order.order_status in HOLDS_STOCK_UNPAID,
    )


# --- pushes -----------------------------------------------------------------------------------


def parse(event: str, body: bytes) -> WebhookMessage:
    """A verified push as a :class:`WebhookMessage`; ``MalformedPayload`` names a bad field."""
    if event != PUSH_EVENT:
        raise MalformedPayload(f"unknown webhook event {event!r}", endpoint="push")
    push = parse_push(body)
    shops = _shop_ids(push)
    if push.code == ORDER_STATUS_PUSH:
        data = push.order_status()
        assert data is not None
        if not data.order_sn:
            raise MalformedPayload("push data.ordersn: empty", endpoint="push")
        change = status_change(data.order_sn, data.status)
        summary = f"order {data.order_sn} → {data.status}"
        return WebhookMessage(shop_ids=shops, change=change, summary=summary)
    if push.code == RESERVED_STOCK_PUSH:
        stock = push.reserved_stock()
        assert stock is not None
        action = f" ({stock.action})" if stock.action else ""
        summary = f"reserved stock of {stock.item_id}:{stock.model_id} changed{action}"
        return WebhookMessage(shop_ids=shops, summary=summary)
    summary = PARTNER_PUSH_SUMMARIES.get(push.code, f"push code {push.code} recorded")
    return WebhookMessage(shop_ids=shops, summary=summary, authorization=_notice(push))


def _notice(push: PushMessage) -> AuthorizationNotice | None:
    """Code 2: the shop removed the app; code 12: its authorization ends soon (``expire_time``
    in the data when Shopee gives it)."""
    sent_at = datetime.fromtimestamp(push.timestamp, UTC) if push.timestamp else None
    if push.code == DEAUTHORIZED_PUSH:
        return AuthorizationNotice(ended=True, sent_at=sent_at)
    if push.code == EXPIRING_PUSH:
        expires = str(push.data.get("expire_time", ""))
        moment = datetime.fromtimestamp(int(expires), UTC) if expires.isdigit() else None
        return AuthorizationNotice(expires_at=moment, sent_at=sent_at)
    return None


def _shop_ids(push: PushMessage) -> tuple[str, ...]:
    """The shop a push is about: at the top level, or in ``data`` for partner-level codes."""
    shop: Any = push.shop_id or push.data.get("shop_id")
    return (str(shop),) if shop else ()


# --- the order source -----------------------------------------------------------------------


class ShopeeOrders(SessionOrderSource[ShopSession]):
    """One integration's orders. The session is built on first use: checking a push needs no
    connection, only the partner key and the registered URL."""

    webhook_events = (PUSH_EVENT,)
    label = "Shopee"
    rejectable = REJECTABLE
    reject_reasons = REJECT_REASONS

    def __repr__(self) -> str:
        return f"ShopeeOrders(integration={self.account.pk}, shop_id={self.account.shop_id})"

    def orders_between(self, since: datetime, until: datetime) -> Iterator[ChannelOrder]:
        """Orders created in ``[since, until]``, read whole 50 at a time; one with a status the
        table does not know is logged and left out (it must not stop the others)."""
        refs = self.session.call(
            lambda client: list(client.iter_order_sns(since, until, field="create_time"))
        )
        for chunk in chunks([ref.order_sn for ref in refs], ORDER_SNS_PER_CALL):
            details = self.session.call(lambda client: client.get_orders(chunk))  # noqa: B023
            yield from known_orders(details, from_detail, lambda d: d.order_sn, log)

    def order(self, external_id: str) -> ChannelOrder:
        return from_detail(self._detail(external_id))

    def _detail(self, order_sn: str) -> OrderDetail:
        return only_order(self.session.call(lambda c: c.get_orders([order_sn])), order_sn)

    def reject(self, external_id: str, rejection: Rejection) -> None:
        """Cancel the order with Shopee's reason; out of stock names every line of the order
        (Shopee then sets their stock to 0)."""
        reason = CANCEL_REASONS.get(rejection.reason_code)
        if reason is None:
            raise ActionRejected(
                f"unknown reject reason {rejection.reason_code}", endpoint="cancel_order"
            )
        items: list[tuple[int, int]] = []
        if reason == "OUT_OF_STOCK":
            items = [(i.item_id, i.model_id) for i in self._detail(external_id).item_list]
        self.session.call(lambda client: client.cancel_order(external_id, reason, items))

    def register_webhooks(self, urls: Mapping[str, str], secret: str) -> None:
        """Point the partner app's ONE callback URL (for all its shops) at the hub and switch
        on order status (3) and reserved stock (8) pushes. ``secret`` is not sent: Shopee signs
        pushes with the partner key."""
        self.session.client().set_push_config(urls[PUSH_EVENT], PUSH_CODES)

    def verify_webhook(
        self, body: bytes, headers: Mapping[str, str], *, secret: str, url: str
    ) -> bool:
        """Shopee signs ``callback_url + "|" + body`` with the partner key; ``secret`` (the
        hub's per-app webhook secret) plays no part. ``url`` must be the one registered, byte
        for byte: the hub registers its own webhook URL for this integration, so changing
        ``PUBLIC_URL`` needs the webhooks registered again."""
        return verify_push(
            self.account.client_secret.reveal(),
            url,
            body,
            header(headers, PUSH_SIGNATURE_HEADER),
        )

    def parse_webhook(self, event: str, body: bytes) -> WebhookMessage:
        return parse(event, body)
