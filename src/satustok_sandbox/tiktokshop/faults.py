"""Fault injection for the TikTok Shop sandbox: latency, internal errors (random, counted or
forced per API), throttling, hanging calls (client timeouts) and webhook chaos (drop, duplicate,
reorder).

``POST faults`` merges a ``FaultsPatch`` into the current faults; ``DELETE faults`` starts over.
Counted faults are deterministic; fractional ones draw from one ``random.Random`` that
``random_seed`` reseeds. API names are the route's path without its leading slash
(``product/202309/products/{product_id}/inventory/update``); a leading slash or the mount prefix
is accepted too. The merge, the per-call outcome and the webhook faults are ``common/faults.py``'s
(shared with Shopee and Tokopedia); what each outcome answers is ``pipeline.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
API_MOUNT = "/tiktokshop/open-api"


def api_name(raw: str) -> str:
    """``/tiktokshop/open-api/product/202309/…`` or ``/product/202309/…`` → ``product/202309/…``."""
    return raw.strip().removeprefix(API_MOUNT).strip("/")


class ForcedErrorPatch(StrictBody):
    code: int = Field(36009003, description="The envelope's code.")
    message: str = "Injected by the sandbox."
    status: int | None = Field(None, ge=200, le=599, description="Default: from the code.")
    count: int | None = Field(None, ge=1, description="How many calls; null: until cleared.")


class FaultsPatch(ApiFaultsBody):
    """The body of ``POST faults``; every field is optional and merges into the current set."""

    forced: dict[str, ForcedErrorPatch | None] | None = Field(
        None, description="Per API: answer this code (null removes the entry)."
    )
    webhooks: WebhookFaultsPatch | None = None
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
class Faults(ApiFaultSettings):
    forced: dict[str, ForcedError] = field(default_factory=dict)
    webhooks: WebhookFaults = field(default_factory=WebhookFaults)


class FaultBox(ApiFaultBox[Faults, ForcedError]):
    def __init__(self) -> None:
        super().__init__(Faults, ForcedError, api_name, delivery="webhooks")
