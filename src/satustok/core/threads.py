"""Calls to marketplaces made at the same moment: each is mostly a wait for the other side, so
a few run on a short-lived thread pool while the caller waits for all of them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connections

T = TypeVar("T")


def at_once(calls: Sequence[Callable[[], T]], most: int) -> list[T]:
    """Each call's answer, in order, with at most ``most`` running at once; a lone call runs in
    this thread. A pool thread gives back any database connection it opened (a token renewal
    reads the integration's row), and an exception is raised here as the call raised it."""
    if len(calls) <= 1:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=min(len(calls), most)) as pool:
        return list(pool.map(_closing_connections, calls))


def _closing_connections(call: Callable[[], T]) -> T:
    try:
        return call()
    finally:
        connections.close_all()
