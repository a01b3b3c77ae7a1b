"""``ShopeeSandbox``: one simulated Shopee Open Platform, the object every route closes over.

It owns the seed, the current world (``state``), its own clock, faults, the per-partner rate
limiter, the push dispatcher, stats and a short call log, and mounts itself: ``/shopee`` (the
API, at its real paths: ``/shopee/api/v2/…``) and ``/_sandbox/shopee`` (the control API). The
lifecycle (reset, startup, latency), the counters per API and the call log are
``common/sandbox.py``'s.

Rate limits (fact sheet §8): Shopee publishes none, so the simulator makes them configurable —
one token bucket per partner app over every call it makes, by default 50 requests/s with a burst
of 50; the seed (``partners[].rate_limit``), ``--unlimited`` and ``POST faults {"rate_limits":
…}`` change it, and a throttled call answers ``error_rate_limit``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount

from satustok_sandbox.common.delivery import DeliveryWorker
from satustok_sandbox.common.ratelimit import UNLIMITED, KeyedRateLimiter, RateLimit, seeded_limits
from satustok_sandbox.common.sandbox import ApiSandbox, answer_field
from satustok_sandbox.common.stocklog import StockLog
from satustok_sandbox.shopee import app, control
from satustok_sandbox.shopee.demo import shopee_demo_seed
from satustok_sandbox.shopee.faults import FaultBox
from satustok_sandbox.shopee.push import PushDispatcher
from satustok_sandbox.shopee.seed import ShopeeSeed
from satustok_sandbox.shopee.signing import AUTH_PARTNER_PATH
from satustok_sandbox.shopee.state import ShopeeState, build_state

MOUNT = "/shopee"
CONTROL_MOUNT = "/_sandbox/shopee"
DEFAULT_LIMIT = RateLimit(50.0, 50)
RATE_LIMITED = "error_rate_limit"


class ShopeeSandbox(ApiSandbox[ShopeeSeed]):
    """A simulated Shopee Open Platform API v2 with its control API."""

    name = "shopee"
    caller_field = "partner_id"
    faults: FaultBox
    limiter: KeyedRateLimiter[int, int]
    state: ShopeeState

    def __init__(
        self, seed: ShopeeSeed | None = None, *, latency_ms: int = 0, unlimited: bool = False
    ) -> None:
        super().__init__(seed or shopee_demo_seed(), latency_ms, RATE_LIMITED)
        self.faults = FaultBox()
        # One bucket per partner app: the key is its own owner.
        self.limiter = KeyedRateLimiter(
            seeded_limits(
                ((p.partner_id, p.rate_limit) for p in self.seed.partners), unlimited=unlimited
            ),
            UNLIMITED if unlimited else DEFAULT_LIMIT,
            owner_of=lambda partner_id: partner_id,
        )
        self.push = PushDispatcher(self.faults, self.clock)
        self._build_world()

    def _deliveries(self) -> DeliveryWorker[Any, Any]:
        return self.push

    def _build_world(self) -> None:
        self.state = build_state(self.seed, self.clock)
        self.push.state = self.state

    @property
    def stock_log(self) -> StockLog:
        """The current world's shown-stock log (a reset's fresh world brings an empty one)."""
        return self.state.stock_log

    def routes(self) -> list[BaseRoute]:
        return [
            Mount(MOUNT, routes=app.api_routes(self)),
            Mount(CONTROL_MOUNT, routes=control.routes(self)),
        ]

    # --- stats and the call log ------------------------------------------------------------

    def _error_of(self, response: Response) -> str:
        return str(answer_field(response, "error", "") or "")

    def _claimed_caller(self, request: Request) -> int | None:
        partner = request.query_params.get("partner_id", "")
        return int(partner) if partner.isdigit() else None

    def _outcome(self, error: str) -> dict[str, object]:
        return {"error": error}

    # --- the info document -------------------------------------------------------------------

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
