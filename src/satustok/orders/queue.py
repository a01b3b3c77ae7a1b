"""The order list as a work queue: which orders a seller sees under which filters, how many sit
in each status tab, in which order they are worked, and how long each has left to ship.

Built to stay fast at 100,000 orders (``bench/scenario_orders.py``): no join to the lines on
the list (``Order.item_count`` is the units), shop-level filters (channel, shop) become one
``account_id IN (…)`` over the (account, status) index, the warehouse filter compares the
order's own (indexed) warehouse, the SKU filter is a range over an index rather than ``LIKE``
(SQLite's ``LIKE`` is case-insensitive and skips indexes), and the tab counts are one grouped
query whose figure for the open tab is the paginator's count, so 100,000 rows are never
counted twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satustok.catalog.models import Variant
from satustok.channels.models import ChannelAccount
from satustok.orders.models import Order, OrderLine, OrderStatus
from satustok.orders.status import HOLDING

__all__ = [
    "TABS",
    "TO_SHIP",
    "Countdown",
    "QueueFilters",
    "QueuePaginator",
    "Tab",
    "countdown",
    "queue",
    "tab_counts",
]

LARGEST_ID = 2**63 - 1
TEXT_LIMIT = 120  # no filter value is longer: a longer one is cut, never an error
TO_SHIP = "to_ship"
ALL = "all"


@dataclass(frozen=True)
class Tab:
    key: str
    label: Any  # a lazy translation
    statuses: frozenset[str] | None  # None: every status

    @property
    def sorted_by_deadline(self) -> bool:
        """The seller still has to ship these: the next deadline first."""
        return self.statuses is not None and self.statuses <= HOLDING


TABS: tuple[Tab, ...] = (
    Tab(ALL, gettext_lazy("All"), None),
    Tab(TO_SHIP, gettext_lazy("To ship"), frozenset(HOLDING)),
    *(Tab(value, label, frozenset({value})) for value, label in OrderStatus.choices),
)
_TABS_BY_KEY = {tab.key: tab for tab in TABS}


def _text(raw: object) -> str:
    """A typed value, trimmed, without NUL (PostgreSQL refuses it), of a sane length."""
    return str(raw or "").replace("\x00", "").strip()[:TEXT_LIMIT]


def _id(raw: object) -> int | None:
    text = _text(raw)
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= LARGEST_ID else None


def _day(raw: object) -> date | None:
    try:
        return date.fromisoformat(_text(raw))
    except ValueError:
        return None


@dataclass(frozen=True)
class QueueFilters:
    """What the seller narrowed the queue to (from the query string or the bulk form). Every
    value is parsed leniently: what cannot name anything is dropped, the page still shows."""

    tab: str = ALL
    channel: str = ""
    integration: int | None = None
    warehouse: int | None = None
    courier: str = ""
    date_from: date | None = None  # ordered on or after this WIB day
    date_to: date | None = None  # ordered on or before this WIB day
    sku: str = ""  # channel or master SKU, exact or its beginning
    buyer: str = ""  # part of the buyer's name
    q: str = ""  # order number, invoice or tracking number
    unlinked: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> QueueFilters:
        tab = _text(params.get("tab") or params.get("status") or ALL)
        return cls(
            tab=tab if tab in _TABS_BY_KEY else ALL,
            channel=_text(params.get("channel")),
            integration=_id(params.get("integration")),
            warehouse=_id(params.get("warehouse")),
            courier=_text(params.get("courier")),
            date_from=_day(params.get("date_from")),
            date_to=_day(params.get("date_to")),
            sku=_text(params.get("sku")),
            buyer=_text(params.get("buyer")),
            q=_text(params.get("q")),
            unlinked=bool(_text(params.get("unlinked"))),
        )

    def as_params(self, *, tab: str | None = None) -> dict[str, str]:
        """The filters as query-string values (only those set), e.g. for links and forms."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["tab"] = self.tab if tab is None else tab
        params = {}
        for name, value in values.items():
            if value in (None, "", False) or (name == "tab" and value == ALL):
                continue
            params[name] = "1" if value is True else str(value)
        return params

    def __getitem__(self, name: str) -> str:
        """``filters["integration"]``: a filter as its query-string value ("" when unset)."""
        return self.as_params().get(name, "")

    @property
    def tab_spec(self) -> Tab:
        return _TABS_BY_KEY[self.tab]

    @property
    def narrowed(self) -> bool:
        """Any filter besides the tab."""
        return replace(self, tab=ALL) != QueueFilters()


