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

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from satustok.catalog.models import Variant
from satustok.catalog.sku import sku_key
from satustok.channels import locations
from satustok.channels.models import ChannelAccount, Listing
from satustok.channels.protocol import (
    ChannelOrder,
    ChannelOrderLine,
    ReturnedItem,
    StatusChange,
)
from satustok.inventory import stock
from satustok.orders import effects, moving, returns
from satustok.orders.models import EventSource, Order, OrderEvent, OrderLine
from satustok.orders.status import StockEffect


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
            account=account,
            external_id=incoming.external_id,
            # A callable: the mapping is read only when the order is created.
            defaults={
                **_fields(incoming),
                "warehouse_id": lambda: order_warehouse(account, incoming),
            },
        )
        order.account = account
        if created:
            order.stock_effect = _first_effect(order, incoming.holds_stock)
            _create_lines(order, incoming.lines)
            if incoming.returned_items:
                _mark_returned(order, incoming)
            _record(order, "", incoming.status, incoming.channel_status, source)
            moved = True
        else:
            current = incoming.status_rank >= order.status_rank
            moved = _advance(order, _change(incoming), source)
            _same_step(order, incoming)
            _fill_blanks(order, incoming)
            if current:
                _update_fulfilment(order, incoming)
        _finish(order, source, holds=incoming.holds_stock)
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
        _finish(order, source, holds=change.holds_stock)
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
    """The seller put a returned (or cancelled-after-shipping) parcel back on the shelf: every
    undecided line, into the order's warehouse (``orders.returns`` decides per line)."""
    try:
        return returns.restock_all(order)
    except returns.NothingToDecide as nothing:
        raise NotRestockable(str(nothing)) from nothing


def can_restock(order: Order) -> bool:
    """A parcel that left the shelf and came back: returned, or cancelled after shipping."""
    return returns.can_decide(order)


# --- steps ----------------------------------------------------------------------------------


def order_warehouse(account: ChannelAccount, incoming: ChannelOrder) -> int:
    """The hub warehouse a new order moves its stock in, fixed at first sight: the one mapped
    to the shop warehouse it ships from, else the integration's (a location not mapped, not
    known, or not named by the channel)."""
    mapped = locations.mapped_warehouse(account.pk, incoming.location_id)
    return mapped or account.warehouse_id


def _fields(incoming: ChannelOrder) -> dict[str, object]:
    return {
        "invoice": incoming.invoice[:64],
        "status": incoming.status,
        "channel_status": incoming.channel_status,
        "status_rank": incoming.status_rank,
        "buyer_name": incoming.buyer_name[:255],
        "total": incoming.total,
        "ordered_at": incoming.created_at,
        "storefront": incoming.storefront[:32],
        "item_count": sum(line.quantity for line in incoming.lines),
        **_fulfilment(incoming),
    }


def _fulfilment(incoming: ChannelOrder) -> dict[str, object]:
    recipient = incoming.recipient
    return {
        "ship_by": incoming.ship_by,
        "courier": incoming.courier[:120],
        "tracking_number": incoming.tracking_number[:64],
        "packages": [package[:64] for package in incoming.packages],
        "recipient_name": recipient.name[:255] if recipient else "",
        "recipient_phone": recipient.phone[:64] if recipient else "",
        "recipient_address": recipient.address[:2000] if recipient else "",
        "payment": [
            {"key": part.key[:20], "label": part.label[:120], "amount": part.amount}
            for part in incoming.payment
        ],
        "cancel_requested": incoming.cancel_requested,
        "cancel_reason": incoming.cancel_reason[:255],
    }


# What a later payload may blank: a deadline passes, a cancellation request is answered. What
# the channel once said (a tracking number, the courier, the packages, the address) is kept
# when a thinner payload leaves it out.
_CLEARABLE = frozenset({"ship_by", "cancel_requested", "cancel_reason"})


def _update_fulfilment(order: Order, incoming: ChannelOrder) -> None:
    """A payload at least as new as the stored status updates the fulfilment fields."""
    for name, value in _fulfilment(incoming).items():
        if value or name in _CLEARABLE:
            setattr(order, name, value)
    if incoming.returned_items:
        _mark_returned(order, incoming)


def _mark_returned(order: Order, incoming: ChannelOrder) -> None:
    lines = list(order.lines.order_by("id"))
    share_returned(lines, incoming.returned_items)
    OrderLine.objects.bulk_update(lines, ["returned_quantity"])


