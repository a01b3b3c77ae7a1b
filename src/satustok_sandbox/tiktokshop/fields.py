"""Reading a request body's fields strictly: a wrong type or an unknown value is 40001, naming
the field, instead of being silently ignored (a filter a client believes it sent must apply)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from satustok_sandbox.tiktokshop.envelope import invalid_request


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def optional_int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if not is_int(value) or value < 0:
        raise invalid_request(f"{name} must be a Unix time in seconds (an integer).")
    return int(value)


def optional_text(
    body: dict[str, Any], name: str, allowed: Collection[str] | None = None
) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or (allowed is not None and value not in allowed):
        choices = f" one of {', '.join(sorted(allowed))}" if allowed is not None else " a string"
        raise invalid_request(f"{name} must be{choices}.")
    return value


def text_list(
    body: dict[str, Any],
    name: str,
    *,
    maximum: int,
    allowed: Collection[str] | None = None,
) -> list[str] | None:
    """A list of strings (at most ``maximum``), or None when the field is absent."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_request(f"{name} must be a list of strings.")
    if len(value) > maximum:
        raise invalid_request(f"{name} takes at most {maximum} values.")
    unknown = sorted(set(value) - set(allowed)) if allowed is not None else []
    if unknown:
        raise invalid_request(f"{name}: {unknown} are not among {sorted(allowed or [])}.")
    return list(value)


def within(value: int, low: int | None, high: int | None) -> bool:
    """``low <= value <= high``, either bound optional."""
    return (low is None or value >= low) and (high is None or value <= high)
