"""Values a request names in its query string or form, read once and safely: a page never
fails on what someone typed into its address."""

from __future__ import annotations

from django.http import HttpRequest

LARGEST_ID = 2**63 - 1  # a 64-bit primary key: PostgreSQL refuses more, SQLite overflows


def as_id(raw: object) -> int | None:
    """A primary key as typed: ASCII digits of 1…2^63−1, else None ("²".isdigit() is true, but
    int("²") fails; "-1", "1e3" and 10^30 are no row's id)."""
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= LARGEST_ID else None


def query_text(request: HttpRequest, name: str) -> str:
    """A text filter from the query string, trimmed, without NUL (PostgreSQL refuses it)."""
    return request.GET.get(name, "").replace("\x00", "").strip()
