"""Paginators and time windows: how a client walks a list that comes in pieces.

A paginator is a small state object (singer_sdk ``pagination.py``): ``current`` is the page
(or token) to request next, ``advance(...)`` moves it after a response, ``finished`` says the
list is done. It raises :class:`PaginationLoop` when a page would be served twice, because a
channel that ignores ``page`` (or hands back the same cursor) would otherwise loop forever.

- :class:`PageNumberPaginator` counts pages. Whether a *short* page ends the list is a
  per-endpoint decision: ending on a short page saves one request, but a channel that drops
  filtered rows after paging (or caps ``per_page`` below what was asked) serves short pages
  in the middle. Page numbers never repeat, so repeats are caught by a *fingerprint* of
  each page's content (e.g. its item ids).
- :class:`CursorPaginator` follows opaque next-page tokens (Shopee ``cursor``, TikTok
  ``page_token``) and refuses a token it has already followed.

:func:`time_windows` splits a long time range into windows a channel accepts (Tokopedia's
order list takes at most 3 days). The caller freezes the upper bound when a run starts so a
run's windows do not move while it pages through them (singer_sdk "signpost").
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from satustok.channels.http.errors import PaginationLoop, require

TokenT = TypeVar("TokenT", bound=Hashable)
T = TypeVar("T")


class BasePaginator(Generic[TokenT]):
    """``current``, ``advance``, ``finished``; refuses to revisit a page token."""

    def __init__(self, start: TokenT) -> None:
        self._current: TokenT = start
        self._finished = False
        self._seen: set[Hashable] = {start}
        self.pages_served = 0

    @property
    def current(self) -> TokenT:
        return self._current

    @property
    def finished(self) -> bool:
        return self._finished

    def _move_to(self, token: TokenT | None) -> None:
        """Go to ``token``, or finish when it is None."""
        self.pages_served += 1
        if token is None:
            self._finished = True
            return
        if token in self._seen:
            raise PaginationLoop(f"page token {token!r} was already served; paging would not end")
        self._seen.add(token)
        self._current = token


class PageNumberPaginator(BasePaginator[int]):
    """Pages numbered from ``start`` (resume by starting past page 1).

    The list ends on an empty page, on a short page when ``end_on_short_page`` is set, or
    after ``max_pages`` pages as a last safety net against a channel that never stops.
    """

    def __init__(
        self,
        *,
        per_page: int,
        start: int = 1,
        end_on_short_page: bool = False,
        max_pages: int = 10_000,
    ) -> None:
        if per_page < 1 or start < 1:
            raise ValueError("per_page and start must be at least 1")
        super().__init__(start)
        self.per_page = per_page
        self.end_on_short_page = end_on_short_page
        self.max_pages = max_pages
        self._fingerprints: dict[Hashable, int] = {}

    def advance(self, item_count: int, fingerprint: Hashable | None = None) -> None:
        """Record the page just served (its size and a fingerprint of its content)."""
        if fingerprint is not None and item_count:
            self._refuse_repeated_content(fingerprint)
        ends = item_count == 0 or (self.end_on_short_page and item_count < self.per_page)
        if not ends and self.pages_served + 1 >= self.max_pages:
            raise PaginationLoop(f"more than {self.max_pages} pages; refusing to page further")
        self._move_to(None if ends else self.current + 1)

    def _refuse_repeated_content(self, fingerprint: Hashable) -> None:
        earlier = self._fingerprints.setdefault(fingerprint, self.current)
        if earlier != self.current:
            raise PaginationLoop(
                f"page {self.current} repeats the content of page {earlier}: the channel seems "
                "to ignore the page parameter"
            )


class CursorPaginator(BasePaginator[str]):
    """Opaque next-page tokens; an empty or missing token ends the list."""

    def __init__(self, start: str = "") -> None:
        super().__init__(start)

    def advance(self, next_token: str | None) -> None:
        self._move_to(next_token or None)


def time_windows(
    start: datetime, end: datetime, size: timedelta
) -> Iterator[tuple[datetime, datetime]]:
    """Consecutive ``(from, to)`` windows of at most ``size`` covering ``[start, end]``.

    Neighbouring windows share their boundary instant, so an item stamped exactly on it is
    found whatever the channel's inclusiveness; callers de-duplicate by id.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("time windows need timezone-aware datetimes")
    if size <= timedelta(0):
        raise ValueError("window size must be positive")
    cursor = start
    while cursor < end:
        upper = min(cursor + size, end)
        yield cursor, upper
        cursor = upper


def aware(moment: datetime) -> datetime:
    """``moment``, refused when naive: a channel reads bounds in its own time zone, so a naive
    one would silently shift the window by hours."""
    require(moment.tzinfo is not None, "order time bounds must be timezone-aware")
    return moment


def unix_seconds(moment: datetime) -> int:
    """Whole Unix seconds of an aware ``moment``, as channels take time bounds."""
    return int(aware(moment).astimezone(UTC).timestamp())


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``size``: what one call of a channel takes."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
