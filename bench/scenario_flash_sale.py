"""``flash-sale``: a twin-date sale's hardest hour, in the seller's own unit — units oversold.

Three shops per contender (Tokopedia, Shopee, TikTok Shop; ``bench/flash_world.py``) share
``skus`` hot SKUs of ``low``–``high`` units each. Buyers on every shop order one unit of a hot
SKU the shop still shows, ``rate`` orders a second in all (a Poisson stream per shop, seeded:
``bench/flash_sale_model.py``), until every shop shows 0 everywhere; a marketplace refuses an
order its own shown stock does not cover (the sandboxes do, as the real ones do).

Side by side, on the same catalogue and the same stream:

1. **satustok** as it runs (``satustok run --no-sandbox``: webhooks, push on change);
2. **interval-60 s / interval-300 s** — the same hub with webhooks and push-on-change off,
   reading every shop's orders and pushing the master stock every N seconds, as the peers'
   published sync cycles do (``bench/interval_sync.py``; both run at once, after satustok,
   with the first cycle at a seeded point of the interval);
3. **the floor** — what the order rate and the marketplaces' own latency alone let through: an
   ideal hub whose update reaches a shop one webhook delivery (measured in run 1, per origin
   channel) plus one stock-update round trip (measured before the sale, per channel) after each
   sale, computed from the same stream.

Figures per contender: units oversold (sold across shops − stock, per SKU and in all); seconds
from each SKU's last real unit until every shop shows 0 for good; stock-update calls; orders
lost or counted twice (every accepted order is in the hub once, and every master's available is
its stock less its units sold). And where each oversold unit came from.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import threading
import time
from typing import Any

import httpx

from bench import flash_sale_model as model
from bench import flash_world, interval_sync, seeds, stack
from bench.flash_world import CHANNELS, Contender

SALE_TIMEOUT = 900.0  # seconds one contender's sale may last (interval-300's worst phase: 600)


def run(
    skus: int,
    low: int,
    high: int,
    rate: float,
    latency_ms: int,
    intervals: list[float],
    seed: int = 16,
) -> dict[str, Any]:
    stocks = seeds.flash_stocks(skus, low, high, seed)
    stream = model.Stream(rate, seed)
    names = ["satustok"] + [f"interval-{seconds:g}s" for seconds in intervals]
    contenders = [Contender(c, name, stocks) for c, name in enumerate(names)]
    world = seeds.flash_sale(stocks, contenders=len(contenders))
    with stack.Sandbox(world, latency_ms=latency_ms) as sandbox:
        stack.point_hub_at(sandbox)
        for contender in contenders:
            flash_world.connect(sandbox, contender)
        log = flash_world.StockLog(sandbox)
        for contender in contenders:
            log.start_from(contender)
        try:
            result = _run_all(sandbox, log, contenders, stream, intervals, seed)
        finally:
            log.close()
    result["parameters"] = {"skus": skus, "stock": [low, high], "rate": rate,
                            "latency_ms": latency_ms, "stocks": stocks}  # fmt: skip
    return result


def _run_all(
    sandbox: stack.Sandbox,
    log: flash_world.StockLog,
    contenders: list[Contender],
    stream: model.Stream,
    intervals: list[float],
    seed: int,
) -> dict[str, Any]:
    satustok, baselines = contenders[0], contenders[1:]
    with stack.Hub(sandbox) as hub:
        flash_world.register_and_push(satustok, hub.url)
        flash_world.settle(log, satustok)
        round_trips = measure_round_trips(satustok)
        flash_world.settle(log, satustok)
        cpu = hub.cpu_seconds(), sandbox.cpu_seconds(), stack.process_cpu_seconds(os.getpid())
        ours = sell_out(sandbox, log, satustok, stream)
        ours["cpu_seconds"] = {  # the machine's two cores, shared by all three during the sale
            "hub": stack.cpu_delta(cpu[0], hub.cpu_seconds()),
            "sandbox": round(sandbox.cpu_seconds() - cpu[1], 2),
            "buyers_and_log": round(stack.process_cpu_seconds(os.getpid()) - cpu[2], 2),
        }
        ours["hub"] = check_hub(satustok, ours, wait=60)
        delivery = delivery_seconds(satustok, ours)
        ours["hub_lag_ms"] = hub_lag(satustok, ours)
    rng = random.Random(f"{seed}:phases")
    phases = [rng.uniform(0, seconds) for seconds in intervals]
    theirs = _run_baselines(sandbox, log, baselines, stream, intervals, phases)
    delay = {
        (origin, shop): delivery.get(origin, 0.0) + round_trips[shop]
        for origin in CHANNELS
        for shop in CHANNELS
    }
    floor_sales = model.floor(stream, satustok.stocks, delay)
    floor = model.oversold(floor_sales, satustok.stocks)
    floor["sources"] = model.sources(floor_sales, satustok.stocks, delay)
    summaries = [ours, *theirs]
    chart = chart_data(log, contenders, summaries)
    figures: dict[str, Any] = {}
    for contender, summary in zip(contenders, summaries, strict=True):
        if "_sales" in summary:
            summary["sources"] = model.sources(summary["_sales"], contender.stocks, delay)
        figures[contender.name] = {k: v for k, v in summary.items() if not k.startswith("_")}
    figures["floor"] = floor
    return {
        "contenders": figures,
        "floor_delay_ms": {f"{o}→{s}": round(v * 1000, 1) for (o, s), v in delay.items()},
        "webhook_delivery_ms": {k: round(v * 1000, 1) for k, v in delivery.items()},
        "stock_update_round_trip_ms": {k: round(v * 1000, 1) for k, v in round_trips.items()},
        "interval_phases_s": [round(p, 1) for p in phases],
        "units_oversold": {
            name: summary.get("units_oversold") for name, summary in figures.items()
        },
        # A floor of 0 counts as 1: the ratio says how far above physics, never infinite.
        "vs_floor": _ratio(ours["units_oversold"], max(floor["units_oversold"], 1)),
        "fewer_than_slowest_interval": _ratio(
            theirs[-1].get("units_oversold", 0), max(ours["units_oversold"], 1)
        )
        if theirs
        else None,
        "chart": chart,
        **_headline(figures),
    }


def _headline(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures ``make bench`` tabulates (``bench/__main__.py``)."""
    names = list(figures)
    ours, floor = figures["satustok"], figures["floor"]
    intervals = [name for name in names if name.startswith("interval-")]
    hub = ours.get("hub", {})
    troubles = [figures[name].get("hub", {}) for name in ["satustok", *intervals]]
    return {
        "oversold_satustok": ours["units_oversold"],
        "oversold_floor": floor["units_oversold"],
        "oversold_interval_fast": figures[intervals[0]].get("units_oversold")
        if intervals
        else None,
        "oversold_interval_slow": figures[intervals[-1]].get("units_oversold")
        if intervals
        else None,
        "zero_after_last_unit_s": ours["all_shops_zero_after_last_real_unit_s"]["max"],
        "orders_lost_or_doubled": sum(
            t.get("orders_lost", 0) + t.get("orders_counted_twice", 0) for t in troubles
        )
        if hub
        else None,
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 2) if b else (None if a else 1.0)


