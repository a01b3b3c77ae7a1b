"""What ``satustok run`` and ``satustok worker`` check before they start (core/checks.py)."""

from __future__ import annotations

import logging

from django.core.management.base import CommandError

from satustok.core import checks

log = logging.getLogger("satustok.startup")

# Said by the start-up banner instead (demo mode is what `make run` wants).
SAID_BY_THE_BANNER = {"satustok.W001"}


def refuse_unsafe_start() -> None:
    """Log each warning; refuse to start, saying every reason and what to set, on an error
    (in production mode: an http public URL, a sandbox base URL, a Redis without password …)."""
    errors, warnings = checks.refusals()
    for warning in warnings:
        if warning.id not in SAID_BY_THE_BANNER:
            log.warning("%s %s %s", warning.id, warning.msg, warning.hint or "")
    if errors:
        reasons = "\n".join(f"- {error.msg}\n  {error.hint or ''}".rstrip() for error in errors)
        raise CommandError(f"satustok will not start:\n{reasons}")
