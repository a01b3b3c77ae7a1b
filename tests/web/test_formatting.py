"""Money in rupiah, times in WIB."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from satustok.web.templatetags.satustok import number, percent, rupiah, wib

pytestmark = pytest.mark.dbless


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (150000, "Rp 150.000"),
        (0, "Rp 0"),
        (1250000.4, "Rp 1.250.000"),
        (999, "Rp 999"),
        (-5000, "-Rp 5.000"),
        (None, "—"),
    ],
)
def test_rupiah(value: float | None, shown: str) -> None:
    assert rupiah(value) == shown


def test_thousands_are_grouped_with_dots() -> None:
    assert number(1234567) == "1.234.567"


def test_times_are_shown_in_wib() -> None:
    # 17:30 UTC is 00:30 the next day in Jakarta (UTC+7).
    assert wib(datetime(2026, 11, 26, 17, 30, tzinfo=UTC)) == "27-11-2026 00:30 WIB"


def test_percent_handles_an_empty_whole() -> None:
    assert (percent(1, 4), percent(3, 0)) == (25, 0)
