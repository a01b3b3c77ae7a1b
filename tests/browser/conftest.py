"""Browser tests: Playwright driving the system's Chromium against ``make run``'s stack.

The stack is the real thing — ``satustok run`` in its own process (hub, queue worker and
sandbox) on a throw-away data directory — started once per session. Chromium is Debian's
(``/usr/bin/chromium`` or ``SATUSTOK_CHROMIUM``); nothing is downloaded. Without Chromium the
tests are skipped on a developer machine and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import PASSWORD, USER, Stack

from running_hub import hub_environment, start_hub, stop_hub

CHROMIUM = os.environ.get("SATUSTOK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = hub_environment(
        tmp_path_factory.mktemp("browser-data"),
        SATUSTOK_ADMIN_USER=USER,
        SATUSTOK_ADMIN_PASSWORD=PASSWORD,
    )
    proc, banner = start_hub(env)

    def field(pattern: str) -> str:
        return re.search(pattern, banner).group(1)  # type: ignore[union-attr]

    yield Stack(
        url=field(r"Open\s+(\S+)").rstrip("/"),
        control_url=field(r"control API\s+(\S+)"),
        client_id=field(r"Client ID (\S+)"),
        client_secret=field(r"Client Secret (\S+)"),
        shopee_partner_id=field(r"Partner ID (\d+)"),
        shopee_partner_key=field(r"Partner Key (\S+)"),
        # CLI processes reach the stack's sandbox (the banner prints its settings) and know the
        # hub's address: never the real marketplaces.
        env={
            **env,
            **dict(re.findall(r"(SATUSTOK_\w+_URL)=(\S+)", banner)),
            "SATUSTOK_PUBLIC_URL": field(r"Open\s+(\S+)").rstrip("/"),
        },
    )
    stop_hub(proc)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs Debian's chromium")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, stack: Stack) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    context.set_default_timeout(20_000)
    tab = context.new_page()
    yield tab
    context.close()


# The browser tests share one stack for the session. These connect shops as a seller first
# would (the connect pages, the approval redirects) and must meet them unconnected; the tests
# that work orders on those shops run after them, whatever the files' names.
RUNS_LAST = frozenset({"test_fulfilment.py", "test_stock_controls.py"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name in RUNS_LAST)  # stable: others keep their order
