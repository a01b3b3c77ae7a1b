"""One loopback server for every marketplace sandbox, and a handle to drive it from Python.

Each marketplace object mounts its own routes (Tokopedia: ``/tokopedia/accounts``,
``/tokopedia/fs``, ``/_sandbox/tokopedia/``; Shopee: ``/shopee/api/v2/…``,
``/_sandbox/shopee/``; TikTok Shop: ``/tiktokshop/open-api/…``, ``/tiktokshop/auth/…``,
``/tiktokshop/services/…``, ``/_sandbox/tiktokshop/``). ``start_in_thread`` runs uvicorn in a
daemon thread and returns once the socket is listening; the ``RunningSandbox`` it returns wraps
the control API with small httpx helpers for tests (``sb.shopee`` for the Shopee part,
``sb.tiktokshop`` for TikTok Shop's). The info document (``--json``, and ``GET info`` of the
first marketplace's control API) is the first marketplace's at top level with the others by
name (``info["shopee"]``, ``info["tiktokshop"]``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from satustok_sandbox.common.handle import ControlHandle, wait_for_records
from satustok_sandbox.common.handle import SandboxControlError as SandboxControlError
from satustok_sandbox.shopee.handle import ShopeeControl
from satustok_sandbox.shopee.sandbox import ShopeeSandbox
from satustok_sandbox.tiktokshop.handle import TikTokShopControl
from satustok_sandbox.tiktokshop.sandbox import TikTokShopSandbox
from satustok_sandbox.tokopedia import TokopediaSandbox
from satustok_sandbox.tokopedia.seed import Seed, load_seed, parse_seed

STARTUP_TIMEOUT_SECONDS = 15.0


class Marketplace(Protocol):
    """What the server needs from a marketplace sandbox."""

    name: str

    def routes(self) -> list[BaseRoute]: ...

    def info(self, base_url: str) -> dict[str, Any]: ...

    async def startup(self) -> None: ...

    async def shutdown(self) -> None: ...


class SandboxStartError(RuntimeError):
    """The server could not start listening (port taken, address not available…)."""


def build_app(marketplaces: Sequence[Marketplace]) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        for marketplace in marketplaces:
            await marketplace.startup()
        yield
        for marketplace in marketplaces:
            await marketplace.shutdown()

    async def info(request: Request) -> JSONResponse:
        return JSONResponse(
            combined_info(marketplaces, f"{request.url.scheme}://{request.url.netloc}")
        )

    # The first marketplace's ``GET info`` answers the combined document (the CLI contract:
    # ``GET {control_url}info`` equals the ``--json`` line).
    control = f"/_sandbox/{marketplaces[0].name}"
    routes: list[BaseRoute] = [
        Route(f"{control}/info", info, methods=["GET"]),
        Route(f"{control}/", info, methods=["GET"]),
    ]
    routes += [route for marketplace in marketplaces for route in marketplace.routes()]
    return Starlette(routes=routes, lifespan=lifespan)


def combined_info(marketplaces: Sequence[Marketplace], base_url: str) -> dict[str, Any]:
    """The first marketplace's document at top level (the CLI contract), others by name."""
    primary, *others = marketplaces
    return {**primary.info(base_url), **{m.name: m.info(base_url) for m in others}}


