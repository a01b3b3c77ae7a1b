"""Tokopedia orders in the hub's words: the status table, the mappers, the order source.

``STATUS_TABLE`` is the one place that says what each Tokopedia order status code means to the
hub: its unified :class:`OrderStatus` and its *rank* in Tokopedia's status order. Ingestion
moves an order only to a higher rank, so a late or repeated event never moves it back.

Choices where the fact sheet is unsure (documented in ``docs/orders.md``):

- 690/691/695/698 (fraud review) are *pending payment*: Tokopedia holds the order before the
  seller may act; ranked before 220, so a review flag arriving after the order was paid and
  opened changes nothing.
- 699 (invalid: shipping > 25 days / payment > 5 days) is a cancellation.
- 401 (buyer asked to cancel [U]) stays *accepted*, ranked just after 400: stock stays
  reserved until Tokopedia actually cancels (then 0/4/10/15 releases it).
- 11 (pending replacement) and 2 (reject replaced) are cancellations for this seller.
- Every cancellation code shares one rank, the highest: the first cancellation is final.
- 550 (returned to seller) ranks above completed (a finished order can still come back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.translation import gettext_noop

from satustok.channels import order_sources
from satustok.channels.order_sources import OnFirstUse, known_orders
from satustok.channels.protocol import (
    ChannelOrder,
    ChannelOrderLine,
    Rejection,
    RejectReason,
    SellerActions,
    StatusChange,
    WebhookMessage,
)
from satustok.channels.protocol import OrderStatus as S
from satustok.channels.tokopedia.client import TokopediaClient
from satustok.channels.tokopedia.schemas import (
    OrderNotification,
    OrderProduct,
    OrderRejection,
    OrderRow,
    SingleOrder,
    SingleOrderLine,
    WebhookUrls,
)

log = logging.getLogger(__name__)

CANCELLED_RANK = 900

# code: (unified status, rank). Ranks follow Tokopedia's life cycle, not the numbers
# (500 "shipped" comes after 501 "waiting for AWB").
STATUS_TABLE: dict[int, tuple[S, int]] = {
    100: (S.PENDING_PAYMENT, 10),  # created / pending
    103: (S.PENDING_PAYMENT, 20),  # waiting for third-party payment
    200: (S.PENDING_PAYMENT, 30),  # payment confirmation
    690: (S.PENDING_PAYMENT, 40),  # fraud review
    691: (S.PENDING_PAYMENT, 41),  # suspected fraud
    695: (S.PENDING_PAYMENT, 42),  # post fraud review
    698: (S.PENDING_PAYMENT, 43),  # fraud review finished
    220: (S.OPEN, 100),  # paid: a new order
    221: (S.OPEN, 110),  # waiting for partner approval
    400: (S.ACCEPTED, 200),  # seller accepted
    401: (S.ACCEPTED, 210),  # buyer asked to cancel [U]
    450: (S.READY_TO_SHIP, 300),  # waiting for pickup
    501: (S.READY_TO_SHIP, 310),  # waiting for AWB input
    520: (S.READY_TO_SHIP, 320),  # invalid AWB
    530: (S.READY_TO_SHIP, 330),  # buyer asked to correct the AWB
    500: (S.SHIPPED, 400),  # shipped (AWB set)
    540: (S.SHIPPED, 410),  # at the pickup point
    600: (S.DELIVERED, 500),  # delivered
    601: (S.DELIVERED, 510),  # buyer opened a case
    700: (S.COMPLETED, 600),  # finished
    701: (S.COMPLETED, 610),  # assumed finished, not yet arrived
    550: (S.RETURNED, 700),  # returned to seller
    0: (S.CANCELLED, CANCELLED_RANK),  # seller cancelled
    2: (S.CANCELLED, CANCELLED_RANK),  # reject replaced
    3: (S.CANCELLED, CANCELLED_RANK),  # rejected, empty stock
    4: (S.CANCELLED, CANCELLED_RANK),  # reject approval
    5: (S.CANCELLED, CANCELLED_RANK),  # cancelled (fraud)
    6: (S.CANCELLED, CANCELLED_RANK),  # auto-cancelled, out of stock
    10: (S.CANCELLED, CANCELLED_RANK),  # rejected by the seller
    11: (S.CANCELLED, CANCELLED_RANK),  # pending replacement
    15: (S.CANCELLED, CANCELLED_RANK),  # instant cancel by the buyer
    699: (S.CANCELLED, CANCELLED_RANK),  # invalid (shipping > 25 d / payment > 5 d)
}

# The webhooks the hub subscribes to, and the Register Webhook field of each.
WEBHOOK_URL_FIELDS = {
    "order_notification": "order_notification_url",
    "order_status": "order_status_url",
    "order_cancellation": "order_cancellation_url",
    "product_changes": "product_changes_url",
}
WEBHOOK_EVENTS = tuple(WEBHOOK_URL_FIELDS)

ACCEPTABLE = frozenset({220})  # ack: only a new paid order
REJECTABLE = frozenset({220, 221, 400})  # nack

REJECT_REASONS = (
    RejectReason(0, gettext_noop("Reject shipping"), needs_reason=True),
    RejectReason(1, gettext_noop("Out of stock")),
    RejectReason(2, gettext_noop("Variant unavailable")),
    RejectReason(3, gettext_noop("Wrong price or weight")),
    RejectReason(4, gettext_noop("Shop closed"), needs_shop_close=True),
    RejectReason(5, gettext_noop("Other")),
    RejectReason(7, gettext_noop("Courier problem"), needs_reason=True),
    RejectReason(8, gettext_noop("Buyer's request"), needs_reason=True),
)


def unified(code: int) -> tuple[S, int]:
    """The unified status and rank of a Tokopedia status code."""
    return order_sources.unified(STATUS_TABLE, code)


# --- payload → ChannelOrder ---------------------------------------------------------------


def _line(product: OrderProduct) -> ChannelOrderLine:
    return ChannelOrderLine(
        external_product_id=str(product.id),
        sku=product.sku or "",
        name=product.name,
        quantity=product.quantity,
        price=round(product.price),
    )


def _single_line(line: SingleOrderLine) -> ChannelOrderLine:
    return ChannelOrderLine(
        external_product_id=str(line.product_id),
        sku=line.sku or "",
        name=line.product_name,
        quantity=line.quantity,
        price=round(line.product_price),
    )


def _order(
    order_id: int,
    code: int,
    created_at: datetime,
    lines: tuple[ChannelOrderLine, ...],
    *,
    invoice: str,
    buyer_name: str,
    total: int,
) -> ChannelOrder:
    status, rank = unified(code)
    return ChannelOrder(
        external_id=str(order_id),
        channel_status=str(code),
        status=status.value,
        status_rank=rank,
        created_at=created_at,
        lines=lines,
        invoice=invoice,
        buyer_name=buyer_name,
        total=total,
    )


def from_row(row: OrderRow) -> ChannelOrder:
    """A row of Get All Orders."""
    return _order(
        row.order_id,
        row.order_status,
        datetime.fromtimestamp(row.create_time, UTC),
        tuple(_line(p) for p in row.products),
        invoice=row.invoice_ref_num,
        buyer_name=row.buyer.name if row.buyer else "",
        total=round(row.amt.ttl_amount),
    )


def from_notification(event: OrderNotification) -> ChannelOrder:
    """An ``order_notification`` webhook (a new paid order)."""
    return _order(
        event.order_id,
        event.order_status,
        datetime.fromtimestamp(event.create_time, UTC),
        tuple(_line(p) for p in event.products),
        invoice=event.invoice_num,
        buyer_name=event.customer.name if event.customer else "",
        total=round(event.amt.ttl_amount) if event.amt else 0,
    )


def from_single(order: SingleOrder) -> ChannelOrder:
    """Get Single Order. Its times are RFC 3339; a missing create time falls back to payment."""
    created = order.create_time or order.payment_date or timezone.now()
    return _order(
        order.order_id,
        order.order_status,
        created,
        tuple(_single_line(line) for line in order.order_info.order_detail),
        invoice=order.invoice_number,
        buyer_name=order.buyer_info.buyer_fullname if order.buyer_info else "",
        total=round(order.open_amt or 0),
    )


def status_change(order_id: int, code: int) -> StatusChange:
    return order_sources.status_change(STATUS_TABLE, order_id, code)


# --- the order source -----------------------------------------------------------------------


class TokopediaOrders:
    """One integration's orders. The client is built on first use (webhook checks need none)."""

    webhook_events = WEBHOOK_EVENTS

    def __init__(self, build: Callable[[], TokopediaClient], shop_id: int) -> None:
        self._client = OnFirstUse(build)
        self.shop_id = shop_id

    @property
    def client(self) -> TokopediaClient:
        return self._client.get()

    def close(self) -> None:
        self._client.close()

    def orders_between(self, since: datetime, until: datetime) -> Iterator[ChannelOrder]:
        """Orders created in ``[since, until]``; one with a status code the table does not
        know is logged and left out (it must not stop the others)."""
        rows = self.client.iter_orders(since, until, shop_id=self.shop_id)
        yield from known_orders(rows, from_row, lambda row: row.order_id, log)

    def order(self, external_id: str) -> ChannelOrder:
        return from_single(self.client.get_order(order_id=int(external_id)))

    def accept(self, external_id: str) -> None:
        self.client.accept_order(int(external_id))

    def reject(self, external_id: str, rejection: Rejection) -> None:
        self.client.reject_order(
            int(external_id),
            OrderRejection(
                reason_code=rejection.reason_code,
                reason=rejection.reason,
                shop_close_end_date=rejection.shop_close_end_date,
                shop_close_note=rejection.shop_close_note,
            ),
        )

    def actions(self, channel_status: str) -> SellerActions:
        code = int(channel_status) if channel_status.lstrip("-").isdigit() else -1
        return SellerActions(
            can_accept=code in ACCEPTABLE,
            can_reject=code in REJECTABLE,
            reject_reasons=REJECT_REASONS,
        )

    def register_webhooks(self, urls: Mapping[str, str], secret: str) -> None:
        """Registering replaces ALL of the app's URLs: every event we use is in ``urls``."""
        fields = {WEBHOOK_URL_FIELDS[event]: url for event, url in urls.items()}
        self.client.register_webhooks(WebhookUrls.model_validate(fields), webhook_secret=secret)

    def verify_webhook(
        self, body: bytes, headers: Mapping[str, str], *, secret: str, url: str
    ) -> bool:
        from satustok.channels.tokopedia import webhooks

        return webhooks.verify(body, headers.get(webhooks.SIGNATURE_HEADER, ""), secret)

    def parse_webhook(self, event: str, body: bytes) -> WebhookMessage:
        from satustok.channels.tokopedia import webhooks

        return webhooks.parse(event, body)
