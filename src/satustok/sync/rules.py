"""How much of a SKU's available stock each listing shows, and why, in words a seller checks.

The pusher's desired quantity of a listing is computed here from the master's available stock
(never below 0) through these steps, each written into the explanation:

1. **allocation** — a quantity of the SKU reserved for another integration during a campaign
   (:class:`~satustok.sync.models.Allocation`) is not offered here: available − the other
   integrations' running allocations; the integration holding it sees the whole available;
2. **priority store** — when the SKU's available is at or below a threshold, only the chosen
   integration keeps selling it; the others show 0 until restock
   (:class:`~satustok.sync.models.PriorityStore`, for one SKU or every SKU);
3. the integration's **push rule**, or the listing's own (which replaces it): a **buffer** kept
   back, then a **percentage** of what is left (rounded down), then a **maximum** shown; or a
   **fixed** quantity (never more than what is left);
4. the most the channel can show.

Rounding is always down, so with percentages that add up to at most 100 the integrations
together never show more than is available. The explanation is the computation itself — the
same function returns both — so a pushed value always equals its explanation
("tersedia 40 − cadangan 5 = 35 × 50% = 17").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from satustok.channels.models import ChannelAccount, Listing
from satustok.sync.models import Allocation, PriorityStore, PushRule

__all__ = ["Context", "Explained", "Rule", "explain", "load_context"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A push rule's numbers (None: not set)."""

    percent: int = 100
    buffer: int = 0
    maximum: int | None = None
    fixed: int | None = None

    @classmethod
    def of(cls, row: PushRule | None) -> Rule:
        if row is None:
            return cls()
        return cls(row.percent, row.buffer, row.maximum, row.fixed)

    @property
    def is_plain(self) -> bool:
        return self == Rule()


@dataclass(frozen=True, slots=True)
class Explained:
    """A desired quantity and the steps that made it (each a short phrase, in order)."""

    quantity: int
    steps: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.steps)


@dataclass(frozen=True, slots=True)
class Priority:
    account_id: int
    threshold: int
    account_name: str = ""


@dataclass
class Context:
    """What the rules of one integration need, read once for a batch of listings."""

    account_id: int
    rule: Rule = field(default_factory=Rule)
    listing_rules: dict[int, Rule] = field(default_factory=dict)  # listing id → its own rule
    held_elsewhere: dict[int, int] = field(default_factory=dict)  # variant → others' allocations
    priorities: dict[int | None, Priority] = field(default_factory=dict)  # variant (None: all)

    def rule_for(self, listing_id: int) -> tuple[Rule, bool]:
        """The listing's own rule if it has one (True), else the integration's (False)."""
        own = self.listing_rules.get(listing_id)
        return (own, True) if own is not None else (self.rule, False)

    def priority_for(self, variant_id: int) -> Priority | None:
        return self.priorities.get(variant_id) or self.priorities.get(None)


def explain(
    available: int,
    *,
    rule: Rule = Rule(),
    own_rule: bool = False,
    held_elsewhere: int = 0,
    priority: Priority | None = None,
    account_id: int = 0,
    ceiling: int | None = None,
) -> Explained:
    """The desired quantity of one listing, with the steps that make it."""
    steps = [_("available %(n)d") % {"n": available}]
    left = max(available, 0)
    if available < 0:
        steps.append(_("(oversold) → 0"))
    if held_elsewhere:
        left = max(left - held_elsewhere, 0)
        steps.append(
            _("− allocated elsewhere %(held)d = %(left)d") % {"held": held_elsewhere, "left": left}
        )
    if (
        priority is not None
        and priority.account_id != account_id
        and available <= priority.threshold
    ):
        steps.append(_("≤ %(n)d: only the priority store sells → 0") % {"n": priority.threshold})
        return Explained(0, tuple(steps))
    left = _apply_rule(left, rule, steps, own_rule)
    if ceiling is not None and left > ceiling:
        left = ceiling
        steps.append(_("→ the channel's most %(n)d") % {"n": ceiling})
    return Explained(left, tuple(steps))


def _apply_rule(left: int, rule: Rule, steps: list[str], own_rule: bool) -> int:
    if rule.fixed is not None:
        shown = min(rule.fixed, left)
        fixed = {"fixed": rule.fixed, "shown": shown}
        steps.append(
            (
                _("listing rule: fixed %(fixed)d → %(shown)d")
                if own_rule
                else _("fixed %(fixed)d → %(shown)d")
            )
            % fixed
        )
        return shown
    if rule.buffer:
        left = max(left - rule.buffer, 0)
        steps.append(_("− buffer %(kept)d = %(left)d") % {"kept": rule.buffer, "left": left})
    if rule.percent != 100:
        left = left * rule.percent // 100  # always down: shares never add up to more
        steps.append(_("× %(percent)d%% = %(left)d") % {"percent": rule.percent, "left": left})
    if rule.maximum is not None and left > rule.maximum:
        left = rule.maximum
        steps.append(_("→ at most %(n)d") % {"n": rule.maximum})
    return left


# --- reading what applies ------------------------------------------------------------------


def load_context(
    account: ChannelAccount, listings: Sequence[Listing], now: datetime | None = None
) -> Context:
    """The rules, allocations and priority stores that apply to these listings now (a few
    queries for the whole batch; usually nothing is set and each comes back empty)."""
    now = now or timezone.now()
    variant_ids = {lst.variant_id for lst in listings if lst.variant_id is not None}
    context = Context(account.pk)
    rules = PushRule.objects.filter(
        Q(listing__isnull=True) | Q(listing_id__in=[lst.pk for lst in listings]),
        account=account,
    )
    for row in rules:
        if row.listing_id is None:
            context.rule = Rule.of(row)
        else:
            context.listing_rules[row.listing_id] = Rule.of(row)
    context.held_elsewhere = _held_elsewhere(account.pk, variant_ids, now)
    context.priorities = _priorities(variant_ids)
    return context


def running(now: datetime) -> Q:
    return Q(starts_at__lte=now, ends_at__gt=now)


def _held_elsewhere(account_id: int, variant_ids: Iterable[int], now: datetime) -> dict[int, int]:
    held = (
        Allocation.objects.filter(running(now), variant_id__in=set(variant_ids))
        .exclude(account_id=account_id)
        .values("variant_id")
        .annotate(units=Sum("quantity"))
    )
    return {row["variant_id"]: row["units"] for row in held}


def _priorities(variant_ids: Iterable[int]) -> dict[int | None, Priority]:
    rows = PriorityStore.objects.filter(
        Q(variant__isnull=True) | Q(variant_id__in=set(variant_ids))
    ).select_related("account")
    return {
        row.variant_id: Priority(row.account_id, row.threshold, row.account.shop_name)
        for row in rows
    }
