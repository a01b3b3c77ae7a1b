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
from satustok_sandbox.common.faults import (
    ApiFaultBox,
    ApiFaultsBody,
    ApiFaultSettings,
    ApiOutcomeKind,
    LimitPatch,
    WebhookFaults,
    WebhookFaultsPatch,
)

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


class FaultsPatch(ApiFaultsBody):
    """The body of ``POST faults``; every field is optional and merges into the current set."""

    error: Literal["error_server", "error_inner", "error_system_busy"] | None = None
    forced: dict[str, ForcedErrorPatch | None] | None = Field(
        None, description="Per API: answer this error (null removes the entry)."
    )
    push: WebhookFaultsPatch | None = None
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
class Faults(ApiFaultSettings):
    error: str = "error_server"
    forced: dict[str, ForcedError] = field(default_factory=dict)
    push: WebhookFaults = field(default_factory=WebhookFaults)


class FaultBox(ApiFaultBox[Faults, ForcedError]):
    def __init__(self) -> None:
        super().__init__(Faults, ForcedError, api_name, delivery="push")
