"""What the hub needs from any channel, in the hub's own words.

Each channel package (``tokopedia/``, later ``shopee/``…) provides an adapter that turns its
payloads into these plain records; the import and sync engines only ever see these. That is
what lets a new channel be added without touching domain code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


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


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a seller types to connect a shop. ``app_id`` is Tokopedia's FS ID."""

    app_id: str
    client_id: str
    client_secret: str = field(repr=False)


class CatalogSource(Protocol):
    """Reads a connected shop's catalogue, page by page, resumable from any page.

    ``page(n)`` must be safe to call from several threads at once (the import reads a few
    pages ahead to hide the channel's latency); a page past the end has no units."""

    def shop_profile(self) -> ShopProfile: ...

    def page(self, number: int) -> UnitPage: ...

    def unit_pages(self, start_page: int = 1) -> Iterator[UnitPage]: ...

    def close(self) -> None: ...


class Connector(Protocol):
    """One per channel: checks credentials against a shop and reads connected shops."""

    channel: str
    label: str

    def verify(self, credentials: Credentials, shop_id: str) -> ShopProfile:
        """Prove the credentials reach the shop; raise the channel error tree otherwise."""
        ...

    def catalog_source(self, account: ChannelAccountLike) -> CatalogSource: ...

    max_push_batch: int  # rows the channel takes in one stock-update call

    def push_stock(self, account: ChannelAccountLike, pushes: list[StockPush]) -> list[PushOutcome]:
        """Set absolute stock per listing; one outcome per row, in any order."""
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

    def authorization_url(self, credentials: Credentials, redirect_url: str) -> str:
        """Where to send the seller's browser; the channel comes back to ``redirect_url``
        with ``code`` and ``shop_id`` added to its query."""
        ...

    def complete_authorization(
        self, credentials: Credentials, code: str, shop_id: str
    ) -> Authorization:
        """Trade the one-time code for tokens and read the shop; raise the channel error tree
        (a spent or expired code is a :class:`~satustok.channels.http.errors.AuthError`)."""
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
    repeated after a timeout does no harm)."""

    external_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class PushOutcome:
    external_id: str
    ok: bool
    message: str = ""  # the channel's own words when it refused the row
    permanent: bool = False  # retrying will not help (e.g. "Invalid Product ID.")


# --- Orders ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelOrderLine:
    external_product_id: str
    sku: str
    name: str
    quantity: int
    price: int  # whole rupiah, per unit


@dataclass(frozen=True, slots=True)
class ChannelOrder:
    """An order as a channel reports it, translated to the hub's unified status set."""

    external_id: str
    channel_status: str  # the channel's own status code, as text ("220")
    status: str  # one of satustok.orders.models.OrderStatus
    status_rank: int  # position in the channel's status order: status only moves forward
    created_at: datetime
    lines: tuple[ChannelOrderLine, ...]
    invoice: str = ""
    buyer_name: str = ""
    total: int = 0
