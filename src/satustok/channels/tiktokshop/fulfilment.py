"""TikTok Shop fulfilment in the hub's words: an order's shipping facts, and the seller's
shipping steps (fact sheet §6.1; docs/channels/tiktokshop.md "Fulfilment").

An order ships as **packages** (``packages[{id}]``); each is shipped on its own:

- TikTok Shop logistics (``shipping_type`` TIKTOK): ``handover_time_slots`` says whether the
  courier can collect (``can_pickup``, with ``pickup_slots``) or the seller drops the parcel off
  (``can_drop_off``); ``ship`` with ``handover_method`` PICKUP and a slot, or DROP_OFF.
- Seller-shipped (``shipping_type`` SELLER): ``ship`` with ``self_shipment{tracking_number,
  shipping_provider_id}`` (the order's courier id, as TikTok Shop gives it).

A pickup slot reaches the hub as :class:`PickupSlot` with ``id = "<start_time>-<end_time>"`` (Unix
seconds): TikTok Shop has no slot id, it wants the two times back. Arranging PICKUP without a
slot takes the earliest available one. Labels: ``shipping_documents`` (SHIPPING_LABEL, A6)
gives a ``doc_url`` that is downloaded as a PDF through the same client (budget, retries).

Deadlines: ``rts_sla_time`` (ready to ship) while the seller has to arrange the shipment,
``tts_sla_time`` (handed to the courier) once it is arranged; none after.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from django.utils.translation import gettext_noop

from satustok.channels.http.errors import ActionRejected
from satustok.channels.protocol import (
    Label,
    PaymentPart,
    PickupSlot,
    Recipient,
    ReturnedItem,
    SellerActions,
    Shipment,
    ShipMethod,
    ShipOption,
)
from satustok.channels.tiktokshop.client import TikTokShopClient
from satustok.channels.tiktokshop.schemas import (
    HandoverTimeSlots,
    Order,
    Payment,
    PickupSlotTimes,
    ReturnRecord,
)

PLATFORM_SHIPPING, SELLER_SHIPPING = "TIKTOK", "SELLER"
TO_ARRANGE = frozenset({"AWAITING_SHIPMENT", "PARTIALLY_SHIPPING"})
ARRANGED = frozenset({"AWAITING_COLLECTION"})
LABELLED = frozenset({"AWAITING_COLLECTION", "IN_TRANSIT"})
# Paid, not handed over yet: the buyer may ask to cancel and the seller answers.
ANSWERABLE = frozenset({"AWAITING_SHIPMENT", "PARTIALLY_SHIPPING", "AWAITING_COLLECTION"})
PENDING_CANCEL = "CANCELLATION_REQUEST_PENDING"
# A return or refund that is done (the hub reports the order RETURNED).
RETURN_DONE = frozenset({"RETURN_OR_REFUND_REQUEST_COMPLETE"})
RETURNABLE = frozenset({"DELIVERED", "COMPLETED"})
REFUND_ONLY = "REFUND"  # return_type: money back, goods kept (RETURN_AND_REFUND sends them)
# The reject reason key is not captured (sheet §6.1, U): this one reads as TikTok's others do.
REJECT_CANCEL_REASON = "seller_reject_apply_product_has_been_packed"
LABEL_DOCUMENT, LABEL_SIZE = "SHIPPING_LABEL", "A6"
PDF = "application/pdf"


def seller_actions(channel_status: str, base: SellerActions) -> SellerActions:
    """``base`` (accept, reject) with the shipping steps TikTok Shop allows at the status."""
    arrange = channel_status in TO_ARRANGE
    return SellerActions(
        can_accept=base.can_accept,
        can_reject=base.can_reject,
        reject_reasons=base.reject_reasons,
        can_arrange_shipment=arrange,
        ship_methods=(ShipMethod.PICKUP, ShipMethod.DROP_OFF, ShipMethod.SELF_SHIP)
        if arrange
        else (),
        can_print_label=channel_status in LABELLED,
        can_answer_cancellation=channel_status in ANSWERABLE,
    )


# --- order payload → the hub's fields --------------------------------------------------------


def _moment(timestamp: int | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, UTC) if timestamp else None


def ship_by(order: Order) -> datetime | None:
    if order.status in TO_ARRANGE or order.status == "ON_HOLD":
        return _moment(order.rts_sla_time)
    if order.status in ARRANGED:
        return _moment(order.tts_sla_time or order.rts_sla_time)
    return None


def package_ids(order: Order) -> tuple[str, ...]:
    """The order's packages; else the packages its line items name."""
    ids = [p.id for p in order.packages if p.id] or [i.package_id for i in order.line_items]
    return tuple(dict.fromkeys(i for i in ids if i))


