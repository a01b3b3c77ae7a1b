"""``python -m bench.chart RESULTS.json [OUT.svg]``: the README's flash-sale chart — every shop's
shown stock of one hot SKU over its sell-out, with the real stock left, for satustok (the whole
sale, and its last moments enlarged) and the fastest interval baseline.

Needs matplotlib (``pip install -e '.[bench]'``); the benchmark itself does not.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "images" / "flash-sale.svg"
COLOURS = {"tokopedia": "#03ac0e", "shopee": "#ee4d2d", "tiktokshop": "#111111"}
NAMES = {"tokopedia": "Tokopedia", "shopee": "Shopee", "tiktokshop": "TikTok Shop"}


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        document = json.loads(Path(argv[0]).read_text())
        run = document["scenarios"]["flash-sale"]["runs"][0]
    except (OSError, ValueError, KeyError, IndexError) as error:
        print(f"{argv[0]}: not the results of a flash-sale run ({error})", file=sys.stderr)
        return 2
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    draw(run, out)
    print(out)
    return 0


def draw(run: dict[str, Any], out: Path) -> None:
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("the chart needs matplotlib: pip install -e '.[bench]'") from None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chart = run["chart"]
    series = chart["series"]
    interval = next((name for name in series if name.startswith("interval-")), None)
    panels = [("satustok", None), ("satustok", _last_moments(series["satustok"]))]
    if interval:
        panels.append((interval, None))
    figure, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.6), squeeze=False)
    for axis, (name, window) in zip(axes[0], panels, strict=True):
        _panel(axis, series[name], chart["stock"], name, window, run["contenders"][name])
    axes[0][0].legend(loc="upper right", fontsize=8, frameon=False)
    figure.suptitle(
        f"One hot SKU ({chart['stock']} units) sold on three shops at once — shown stock per shop",
        fontsize=11,
    )
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, format=out.suffix.lstrip(".") or "svg")
    plt.close(figure)


def _last_moments(data: dict[str, Any]) -> tuple[float, float] | None:
    """Around the real last unit: 1.5 s before to 1.5 s after."""
    real = data["real"]
    gone = next((t for t, left in real if left <= 0), None)
    return None if gone is None else (gone - 1.5, gone + 1.5)


def _panel(
    axis: Any,
    data: dict[str, Any],
    stock: int,
    name: str,
    window: tuple[float, float] | None,
    figures: dict[str, Any],
) -> None:
    for channel, points in data["shops"].items():
        if not points:
            continue
        times, values = _steps(points, window)
        axis.step(times, values, where="post", color=COLOURS[channel], label=NAMES[channel])
    times, values = _steps([[0.0, stock], *data["real"]], window)
    axis.step(times, values, where="post", color="#888888", linestyle="--", label="real stock left")
    axis.axhline(0, color="#cccccc", linewidth=0.8)
    title = name if window is None else f"{name}, its last 3 seconds"
    axis.set_title(
        f"{title} — {figures.get('units_oversold', '?')} units oversold in all", fontsize=9
    )
    axis.set_xlabel("seconds since the sale opened")
    axis.set_ylabel("shown stock")
    if window:
        axis.set_xlim(*window)
        axis.set_ylim(*_range_within(data, window))


def _range_within(data: dict[str, Any], window: tuple[float, float]) -> tuple[float, float]:
    """The stock values shown inside the window (each line's last value before it included)."""
    seen: list[float] = []
    for points in [*data["shops"].values(), data["real"]]:
        before = [v for t, v in points if t < window[0]]
        seen += before[-1:] + [v for t, v in points if window[0] <= t <= window[1]]
    return (min(seen, default=0) - 2, max(seen, default=10) + 2)


def _steps(
    points: list[list[float]], window: tuple[float, float] | None
) -> tuple[list[float], list[float]]:
    times = [float(t) for t, _ in points]
    values = [float(v) for _, v in points]
    if window and times and times[-1] < window[1]:
        times.append(window[1])
        values.append(values[-1])
    return times, values


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
