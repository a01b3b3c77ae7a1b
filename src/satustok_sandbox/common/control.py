"""The plumbing of a sandbox's control API (``/_sandbox/<marketplace>/``).

A control API is plain JSON in and out (never the marketplace's envelope); a handler takes the
sandbox and the request and returns a JSON-able value or a ``Response``, or raises
:class:`ControlError`, answered as ``{"error": message}`` with its status: 400 (bad input), 404
(unknown id) or 409 (refused by the world's rules). Shared here: that wrapping, body and path
parsing, the handlers every sandbox answers alike (info, reset, call log, clearing the faults,
clock, the shown-stock log; Shopee's and TikTok Shop's refresh-token ledger) and
:func:`shared_rows`, the routes of those plus the marketplace's own stats and faults handlers.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from satustok_sandbox.common.clock import SandboxClock
from satustok_sandbox.common.stocklog import StockLog
from satustok_sandbox.common.tokens import Ledger, TokenBase, expire_owned, ledger_view

Sim = TypeVar("Sim")
Body = TypeVar("Body", bound=BaseModel)
Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")
Handler = Callable[[Sim, Request], Awaitable[Any]]
Row = tuple[str, str, Handler[Sim]]
Endpoint = Callable[[Request], Awaitable[Response]]


class ControlError(Exception):
    """A refused control call: ``status`` and ``message`` become the JSON answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class StrictBody(BaseModel):
    """A control API body: unknown fields are refused (a test's typo does not set nothing)."""

    model_config = ConfigDict(extra="forbid")


class ClockBody(StrictBody):
    advance_seconds: float = Field(ge=0)


class Clearable(Protocol):
    def clear(self) -> None: ...


class Restorable(Protocol):
    def restore(self) -> None: ...


class ControlledSandbox(Protocol):
    """What the shared handlers need of a sandbox."""

    clock: SandboxClock
    calls: deque[dict[str, Any]]

    def reset(self) -> None: ...


class FaultedSandbox(ControlledSandbox, Protocol):
    """What :func:`shared_rows` needs besides: the info document, the faults, the limits and
    the shown-stock log."""

    @property
    def stock_log(self) -> StockLog: ...

    @property
    def faults(self) -> Clearable: ...

    @property
    def limiter(self) -> Restorable: ...

    def info(self, base_url: str) -> dict[str, Any]: ...


class AuthState(Ledger, Protocol):
    """The authorization state of a sandbox that issues token pairs (Shopee, TikTok Shop)."""

    @property
    def lock(self) -> AbstractContextManager[Any]: ...

    @property
    def access_tokens(self) -> Mapping[str, TokenBase]: ...

    def now(self) -> float: ...


class AuthSandbox(Protocol):
    @property
    def state(self) -> AuthState: ...


Faulted = TypeVar("Faulted", bound=FaultedSandbox)
Authorizing = TypeVar("Authorizing", bound=AuthSandbox)


def routes(sim: Sim, table: Sequence[tuple[str, str, Handler[Sim]]]) -> list[BaseRoute]:
    """One route per ``(method, path, handler)`` row, each handler closed over ``sim``."""
    return [
        Route(path, endpoint(sim, handler), methods=[method]) for method, path, handler in table
    ]


def endpoint(sim: Sim, handler: Handler[Sim]) -> Endpoint:
    async def answer(request: Request) -> Response:
        try:
            result = await handler(sim, request)
        except ControlError as error:
            return JSONResponse({"error": error.message}, status_code=error.status)
        return result if isinstance(result, Response) else JSONResponse(result)

    return answer


async def parse_body(request: Request, model: type[Body]) -> Body:
    """The request's JSON body (empty: ``{}``) as ``model``; a 400 names every problem."""
    try:
        return model.model_validate(json.loads(await request.body() or b"{}"))
    except json.JSONDecodeError as error:
        raise ControlError(400, f"body is not valid JSON: {error.msg}") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()
        )
        raise ControlError(400, problems) from None


def path_int(request: Request, name: str) -> int:
    raw = str(request.path_params[name])
    if not raw.isdigit():
        raise ControlError(400, f"{name} must be a number, got {raw!r}")
    return int(raw)


def after_param(request: Request) -> int:
    """``?after=<id>``: only log records after the one with that id (0, the default: all)."""
    raw = request.query_params.get("after", "0")
    if not raw.isdigit():
        raise ControlError(400, "after must be a record id (a whole number)")
    return int(raw)


def found(table: Mapping[Key, Value], key: Key, what: str) -> Value:
    """``table[key]``, or a 404 "no {what} {key}"."""
    value = table.get(key)
    if value is None:
        raise ControlError(404, f"no {what} {key}")
    return value


def base_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


