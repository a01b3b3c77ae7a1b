"""What happens to every TikTok Shop API call before and after its handler: the gateway.

Latency → ``app_key`` (known; else 36009004) → ``timestamp`` (within ±300 s; else 36009004) →
``sign`` (else 106001, HTTP 401) → the ``x-tts-access-token`` header (missing, unknown, another
app's or revoked: 36009004; expired, or its authorization expired: 105002) → the API's scope
granted (else 105005) → on shop-scoped APIs ``shop_cipher`` (missing: 106013; not a shop this
token covers: 105005) → the rate limit per app × shop (36009002, HTTP 429, ``Retry-After``) →
injected faults → the handler → stats and the call log.

The signed path is the path as the real host sees it (``/product/202309/products/search``): the
request path less the sandbox's mount prefix (``/tiktokshop/open-api``).

Timestamps: the doc's "within 5 minutes" (C) read as ±300 s, not the reported −5 min..+30 s
(U). As in the Shopee sandbox a timestamp passes within 300 s of the sandbox clock **or** of the
real clock, so moving the sandbox clock forward (to expire tokens) does not also make every
client's signature stale; the ``strict_clock`` fault checks the sandbox clock only.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from satustok_sandbox.common.gateway import InjectedErrors, throttle_and_faults
from satustok_sandbox.tiktokshop.envelope import (
    INTERNAL_ERROR,
    INVALID_PARAM,
    INVALID_SIGN,
    MISSING_SHOP_CIPHER,
    RATE_LIMITED,
    SCOPE_NOT_GRANTED,
    TOKEN_EXPIRED,
    TikTokError,
    error_response,
    invalid_request,
)
from satustok_sandbox.tiktokshop.faults import Faults, ForcedError, api_name
from satustok_sandbox.tiktokshop.signing import sign, signatures_match
from satustok_sandbox.tiktokshop.state import AccessToken, App, Authorization, Shop

if TYPE_CHECKING:
    from satustok_sandbox.tiktokshop.sandbox import TikTokShopSandbox
    from satustok_sandbox.tiktokshop.state import TikTokShopState

Handler = Callable[["Call"], Awaitable[Response]]
TIMESTAMP_WINDOW = 300
TOKEN_HEADER = "x-tts-access-token"
RATE_LIMITED_MESSAGE = "Too many requests: the rate limit is exceeded, retry later."
# What throttling and injected faults answer (``common/gateway.py`` decides which).
INJECTED: InjectedErrors[Faults, ForcedError] = InjectedErrors(
    throttled=lambda retry: TikTokError(
        RATE_LIMITED, RATE_LIMITED_MESSAGE, headers={"Retry-After": retry}
    ),
    forced=lambda forced: TikTokError(forced.code, forced.message, forced.status or 0),
    timed_out=lambda: TikTokError(INTERNAL_ERROR, "Internal error: the request timed out.", 504),
    server_error=lambda faults: TikTokError(
        INTERNAL_ERROR, "Internal error, please retry.", faults.error_status
    ),
)


@dataclass(frozen=True)
class ApiRoute:
    """One row of the route table: method, the real path (a Starlette template), the handler,
    the scope it needs, and whether it is shop-scoped (needs ``shop_cipher``)."""

    method: str
    path: str
    handler: Handler
    scope: str | None
    shop: bool = True

    @property
    def name(self) -> str:
        return api_name(self.path)


@dataclass
class Verified:
    """Who is calling: the app, the seller's authorization, and the shop (shop-scoped APIs)."""

    app: App
    authorization: Authorization
    shop: Shop | None

    @property
    def limit_key(self) -> tuple[str, str]:
        """Throttling is per app × shop (per app × seller for calls without a shop)."""
        scope = self.shop.id if self.shop else f"seller:{self.authorization.open_id}"
        return (self.app.app_key, scope)


