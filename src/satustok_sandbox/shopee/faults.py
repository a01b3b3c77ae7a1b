"""Fault injection for the Shopee sandbox: latency, server errors (random, counted or forced
per API), rate limiting, hanging calls (client timeouts) and push chaos.

``POST faults`` merges a ``FaultsPatch`` into the current faults; ``DELETE faults`` starts over.
Counted faults are deterministic; fractional ones draw from one ``random.Random`` that
``random_seed`` reseeds. API names are accepted as ``/api/v2/product/update_stock``,
``product/update_stock`` or ``product.update_stock``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field

from satustok_sandbox.common.control import StrictBody
from satustok_sandbox.common.faults import DeliveryDecision, FaultBoxBase, LimitPatch

Outcome = tuple[Literal["rate_limit", "server_error", "forced", "hang"], "ForcedError | None"]
PushDecision = DeliveryDecision
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


class FaultBox(FaultBoxBase[Faults]):
    def __init__(self) -> None:
        super().__init__(Faults)

    def merge(self, patch: FaultsPatch) -> None:
        plain = patch.model_dump(
            exclude_none=True,
            exclude={"push", "forced", "rate_limits", "expire_tokens", "only_apis"},
        )
        push = patch.push.model_dump(exclude_none=True) if patch.push else {}
        with self._lock:
            self._set_fields(self.faults, plain)
            if patch.only_apis is not None:
                self.faults.only_apis = [api_name(a) for a in patch.only_apis] or None
            for raw, forced in (patch.forced or {}).items():
                if forced is None:
                    self.faults.forced.pop(api_name(raw), None)
                else:
                    self.faults.forced[api_name(raw)] = ForcedError(**forced.model_dump())
            self._set_fields(self.faults.push, push)
            self._reseed(patch.random_seed)

    def outcome(self, api: str) -> Outcome | None:
        """Consume a counted fault or roll the dice for one call of ``api``."""
        with self._lock:
            faults = self.faults
            forced = faults.forced.get(api)
            if forced is not None:
                if forced.count is not None:
                    forced.count -= 1
                    if forced.count <= 0:
                        del faults.forced[api]
                return "forced", forced
            if faults.only_apis and api not in faults.only_apis:
                return None
            if faults.timeout_next > 0:
                faults.timeout_next -= 1
                return "hang", None
            if faults.rate_limit_next > 0:
                faults.rate_limit_next -= 1
                return "rate_limit", None
            if faults.fail_next > 0:
                faults.fail_next -= 1
                return "server_error", None
            if faults.error_rate and self._rng.random() < faults.error_rate:
                return "server_error", None
            return None

    def push_decision(self) -> PushDecision:
        return self._delivery_decision(lambda faults: faults.push)
