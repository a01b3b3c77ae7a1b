"""The Dashboard in Chromium over a seeded year of orders: the charts Chart.js draws hold, day
by day and channel by channel, the sums the test works out itself from the orders in the
hub's database; the table behind each chart says the same; the cards agree; the period switch
redraws; Rupiah and dates are formatted in the page's language.

The hub is a ``satustok run`` of its own (its own data directory), not the session's shared
stack: a year of orders on the shared one would show in the other tests' order queues. The
year is written before the hub starts, by the benchmark's seeder (``bench/scenario_dashboard``,
plain bulk rows) in a process of its own; the expected sums come from reading that SQLite file
here with the ``sqlite3`` module — no satustok code computes them."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from browser_support import PASSWORD, USER, Stack, log_in, screenshot

from running_hub import hub_environment, start_hub, stop_hub

ROOT = Path(__file__).resolve().parents[2]
JAKARTA = ZoneInfo("Asia/Jakarta")
SOLD = {"open", "accepted", "ready_to_ship", "shipped", "delivered", "completed"}
LABELS = {"tokopedia": "Tokopedia", "shopee": "Shopee", "tiktokshop": "TikTok Shop"}
SEED = (
    "import django; django.setup(); "
    "from bench.scenario_dashboard import seed; "
    "made = seed(orders_per_day=30, days=365, skus=40); print(made.orders, made.lines)"
)


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Path]]:
    """A hub whose database holds a year of orders (30 a day), and that database's file."""
    data_dir = tmp_path_factory.mktemp("dashboard-year")
    env = hub_environment(
        data_dir,
        SATUSTOK_ADMIN_USER=USER,
        SATUSTOK_ADMIN_PASSWORD=PASSWORD,
        DJANGO_SETTINGS_MODULE="satustok.settings",
    )
    run = [sys.executable, "-c", "from satustok.cli import main; main()", "migrate", "--noinput"]
    subprocess.run(run, env=env, check=True, capture_output=True, timeout=300)
    seeded = subprocess.run(
        [sys.executable, "-c", SEED], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    assert seeded.stdout.split()[0] == str(30 * 365)
    proc, banner = start_hub(env)
    url = re.search(r"Open\s+(\S+)", banner).group(1).rstrip("/")  # type: ignore[union-attr]
    yield Stack(url, "", "", "", "", "", env), data_dir / "satustok.sqlite3"
    stop_hub(proc)


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Every script error and every resource the page could not load (a missing static file,
    # a blocked script: the CSP reports through the console too). The browser's own request
    # for a favicon is not the page's.
    page.on("console", lambda m: errors.append(m.text) if script_error(m) else None)
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.errors = errors
    yield page
    context.close()


def script_error(message: Any) -> bool:
    """A console error other than a failed resource (the response listener reports those,
    with their address)."""
    return bool(message.type == "error" and "Failed to load resource" not in message.text)


# --- what the orders say (plain SQL reads and Python sums) -----------------------------------


def sums_per_day_and_channel(database: Path) -> dict[tuple[date, str], list[int]]:
    """{(WIB day, channel label): [orders, units, revenue]} of the sold orders."""
    connection = sqlite3.connect(database)
    try:
        orders = connection.execute(
            "SELECT o.id, o.status, o.stock_effect, o.ordered_at, a.channel"
            " FROM orders_order o JOIN channels_channelaccount a ON a.id = o.account_id"
        ).fetchall()
        lines = connection.execute("SELECT order_id, quantity, price FROM orders_orderline")
        by_order: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for order_id, quantity, price in lines:
            by_order[order_id].append((quantity, price))
    finally:
        connection.close()
    totals: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for order_id, status, effect, ordered_at, channel in orders:
        if status not in SOLD or effect == "elsewhere":
            continue
        moment = datetime.fromisoformat(ordered_at).replace(tzinfo=UTC)
        figures = totals[(moment.astimezone(JAKARTA).date(), LABELS[channel])]
        figures[0] += 1
        figures[1] += sum(quantity for quantity, _price in by_order[order_id])
        figures[2] += sum(quantity * price for quantity, price in by_order[order_id])
    return totals


def drawn(page: Any, chart_id: str) -> dict[str, Any]:
    """The data Chart.js holds for the canvas (what it drew)."""
    page.wait_for_selector(f"canvas#{chart_id}[data-drawn='1']")
    data: dict[str, Any] = page.evaluate(
        """id => { const chart = Chart.getChart(document.getElementById(id));
                   return {labels: chart.data.labels,
                           series: Object.fromEntries(chart.data.datasets.map(
                               d => [d.label, d.data]))}; }""",
        chart_id,
    )
    return data


def table_behind(page: Any, chart_id: str) -> dict[str, list[int]]:
    page.click(f"[data-testid=chart-{chart_id}] summary")
    rows = page.eval_on_selector_all(
        f"#{chart_id}-table tbody tr",
        """rows => rows.map(r => [r.dataset.key,
             Array.from(r.querySelectorAll('td')).map(td => Number(td.dataset.value))])""",
    )
    return {key: values for key, values in rows}


def card(page: Any, key: str) -> int:
    return int(page.get_attribute(f"[data-testid=sales-{key}] .stat", "data-value"))


# --- the test -----------------------------------------------------------------------------


def test_the_dashboards_charts_equal_the_sums_of_a_year_of_orders(
    tab: Any, year: tuple[Stack, Path]
) -> None:
    stack, database = year
    expected = sums_per_day_and_channel(database)
    assert sum(figures[0] for figures in expected.values()) > 9_000  # a year, mostly sold
    log_in(tab, stack)  # in English
    tab.goto(stack.url + "/?period=30d")

    revenue = drawn(tab, "revenue-by-day")
    today = datetime.now(JAKARTA).date()
    days = [today - timedelta(days=n) for n in range(29, -1, -1)]
    assert revenue["labels"] == [day.isoformat() for day in days]
    assert set(revenue["series"]) == set(LABELS.values())
    for label, values in revenue["series"].items():
        assert values == [expected.get((day, label), [0, 0, 0])[2] for day in days], label
    orders = drawn(tab, "orders-by-day")
    for label, values in orders["series"].items():
        assert values == [expected.get((day, label), [0, 0, 0])[0] for day in days], label

    table = table_behind(tab, "revenue-by-day")
    series = list(revenue["series"])  # the table's columns are the chart's series, in order
    for day in days:
        assert table[day.isoformat()] == [
            expected.get((day, label), [0, 0, 0])[2] for label in series
        ]
    month = [figures for (day, _label), figures in expected.items() if day >= days[0]]
    assert card(tab, "orders") == sum(f[0] for f in month)
    assert card(tab, "units") == sum(f[1] for f in month)
    assert card(tab, "revenue") == sum(f[2] for f in month)
    tab.click("[data-testid=chart-revenue-by-day] summary")  # folded again for the picture
    tab.evaluate("window.scrollTo(0, 0)")
    screenshot(tab, "30-dashboard")

    tab.click("[data-testid=period-switch] a[data-period='7d']")
    tab.wait_for_url(re.compile(r"period=7d"))
    week = drawn(tab, "revenue-by-day")
    assert week["labels"] == [day.isoformat() for day in days[-7:]]
    assert card(tab, "revenue") == sum(
        figures[2] for (day, _label), figures in expected.items() if day >= days[-7]
    )
    assert not tab.errors, tab.errors  # no script error, no CSP violation


def test_rupiah_and_dates_follow_the_pages_language(tab: Any, year: tuple[Stack, Path]) -> None:
    stack, _database = year
    log_in(tab, stack, language="id")
    tab.goto(stack.url + "/?period=7d")
    tab.wait_for_selector("canvas#revenue-by-day[data-drawn='1']")
    assert tab.get_attribute("html", "lang") == "id"
    assert tab.evaluate("satustokCharts.rupiah(1500000)") == "Rp 1.500.000"
    indonesian = tab.evaluate("satustokCharts.dayLabel('2026-12-07', false)")
    tab.click("button[data-lang=en]")
    tab.wait_for_selector("html[lang=en]")
    tab.wait_for_selector("canvas#revenue-by-day[data-drawn='1']")
    assert tab.evaluate("satustokCharts.rupiah(1500000)") == "Rp 1.500.000"
    english = tab.evaluate("satustokCharts.dayLabel('2026-12-07', false)")
    assert "7" in indonesian and "7" in english and indonesian != english  # "7 Des" / "Dec 7"
    # The cards use the server's Rupiah filter: the same dots in both languages.
    assert re.fullmatch(r"Rp [\d.]+", tab.inner_text("[data-testid=sales-revenue] .stat"))
    assert not tab.errors, tab.errors
