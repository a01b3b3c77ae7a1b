"""The whole channel protocol: what the hub needs from any channel, in the hub's own words.

Each channel package provides a connector (the registry hands it out) that turns its payloads
into these plain records: the catalogue (:class:`CatalogSource`, :class:`ChannelUnit`), the
stock and price push (:class:`StockPush`, :class:`PricePush`, :class:`PushOutcome`), orders and
webhooks (:class:`OrderSource`, :class:`ChannelOrder`, :class:`WebhookMessage`,
:class:`OrderStatus`), and authorization (:class:`AuthorizingConnector`,
:class:`Authorization`). The import engine, the pusher and order ingestion only ever see
these, which is what lets a channel be added without touching them. Nothing here imports a
layer above ``channels``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True, slots=True)
class ChannelUnit:
    """One sellable unit on a channel: a product without variants, or one variant child."""

    external_id: str
    sku: str  # as the channel spells it (may be blank or padded: the import decides)
    name: str
    is_active: bool
    status_label: str  # the channel's own status, for the seller to read
    stock: int
    price: int  # whole rupiah
    parent_external_id: str = ""  # the variant family, when the unit is a child
    family_name: str = ""  # the family's product name, which names the master product

    @property
    def stock_known(self) -> bool:
        """False when the channel did not say how much stock the unit has (``stock`` is then
        not a reading: nothing may compare it with what the hub pushed)."""
        return self.status_label != STOCK_UNKNOWN_LABEL


# The status label of a unit whose stock the channel did not send: such a unit is reported
# inactive with this label (never imported with a made-up 0), and the import's not-imported
# list says so in these words (sync/report.py).
STOCK_UNKNOWN_LABEL = "Stock unknown"


@dataclass(frozen=True, slots=True)
class UnitPage:
    number: int
    units: list[ChannelUnit]


@dataclass(frozen=True, slots=True)
class ShopWarehouse:
    external_id: str
    name: str
    is_default: bool


@dataclass(frozen=True, slots=True)
class ShopProfile:
    shop_id: str
    name: str
    is_open: bool
    close_reason: str = ""
    url: str = ""
    warehouses: tuple[ShopWarehouse, ...] = field(default_factory=tuple)
    # What the channel needs besides the shop id to address the shop in calls (TikTok Shop's
    # ``shop_cipher``); kept on the integration.
    handle: str = ""


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a seller types to connect a shop: the app's id, a second id where the channel has
    one, and the secret (each channel's registry description names the three)."""

    app_id: str
    client_id: str
    client_secret: str = field(repr=False)


class CatalogSource(Protocol):
    """Reads a connected shop's catalogue, page by page, resumable from any page.

    ``page(n)`` must be safe to call from several threads at once (the import reads a few
    pages ahead to hide the channel's latency); a page past the end has no units."""

    def page(self, number: int) -> UnitPage: ...

    def close(self) -> None: ...


def unit_pages(source: CatalogSource, start_page: int = 1) -> Iterator[UnitPage]:
    """Every page from ``start_page`` until the first empty one."""
    number = start_page
    while (page := source.page(number)).units:
        yield page
        number += 1


class Connector(Protocol):
    """One per channel: checks credentials against a shop and reads connected shops."""

    channel: str
    label: str

    def verify(self, credentials: Credentials, shop_id: str) -> ShopProfile:
        """Prove the credentials reach the shop; raise the channel error tree otherwise."""
        ...

    def catalog_source(self, account: ChannelAccountLike) -> CatalogSource: ...

    max_push_batch: int  # rows the channel takes in one stock-update call
    # The most stock a listing can show on the channel (None: no stated limit). The hub pushes
    # at most this, so what it believes the shop shows is what the shop can show.
    max_shown_stock: int | None

    def push_stock(self, account: ChannelAccountLike, pushes: list[StockPush]) -> list[PushOutcome]:
        """Set absolute stock per listing; one outcome per row, in any order."""
        ...

    def push_prices(
        self, account: ChannelAccountLike, pushes: list[PricePush]
    ) -> list[PushOutcome]:
        """Set each listing's price (whole rupiah); one outcome per row, in any order. A row
        the channel refuses for this price (below its minimum, a promotion running) is
        ``permanent``: the same price would be refused again."""
        ...

    def orders(self, account: ChannelAccountLike, *, interactive: bool = False) -> OrderSource:
        """The integration's orders. ``interactive`` shortens retries: a seller waiting on a
        page wants an answer within seconds. Building one does no I/O."""
        ...