def tracking_number(order: Order) -> str:
    return order.tracking_number or next(
        (i.tracking_number for i in order.line_items if i.tracking_number), ""
    )


def recipient(order: Order) -> Recipient | None:
    address = order.recipient_address
    if address is None:
        return None
    full = address.full_address or ", ".join(
        part for part in (address.address_detail, address.postal_code) if part
    )
    return Recipient(name=address.name, phone=address.phone_number, address=full)


# key, label, the payment's fields (summed), sign
_PAYMENT_ROWS = (
    ("subtotal", gettext_noop("Products"), ("sub_total",), 1),
    ("shipping", gettext_noop("Shipping fee"), ("shipping_fee",), 1),
    ("discount", gettext_noop("Seller discount"), ("seller_discount",), -1),
    ("discount", gettext_noop("Platform discount"), ("platform_discount",), -1),
    (
        "discount",
        gettext_noop("Shipping discount"),
        ("shipping_fee_seller_discount", "shipping_fee_platform_discount"),
        -1,
    ),
    (
        "insurance",
        gettext_noop("Insurance"),
        ("shipping_insurance_fee", "item_insurance_fee"),
        1,
    ),
    ("fee", gettext_noop("Service and handling fees"), ("buyer_service_fee", "handling_fee"), 1),
    ("total", gettext_noop("Total"), ("total_amount",), 1),
)
_ALWAYS = frozenset({"subtotal", "shipping", "total"})


def payment_parts(payment: Payment | None) -> tuple[PaymentPart, ...]:
    """The breakdown, whole rupiah, discounts negative; zero extras are left out."""
    if payment is None:
        return ()
    parts: list[PaymentPart] = []
    for key, label, fields, sign in _PAYMENT_ROWS:
        values = [getattr(payment, name) for name in fields]
        if all(value is None for value in values):
            continue
        amount = sign * sum(abs(value or 0) for value in values)
        if amount or key in _ALWAYS:
            parts.append(PaymentPart(key, label, amount))
    return tuple(parts)


def done_returns(returns: Iterable[ReturnRecord], order_id: str) -> list[ReturnRecord]:
    """The order's completed returns that sent goods back (a REFUND without a return leaves
    them with the buyer: nothing to restock)."""
    return [
        r
        for r in returns
        if r.order_id == order_id
        and r.return_status in RETURN_DONE
        and r.return_type.upper() != REFUND_ONLY
    ]


def returned_items(order: Order, returns: Sequence[ReturnRecord]) -> tuple[ReturnedItem, ...]:
    """Units per listing (``product:sku``) the completed returns name, through the order's line
    items (a return line names the order line item and the SKU, not the product)."""
    product_of = {item.id: f"{item.product_id}:{item.sku_id}" for item in order.line_items}
    by_sku = {item.sku_id: f"{item.product_id}:{item.sku_id}" for item in order.line_items}
    units: Counter[str] = Counter()
    for record in returns:
        for line in record.return_line_items:
            listing = product_of.get(line.order_line_item_id) or by_sku.get(line.sku_id)
            if listing:
                units[listing] += 1
    return tuple(ReturnedItem(listing, count) for listing, count in units.items())


# --- the seller's steps -------------------------------------------------------------------


