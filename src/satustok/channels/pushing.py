"""Setting stock one product a call: the part of a connector's ``push_stock`` that is not the
channel's own, for channels whose stock update names one product (item) and its variants.

The pusher hands a connector rows (:class:`~satustok.channels.protocol.StockPush`) and wants one
:class:`~satustok.channels.protocol.PushOutcome` per row back. Such a connector groups the rows
by product, makes one call per product, and reads the channel's answer row by row. What a
failure means is the same on every channel, so it is decided here, once:

- a unit id the channel cannot have made is refused at once, permanently;
- a refused authorization or a shop no longer linked raises: no other row could get through;
- a channel down or throttling after the client's retries fails this call's rows and every row
  not sent yet, to be tried again later (they would meet the same);
- any other refusal of a call fails its rows, permanently when no retry will change it (the
  product is gone, or the channel's words say so);
- a row the channel refused by name fails with its words; a row it did not confirm fails, to be
  tried again.

The call, its answer's shape and the words that mean "permanent" stay the channel's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import TypeVar

from django.utils.translation import gettext as _

from satustok.channels.http.errors import (
    AuthError,
    ChannelError,
    NotAssociated,
    NotFound,
    RetryableError,
)
from satustok.channels.protocol import PricePush, PushOutcome, StockPush
from satustok.core.threads import at_once

P = TypeVar("P")  # a product (item) id: what one call sets
V = TypeVar("V")  # a variant (model, SKU) id within the product
A = TypeVar("A")  # the channel's answer to one call

T = TypeVar("T", StockPush, PricePush)  # what a row sets: stock or price

Pushed = list[tuple[V, T]]  # one call's rows: each variant id and what to set it to
Rows = Pushed[V, StockPush]


def split_unit_id(external_id: str, what: str) -> tuple[str, str]:
    """``"product:variant"`` (both digits) → ``("product", "variant")``: a listing's external id
    where a stock update names both. ValueError naming ``what`` (the channel's unit id and its
    parts) otherwise."""
    product, separator, variant = external_id.partition(":")
    if not separator or not product.isdigit() or not variant.isdigit():
        raise ValueError(f"not a {what}: {external_id!r}")
    return product, variant


def group_pushes(
    pushes: Iterable[T], parse: Callable[[str], tuple[P, V]]
) -> tuple[dict[P, Pushed[V, T]], list[PushOutcome]]:
    """The rows by product, in order, and the outcomes of rows whose unit id ``parse`` refused
    (with ValueError): the channel never made such an id, so no retry can help."""
    groups: dict[P, Pushed[V, T]] = {}
    refused: list[PushOutcome] = []
    for push in pushes:
        try:
            product, variant = parse(push.external_id)
        except ValueError as bad:
            refused.append(PushOutcome(push.external_id, False, str(bad), permanent=True))
            continue
        groups.setdefault(product, []).append((variant, push))
    return groups, refused


# Calls in flight at once, one product each: a round of twenty changed products took twenty
# round trips one after another (0.9 s at 44 ms), and a sell-out's 0 waited behind them. The
# client's rate budget still paces them (``http/ratelimit.py``).
CALLS_IN_FLIGHT = 4


def push_groups(
    groups: Mapping[P, Pushed[V, T]],
    send: Callable[[P, Pushed[V, T]], A],
    outcomes: Callable[[Pushed[V, T], A], list[PushOutcome]],
    permanent_reasons: Sequence[str],
) -> list[PushOutcome]:
    """``send`` each product's rows in waves of :data:`CALLS_IN_FLIGHT` calls at once (the
    products in order, wave after wave), and read each
    answer with ``outcomes``; a call that fails is judged as the module says. After a channel
    down or throttling, no further wave is sent. Raises AuthError and NotAssociated."""
    results: list[PushOutcome] = []
    products = list(groups.items())
    for start in range(0, len(products), CALLS_IN_FLIGHT):
        wave = products[start : start + CALLS_IN_FLIGHT]
        answers = _sent_together(wave, send)
        for (_product, rows), answer in zip(wave, answers, strict=True):
            if isinstance(answer, (AuthError, NotAssociated)):
                raise answer
            if isinstance(answer, RetryableError):
                results += [PushOutcome(push.external_id, False, said(answer)) for _, push in rows]
            elif isinstance(answer, ChannelError):
                results += _refused_call(answer, rows, permanent_reasons)
            else:
                results += outcomes(rows, answer)
        if any(isinstance(answer, RetryableError) for answer in answers):
            left = [push for _, later in products[start + len(wave) :] for _, push in later]
            failed = next(a for a in answers if isinstance(a, RetryableError))
            results += [PushOutcome(push.external_id, False, said(failed)) for push in left]
            break
    return results


def _sent_together(
    wave: list[tuple[P, Pushed[V, T]]], send: Callable[[P, Pushed[V, T]], A]
) -> list[A | ChannelError]:
    """Each product's answer, or the channel's error for it, sending the wave's calls at once."""

    def one(product: P, rows: Pushed[V, T]) -> A | ChannelError:
        try:
            return send(product, rows)
        except ChannelError as error:
            return error

    return at_once([partial(one, product, rows) for product, rows in wave], CALLS_IN_FLIGHT)