def share_returned(lines: Sequence[OrderLine], returned: Iterable[ReturnedItem]) -> None:
    """How many units of each line came back, where the channel says which: a line it does not
    name came back with none (it stayed with the buyer); lines of the same product share the
    product's units in order, so no unit counts twice."""
    left: dict[str, int] = {}
    for item in returned:
        product = item.external_product_id
        left[product] = left.get(product, 0) + max(0, item.quantity)
    for line in lines:
        units = min(line.quantity, left.get(line.external_product_id, 0))
        line.returned_quantity = units
        if units:
            left[line.external_product_id] -= units


def _change(incoming: ChannelOrder) -> StatusChange:
    return StatusChange(
        incoming.external_id,
        incoming.channel_status,
        incoming.status,
        incoming.status_rank,
        incoming.holds_stock,
    )


def _advance(order: Order, change: StatusChange, source: str) -> bool:
    """Move forward in the channel's status order, or not at all."""
    if change.status_rank <= order.status_rank:
        return False
    _record(order, order.status, change.status, change.channel_status, source)
    order.status, order.channel_status = change.status, change.channel_status
    order.status_rank = change.status_rank
    return True


def _same_step(order: Order, incoming: ChannelOrder) -> None:
    """A whole order read from the channel at the rank the hub holds, under another of the
    channel's codes for the same step (Shopee's IN_CANCEL beside READY_TO_SHIP), is the code it
    is at now: the actions the seller is offered follow the channel's code."""
    if incoming.status_rank == order.status_rank and incoming.status == order.status:
        order.channel_status = incoming.channel_status


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
    created = [_new_line(line) for line in lines]
    for line in created:
        line.order = order
    OrderLine.objects.bulk_create(created)


def _first_effect(order: Order, holds: bool) -> StockEffect:
    """A new order's effect: from its status (and whether the channel holds its stock while
    unpaid), unless the shop's other integration counts it (a moved shop, orders/moving.py)."""
    if not moving.counts_here(order.account, order.ordered_at, order.storefront):
        return StockEffect.ELSEWHERE
    return effects.target(order.status, StockEffect.NONE, holds)


def _finish(order: Order, source: str, *, holds: bool = False) -> None:
    _link_lines(order)
    effects.settle(order, holds=holds)
    if source == EventSource.POLL:
        order.polled_at = timezone.now()
    order.save()


def _link_lines(order: Order) -> None:
    unlinked = list(order.lines.filter(linked=False))
    if unlinked:
        links = Links(order.account, [line.external_product_id for line in unlinked])
        links.read_variants([line.sku for line in unlinked])
        links.read_baselines(order.ordered_at, [order.stock_warehouse_id])
        for line in unlinked:
            links.link(line, order.ordered_at, order.stock_warehouse_id)
        OrderLine.objects.bulk_update(
            unlinked, ["listing", "variant", "linked", "in_baseline", "stock_effect"]
        )
    order.has_unlinked_lines = order.lines.filter(linked=False).exists()


class Links:
    """Links order lines to master variants for one integration, reading what a whole batch
    of lines needs in a few queries: the listings of their products, the variants of their
    SKUs, and the import baselines of those variants in the orders' warehouses."""

    def __init__(self, account: ChannelAccount, product_ids: Iterable[str]) -> None:
        self.account = account
        listings = Listing.objects.filter(account=account, external_id__in=set(product_ids))
        self.listings = {
            external_id: (pk, variant_id)
            for pk, external_id, variant_id in listings.values_list("pk", "external_id", "variant")
        }
        self.by_sku: dict[str, int] = {}
        self.baselines: dict[int, dict[int, list[datetime]]] = {}  # per warehouse

    def read_variants(self, skus: Iterable[str]) -> None:
        keys = {key for sku in skus if (key := sku_key(sku))}
        self.by_sku = dict(Variant.objects.filter(sku_key__in=keys).values_list("sku_key", "pk"))

    def read_baselines(self, since: datetime, warehouse_ids: Iterable[int]) -> None:
        """An order counts in an import's baseline only where the import wrote it: in the
        warehouse the order moves its stock in (one query per warehouse of the batch)."""
        variants = {v for _pk, v in self.listings.values() if v} | set(self.by_sku.values())
        self.baselines = {
            warehouse_id: effects.baselines(self.account.pk, warehouse_id, variants, since)
            for warehouse_id in set(warehouse_ids)
        }

    def link(self, line: OrderLine, ordered_at: datetime, warehouse_id: int) -> None:
        """Through the listing of the line's product on this integration, else the SKU; the
        baseline is the one of the order's warehouse (``warehouse_id``)."""
        listing_id, variant_id = self.listings.get(line.external_product_id, (None, None))
        if variant_id is None:
            variant_id = self.by_sku.get(sku_key(line.sku))
        line.listing_id = listing_id
        if variant_id is None:
            return
        line.variant_id, line.linked = variant_id, True
        found = self.baselines.get(warehouse_id, {})
        line.in_baseline = effects.in_baseline(found, variant_id, ordered_at)
        line.stock_effect = StockEffect.BASELINE if line.in_baseline else StockEffect.NONE