def slot_id(slot: PickupSlotTimes) -> str:
    return f"{slot.start_time}-{slot.end_time}"


def _slot(slot: PickupSlotTimes) -> PickupSlot:
    starts, ends = _moment(slot.start_time), _moment(slot.end_time)
    label = f"{starts:%Y-%m-%d %H:%M}–{ends:%H:%M} UTC" if starts and ends else slot_id(slot)
    return PickupSlot(id=slot_id(slot), label=label, starts_at=starts, ends_at=ends)


def parse_slot_id(value: str) -> tuple[int, int]:
    start, _, end = value.partition("-")
    if not (start.isdigit() and end.isdigit()):
        raise ActionRejected(f"not a TikTok Shop pickup slot: {value!r}", endpoint="package_ship")
    return int(start), int(end)


def options(order: Order, slots: HandoverTimeSlots | None) -> tuple[ShipOption, ...]:
    """How the order can be shipped now (``slots``: its first package's handover)."""
    if order.shipping_type == SELLER_SHIPPING:
        return (ShipOption(ShipMethod.SELF_SHIP, needs_tracking_number=True),)
    if slots is None:
        return ()
    found: list[ShipOption] = []
    if slots.can_pickup:
        offered = tuple(_slot(s) for s in slots.pickup_slots if s.available)
        found.append(ShipOption(ShipMethod.PICKUP, slots=offered))
    if slots.can_drop_off:
        found.append(ShipOption(ShipMethod.DROP_OFF))
    return tuple(found)


def _first_slot(client: TikTokShopClient, package_id: str) -> tuple[int, int]:
    slots = client.handover_time_slots(package_id)
    offered = sorted((s.start_time, s.end_time) for s in slots.pickup_slots if s.available)
    if not slots.can_pickup or not offered:
        raise ActionRejected(
            "TikTok Shop offers no pickup for this package", endpoint="handover_slots"
        )
    return offered[0]


def ship_package(
    client: TikTokShopClient, order: Order, package_id: str, shipment: Shipment
) -> None:
    """One package, the way the seller chose."""
    if shipment.method == ShipMethod.SELF_SHIP:
        if order.shipping_type != SELLER_SHIPPING:
            raise ActionRejected(
                "TikTok Shop ships this order with its own logistics: choose pickup or drop-off",
                endpoint="package_ship",
            )
        own = (shipment.tracking_number.strip(), order.shipping_provider_id)
        client.ship_package(package_id, "DROP_OFF", self_shipment=own)
    elif shipment.method == ShipMethod.PICKUP:
        chosen = parse_slot_id(shipment.slot_id) if shipment.slot_id else None
        slot = chosen or _first_slot(client, package_id)
        client.ship_package(package_id, "PICKUP", pickup_slot=slot)
    elif shipment.method == ShipMethod.DROP_OFF:
        client.ship_package(package_id, "DROP_OFF")
    else:
        raise ActionRejected(f"unknown ship method {shipment.method!r}", endpoint="package_ship")


def labels(client: TikTokShopClient, order: Order) -> list[Label]:
    """One PDF per package: the document's ``doc_url``, downloaded."""
    found: list[Label] = []
    for package_id in package_ids(order):
        document = client.shipping_document(package_id, LABEL_DOCUMENT, LABEL_SIZE)
        content = client.download_document(document.doc_url)
        found.append(Label(order.id, package_id, PDF, content))
    return found


def answer_cancellation(client: TikTokShopClient, order_id: str, approve: bool) -> None:
    """Approve or reject the order's pending cancellation request."""
    pending = client.cancellations_of([order_id], PENDING_CANCEL)
    if not pending:
        raise ActionRejected(
            f"order {order_id} has no pending cancellation request",
            endpoint="cancellation_answer",
        )
    for request in pending:
        if approve:
            client.approve_cancellation(request.cancel_id)
        else:
            client.reject_cancellation(request.cancel_id, REJECT_CANCEL_REASON)
