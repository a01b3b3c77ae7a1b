"""The parts of fault injection every sandbox shares.

Each marketplace has its own faults (Tokopedia: per endpoint group, malformed payloads and
webhook reordering; Shopee: per API, forced error strings and hanging calls), and its own
``FaultsPatch`` saying which can be set. Shared here:

- :class:`LimitPatch`, a rate limit as a test sets it (``rate`` and ``burst``, or unlimited);
- :class:`FaultBoxBase`, the lock, the random source ``random_seed`` reseeds, ``DELETE faults``
  and the snapshot ``GET faults`` shows;
- the drop/duplicate decision for one push or webhook delivery: counted faults first (they are
  deterministic), then the dice.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar

from satustok_sandbox.common.seed import RateLimitEntry

DeliveryDecision = Literal["send", "drop", "duplicate"]


class LimitPatch(RateLimitEntry):
    """A rate limit in ``POST faults``: ``rate`` per second and ``burst``, or unlimited (the
    same entry as a seed's)."""


class FaultSet(Protocol):
    """What :class:`FaultBoxBase` needs of a marketplace's ``Faults`` dataclass."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    latency_ms: int


class DeliveryChaos(Protocol):
    """The counted and random drop/duplicate faults of push or webhook delivery."""

    drop: float
    duplicate: float
    drop_next: int
    duplicate_next: int


F = TypeVar("F", bound=FaultSet)


class FaultBoxBase(Generic[F]):
    """The current faults and their random source, safe to consult from any handler.

    ``fresh`` builds the faults of a clean start (the marketplace's ``Faults``)."""

    def __init__(self, fresh: Callable[[], F]) -> None:
        self._fresh = fresh
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

    # --- for the marketplaces' merge and decisions (call with ``self._lock`` held) ------------

    @staticmethod
    def _set_fields(target: object, values: Mapping[str, object]) -> None:
        for name, value in values.items():
            setattr(target, name, value)

    def _reseed(self, seed: int | None) -> None:
        if seed is not None:
            self._rng = random.Random(seed)

    def _delivery_decision(self, chaos_of: Callable[[F], DeliveryChaos]) -> DeliveryDecision:
        """Send, drop or duplicate one delivery (``chaos_of`` picks the delivery faults out of
        the current faults); takes the lock itself."""
        with self._lock:
            chaos = chaos_of(self.faults)
            if chaos.drop_next > 0:
                chaos.drop_next -= 1
                return "drop"
            if chaos.duplicate_next > 0:
                chaos.duplicate_next -= 1
                return "duplicate"
            if chaos.drop and self._rng.random() < chaos.drop:
                return "drop"
            if chaos.duplicate and self._rng.random() < chaos.duplicate:
                return "duplicate"
            return "send"
