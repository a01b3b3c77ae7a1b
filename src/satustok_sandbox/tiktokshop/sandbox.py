"""``TikTokShopSandbox``: one simulated TikTok Shop Partner API, the object every route closes
over.

It owns the seed, the current world (``state``), its own clock, faults, the rate limiter (per
app × shop), the webhook dispatcher, stats and a short call log, and mounts itself:
``/tiktokshop/open-api`` (the API host), ``/tiktokshop/auth`` (the auth host),
``/tiktokshop/services`` (the seller authorization site) and ``/_sandbox/tiktokshop`` (the
control API). The lifecycle (reset, startup, latency), the counters per API and the call log are
``common/sandbox.py``'s.
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
from satustok_sandbox.tiktokshop import app, control
from satustok_sandbox.tiktokshop.demo import tiktokshop_demo_seed
from satustok_sandbox.tiktokshop.envelope import RATE_LIMITED
from satustok_sandbox.tiktokshop.faults import FaultBox
from satustok_sandbox.tiktokshop.seed import TikTokShopSeed
from satustok_sandbox.tiktokshop.state import TikTokShopState, build_state
from satustok_sandbox.tiktokshop.webhooks import WebhookDispatcher

MOUNT = "/tiktokshop"
API_PREFIX, AUTH_PREFIX, SERVICES_PREFIX = "/open-api", "/auth", "/services"
DOCUMENTS_PREFIX = "/documents"  # shipping documents' doc_url (fulfillment_api.py)
CONTROL_MOUNT = "/_sandbox/tiktokshop"
DEFAULT_LIMIT = RateLimit(50.0, 50)
SIGNED_PATH_EXAMPLE = "/product/202309/products/search"


class TikTokShopSandbox(ApiSandbox[TikTokShopSeed]):
    """A simulated TikTok Shop Partner API (202309+) with its control API."""

    name = "tiktokshop"
    caller_field = "app_key"
    faults: FaultBox
    limiter: KeyedRateLimiter[tuple[str, str], str]
    state: TikTokShopState

    def __init__(
        self, seed: TikTokShopSeed | None = None, *, latency_ms: int = 0, unlimited: bool = False
    ) -> None:
        super().__init__(seed or tiktokshop_demo_seed(), latency_ms, str(RATE_LIMITED))
        self.faults = FaultBox()
        # One bucket per app × shop (``pipeline.Verified.limit_key``), following the app's limit.
        self.limiter = KeyedRateLimiter(
            seeded_limits(((a.app_key, a.rate_limit) for a in self.seed.apps), unlimited=unlimited),
            UNLIMITED if unlimited else DEFAULT_LIMIT,
            owner_of=lambda key: key[0],
        )
        self.webhooks = WebhookDispatcher(self.faults, self.clock)
        self._build_world()

    def _deliveries(self) -> DeliveryWorker[Any, Any]:
        return self.webhooks

    def _build_world(self) -> None:
        self.state = build_state(self.seed, self.clock)
        self.webhooks.state = self.state

    @property
    def stock_log(self) -> StockLog:
        """The current world's shown-stock log (a reset's fresh world brings an empty one)."""
        return self.state.stock_log

    def routes(self) -> list[BaseRoute]:
        return [
            Mount(
                MOUNT,
                routes=[
                    Mount(API_PREFIX, routes=app.api_routes(self)),
                    Mount(AUTH_PREFIX, routes=app.auth_routes(self)),
                    Mount(SERVICES_PREFIX, routes=app.services_routes(self)),
                    Mount(DOCUMENTS_PREFIX, routes=app.document_routes(self)),
                ],
            ),
            Mount(CONTROL_MOUNT, routes=control.routes(self)),
        ]

    # --- stats and the call log ------------------------------------------------------------

    def _error_of(self, response: Response) -> str:
        code = answer_field(response, "code", 0)
        return str(code) if code else ""

    def _claimed_caller(self, request: Request) -> str | None:
        return request.query_params.get("app_key") or None

    def _outcome(self, error: str) -> dict[str, object]:
        return {"code": int(error) if error.isdigit() else 0}

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
