"""``TokopediaSandbox``: one simulated Tokopedia, the object every route closes over.

It owns the seed, the current world (``state``), faults, rate limiter, webhook dispatcher, stats
and a short call log, and knows how to mount itself: ``/tokopedia/accounts`` (token),
``/tokopedia/fs`` (the Open API) and ``/_sandbox/tokopedia`` (the control API). The lifecycle
(reset, startup, latency) is ``common/sandbox.py``'s; the stats (per endpoint group, with
rate-limit units) and the call log record are Tokopedia's own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from starlette.routing import BaseRoute, Mount

from satustok_sandbox.common.delivery import DeliveryWorker
from satustok_sandbox.common.sandbox import SandboxBase
from satustok_sandbox.common.stocklog import StockLog
from satustok_sandbox.tokopedia import accounts, app, control
from satustok_sandbox.tokopedia.demo import demo_seed
from satustok_sandbox.tokopedia.faults import FaultBox
from satustok_sandbox.tokopedia.ratelimit import GROUPS, RateLimiter, configured_limits
from satustok_sandbox.tokopedia.seed import Seed
from satustok_sandbox.tokopedia.state import SandboxState, Shop, build_state
from satustok_sandbox.tokopedia.webhooks import EVENT_URL_FIELDS, WebhookDispatcher


class Stats:
    """Counters per endpoint group: calls, items (rate-limit units asked), 429s, 5xx, statuses."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: dict[str, dict[str, Any]] = {}
        self.tokens_issued = 0
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._groups = {
                g: {"calls": 0, "items": 0, "rate_limited": 0, "server_errors": 0, "statuses": {}}
                for g in GROUPS
            }
            self.tokens_issued = 0

    def count_call(self, group: str) -> None:
        with self._lock:
            self._groups[group]["calls"] += 1

    def add_items(self, group: str, items: int) -> None:
        with self._lock:
            self._groups[group]["items"] += items

    def count_status(self, group: str, status: int) -> None:
        with self._lock:
            counters = self._groups[group]
            counters["statuses"][str(status)] = counters["statuses"].get(str(status), 0) + 1
            counters["rate_limited"] += status == 429
            counters["server_errors"] += status >= 500

    def count_token_issued(self) -> None:
        with self._lock:
            self.tokens_issued += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            groups = {g: {**c, "statuses": dict(c["statuses"])} for g, c in self._groups.items()}
            token = {"calls": groups["token"]["calls"], "issued": self.tokens_issued}
            return {"groups": groups, "token": token}


class TokopediaSandbox(SandboxBase[Seed]):
    """A simulated Tokopedia Open API with its control API."""

    name = "tokopedia"
    faults: FaultBox
    limiter: RateLimiter
    stats: Stats
    state: SandboxState
    pickup_delay_seconds: float

    def __init__(
        self, seed: Seed | None = None, *, latency_ms: int = 0, unlimited: bool = False
    ) -> None:
        super().__init__(seed or demo_seed(), latency_ms)
        self.faults = FaultBox()
        self.limiter = RateLimiter(
            configured_limits(self.seed.limit_overrides(), unlimited=unlimited)
        )
        self.webhooks = WebhookDispatcher(self.faults, self.clock)
        self.stats = Stats()
        self._build_world()

    def _deliveries(self) -> DeliveryWorker[Any, Any]:
        return self.webhooks

    def _build_world(self) -> None:
        self.state = build_state(self.seed, self.clock)
        # Seconds Tokopedia wants between an accept and a pickup request (about 5 on the real
        # API); 0 until set through the control API (``POST fulfilment``), so tests never wait.
        self.pickup_delay_seconds = 0.0

    @property
    def stock_log(self) -> StockLog:
        """The current world's shown-stock log (a reset's fresh world brings an empty one)."""
        return self.state.stock_log

    def routes(self) -> list[BaseRoute]:
        return [
            Mount("/tokopedia/accounts", routes=accounts.routes(self)),
            Mount("/tokopedia/fs", routes=app.api_routes(self)),
            Mount("/_sandbox/tokopedia", routes=control.routes(self)),
        ]

    def record_call(self, method: str, path: str, query: str, group: str, status: int) -> None:
        self.calls.append(
            {
                "at": self.clock.now(),
                "method": method,
                "path": path,
                "query": query,
                "group": group,
                "status": status,
            }
        )

    def notify(self, shop: Shop, event: str, build: Callable[[int], Any]) -> None:
        """Send ``event`` to every app linked to ``shop`` that registered a URL for it."""
        for fs_id in shop.fs_ids:
            registration = self.state.webhooks.get(fs_id)
            url = registration.urls.get(EVENT_URL_FIELDS[event], "") if registration else ""
            if url:
                self.webhooks.emit(
                    event, fs_id, url, self.state.webhook_secret(fs_id), build(fs_id)
                )

    def info(self, base_url: str) -> dict[str, Any]:
        """The document ``--json`` prints and ``GET info`` returns."""
        with self.state.lock:
            apps = [
                {
                    "fs_id": a.fs_id,
                    "client_id": a.client_id,
                    "client_secret": a.client_secret,
                    "webhook_secret": a.webhook_secret,
                    "name": a.name,
                }
                for a in self.state.apps.values()
            ]
            shops = [
                {
                    "shop_id": s.shop_id,
                    "name": s.name,
                    "tier": s.tier,
                    "is_open": s.is_open,
                    "fs_ids": list(s.fs_ids),
                }
                for s in self.state.shops.values()
            ]
        return {
            "base_url": base_url,
            "accounts_url": f"{base_url}/tokopedia/accounts",
            "api_url": f"{base_url}/tokopedia/fs",
            "control_url": f"{base_url}/_sandbox/tokopedia/",
            "apps": apps,
            "shops": shops,
        }
