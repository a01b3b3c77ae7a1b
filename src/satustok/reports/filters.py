"""The filters of every report, read once from what a seller typed (a form, an address, an API
query) and checked: a report never runs on a date that is not a date, a range of ten years or a
shop that does not exist. Whatever is wrong is said in words, one message per field, so the
page shows the form again with the reason instead of failing.

One :class:`Filters` serves all reports; each report names the fields its form shows
(``Report.fields``) and ignores the rest. The raw values are kept too (:attr:`Filters.raw`):
a background export stores them and reads them again in the worker, with the same checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from satustok.catalog.models import Variant
from satustok.catalog.sku import sku_key
from satustok.channels.models import ChannelAccount
from satustok.core.spreadsheet import WIB
from satustok.inventory.access import allowed_warehouse_ids
from satustok.inventory.models import MovementReason, Warehouse
from satustok.sync.models import PushResult

DEFAULT_DAYS = 30  # a report without dates covers the last 30 days, today included
MAX_DAYS = 2 * 366  # a range of at most two years: a day is at most a few hundred rows
EARLIEST = date(2000, 1, 1)
DAY, WEEK, MONTH = "day", "week", "month"
PERIODS = (DAY, WEEK, MONTH)
UNITS, REVENUE = "units", "revenue"
RANKINGS = (UNITS, REVENUE)
DEFAULT_LIMIT, MAX_LIMIT = 50, 1000
HUB_USER = "-"  # the ledger's "who": the hub itself (orders, imports, the command line)
FIELDS = ("start", "end", "period", "shop", "warehouse", "sku", "reason", "user", "result")
FIELDS_WITH_NUMBERS = ("limit", "by")
KNOWN_FIELDS = FIELDS + FIELDS_WITH_NUMBERS


class FilterError(ValueError):
    """Some filters were wrong: ``problems`` maps a field to what is wrong with it, in words."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # included
    period: str = DAY
    shop: ChannelAccount | None = None
    warehouse: Warehouse | None = None
    variant: Variant | None = None  # the ledger's SKU
    reason: str = ""
    user_id: int | None = None
    hub_only: bool = False  # the ledger's rows no person made
    result: str = ""  # push failures: "failed", "retry" or both ("")
    limit: int = DEFAULT_LIMIT
    by: str = UNITS
    # The warehouses the seller works in (None: all); stock and ledger reports keep to them.
    warehouses: frozenset[int] | None = None
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def since(self) -> datetime:
        """The first moment of ``start`` in WIB."""
        return datetime.combine(self.start, time.min, tzinfo=WIB)

    @property
    def until(self) -> datetime:
        """The first moment after ``end`` in WIB (excluded)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=WIB)


def today() -> date:
    return timezone.localdate(timezone.now(), WIB)


def parse(
    query: Mapping[str, Any], fields: tuple[str, ...] = KNOWN_FIELDS, user: Any = None
) -> Filters:
    """``query`` read into :class:`Filters`; only ``fields`` are read. Raises
    :class:`FilterError` with every problem at once."""
    raw = {name: clean_text(query.get(name)) for name in fields if clean_text(query.get(name))}
    reader = _Reader(raw)
    start, end = reader.dates()
    values: dict[str, Any] = {
        "period": reader.choice("period", PERIODS, DAY, _("Choose day, week or month.")),
        "shop": reader.shop(),
        "warehouse": reader.warehouse(),
        "variant": reader.variant(),
        "reason": reader.choice("reason", tuple(MovementReason.values), "", _("Unknown reason.")),
        "result": reader.choice("result", _FAILED_RESULTS, "", _("Choose refused or will retry.")),
        "limit": reader.limit(),
        "by": reader.choice("by", RANKINGS, UNITS, _("Rank by units or by revenue.")),
        **reader.person(),
    }
    if reader.problems:
        raise FilterError(reader.problems)
    warehouses = allowed_warehouse_ids(user)
    return Filters(start=start, end=end, warehouses=warehouses, raw=raw, **values)


_FAILED_RESULTS = (PushResult.FAILED.value, PushResult.RETRY.value)


def clean_text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace("\x00", "").strip()[:200]


class _Reader:
    """Reads one field at a time, collecting what is wrong instead of stopping at the first."""

    def __init__(self, raw: dict[str, str]) -> None:
        self.raw = raw
        self.problems: dict[str, str] = {}

    def dates(self) -> tuple[date, date]:
        end = self._date("end") or today()
        start = self._date("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if "start" in self.problems or "end" in self.problems:
            return start, end
        if start > end:
            self.problems["end"] = _("The end date comes before the start date.")
        elif (end - start).days + 1 > MAX_DAYS:
            self.problems["end"] = _("A report covers at most two years: choose a shorter range.")
        return start, end

    def _date(self, name: str) -> date | None:
        text = self.raw.get(name, "")
        if not text:
            return None
        try:
            value = date.fromisoformat(text)
        except ValueError:
            self.problems[name] = _(
                "“%(value)s” is not a date (year-month-day, e.g. 2026-12-31)."
            ) % {"value": text}
            return None
        if not EARLIEST <= value <= date(2100, 12, 31):
            self.problems[name] = _("Choose a date between 2000 and 2100.")
            return None
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: str, problem: str) -> str:
        text = self.raw.get(name, "")
        if not text:
            return default
        if text not in allowed:
            self.problems[name] = problem
            return default
        return text

    def shop(self) -> ChannelAccount | None:
        return self._row("shop", ChannelAccount, _("No such shop."))

    def warehouse(self) -> Warehouse | None:
        return self._row("warehouse", Warehouse, _("No such warehouse."))

    def _row(self, name: str, model: Any, problem: str) -> Any:
        text = self.raw.get(name, "")
        if not text:
            return None
        found = model.objects.filter(pk=int(text)).first() if _is_id(text) else None
        if found is None:
            self.problems[name] = problem
        return found

    def variant(self) -> Variant | None:
        text = self.raw.get("sku", "")
        if not text:
            return None
        found = Variant.objects.filter(sku_key=sku_key(text)).first()
        if found is None:
            self.problems["sku"] = _("No master SKU “%(sku)s”.") % {"sku": text}
        return found

    def person(self) -> dict[str, Any]:
        text = self.raw.get("user", "")
        if not text:
            return {}
        if text == HUB_USER:
            return {"hub_only": True}
        found = get_user_model().objects.filter(username=text).first()
        if found is None:
            self.problems["user"] = _("No user “%(user)s”.") % {"user": text}
            return {}
        return {"user_id": found.pk}

    def limit(self) -> int:
        text = self.raw.get("limit", "")
        if not text:
            return DEFAULT_LIMIT
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
            self.problems["limit"] = _("Show from 1 to %(most)s rows.") % {"most": MAX_LIMIT}
            return DEFAULT_LIMIT
        return int(text)


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and 0 < int(text) < 2**63
