"""Validating a channel's payloads with pydantic: cached validators and a one-line description
of what did not match, for :class:`~satustok.channels.http.errors.MalformedPayload`.

The models themselves are the channel's (``channels/<name>/schemas.py``); this module only
knows how to apply one and how to name the first offending field.
"""

from __future__ import annotations

from typing import Any

import pydantic

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
