"""Fault injection for the TikTok Shop sandbox: latency, internal errors (random, counted or
forced per API), throttling, hanging calls (client timeouts) and webhook chaos (drop, duplicate,
reorder).

``POST faults`` merges a ``FaultsPatch`` into the current faults; ``DELETE faults`` starts over.
Counted faults are deterministic; fractional ones draw from one ``random.Random`` that
``random_seed`` reseeds. API names are the route's path without its leading slash
(``product/202309/products/{product_id}/inventory/update``); a leading slash or the mount prefix
is accepted too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field

from satustok_sandbox.common.control import StrictBody
from satustok_sandbox.common.faults import DeliveryDecision, FaultBoxBase, LimitPatch

Outcome = tuple[Literal["rate_limit", "server_error", "forced", "hang"], "ForcedError | None"]
API_MOUNT = "/tiktokshop/open-api"


def api_name(raw: str) -> str:
    """``/tiktokshop/open-api/product/202309/…`` or ``/product/202309/…`` → ``product/202309/…``."""
    return raw.strip().removeprefix(API_MOUNT).strip("/")


class ForcedErrorPatch(StrictBody):
    code: int = Field(36009003, description="The envelope's code.")
    message: str = "Injected by the sandbox."
    status: int | None = Field(None, ge=200, le=599, description="Default: from the code.")
    count: int | None = Field(None, ge=1, description="How many calls; null: until cleared.")


class WebhookFaultsPatch(StrictBody):
    drop: float | None = Field(None, ge=0, le=1)
    duplicate: float | None = Field(None, ge=0, le=1)
    reorder: bool | None = Field(None, description="Send what arrives within 0.3 s newest first.")
    drop_next: int | None = Field(None, ge=0)
    duplicate_next: int | None = Field(None, ge=0)


class FaultsPatch(StrictBody):
    """The body of ``POST faults``; every field is optional and merges into the current set."""

    latency_ms: int | None = Field(None, ge=0, le=60_000)
    error_rate: float | None = Field(None, ge=0, le=1)
    error_status: int | None = Field(None, ge=500, le=599)
    fail_next: int | None = Field(None, ge=0)
    rate_limit_next: int | None = Field(None, ge=0)
    timeout_next: int | None = Field(None, ge=0, description="Hang the next N calls.")
    timeout_seconds: float | None = Field(None, gt=0, le=600)
    forced: dict[str, ForcedErrorPatch | None] | None = Field(
        None, description="Per API: answer this code (null removes the entry)."
    )
    only_apis: list[str] | None = Field(
        None, description="Restrict error_rate / fail / rate-limit / timeout faults to these APIs."
    )
    strict_clock: bool | None = Field(
        None, description="Check timestamps against the sandbox clock only (not the real one)."
    )
    expire_tokens: bool = False
    webhooks: WebhookFaultsPatch | None = None
    random_seed: int | None = None
    rate_limits: dict[str, LimitPatch] | None = Field(
        None, description="Per app_key, or '*' for every app."
    )


@dataclass
class ForcedError:
    code: int
    message: str
    status: int | None
    count: int | None


@dataclass
class WebhookFaults:
    drop: float = 0.0
    duplicate: float = 0.0
    reorder: bool = False
    drop_next: int = 0
    duplicate_next: int = 0


@dataclass
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 500
    fail_next: int = 0
    rate_limit_next: int = 0
    timeout_next: int = 0
    timeout_seconds: float = 30.0
    forced: dict[str, ForcedError] = field(default_factory=dict)
    only_apis: list[str] | None = None
    strict_clock: bool = False
    random_seed: int | None = None
    webhooks: WebhookFaults = field(default_factory=WebhookFaults)


class FaultBox(FaultBoxBase[Faults]):
    def __init__(self) -> None:
        super().__init__(Faults)

    def merge(self, patch: FaultsPatch) -> None:
        plain = patch.model_dump(
            exclude_none=True,
            exclude={"webhooks", "forced", "rate_limits", "expire_tokens", "only_apis"},
        )
        webhooks = patch.webhooks.model_dump(exclude_none=True) if patch.webhooks else {}
        with self._lock:
            self._set_fields(self.faults, plain)
            if patch.only_apis is not None:
                self.faults.only_apis = [api_name(a) for a in patch.only_apis] or None
            for raw, forced in (patch.forced or {}).items():
                if forced is None:
                    self.faults.forced.pop(api_name(raw), None)
                else:
                    self.faults.forced[api_name(raw)] = ForcedError(**forced.model_dump())
            self._set_fields(self.faults.webhooks, webhooks)
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
            return self._counted_or_random(faults)

    def _counted_or_random(self, faults: Faults) -> Outcome | None:
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

    def webhook_decision(self) -> DeliveryDecision:
        return self._delivery_decision(lambda faults: faults.webhooks)

    def reorder_webhooks(self) -> bool:
        with self._lock:
            return self.faults.webhooks.reorder