@dataclass(frozen=True, slots=True)
class Authorization:
    """What a seller's approval on the channel's own page gives the hub (Shopee's shop
    authorization): the shop, and the tokens to act for it."""

    profile: ShopProfile
    access_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_token: str = field(repr=False)
    refresh_expires_at: datetime
    authorization_expires_at: datetime | None = None


class AuthorizingConnector(Connector, Protocol):
    """A channel where the seller approves the hub on the channel's page and is sent back with
    a one-time code (Shopee), instead of typing credentials the hub checks (Tokopedia). The
    protocol grows by these two calls because the seller leaves the hub in between: connecting
    is two requests, not one."""

    def authorization_url(self, credentials: Credentials, redirect_url: str, state: str) -> str:
        """Where to send the seller's browser. The channel comes back with ``code``, ``state``
        and, where it says which shop was chosen, ``shop_id`` in the query: to ``redirect_url``,
        or where the channel's app is registered to send sellers (then the operator registers
        ``redirect_url`` there)."""
        ...

    def complete_authorization(
        self, credentials: Credentials, code: str, shop_id: str
    ) -> Authorization:
        """Trade the one-time code for tokens and read the shop (``shop_id`` may be empty
        where the channel's return does not name it); raise the channel error tree (a spent or
        expired code is a :class:`~satustok.channels.http.errors.AuthError`)."""
        ...


class ChannelAccountLike(Protocol):
    """The fields of a stored integration a connector needs (the Django model has them)."""

    shop_id: str
    app_id: str
    client_id: str


# --- Stock push --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StockPush:
    """Set this listing's stock on the channel to ``quantity`` (an absolute value, so a push
    repeated after a timeout does no harm).

    ``by_location``: for a shop pushed per location (``channels/locations.py``), what each of
    its locations (the channel's warehouse or location id) should show; ``quantity`` is their
    sum. Empty: one quantity. A channel that cannot set stock per location pushes ``quantity``."""

    external_id: str
    quantity: int
    by_location: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PricePush:
    """Set this listing's price on the channel to ``price`` whole rupiah (absolute, so a push
    repeated after a timeout does no harm)."""

    external_id: str
    price: int


@dataclass(frozen=True, slots=True)
class PushOutcome:
    external_id: str
    ok: bool
    message: str = ""  # the channel's own words when it refused the row
    permanent: bool = False  # retrying will not help (e.g. "Invalid Product ID.")


# --- Orders ------------------------------------------------------------------------------


class OrderStatus(models.TextChoices):
    """The hub's words for where an order is, shared by every channel. Each channel maps its
    own status codes onto these in one table and gives every code a *rank*, its place in the
    channel's status order: an order's status only ever moves to a higher rank."""

    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    OPEN = "open", _("New (paid)")
    ACCEPTED = "accepted", _("Accepted")
    READY_TO_SHIP = "ready_to_ship", _("Ready to ship")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Returned")


@dataclass(frozen=True, slots=True)
class ChannelOrderLine:
    external_product_id: str
    sku: str
    name: str
    quantity: int
    price: int  # whole rupiah, per unit


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where the parcel goes, as the channel shows it (masked where the channel masks it: the
    hub stores and shows what it is given, never unmasks)."""

    name: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class PaymentPart:
    """One row of an order's payment breakdown: what the channel calls it and the amount in
    whole rupiah (a discount is negative). ``key`` is the hub's word for the row (``subtotal``,
    ``shipping``, ``discount``, ``insurance``, ``fee``, ``total``), ``label`` the channel's."""

    key: str
    label: str
    amount: int


@dataclass(frozen=True, slots=True)
class ReturnedItem:
    """Part of an order the buyer sent back (a return or refund the channel reports)."""

    external_product_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ChannelOrder:
    """An order as a channel reports it, translated to the hub's unified status set."""

    external_id: str
    channel_status: str  # the channel's own status code, as text ("220")
    status: str  # an OrderStatus value
    status_rank: int  # position in the channel's status order: status only moves forward
    created_at: datetime
    lines: tuple[ChannelOrderLine, ...]
    invoice: str = ""
    buyer_name: str = ""
    total: int = 0
    # Where the buyer ordered, when the channel serves several storefronts (one of its
    # description's ``storefronts``); empty: the channel's own.
    storefront: str = ""
    # The channel already holds the order's stock though it is not paid yet (an unpaid order
    # on a channel that takes stock when the order is placed): the hub reserves it too.
    holds_stock: bool = False
    # The shop's own warehouse (location) the order ships from, as the channel names it (a
    # ``ShopLocation.location_id``); where lines name different ones, the first line's. Empty:
    # the channel did not say. The hub reserves in the hub warehouse mapped to it.
    location_id: str = ""
    # --- fulfilment: what the seller needs to ship the order (all optional: a channel that
    # does not say leaves them empty) ---
    # The channel's deadline for the seller's next step (accept, or ship) in UTC: the SLA the
    # work queue counts down to.
    ship_by: datetime | None = None
    courier: str = ""  # the logistics provider and service, as the channel names them
    tracking_number: str = ""  # the AWB, once the channel has one
    packages: tuple[str, ...] = ()  # the channel's package ids (one label each)
    recipient: Recipient | None = None
    payment: tuple[PaymentPart, ...] = ()
    # The buyer asked to cancel and the seller may approve or refuse.
    cancel_requested: bool = False
    cancel_reason: str = ""  # the channel's words for why it was (or is to be) cancelled
    # What came back, when the status is RETURNED and the channel says which lines (empty: all).
    returned_items: tuple[ReturnedItem, ...] = ()


