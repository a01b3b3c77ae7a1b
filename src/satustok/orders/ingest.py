"""Ingestion: every order event, from any path, goes through here.

``ingest`` is an idempotent upsert keyed by (integration, channel order id), done in one
transaction that holds the order's row lock (``select_for_update``; SQLite's immediate
transactions hold the database's write lock). Inside it:

1. the order is found or created with its lines (lines are written once, at creation);
2. the status moves only to a higher rank of the channel's order: a repeated or late event
   changes nothing and records nothing; a forward move records one :class:`OrderEvent`;
3. lines not linked yet are linked if their listing (or SKU) now leads to a master variant;
4. the stock effect is settled (``effects.settle``) from the stored effect, so nothing is
   ever reserved, shipped or released twice.

``ingest_status`` does steps 2–4 for an event that only carries a status (Tokopedia's
``order_status``); it returns ``None`` when the order is unknown, and the caller fetches it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from satustok.catalog.models import Variant
from satustok.catalog.sku import sku_key
from satustok.channels.models import ChannelAccount, Listing
from satustok.channels.protocol import ChannelOrder, ChannelOrderLine
from satustok.orders import effects
from satustok.orders.models import EventSource, Order, OrderEvent, OrderLine
from satustok.orders.source import StatusChange
from satustok.orders.status import OrderStatus, StockEffect


@dataclass(frozen=True)
class Ingested:
    order: Order
    created: bool
    moved: bool  # the status moved forward

    def describe(self) -> str:
        if self.created:
            return f"order {self.order.external_id} created ({self.order.channel_status})"
        if self.moved:
            return f"order {self.order.external_id} → {self.order.channel_status}"
        return f"order {self.order.external_id}: nothing new"


def ingest(account: ChannelAccount, incoming: ChannelOrder, source: str) -> Ingested:
    with transaction.atomic():
        order, created = Order.objects.select_for_update().get_or_create(
            account=account, external_id=incoming.external_id, defaults=_fields(incoming)
        )
        order.account = account
        if created:
            _create_lines(order, incoming.lines)
            _record(order, "", incoming.status, incoming.channel_status, source)
            moved = True
        else:
            moved = _advance(order, _change(incoming), source)
            _fill_blanks(order, incoming)
        _finish(order, source)
    return Ingested(order, created, moved)


def ingest_status(account: ChannelAccount, change: StatusChange, source: str) -> Ingested | None:
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(account=account, external_id=change.external_id)
            .first()
        )
        if order is None:
            return None
        order.account = account
        moved = _advance(order, change, source)
        _finish(order, source)
    return Ingested(order, False, moved)


def relink(order: Order) -> Order:
    """Try again to link the order's unlinked lines (e.g. after the seller linked a listing)."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("account").get(pk=order.pk)
        _finish(locked, source="")
    return locked


class NotRestockable(Exception):
    pass


def restock(order: Order) -> Order:
    """The seller put a returned (or cancelled-after-shipping) parcel back on the shelf."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("account").get(pk=order.pk)
        if not can_restock(locked):
            raise NotRestockable(f"order {locked.external_id} has nothing to restock")
        effects.settle(locked, StockEffect.RESTOCKED)
        locked.save()
    return locked


def can_restock(order: Order) -> bool:
    """A parcel that left the shelf and came back: returned, or cancelled after shipping."""
    return order.stock_effect == StockEffect.SHIPPED and order.status in (
        OrderStatus.RETURNED,
        OrderStatus.CANCELLED,
    )


# --- steps ----------------------------------------------------------------------------------


def _fields(incoming: ChannelOrder) -> dict[str, object]:
    return {
        "invoice": incoming.invoice[:64],
        "status": incoming.status,
        "channel_status": incoming.channel_status,
        "status_rank": incoming.status_rank,
        "buyer_name": incoming.buyer_name[:255],
        "total": incoming.total,
        "ordered_at": incoming.created_at,
    }


def _change(incoming: ChannelOrder) -> StatusChange:
    return StatusChange(
        incoming.external_id, incoming.channel_status, incoming.status, incoming.status_rank
    )


def _advance(order: Order, change: StatusChange, source: str) -> bool:
    """Move forward in the channel's status order, or not at all."""
    if change.status_rank <= order.status_rank:
        return False
    _record(order, order.status, change.status, change.channel_status, source)
    order.status, order.channel_status = change.status, change.channel_status
    order.status_rank = change.status_rank
    return True


def _record(order: Order, before: str, after: str, channel_status: str, source: str) -> None:
    OrderEvent.objects.create(
        order=order,
        from_status=before,
        to_status=after,
        channel_status=channel_status,
        source=source,
    )


def _fill_blanks(order: Order, incoming: ChannelOrder) -> None:
    """A fuller payload (e.g. the single order after a status event) fills what was missing."""
    order.invoice = order.invoice or incoming.invoice[:64]
    order.buyer_name = order.buyer_name or incoming.buyer_name[:255]
    order.total = order.total or incoming.total


def _create_lines(order: Order, lines: tuple[ChannelOrderLine, ...]) -> None:
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            external_product_id=line.external_product_id,
            sku=line.sku[:255],
            name=line.name[:512],
            quantity=line.quantity,
            price=line.price,
        )
        for line in lines
    )


def _finish(order: Order, source: str) -> None:
    _link_lines(order)
    effects.settle(order)
    if source == EventSource.POLL:
        order.polled_at = timezone.now()
    order.save()


def _link_lines(order: Order) -> None:
    unlinked = list(order.lines.filter(linked=False))
    for line in unlinked:
        _link(order, line)
    order.has_unlinked_lines = order.lines.filter(linked=False).exists()


def _link(order: Order, line: OrderLine) -> None:
    """Through the listing of the line's product on this integration, else the SKU."""
    listing = Listing.objects.filter(
        account_id=order.account_id, external_id=line.external_product_id
    ).first()
    variant_id = listing.variant_id if listing is not None else None
    if variant_id is None and (key := sku_key(line.sku)):
        variant_id = Variant.objects.filter(sku_key=key).values_list("pk", flat=True).first()
    line.listing = listing
    if variant_id is None:
        line.save(update_fields=["listing"])
        return
    account = order.account
    line.variant_id, line.linked = variant_id, True
    line.in_baseline = effects.counted_in_baseline(
        account.pk, account.warehouse_id, variant_id, order.ordered_at
    )
    line.stock_effect = StockEffect.BASELINE if line.in_baseline else StockEffect.NONE
    line.save(update_fields=["listing", "variant", "linked", "in_baseline", "stock_effect"])