# --- many new orders at once -----------------------------------------------------------------


def ingest_many(
    account: ChannelAccount, incoming: Sequence[ChannelOrder], source: str
) -> list[Ingested]:
    """Ingest whole orders of one integration in one transaction, one result per order given.

    Orders the hub has never seen (the usual case for a burst of new-order webhooks) are
    written together — orders, lines, events and their stock changes as a handful of
    multi-row statements; an order already known, or repeated within the batch, goes through
    :func:`ingest`. The outcome is the same as ingesting them one by one."""
    with transaction.atomic():
        ids = {order.external_id for order in incoming}
        known = Order.objects.select_for_update().filter(account=account, external_id__in=ids)
        seen = set(known.values_list("external_id", flat=True))
        fresh: dict[str, ChannelOrder] = {}
        for order in incoming:
            if order.external_id not in seen:
                seen.add(order.external_id)
                fresh[order.external_id] = order
        created = _create_many(account, list(fresh.values()), source)
        return [
            created.pop(order.external_id) if order.external_id in created
            else ingest(account, order, source)
            for order in incoming
        ]  # fmt: skip


def _create_many(
    account: ChannelAccount, incoming: list[ChannelOrder], source: str
) -> dict[str, Ingested]:
    if not incoming:
        return {}
    links = Links(account, [line.external_product_id for o in incoming for line in o.lines])
    links.read_variants([line.sku for o in incoming for line in o.lines])
    warehouses = _order_warehouses(account, incoming)
    links.read_baselines(min(o.created_at for o in incoming), warehouses.values())
    orders, lines = [], []
    for channel_order in incoming:
        order = _new_order(account, channel_order, source)
        order.warehouse_id = warehouses[channel_order.location_id]
        order_lines = [_new_line(line) for line in channel_order.lines]
        for line in order_lines:
            links.link(line, order.ordered_at, order.warehouse_id)
        if channel_order.returned_items:
            share_returned(order_lines, channel_order.returned_items)
        order.has_unlinked_lines = not all(line.linked for line in order_lines)
        orders.append(order)
        lines.append(order_lines)
    Order.objects.bulk_create(orders)  # the ids come back: the ledger names orders by id
    changes: dict[int, list[stock.Change]] = defaultdict(list)
    for order, order_lines in zip(orders, lines, strict=True):
        for line in order_lines:
            line.order = order
        linked = [line for line in order_lines if line.linked]
        changes[order.stock_warehouse_id] += effects.plan(order, linked)
    OrderLine.objects.bulk_create([line for order_lines in lines for line in order_lines])
    OrderEvent.objects.bulk_create(
        OrderEvent(order=o, to_status=o.status, channel_status=o.channel_status, source=source)
        for o in orders
    )
    # Warehouse by warehouse, in id order: two batches never lock levels in opposite orders.
    for warehouse_id in sorted(changes):
        stock.move_many(warehouse_id, changes[warehouse_id])
    return {order.external_id: Ingested(order, True, True) for order in orders}


def _order_warehouses(account: ChannelAccount, incoming: list[ChannelOrder]) -> dict[str, int]:
    """Each shop location the batch's orders name → the hub warehouse its orders move stock
    in (one look-up per location, not per order)."""
    found: dict[str, int] = {}
    for channel_order in incoming:
        if channel_order.location_id not in found:
            found[channel_order.location_id] = order_warehouse(account, channel_order)
    return found


def _new_order(account: ChannelAccount, incoming: ChannelOrder, source: str) -> Order:
    order = Order(account=account, external_id=incoming.external_id, **_fields(incoming))
    order.stock_effect = _first_effect(order, incoming.holds_stock)
    if source == EventSource.POLL:
        order.polled_at = timezone.now()
    return order


def _new_line(line: ChannelOrderLine) -> OrderLine:
    return OrderLine(
        external_product_id=line.external_product_id,
        sku=line.sku[:255],
        name=line.name[:512],
        quantity=line.quantity,
        price=line.price,
    )