def _account_ids(filters: QueueFilters) -> list[int] | None:
    """The shops the channel / shop filters leave, or None when none is set."""
    if not (filters.channel or filters.integration):
        return None
    accounts = ChannelAccount.objects.all()
    if filters.channel:
        accounts = accounts.filter(channel=filters.channel)
    if filters.integration:
        accounts = accounts.filter(pk=filters.integration)
    return list(accounts.values_list("pk", flat=True))


def _in_warehouse(warehouse_id: int) -> Q:
    """Orders whose stock moves in the warehouse: their own (a shop location mapped to it, or
    the integration's when they were first seen); a row without one, its integration's."""
    fed = ChannelAccount.objects.filter(warehouse_id=warehouse_id).values("pk")
    return Q(warehouse_id=warehouse_id) | Q(warehouse__isnull=True, account_id__in=fed)


def _prefix(field: str, text: str) -> Q:
    """``field`` equal to ``text`` or beginning with it, as an index range."""
    return Q(**{f"{field}__gte": text, f"{field}__lt": text + "\U0010ffff"})


def _wib_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _with_sku(text: str) -> Q:
    """Orders with a line whose channel SKU or master SKU is ``text`` or begins with it: two
    subqueries, each over an index (an OR across the join would read every line)."""
    by_channel_sku = OrderLine.objects.filter(_prefix("sku", text))
    variants = Variant.objects.filter(_prefix("sku", text))
    by_master_sku = OrderLine.objects.filter(variant__in=variants)
    return Q(pk__in=by_channel_sku.values("order_id")) | Q(pk__in=by_master_sku.values("order_id"))


def _narrowed(filters: QueueFilters) -> QuerySet[Order]:
    """Every filter but the tab."""
    orders = Order.objects.all()
    account_ids = _account_ids(filters)
    if account_ids is not None:
        orders = orders.filter(account_id__in=account_ids)
    if filters.warehouse:
        orders = orders.filter(_in_warehouse(filters.warehouse))
    if filters.courier:
        orders = orders.filter(courier=filters.courier)
    if filters.date_from:
        orders = orders.filter(ordered_at__gte=_wib_midnight(filters.date_from))
    if filters.date_to:
        orders = orders.filter(ordered_at__lt=_wib_midnight(filters.date_to + timedelta(days=1)))
    if filters.sku:
        orders = orders.filter(_with_sku(filters.sku))
    if filters.buyer:
        orders = orders.filter(buyer_name__icontains=filters.buyer)
    if filters.q:
        orders = orders.filter(
            Q(external_id=filters.q)
            | _prefix("invoice", filters.q)
            | _prefix("tracking_number", filters.q)
        )
    if filters.unlinked:
        orders = orders.filter(has_unlinked_lines=True)
    return orders


def tab_counts(filters: QueueFilters) -> dict[str, int]:
    """How many orders each tab holds under the other filters: one grouped query."""
    per_status = dict(
        _narrowed(filters)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        tab.key: sum(
            n for status, n in per_status.items() if tab.statuses is None or status in tab.statuses
        )
        for tab in TABS
    }


def queue(filters: QueueFilters) -> QuerySet[Order]:
    """The orders to show, in the order to work them: where the seller still has to ship,
    the earliest deadline first (an overdue one is earliest of all; no deadline last);
    elsewhere the newest first."""
    orders = _narrowed(filters).select_related("account")
    tab = filters.tab_spec
    if tab.statuses is not None:
        orders = orders.filter(status__in=sorted(tab.statuses))
    if tab.sorted_by_deadline:
        return orders.order_by(F("ship_by").asc(nulls_last=True), "id")
    return orders.order_by("-ordered_at", "-id")


class QueuePaginator(Paginator):  # type: ignore[type-arg]
    """A paginator told the count (the tab count already has it) instead of counting again."""

    def __init__(self, object_list: QuerySet[Order], per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@dataclass(frozen=True)
class Countdown:
    text: str
    overdue: bool
    urgent: bool  # under URGENT_WITHIN left


URGENT_WITHIN = timedelta(hours=6)


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    return _("%(hours)d h %(minutes)d m") % {"hours": hours, "minutes": minutes}


def countdown(order: Order, now: datetime) -> Countdown | None:
    """Time left to the ship-by deadline ("2 h 14 m left", "overdue 3 h 0 m"), computed on
    the server so that no client clock is needed; None when the order has nothing to ship."""
    if order.ship_by is None or order.status not in HOLDING:
        return None
    left = order.ship_by - now
    if left < timedelta(0):
        return Countdown(_("overdue %(time)s") % {"time": _duration(-left)}, True, True)
    return Countdown(_("%(time)s left") % {"time": _duration(left)}, False, left < URGENT_WITHIN)
