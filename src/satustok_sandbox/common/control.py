"""The plumbing of a sandbox's control API (``/_sandbox/<marketplace>/``).

A control API is plain JSON in and out (never the marketplace's envelope); a handler takes the
sandbox and the request and returns a JSON-able value or a ``Response``, or raises
:class:`ControlError`, answered as ``{"error": message}`` with its status: 400 (bad input), 404
(unknown id) or 409 (refused by the world's rules). Shared here: that wrapping, body and path
parsing, and the handlers every sandbox answers alike (reset, call log, clock).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from satustok_sandbox.common.clock import SandboxClock

Sim = TypeVar("Sim")
Body = TypeVar("Body", bound=BaseModel)
Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")
Handler = Callable[[Sim, Request], Awaitable[Any]]
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


class ControlledSandbox(Protocol):
    """What the shared handlers need of a sandbox."""

    clock: SandboxClock
    calls: deque[dict[str, Any]]

    def reset(self) -> None: ...


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
