"""The sandbox clock and the marketplaces' home time zone.

Every sandbox keeps its own clock, so ``POST clock`` can move one world forward (tokens expire,
windows pass) without touching the other or the machine's time.
"""

from __future__ import annotations

import time
from datetime import timedelta, timezone

# Western Indonesia Time: the time zone both marketplaces' Indonesian shops answer in.
WIB = timezone(timedelta(hours=7), "WIB")


class SandboxClock:
    """Real time plus an offset that the control API (``POST clock``) moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset
