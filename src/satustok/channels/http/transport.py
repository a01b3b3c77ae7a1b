"""One HTTP exchange, as every channel client makes it: explicit timeouts, one TLS context per
process, and httpx's transport failures turned into the error tree.

A client keeps what is its own — base URLs, signing or tokens, the error table for answers that
did arrive — and hands the wire to :func:`send`. What comes back is an ``httpx.Response``
whatever its status; what does not (refused, reset, timed out) raises a
:class:`~satustok.channels.http.errors.TransportError` or
:class:`~satustok.channels.http.errors.Timeout` that says whether the request may have reached
the channel (``ambiguous``), so the retry loop knows whether a non-idempotent call may be
repeated.
"""

from __future__ import annotations

import functools
import logging
import ssl
import time
from typing import Any, Protocol

import httpx

from satustok.channels.http.errors import ChannelError, Timeout, TransportError

# Explicit, always: a read may be slow on big pages; connecting or waiting for a pooled
# connection should not be.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0, pool=10.0)
# A token renewal holds the integration's row lock while it waits: it must answer fast.
RENEWAL_TIMEOUT = httpx.Timeout(10.0, connect=5.0, pool=5.0)

# (exception type, our error, ambiguous?) — first match wins, so subclasses come first.
# A connect failure or pool wait never reached the channel: safe to repeat any call.
TRANSPORT_FAILURES: tuple[tuple[type[httpx.TransportError], type[TransportError], bool], ...] = (
    (httpx.ConnectTimeout, Timeout, False),
    (httpx.PoolTimeout, Timeout, False),
    (httpx.TimeoutException, Timeout, True),
    (httpx.ConnectError, TransportError, False),
    (httpx.TransportError, TransportError, True),
)


class Endpoint(Protocol):
    """What the kit needs of a channel's endpoint: its budget group, method and path."""

    @property
    def group(self) -> str: ...

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every client of the process: building one costs ~24 ms of CPU (it
    loads the CA bundle), and the hub builds a client per push and per import."""
    return ssl.create_default_context()


def connection_pool(
    user_agent: str,
    *,
    timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A connection pool for one channel client (or one session of clients)."""
    return httpx.Client(
        transport=transport,
        timeout=timeout,
        headers={"User-Agent": user_agent},
        verify=tls_context(),
    )


def send(
    http: httpx.Client,
    endpoint: Endpoint,
    url: str,
    log: logging.Logger,
    **options: Any,
) -> httpx.Response:
    """One HTTP exchange; httpx's transport errors become ours (ambiguous or not).

    Logged on ``log`` (the client's own logger) by method and group only: a URL may carry a
    token or a signature."""
    started = time.perf_counter()
    try:
        response = http.request(endpoint.method, url, **options)
    except httpx.TransportError as failure:
        raise transport_error(endpoint, failure) from failure
    elapsed_ms = (time.perf_counter() - started) * 1000
    log.debug(
        "%s %s → %s in %.0f ms",
        endpoint.method,
        endpoint.group,
        response.status_code,
        elapsed_ms,
    )
    return response


def transport_error(endpoint: Endpoint, failure: httpx.TransportError) -> ChannelError:
    """The error of the tree for an exchange that brought no response."""
    for failure_type, error_type, ambiguous in TRANSPORT_FAILURES:
        if isinstance(failure, failure_type):
            return error_type(
                f"{type(failure).__name__} calling {endpoint.method} {endpoint.path}",
                endpoint=endpoint.group,
                ambiguous=ambiguous,
            )
    raise AssertionError("unreachable: httpx.TransportError is the last row")
