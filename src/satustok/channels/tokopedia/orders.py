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
  reserved until Tokopedia actually cancels (then 0/4/10/15 releases it). A pending request
  is read from ``cancel_request_info`` (or status 401) as ``cancel_requested``.
- 11 (pending replacement) and 2 (reject replaced) are cancellations for this seller.
- Every cancellation code shares one rank, the highest: the first cancellation is final.
- 550 (returned to seller) ranks above completed (a finished order can still come back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.translation import gettext_noop

from satustok.channels import order_sources
from satustok.channels.http.errors import ActionRejected, NotFound, ValidationError
from satustok.channels.order_sources import OnFirstUse, known_orders
from satustok.channels.protocol import (
    ChannelOrder,
    ChannelOrderLine,
    Label,
    PaymentPart,
    Recipient,
    Rejection,
    RejectReason,
    SellerActions,
    Shipment,
    ShipMethod,
    ShipOption,
    StatusChange,
    UnknownOrderStatus,
    WebhookMessage,
)
from satustok.channels.protocol import OrderStatus as S
from satustok.channels.tokopedia.client import PICKUP_WAIT_SECONDS, TokopediaClient
from satustok.channels.tokopedia.schemas import (
    CancelRequestInfo,
    OrderAmounts,
    OrderLogistics,
    OrderNotification,
    OrderProduct,
    OrderRecipient,
    OrderRejection,
    OrderRow,
    ShipmentFulfillment,
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
    "order_request_cancellation": "order_request_cancellation_url",
    "product_changes": "product_changes_url",
}
WEBHOOK_EVENTS = tuple(WEBHOOK_URL_FIELDS)

ACCEPTABLE = frozenset({220})  # ack: only a new paid order
REJECTABLE = frozenset({220, 221, 400})  # nack
# Arrange shipment: at 400 request pickup (Tokopedia's courier comes; no slots) or confirm
# shipping with an own courier's AWB; at 501/520/530 Tokopedia waits for a (corrected) AWB.
SHIP_METHODS: dict[int, tuple[str, ...]] = {
    400: (ShipMethod.PICKUP, ShipMethod.SELF_SHIP),
    501: (ShipMethod.SELF_SHIP,),
    520: (ShipMethod.SELF_SHIP,),
    530: (ShipMethod.SELF_SHIP,),
}
# The label (HTML) is served from 400 on, until the parcel is delivered.
LABEL_STATUSES = frozenset({400, 401, 450, 501, 520, 530, 500, 540})
# A buyer's cancellation request is answered while the order is at 400 and before 600.
ANSWERABLE = frozenset({400, 401, 450, 501, 520, 530, 500, 540})
# The deadline of the seller's next step: accepting, then confirming shipping.
ACCEPT_BY = frozenset({220, 221})
SHIP_BY = frozenset({400, 401, 450, 501, 520, 530})
BUYER_REQUEST_STATUS = 401
# Approving a buyer's cancellation: Tokopedia has no approve call; the seller rejects the order
# with reason 8 ("buyer's request"), whose reason text is required.
APPROVE_REASON_CODE = 8
APPROVE_REASON_TEXT = "Cancellation requested by the buyer"

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
    **fulfilment: object,
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
        packages=(str(order_id),),  # no packages on Tokopedia: one label per order
        **fulfilment,  # type: ignore[arg-type]
    )


def ship_by(code: int, deadlines: ShipmentFulfillment | None) -> datetime | None:
    """The deadline of the seller's next step at ``code``, in UTC (None when none is due)."""
    if deadlines is None:
        return None
    due = None
    if code in ACCEPT_BY:
        due = deadlines.accept_deadline
    elif code in SHIP_BY:
        due = deadlines.confirm_shipping_deadline
    if due is None:
        return None
    return (due if due.tzinfo else due.replace(tzinfo=UTC)).astimezone(UTC)


def _courier(agency: str, service: str) -> str:
    return " ".join(part for part in (agency.strip(), service.strip()) if part)


def _address(*parts: object) -> str:
    return ", ".join(str(part).strip() for part in parts if str(part or "").strip())


def _recipient(recipient: OrderRecipient | None) -> Recipient | None:
    if recipient is None:
        return None
    where = recipient.address
    address = (
        _address(where.address_full, where.district, where.city, where.province, where.postal_code)
        if where
        else ""
    )
    return Recipient(name=recipient.name, phone=recipient.phone, address=address)


