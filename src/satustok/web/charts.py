"""Charts in a page: a spec built here, drawn by Chart.js in the browser, and the same numbers as
a table behind every chart (for screen readers, for copying, and for a page without scripts).

How to use it (a view and its template)::

    from satustok.web.charts import chart

    sales = chart(
        "sales-by-day",                       # the element id, unique in the page
        title=_("Revenue per day"),           # the caption (canvas label and table caption)
        labels=[date(2026, 12, 1), date(2026, 12, 2)],  # the x axis: dates or text
        series={"Tokopedia": [150_000, 0], "Shopee": [20_000, 75_000]},  # one per line/bar set
        unit="rupiah",                        # or "count"
        kind="bar",                           # or "line"
        stacked=True,                         # bars of one label on top of each other
    )
    return render(request, "…", {"sales_chart": sales})

    {% include "web/_chart.html" with chart=sales_chart %}

The include needs ``web/charts.js`` and Chart.js on the page and writes their ``<script>``
tags itself, once per page (``{% chart_scripts %}``; deferred, from static files: the hub runs
offline, and the Content-Security-Policy allows no inline script), so a page with several
charts simply includes it several times. The spec goes into
the page through ``json_script``; ``charts.js`` draws every ``<canvas data-chart=…>`` from it,
formats Rupiah as ``Rp 150.000`` and dates in the page's language (Bahasa Indonesia or
English), and leaves ``Chart.getChart(canvas)`` to read the drawn data back (the browser
tests do).

Dates are calendar days (already WIB days): they travel as ISO text and are never shifted by a
time zone. The table shows each value formatted (``Rp 150.000``, ``1.234``) and keeps the raw
number in ``data-value`` for tests and scripts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from django.utils import formats

from satustok.web.templatetags.satustok import number, rupiah

Kind = Literal["bar", "line"]
Unit = Literal["rupiah", "count"]
KINDS = ("bar", "line")
UNITS = ("rupiah", "count")

__all__ = ["Chart", "Kind", "Series", "Unit", "chart"]


@dataclass(frozen=True)
class Series:
    """One set of bars or one line: its name in the legend and a value per label."""

    label: str
    values: tuple[int | float, ...]


@dataclass(frozen=True)
class Cell:
    """One number of the table behind a chart: as shown, and as it is."""

    text: str
    value: int | float


@dataclass(frozen=True)
class Row:
    label: str  # the x-axis label as the table shows it
    key: str  # the label as data: an ISO date or the text itself
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Chart:
    """What the ``web/_chart.html`` include draws; build it with :func:`chart`."""

    id: str
    title: str
    kind: Kind
    unit: Unit
    labels: tuple[date | str, ...]
    series: tuple[Series, ...]
    stacked: bool = False
    label_heading: str = ""  # the table's first column heading (e.g. "Day")
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def spec_id(self) -> str:
        """The id of the ``json_script`` element holding :attr:`spec`."""
        return f"{self.id}-spec"

    @property
    def dates(self) -> bool:
        return bool(self.labels) and all(isinstance(label, date) for label in self.labels)

    @property
    def spec(self) -> dict[str, Any]:
        """What ``charts.js`` reads: plain JSON (dates as ISO text)."""
        return {
            "kind": self.kind,
            "unit": self.unit,
            "title": self.title,
            "dates": self.dates,
            "stacked": self.stacked,
            "labels": [_key(label) for label in self.labels],
            "series": [{"label": s.label, "values": list(s.values)} for s in self.series],
            **self.extra,
        }

    @property
    def rows(self) -> list[Row]:
        """The table behind the chart: a row per label, a cell per series."""
        return [
            Row(
                label=_shown_label(label),
                key=_key(label),
                cells=tuple(self._cell(s.values[index]) for s in self.series),
            )
            for index, label in enumerate(self.labels)
        ]

    @property
    def totals(self) -> list[Cell]:
        """Each series summed over the labels (the table's last row)."""
        return [self._cell(sum(s.values)) for s in self.series]

    @property
    def empty(self) -> bool:
        return not any(value for s in self.series for value in s.values)

    def _cell(self, value: int | float) -> Cell:
        shown = rupiah(value) if self.unit == "rupiah" else number(round(value))
        return Cell(shown, value)


def chart(
    chart_id: str,
    *,
    title: str,
    labels: Sequence[date | str],
    series: Mapping[str, Sequence[int | float]],
    unit: Unit = "count",
    kind: Kind = "bar",
    stacked: bool = False,
    label_heading: str = "",
) -> Chart:
    """A chart of ``series`` (name → one value per label) over ``labels``. Every series must
    have a value for every label; a mistake here is the caller's bug, so it raises."""
    if kind not in KINDS or unit not in UNITS:
        raise ValueError(f"unknown chart kind/unit: {kind}/{unit}")
    for name, values in series.items():
        if len(values) != len(labels):
            raise ValueError(f"series {name!r}: {len(values)} values for {len(labels)} labels")
    return Chart(
        id=chart_id,
        title=str(title),
        kind=kind,
        unit=unit,
        labels=tuple(labels),
        series=tuple(Series(str(name), tuple(values)) for name, values in series.items()),
        stacked=stacked,
        label_heading=str(label_heading),
    )


def _key(label: date | str) -> str:
    return label.isoformat() if isinstance(label, date) else str(label)


def _shown_label(label: date | str) -> str:
    """A date as the active language writes it ("7 Des 2026" / "Dec. 7, 2026")."""
    if isinstance(label, date):
        return str(formats.date_format(label, "DATE_FORMAT"))
    return str(label)