class UnknownOrderStatus(ValueError):
    """The channel sent a status code its table does not know: nothing is guessed."""

    def __init__(self, code: object) -> None:
        super().__init__(f"unknown order status code {code!r}")
        self.code = code


@dataclass(frozen=True, slots=True)
class StatusChange:
    """An event that only says an order moved, without the whole order."""

    external_id: str
    channel_status: str
    status: str  # an OrderStatus value
    status_rank: int
    holds_stock: bool = False  # as on ChannelOrder: held by the channel while unpaid


class StockCause(models.TextChoices):
    """Why a channel's stock changed without the hub pushing it (what the sync log says)."""

    SELLER_EDIT = "seller_edit", _("seller edit")
    MARKETPLACE_RESTOCK = "restock", _("marketplace restock")
    UNPAID_HOLD = "unpaid_hold", _("unpaid hold")
    SALE = "sale", _("sale")
    CHANNEL_REPORT = "report", _("stock reported by the channel")
    READ_BACK = "read_back", _("read-back")


@dataclass(frozen=True, slots=True)
class StockReport:
    """A channel saying what a listing's stock is now (a product-change webhook). ``quantity``
    is None when the event only says the stock changed: the hub pushes its value again."""

    external_id: str
    quantity: int | None
    cause: str = StockCause.CHANNEL_REPORT  # a StockCause value


@dataclass(frozen=True, slots=True)
class AuthorizationNotice:
    """A channel telling the hub about the seller's approval: it ended (the seller removed the
    hub, so pushes pause until Reconnect), or it ends at ``expires_at`` (a reminder to
    reconnect in time)."""

    ended: bool = False
    expires_at: datetime | None = None
    sent_at: datetime | None = None  # when the channel sent it (a late delivery is told apart)


