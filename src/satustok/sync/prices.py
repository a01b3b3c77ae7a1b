"""The price pusher: converge every listing of an integration to the price it should have.

The same level-triggered engine as stock (``sync/pusher.py``), on columns of its own (the
:data:`PRICE` track), so a stock push and a price push never wait for, or clear, each other:
a change marks the listings it touches (``price_needs_push``, ``price_dirty_version`` + 1); the
pusher of one integration claims the marked listings, computes what each should cost *now*,
sends only what differs from the price last pushed, records every row in the sync log, and
clears a listing only if nothing marked it again meanwhile. A refusal no retry can change
(below the channel's minimum, a promotion running) blocks the listing until the seller changes
something; a timeout or a 429 retries with the stock pusher's backoff.

What a listing should cost (:func:`desired_price`): its own fixed price, else the master price
× (100 + markup) % of its integration, rounded to the nearest rupiah step the seller chose. A
listing whose master has no price is never pushed a price.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from satustok.catalog.models import Variant
from satustok.channels import registry
from satustok.channels.models import (
    MAX_MARKUP,
    MIN_MARKUP,
    PRICE_STEPS,
    ChannelAccount,
    Health,
    Listing,
)
from satustok.channels.protocol import PricePush
from satustok.core import activity
from satustok.sync.models import PushKind
from satustok.sync.pusher import (
    MARK_CHUNK,
    PushBusy,
    PushPaused,
    PushSummary,
    Track,
    call_channel,
    clear,
    release_lease,
    settle,
    switch_push,
    take_lease,
)

log = logging.getLogger(__name__)

PRICE = Track(
    PushKind.PRICE, "price_needs_push", "price_dirty_version", "price_push_blocked",
    "price_push_error", "price_retry_at", "price_failures", "last_pushed_price",
    "last_price_pushed_at", "price_lease_until",
)  # fmt: skip

CLAIM_LIMIT = 1000
MAX_ROUNDS = 100  # a listing re-marked faster than it can be pushed is left to the next nudge
MAX_PRICE = 10_000_000_000  # Rp 10 billion: above every channel's maximum, a typo's guard
STEPS = tuple(step for step, _label in PRICE_STEPS)


# --- the price a listing should have ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceRule:
    """An integration's price rule: markup in percent (may be negative) and the rupiah step."""

    markup: Decimal = Decimal(0)
    step: int = 1

    @classmethod
    def of(cls, account: ChannelAccount) -> PriceRule:
        return cls(Decimal(account.price_markup), int(account.price_step))


@dataclass(frozen=True, slots=True)
class DesiredPrice:
    """The price to push (None: none) and how it was computed, in the seller's words."""

    price: int | None
    text: str


def rupiah(value: int | Decimal) -> str:
    """``Rp 110.000`` (Indonesian grouping); a fraction keeps two decimals: ``Rp 1.234,50``."""
    if value == int(value):
        return "Rp " + f"{int(value):,}".replace(",", ".")
    whole, cents = f"{Decimal(value):,.2f}".split(".")
    return "Rp " + whole.replace(",", ".") + "," + cents