def _payment(amounts: OrderAmounts | None) -> tuple[PaymentPart, ...]:
    """``amt`` of the list and the notification, as the hub's payment rows."""
    if amounts is None:
        return ()
    return _parts(
        subtotal=amounts.ttl_product_price,
        shipping=amounts.shipping_cost,
        insurance=amounts.insurance_cost,
        discounts=(("Voucher", amounts.voucher_amount), ("TopPoints", amounts.toppoints_amount)),
        total=amounts.ttl_amount,
    )


def _parts(
    *,
    subtotal: float,
    shipping: float,
    insurance: float,
    discounts: tuple[tuple[str, float], ...],
    total: float,
) -> tuple[PaymentPart, ...]:
    rows = [
        PaymentPart("subtotal", "Total product price", round(subtotal)),
        PaymentPart("shipping", "Shipping cost", round(shipping)),
    ]
    if insurance:
        rows.append(PaymentPart("insurance", "Insurance", round(insurance)))
    rows += [
        PaymentPart("discount", label, -abs(round(amount))) for label, amount in discounts if amount
    ]
    rows.append(PaymentPart("total", "Total", round(total)))
    return tuple(rows)


def _cancel_request(code: int, info: CancelRequestInfo | None) -> dict[str, object]:
    """A pending request: ``cancel_request_info`` is set, or the order is at 401 [U]."""
    if info is None and code != BUYER_REQUEST_STATUS:
        return {"cancel_requested": False}
    return {"cancel_requested": True, "cancel_reason": info.reason if info else ""}


def _logistics(logistics: OrderLogistics | None) -> str:
    return _courier(logistics.shipping_agency, logistics.service_type) if logistics else ""


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
        ship_by=ship_by(row.order_status, row.shipment_fulfillment),
        courier=_logistics(row.logistics),
        tracking_number=row.custom_fields.awb.strip() if row.custom_fields else "",
        recipient=_recipient(row.recipient),
        payment=_payment(row.amt),
        location_id=_warehouse(row.warehouse_id),
        **_cancel_request(row.order_status, row.cancel_request_info),
    )


def _warehouse(warehouse_id: int | None) -> str:
    """The shop warehouse the order ships from, as the shop's warehouse ids are kept (text);
    0 or none: not said."""
    return str(warehouse_id) if warehouse_id else ""


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
        courier=_logistics(event.logistics),
        tracking_number=event.custom_fields.awb.strip() if event.custom_fields else "",
        recipient=_recipient(event.recipient),
        payment=_payment(event.amt),
        location_id=_warehouse(event.warehouse_id),
    )


def from_single(order: SingleOrder) -> ChannelOrder:
    """Get Single Order. Its times are RFC 3339; a missing create time falls back to payment."""
    created = order.create_time or order.payment_date or timezone.now()
    info = order.order_info
    shipping = info.shipping_info
    return _order(
        order.order_id,
        order.order_status,
        created,
        tuple(_single_line(line) for line in info.order_detail),
        invoice=order.invoice_number,
        buyer_name=order.buyer_info.buyer_fullname if order.buyer_info else "",
        total=round(order.open_amt or 0),
        ship_by=ship_by(order.order_status, order.shipment_fulfillment),
        courier=_courier(shipping.logistic_name, shipping.logistic_service) if shipping else "",
        tracking_number=shipping.awb.strip() if shipping else "",
        recipient=_destination(order),
        payment=_single_payment(order),
        location_id=_warehouse(
            order.order_warehouse.warehouse_id if order.order_warehouse else None
        ),
        **_cancel_request(order.order_status, order.cancel_request_info),
    )


def _destination(order: SingleOrder) -> Recipient | None:
    to = order.order_info.destination
    if to is None:
        return None
    address = _address(
        to.address_street,
        to.address_district,
        to.address_city,
        to.address_province,
        to.address_postal,
    )
    return Recipient(name=to.receiver_name, phone=to.receiver_phone, address=address)


def _single_payment(order: SingleOrder) -> tuple[PaymentPart, ...]:
    shipping = order.order_info.shipping_info
    subtotal = order.item_price
    if subtotal is None:
        subtotal = sum(line.product_price * line.quantity for line in order.order_info.order_detail)
    discount = order.payment_info.discount_amount if order.payment_info else None
    return _parts(
        subtotal=subtotal,
        shipping=(shipping.shipping_price or 0) if shipping else 0,
        insurance=(shipping.insurance_price or 0) if shipping else 0,
        discounts=(("Discount", discount or 0),),
        total=order.open_amt or 0,
    )


