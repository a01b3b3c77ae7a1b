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
from collections.abc import Iterator, Mapping, Sequence
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
    Label,
    PaymentPart,
    Recipient,
    Rejection,
    RejectReason,
    ReturnedItem,
    SellerActions,
    Shipment,
    ShipOption,
    StatusChange,
    WebhookMessage,
)
from satustok.channels.protocol import OrderStatus as S
from satustok.channels.shopee import fulfilment
from satustok.channels.shopee.client import ORDER_SNS_PER_CALL
from satustok.channels.shopee.fulfilment import SHIP_METHODS, package_numbers
from satustok.channels.shopee.schemas import (
    DOCUMENT_STATUS_PUSH,
    ORDER_STATUS_PUSH,
    RESERVED_STOCK_PUSH,
    RETURN_UPDATES_PUSH,
    TRACKING_NUMBER_PUSH,
    OrderDetail,
    OrderItem,
    PushMessage,
    ReturnRecord,
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
PUSH_CODES = (
    ORDER_STATUS_PUSH,
    TRACKING_NUMBER_PUSH,
    RESERVED_STOCK_PUSH,
    DOCUMENT_STATUS_PUSH,
    RETURN_UPDATES_PUSH,
)
# Status pushes the hub answers by reading the order whole: a cancellation request and a
# return carry what a status alone cannot say (the request itself, the lines sent back).
READ_WHOLE_ON = frozenset({"IN_CANCEL", "TO_RETURN"})

REJECTABLE = frozenset({"UNPAID", "READY_TO_SHIP", "PROCESSED"})  # cancel_order: before shipping
SHIPPABLE = frozenset({"READY_TO_SHIP", "RETRY_SHIP"})  # ship_order (RETRY_SHIP: again)
PRINTABLE = frozenset({"PROCESSED"})  # Shopee's FAQ: the airway bill prints at PROCESSED only
# Where a buyer's request can stand (IN_CANCEL itself, and the statuses the hub keeps for an
# IN_CANCEL order, see _in_cancel_rank); the hub also requires the order's cancel_requested.
ANSWERABLE = frozenset({"IN_CANCEL", "READY_TO_SHIP", "PROCESSED"})
# Statuses with a tracking number worth reading (get_order_detail does not carry it).
TRACKED = frozenset(
    {"PROCESSED", "RETRY_SHIP", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"}
)
# The seller's next step has Shopee's ship_by_date as its deadline only before shipping.
DEADLINED = frozenset({"READY_TO_SHIP", "IN_CANCEL", "PROCESSED", "RETRY_SHIP"})
ARRANGED_LOGISTICS = frozenset({"LOGISTICS_REQUEST_CREATED", "LOGISTICS_PICKUP_RETRY"})
# Returns that send nothing back: withdrawn by the buyer, or closed without a return.
CANCELLED_RETURNS = frozenset({"CANCELLED", "CLOSED"})
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


def from_detail(
    order: OrderDetail, tracking_number: str = "", returns: Sequence[ReturnRecord] = ()
) -> ChannelOrder:
    """An order of get_order_detail (asked with the fields of ``ORDER_DETAIL_FIELDS``), with
    its tracking number (get_tracking_number) and returns (returns/*) where read."""
    status, rank = (
        _in_cancel_rank(order)
        if order.order_status == "IN_CANCEL"
        else (unified(order.order_status))
    )
    created = datetime.fromtimestamp(order.create_time, UTC) if order.create_time else None
    requested = order.order_status == "IN_CANCEL"
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
        location_id=_location(order),
        ship_by=_ship_by(order),
        courier=_courier(order),
        tracking_number=tracking_number,
        packages=package_numbers(order),
        recipient=_recipient(order),
        payment=payment_parts(order),
        cancel_requested=requested,
        cancel_reason=order.buyer_cancel_reason if requested else order.cancel_reason,
        returned_items=returned_items(returns) if order.order_status == "TO_RETURN" else (),
    )


def _location(order: OrderDetail) -> str:
    """The location the order ships from: the first line's that names one (one warehouse per
    order in the hub)."""
    return next(
        (item.product_location_id for item in order.item_list if item.product_location_id), ""
    )


def _in_cancel_rank(order: OrderDetail) -> tuple[S, int]:
    """An order the buyer asked to cancel stays where it was until the seller answers: its
    unified status and rank are those of READY_TO_SHIP, or of PROCESSED when shipment was
    arranged (its package says so). With the same rank the hub keeps the order's status, takes
    the request, and a refusal (back to that status) clears it again."""
    arranged = any(p.logistics_status in ARRANGED_LOGISTICS for p in order.package_list)
    return unified("PROCESSED" if arranged else "READY_TO_SHIP")


def _ship_by(order: OrderDetail) -> datetime | None:
    if order.order_status not in DEADLINED or not order.ship_by_date:
        return None
    return datetime.fromtimestamp(order.ship_by_date, UTC)


def _courier(order: OrderDetail) -> str:
    carriers = [order.shipping_carrier, *(p.shipping_carrier for p in order.package_list)]
    return next((carrier for carrier in carriers if carrier), order.checkout_shipping_carrier)


def _recipient(order: OrderDetail) -> Recipient | None:
    address = order.recipient_address
    if address is None:
        return None
    return Recipient(name=address.name, phone=address.phone, address=address.full_address)


def payment_parts(order: OrderDetail) -> tuple[PaymentPart, ...]:
    """The buyer's payment as get_order_detail tells it: the goods at the prices paid, the
    estimated shipping fee, the total; what the total lacks of both is vouchers and discounts
    (derived: the real breakdown is payment/get_escrow_detail's)."""
    if order.total_amount is None:
        return ()
    subtotal = round(
        sum(
            (item.model_discounted_price or item.model_original_price or 0)
            * item.model_quantity_purchased
            for item in order.item_list
        )
    )
    total = round(order.total_amount)
    parts = [PaymentPart("subtotal", gettext_noop("Merchandise subtotal"), subtotal)]
    shipping = round(order.estimated_shipping_fee or 0)
    if order.estimated_shipping_fee is not None:
        parts.append(PaymentPart("shipping", gettext_noop("Shipping fee (estimated)"), shipping))
    discount = total - subtotal - shipping
    if order.item_list and discount < 0:
        parts.append(PaymentPart("discount", gettext_noop("Vouchers and discounts"), discount))
    parts.append(PaymentPart("total", gettext_noop("Order total"), total))
    return tuple(parts)


def returned_items(returns: Sequence[ReturnRecord]) -> tuple[ReturnedItem, ...]:
    """What the order's returns send back, summed per listing: not a cancelled or closed one,
    nor a refund without the goods (``needs_logistics`` false)."""
    quantities: dict[str, int] = {}
    for record in returns:
        if record.status.upper() in CANCELLED_RETURNS or record.needs_logistics is False:
            continue  # nothing comes back (a refund-only request keeps the goods with the buyer)
        for item in record.item:
            key = f"{item.item_id}:{item.model_id}"
            quantities[key] = quantities.get(key, 0) + item.amount
    return tuple(ReturnedItem(key, quantity) for key, quantity in quantities.items() if quantity)


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
        summary = f"order {data.order_sn} → {data.status}"
        if data.status in READ_WHOLE_ON:
            return WebhookMessage(shop_ids=shops, order=notice(data.order_sn), summary=summary)
        change = status_change(data.order_sn, data.status)
        return WebhookMessage(shop_ids=shops, change=change, summary=summary)
    if push.code in (TRACKING_NUMBER_PUSH, DOCUMENT_STATUS_PUSH, RETURN_UPDATES_PUSH):
        return _fulfilment_push(push, shops)
    if push.code == RESERVED_STOCK_PUSH:
        stock = push.reserved_stock()
        assert stock is not None
        action = f" ({stock.action})" if stock.action else ""
        summary = f"reserved stock of {stock.item_id}:{stock.model_id} changed{action}"
        return WebhookMessage(shop_ids=shops, summary=summary)
    summary = PARTNER_PUSH_SUMMARIES.get(push.code, f"push code {push.code} recorded")
    return WebhookMessage(shop_ids=shops, summary=summary, authorization=_notice(push))


def notice(order_sn: str) -> ChannelOrder:
    """An order named without its content: the hub reads it whole (a ChannelOrder without
    lines is read again with :meth:`ShopeeOrders.order`)."""
    return ChannelOrder(
        external_id=order_sn,
        channel_status="",
        status=S.OPEN.value,
        status_rank=0,
        created_at=timezone.now(),
        lines=(),
    )


def _fulfilment_push(push: PushMessage, shops: tuple[str, ...]) -> WebhookMessage:
    """Code 4 (tracking number) and 29 (a return) are read whole: the order then carries the
    tracking number, or the lines sent back. Code 15 (a shipping document's status) is
    recorded: labels are fetched when the seller prints them."""
    tracking = push.tracking_number()
    if tracking is not None:
        summary = f"order {tracking.order_sn}: tracking number {tracking.tracking_no}"
        return WebhookMessage(shop_ids=shops, order=notice(tracking.order_sn), summary=summary)
    document = push.document_status()
    if document is not None:
        summary = (
            f"order {document.order_sn}: shipping document of {document.package_number} "
            f"{document.status}"
        )
        return WebhookMessage(shop_ids=shops, summary=summary)
    returned = push.return_update()
    assert returned is not None
    summary = f"return {returned.return_sn} {returned.status}".strip()
    if not returned.order_sn:
        return WebhookMessage(shop_ids=shops, summary=summary)
    summary += f" of order {returned.order_sn}"
    return WebhookMessage(shop_ids=shops, order=notice(returned.order_sn), summary=summary)


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


def _arranged(detail: OrderDetail) -> bool:
    return any(p.logistics_status in ARRANGED_LOGISTICS for p in detail.package_list)


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
    document_wait = fulfilment.DOCUMENT_WAIT
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
            yield from known_orders(details, self._whole, lambda d: d.order_sn, log)

    def order(self, external_id: str) -> ChannelOrder:
        return self._whole(self._detail(external_id))

    def orders(self, external_ids: Sequence[str]) -> list[ChannelOrder]:
        found: list[ChannelOrder] = []
        for chunk in chunks(list(dict.fromkeys(external_ids)), ORDER_SNS_PER_CALL):
            details = self.session.call(lambda client: client.get_orders(chunk))  # noqa: B023
            found += known_orders(details, self._whole, lambda d: d.order_sn, log)
        return found

    def _whole(self, detail: OrderDetail) -> ChannelOrder:
        """The detail with what other calls add: the tracking number once shipment is
        arranged, the returns of an order in TO_RETURN."""
        unified(detail.order_status)  # an unknown status is refused before any other call
        tracking = ""
        if detail.order_status in TRACKED or _arranged(detail):
            tracking = self._tracking_number(detail)
        returns = self._returns(detail) if detail.order_status == "TO_RETURN" else []
        return from_detail(detail, tracking, returns)

    def _tracking_number(self, detail: OrderDetail) -> str:
        package = next((p for p in package_numbers(detail) if p != detail.order_sn), "")
        found = self.session.call(
            lambda client: client.get_tracking_number(detail.order_sn, package)
        )
        return found.tracking_number

    def _returns(self, detail: OrderDetail) -> list[ReturnRecord]:
        """The order's returns: those created since the order, read again in detail."""
        since = datetime.fromtimestamp(detail.create_time or 0, UTC)
        until = timezone.now()
        if since > until:
            since = until
        listed = self.session.call(lambda client: list(client.iter_returns(since, until)))
        mine = [record.return_sn for record in listed if record.order_sn == detail.order_sn]
        return [self.session.call(lambda c: c.get_return_detail(sn)) for sn in mine]  # noqa: B023

    # --- seller actions ---------------------------------------------------------------------

    def actions(self, channel_status: str) -> SellerActions:
        shippable = channel_status in SHIPPABLE
        return SellerActions(
            can_accept=False,
            can_reject=channel_status in self.rejectable,
            reject_reasons=self.reject_reasons,
            can_arrange_shipment=shippable,
            # Which of them the order's logistics channel takes, shipping_options says.
            ship_methods=SHIP_METHODS if shippable else (),
            can_print_label=channel_status in PRINTABLE,
            can_answer_cancellation=channel_status in ANSWERABLE,
        )

    def shipping_options(self, external_id: str) -> tuple[ShipOption, ...]:
        params = self.session.call(lambda client: client.get_shipping_parameter(external_id))
        return fulfilment.ship_options(params)

    def arrange_shipment(self, external_id: str, shipment: Shipment) -> None:
        """ship_order with what get_shipping_parameter says the chosen way needs."""
        params = self.session.call(lambda client: client.get_shipping_parameter(external_id))
        method, body = fulfilment.ship_body(params, shipment)
        self.session.call(
            lambda client: client.ship_order(external_id, **{method: body})  # type: ignore[arg-type]
        )

    def labels(self, external_id: str) -> list[Label]:
        detail = self._detail(external_id)
        return fulfilment.airway_bills(self.session, detail, self.document_wait)

    def answer_cancellation(self, external_id: str, approve: bool) -> None:
        operation = "ACCEPT" if approve else "REJECT"
        self.session.call(lambda client: client.handle_buyer_cancellation(external_id, operation))

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
        on order status (3), tracking number (4), reserved stock (8), shipping document (15)
        and return (29) pushes. ``secret`` is not sent: Shopee signs
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
