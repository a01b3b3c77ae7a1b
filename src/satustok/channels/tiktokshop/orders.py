"""TikTok Shop orders in the hub's words: the status table, the mappers, the order source and
webhooks.

``STATUS_TABLE`` is the one place that says what each TikTok Shop order status means to the
hub: its unified :class:`OrderStatus` and its *rank* in the order's life. Ingestion moves an
order only to a higher rank, so a late or repeated webhook never moves it back.

Choices where the fact sheet is unsure (§6):

- ON_HOLD (paid, the buyer may still cancel freely) holds stock: *open*, below
  AWAITING_SHIPMENT. UNPAID is *pending payment*, but TikTok Shop has already taken the units
  from available stock (committed): it reaches the hub with ``holds_stock`` and is reserved.
  TikTok Shop has no accept step: a paid order is worked as it is.
- PARTIALLY_SHIPPING keeps the whole order *ready to ship* (holding stock) until IN_TRANSIT:
  units are taken from on hand once, when the order leaves.
- Each line item is ONE unit (there is no quantity field): lines of the same SKU are counted.
- An order from either storefront of a "Tokopedia & TikTok Shop" shop (``commerce_platform``
  TOKOPEDIA or TIKTOK_SHOP) is one order of the integration, moving the one master stock once;
  the storefront is kept in the invoice field's text for the seller.

Webhooks (§7): every type is posted to one address (``notify``) registered per shop for each
event type the hub reads, signed ``HMAC-SHA256(app_secret, app_key + body)`` in the
``Authorization`` header. Type 1 is a status change (``CANCEL`` meaning CANCELLED), 27 a SKU's
inventory changed (a stock report: the hub repairs a difference from what it pushed), 6 the
seller removing the app, 7 the authorization ending soon, 35 a Tokopedia shop mirrored into
TikTok Shop (recorded: it tells a migrated shop, see docs/channels/tiktokshop.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_noop

from satustok.channels import order_sources
from satustok.channels.http.errors import MalformedPayload
from satustok.channels.order_sources import SessionOrderSource, header, known_orders, only_order
from satustok.channels.protocol import (
    AuthorizationNotice,
    ChannelOrder,
    ChannelOrderLine,
    Label,
    Rejection,
    RejectReason,
    SellerActions,
    Shipment,
    ShipOption,
    StatusChange,
    StockCause,
    StockReport,
    WebhookMessage,
)
from satustok.channels.protocol import OrderStatus as S
from satustok.channels.tiktokshop import fulfilment
from satustok.channels.tiktokshop.fulfilment import RETURNABLE
from satustok.channels.tiktokshop.schemas import (
    CANCELLATION_STATUS_CHANGE,
    INVENTORY_STATUS_CHANGE,
    ORDER_STATUS_CHANGE,
    PACKAGE_UPDATE,
    RETURN_STATUS_CHANGE,
    SELLER_DEAUTHORIZATION,
    TOKOPEDIA,
    TOKOPEDIA_MIRROR_STATUS_CHANGE,
    UPCOMING_AUTHORIZATION_EXPIRATION,
    InventoryStatusChange,
    LineItem,
    Order,
    ReturnRecord,
    WebhookEnvelope,
    parse_webhook,
)
from satustok.channels.tiktokshop.signing import verify_webhook
from satustok.channels.tiktokshop.tokens import ShopSession

log = logging.getLogger(__name__)

CANCELLED_RANK = 900
RETURNED = "RETURNED"
TOKOPEDIA_STOREFRONT = "tokopedia"  # a storefront of the channel's description
CANCELLED_ITEM = "CANCELLED"  # a line item's display or package status

# status: (unified status, rank), in the order's life.
STATUS_TABLE: dict[str, tuple[S, int]] = {
    "UNPAID": (S.PENDING_PAYMENT, 10),
    "ON_HOLD": (S.OPEN, 50),  # paid; the buyer may still cancel: stock held
    "AWAITING_SHIPMENT": (S.OPEN, 100),
    "PARTIALLY_SHIPPING": (S.READY_TO_SHIP, 150),
    "AWAITING_COLLECTION": (S.READY_TO_SHIP, 200),  # shipment arranged
    "IN_TRANSIT": (S.SHIPPED, 400),
    "DELIVERED": (S.DELIVERED, 500),
    "COMPLETED": (S.COMPLETED, 600),
    # Not TikTok Shop's: a delivered or completed order with a completed return or refund
    # (``returns/search``) is reported under this word, so the hub moves it to RETURNED.
    RETURNED: (S.RETURNED, 700),
    "CANCELLED": (S.CANCELLED, CANCELLED_RANK),
    "CANCEL": (S.CANCELLED, CANCELLED_RANK),  # the webhook's spelling
}
# Unpaid, yet the units are already committed on TikTok Shop (taken from available).
HOLDS_STOCK_UNPAID = frozenset({"UNPAID"})

NOTIFY_EVENT = "notify"  # one address for every event type
EVENT_TYPES = (
    "ORDER_STATUS_CHANGE",
    "PACKAGE_UPDATE",
    "CANCELLATION_STATUS_CHANGE",
    "RETURN_STATUS_CHANGE",
    "SELLER_DEAUTHORIZATION",
    "UPCOMING_AUTHORIZATION_EXPIRATION",
    "INVENTORY_STATUS_CHANGE",
)
SIGNATURE_HEADER = "Authorization"
AUTHORIZATION_REMINDER = timedelta(days=30)  # type 7 comes daily from 30 days before the end

REJECTABLE = frozenset({"UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION"})
OUT_OF_STOCK = 1
REJECT_REASONS = (
    RejectReason(OUT_OF_STOCK, gettext_noop("Out of stock")),
    RejectReason(2, gettext_noop("Wrong price")),
    RejectReason(3, gettext_noop("Address cannot be delivered to")),
)
# The reason keys differ before and after payment (third-party code; sheet §6.1, uncertain).
CANCEL_REASONS = {
    OUT_OF_STOCK: ("seller_cancel_unpaid_reason_out_of_stock", "seller_cancel_reason_out_of_stock"),
    2: ("seller_cancel_unpaid_reason_wrong_price", "seller_cancel_reason_wrong_price"),
    3: (
        "seller_cancel_unpaid_reason_address_not_deliver",
        "seller_cancel_paid_reason_address_not_deliver",
    ),
}


def unified(status: str) -> tuple[S, int]:
    """The unified status and rank of a TikTok Shop order status."""
    return order_sources.unified(STATUS_TABLE, status)


def status_change(order_id: str, status: str) -> StatusChange:
    return order_sources.status_change(STATUS_TABLE, order_id, status, HOLDS_STOCK_UNPAID)


# --- payload → ChannelOrder ---------------------------------------------------------------


def lines(order: Order) -> tuple[ChannelOrderLine, ...]:
    """One line per SKU, its quantity the number of line items (each is one unit). Items
    cancelled on their own (a partial cancellation) are left out, unless the whole order is
    cancelled: its lines still say what was ordered."""
    kept = [item for item in order.line_items if not _cancelled(item)] or order.line_items
    grouped: dict[str, list[LineItem]] = {}
    for item in kept:
        grouped.setdefault(item.sku_id, []).append(item)
    return tuple(_line(items) for items in grouped.values())


def _cancelled(item: LineItem) -> bool:
    return CANCELLED_ITEM in (item.display_status, item.package_status)


def _line(items: list[LineItem]) -> ChannelOrderLine:
    first = items[0]
    price = first.sale_price if first.sale_price is not None else first.original_price
    name = f"{first.product_name} — {first.sku_name}" if first.sku_name else first.product_name
    return ChannelOrderLine(
        external_product_id=f"{first.product_id}:{first.sku_id}",
        sku=first.seller_sku,
        name=name,
        quantity=len(items),
        price=price or 0,
    )


def from_order(order: Order, returns: Sequence[ReturnRecord] = ()) -> ChannelOrder:
    """The order; ``returns`` are its returns and refunds (``returns/search``): a completed one
    reports a delivered or completed order as RETURNED, with the units that came back."""
    done = fulfilment.done_returns(returns, order.id) if order.status in RETURNABLE else []
    channel_status = RETURNED if done else order.status
    status, rank = unified(channel_status)
    created = datetime.fromtimestamp(order.create_time, UTC) if order.create_time else None
    tokopedia = order.commerce_platform == TOKOPEDIA
    storefront = "Tokopedia" if tokopedia else "TikTok Shop"
    return ChannelOrder(
        external_id=order.id,
        channel_status=channel_status,
        status=status.value,
        status_rank=rank,
        created_at=created or timezone.now(),
        lines=lines(order),
        invoice=f"{order.id} ({storefront})",
        buyer_name=order.recipient_address.name if order.recipient_address else "",
        total=(order.payment.total_amount or 0) if order.payment else 0,
        storefront=TOKOPEDIA_STOREFRONT if tokopedia else "",
        holds_stock=order.status in HOLDS_STOCK_UNPAID,
        location_id=order.warehouse_id,  # the warehouse the order ships from (one per order)
        ship_by=fulfilment.ship_by(order),
        courier=order.shipping_provider,
        tracking_number=fulfilment.tracking_number(order),
        packages=fulfilment.package_ids(order),
        recipient=fulfilment.recipient(order),
        payment=fulfilment.payment_parts(order.payment),
        cancel_requested=order.is_buyer_request_cancel,
        cancel_reason=order.cancel_reason,
        returned_items=fulfilment.returned_items(order, done),
    )


def thin_order(order_id: str) -> ChannelOrder:
    """An event that names an order without saying enough: the hub reads it whole (a message
    order without lines is read with ``order()``)."""
    return ChannelOrder(order_id, "", S.OPEN.value, 0, timezone.now(), ())


# --- webhooks ---------------------------------------------------------------------------------


def parse(event: str, body: bytes) -> WebhookMessage:
    """A verified notification as a :class:`WebhookMessage`; ``MalformedPayload`` names a bad
    field."""
    if event != NOTIFY_EVENT:
        raise MalformedPayload(f"unknown webhook event {event!r}", endpoint="webhook")
    envelope = parse_webhook(body)
    shops = (envelope.shop_id,) if envelope.shop_id else ()
    if envelope.type == ORDER_STATUS_CHANGE:
        return _status_message(envelope, shops)
    if envelope.type == SELLER_DEAUTHORIZATION:
        notice = AuthorizationNotice(ended=True, sent_at=_sent_at(envelope.timestamp))
        return WebhookMessage(shops, summary="seller removed the app", authorization=notice)
    if envelope.type == UPCOMING_AUTHORIZATION_EXPIRATION:
        return _expiring_message(envelope, shops)
    if envelope.type == INVENTORY_STATUS_CHANGE:
        return _inventory_message(envelope, shops)
    if envelope.type in (CANCELLATION_STATUS_CHANGE, RETURN_STATUS_CHANGE, PACKAGE_UPDATE):
        return _aftersale_message(envelope, shops)
    if envelope.type == TOKOPEDIA_MIRROR_STATUS_CHANGE:
        mirror = envelope.mirror_status_change()
        assert mirror is not None
        summary = f"Tokopedia shop mirror status: {mirror.mirror_status or '?'}"
        return WebhookMessage(
            (mirror.tts_shop_id,) if mirror.tts_shop_id else shops, summary=summary
        )
    return WebhookMessage(shops, summary=f"notification type {envelope.type} recorded")


def _status_message(envelope: WebhookEnvelope, shops: tuple[str, ...]) -> WebhookMessage:
    data = envelope.order_status_change()
    assert data is not None
    if not data.order_id:
        raise MalformedPayload("webhook data.order_id: empty", endpoint="webhook")
    change = status_change(data.order_id, data.status)
    return WebhookMessage(shops, change=change, summary=f"order {data.order_id} → {data.status}")


def _aftersale_message(envelope: WebhookEnvelope, shops: tuple[str, ...]) -> WebhookMessage:
    """A cancellation request (11), a return or refund (12) or a package change (4): what the
    order is now (``is_buyer_request_cancel``, RETURNED, packages) is read whole."""
    if envelope.type == CANCELLATION_STATUS_CHANGE:
        cancel = envelope.cancellation_status_change()
        order_id, summary = cancel.order_id, f"cancellation {cancel.cancel_status or '?'}"
    elif envelope.type == RETURN_STATUS_CHANGE:
        back = envelope.return_status_change()
        order_id, summary = back.order_id, f"return {back.return_status or '?'}"
    else:
        package = envelope.package_update()
        ids = package.order_ids
        order_id, summary = (ids[0] if ids else ""), f"package {package.sc_type or 'update'}"
    if not order_id:
        return WebhookMessage(shops, summary=f"{summary} (no order named)")
    return WebhookMessage(shops, order=thin_order(order_id), summary=f"order {order_id}: {summary}")


def _inventory_message(envelope: WebhookEnvelope, shops: tuple[str, ...]) -> WebhookMessage:
    """A SKU's inventory changed: a stock report of its listing (``product:sku``), with the
    available quantity when the notification gives it."""
    data = envelope.inventory_status_change()
    assert data is not None
    summary = f"inventory of SKU {data.sku_id or '?'} changed"
    if not (data.product_id and data.sku_id):
        return WebhookMessage(shops, summary=summary)
    report = StockReport(f"{data.product_id}:{data.sku_id}", data.available, _inventory_cause(data))
    return WebhookMessage(shops, summary=summary, stock_reports=(report,))


def _inventory_cause(data: InventoryStatusChange) -> str:
    """The trigger, where the notification names one (its shape is uncertain: any text in it
    mentioning the seller or an order)."""
    reason = str(data.trigger_reason or "").lower()
    if "seller" in reason or "edit" in reason:
        return StockCause.SELLER_EDIT
    if "cancel" in reason or "return" in reason:
        return StockCause.MARKETPLACE_RESTOCK
    if "order" in reason:
        return StockCause.SALE
    return StockCause.CHANNEL_REPORT


def _expiring_message(envelope: WebhookEnvelope, shops: tuple[str, ...]) -> WebhookMessage:
    """The end is the data's ``expiration_time`` when sent, else a month from the notice."""
    expires = envelope.data.get("expiration_time") or envelope.data.get("expire_time")
    if isinstance(expires, int | str) and str(expires).isdigit():
        moment = datetime.fromtimestamp(int(expires), UTC)
    else:
        sent = envelope.timestamp or int(timezone.now().timestamp())
        moment = datetime.fromtimestamp(sent, UTC) + AUTHORIZATION_REMINDER
    notice = AuthorizationNotice(expires_at=moment, sent_at=_sent_at(envelope.timestamp))
    return WebhookMessage(shops, summary="authorization ends soon", authorization=notice)


