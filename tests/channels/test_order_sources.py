"""What every channel's order source does the same way: status look-ups, leaving out orders of
an unknown status, look-ups by id, headers, and the session built on first use."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from satustok.channels.http.errors import ActionRejected, NotFound
from satustok.channels.order_sources import (
    OnFirstUse,
    SessionOrderSource,
    header,
    known_orders,
    only_order,
    status_change,
    unified,
)
from satustok.channels.protocol import (
    ChannelOrder,
    OrderStatus,
    RejectReason,
    StatusChange,
    UnknownOrderStatus,
)

pytestmark = pytest.mark.dbless

TABLE = {"PAID": (OrderStatus.OPEN, 100), 900: (OrderStatus.CANCELLED, 900)}


def test_a_status_is_looked_up_and_an_unknown_one_refused() -> None:
    assert unified(TABLE, "PAID") == (OrderStatus.OPEN, 100)
    with pytest.raises(UnknownOrderStatus):
        unified(TABLE, "LOST")


def test_a_status_change_is_in_text_whatever_the_channel_s_types() -> None:
    assert status_change(TABLE, 42, 900) == StatusChange("42", "900", "cancelled", 900)


def order(external_id: str, status: str) -> ChannelOrder:
    unified_status, rank = unified(TABLE, status)
    return ChannelOrder(
        external_id, status, unified_status.value, rank, datetime(2025, 1, 1, tzinfo=UTC), ()
    )


def test_an_order_of_an_unknown_status_is_logged_and_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("satustok.channels.somewhere.orders")
    payloads = [("1", "PAID"), ("2", "LOST"), ("3", "PAID")]
    with caplog.at_level(logging.WARNING, logger=log.name):
        found = list(known_orders(payloads, lambda p: order(*p), lambda p: p[0], log))
    assert [o.external_id for o in found] == ["1", "3"]
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        (log.name, "order 2 left out: unknown order status code 'LOST'")
    ]


def test_a_look_up_by_id_that_found_nothing_is_not_found() -> None:
    assert only_order(["first", "second"], "7") == "first"
    with pytest.raises(NotFound, match="order 7 not found"):
        only_order([], "7")


def test_a_header_is_found_whatever_its_case() -> None:
    headers = {"authorization": "sig", "X-Other": "1"}
    assert header(headers, "Authorization") == "sig"
    assert header(headers, "x-other") == "1"
    assert header(headers, "Missing") is None


class Session:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_a_session_is_built_once_on_first_use_and_closed_only_if_built() -> None:
    built: list[Session] = []

    def build() -> Session:
        built.append(Session())
        return built[-1]

    lazy = OnFirstUse(build)
    lazy.close()
    assert built == []
    assert lazy.get() is lazy.get()
    lazy.close()
    assert len(built) == 1 and built[0].closed


class Orders(SessionOrderSource[Session]):
    label = "Somewhere"
    rejectable = frozenset({"PAID"})
    reject_reasons = (RejectReason(1, "Out of stock"),)


def test_an_approval_page_source_has_no_accept_step() -> None:
    source = Orders(account=object(), build=Session)
    with pytest.raises(ActionRejected, match=r"^Somewhere has no accept step: a paid order is"):
        source.accept("1")
    paid, shipped = source.actions("PAID"), source.actions("SHIPPED")
    assert not paid.can_accept and paid.can_reject and paid.reject_reasons == Orders.reject_reasons
    assert not shipped.can_reject
    source.close()  # never built: nothing to close


def test_a_pickup_slot_reads_in_wib_whatever_zone_the_channel_used() -> None:
    from datetime import UTC, datetime

    from satustok.channels.protocol import PickupSlot

    slot = PickupSlot(
        "1",
        "2026-12-08 02:00–05:00 UTC",
        starts_at=datetime(2026, 12, 8, 2, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 8, 5, 0, tzinfo=UTC),
    )
    assert slot.display == "08-12-2026 09:00–12:00 WIB"
    assert PickupSlot("2", "Besok pagi").display == "Besok pagi", "no times: the channel's words"
