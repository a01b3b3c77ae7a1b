"""Fault injection: latency, 5xx, forced 429, malformed payloads, the name key, webhook chaos.

``POST faults`` merges a ``FaultsPatch`` into the current ``Faults``; ``DELETE faults`` starts
over. Counted faults (``fail_next``, ``rate_limit_next``, ``malformed_next``, ``drop_next``,
``duplicate_next``) are deterministic; fractional ones draw from one ``random.Random`` that
``random_seed`` reseeds, so a failing test can be replayed.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from satustok_sandbox.tokopedia.ratelimit import GROUPS

# Groups whose answers ``malformed_next`` corrupts ("product-info/order responses").
MALFORMABLE_GROUPS = frozenset({"product_info", "order_list", "order_single"})
# The token endpoint is exempt from fail/limit faults unless a test names it in only_groups.
API_GROUPS = frozenset(GROUPS) - {"token"}

Outcome = Literal["rate_limit", "server_error"]
WebhookDecision = Literal["send", "drop", "duplicate"]


class _Patch(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WebhookFaultsPatch(_Patch):
    drop: float | None = Field(None, ge=0, le=1)
    duplicate: float | None = Field(None, ge=0, le=1)
    reorder: bool | None = None
    drop_next: int | None = Field(None, ge=0)
    duplicate_next: int | None = Field(None, ge=0)


class LimitPatch(_Patch):
    rate: float | None = Field(None, gt=0)
    burst: int | None = Field(None, gt=0)
    unlimited: bool = False

    @model_validator(mode="after")
    def _complete(self) -> LimitPatch:
        if not self.unlimited and (self.rate is None or self.burst is None):
            raise ValueError("give rate and burst, or unlimited: true")
        return self


class FaultsPatch(_Patch):
    """The body of ``POST faults``; every field is optional and merges into the current set."""

    latency_ms: int | None = Field(None, ge=0, le=60_000)
    error_rate: float | None = Field(None, ge=0, le=1)
    error_status: int | None = Field(None, ge=500, le=599)
    fail_next: int | None = Field(None, ge=0)
    rate_limit_next: int | None = Field(None, ge=0)
    malformed_next: int | None = Field(None, ge=0)
    expire_tokens: bool = False
    name_key: Literal["name", "Name"] | None = None
    webhooks: WebhookFaultsPatch | None = None
    random_seed: int | None = None
    limits: dict[str, LimitPatch] | None = Field(
        None, description="Per group, or '*' for all groups."
    )
    only_groups: list[str] | None = Field(
        None, description="Restrict fail/limit/error/malformed faults to these endpoint groups."
    )

    @model_validator(mode="after")
    def _known_groups(self) -> FaultsPatch:
        named = [*(self.limits or {}), *(self.only_groups or [])]
        unknown = sorted({g for g in named if g not in GROUPS and g != "*"})
        if unknown:
            raise ValueError(f"unknown endpoint group(s) {unknown}; known: {', '.join(GROUPS)}")
        return self


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
    malformed_next: int = 0
    name_key: str = "name"
    only_groups: list[str] | None = None
    random_seed: int | None = None
    webhooks: WebhookFaults = field(default_factory=WebhookFaults)


class FaultBox:
    """The current faults and their random source, safe to consult from any handler."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.faults = Faults()
        self._rng = random.Random(0)

    def clear(self) -> None:
        with self._lock:
            self.faults = Faults()
            self._rng = random.Random(0)

    def merge(self, patch: FaultsPatch) -> None:
        """Apply the plain fields of a patch (tokens and limits are the sandbox's business)."""
        plain = patch.model_dump(exclude_none=True, exclude={"webhooks", "limits", "expire_tokens"})
        with self._lock:
            for name, value in plain.items():
                setattr(self.faults, name, value)
            for name, value in (
                patch.webhooks.model_dump(exclude_none=True) if patch.webhooks else {}
            ).items():
                setattr(self.faults.webhooks, name, value)
            if patch.random_seed is not None:
                self._rng = random.Random(patch.random_seed)

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return asdict(self.faults)

    def latency_seconds(self) -> float:
        return self.faults.latency_ms / 1000

    def _applies_to(self, group: str) -> bool:
        only = self.faults.only_groups
        return group in only if only else group in API_GROUPS

    def forced_outcome(self, group: str) -> Outcome | None:
        """Consume a counted fault or roll the error dice for one call of ``group``."""
        with self._lock:
            faults = self.faults
            if not self._applies_to(group):
                return None
            if faults.rate_limit_next > 0:
                faults.rate_limit_next -= 1
                return "rate_limit"
            if faults.fail_next > 0:
                faults.fail_next -= 1
                return "server_error"
            if faults.error_rate and self._rng.random() < faults.error_rate:
                return "server_error"
            return None

    def take_malformed(self, group: str) -> bool:
        with self._lock:
            if group not in MALFORMABLE_GROUPS or not self._applies_to(group):
                return False
            if self.faults.malformed_next <= 0:
                return False
            self.faults.malformed_next -= 1
            return True

    def webhook_decision(self) -> WebhookDecision:
        with self._lock:
            hooks = self.faults.webhooks
            if hooks.drop_next > 0:
                hooks.drop_next -= 1
                return "drop"
            if hooks.duplicate_next > 0:
                hooks.duplicate_next -= 1
                return "duplicate"
            if hooks.drop and self._rng.random() < hooks.drop:
                return "drop"
            if hooks.duplicate and self._rng.random() < hooks.duplicate:
                return "duplicate"
            return "send"

    def reorder_webhooks(self) -> bool:
        return self.faults.webhooks.reorder