def cancel_request(order_id: int) -> ChannelOrder:
    """``order_request_cancellation`` says only which order: a thin order without lines, which
    ingestion reads whole (Get Single Order carries the request and its reason)."""
    status, rank = unified(BUYER_REQUEST_STATUS)
    return ChannelOrder(
        external_id=str(order_id),
        channel_status=str(BUYER_REQUEST_STATUS),
        status=status.value,
        status_rank=rank,
        created_at=timezone.now(),
        lines=(),
        cancel_requested=True,
    )


def status_change(order_id: int, code: int) -> StatusChange:
    return order_sources.status_change(STATUS_TABLE, order_id, code)


# --- the order source -----------------------------------------------------------------------


class TokopediaOrders:
    """One integration's orders. The client is built on first use (webhook checks need none)."""

    webhook_events = WEBHOOK_EVENTS

    def __init__(
        self,
        build: Callable[[], TokopediaClient],
        shop_id: int,
        *,
        pickup_wait: float = PICKUP_WAIT_SECONDS,
    ) -> None:
        self._client = OnFirstUse(build)
        self.shop_id = shop_id
        self.pickup_wait = pickup_wait  # shorter for a seller waiting on a page

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

    def orders(self, external_ids: Sequence[str]) -> list[ChannelOrder]:
        """One call per order (Tokopedia reads one at a time; its notifications carry the
        goods, so a burst seldom needs this)."""
        found = []
        for external_id in dict.fromkeys(external_ids):
            try:
                found.append(self.order(external_id))
            except (UnknownOrderStatus, NotFound, ValueError) as left_out:  # ValueError: not an id
                log.warning("order %s left out: %s", external_id, left_out)
        return found

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
        methods = SHIP_METHODS.get(code, ())
        return SellerActions(
            can_accept=code in ACCEPTABLE,
            can_reject=code in REJECTABLE,
            reject_reasons=REJECT_REASONS,
            can_arrange_shipment=bool(methods),
            ship_methods=tuple(str(method) for method in methods),
            can_print_label=code in LABEL_STATUSES,
            can_answer_cancellation=code in ANSWERABLE,
        )

    # --- fulfilment ----------------------------------------------------------------------------

    def shipping_options(self, external_id: str) -> tuple[ShipOption, ...]:
        """What the order's current status allows: pickup has no slots on Tokopedia."""
        order = self.order(external_id)
        return tuple(
            ShipOption(method=method, needs_tracking_number=method == ShipMethod.SELF_SHIP)
            for method in self.actions(order.channel_status).ship_methods
        )

    def arrange_shipment(self, external_id: str, shipment: Shipment) -> None:
        """Request pickup (400 → 450), or confirm shipping with an own courier's AWB (→ 500)."""
        if shipment.method == ShipMethod.PICKUP:
            self.client.request_pickup(int(external_id), self.shop_id, max_wait=self.pickup_wait)
        elif shipment.method == ShipMethod.SELF_SHIP:
            if not shipment.tracking_number.strip():
                raise ValidationError(
                    "a tracking number (AWB) is required to ship with your own courier",
                    endpoint="order_action",
                )
            self.client.confirm_shipping(int(external_id), shipment.tracking_number)
        else:
            raise ActionRejected(
                f"Tokopedia does not offer {shipment.method}: request a pickup or ship with "
                "your own courier",
                endpoint="order_action",
            )

    def labels(self, external_id: str) -> list[Label]:
        """One HTML label per order (Tokopedia has no packages), marked printed there."""
        content = self.client.shipping_label(int(external_id), printed=True)
        return [Label(external_id, external_id, "text/html", content)]

    def answer_cancellation(self, external_id: str, approve: bool) -> None:
        """Approve: reject the order with reason 8 ("buyer's request": Tokopedia has no approve
        call). Refuse: Reject Cancel Request; the order carries on."""
        if approve:
            self.reject(external_id, Rejection(APPROVE_REASON_CODE, APPROVE_REASON_TEXT))
        else:
            self.client.reject_cancel_request(int(external_id), self.shop_id)

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
