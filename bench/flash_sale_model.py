"""The flash sale's buyers and its floor, as pure functions of a seed.

- :class:`Stream` — every shop's buyers: a Poisson stream of arrivals (``rate`` orders a second
  in all, a third on each shop), each with a uniform draw that picks one of the hot SKUs the
  shop shows at that moment. The same seed gives the same arrivals and draws to every
  contender, and to the floor.
- :func:`floor` — the oversell that the order rate and the marketplaces' own latency alone
  produce, for an ideal hub: it learns of each sale one webhook delivery after it (the origin
  channel's median) and its update is on the other shop one stock-update round trip later
  (that channel's median). Its updates never overwrite a shop's own newer sales, which no
  channel that takes an absolute stock allows a real hub: the floor is a bound, not a target
  any hub reaches exactly. Every shop shows its starting stock, less its own sales, less the
  others' sales older than that delay.
- :func:`oversold` / :func:`zero_lags` / :func:`sources` — the figures, from accepted orders
  and the shown-stock log.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

CHANNELS = ("tokopedia", "shopee", "tiktokshop")


@dataclass(frozen=True)
class Arrival:
    at: float  # seconds after the sale opened
    channel: str
    draw: float  # picks among the SKUs the shop shows: int(draw × how many)


class Stream:
    """The buyers of every shop, merged in time order (deterministic for a seed)."""

    def __init__(self, rate: float, seed: int) -> None:
        self.rate = rate
        self.seed = seed

    def of(self, channel: str) -> Iterator[Arrival]:
        rng = random.Random(f"{self.seed}:{channel}")
        at = 0.0
        while True:
            at += rng.expovariate(self.rate / len(CHANNELS))
            yield Arrival(at, channel, rng.random())

    def merged(self) -> Iterator[Arrival]:
        return heapq.merge(*(self.of(channel) for channel in CHANNELS), key=lambda a: a.at)


def choose(draw: float, showing: list[int]) -> int:
    """The SKU a buyer orders among those ``showing`` (sorted indexes)."""
    return showing[min(int(draw * len(showing)), len(showing) - 1)]


@dataclass(frozen=True)
class Sale:
    at: float  # seconds (the same clock for every sale of one run)
    channel: str
    index: int  # the hot SKU


def floor(
    stream: Stream, stocks: list[int], delay: dict[tuple[str, str], float], limit: float = 3600
) -> list[Sale]:
    """Every sale an ideal hub lets through. ``delay[(origin, shop)]``: seconds from a sale on
    ``origin`` until ``shop`` shows it (webhook delivery + one stock-update round trip); a shop
    shows its own sales at once."""
    sold: list[list[Sale]] = [[] for _ in stocks]
    sales: list[Sale] = []
    for arrival in stream.merged():
        if arrival.at > limit:
            break
        showing = [k for k in range(len(stocks)) if _shown(sold[k], stocks[k], arrival, delay) > 0]
        if not showing:
            if _all_zero(sold, stocks, arrival, delay):
                break  # shown stock only falls: every shop shows 0 for good
            continue
        index = choose(arrival.draw, showing)
        sale = Sale(arrival.at, arrival.channel, index)
        sold[index].append(sale)
        sales.append(sale)
    return sales


def _shown(
    sold: list[Sale], stock: int, arrival: Arrival, delay: dict[tuple[str, str], float]
) -> int:
    seen = sum(
        1
        for sale in sold
        if sale.channel == arrival.channel
        or sale.at + delay[(sale.channel, arrival.channel)] <= arrival.at
    )
    return stock - seen


def _all_zero(
    sold: list[list[Sale]], stocks: list[int], now: Arrival, delay: dict[tuple[str, str], float]
) -> bool:
    return all(
        _shown(sold[k], stocks[k], Arrival(now.at, channel, 0.0), delay) <= 0
        for channel in CHANNELS
        for k in range(len(stocks))
    )


# --- figures ------------------------------------------------------------------------------------


def oversold(sales: list[Sale], stocks: list[int]) -> dict[str, Any]:
    per_sku = [0] * len(stocks)
    for sale in sales:
        per_sku[sale.index] += 1
    over = [max(0, sold - stock) for sold, stock in zip(per_sku, stocks, strict=True)]
    unsold = [max(0, stock - sold) for sold, stock in zip(per_sku, stocks, strict=True)]
    return {
        "units_oversold": sum(over),
        "units_sold": sum(per_sku),
        "units_in_stock": sum(stocks),
        "units_left_unsold": sum(unsold),
        "oversold_per_sku": over,
    }


def last_real_units(sales: list[Sale], stocks: list[int]) -> dict[int, Sale]:
    """Per SKU, the sale that took its last real unit (the stock-th in time order)."""
    ordered: dict[int, list[Sale]] = {}
    for sale in sorted(sales, key=lambda s: s.at):
        ordered.setdefault(sale.index, []).append(sale)
    return {
        index: rows[stocks[index] - 1]
        for index, rows in ordered.items()
        if len(rows) >= stocks[index] > 0
    }


def sources(
    sales: list[Sale], stocks: list[int], delay: dict[tuple[str, str], float] | None
) -> dict[str, Any]:
    """Where each oversold unit came from: which shop sold the real last unit, which shop sold
    beyond it, and how long after — within the floor's delay for that pair, or beyond it."""
    last = last_real_units(sales, stocks)
    pairs: dict[str, int] = {}
    lags: list[float] = []
    within = beyond = same_shop = 0
    for sale in sales:
        real = last.get(sale.index)
        if real is None or sale.at <= real.at or sale is real:
            continue
        pair = f"{real.channel}→{sale.channel}"
        pairs[pair] = pairs.get(pair, 0) + 1
        lag = sale.at - real.at
        lags.append(lag)
        if sale.channel == real.channel:
            same_shop += 1  # the shop still showed units the others had sold
        elif delay is not None and lag <= delay[(real.channel, sale.channel)]:
            within += 1
        else:
            beyond += 1
    return {
        "by_origin_and_shop": dict(sorted(pairs.items())),
        "after_last_real_unit_ms": sorted(round(lag * 1000, 1) for lag in lags),
        "within_floor_delay": within,
        "beyond_floor_delay": beyond,
        "same_shop_as_last_real_unit": same_shop,
    }