def _run_baselines(
    sandbox: stack.Sandbox,
    log: flash_world.StockLog,
    baselines: list[Contender],
    stream: model.Stream,
    intervals: list[float],
    phases: list[float],
) -> list[dict[str, Any]]:
    """Every interval baseline at once (each on its own shops), the hub itself stopped: only
    the cycles read orders and push."""
    results: list[dict[str, Any] | None] = [None] * len(baselines)

    def one(k: int) -> None:
        contender = baselines[k]
        with interval_sync.Cycles(contender, intervals[k], phases[k]) as cycles:
            summary = sell_out(sandbox, log, contender, stream, started=cycles.started)
            summary["cycles"] = cycles.count
        summary["hub"] = check_hub(contender, summary, wait=0, poll_first=True)
        results[k] = summary

    threads = [threading.Thread(target=_closing(one), args=(k,)) for k in range(len(baselines))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SALE_TIMEOUT + 120)
    return [result or {"error": "did not finish"} for result in results]


def _closing(work: Any) -> Any:
    """``work`` in a thread of its own, which gives its database connection back at the end."""

    def wrapped(*args: Any) -> None:
        from django.db import connections

        try:
            work(*args)
        finally:
            connections.close_all()

    return wrapped


# --- the sale -----------------------------------------------------------------------------------


