"""Validating a channel's payloads with pydantic: cached validators and a one-line description
of what did not match, for :class:`~satustok.channels.http.errors.MalformedPayload`.

The models themselves are the channel's (``channels/<name>/schemas.py``); this module only
knows how to apply one and how to name the first offending field.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import pydantic

T = TypeVar("T")

# Validators by payload type (a class or ``list[…]``): building one costs far more than using
# it. A cache of immutable validators, shared safely; no client state lives here.
_ADAPTERS: dict[Any, pydantic.TypeAdapter[Any]] = {}


def adapter(model: Any) -> pydantic.TypeAdapter[Any]:
    """The (cached) validator of ``model``."""
    found = _ADAPTERS.get(model)
    if found is None:
        found = _ADAPTERS.setdefault(model, pydantic.TypeAdapter(model))
    return found


def describe_invalid(invalid: pydantic.ValidationError) -> str:
    """``data[3].basic.productID: Input should be a valid integer`` (and how many more)."""
    problems = invalid.errors(include_url=False)
    first = problems[0]
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"])
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    return f"{where.lstrip('.') or 'body'}: {first['msg']}{more}"


def validated(model: type[T], payload: object, malformed: Callable[[str], Exception]) -> T:
    """``payload`` as ``model``; a mismatch raises ``malformed(description)`` (the client's
    :class:`~satustok.channels.http.errors.MalformedPayload`, with its own excerpt and ids)."""
    try:
        parsed: T = adapter(model).validate_python(payload)
        return parsed
    except pydantic.ValidationError as invalid:
        raise malformed(describe_invalid(invalid)) from None


def json_object(content: bytes) -> dict[str, Any] | None:
    """A body decoded as a JSON object; None when it is not JSON or not an object (a proxy's
    HTML page, an empty body), which the client then judges by its HTTP status."""
    try:
        parsed = json.loads(content)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
