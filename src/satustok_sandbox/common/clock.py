"""The sandbox clock and the marketplaces' home time zone.

Every sandbox keeps its own clock, so ``POST clock`` can move one world forward (tokens expire,
windows pass) without touching the other or the machine's time.
"""

from __future__ import annotations

import time
from datetime import timedelta, timezone
from typing import Literal

# Western Indonesia Time: the time zone both marketplaces' Indonesian shops answer in.
WIB = timezone(timedelta(hours=7), "WIB")
TimestampVerdict = Literal["ok", "expired", "future"]


class SandboxClock:
    """Real time plus an offset that the control API (``POST clock``) moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def timestamp_verdict(
        self, timestamp: float, window: float, *, strict: bool
    ) -> TimestampVerdict:
        """Whether a signed call's ``timestamp`` is within ``window`` seconds of this clock **or**
        of the real one (``strict``: this clock only), else on which side it falls. Either clock
        will do so that moving the sandbox clock forward (to expire tokens) does not also make
        every client's timestamp stale; the error each side answers is the marketplace's."""
        clocks = [self.now()] if strict else [self.now(), time.time()]
        if any(abs(timestamp - now) <= window for now in clocks):
            return "ok"
        return "expired" if all(timestamp < now for now in clocks) else "future"
