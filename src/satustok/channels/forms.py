"""What every channel's connect form shares; each channel's own form lives in its package
(``channels/<name>/forms.py``) and is named in its registry description."""

from __future__ import annotations

from typing import Protocol

from satustok.channels.protocol import Credentials

DIGITS = r"^\s*\d{1,20}\s*$"


class ConnectForm(Protocol):
    """A bound Django form a seller fills in to connect a shop (web UI, REST API and CLI)."""

    def is_valid(self) -> bool: ...

    def credentials(self) -> Credentials: ...

    def shop_id_value(self) -> str:
        """The shop the seller names, or ``""`` where the channel's approval page chooses it."""
        ...
