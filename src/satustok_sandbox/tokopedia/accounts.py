"""accounts.tokopedia.com: the client-credentials token endpoint (fact sheet §1).

``POST /token?grant_type=client_credentials`` with HTTP Basic client credentials and no body.
A live token is returned again until it expires (a new one is issued only after that, per the
Oct 2021 news post); ``expires_in`` is then the remaining lifetime. Errors are OAuth-style
``{"error", "error_description"}``.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from satustok_sandbox.tokopedia.ratelimit import retry_after_seconds
from satustok_sandbox.tokopedia.state import AccessToken, App, SandboxState

if TYPE_CHECKING:
    from satustok_sandbox.tokopedia.sandbox import TokopediaSandbox

GROUP = "token"


def routes(sim: TokopediaSandbox) -> list[BaseRoute]:
    async def token(request: Request) -> Response:
        sim.stats.count_call(GROUP)
        response = await _token(sim, request)
        sim.stats.count_status(GROUP, response.status_code)
        sim.record_call(
            request.method, request.url.path, str(request.url.query), GROUP, response.status_code
        )
        return response

    return [Route("/token", token, methods=["POST"])]


def oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, client_secret = decoded.partition(":")
    return (client_id, client_secret) if colon else None


async def _token(sim: TokopediaSandbox, request: Request) -> Response:
    await sim.wait_latency()
    if request.query_params.get("grant_type") != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    app = _client(sim.state, basic_credentials(request))
    if app is None:
        return oauth_error(401, "invalid_client", "Client authentication failed")
    limited = _rate_limited(sim, app)
    if limited is not None:
        return limited
    forced = sim.faults.forced_outcome(GROUP)
    if forced == "rate_limit":
        return oauth_error(429, "too_many_requests", "Too many token requests")
    if forced == "server_error":
        return oauth_error(sim.faults.faults.error_status, "server_error", "Temporary failure")
    return JSONResponse(_issue(sim, app))


def _client(state: SandboxState, credentials: tuple[str, str] | None) -> App | None:
    if credentials is None:
        return None
    app = state.app_by_client_id(credentials[0])
    if app is None or not secrets.compare_digest(app.client_secret, credentials[1]):
        return None
    return app


def _rate_limited(sim: TokopediaSandbox, app: App) -> Response | None:
    key = f"client:{app.client_id}"
    if sim.limiter.take_up_to(key, GROUP, 1):
        return None
    response = oauth_error(429, "too_many_requests", "Too many token requests")
    headers = sim.limiter.headers(key, GROUP)
    response.headers.update({**headers, "Retry-After": retry_after_seconds(headers)})
    return response


def _issue(sim: TokopediaSandbox, app: App) -> dict[str, object]:
    state = sim.state
    with state.lock:
        now = state.now()
        live = [t for t in state.tokens.values() if t.fs_id == app.fs_id and t.expires_at > now]
        token = max(live, key=lambda t: t.expires_at, default=None)
        if token is None:
            token = AccessToken(
                f"c:{secrets.token_urlsafe(32)}", app.fs_id, now + app.token_ttl_seconds
            )
            state.tokens[token.value] = token
            sim.stats.count_token_issued()
        return {
            "access_token": token.value,
            "expires_in": int(token.expires_at - now),
            "token_type": "Bearer",
        }
