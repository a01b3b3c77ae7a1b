"""The parts of fault injection every sandbox shares.

Each marketplace has its own faults (Tokopedia: per endpoint group, malformed payloads and
webhook reordering; Shopee and TikTok Shop: per API, forced errors in their own envelope and
hanging calls), and its own ``FaultsPatch`` saying which can be set. Shared here:

- :class:`LimitPatch`, a rate limit as a test sets it (``rate`` and ``burst``, or unlimited);
- :class:`FaultBoxBase`, the lock, the random source ``random_seed`` reseeds, ``DELETE faults``,
  the snapshot ``GET faults`` shows, the merge of a patch's plain fields and its delivery faults,
  and the counted-then-random choice between a throttled call and a server error;
- :class:`ApiFaultBox`, the per-API fault box of Shopee and TikTok Shop (forced errors per API,
  ``only_apis``, hanging calls);
- the webhook faults Tokopedia and TikTok Shop both take (drop, duplicate, reorder), and the
  drop/duplicate decision for one push or webhook delivery: counted faults first (they are
  deterministic), then the dice.

What a fault *answers* (the error code, message and status) stays each marketplace's.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, Field

from satustok_sandbox.common.control import StrictBody
from satustok_sandbox.common.seed import RateLimitEntry

DeliveryDecision = Literal["send", "drop", "duplicate"]
Counted = Literal["rate_limit", "server_error"]
ApiOutcomeKind = Literal["rate_limit", "server_error", "forced", "hang"]


class LimitPatch(RateLimitEntry):
    """A rate limit in ``POST faults``: ``rate`` per second and ``burst``, or unlimited (the
    same entry as a seed's)."""


class WebhookFaultsPatch(StrictBody):
    """Webhook chaos in ``POST faults`` (Tokopedia's and TikTok Shop's ``webhooks``, Shopee's
    ``push``); omitted fields stay as set."""

    drop: float | None = Field(None, ge=0, le=1)
    duplicate: float | None = Field(None, ge=0, le=1)
    reorder: bool | None = Field(None, description="Send what arrives within 0.3 s newest first.")
    drop_next: int | None = Field(None, ge=0)
    duplicate_next: int | None = Field(None, ge=0)


@dataclass
class WebhookFaults:
    drop: float = 0.0
    duplicate: float = 0.0
    reorder: bool = False
    drop_next: int = 0
    duplicate_next: int = 0


class ApiFaultsBody(StrictBody):
    """What ``POST faults`` takes in every sandbox whose faults are per API (Shopee, TikTok
    Shop); each adds its forced errors, its delivery chaos and its rate limits."""

    latency_ms: int | None = Field(None, ge=0, le=60_000)
    error_rate: float | None = Field(None, ge=0, le=1)
    error_status: int | None = Field(None, ge=500, le=599)
    fail_next: int | None = Field(None, ge=0)
    rate_limit_next: int | None = Field(None, ge=0)
    timeout_next: int | None = Field(None, ge=0, description="Hang the next N calls.")
    timeout_seconds: float | None = Field(None, gt=0, le=600)
    only_apis: list[str] | None = Field(
        None, description="Restrict error_rate / fail / rate-limit / timeout faults to these APIs."
    )
    strict_clock: bool | None = Field(
        None, description="Check timestamps against the sandbox clock only (not the real one)."
    )
    expire_tokens: bool = False
    random_seed: int | None = None


@dataclass
class ApiFaultSettings:
    """The faults in force in such a sandbox (``GET faults``), before its own additions."""

    latency_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 500
    fail_next: int = 0
    rate_limit_next: int = 0
    timeout_next: int = 0
    timeout_seconds: float = 30.0
    only_apis: list[str] | None = None
    strict_clock: bool = False
    random_seed: int | None = None


class FaultSet(Protocol):
    """What :class:`FaultBoxBase` needs of a marketplace's ``Faults`` dataclass."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    latency_ms: int
    rate_limit_next: int
    fail_next: int
    error_rate: float


class DeliveryChaos(Protocol):
    """The counted and random drop/duplicate faults of push or webhook delivery."""

    drop: float
    duplicate: float
    drop_next: int
    duplicate_next: int


class ApiFaultSet(FaultSet, Protocol):
    """What :class:`ApiFaultBox` needs besides: hanging calls, forced errors, ``only_apis``."""

    timeout_next: int
    timeout_seconds: float
    forced: dict[str, Any]
    only_apis: list[str] | None


class ForcedFault(Protocol):
    """A forced error of one API: ``count`` calls more (None: until cleared)."""

    count: int | None


class FaultsPatchBase(Protocol):
    """What :meth:`FaultBoxBase._merge` needs of a marketplace's ``FaultsPatch``."""

    @property
    def random_seed(self) -> int | None: ...

    def model_dump(self, *, exclude_none: bool, exclude: set[str]) -> dict[str, Any]: ...


class ApiFaultsPatch(FaultsPatchBase, Protocol):
    """What :meth:`ApiFaultBox.merge` needs besides: forced errors and ``only_apis``."""

    @property
    def forced(self) -> Mapping[str, BaseModel | None] | None: ...

    @property
    def only_apis(self) -> list[str] | None: ...


F = TypeVar("F", bound=FaultSet)
AF = TypeVar("AF", bound=ApiFaultSet)
Forced = TypeVar("Forced", bound=ForcedFault)


class FaultBoxBase(Generic[F]):
    """The current faults and their random source, safe to consult from any handler.

    ``fresh`` builds the faults of a clean start (the marketplace's ``Faults``); ``delivery``
    names its callbacks' faults, the sub-object named the same in ``Faults`` and in the
    ``FaultsPatch`` (Shopee's ``push``, the others' ``webhooks``: the control API's name)."""

    def __init__(self, fresh: Callable[[], F], delivery: str) -> None:
        self._fresh = fresh
        self._delivery = delivery
        self._lock = threading.Lock()
        self.faults = fresh()
        self._rng = random.Random(0)

    def clear(self) -> None:
        with self._lock:
            self.faults = self._fresh()
            self._rng = random.Random(0)

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return asdict(self.faults)

    def latency_seconds(self) -> float:
        return self.faults.latency_ms / 1000

    def delivery_decision(self) -> DeliveryDecision:
        """Send, drop or duplicate one push or webhook: counted faults first, then the dice."""
        with self._lock:
            chaos = self._chaos()
            if self._take(chaos, "drop_next"):
                return "drop"
            if self._take(chaos, "duplicate_next"):
                return "duplicate"
            if self._rolled(chaos.drop):
                return "drop"
            if self._rolled(chaos.duplicate):
                return "duplicate"
            return "send"

    def reorder_deliveries(self) -> bool:
        """Whether the reorder fault is on."""
        with self._lock:
            return bool(getattr(self._chaos(), "reorder", False))

    # --- for the marketplaces' merge and decisions -----------------------------------------

    def _chaos(self) -> DeliveryChaos:
        chaos: DeliveryChaos = getattr(self.faults, self._delivery)
        return chaos

    def _merge(self, patch: FaultsPatchBase, kept_out: Collection[str]) -> None:
        """Set a patch's plain fields, and the given ones of its delivery faults; ``kept_out``
        are the fields the marketplace applies itself. Call with the lock held."""
        plain = patch.model_dump(exclude_none=True, exclude={self._delivery, *kept_out})
        nested: BaseModel | None = getattr(patch, self._delivery)
        self._set_fields(self.faults, plain)
        if nested is not None:
            self._set_fields(self._chaos(), nested.model_dump(exclude_none=True))
        self._reseed(patch.random_seed)

    @staticmethod
    def _set_fields(target: object, values: Mapping[str, object]) -> None:
        for name, value in values.items():
            setattr(target, name, value)

    def _reseed(self, seed: int | None) -> None:
        if seed is not None:
            self._rng = random.Random(seed)

    @staticmethod
    def _take(faults: object, counter: str) -> bool:
        """Use up one of a counted fault (``counter`` names its ``*_next`` field): whether one
        was left. Call with the lock held."""
        left: int = getattr(faults, counter)
        if left <= 0:
            return False
        setattr(faults, counter, left - 1)
        return True

    def _rolled(self, rate: float) -> bool:
        """The dice of a fractional fault (no draw at all while it is 0, so that setting one
        fault does not shift the draws of another)."""
        return bool(rate) and self._rng.random() < rate

    def _counted_or_random(self, faults: F) -> Counted | None:
        """A throttled call or a server error: counted faults first, then ``error_rate``'s dice
        (call with ``self._lock`` held)."""
        if self._take(faults, "rate_limit_next"):
            return "rate_limit"
        if self._take(faults, "fail_next") or self._rolled(faults.error_rate):
            return "server_error"
        return None


class ApiFaultBox(FaultBoxBase[AF], Generic[AF, Forced]):
    """The fault box of a marketplace whose faults are per API (Shopee, TikTok Shop).

    ``forced_of`` builds a forced error from its patch's fields (the marketplace's error or
    code); ``api_name`` turns what a test names (a path, a dotted name…) into the API name the
    pipeline asks about; ``delivery`` names the callbacks' faults (``push`` or ``webhooks``)."""

    def __init__(
        self,
        fresh: Callable[[], AF],
        forced_of: Callable[..., Forced],
        api_name: Callable[[str], str],
        delivery: str,
    ) -> None:
        super().__init__(fresh, delivery)
        self._forced_of = forced_of
        self._api_name = api_name

    def merge(self, patch: ApiFaultsPatch) -> None:
        """Merge ``POST faults`` (tokens and rate limits are the control API's business)."""
        kept_out = {"forced", "rate_limits", "expire_tokens", "only_apis"}
        with self._lock:
            self._merge(patch, kept_out)
            if patch.only_apis is not None:
                self.faults.only_apis = [self._api_name(a) for a in patch.only_apis] or None
            for raw, forced in (patch.forced or {}).items():
                if forced is None:
                    self.faults.forced.pop(self._api_name(raw), None)
                else:
                    self.faults.forced[self._api_name(raw)] = self._forced_of(**forced.model_dump())

    def outcome(self, api: str) -> tuple[ApiOutcomeKind, Forced | None] | None:
        """Consume a counted fault or roll the dice for one call of ``api``: its forced error
        first (whatever ``only_apis`` says), then a hanging call, a throttled call or a server
        error."""
        with self._lock:
            faults = self.faults
            forced: Forced | None = faults.forced.get(api)
            if forced is not None:
                if forced.count is not None:
                    forced.count -= 1
                    if forced.count <= 0:
                        del faults.forced[api]
                return "forced", forced
            if faults.only_apis and api not in faults.only_apis:
                return None
            if self._take(faults, "timeout_next"):
                return "hang", None
            counted = self._counted_or_random(faults)
            return None if counted is None else (counted, None)
