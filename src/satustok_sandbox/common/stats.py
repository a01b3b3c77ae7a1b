"""Per-API call counters for a sandbox's ``GET stats``: calls, HTTP statuses and error codes,
how many calls were throttled, and how many tokens were issued.

Parametrised by the error that means "throttled" (Shopee: ``error_rate_limit``; TikTok Shop: code
``36009002``). Tokopedia keeps its own counters: it counts per endpoint group, with rate-limit
units, not per API.
"""

from __future__ import annotations

import threading
from typing import Any


class ApiStats:
    """Counters per API: calls, HTTP statuses and error codes; tokens issued."""

    def __init__(self, rate_limited_error: str) -> None:
        self._rate_limited_error = rate_limited_error
        self._lock = threading.Lock()
        self.apis: dict[str, dict[str, Any]] = {}
        self.tokens_issued = 0

    def clear(self) -> None:
        with self._lock:
            self.apis = {}
            self.tokens_issued = 0

    def count(self, api: str, status: int, error: str) -> None:
        with self._lock:
            row = self.apis.setdefault(api, {"calls": 0, "statuses": {}, "errors": {}})
            row["calls"] += 1
            row["statuses"][str(status)] = row["statuses"].get(str(status), 0) + 1
            if error:
                row["errors"][error] = row["errors"].get(error, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            apis = {
                name: {**row, "statuses": dict(row["statuses"]), "errors": dict(row["errors"])}
                for name, row in self.apis.items()
            }
        limited = sum(row["errors"].get(self._rate_limited_error, 0) for row in apis.values())
        return {"apis": apis, "rate_limited": limited, "tokens_issued": self.tokens_issued}