def sell_out(
    sandbox: stack.Sandbox,
    log: flash_world.StockLog,
    contender: Contender,
    stream: model.Stream,
    started: threading.Event | None = None,
) -> dict[str, Any]:
    """Run the buyers of the contender's three shops until every shop shows 0 everywhere."""
    if started is not None:
        started.wait(timeout=60)
    opened = time.time()
    done = threading.Event()
    buyers = [
        Buyers(sandbox, log, contender, channel, stream, opened, done) for channel in CHANNELS
    ]
    for buyer in buyers:
        buyer.start()
    deadline = time.monotonic() + SALE_TIMEOUT
    while time.monotonic() < deadline and not _all_zero(log, contender):
        time.sleep(0.05)
    done.set()
    for buyer in buyers:
        buyer.join(timeout=30)
    flash_world.settle(log, contender)
    sales = sorted((sale for buyer in buyers for sale in buyer.sales), key=lambda s: s.at)
    summary = model.oversold(sales, contender.stocks)
    changes = _timelines(log, contender, opened)
    lags = model.zero_lags(sales, contender.stocks, changes)
    known = [lag for lag in lags.values() if lag is not None]
    summary.update(
        {
            "sale_seconds": round((sales[-1].at - opened) if sales else 0.0, 2),
            "orders": len(sales),
            "refused_attempts": sum(buyer.refused for buyer in buyers),
            "errors": sum(buyer.errors for buyer in buyers),
            "all_shops_zero_after_last_real_unit_s": {
                "max": round(max(known), 3) if known else None,
                "p50": round(statistics.median(known), 3) if known else None,
                "never": sum(1 for lag in lags.values() if lag is None),
            },
            "each_shop_zero_after_last_real_unit_ms": {
                channel: stack.summary_ms(lags_of_shop)
                for channel, lags_of_shop in model.zero_lags_by_shop(
                    sales, contender.stocks, changes
                ).items()
            },
            "stock_update_calls": push_calls(contender, opened),
            "_sales": sales,
            "_ids": {(b.channel, order): sale for b in buyers for order, sale in b.placed.items()},
            "_opened": opened,
        }
    )
    return summary


def _all_zero(log: flash_world.StockLog, contender: Contender) -> bool:
    return all(
        log.shows(channel, contender.unit(channel, k)) <= 0
        for channel in CHANNELS
        for k in range(len(contender.stocks))
    )


class Buyers(threading.Thread):
    """One shop's buyers: each arrival orders one unit of a SKU the shop shows (as far as the
    stock log has told), on schedule; a refusal is a buyer who found it sold out."""

    def __init__(
        self,
        sandbox: stack.Sandbox,
        log: flash_world.StockLog,
        contender: Contender,
        channel: str,
        stream: model.Stream,
        opened: float,
        done: threading.Event,
    ) -> None:
        super().__init__(daemon=True)
        self.url = flash_world.control_urls(sandbox)[channel]
        self.log, self.contender, self.channel = log, contender, channel
        self.stream, self.opened, self.done = stream, opened, done
        self.sales: list[model.Sale] = []
        self.placed: dict[str, model.Sale] = {}
        self.refused = self.errors = 0

    def run(self) -> None:
        units = [self.contender.unit(self.channel, k) for k in range(len(self.contender.stocks))]
        with httpx.Client(base_url=self.url, timeout=30, trust_env=False) as client:
            for arrival in self.stream.of(self.channel):
                if self.done.wait(max(0.0, self.opened + arrival.at - time.time())):
                    return
                showing = [
                    k for k, unit in enumerate(units) if self.log.shows(self.channel, unit) > 0
                ]
                if showing:
                    self._order(client, model.choose(arrival.draw, showing))

    def _order(self, client: httpx.Client, index: int) -> None:
        before = time.time()
        answer = client.post("orders", json=self.contender.order_body(self.channel, index))
        if answer.status_code == 409:
            self.refused += 1
            return
        if answer.status_code != 201:
            self.errors += 1
            return
        body = answer.json()
        placed = float(body.get("placed_at") or (before + time.time()) / 2)
        sale = model.Sale(placed, self.channel, index)
        self.sales.append(sale)
        self.placed[flash_world.order_id(self.channel, body)] = sale


