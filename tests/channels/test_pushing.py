"""The channel-neutral part of a per-product stock push: grouping, what a failed call means for
its rows and the rows after it, and the per-row outcomes of an answered call."""

from __future__ import annotations

import threading

import pytest

from satustok.channels import pushing
from satustok.channels.http.errors import (
    ChannelError,
    NotAssociated,
    NotFound,
    ServerError,
    TokenExpired,
    ValidationError,
)
from satustok.channels.protocol import PushOutcome, StockPush
from satustok.channels.pushing import (
    Rows,
    group_pushes,
    is_permanent,
    push_groups,
    row_outcomes,
    said,
    split_unit_id,
)

pytestmark = pytest.mark.dbless

PERMANENT = ("deleted", "not found")


def parse(external_id: str) -> tuple[str, str]:
    return split_unit_id(external_id, "test unit id (product:variant)")


def test_a_unit_id_is_two_digit_runs_joined_by_a_colon() -> None:
    assert parse("12:34") == ("12", "34")
    for bad in ("12", "12:", ":34", "a:34", "12:3b", "12-34"):
        with pytest.raises(ValueError, match=r"not a test unit id \(product:variant\)"):
            parse(bad)


def test_rows_are_grouped_by_product_in_order_and_bad_ids_refused_for_good() -> None:
    pushes = [
        StockPush("1:10", 5),
        StockPush("oops", 1),
        StockPush("2:20", 6),
        StockPush("1:11", 7),
    ]
    groups, refused = group_pushes(pushes, parse)
    assert list(groups) == ["1", "2"]
    assert groups["1"] == [("10", pushes[0]), ("11", pushes[3])]
    assert refused == [
        PushOutcome("oops", False, "not a test unit id (product:variant): 'oops'", permanent=True)
    ]


def applied(rows: Rows[str], answer: str) -> list[PushOutcome]:
    return [PushOutcome(push.external_id, True, answer) for _, push in rows]


def groups_of(*external_ids: str) -> dict[str, Rows[str]]:
    groups, _ = group_pushes([StockPush(i, 1) for i in external_ids], parse)
    return groups


def test_an_answered_call_is_read_by_the_channel() -> None:
    outcomes = push_groups(groups_of("1:10", "2:20"), lambda p, rows: f"set {p}", applied, ())
    assert [(o.external_id, o.ok, o.message) for o in outcomes] == [
        ("1:10", True, "set 1"),
        ("2:20", True, "set 2"),
    ]


def test_a_channel_down_fails_this_call_and_every_row_not_sent_yet_for_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pushing, "CALLS_IN_FLIGHT", 1)
    sent: list[str] = []

    def send(product: str, rows: Rows[str]) -> str:
        sent.append(product)
        if product == "2":
            raise ServerError("busy")
        return "ok"

    outcomes = push_groups(groups_of("1:10", "2:20", "3:30", "3:31"), send, applied, PERMANENT)
    assert sent == ["1", "2"]  # nothing after the failure is sent
    assert [(o.external_id, o.ok, o.permanent) for o in outcomes] == [
        ("1:10", True, False),
        ("2:20", False, False),
        ("3:30", False, False),
        ("3:31", False, False),
    ]
    assert outcomes[1].message == "busy"


def test_a_wave_of_calls_is_in_flight_at_once_and_a_channel_down_stops_the_next_waves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two calls a wave: both wait for each other at a barrier, which only calls sent at once
    can pass; the second wave's failure keeps the third wave unsent."""
    monkeypatch.setattr(pushing, "CALLS_IN_FLIGHT", 2)
    together = threading.Barrier(2, timeout=10)
    sent: list[str] = []

    def send(product: str, rows: Rows[str]) -> str:
        sent.append(product)
        if product in {"1", "2"}:
            together.wait()  # raises BrokenBarrierError if the two were sent one after another
        if product == "4":
            raise ServerError("busy")
        return "ok"

    products = groups_of("1:10", "2:20", "3:30", "4:40", "5:50", "6:60")
    outcomes = push_groups(products, send, applied, PERMANENT)
    assert sorted(sent) == ["1", "2", "3", "4"]  # the third wave (5, 6) was not sent
    assert [(o.external_id, o.ok) for o in outcomes] == [
        ("1:10", True), ("2:20", True), ("3:30", True),
        ("4:40", False), ("5:50", False), ("6:60", False),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (NotFound("item gone"), True),
        (ValidationError("the item was deleted"), True),
        (ValidationError("bad request"), False),
    ],
)
def test_a_refused_call_fails_its_rows_and_the_others_go_on(
    error: ChannelError, permanent: bool
) -> None:
    def send(product: str, rows: Rows[str]) -> str:
        if product == "1":
            raise error
        return "ok"

    outcomes = push_groups(groups_of("1:10", "1:11", "2:20"), send, applied, PERMANENT)
    assert [(o.ok, o.permanent) for o in outcomes] == [
        (False, permanent),
        (False, permanent),
        (True, False),
    ]
    assert outcomes[0].message == error.message


@pytest.mark.parametrize("error", [TokenExpired("refused"), NotAssociated("unlinked")])
def test_a_refused_authorization_or_an_unlinked_shop_raises(error: ChannelError) -> None:
    def send(product: str, rows: Rows[str]) -> str:
        raise error

    with pytest.raises(type(error)):
        push_groups(groups_of("1:10"), send, applied, PERMANENT)


def test_rows_of_an_answer_are_refused_unconfirmed_or_applied() -> None:
    rows = groups_of("1:10", "1:11", "1:12")["1"]
    outcomes = row_outcomes(
        rows,
        {"10": "Item Deleted"},
        lambda variant: "no answer" if variant == "11" else None,
        PERMANENT,
    )
    assert outcomes == [
        PushOutcome("1:10", False, "Item Deleted", True),
        PushOutcome("1:11", False, "no answer", False),
        PushOutcome("1:12", True),
    ]


def test_the_words_of_a_refusal() -> None:
    assert is_permanent("Item NOT FOUND in shop", PERMANENT)
    assert not is_permanent("try later", PERMANENT)
    assert said(ValidationError("the channel's words", error_code="E1")) == "the channel's words"
    assert said(ValidationError("", error_code="E1")) == "E1"
    assert said(ValidationError("")) == "ValidationError"