def coerce_seed(seed: Seed | str | Path | dict[str, Any] | None) -> Seed | None:
    """Accept a seed model, a path to a seed file, a decoded document, or None (demo)."""
    if seed is None or isinstance(seed, Seed):
        return seed
    if isinstance(seed, dict):
        return parse_seed(seed)
    return load_seed(seed)


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class RunningSandbox(ControlHandle):
    """A started sandbox server: its URLs, its ``--json`` info document and control helpers
    (the Tokopedia control API; ``shopee`` is the Shopee one, ``tiktokshop`` TikTok Shop's)."""

    def __init__(
        self,
        server: uvicorn.Server,
        thread: threading.Thread,
        base_url: str,
        tokopedia: TokopediaSandbox,
        info: dict[str, Any],
        shopee: ShopeeSandbox | None = None,
        tiktokshop: TikTokShopSandbox | None = None,
    ) -> None:
        super().__init__(info["control_url"])
        self.server = server
        self.thread = thread
        self.base_url = base_url
        self.tokopedia = tokopedia
        self.info = info
        self.shopee = ShopeeControl(info["shopee"], shopee)
        self.tiktokshop = TikTokShopControl(info["tiktokshop"], tiktokshop)
        self.accounts_url: str = info["accounts_url"]
        self.api_url: str = info["api_url"]

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def app(self, fs_id: int = 15001) -> dict[str, Any]:
        return next(app for app in self.info["apps"] if app["fs_id"] == fs_id)

    def shop(self, shop_id: int) -> dict[str, Any]:
        return next(shop for shop in self.info["shops"] if shop["shop_id"] == shop_id)

    def deliveries(self, event: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        """The delivery log (of ``event``), only records with an id above ``after``."""
        params: dict[str, Any] = {"event": event} if event else {}
        return self.control(
            "GET", "webhooks/deliveries", **params, **({"after": after} if after else {})
        )

    def wait_for_deliveries(
        self, count: int, *, event: str | None = None, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Poll the delivery log until it holds at least ``count`` records (or time runs out)."""
        return wait_for_records(lambda: self.deliveries(event), count, timeout)

    def place_order(
        self, shop_id: int, items: list[dict[str, Any]], **extra: Any
    ) -> dict[str, Any]:
        return self.control("POST", "orders", {"shop_id": shop_id, "items": items, **extra})

    def move_order(self, order_id: int, status: int) -> dict[str, Any]:
        return self.control("POST", f"orders/{order_id}/status", {"status": status})

    def order(self, order_id: int) -> dict[str, Any]:
        return self.control("GET", f"orders/{order_id}")

    def product(self, product_id: int) -> dict[str, Any]:
        return self.control("GET", f"products/{product_id}")

    def patch_product(self, product_id: int, **fields: Any) -> dict[str, Any]:
        return self.control("PATCH", f"products/{product_id}", fields)

    def patch_shop(self, shop_id: int, **fields: Any) -> dict[str, Any]:
        return self.control("PATCH", f"shops/{shop_id}", fields)

    def link_shop(self, shop_id: int, fs_id: int, *, replace: bool = False) -> dict[str, Any]:
        return self.control("POST", f"shops/{shop_id}/link", {"fs_id": fs_id, "replace": replace})

    def stop(self) -> None:
        self.close()
        self.shopee.close()
        self.tiktokshop.close()
        self.server.should_exit = True
        self.thread.join(timeout=5)


def start_in_thread(
    seed: Seed | str | Path | dict[str, Any] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    latency_ms: int = 0,
    unlimited: bool = False,
) -> RunningSandbox:
    """Start the sandbox server in a daemon thread; returns once it is listening.

    ``seed`` None is the demo seed; ``port`` 0 picks a free port."""
    world = coerce_seed(seed)
    tokopedia = TokopediaSandbox(world, latency_ms=latency_ms, unlimited=unlimited)
    shopee = ShopeeSandbox(
        world.shopee if world else None, latency_ms=latency_ms, unlimited=unlimited
    )
    tiktokshop = TikTokShopSandbox(
        world.tiktokshop if world else None, latency_ms=latency_ms, unlimited=unlimited
    )
    marketplaces: list[Marketplace] = [tokopedia, shopee, tiktokshop]
    config = uvicorn.Config(
        build_app(marketplaces),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="satustok-sandbox", daemon=True)
    thread.start()
    _wait_until_listening(server, thread, host, port)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    base_url = f"http://{url_host(host)}:{bound_port}"
    tokopedia.base_url = shopee.base_url = tiktokshop.base_url = base_url
    return RunningSandbox(
        server,
        thread,
        base_url,
        tokopedia,
        combined_info(marketplaces, base_url),
        shopee,
        tiktokshop,
    )


def _wait_until_listening(
    server: uvicorn.Server, thread: threading.Thread, host: str, port: int
) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive():
            raise SandboxStartError(
                f"could not listen on {host}:{port} (is the port already in use?)"
            )
        if time.monotonic() > deadline:
            server.should_exit = True
            raise SandboxStartError(
                f"the sandbox did not start within {STARTUP_TIMEOUT_SECONDS:.0f} s"
            )
        time.sleep(0.01)
