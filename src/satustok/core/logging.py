"""Logs for operators: one JSON object per line on request, ids attached, secrets scrubbed.

``SATUSTOK_LOG_FORMAT=json`` (see ``settings.LOGGING``) formats every record with
:class:`JsonFormatter`: ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, ``process``,
``thread``, and whatever the call passed in ``extra`` — by convention the ids ``integration``,
``listing``, ``order``, ``run``, ``delivery``::

    log.warning("push failed", extra={"integration": account.pk, "listing": listing.pk})

Ids can also be attached to every record logged inside a block with :func:`log_context`; the
queue worker does so for each task (:func:`trace_tasks`: ``task``, ``task_id``, and the id the
task is about, e.g. ``integration`` for a stock push).

:class:`ScrubSecrets` runs on every handled record, plain or JSON. ``Secret`` already masks
itself; this filter is the second line of defence for a secret that reached a log call as a plain
string: bearer/basic credentials, ``client_secret=…`` / ``"token": "…"`` style pairs, passwords
in URLs, and long hex strings (webhook secrets are 64 hex characters).

This module is loaded by ``logging.config`` while Django configures itself: it must not import
Django models or settings.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from huey import signals

MASK = "********"

# Attributes every LogRecord has; anything else on a record came from ``extra`` (or a filter).
_STANDARD = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
    | {"message", "asctime", "color_message", "taskName"}
)

_SECRET_KEY = (
    r"[\w-]*(?:secret|passw(?:or)?d|token|api[_-]?key|authorization|signature|credential|"
    r"cookie|session[_-]?id)[\w-]*"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # key=value, key: value, "key": "value" (also Authorization: Bearer …). A value starting
    # with { or [ is a structure, whose own keys are scrubbed one by one.
    (
        re.compile(
            rf"""(?ix)
            (?P<key>["']?\b{_SECRET_KEY}["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token)\s+)?)
            (?P<value>[^\s"'&,;{{}}\[\]()<>]+)
            """
        ),
        rf"\g<key>{MASK}",
    ),
    # A bare "Bearer abc…" / "Basic dXNl…" credential.
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9\-._~+/]{8,}=*"), rf"\1\2{MASK}"),
    # The password of a URL: postgres://user:pw@host, redis://:pw@host.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@"), rf"\1{MASK}@"),
    # Long hex runs: webhook secrets, HMAC keys, raw tokens.
    (re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{40,}(?![0-9A-Fa-f])"), MASK),
)


def scrub(text: str) -> str:
    """``text`` with anything that looks like a credential replaced by ``********``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class ScrubSecrets(logging.Filter):
    """Masks credentials in the message, its arguments and the traceback of every record.

    The record is rewritten only when something was masked (the message is then pre-formatted
    and ``args`` cleared), so ordinary records keep their message template."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, scrub(value))
        return True


_NO_IDS: Mapping[str, Any] = MappingProxyType({})
_context: ContextVar[Mapping[str, Any]] = ContextVar("satustok_log_context", default=_NO_IDS)


@contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    """Attach ``ids`` (e.g. ``integration=3``) to every record logged inside the block."""
    token = _context.set({**_context.get(), **ids})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**ids: Any) -> None:
    """Attach ``ids`` to every later record of this thread/context (until :func:`clear`)."""
    _context.set({**_context.get(), **ids})


def clear() -> None:
    _context.set(_NO_IDS)


class ContextFilter(logging.Filter):
    """Copies the :func:`log_context` ids onto the record (an explicit ``extra`` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _context.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
            "thread": record.threadName,
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in document:
                document[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            document["exception"] = record.exc_text
        if record.stack_info:
            document["stack"] = record.stack_info
        # Objects passed in ``extra`` (a request, a Secret) are written as their scrubbed str().
        return json.dumps(document, default=lambda value: scrub(str(value)), ensure_ascii=False)


# --- the queue worker's tasks ---------------------------------------------------------------

task_log = logging.getLogger("satustok.worker")

# What the first argument of a task names, so that every record logged while it runs carries
# that id (a task not listed here gets ``task``/``task_id`` only). One line per task taking an id.
TASK_IDS = {
    "run_import": "run",
    "push_stock": "integration",
    "poll_orders": "integration",
    "process_webhook": "delivery",
}


def trace_tasks(huey: Any, *, log_each: bool = False) -> None:
    """While a consumer of ``huey`` runs a task, attach ``task``, ``task_id`` and the task's id
    argument (:data:`TASK_IDS`) to every record logged. With ``log_each`` (``satustok worker
    --log-tasks``) also log each task's start and end (name, arguments, outcome, seconds) at
    INFO: with several workers, the log says which process did what."""

    def started(signal: str, task: Any, *_: Any) -> None:
        ids = {"task": task.name, "task_id": task.id}
        if task.name in TASK_IDS and task.args:
            ids[TASK_IDS[task.name]] = task.args[0]
        bind(**ids)
        _started.set(time.monotonic())
        if log_each:
            task_log.info("task %s started", task.name, extra={"task_args": list(task.args)})

    def finished(signal: str, task: Any, *rest: Any) -> None:
        seconds = round(time.monotonic() - _started.get(), 3)
        if log_each:
            failed = rest and isinstance(rest[0], Exception)
            error = f" ({type(rest[0]).__name__})" if failed else ""
            task_log.info(
                "task %s %s%s in %.3fs",
                task.name,
                signal,
                error,
                seconds,
                extra={"task_args": list(task.args), "outcome": signal, "seconds": seconds},
            )
        clear()

    huey.signal(signals.SIGNAL_EXECUTING)(started)
    huey.signal(*_TASK_ENDS)(finished)


_started: ContextVar[float] = ContextVar("satustok_task_started", default=0.0)
_TASK_ENDS = (  # every way a task's run ends (a retry is announced by its error first)
    signals.SIGNAL_COMPLETE,
    signals.SIGNAL_ERROR,
    signals.SIGNAL_LOCKED,
    signals.SIGNAL_CANCELED,
    signals.SIGNAL_TIMEOUT,
    signals.SIGNAL_RATE_LIMITED,
    signals.SIGNAL_INTERRUPTED,
)
