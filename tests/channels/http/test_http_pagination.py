"""Paginators end when they should, resume where asked, and refuse to loop; time windows."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from satustok.channels.http.errors import PaginationLoop
from satustok.channels.http.pagination import (
    CursorPaginator,
    PageNumberPaginator,
    time_windows,
)

pytestmark = pytest.mark.dbless


def walk(paginator: PageNumberPaginator, sizes: list[int]) -> list[int]:
    """The pages requested while the channel answers pages of the given sizes."""
    requested = []
    for size in sizes:
        if paginator.finished:
            break
        requested.append(paginator.current)
        paginator.advance(size, fingerprint=("page", paginator.current))
    return requested


def test_an_empty_page_ends_the_list_and_short_pages_do_not_by_default() -> None:
    paginator = PageNumberPaginator(per_page=50)
    assert walk(paginator, [50, 20, 50, 0, 50]) == [1, 2, 3, 4]
    assert paginator.finished


def test_a_short_page_ends_the_list_when_the_endpoint_says_so() -> None:
    paginator = PageNumberPaginator(per_page=50, end_on_short_page=True)
    assert walk(paginator, [50, 20, 50]) == [1, 2]


def test_paging_resumes_from_the_given_page() -> None:
    paginator = PageNumberPaginator(per_page=10, start=4)
    assert walk(paginator, [10, 10, 0]) == [4, 5, 6]


def test_a_page_repeating_an_earlier_pages_content_raises() -> None:
    paginator = PageNumberPaginator(per_page=2)
    paginator.advance(2, fingerprint=(1, 2))
    paginator.advance(2, fingerprint=(3, 4))
    with pytest.raises(PaginationLoop, match="page 3 repeats the content of page 1"):
        paginator.advance(2, fingerprint=(1, 2))


def test_max_pages_is_a_last_safety_net() -> None:
    paginator = PageNumberPaginator(per_page=1, max_pages=3)
    paginator.advance(1)
    paginator.advance(1)
    with pytest.raises(PaginationLoop):
        paginator.advance(1)


def test_a_cursor_that_comes_back_raises_and_an_empty_cursor_ends() -> None:
    paginator = CursorPaginator()
    paginator.advance("abc")
    paginator.advance("def")
    assert paginator.current == "def"
    with pytest.raises(PaginationLoop):
        paginator.advance("abc")
    finished = CursorPaginator()
    finished.advance("")
    assert finished.finished


def test_seven_days_split_into_three_windows_of_at_most_three_days() -> None:
    end = datetime(2024, 6, 8, 12, tzinfo=UTC)
    start = end - timedelta(days=7)
    windows = list(time_windows(start, end, timedelta(days=3)))
    assert len(windows) == 3
    assert windows[0][0] == start and windows[-1][1] == end
    assert all(upper - lower <= timedelta(days=3) for lower, upper in windows)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))  # no gaps


def test_an_empty_range_has_no_windows_and_naive_times_are_refused() -> None:
    moment = datetime(2024, 6, 8, tzinfo=UTC)
    assert list(time_windows(moment, moment, timedelta(days=3))) == []
    with pytest.raises(ValueError):
        list(time_windows(datetime(2024, 6, 1), datetime(2024, 6, 2), timedelta(days=1)))
