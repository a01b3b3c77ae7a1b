"""Fault injection for the Shopee sandbox: latency, server errors (random, counted or forced
per API), rate limiting, hanging calls (client timeouts) and push chaos.

``POST faults`` merges a ``FaultsPatch`` into the current faults; ``DELETE faults`` starts over.
Counted faults are deterministic; fractional ones draw from one ``random.Random`` that
``random_seed`` reseeds. API names are accepted as ``/api/v2/product/update_stock``,
``product/update_stock`` or ``product.update_stock``. The merge and the per-call outcome are
``common/faults.py``'s (shared with TikTok Shop); what each outcome answers is ``pipeline.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field

from satustok_sandbox.common.control import StrictBody
from satustok_sandbox.common.faults import ApiFaultBox, ApiOutcomeKind, LimitPatch

Outcome = tuple[ApiOutcomeKind, "ForcedError | None"]
SERVER_ERRORS = ("error_server", "error_inner", "error_system_busy")


def api_name(raw: str) -> str:
    """``/api/v2/product/update_stock`` / ``product.update_stock`` → ``product/update_stock``."""
    name = raw.strip().removeprefix("/shopee").removeprefix("/api/v2/").strip("/")
    return name.replace(".", "/")


class ForcedErrorPatch(StrictBody):
    error: str = Field("error_server", min_length=1)
    message: str = "Injected by the sandbox."
    status: int | None = Field(None, ge=200, le=599, description="Default: from the error.")
    count: int | None = Field(None, ge=1, description="How many calls; null: until cleared.")


class PushFaultsPatch(StrictBody):
    drop: float | None = Field(None, ge=0, le=1)
    duplicate: float | None = Field(None, ge=0, le=1)
    drop_next: int | None = Field(None, ge=0)
    duplicate_next: int | None = Field(None, ge=0)
    reorder: bool | None = Field(None, description="Send what arrives within 0.3 s newest first.")


class FaultsPatch(StrictBody):
    """The body of ``POST faults``; every field is optional and merges into the current set."""

    latency_ms: int | None = Field(None, ge=0, le=60_000)
    error_rate: float | None = Field(None, ge=0, le=1)
    error: Literal["error_server", "error_inner", "error_system_busy"] | None = None
    error_status: int | None = Field(None, ge=500, le=599)
    fail_next: int | None = Field(None, ge=0)
    rate_limit_next: int | None = Field(None, ge=0)
    timeout_next: int | None = Field(None, ge=0, description="Hang the next N calls.")
    timeout_seconds: float | None = Field(None, gt=0, le=600)
    forced: dict[str, ForcedErrorPatch | None] | None = Field(
        None, description="Per API: answer this error (null removes the entry)."
    )
    only_apis: list[str] | None = Field(
        None, description="Restrict error_rate / fail / rate-limit / timeout faults to these APIs."
    )
    strict_clock: bool | None = Field(
        None, description="Check timestamps against the sandbox clock only (not the real one)."
    )
    expire_tokens: bool = False
    push: PushFaultsPatch | None = None
    random_seed: int | None = None
    rate_limits: dict[str, LimitPatch] | None = Field(
        None, description="Per partner_id, or '*' for every partner."
    )


@dataclass
class ForcedError:
    error: str
    message: str
    status: int | None
    count: int | None


@dataclass
class PushFaults:
    drop: float = 0.0
    duplicate: float = 0.0
    drop_next: int = 0
    duplicate_next: int = 0
    reorder: bool = False


@dataclass
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0
    error: str = "error_server"
    error_status: int = 500
    fail_next: int = 0
    rate_limit_next: int = 0
    timeout_next: int = 0
    timeout_seconds: float = 30.0
    forced: dict[str, ForcedError] = field(default_factory=dict)
    only_apis: list[str] | None = None
    strict_clock: bool = False
    random_seed: int | None = None
    push: PushFaults = field(default_factory=PushFaults)


class FaultBox(ApiFaultBox[Faults, ForcedError]):
    def __init__(self) -> None:
        super().__init__(Faults, ForcedError, api_name, delivery="push")
