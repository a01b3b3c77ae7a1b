"""What happens to every Shopee API call before and after its handler.

Latency → common parameters in the query string (``partner_id``, ``timestamp``, ``sign``, and for
shop calls ``access_token`` + ``shop_id``) → timestamp validity (±300 s) → ``sign`` → access
token and shop authorization → shop status → the partner's rate limit → injected faults → the
handler → stats and the call log. The signed path is the route's real API path, never the
sandbox's ``/shopee`` mount prefix.

Timestamps are accepted within 300 s of the sandbox clock **or** of the real clock: moving the
sandbox clock forward (to expire tokens) must not also make every client's timestamp stale.
The ``strict_clock`` fault checks the sandbox clock only.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from starlette.requests import Request
from starlette.responses import Response

from satustok_sandbox.common.gateway import InjectedErrors, throttle_and_faults
from satustok_sandbox.shopee.envelope import (
    ShopeeError,
    error_response,
    param_error,
)
from satustok_sandbox.shopee.faults import Faults, ForcedError, api_name
from satustok_sandbox.shopee.signing import sign, signatures_match
from satustok_sandbox.shopee.state import Partner, Shop, ShopeeState

if TYPE_CHECKING:
    from satustok_sandbox.shopee.sandbox import ShopeeSandbox

Handler = Callable[["Call"], Awaitable[Response]]
TIMESTAMP_WINDOW = 300
RATE_LIMITED_MESSAGE = "Too many requests: the partner's rate limit is exceeded, retry later."
# What throttling and injected faults answer (``common/gateway.py`` decides which).
INJECTED: InjectedErrors[Faults, ForcedError] = InjectedErrors(
    throttled=lambda retry: ShopeeError(
        "error_rate_limit", RATE_LIMITED_MESSAGE, headers={"Retry-After": retry}
    ),
    forced=lambda forced: ShopeeError(forced.error, forced.message, forced.status or 0),
    timed_out=lambda: ShopeeError("error_server", "The request timed out.", 504),
    server_error=lambda faults: ShopeeError(
        faults.error, "Injected server error, please retry.", faults.error_status
    ),
)


@dataclass(frozen=True)
class ApiRoute:
    """One row of the route table."""

    method: str
    path: str
    handler: Handler
    kind: Literal["shop", "public"] = "shop"
    allow_banned: bool = False
    writes: bool = False
    top_level: bool = False  # token endpoints: no ``response`` wrapper

    @property
    def name(self) -> str:
        return api_name(self.path)


@dataclass
class Call:
    """One verified API call as its handler sees it."""

    sim: ShopeeSandbox
    request: Request
    route: ApiRoute
    partner: Partner
    shop: Shop | None
    body: Any = None

    @property
    def state(self) -> ShopeeState:
        return self.sim.state

    @property
    def shop_id(self) -> int:
        assert self.shop is not None
        return self.shop.shop_id

    def param(self, name: str) -> str | None:
        value = self.request.query_params.get(name)
        return value.strip() if value is not None else None

    def int_param(
        self,
        name: str,
        *,
        required: bool = False,
        default: int | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
        module: str = "",
    ) -> int | None:
        raw = self.param(name)
        if raw in (None, ""):
            if required:
                raise param_error(f"{name} is required.", module)
            return default
        try:
            value = int(raw)
        except ValueError:
            raise param_error(f"Invalid {name}: {raw!r} is not an integer.", module) from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = f"{minimum if minimum is not None else '…'}..{maximum or '…'}"
            raise param_error(f"Invalid {name}: must be in {bounds}.", module)
        return value

    def list_param(self, name: str) -> list[str]:
        """A list given as repeated parameters, a comma list, a JSON array, or ``name[]``."""
        values: list[str] = []
        for raw in [
            *self.request.query_params.getlist(name),
            *self.request.query_params.getlist(f"{name}[]"),
        ]:
            text = raw.strip()
            if text.startswith("["):
                try:
                    decoded = json.loads(text)
                except json.JSONDecodeError:
                    decoded = text.strip("[]").split(",")
                parts = [str(v) for v in (decoded if isinstance(decoded, list) else [decoded])]
            else:
                parts = text.split(",")
            values += [part.strip().strip('"').strip() for part in parts if part.strip()]
        return values

    def int_list_param(self, name: str, module: str = "") -> list[int]:
        values = self.list_param(name)
        try:
            return list(dict.fromkeys(int(value) for value in values))
        except ValueError:
            raise param_error(f"Invalid {name}: give integers.", module) from None

    async def json_body(self, module: str = "") -> dict[str, Any]:
        """The POST body: a JSON object (anything else is ``error_param``)."""
        try:
            body = json.loads(await self.request.body() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise param_error("The request body is not valid JSON.", module) from None
        if not isinstance(body, dict):
            raise param_error("The request body must be a JSON object.", module)
        return body


def _int_query(request: Request, name: str) -> int:
    raw = (request.query_params.get(name) or "").strip()
    if not raw:
        raise param_error(f"Missing {name}.")
    try:
        return int(raw)
    except ValueError:
        raise param_error(f"Invalid {name}.") from None


def check_timestamp(sim: ShopeeSandbox, timestamp: int) -> None:
    """Within ±300 s of the sandbox clock (or of the real clock, unless ``strict_clock``)."""
    strict = sim.faults.faults.strict_clock
    verdict = sim.clock.timestamp_verdict(timestamp, TIMESTAMP_WINDOW, strict=strict)
    if verdict == "expired":
        raise param_error("Timestamp is expired.")
    if verdict == "future":
        raise param_error("Invalid timestamp: it is in the future.")


def partner_of(sim: ShopeeSandbox, partner_id: int) -> Partner:
    partner = sim.state.partners.get(partner_id)
    if partner is None:
        raise param_error("Invalid partner_id.")
    return partner


def verify(sim: ShopeeSandbox, request: Request, route: ApiRoute) -> tuple[Partner, Shop | None]:
    """The partner (and, for shop calls, the shop) of a correctly signed call."""
    partner_id = _int_query(request, "partner_id")
    timestamp = _int_query(request, "timestamp")
    given_sign = (request.query_params.get("sign") or "").strip()
    if not given_sign:
        raise param_error("Missing sign.")
    token, shop_id = "", None
    if route.kind == "shop":
        token = (request.query_params.get("access_token") or "").strip()
        if not token:
            raise param_error("Missing access_token.")
        shop_id = _int_query(request, "shop_id")
    with sim.state.lock:
        partner = partner_of(sim, partner_id)
        check_timestamp(sim, timestamp)
        expected = sign(
            partner.partner_key, partner_id, route.path, timestamp, token, shop_id or ""
        )
        if not signatures_match(expected, given_sign):
            raise ShopeeError("error_sign", "Wrong sign.")
        if shop_id is None:
            return partner, None
        return partner, _authorized_shop(sim, route, partner, token, shop_id)


def _authorized_shop(
    sim: ShopeeSandbox, route: ApiRoute, partner: Partner, token: str, shop_id: int
) -> Shop:
    state = sim.state
    now = state.now()
    access = state.access_tokens.get(token)
    if access is None or access.expires_at <= now:
        raise ShopeeError("error_auth", "Invalid access_token.")
    if access.partner_id != partner.partner_id or access.shop_id != shop_id:
        raise ShopeeError(
            "error_auth", "No permission: the access_token was not issued for this shop_id."
        )
    found = state.authorizations.get((partner.partner_id, shop_id))
    if found is None or found.revoked_at is not None:
        raise ShopeeError("error_auth", "Invalid access_token.")
    if not found.active(now):
        raise ShopeeError("shop_access_expired", "The shop's authorization has expired.")
    shop = state.shops[shop_id]
    if shop.status == "BANNED" and not route.allow_banned:
        raise ShopeeError("shop_banned", "The shop is banned.")
    if shop.status == "FROZEN" and route.writes:
        raise ShopeeError("error_busi", "The shop is frozen: its listings and orders are locked.")
    return shop


def make_endpoint(sim: ShopeeSandbox, route: ApiRoute) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint for one route, wrapping its handler in the pipeline."""

    async def endpoint(request: Request) -> Response:
        partner_id: int | None = None
        shop_id: int | None = None
        try:
            await sim.wait_latency()
            partner, shop = verify(sim, request, route)
            partner_id, shop_id = partner.partner_id, shop.shop_id if shop else None
            await throttle_and_faults(
                sim.limiter, partner.partner_id, sim.faults, route.name, INJECTED
            )
            response = await route.handler(Call(sim, request, route, partner, shop))
        except ShopeeError as error:
            response = error_response(error, wrapped=not route.top_level)
        sim.record_call(request, route.name, response, partner_id, shop_id)
        return response

    return endpoint


def not_found(request: Request) -> Response:
    return error_response(
        ShopeeError("error_not_found", f"No such API: {request.method} {request.url.path}")
    )
