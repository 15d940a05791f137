"""Cost of sampling every shown coin's premium in the background (features/premium).

Run: ``.venv/bin/python bench/premium_sampling.py [--coins 200] [--runs 2000]``

The premium chart calls ``PremiumTracker.sample_all()`` once a second; every ``BACKGROUND_S`` (10 s)
it records the primary venue's premium of every shown coin. This measures one due call over
``--coins`` KRW coins with fresh quotes (cache look-up, premium, ring append), best and median of
``--runs`` in thread CPU time, next to the not-due call (the other nine calls of ten), and the
sampling cost per second of wall time that results. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import table
from upbit_monitor.exchanges.quotes import make_quote
from upbit_monitor.features.premium.history import BACKGROUND_S
from upbit_monitor.features.premium.tracker import PremiumTracker

RATE = 1365.0


class Source:
    """The manager methods the tracker uses: tickers from a dict, listeners called directly."""

    def __init__(self) -> None:
        self.tickers: dict[str, Any] = {}
        self.listeners: list[Callable[[Any], None]] = []

    def register(self, component: object, specs: Sequence[Any], *, connection: str = "") -> None:
        """Subscriptions are not needed here."""

    def update(self, component: object, specs: Sequence[Any]) -> None:
        """Subscriptions are not needed here."""

    def unregister(self, component: object) -> None:
        """Subscriptions are not needed here."""

    def latest_ticker(self, code: str) -> Any:
        return self.tickers.get(code)

    def add_listener(self, callback: Callable[[Any], None], *,
                     types: Collection[str] | None = None) -> Callable[[], None]:
        self.listeners.append(callback)
        return lambda: None


def _ticker(code: str, price: float) -> Any:
    """A stand-in with the fields the tracker reads (a full Ticker has 30 more)."""
    return SimpleNamespace(code=code, trade_price=price)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coins", type=int, default=200)
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    src = Source()
    src.tickers["KRW-USDT"] = _ticker("KRW-USDT", RATE)
    codes = [f"KRW-C{i:03d}" for i in range(args.coins)]
    wall = [0.0]
    tracker = PremiumTracker(src, venues=("binance",), ttl_s=1e12, wall=lambda: wall[0])
    tracker.set_codes(codes)
    for i, code in enumerate(codes):
        price = 1000.0 + i
        src.tickers[code] = _ticker(code, price * RATE * 1.02)
        for listener in src.listeners:
            listener(make_quote("binance", f"C{i:03d}USDT", price))
    due: list[float] = []
    idle: list[float] = []
    for _ in range(args.runs):
        wall[0] += BACKGROUND_S
        t0 = time.thread_time_ns()
        recorded = tracker.sample_all()
        due.append((time.thread_time_ns() - t0) / 1e3)
        assert recorded == args.coins
        t0 = time.thread_time_ns()
        tracker.sample_all()  # same second: not due
        idle.append((time.thread_time_ns() - t0) / 1e3)
    per_s = statistics.median(due) / BACKGROUND_S + statistics.median(idle) * (1 - 1 / BACKGROUND_S)
    print(table(
        ["call", "best µs", "median µs"],
        [
            [f"sample_all, due ({args.coins} coins)", f"{min(due):.0f}", f"{statistics.median(due):.0f}"],
            ["sample_all, not due", f"{min(idle):.2f}", f"{statistics.median(idle):.2f}"],
            ["=> CPU per second of wall time", "", f"{per_s:.1f}"],
        ],
    ))


if __name__ == "__main__":
    main()
