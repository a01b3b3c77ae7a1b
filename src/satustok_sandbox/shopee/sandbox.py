"""``ShopeeSandbox``: one simulated Shopee Open Platform, the object every route closes over.

It owns the seed, the current world (``state``), its own clock, faults, the per-partner rate
limiter, the push dispatcher, stats and a short call log, and mounts itself: ``/shopee`` (the
API, at its real paths: ``/shopee/api/v2/…``) and ``/_sandbox/shopee`` (the control API).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount

from satustok_sandbox.common.clock import SandboxClock
from satustok_sandbox.shopee import app, control
from satustok_sandbox.shopee.demo import shopee_demo_seed
from satustok_sandbox.shopee.faults import FaultBox
from satustok_sandbox.shopee.push import PushDispatcher
from satustok_sandbox.shopee.ratelimit import DEFAULT, UNLIMITED, PartnerRateLimiter, RateLimit
from satustok_sandbox.shopee.seed import ShopeeSeed
from satustok_sandbox.shopee.signing import AUTH_PARTNER_PATH
from satustok_sandbox.shopee.state import ShopeeState, build_state

CALL_LOG_SIZE = 1000
MOUNT = "/shopee"
CONTROL_MOUNT = "/_sandbox/shopee"


class Stats:
    """Counters per API: calls, HTTP statuses and error codes; tokens issued."""

    def __init__(self) -> None:
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
        rate_limited = sum(row["errors"].get("error_rate_limit", 0) for row in apis.values())
        return {"apis": apis, "rate_limited": rate_limited, "tokens_issued": self.tokens_issued}


class ShopeeSandbox:
    """A simulated Shopee Open Platform API v2 with its control API."""

    name = "shopee"

    def __init__(
        self, seed: ShopeeSeed | None = None, *, latency_ms: int = 0, unlimited: bool = False
    ) -> None:
        self.seed = seed or shopee_demo_seed()
        self.latency_ms = latency_ms
        self.clock = SandboxClock()
        self.faults = FaultBox()
        limits = {
            p.partner_id: (
                UNLIMITED
                if p.rate_limit.unlimited
                else RateLimit(p.rate_limit.rate or 1, p.rate_limit.burst or 1)
            )
            for p in self.seed.partners
            if p.rate_limit is not None and not unlimited
        }
        self.limiter = PartnerRateLimiter(limits, UNLIMITED if unlimited else DEFAULT)
        self.push = PushDispatcher(self.faults, self.clock)
        self.stats = Stats()
        self.calls: deque[dict[str, Any]] = deque(maxlen=CALL_LOG_SIZE)
        self.state: ShopeeState = build_state(self.seed, self.clock)
        self.push.state = self.state
        self.base_url = ""

    def reset(self) -> None:
        """Back to the seed: world, tokens, clock, faults, limits, stats, pushes, call log."""
        self.clock.offset = 0.0
        self.push.clear()
        self.state = build_state(self.seed, self.clock)
        self.push.state = self.state
        self.faults.clear()
        self.limiter.restore()
        self.stats.clear()
        self.calls.clear()

    def routes(self) -> list[BaseRoute]:
        return [
            Mount(MOUNT, routes=app.api_routes(self)),
            Mount(CONTROL_MOUNT, routes=control.routes(self)),
        ]

    async def startup(self) -> None:
        await self.push.start()

    async def shutdown(self) -> None:
        await self.push.stop()

    def latency_seconds(self) -> float:
        return self.latency_ms / 1000 + self.faults.latency_seconds()

    def record_call(
        self,
        request: Request,
        api: str,
        response: Response,
        partner_id: int | None,
        shop_id: int | None,
    ) -> None:
        try:
            error = json.loads(bytes(response.body)).get("error", "") or ""
        except (ValueError, AttributeError):
            error = ""
        self._record(request, api, response.status_code, error, partner_id, shop_id)

    def record_plain(self, request: Request, api: str, status: int, error: str) -> None:
        partner = request.query_params.get("partner_id", "")
        self._record(request, api, status, error, int(partner) if partner.isdigit() else None, None)

    def _record(
        self,
        request: Request,
        api: str,
        status: int,
        error: str,
        partner_id: int | None,
        shop_id: int | None,
    ) -> None:
        self.stats.count(api, status, error)
        self.calls.append(
            {
                "at": self.clock.now(),
                "method": request.method,
                "api": api,
                "path": request.url.path,
                "partner_id": partner_id,
                "shop_id": shop_id,
                "status": status,
                "error": error,
            }
        )

    def info(self, base_url: str) -> dict[str, Any]:
        """The ``shopee`` part of the ``--json`` document (also ``GET /_sandbox/shopee/info``)."""
        with self.state.lock:
            partners = [
                {
                    "partner_id": p.partner_id,
                    "name": p.name,
                    "partner_key": p.partner_key,
                }
                for p in self.state.partners.values()
            ]
            shops = [
                {
                    "shop_id": s.shop_id,
                    "shop_name": s.shop_name,
                    "status": s.status,
                    "region": s.region,
                    "location_ids": s.location_ids,
                }
                for s in self.state.shops.values()
            ]
        api_base = f"{base_url}{MOUNT}"
        return {
            "base_url": api_base,
            "control_url": f"{base_url}{CONTROL_MOUNT}/",
            "auth_partner_url": f"{api_base}{AUTH_PARTNER_PATH}",
            "signed_path_example": "/api/v2/product/get_item_list",
            "partners": partners,
            "shops": shops,
        }