def _timelines(
    log: flash_world.StockLog, contender: Contender, since: float
) -> dict[tuple[str, int], list[tuple[float, int]]]:
    """Each shop's shown stock of each hot SKU over the sale (from the stock log)."""
    found: dict[tuple[str, int], list[tuple[float, int]]] = {}
    for row in log.of(contender, since):
        index = contender.index_of(row["channel"], str(row["unit"]))
        assert index is not None
        found.setdefault((row["channel"], index), []).append((float(row["at"]), int(row["stock"])))
    return found


# --- what the hub made of it --------------------------------------------------------------------


def measure_round_trips(contender: Contender, samples: int = 15) -> dict[str, float]:
    """One stock-update round trip per channel (median of ``samples``): the hub's own connector
    setting a listing to the value it already shows, before the sale."""
    from satustok.channels import registry
    from satustok.channels.protocol import StockPush

    found = {}
    for channel, account in contender.accounts.items():
        listing = account.listings.filter(variant__isnull=False).order_by("id").first()
        connector = registry.connector(channel)
        push = [StockPush(listing.external_id, int(listing.last_pushed_qty or 0))]
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            connector.push_stock(account, push)
            times.append(time.perf_counter() - started)
        found[channel] = statistics.median(times)
    return found


def delivery_seconds(contender: Contender, summary: dict[str, Any]) -> dict[str, float]:
    """Per origin channel, the median time from an order taking its unit to the hub holding the
    first webhook that names it (the hub's records; one machine clock)."""
    from django.db.models import Min

    from satustok.orders.models import WebhookDelivery

    ids: dict[tuple[str, str], model.Sale] = summary["_ids"]
    found: dict[str, list[float]] = {}
    for channel, account in contender.accounts.items():
        wanted = [order for (ch, order) in ids if ch == channel]
        rows = (
            WebhookDelivery.objects.filter(account=account, order_external_id__in=wanted)
            .values("order_external_id")
            .annotate(first=Min("received_at"))
        )
        for row in rows:
            sale = ids[(channel, row["order_external_id"])]
            found.setdefault(channel, []).append(max(0.0, row["first"].timestamp() - sale.at))
    return {channel: statistics.median(times) for channel, times in found.items() if times}


def hub_lag(contender: Contender, summary: dict[str, Any]) -> dict[str, Any]:
    """Per origin channel, from the hub's records of each order's first webhook: the sale →
    the hub holding the webhook → the hub done processing it (ms, p50 / p90 / max)."""
    from django.db.models import Min

    from satustok.orders.models import WebhookDelivery

    ids: dict[tuple[str, str], model.Sale] = summary["_ids"]
    found: dict[str, Any] = {}
    for channel, account in contender.accounts.items():
        wanted = [order for (ch, order) in ids if ch == channel]
        rows = (
            WebhookDelivery.objects.filter(account=account, order_external_id__in=wanted)
            .values("order_external_id")
            .annotate(
                received=Min("received_at"),
                claimed=Min("claimed_at"),
                processed=Min("processed_at"),
            )
        )
        received, claimed, processed = [], [], []
        for row in rows:
            sale = ids[(channel, row["order_external_id"])]
            received.append(row["received"].timestamp() - sale.at)
            if row["processed"] is not None and row["claimed"] is not None:
                claimed.append(row["claimed"].timestamp() - row["received"].timestamp())
                processed.append(row["processed"].timestamp() - row["received"].timestamp())
        found[channel] = {
            "sale_to_received": stack.summary_ms(received),
            "received_to_claimed": stack.summary_ms(claimed),
            "received_to_processed": stack.summary_ms(processed),
        }
    return found


