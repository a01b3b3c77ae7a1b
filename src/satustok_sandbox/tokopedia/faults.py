"""Fault injection: latency, 5xx, forced 429, malformed payloads, the name key, webhook chaos.

``POST faults`` merges a ``FaultsPatch`` into the current ``Faults``; ``DELETE faults`` starts
over. Counted faults (``fail_next``, ``rate_limit_next``, ``malformed_next``, ``drop_next``,
``duplicate_next``) are deterministic; fractional ones draw from one ``random.Random`` that
``random_seed`` reseeds, so a failing test can be replayed. The merge, the counted-then-random
choice and the webhook faults are ``common/faults.py``'s (shared with TikTok Shop and Shopee).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field, model_validator

from satustok_sandbox.common.control import StrictBody
from satustok_sandbox.common.faults import (
    Counted,
    FaultBoxBase,
    LimitPatch,
    WebhookFaults,
    WebhookFaultsPatch,
)
from satustok_sandbox.tokopedia.ratelimit import GROUPS

# Groups whose answers ``malformed_next`` corrupts ("product-info/order responses").
MALFORMABLE_GROUPS = frozenset({"product_info", "order_list", "order_single"})
# The token endpoint is exempt from fail/limit faults unless a test names it in only_groups.
API_GROUPS = frozenset(GROUPS) - {"token"}

Outcome = Counted


class FaultsPatch(StrictBody):
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


class FaultBox(FaultBoxBase[Faults]):
    """The current faults and their random source, safe to consult from any handler."""

    def __init__(self) -> None:
        super().__init__(Faults, delivery="webhooks")

    def merge(self, patch: FaultsPatch) -> None:
        """Apply the plain fields of a patch (tokens and limits are the sandbox's business)."""
        with self._lock:
            self._merge(patch, {"limits", "expire_tokens"})

    def _applies_to(self, group: str) -> bool:
        only = self.faults.only_groups
        return group in only if only else group in API_GROUPS

    def forced_outcome(self, group: str) -> Outcome | None:
        """Consume a counted fault or roll the error dice for one call of ``group``."""
        with self._lock:
            if not self._applies_to(group):
                return None
            return self._counted_or_random(self.faults)

    def take_malformed(self, group: str) -> bool:
        with self._lock:
            if group not in MALFORMABLE_GROUPS or not self._applies_to(group):
                return False
            return self._take(self.faults, "malformed_next")