@dataclass
class Call:
    """One verified API call as its handler sees it."""

    sim: TikTokShopSandbox
    request: Request
    route: ApiRoute
    verified: Verified
    raw_body: bytes

    @property
    def state(self) -> TikTokShopState:
        return self.sim.state

    @property
    def app(self) -> App:
        return self.verified.app

    @property
    def shop(self) -> Shop:
        assert self.verified.shop is not None
        return self.verified.shop

    def param(self, name: str) -> str | None:
        value = self.request.query_params.get(name)
        return value.strip() if value is not None else None

    def int_param(self, name: str, *, default: int | None, minimum: int, maximum: int) -> int:
        """An integer query parameter within bounds (``default`` None: required)."""
        raw = self.param(name)
        if raw in (None, ""):
            if default is None:
                raise invalid_request(f"{name} is required.")
            return default
        if not raw.isdigit() or not minimum <= int(raw) <= maximum:
            raise invalid_request(f"{name} must be an integer {minimum}..{maximum}.")
        return int(raw)

    def json_body(self) -> dict[str, Any]:
        """The body: a JSON object (empty: ``{}``); anything else is 40001."""
        try:
            body = json.loads(self.raw_body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise invalid_request("the body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise invalid_request("the body must be a JSON object.")
        return body


def real_path(request: Request) -> str:
    """The path as the real host sees it: the request path less the mount prefix."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


# --- the gateway checks ----------------------------------------------------------------------


def _invalid_param(what: str) -> TikTokError:
    return TikTokError(INVALID_PARAM, f"Invalid param error: {what}")


def check_timestamp(sim: TikTokShopSandbox, raw: str | None) -> None:
    """Within ±300 s of the sandbox clock (or of the real clock, unless ``strict_clock``)."""
    text = (raw or "").strip()
    if not text.isdigit():
        raise _invalid_param("timestamp is required, in Unix seconds.")
    strict = sim.faults.faults.strict_clock
    verdict = sim.clock.timestamp_verdict(int(text), TIMESTAMP_WINDOW, strict=strict)
    if verdict == "expired":
        raise _invalid_param("timestamp is expired (more than 300 s old).")
    if verdict == "future":
        raise _invalid_param("timestamp is in the future (more than 300 s ahead).")


def check_sign(app: App, request: Request, api_path: str, body: bytes) -> None:
    given = (request.query_params.get("sign") or "").strip()
    if not given:
        raise TikTokError(INVALID_SIGN, "Invalid signature: sign is required.")
    expected = sign(
        app.app_secret,
        api_path,
        request.query_params.multi_items(),
        body,
        request.headers.get("content-type", ""),
    )
    if not signatures_match(expected, given):
        raise TikTokError(INVALID_SIGN, "Invalid signature: the signature is invalid.")


def _token(state: TikTokShopState, request: Request, app: App) -> AccessToken:
    value = (request.headers.get(TOKEN_HEADER) or "").strip()
    if not value:
        raise _invalid_param(f"access token is missing ({TOKEN_HEADER} header).")
    token = state.access_tokens.get(value)
    if token is None or token.app_key != app.app_key:
        raise _invalid_param("access token is invalid.")
    if token.revoked_at is not None:
        raise _invalid_param("access token is invalid (the authorization was cancelled).")
    if token.expires_at <= state.now():
        raise TikTokError(TOKEN_EXPIRED, "Expired credentials: the access token has expired.")
    return token


def _authorization(state: TikTokShopState, token: AccessToken) -> Authorization:
    found = state.authorizations.get((token.app_key, token.open_id))
    if found is None or found.revoked_at is not None:
        raise _invalid_param("access token is invalid (the authorization was cancelled).")
    if not found.active(state.now()):
        raise TikTokError(TOKEN_EXPIRED, "Expired credentials: the authorization has expired.")
    return found


def _shop(state: TikTokShopState, request: Request, authorization: Authorization) -> Shop:
    cipher = (request.query_params.get("shop_cipher") or "").strip()
    if not cipher:
        raise TikTokError(
            MISSING_SHOP_CIPHER, "Missing identifier: shop_cipher is required for this API."
        )
    shop_id = state.ciphers.get(cipher)
    if shop_id is None or shop_id not in authorization.shop_ids:
        raise TikTokError(
            SCOPE_NOT_GRANTED,
            "Access denied: the shop_cipher is not a shop this access token may access.",
        )
    return state.shops[shop_id]


def verify(
    sim: TikTokShopSandbox, request: Request, route: ApiRoute, api_path: str, body: bytes
) -> Verified:
    """The app, authorization and shop of a correctly signed, authorized call."""
    app_key = (request.query_params.get("app_key") or "").strip()
    if not app_key:
        raise _invalid_param("app_key is required.")
    state = sim.state
    with state.lock:
        app = state.apps.get(app_key)
        if app is None:
            raise _invalid_param("app_key is invalid.")
        check_timestamp(sim, request.query_params.get("timestamp"))
        check_sign(app, request, api_path, body)
        authorization = _authorization(state, _token(state, request, app))
        if route.scope is not None and route.scope not in app.scopes:
            raise TikTokError(
                SCOPE_NOT_GRANTED, f"Access denied: the scope {route.scope} is not granted."
            )
        shop = _shop(state, request, authorization) if route.shop else None
        return Verified(app, authorization, shop)


def make_endpoint(
    sim: TikTokShopSandbox, route: ApiRoute
) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint for one route, wrapping its handler in the gateway."""

    async def endpoint(request: Request) -> Response:
        app_key = request.query_params.get("app_key") or None  # as claimed, until verified
        shop_id: str | None = None
        try:
            await sim.wait_latency()
            body = await request.body()
            verified = verify(sim, request, route, real_path(request), body)
            app_key = verified.app.app_key
            shop_id = verified.shop.id if verified.shop else None
            await throttle_and_faults(
                sim.limiter, verified.limit_key, sim.faults, route.name, INJECTED
            )
            response = await route.handler(Call(sim, request, route, verified, body))
        except TikTokError as error:
            response = error_response(error)
        sim.record_call(request, route.name, response, app_key, shop_id)
        return response

    return endpoint