def push_calls(contender: Contender, since: float) -> int:
    """Stock-update calls the hub made for the contender since ``since``, from the sync log:
    per push round, one call per product where the channel's update names one product
    (Shopee's items, TikTok Shop's products: a unit id ``product:variant``), else the round's
    rows in calls of the channel's batch size (Tokopedia: 100 rows a call)."""
    from datetime import UTC, datetime

    from satustok.channels import registry
    from satustok.sync.models import PushKind, PushRecord

    calls = 0
    after = datetime.fromtimestamp(since, UTC)
    for channel, account in contender.accounts.items():
        size = registry.connector(channel).max_push_batch
        rows = PushRecord.objects.filter(
            account=account, kind=PushKind.STOCK, created_at__gte=after
        ).values_list("batch", "listing__external_id")
        rounds: dict[str, list[str]] = {}
        for batch, external_id in rows:
            rounds.setdefault(batch, []).append(str(external_id))
        for units in rounds.values():
            products = {unit.split(":", 1)[0] for unit in units}
            per_product = all(":" in unit for unit in units)
            calls += len(products) if per_product else math.ceil(len(units) / size)
    return calls


def check_hub(
    contender: Contender, summary: dict[str, Any], wait: float, poll_first: bool = False
) -> dict[str, Any]:
    """Every accepted order in the hub exactly once, and every master's available equal to its
    stock less its units sold (so no unit was reserved twice or forgotten)."""
    from satustok.orders import poller

    if poll_first:
        for account in contender.accounts.values():
            poller.poll_account(account.pk, force=True)
    ids: dict[tuple[str, str], model.Sale] = summary["_ids"]
    deadline = time.monotonic() + wait
    while True:
        lost, doubled = _orders_in_hub(contender, ids)
        if not lost or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    return {
        "orders_lost": lost,
        "orders_counted_twice": doubled,
        "masters_off": _masters_off(contender, summary["_sales"]),
    }


def _orders_in_hub(contender: Contender, ids: dict[tuple[str, str], model.Sale]) -> tuple[int, int]:
    from django.db.models import Count

    from satustok.orders.models import Order

    lost = doubled = 0
    for channel, account in contender.accounts.items():
        wanted = {order for (ch, order) in ids if ch == channel}
        rows = (
            Order.objects.filter(account=account, external_id__in=wanted)
            .values("external_id")
            .annotate(n=Count("id"))
        )
        seen = {row["external_id"]: row["n"] for row in rows}
        lost += len(wanted - set(seen))
        doubled += sum(n - 1 for n in seen.values() if n > 1)
    return lost, doubled


def _masters_off(contender: Contender, sales: list[model.Sale]) -> int:
    """Hot SKUs whose master available is not their stock less their units sold."""
    from satustok.catalog.models import Variant
    from satustok.inventory import stock

    account = contender.accounts["tokopedia"]
    skus = {seeds.flash_sku(contender.index, k): k for k in range(len(contender.stocks))}
    variants = dict(Variant.objects.filter(sku__in=list(skus)).values_list("sku", "pk"))
    available = stock.available_many(account.warehouse_id, list(variants.values()))
    sold = [0] * len(contender.stocks)
    for sale in sales:
        sold[sale.index] += 1
    return sum(
        1
        for sku, k in skus.items()
        if available.get(variants.get(sku, 0), 0) != contender.stocks[k] - sold[k]
    )


# --- the chart's data ---------------------------------------------------------------------------


def chart_data(
    log: flash_world.StockLog, contenders: list[Contender], summaries: list[dict[str, Any]]
) -> dict[str, Any]:
    """One hot SKU's sell-out (the one satustok oversold most; else the last to sell out): every
    shop's shown stock over time and the real stock left, per contender, in seconds from that
    contender's sale opening."""
    ours = summaries[0]
    over = ours["oversold_per_sku"]
    last = model.last_real_units(ours["_sales"], contenders[0].stocks)
    index = max(range(len(over)), key=lambda k: (over[k], last[k].at if k in last else 0.0))
    series: dict[str, Any] = {}
    for contender, summary in zip(contenders, summaries, strict=True):
        if "_opened" not in summary:
            continue
        opened = summary["_opened"]
        timelines = _timelines(log, contender, opened)
        sold = sorted(s.at for s in summary["_sales"] if s.index == index)
        stock = contender.stocks[index]
        series[contender.name] = {
            "shops": {
                channel: [
                    [round(at - opened, 3), value]
                    for at, value in timelines.get((channel, index), [])
                ]
                for channel in CHANNELS
            },
            "real": [[round(at - opened, 3), stock - n] for n, at in enumerate(sold, 1)],
        }
    return {"sku_index": index, "stock": contenders[0].stocks[index], "series": series}
