"""What happens to every fs.tokopedia.net call before and after its handler.

Latency → bearer token (401) → fs_id format and ownership → injected faults (forced 429 / 5xx)
→ the endpoint group's token bucket (one token; bulk handlers charge per item themselves) →
the handler → ``X-Ratelimit-*`` headers, stats and the call log. Handlers get a ``Call`` with
typed parameter helpers that raise the endpoint domain's validation codes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from satustok_sandbox.tokopedia.envelope import (
    ApiError,
    error_response,
    too_many_requests,
    unauthorized,
)
from satustok_sandbox.tokopedia.ratelimit import exhausted_headers, retry_after_seconds
from satustok_sandbox.tokopedia.state import App, SandboxState

if TYPE_CHECKING:
    from satustok_sandbox.tokopedia.sandbox import TokopediaSandbox

Handler = Callable[["Call"], Awaitable[Response]]

# Per domain: (code when fs_id is missing, code when it is not a number).
FS_ID_CODES = {
    "PRD": ("PRD_DLV_001", "PRD_DLV_002"),
    "ORD": ("ORD_DLV_001", "ORD_DLV_002"),
    "SHP": ("SHP_DLV_012", "SHP_DLV_001"),
    "VRT": ("VRT_DLV_001", "VRT_DLV_002"),
}


@dataclass(frozen=True)
class ApiRoute:
    """One row of the route table."""

    method: str
    path: str
    group: str
    handler: Handler
    domain: str = "PRD"
    bulk: bool = False
    fs_id_in: Literal["path", "query"] = "path"
    webhook_style: bool = False


@dataclass
class Call:
    """One authenticated API call as its handler sees it."""

    sim: TokopediaSandbox
    request: Request
    route: ApiRoute
    app: App
    started: float

    @property
    def state(self) -> SandboxState:
        return self.sim.state

    @property
    def fs_id(self) -> int:
        return self.app.fs_id

    def query(self, name: str) -> str | None:
        value = self.request.query_params.get(name)
        return value.strip() if value is not None else None

    def query_all(self, name: str) -> list[str]:
        return self.request.query_params.getlist(name)

    def int_param(
        self,
        name: str,
        *,
        missing: tuple[str, str] | None,
        invalid: tuple[str, str],
        minimum: int = 1,
        default: int | None = None,
    ) -> int | None:
        """A positive integer query parameter; ``missing`` None means optional."""
        raw = self.query(name)
        if raw in (None, ""):
            if missing is not None:
                raise ApiError(*missing)
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(*invalid) from None
        if value < minimum:
            raise ApiError(*invalid)
        return value

    async def json_body(self, invalid: tuple[str, str]) -> Any:
        try:
            return json.loads(await self.request.body() or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError(*invalid) from None

    def charge(self, items: int) -> int:
        """Take up to ``items`` tokens (bulk calls); 429 when not even one is left."""
        granted = self.sim.limiter.take_up_to(str(self.fs_id), self.route.group, items)
        self.sim.stats.add_items(self.route.group, items)
        if items and not granted:
            headers = self.sim.limiter.headers(str(self.fs_id), self.route.group)
            raise too_many_requests(float(headers["X-Ratelimit-Reset-After"]))
        return granted


def authenticate(sim: TokopediaSandbox, request: Request) -> App:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Missing bearer access token")
    with sim.state.lock:
        access = sim.state.tokens.get(token.strip())
        if access is None:
            raise unauthorized("Invalid access token")
        if access.expires_at <= sim.state.now():
            raise unauthorized("Access token has expired")
        return sim.state.apps[access.fs_id]


def requested_fs_id(request: Request, route: ApiRoute) -> int:
    source = request.path_params if route.fs_id_in == "path" else request.query_params
    raw = str(source.get("fs_id") or "").strip()
    missing, invalid = FS_ID_CODES.get(route.domain, FS_ID_CODES["PRD"])
    if not raw:
        raise ApiError(missing, "fs_id field is empty, please check again")
    if not raw.isdigit():
        raise ApiError(invalid, "fs_id is in the wrong format, please check again")
    return int(raw)


def make_endpoint(
    sim: TokopediaSandbox, route: ApiRoute
) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint for one route, wrapping its handler in the pipeline."""

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        sim.stats.count_call(route.group)
        bucket_key = str(
            request.path_params.get("fs_id") or request.query_params.get("fs_id") or "-"
        )
        try:
            response, bucket_key = await _run(sim, route, request, started)
        except ApiError as error:
            response = _error(route, error, started)
        _finish(sim, route, request, response, bucket_key)
        return response

    return endpoint


async def _run(
    sim: TokopediaSandbox, route: ApiRoute, request: Request, started: float
) -> tuple[Response, str]:
    await sim.wait_latency()
    app = authenticate(sim, request)
    if requested_fs_id(request, route) != app.fs_id:
        raise unauthorized(
            f"Access token does not belong to the fs_id in the request (it is {app.fs_id}'s)"
        )
    key = str(app.fs_id)
    forced = _forced_fault(sim, route, started)
    if forced is not None:
        return forced, key
    call = Call(sim, request, route, app, started)
    if not route.bulk:
        call.charge(1)
    return await route.handler(call), key


def _forced_fault(sim: TokopediaSandbox, route: ApiRoute, started: float) -> Response | None:
    outcome = sim.faults.forced_outcome(route.group)
    if outcome == "rate_limit":
        headers = exhausted_headers(sim.limiter.limit(route.group))
        error = too_many_requests(float(headers["X-Ratelimit-Reset-After"]))
        response = _error(route, error, started)
        response.headers.update({**headers, "Retry-After": retry_after_seconds(headers)})
        return response
    if outcome == "server_error":
        status = sim.faults.faults.error_status
        error = ApiError(f"{route.domain}_API_006", "There Are Error From Ext Service", status)
        return _error(route, error, started)
    return None


def _error(route: ApiRoute, error: ApiError, started: float) -> Response:
    if route.webhook_style and error.status not in (401, 429) and error.status < 500:
        return webhook_error(error.status, error.reason)
    return error_response(error, started)


def webhook_error(status: int, message: str) -> JSONResponse:
    """The webhook endpoints' own envelope (fact sheet §2)."""
    phrase = {400: "Bad Request", 403: "Forbidden", 404: "Not Found"}.get(status, "Error")
    return JSONResponse(
        {"data": None, "status": f"{status} {phrase}", "error_message": [message]},
        status_code=status,
    )


def _finish(
    sim: TokopediaSandbox, route: ApiRoute, request: Request, response: Response, key: str
) -> None:
    if "X-Ratelimit-Limit" not in response.headers:
        headers = sim.limiter.headers(key, route.group)
        response.headers.update(headers)
        if response.status_code == 429:
            response.headers["Retry-After"] = retry_after_seconds(headers)
    sim.stats.count_status(route.group, response.status_code)
    sim.record_call(
        request.method, request.url.path, str(request.url.query), route.group, response.status_code
    )