def _refused_call(
    error: ChannelError, rows: Pushed[V, T], permanent_reasons: Sequence[str]
) -> list[PushOutcome]:
    """Every row of a call the channel refused as a whole, with its words."""
    permanent = isinstance(error, NotFound) or is_permanent(error.message, permanent_reasons)
    return [PushOutcome(push.external_id, False, said(error), permanent) for _, push in rows]


def row_outcomes(
    rows: Pushed[V, T],
    refused: Mapping[V, str],
    unanswered: Callable[[V], str | None],
    permanent_reasons: Sequence[str],
) -> list[PushOutcome]:
    """One outcome per row of a call the channel answered: a variant in ``refused`` fails with
    the channel's reason (permanently when no retry will change it); one ``unanswered`` gives a
    message for fails with it, to be tried again; the rest were applied."""
    outcomes: list[PushOutcome] = []
    for variant, push in rows:
        if variant in refused:
            reason = refused[variant]
            permanent = is_permanent(reason, permanent_reasons)
            outcomes.append(PushOutcome(push.external_id, False, reason, permanent))
        elif (missing := unanswered(variant)) is not None:
            outcomes.append(PushOutcome(push.external_id, False, missing))
        else:
            outcomes.append(PushOutcome(push.external_id, True))
    return outcomes


def is_permanent(reason: str, permanent_reasons: Sequence[str]) -> bool:
    """Whether the channel's words say no retry will change the refusal (any of the channel's
    ``permanent_reasons``, in lower case, found in them): the listing needs the seller."""
    lowered = reason.lower()
    return any(words in lowered for words in permanent_reasons)


# --- price refusals --------------------------------------------------------------------------

# What a channel's refusal of a price means, whatever the channel's words (each channel's
# ``errors.py`` maps its words onto these): the same price would be refused again, so the
# listing is blocked until the seller changes something, and the message says what.
PRICE_LIMIT = "price_limit"  # below the channel's minimum or above its maximum
PROMOTION = "promotion"  # a promotion runs on the item: the channel locks its price


def price_refusal_message(kind: str) -> str:
    if kind == PROMOTION:
        return _(
            "The channel refuses price changes while a promotion runs on this item. When it "
            "ends, change the price or switch Push price off and on to send it again."
        )
    return _(
        "The channel refuses this price: it is below the channel's minimum or above its "
        "maximum. Change the master price, the rule or the fixed price; the new price goes "
        "out then."
    )


def price_refusals(outcomes: Iterable[PushOutcome], words: Mapping[str, str]) -> list[PushOutcome]:
    """The outcomes of a price push, with every refusal whose channel words (``words``: lower
    case → :data:`PRICE_LIMIT` or :data:`PROMOTION`) name a price refusal made permanent and
    explained to the seller, the channel's own words kept after the explanation."""
    return [_price_refusal(outcome, words) for outcome in outcomes]


def _price_refusal(outcome: PushOutcome, words: Mapping[str, str]) -> PushOutcome:
    if outcome.ok:
        return outcome
    lowered = outcome.message.lower()
    kind = next((kind for found, kind in words.items() if found in lowered), None)
    if kind is None:
        return outcome
    message = f"{price_refusal_message(kind)} ({outcome.message})"
    return PushOutcome(outcome.external_id, False, message[:255], permanent=True)


def said(error: ChannelError) -> str:
    """What the channel said, for the listing's record: its message, else its code, else the
    kind of failure."""
    return error.message or error.error_code or type(error).__name__
