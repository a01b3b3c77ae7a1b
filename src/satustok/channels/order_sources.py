"""What every channel's order source (:class:`~satustok.channels.protocol.OrderSource`) does
the same way, whatever the channel's statuses, payloads and calls.

- A status table (``{channel status: (OrderStatus, rank)}``) is the channel's; looking a status
  up in it — and refusing one it does not know rather than guessing — is :func:`unified`.
- Reading orders in bulk, an order whose status the table does not know is logged and left out
  (:func:`known_orders`): one odd order must not stop the others.
- Channels whose seller approves the hub on the channel's page share the shape of their source
  (:class:`SessionOrderSource`): a session built on first use, no accept step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

from satustok.channels.http.errors import ActionRejected, NotFound
from satustok.channels.protocol import (
    ChannelOrder,
    OrderStatus,
    RejectReason,
    SellerActions,
    StatusChange,
    UnknownOrderStatus,
)

K = TypeVar("K", bound=Hashable)  # a channel's status: a code or a word
P = TypeVar("P")  # a channel's order payload


class Closable(Protocol):
    def close(self) -> None: ...


S = TypeVar("S", bound=Closable)  # a channel's session (or client) for one integration


def unified(table: Mapping[K, tuple[OrderStatus, int]], status: K) -> tuple[OrderStatus, int]:
    """The unified status and rank of a channel status; :class:`UnknownOrderStatus` for one the
    table does not know (nothing is guessed)."""
    try:
        return table[status]
    except KeyError:
        raise UnknownOrderStatus(status) from None


def status_change(
    table: Mapping[K, tuple[OrderStatus, int]],
    external_id: object,
    status: K,
    holds_unpaid: frozenset[K] = frozenset(),
) -> StatusChange:
    """An event that only says the order ``external_id`` moved to ``status``; the channel's
    ``holds_unpaid`` are its unpaid statuses in which it already holds the order's stock."""
    unified_status, rank = unified(table, status)
    held = status in holds_unpaid
    return StatusChange(str(external_id), str(status), unified_status.value, rank, held)


def known_orders(
    payloads: Iterable[P],
    mapped: Callable[[P], ChannelOrder],
    external_id: Callable[[P], object],
    log: logging.Logger,
) -> Iterator[ChannelOrder]:
    """Each payload as a :class:`ChannelOrder`; one with a status the table does not know is
    logged on ``log`` (the channel's own logger) and left out: it must not stop the others."""
    for payload in payloads:
        try:
            yield mapped(payload)
        except UnknownOrderStatus as unknown:
            log.warning("order %s left out: %s", external_id(payload), unknown)


def only_order(found: Sequence[P], external_id: str) -> P:
    """The order a look-up by id found: channels leave unknown ids out of the answer rather
    than refuse them, so an empty answer is :class:`NotFound`."""
    if not found:
        raise NotFound(f"order {external_id} not found", endpoint="order_detail")
    return found[0]


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A request header by name, whatever its case (a proxy or the test client may change it)."""
    found = headers.get(name)
    if found is not None:
        return found
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


class OnFirstUse(Generic[S]):
    """An order source's session (or client), built on first use and closed only if it was
    built: building one may read the database or open a pool, and most of what a source is
    asked — checking a webhook, which actions an order allows — needs none."""

    def __init__(self, build: Callable[[], S]) -> None:
        self._build = build
        self._built: S | None = None

    def get(self) -> S:
        if self._built is None:
            self._built = self._build()
        return self._built

    def close(self) -> None:
        if self._built is not None:
            self._built.close()


class SessionOrderSource(Generic[S]):
    """The channel-neutral part of an order source for a channel whose seller approves the hub
    on the channel's page: one integration (``account``) and its session, built on first use
    (checking a webhook's signature needs no connection, only the app's key). Such channels
    have no accept step: a paid order is worked as it is.

    A channel's source sets ``label`` (in the refusal of an accept), ``rejectable`` (its
    statuses an order can be rejected at) and ``reject_reasons``, and adds its calls."""

    label: str
    rejectable: frozenset[str]
    reject_reasons: tuple[RejectReason, ...]

    def __init__(self, account: Any, build: Callable[[], S]) -> None:
        self.account = account
        self._session = OnFirstUse(build)

    @property
    def session(self) -> S:
        return self._session.get()

    def close(self) -> None:
        self._session.close()

    def accept(self, external_id: str) -> None:
        # actions() never offers it; a caller that asks anyway learns why.
        raise ActionRejected(
            f"{self.label} has no accept step: a paid order is ready for shipping as it is",
            endpoint="order_accept",
        )

    def actions(self, channel_status: str) -> SellerActions:
        return SellerActions(
            can_accept=False,
            can_reject=channel_status in self.rejectable,
            reject_reasons=self.reject_reasons,
        )
