"""What every marketplace's sandbox object is built on.

A sandbox object (``TokopediaSandbox``, ``ShopeeSandbox``, ``TikTokShopSandbox``) is what every
route closes over. Each owns a seed, a clock of its own, a configured latency, a fault box, a rate
limiter, a delivery worker (webhooks or pushes), stats, a short call log and, once listening, its
base URL; ``reset`` takes every one of them back to the seed. :class:`SandboxBase` holds that
lifecycle. :class:`ApiSandbox` adds what Shopee and TikTok Shop log per call: counters per API
(``common/stats.py``) and a call-log record naming the caller (Tokopedia counts per endpoint
group and logs its own record).
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any, ClassVar, Generic, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from satustok_sandbox.common.clock import SandboxClock
from satustok_sandbox.common.control import Clearable, Restorable
from satustok_sandbox.common.delivery import DeliveryWorker
from satustok_sandbox.common.faults import FaultBoxBase
from satustok_sandbox.common.stats import ApiStats

# ``GET calls`` shows this many of the latest calls: enough to debug a test, bounded for a soak.
CALL_LOG_SIZE = 1000

SeedT = TypeVar("SeedT")


class SandboxBase(Generic[SeedT]):
    """Seed, clock, latency, call log and the reset and server lifecycle of one sandbox.

    A subclass's ``__init__`` calls this one, then makes its ``faults``, ``limiter``, ``stats``
    and delivery worker, then calls ``_build_world``."""

    faults: FaultBoxBase[Any]
    limiter: Restorable
    stats: Clearable

    def __init__(self, seed: SeedT, latency_ms: int) -> None:
        self.seed = seed
        self.latency_ms = latency_ms
        self.clock = SandboxClock()
        self.calls: deque[dict[str, Any]] = deque(maxlen=CALL_LOG_SIZE)
        self.base_url = ""

    def _deliveries(self) -> DeliveryWorker[Any, Any]:
        """The worker that sends this marketplace's callbacks (webhooks or pushes)."""
        raise NotImplementedError

    def _build_world(self) -> None:
        """A fresh ``state`` from the seed (and whatever must point at it)."""
        raise NotImplementedError

    def reset(self) -> None:
        """Back to the seed: clock, deliveries, world, faults, limits, stats, call log."""
        self.clock.offset = 0.0
        self._deliveries().clear()
        self._build_world()
        self.faults.clear()
        self.limiter.restore()
        self.stats.clear()
        self.calls.clear()

    async def startup(self) -> None:
        await self._deliveries().start()

    async def shutdown(self) -> None:
        await self._deliveries().stop()

    def latency_seconds(self) -> float:
        """The configured latency (``--latency-ms``) plus the injected one (faults)."""
        return self.latency_ms / 1000 + self.faults.latency_seconds()

    async def wait_latency(self) -> None:
        """What every API call waits before it is looked at."""
        latency = self.latency_seconds()
        if latency:
            await asyncio.sleep(latency)


class ApiSandbox(SandboxBase[SeedT]):
    """A sandbox that counts per API (``GET stats``) and logs who called (``GET calls``).

    A call-log record is ``at``, ``method``, ``api``, ``path``, the caller (``caller_field``:
    Shopee's ``partner_id``, TikTok Shop's ``app_key``), ``shop_id``, ``status`` and the
    marketplace's error (``_outcome``); the subclass says how to read the error of an answer and
    the caller a refused call claimed to be."""

    stats: ApiStats
    caller_field: ClassVar[str]

    def __init__(self, seed: SeedT, latency_ms: int, rate_limited_error: str) -> None:
        super().__init__(seed, latency_ms)
        self.stats = ApiStats(rate_limited_error)

    def record_call(
        self, request: Request, api: str, response: Response, caller: Any, shop_id: Any
    ) -> None:
        """Count and log an API call, with the caller and shop it was verified as (None where
        verification stopped before)."""
        self._record(request, api, response.status_code, self._error_of(response), caller, shop_id)

    def record_plain(self, request: Request, api: str, status: int, error: str) -> None:
        """Count and log a call outside the API pipeline (a page, a token endpoint)."""
        self._record(request, api, status, error, self._claimed_caller(request), None)

    def _record(
        self, request: Request, api: str, status: int, error: str, caller: Any, shop_id: Any
    ) -> None:
        self.stats.count(api, status, error)
        self.calls.append(
            {
                "at": self.clock.now(),
                "method": request.method,
                "api": api,
                "path": request.url.path,
                self.caller_field: caller,
                "shop_id": shop_id,
                "status": status,
                **self._outcome(error),
            }
        )

    def _error_of(self, response: Response) -> str:
        """The error an answer carries, as ``stats`` counts it ('' for none)."""
        raise NotImplementedError

    def _claimed_caller(self, request: Request) -> Any:
        """Who a call outside the pipeline says it is (from its query string), or None."""
        raise NotImplementedError

    def _outcome(self, error: str) -> dict[str, object]:
        """The error as the call log shows it (the record's last field)."""
        raise NotImplementedError


def answer_field(response: Response, name: str, default: Any) -> Any:
    """A top-level field of a JSON answer (``default`` when the answer is no JSON object)."""
    try:
        return json.loads(bytes(response.body)).get(name, default)
    except (ValueError, AttributeError):
        return default
