"""``TikTokShopSandbox``: one simulated TikTok Shop Partner API, the object every route closes
over.

It owns the seed, the current world (``state``), its own clock, faults, the rate limiter (per
app × shop), the webhook dispatcher, stats and a short call log, and mounts itself:
``/tiktokshop/open-api`` (the API host), ``/tiktokshop/auth`` (the auth host),
``/tiktokshop/services`` (the seller authorization site) and ``/_sandbox/tiktokshop`` (the
control API).
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount

from satustok_sandbox.common.clock import SandboxClock
from satustok_sandbox.common.ratelimit import UNLIMITED, KeyedRateLimiter, RateLimit
from satustok_sandbox.common.stats import ApiStats
from satustok_sandbox.tiktokshop import app, control
from satustok_sandbox.tiktokshop.demo import tiktokshop_demo_seed
from satustok_sandbox.tiktokshop.envelope import RATE_LIMITED
from satustok_sandbox.tiktokshop.faults import FaultBox
from satustok_sandbox.tiktokshop.seed import TikTokShopSeed
from satustok_sandbox.tiktokshop.state import TikTokShopState, build_state
from satustok_sandbox.tiktokshop.webhooks import WebhookDispatcher

CALL_LOG_SIZE = 1000
MOUNT = "/tiktokshop"
API_PREFIX, AUTH_PREFIX, SERVICES_PREFIX = "/open-api", "/auth", "/services"
CONTROL_MOUNT = "/_sandbox/tiktokshop"
DEFAULT_LIMIT = RateLimit(50.0, 50)
SIGNED_PATH_EXAMPLE = "/product/202309/products/search"


def _limits(seed: TikTokShopSeed, unlimited: bool) -> dict[str, RateLimit]:
    if unlimited:
        return {}
    return {
        a.app_key: UNLIMITED
        if a.rate_limit.unlimited
        else RateLimit(a.rate_limit.rate or 1, a.rate_limit.burst or 1)
        for a in seed.apps
        if a.rate_limit is not None
    }


class TikTokShopSandbox:
    """A simulated TikTok Shop Partner API (202309+) with its control API."""

    name = "tiktokshop"

    def __init__(
        self, seed: TikTokShopSeed | None = None, *, latency_ms: int = 0, unlimited: bool = False
    ) -> None:
        self.seed = seed or tiktokshop_demo_seed()
        self.latency_ms = latency_ms
        self.clock = SandboxClock()
        self.faults = FaultBox()
        self.limiter: KeyedRateLimiter[tuple[str, str], str] = KeyedRateLimiter(
            _limits(self.seed, unlimited),
            UNLIMITED if unlimited else DEFAULT_LIMIT,
            owner_of=lambda key: key[0],
        )
        self.webhooks = WebhookDispatcher(self.faults, self.clock)
        self.stats = ApiStats(str(RATE_LIMITED))
        self.calls: deque[dict[str, Any]] = deque(maxlen=CALL_LOG_SIZE)
        self.state: TikTokShopState = build_state(self.seed, self.clock)
        self.webhooks.state = self.state
        self.base_url = ""

    def reset(self) -> None:
        """Back to the seed: world, tokens, clock, faults, limits, stats, webhooks, call log."""
        self.clock.offset = 0.0
        self.webhooks.clear()
        self.state = build_state(self.seed, self.clock)
        self.webhooks.state = self.state
        self.faults.clear()
        self.limiter.restore()
        self.stats.clear()
        self.calls.clear()

    def routes(self) -> list[BaseRoute]:
        return [
            Mount(
                MOUNT,
                routes=[
                    Mount(API_PREFIX, routes=app.api_routes(self)),
                    Mount(AUTH_PREFIX, routes=app.auth_routes(self)),
                    Mount(SERVICES_PREFIX, routes=app.services_routes(self)),
                ],
            ),
            Mount(CONTROL_MOUNT, routes=control.routes(self)),
        ]

    async def startup(self) -> None:
        await self.webhooks.start()

    async def shutdown(self) -> None:
        await self.webhooks.stop()

    def latency_seconds(self) -> float:
        return self.latency_ms / 1000 + self.faults.latency_seconds()

    # --- stats and the call log ------------------------------------------------------------

    def record_call(
        self,
        request: Request,
        api: str,
        response: Response,
        app_key: str | None,
        shop_id: str | None,
    ) -> None:
        try:
            code = json.loads(bytes(response.body)).get("code", 0)
        except (ValueError, AttributeError):
            code = 0
        self._record(
            request, api, response.status_code, str(code) if code else "", app_key, shop_id
        )

    def record_plain(self, request: Request, api: str, status: int, error: str) -> None:
        app_key = request.query_params.get("app_key") or None
        self._record(request, api, status, error, app_key, None)

    def _record(
        self,
        request: Request,
        api: str,
        status: int,
        error: str,
        app_key: str | None,
        shop_id: str | None,
    ) -> None:
        self.stats.count(api, status, error)
        self.calls.append(
            {
                "at": self.clock.now(),
                "method": request.method,
                "api": api,
                "path": request.url.path,
                "app_key": app_key,
                "shop_id": shop_id,
                "status": status,
                "code": int(error) if error.isdigit() else 0,
            }
        )

    # --- the info document -------------------------------------------------------------------

    def info(self, base_url: str) -> dict[str, Any]:
        """The ``tiktokshop`` part of the ``--json`` document (also ``GET …/info``)."""
        with self.state.lock:
            apps = [
                {
                    "app_key": a.app_key,
                    "app_secret": a.app_secret,
                    "service_id": a.service_id,
                    "name": a.name,
                    "redirect_url": a.redirect_url,
                }
                for a in self.state.apps.values()
            ]
            sellers = [
                {"open_id": s.open_id, "seller_name": s.seller_name, "shop_ids": list(s.shop_ids)}
                for s in self.state.sellers.values()
            ]
            shops = [control.shop_view(self, shop) for shop in self.state.shops.values()]
        host = f"{base_url}{MOUNT}"
        return {
            "base_url": f"{host}{API_PREFIX}",
            "auth_url": f"{host}{AUTH_PREFIX}",
            "services_url": f"{host}{SERVICES_PREFIX}",
            "control_url": f"{base_url}{CONTROL_MOUNT}/",
            "signed_path_example": SIGNED_PATH_EXAMPLE,
            "apps": apps,
            "sellers": sellers,
            "shops": shops,
        }