@dataclass(frozen=True, slots=True)
class WebhookMessage:
    """A verified webhook, parsed: which shop it is about and what it says.

    ``order`` is a whole order, ``change`` a status move; both empty means "record only" (a
    product change, an authorization notice…: stored for the seller to read). A product change
    that says what a listing's stock is now also carries ``stock_reports``: the hub compares
    them with what it pushed and repairs a difference."""

    shop_ids: tuple[str, ...]
    order: ChannelOrder | None = None
    change: StatusChange | None = None
    summary: str = ""
    authorization: AuthorizationNotice | None = None  # applied to the integration, recorded
    stock_reports: tuple[StockReport, ...] = ()

    @property
    def record_only(self) -> bool:
        return self.order is None and self.change is None

    @property
    def external_id(self) -> str:
        if self.order is not None:
            return self.order.external_id
        return self.change.external_id if self.change is not None else ""


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why the seller rejects an order (the channel's reason codes)."""

    reason_code: int
    reason: str = ""
    shop_close_end_date: date | None = None
    shop_close_note: str = ""


@dataclass(frozen=True, slots=True)
class RejectReason:
    code: int
    label: str
    needs_reason: bool = False
    needs_shop_close: bool = False


class ShipMethod(models.TextChoices):
    """How a parcel leaves the seller: a courier collects it (pickup, in a time slot where the
    channel offers slots), the seller takes it to a counter (drop-off), or the seller ships it
    with a courier of their own and types the tracking number (self-ship)."""

    PICKUP = "pickup", _("Pickup")
    DROP_OFF = "drop_off", _("Drop-off")
    SELF_SHIP = "self_ship", _("Own courier (tracking number)")


@dataclass(frozen=True, slots=True)
class PickupSlot:
    """A time the courier can come, as the channel offers it. ``id`` is what the channel wants
    back (Shopee's ``pickup_time_id``; TikTok Shop's start and end, encoded by its package)."""

    id: str
    label: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    @property
    def display(self) -> str:
        """The slot as the seller reads it: in the hub's time zone (WIB) when the channel gave
        its times, else the channel's own words."""
        if self.starts_at is None:
            return self.label
        starts = timezone.localtime(self.starts_at)
        if self.ends_at is None:
            return f"{starts:%d-%m-%Y %H:%M} WIB"
        return f"{starts:%d-%m-%Y %H:%M}–{timezone.localtime(self.ends_at):%H:%M} WIB"


@dataclass(frozen=True, slots=True)
class ShipOption:
    """One way the channel lets this order be shipped now."""

    method: str  # a ShipMethod value
    slots: tuple[PickupSlot, ...] = ()  # pickup only, where the channel offers slots
    needs_tracking_number: bool = False  # self-ship (and drop-off where the channel asks)


@dataclass(frozen=True, slots=True)
class Shipment:
    """The seller's choice: how, and the slot or tracking number it needs."""

    method: str  # a ShipMethod value
    slot_id: str = ""
    tracking_number: str = ""


@dataclass(frozen=True, slots=True)
class Label:
    """A shipping label as the channel serves it: a PDF, or HTML (Tokopedia's). One per
    package; ``content`` is the channel's bytes, unchanged."""

    order_external_id: str
    package_id: str
    media_type: str  # "application/pdf" or "text/html"
    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class SellerActions:
    """What the seller may do to an order at a channel status (the hub adds what it knows of
    the order itself: a cancellation request is answered only when the order has one).
    Rejecting is the seller's cancellation on every channel (Tokopedia's nack, the others'
    cancel calls), with the channel's reason codes."""

    can_accept: bool = False
    can_reject: bool = False
    reject_reasons: tuple[RejectReason, ...] = field(default_factory=tuple)
    # Shipping: arrange it (pickup, drop-off or self-ship, as ``ship_methods`` says), print the
    # label once the channel has one.
    can_arrange_shipment: bool = False
    ship_methods: tuple[str, ...] = ()  # ShipMethod values the channel offers at this status
    can_print_label: bool = False
    # Approve or refuse the buyer's cancellation request (when the order has one).
    can_answer_cancellation: bool = False


class OrderSource(Protocol):
    """One integration's orders on its channel. Building one does no I/O."""

    webhook_events: tuple[str, ...]

    def orders_between(self, since: datetime, until: datetime) -> Iterator[ChannelOrder]: ...

    def order(self, external_id: str) -> ChannelOrder: ...

    def orders(self, external_ids: Sequence[str]) -> list[ChannelOrder]:
        """Whole orders by id, in as few calls as the channel allows (a burst of webhooks that
        do not name the goods is read together); an id the channel does not know, or an order
        with a status the table does not know, is left out."""
        ...

    def accept(self, external_id: str) -> None: ...

    def reject(self, external_id: str, rejection: Rejection) -> None: ...

    def actions(self, channel_status: str) -> SellerActions: ...

    # --- fulfilment. Each raises the channel error tree; a refusal of the channel's (accept
    # on an ineligible order, a second ship call, an expired slot, an invalid tracking
    # number) is an ActionRejected with the channel's own words. The seller's cancellation is
    # ``reject``. ---

    def shipping_options(self, external_id: str) -> tuple[ShipOption, ...]:
        """How this order can be shipped now, with the pickup slots the channel offers."""
        ...

    def arrange_shipment(self, external_id: str, shipment: Shipment) -> None:
        """Arrange pickup or drop-off, or confirm a self-shipped parcel's tracking number."""
        ...

    def labels(self, external_id: str) -> list[Label]:
        """The order's shipping labels, one per package, as the channel serves them."""
        ...

    def answer_cancellation(self, external_id: str, approve: bool) -> None:
        """Approve or refuse the buyer's cancellation request."""
        ...

    def register_webhooks(self, urls: Mapping[str, str], secret: str) -> None: ...

    def verify_webhook(
        self, body: bytes, headers: Mapping[str, str], *, secret: str, url: str
    ) -> bool:
        """Check the signature on the raw body before anything reads it. ``secret`` is the
        webhook secret the hub registered (channels that sign with the app's key ignore it);
        ``url`` is the address the delivery was posted to, as the channel knows it."""
        ...

    def parse_webhook(self, event: str, body: bytes) -> WebhookMessage: ...

    def close(self) -> None: ...