def round_to_step(raw: Decimal, step: int) -> int:
    """The nearest multiple of ``step`` (halves up), and never below one step: a markup's
    whole point is to cover the channel's fees, and rounding down would eat into them on
    every price, while the nearest step is as often above as below. A price of 0 is not a
    price: the smallest result is one step."""
    steps = (raw / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(int(steps), 1) * step


def desired_price(master: int | None, rule: PriceRule, fixed: int | None = None) -> DesiredPrice:
    """What a listing should cost: its ``fixed`` price, else ``master`` × (100 + markup) %
    rounded to the rule's step; None without a master price (nothing is pushed). The
    explanation's last number is always the price pushed."""
    if master is None or master <= 0:
        return DesiredPrice(None, _("no master price: nothing pushed"))
    if fixed is not None:
        return DesiredPrice(fixed, _("fixed price %(price)s") % {"price": rupiah(fixed)})
    percent = Decimal(100) + rule.markup
    raw = Decimal(master) * percent / 100
    price = round_to_step(raw, rule.step)
    text = _("master %(master)s × %(percent)s%% = %(raw)s") % {
        "master": rupiah(master),
        "percent": _percent(percent),
        "raw": rupiah(raw),
    }
    if price != raw or rule.step > 1:
        text += " → " + _("rounded to %(price)s") % {"price": rupiah(price)}
    return DesiredPrice(price, text)


def _percent(value: Decimal) -> str:
    """``110``, ``112,5`` (no trailing zeros, Indonesian decimal comma)."""
    return f"{value.normalize():f}".replace(".", ",")


# --- marking ---------------------------------------------------------------------------------


def _mark(listings: QuerySet[Listing]) -> None:
    """Mark for a price push, and lift any refusal: something the seller changed may make
    the channel take the price now (a new master price above the minimum, a promotion over)."""
    listings.update(
        price_needs_push=True,
        price_dirty_version=F("price_dirty_version") + 1,
        price_push_blocked=False,
        price_push_error="",
    )


def mark_listing_prices(listings: QuerySet[Listing]) -> None:
    """Mark these listings (just linked) for a price push; the sweep pushes them."""
    _mark(listings.filter(variant__isnull=False))


def mark_prices_dirty(variant_ids: Sequence[int]) -> set[int]:
    """Mark every linked listing of these variants for a price push (after a master price
    edit); returns the integrations pushing prices, to nudge
    (``tasks.nudge_prices_after_commit``)."""
    accounts: set[int] = set()
    for start in range(0, len(variant_ids), MARK_CHUNK):
        found = Listing.objects.filter(variant_id__in=variant_ids[start : start + MARK_CHUNK])
        accounts.update(
            found.filter(account__push_price=True).values_list("account_id", flat=True).distinct()
        )
        _mark(found)
    return accounts


def mark_account_prices_dirty(account: ChannelAccount) -> None:
    """Every linked listing with a master price (the rule changed, or pushing was switched on)."""
    _mark(account.listings.filter(variant__isnull=False, variant__price__isnull=False))


# --- the seller's settings ---------------------------------------------------------------------


class PriceRuleInvalid(ValueError):
    """A markup, step or fixed price the hub cannot use; the message says why, to the seller."""


def set_push_price(account: ChannelAccount, enabled: bool) -> None:
    """Switch price pushing on or off. Switching on pushes every linked listing with a master
    price once. A moved integration is refused, as for stock."""
    switch_push(
        account,
        "push_price",
        enabled,
        moved=_("This shop moved to %(other)s, which pushes its prices now."),
        action=activity.Action.INTEGRATION_SETTINGS,
        when_on=_price_every_listing,
    )


def _price_every_listing(account: ChannelAccount) -> None:
    mark_account_prices_dirty(account)
    _nudge_after_commit(account.pk)


def parse_markup(value: object) -> Decimal:
    """A markup in percent from a form or JSON: a number from -90 to 1000, two decimals."""
    try:
        markup = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise PriceRuleInvalid(_("The markup must be a number, e.g. 10 or 12.5.")) from None
    if not markup.is_finite() or not MIN_MARKUP <= markup <= MAX_MARKUP:
        raise PriceRuleInvalid(
            _("The markup must be from %(low)s%% to %(high)s%%.")
            % {"low": MIN_MARKUP, "high": MAX_MARKUP}
        )
    if markup != markup.quantize(Decimal("0.01")):
        raise PriceRuleInvalid(_("The markup may have at most two decimals."))
    return markup


def parse_step(value: object) -> int:
    try:
        step = int(str(value).strip())
    except ValueError:
        step = 0
    if step not in STEPS:
        raise PriceRuleInvalid(
            _("Round to one of: %(steps)s.") % {"steps": ", ".join(rupiah(s) for s in STEPS)}
        )
    return step


def set_price_rule(account: ChannelAccount, markup: object, step: object) -> None:
    """Change the integration's price rule (validated: :class:`PriceRuleInvalid`); every
    linked listing with a master price is pushed again when pushing is on."""
    new_markup, new_step = parse_markup(markup), parse_step(step)
    with transaction.atomic():
        before = {"price_markup": str(account.price_markup), "price_step": account.price_step}
        ChannelAccount.objects.filter(pk=account.pk).update(
            price_markup=new_markup, price_step=new_step
        )
        account.price_markup, account.price_step = new_markup, new_step
        activity.record(
            None,
            activity.Action.INTEGRATION_SETTINGS,
            account,
            before=before,
            after={"price_markup": str(new_markup), "price_step": new_step},
        )
        mark_account_prices_dirty(account)
        if account.push_price:
            _nudge_after_commit(account.pk)


def parse_fixed_price(value: object) -> int | None:
    """A fixed price in whole rupiah ("150000", "150.000", "Rp 150.000"); empty: none."""
    text = str(value or "").strip().removeprefix("Rp").strip().replace(".", "")
    if not text:
        return None
    whole = text.isascii() and text.isdecimal() and len(text) <= len(str(MAX_PRICE))
    if not whole or not 1 <= int(text) <= MAX_PRICE:
        raise PriceRuleInvalid(
            _("A fixed price is whole rupiah from Rp 1 to %(most)s, e.g. 150000.")
            % {"most": rupiah(MAX_PRICE)}
        )
    return int(text)


def set_fixed_price(listing: Listing, value: object) -> None:
    """Give one listing its own price (or take it away: empty), replacing the rule for it."""
    fixed = parse_fixed_price(value)
    with transaction.atomic():
        before = listing.fixed_price
        Listing.objects.filter(pk=listing.pk).update(fixed_price=fixed)
        listing.fixed_price = fixed
        activity.record(
            None,
            activity.Action.INTEGRATION_SETTINGS,
            listing.account,
            before={"listing": listing.external_id, "fixed_price": before},
            after={"listing": listing.external_id, "fixed_price": fixed},
        )
        _mark(Listing.objects.filter(pk=listing.pk))
        if listing.account.push_price:
            _nudge_after_commit(listing.account_id)


def _nudge_after_commit(account_id: int) -> None:
    from satustok.sync import tasks  # tasks imports this module

    tasks.nudge_prices_after_commit({account_id})


# --- pushing ---------------------------------------------------------------------------------


def push_prices(account_id: int) -> PushSummary:
    """Push until no price due is left marked. Safe to run twice: the second finds nothing.
    Raises :class:`~satustok.sync.pusher.PushBusy` when another worker pushes this
    integration's prices."""
    summary = PushSummary()
    account = ChannelAccount.objects.get(pk=account_id)
    if not account.push_price or account.health == Health.NEEDS_RECONNECT:
        return summary  # paused: the listings stay marked and go out after Reconnect
    if account.moved_to_id is not None:
        return summary  # the integration the shop moved to sets its prices now
    if not take_lease(account_id, track=PRICE):
        raise PushBusy(account_id)
    try:
        for _round in range(MAX_ROUNDS):
            claimed = _claim(account)
            if not claimed:
                break
            _push_round(account, claimed, summary)
            take_lease(account_id, renew=True, track=PRICE)
    except PushPaused:
        log.warning("price push to integration %s paused: reconnect needed", account_id)
    finally:
        release_lease(account_id, PRICE)
    return summary


CLAIMED_FIELDS = (
    "id", "account_id", "external_id", "variant_id", "fixed_price", "last_pushed_price",
    "price_dirty_version", "price_failures",
)  # fmt: skip


def _claim(account: ChannelAccount) -> list[Listing]:
    due = Q(price_retry_at__isnull=True) | Q(price_retry_at__lte=timezone.now())
    return list(
        account.listings.filter(
            due, price_needs_push=True, price_push_blocked=False, variant__isnull=False
        )
        .order_by("id")
        .only(*CLAIMED_FIELDS)[:CLAIM_LIMIT]
    )


def desired_prices(account: ChannelAccount, listings: Sequence[Listing]) -> dict[int, DesiredPrice]:
    """What each listing should cost now (one query for the master prices)."""
    variant_ids = [lst.variant_id for lst in listings]
    masters = dict(Variant.objects.filter(pk__in=variant_ids).values_list("pk", "price"))
    rule = PriceRule.of(account)
    return {
        lst.pk: desired_price(masters.get(lst.variant_id or 0), rule, lst.fixed_price)
        for lst in listings
    }


def _push_round(account: ChannelAccount, claimed: list[Listing], summary: PushSummary) -> None:
    desired = desired_prices(account, claimed)
    to_send = [
        lst
        for lst in claimed
        if desired[lst.pk].price is not None and desired[lst.pk].price != lst.last_pushed_price
    ]
    sending = {lst.pk for lst in to_send}
    with transaction.atomic():  # no price, or the price the channel already has
        clear([lst for lst in claimed if lst.pk not in sending], PRICE)
    summary.unchanged += len(claimed) - len(to_send)
    if not to_send:
        return
    pushes = [PricePush(lst.external_id, desired[lst.pk].price or 0) for lst in to_send]
    connector = registry.connector(account.channel)
    summary.sent += len(pushes)
    outcomes = call_channel(account, lambda: connector.push_prices(account, pushes), pushes)
    pushed = {lst.pk: (desired[lst.pk].price or 0, desired[lst.pk].text) for lst in to_send}
    settle(account, to_send, pushed, outcomes, summary, PRICE)


def accounts_due() -> list[int]:
    """Integrations with a price due to push (what the minute sweep nudges)."""
    due = Q(price_retry_at__isnull=True) | Q(price_retry_at__lte=timezone.now())
    return list(
        Listing.objects.filter(
            due,
            price_needs_push=True,
            price_push_blocked=False,
            variant__isnull=False,
            account__push_price=True,
            account__moved_to__isnull=True,
        )
        .exclude(account__health=Health.NEEDS_RECONNECT)
        .values_list("account_id", flat=True)
        .distinct()
    )
