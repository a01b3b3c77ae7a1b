"""Shared pytest fixtures: marketplace sandboxes served over real loopback HTTP.

One sandbox server is started per test session (uvicorn in a thread, demo seed, a free port);
the function-scoped fixtures reset it before each test, so tests stay independent while the
server start-up cost is paid once. Tests talk to it through ``sb.accounts_url``, ``sb.api_url``
and the control helpers (``sb.reset()``, ``sb.set_faults(...)``, ``sb.place_order(...)``, …).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings

from satustok.channels.protocol import Credentials

if TYPE_CHECKING:
    from satustok_sandbox.server import RunningSandbox


def _start(**options: object) -> RunningSandbox:
    # Imported lazily so that test modules that never touch a sandbox do not pay for it.
    from satustok_sandbox.server import start_in_thread

    return start_in_thread(**options)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def tokopedia_sandbox_server() -> Iterator[RunningSandbox]:
    """The Tokopedia sandbox with the demo seed and the default rate limits."""
    sandbox = _start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def tokopedia_sandbox(tokopedia_sandbox_server: RunningSandbox) -> RunningSandbox:
    """The session sandbox, restored to its seed state (no faults, fresh buckets) for this test."""
    tokopedia_sandbox_server.reset()
    return tokopedia_sandbox_server


@pytest.fixture(scope="session")
def unlimited_tokopedia_sandbox_server() -> Iterator[RunningSandbox]:
    """A second Tokopedia sandbox with rate limiting switched off (bulk or paging-heavy tests)."""
    sandbox = _start(unlimited=True)
    yield sandbox
    sandbox.stop()


@pytest.fixture
def unlimited_tokopedia_sandbox(
    unlimited_tokopedia_sandbox_server: RunningSandbox,
) -> RunningSandbox:
    """The unlimited sandbox, restored to its seed state for this test."""
    unlimited_tokopedia_sandbox_server.reset()
    return unlimited_tokopedia_sandbox_server


DB_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that never touches the hub's database as ``dbless``: the PostgreSQL pass
    of ``make test`` leaves those out, since running them again would prove nothing new."""
    for item in items:
        uses_db = item.get_closest_marker("django_db") or DB_FIXTURES & set(
            getattr(item, "fixturenames", ())
        )
        if not uses_db:
            item.add_marker(pytest.mark.dbless)


@pytest.fixture(autouse=True, scope="session")
def _queue_runs_tasks_inline() -> Iterator[None]:
    """Tasks enqueued by code under test run at once, in memory: nothing lands in a developer's
    queue file. The queue tests (tests/sync/test_queue.py) run real consumers on real queues."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    """A request in English (the language cookie) leaves English active in the thread: the
    next test in the same process would read translated text in another language than it
    expects, whatever order the tests run in."""
    yield
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _no_batching_pauses(settings: Any) -> None:
    """Pushers and webhook processing in tests act and stop at once; test_pusher.py and
    tests/orders/test_batches.py switch the pauses on to test them. Webhook receivers kept
    by an earlier test (same integration id, other secret) are forgotten, and so are the
    nudges an earlier test sent (a comeback it scheduled would hold this test's back)."""
    settings.SATUSTOK_PUSH_COALESCE_MS = 0
    settings.SATUSTOK_WEBHOOK_BATCH_MS = 0
    if "satustok.orders.webhooks" in sys.modules:
        sys.modules["satustok.orders.webhooks"].forget_receivers()
        sys.modules["satustok.orders.webhooks"]._nudges.forget()
    if "satustok.sync.tasks" in sys.modules:
        sys.modules["satustok.sync.tasks"]._nudges.forget()
        sys.modules["satustok.sync.tasks"]._comebacks.forget()


# --- the hub pointed at a sandbox (only the base URLs differ from the real marketplace) -----

OUR_FS_ID = 15001


@pytest.fixture
def sandbox(tokopedia_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The sandbox, with the hub's Tokopedia base URLs pointing at it (only they differ)."""
    monkeypatch.setattr(settings, "TOKOPEDIA_ACCOUNTS_URL", tokopedia_sandbox.accounts_url)
    monkeypatch.setattr(settings, "TOKOPEDIA_API_URL", tokopedia_sandbox.api_url)
    return tokopedia_sandbox


@pytest.fixture
def hub_shopee(tokopedia_sandbox_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The Shopee half of the session sandbox, reset, with the hub's Shopee base URL pointing
    at it. No shop is authorized until a test approves one."""
    shopee = tokopedia_sandbox_server.shopee
    shopee.reset()
    monkeypatch.setattr(settings, "SHOPEE_API_URL", shopee.base_url)
    return shopee


@pytest.fixture
def hub_tiktokshop(tokopedia_sandbox_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The TikTok Shop half of the session sandbox, reset, the hub pointing at it."""
    from channel_worlds import point_at_tiktokshop

    return point_at_tiktokshop(tokopedia_sandbox_server.tiktokshop, monkeypatch)


@pytest.fixture(params=["tokopedia", "shopee", "tiktokshop"])
def world(
    request: pytest.FixtureRequest, fast_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """Each channel's world (``tests/channel_worlds.py``) on the unlimited sandbox: a test
    taking it runs once per channel. With a live server, the sandbox's last webhooks are
    processed before the test's tables are flushed."""
    from channel_worlds import settle_webhooks

    chosen = _world(request.param, fast_sandbox, monkeypatch)
    yield chosen
    if "live_server" in request.fixturenames:
        settle_webhooks(chosen)


def _world(channel: str, fast_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from channel_worlds import ShopeeWorld, TikTokShopWorld, TokopediaWorld, point_at_tiktokshop

    if channel == "tokopedia":
        return TokopediaWorld(fast_sandbox)
    if channel == "tiktokshop":
        return TikTokShopWorld(point_at_tiktokshop(fast_sandbox.tiktokshop, monkeypatch))
    shopee = fast_sandbox.shopee
    shopee.reset()
    monkeypatch.setattr(settings, "SHOPEE_API_URL", shopee.base_url)
    return ShopeeWorld(shopee)


@pytest.fixture
def fast_sandbox(unlimited_tokopedia_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The unlimited sandbox (no rate limit), for tests that read whole shops many times."""
    monkeypatch.setattr(
        settings, "TOKOPEDIA_ACCOUNTS_URL", unlimited_tokopedia_sandbox.accounts_url
    )
    monkeypatch.setattr(settings, "TOKOPEDIA_API_URL", unlimited_tokopedia_sandbox.api_url)
    return unlimited_tokopedia_sandbox


def _demo_credentials(
    sandbox: Any, fs_id: int = OUR_FS_ID, secret: str | None = None
) -> Credentials:
    app = sandbox.app(fs_id=fs_id)
    return Credentials(
        app_id=str(app["fs_id"]),
        client_id=app["client_id"],
        client_secret=secret or app["client_secret"],
    )


@pytest.fixture
def demo_credentials() -> Any:
    """``demo_credentials(sandbox, secret=…)``: the demo app's credentials, optionally spoiled."""
    return _demo_credentials
