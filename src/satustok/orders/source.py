"""What the orders app needs from a channel, in the hub's words.

A channel's connector hands out an :class:`OrderSource` per integration (``connector.orders
(account)``). It reads orders as :class:`~satustok.channels.protocol.ChannelOrder` records,
acts on them, registers webhook URLs, and verifies and parses the channel's webhooks. The
orders app never imports a channel package: it only sees these records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, cast

from satustok.channels import registry
from satustok.channels.protocol import ChannelOrder


class UnknownOrderStatus(ValueError):
    """The channel sent a status code its table does not know: nothing is guessed."""

    def __init__(self, code: object) -> None:
        super().__init__(f"unknown order status code {code!r}")
        self.code = code


@dataclass(frozen=True, slots=True)
class StatusChange:
    """An event that only says an order moved (Tokopedia's ``order_status``)."""

    external_id: str
    channel_status: str
    status: str  # an OrderStatus value
    status_rank: int


@dataclass(frozen=True, slots=True)
class WebhookMessage:
    """A verified webhook, parsed: which shop it is about and what it says.

    ``order`` is a whole order, ``change`` a status move; both empty means "record only"
    (e.g. Tokopedia's ``product_changes``)."""

    shop_ids: tuple[str, ...]
    order: ChannelOrder | None = None
    change: StatusChange | None = None
    summary: str = ""

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


@dataclass(frozen=True, slots=True)
class SellerActions:
    """What the seller may do to an order at a channel status."""

    can_accept: bool = False
    can_reject: bool = False
    reject_reasons: tuple[RejectReason, ...] = field(default_factory=tuple)


class OrderSource(Protocol):
    """One integration's orders on its channel. Building one does no I/O."""

    webhook_events: tuple[str, ...]

    def orders_between(self, since: datetime, until: datetime) -> Iterator[ChannelOrder]: ...

    def order(self, external_id: str) -> ChannelOrder: ...

    def accept(self, external_id: str) -> None: ...

    def reject(self, external_id: str, rejection: Rejection) -> None: ...

    def actions(self, channel_status: str) -> SellerActions: ...

    def register_webhooks(self, urls: Mapping[str, str], secret: str) -> None: ...

    def verify_webhook(self, body: bytes, headers: Mapping[str, str], secret: str) -> bool: ...

    def parse_webhook(self, event: str, body: bytes) -> WebhookMessage: ...

    def close(self) -> None: ...


class _HasOrders(Protocol):
    def orders(self, account: object, *, interactive: bool = False) -> OrderSource: ...


def order_source(account: object, *, interactive: bool = False) -> OrderSource:
    """The order source of an integration, from its channel's connector. ``interactive``
    shortens retries: a seller waiting on a page wants an answer within seconds."""
    connector = registry.connector(account.channel)  # type: ignore[attr-defined]
    return cast(_HasOrders, connector).orders(account, interactive=interactive)