def zero_lags(
    sales: list[Sale], stocks: list[int], changes: dict[tuple[str, int], list[tuple[float, int]]]
) -> dict[int, float | None]:
    """Per SKU, seconds from its last real unit sold until every shop shows 0 for good (None if
    one never did). ``changes[(channel, index)]``: that shop's shown stock over time."""
    lags: dict[int, float | None] = {}
    for index, real in last_real_units(sales, stocks).items():
        zeros = [_zero_for_good(changes.get((channel, index), [])) for channel in CHANNELS]
        if any(at is None for at in zeros):
            lags[index] = None
            continue
        lags[index] = max(0.0, max(at for at in zeros if at is not None) - real.at)
    return lags


def zero_lags_by_shop(
    sales: list[Sale], stocks: list[int], changes: dict[tuple[str, int], list[tuple[float, int]]]
) -> dict[str, list[float]]:
    """Per shop, for each SKU, seconds from its last real unit sold until that shop showed 0
    for good (0 when it already did; left out when it never did)."""
    found: dict[str, list[float]] = {channel: [] for channel in CHANNELS}
    for index, real in last_real_units(sales, stocks).items():
        for channel in CHANNELS:
            at = _zero_for_good(changes.get((channel, index), []))
            if at is not None:
                found[channel].append(max(0.0, at - real.at))
    return found


def _zero_for_good(timeline: list[tuple[float, int]]) -> float | None:
    """When a shop's shown stock last went to 0 and stayed there (None if it ends above 0)."""
    if not timeline or timeline[-1][1] > 0:
        return None
    times = [at for at, _ in timeline]
    at = timeline[-1][0]
    position = len(timeline) - 1
    while position > 0 and timeline[position - 1][1] <= 0:
        position -= 1
        at = times[position]
    return at