def _sent_at(timestamp: int | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, UTC) if timestamp else None


# --- the order source -----------------------------------------------------------------------


class TikTokShopOrders(SessionOrderSource[ShopSession]):
    """One integration's orders. The session is built on first use: checking a webhook needs
    no connection, only the app's key and secret."""

    webhook_events = (NOTIFY_EVENT,)
    label = "TikTok Shop"
    rejectable = REJECTABLE
    reject_reasons = REJECT_REASONS

    def __repr__(self) -> str:
        return f"TikTokShopOrders(integration={self.account.pk}, shop={self.account.shop_id})"

    def orders_between(self, since: datetime, until: datetime) -> Iterator[ChannelOrder]:
        """Orders created in ``[since, until]``, whole (a search page carries the lines); one
        with a status the table does not know is logged and left out."""
        window = (since, until + timedelta(seconds=1))  # the search's end is exclusive
        found = self.session.call(
            lambda client: list(client.iter_orders(window, field="create_time"))
        )
        returns = self._returns([order.id for order in found if order.status in RETURNABLE])
        yield from known_orders(
            found, lambda order: from_order(order, returns), lambda order: order.id, log
        )

    def order(self, external_id: str) -> ChannelOrder:
        current = self._current(external_id)
        returns = self._returns([current.id] if current.status in RETURNABLE else [])
        return from_order(current, returns)

    def orders(self, external_ids: Sequence[str]) -> list[ChannelOrder]:
        found = self.session.call(lambda client: client.get_orders(external_ids))
        returns = self._returns([order.id for order in found if order.status in RETURNABLE])
        return list(
            known_orders(
                found, lambda order: from_order(order, returns), lambda order: order.id, log
            )
        )

    def _returns(self, order_ids: list[str]) -> list[ReturnRecord]:
        """The completed returns of the orders that can have one (none: no call)."""
        if not order_ids:
            return []
        done = sorted(fulfilment.RETURN_DONE)
        return self.session.call(lambda client: client.returns_of(order_ids, *done))

    def actions(self, channel_status: str) -> SellerActions:
        return fulfilment.seller_actions(channel_status, super().actions(channel_status))

    def shipping_options(self, external_id: str) -> tuple[ShipOption, ...]:
        current = self._current(external_id)
        if current.status not in fulfilment.TO_ARRANGE:
            return ()
        packages = fulfilment.package_ids(current)
        if current.shipping_type == fulfilment.SELLER_SHIPPING or not packages:
            return fulfilment.options(current, None)
        slots = self.session.call(lambda client: client.handover_time_slots(packages[0]))
        return fulfilment.options(current, slots)

    def arrange_shipment(self, external_id: str, shipment: Shipment) -> None:
        """Ship every package of the order the way the seller chose."""
        current = self._current(external_id)
        for package_id in fulfilment.package_ids(current):
            self.session.call(
                lambda client: fulfilment.ship_package(client, current, package_id, shipment)  # noqa: B023
            )

    def labels(self, external_id: str) -> list[Label]:
        current = self._current(external_id)
        return self.session.call(lambda client: fulfilment.labels(client, current))

    def answer_cancellation(self, external_id: str, approve: bool) -> None:
        self.session.call(
            lambda client: fulfilment.answer_cancellation(client, external_id, approve)
        )

    def _current(self, order_id: str) -> Order:
        return only_order(self.session.call(lambda c: c.get_orders([order_id])), order_id)

    def reject(self, external_id: str, rejection: Rejection) -> None:
        """Cancel as the seller, with the reason key for the order's current status."""
        current = self._current(external_id)
        unpaid, paid = CANCEL_REASONS.get(rejection.reason_code, CANCEL_REASONS[OUT_OF_STOCK])
        reason = unpaid if current.status == "UNPAID" else paid
        self.session.call(lambda client: client.cancel_order(external_id, reason))

    def register_webhooks(self, urls: Mapping[str, str], secret: str) -> None:
        """Point the shop's notifications of every type the hub reads at the hub's one
        address. ``secret`` is not sent: TikTok Shop signs with the app secret."""
        address = urls[NOTIFY_EVENT]
        for event_type in EVENT_TYPES:
            self.session.call(
                lambda client: client.register_webhook(address, event_type)  # noqa: B023
            )

    def verify_webhook(
        self, body: bytes, headers: Mapping[str, str], *, secret: str, url: str
    ) -> bool:
        """``Authorization`` = HMAC-SHA256(app secret, app key + body); ``secret`` and ``url``
        play no part."""
        return verify_webhook(
            self.account.app_id,
            self.account.client_secret.reveal(),
            body,
            header(headers, SIGNATURE_HEADER),
        )

    def parse_webhook(self, event: str, body: bytes) -> WebhookMessage:
        return parse(event, body)