# --- handlers every sandbox answers alike ------------------------------------------------------


def shared_rows(
    get_stats: Handler[Faulted],
    get_faults: Handler[Faulted],
    post_faults: Handler[Faulted],
    clock_mover: Handler[Faulted] | None = None,
) -> list[Row[Faulted]]:
    """The rows every control API has: info (also at the root), reset, stats, the call log,
    faults (``DELETE`` clears them and the rate limits, then answers ``get_faults``), the
    clock (``clock_mover`` instead of :func:`post_clock` where moving it does more) and the
    shown-stock log."""
    return [
        ("GET", "/", get_info),
        ("GET", "/info", get_info),
        ("POST", "/reset", post_reset),
        ("GET", "/stats", get_stats),
        ("GET", "/calls", get_calls),
        ("GET", "/faults", get_faults),
        ("POST", "/faults", post_faults),
        ("DELETE", "/faults", clearing_faults(get_faults)),
        ("GET", "/clock", get_clock),
        ("POST", "/clock", clock_mover or post_clock),
        ("GET", "/stock-log", get_stock_log),
    ]


async def get_info(sim: FaultedSandbox, request: Request) -> dict[str, Any]:
    return sim.info(base_url(request))


async def get_stock_log(sim: FaultedSandbox, request: Request) -> list[dict[str, Any]]:
    """``GET stock-log?after=N[&shop_id=S]``: the shown-stock log's records with an id above
    ``N`` (of shop ``S`` only, when given), oldest first, at most ``PAGE_LIMIT`` per answer
    (a reader passes the last id it saw to get the next page)."""
    shop_id = request.query_params.get("shop_id")
    records = sim.stock_log.after(after_param(request), shop_id or None)
    return [record.as_json() for record in records]


def clearing_faults(show: Handler[Faulted]) -> Handler[Faulted]:
    """``DELETE faults``: no faults, the configured rate limits, then what ``show`` answers."""

    async def delete_faults(sim: Faulted, request: Request) -> Any:
        sim.faults.clear()
        sim.limiter.restore()
        return await show(sim, request)

    return delete_faults


def authorization_rows(
    post_authorize: Handler[Authorizing],
    post_revoke: Handler[Authorizing],
    get_authorizations: Handler[Authorizing],
    owner_body: type[StrictBody],
) -> list[Row[Authorizing]]:
    """The authorization rows of a marketplace that issues token pairs (Shopee, TikTok Shop):
    the seller approving (tokens at once on request) or revoking, expiring access tokens
    (``owner_body``: whose, see :func:`expiring_access_tokens`), the authorizations and the
    refresh-token ledger."""
    return [
        ("POST", "/authorize", post_authorize),
        ("POST", "/revoke", post_revoke),
        ("POST", "/expire_access_tokens", expiring_access_tokens(owner_body)),
        ("GET", "/authorizations", get_authorizations),
        ("GET", "/refresh_tokens", get_refresh_tokens),
    ]


async def get_refresh_tokens(sim: AuthSandbox, request: Request) -> dict[str, Any]:
    """The refresh-token ledger: how often each token was presented, and every reuse."""
    with sim.state.lock:
        return ledger_view(sim.state)


def expire_access_tokens(sim: AuthSandbox, wanted: Mapping[str, object]) -> int:
    """Expire now the access tokens whose owner has every value of ``wanted`` that is not None
    (none given: every token); how many were still valid."""
    state = sim.state
    with state.lock:
        return expire_owned(state.access_tokens.values(), state.now(), wanted)


def expiring_access_tokens(body: type[StrictBody]) -> Handler[AuthSandbox]:
    """``POST expire_access_tokens``, whose ``body`` fields are the tokens' owner fields (Shopee:
    ``partner_id``, ``shop_id``; TikTok Shop: ``app_key``, ``open_id``), each optional."""

    async def post_expire_access_tokens(sim: AuthSandbox, request: Request) -> dict[str, int]:
        wanted = (await parse_body(request, body)).model_dump()
        return {"expired": expire_access_tokens(sim, wanted)}

    return post_expire_access_tokens


async def post_reset(sim: ControlledSandbox, request: Request) -> dict[str, Any]:
    sim.reset()
    return {"reset": True}


async def get_calls(sim: ControlledSandbox, request: Request) -> list[dict[str, Any]]:
    return list(sim.calls)


async def get_clock(sim: ControlledSandbox, request: Request) -> dict[str, float]:
    return {"now": sim.clock.now(), "offset_seconds": sim.clock.offset}


async def post_clock(sim: ControlledSandbox, request: Request) -> dict[str, float]:
    body = await parse_body(request, ClockBody)
    sim.clock.offset += body.advance_seconds
    return await get_clock(sim, request)
