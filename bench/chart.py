"""Chart cost per frame: cold render, cached replay, one live update, full re-render, idle poll.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/chart.py``. Prints a table (best of
repeated runs; the 2 cores are shared). "frame" = rendering the plot widget with ``grab()``
(offscreen raster), which paints every visible item and the axes, so it is an upper bound of what a
real repaint of the exposed area costs.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from tests.ui.chart.support import FakeManager, demo_candles, make_candle
from upbit_monitor.features.studies import (
    BollingerSettings,
    EmaSettings,
    MacdSettings,
    RsiSettings,
    SmaSettings,
    VolumeSettings,
)
from upbit_monitor.protocol.events import Candle
from upbit_monitor.ui.chart.view import ChartView

END = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def best_ms(fn: Callable[[], None], runs: int) -> float:
    """Best of ``runs`` (ms): the cores are shared, so the minimum is the stable figure."""
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return min(samples)


def bench(bars: int, visible: int, runs: int = 30, studies: Sequence[object] = ()) -> dict[str, float]:
    mgr = FakeManager()
    view = ChartView(mgr, None, visible_bars=visible)
    view.resize(1000, 600)
    view.show()
    QApplication.processEvents()
    view.set_code("KRW-BTC")
    view.set_studies(studies)  # type: ignore[arg-type]
    candles = demo_candles(count=bars, end=END)
    last = candles[-1]
    start = END - timedelta(minutes=1)

    def cold() -> None:
        view.set_candles(candles)
        view.graphics.grab()

    out = {"cold set+render ms": best_ms(cold, 5)}
    out["cached frame ms"] = best_ms(lambda: view.graphics.grab(), runs)
    price = [last.trade_price]

    def live() -> None:
        price[0] += 1000
        mgr.push(make_candle("KRW-BTC", 1, start, last.opening_price, max(price[0], last.high_price),
                             last.low_price, price[0], 3.0))
        view.refresh()
        view.graphics.grab()

    before = view.candles.render_count
    out["live update frame ms"] = best_ms(live, runs)
    out["bars re-rendered per update"] = (view.candles.render_count - before) / runs

    n = [0]
    top = max(price[0], last.high_price)

    def tick() -> None:  # what the app pays: merge one candle, then Qt repaints the dirty areas only
        # A typical tick: the close moves inside the bar's range (no new high, so no y rescale).
        n[0] += 1
        close = top - (n[0] % 2 + 1) * 1000
        mgr.push(make_candle("KRW-BTC", 1, start, last.opening_price, top, last.low_price, close, 3.0))
        view.refresh()
        QApplication.processEvents()

    QApplication.processEvents()
    replayed = view.candles.replay_count
    out["live tick + repaint ms"] = best_ms(tick, runs)
    out["bars replayed per tick"] = (view.candles.replay_count - replayed) / runs

    def full() -> None:
        view.set_colors("#f75467", "#4c8dff")  # invalidates every picture
        view.graphics.grab()

    out["full re-render frame ms"] = best_ms(full, 10)
    out["idle refresh us"] = best_ms(view.refresh, 2000) * 1000
    view.close()
    return out


def _studies_view(studies: Sequence[object]) -> tuple[FakeManager, ChartView, Candle]:
    mgr = FakeManager()
    view = ChartView(mgr, None, visible_bars=120)
    view.resize(1000, 600)
    view.show()
    view.set_code("KRW-BTC")
    view.set_studies(studies)  # type: ignore[arg-type]
    candles = demo_candles(count=2000, end=END)
    view.set_candles(candles)
    QApplication.processEvents()
    return mgr, view, candles[-1]


def studies_table(rounds: int) -> str:
    """Live tick + repaint with 0 vs 5 studies on 2,000 bars, interleaved; min and median."""
    cases = {
        "none": [],
        "SMA 20, EMA 50, BB 20/2, RSI 14, MACD 12/26/9": [
            SmaSettings(20), EmaSettings(50), BollingerSettings(20, 2.0), RsiSettings(14), MacdSettings()],
        "SMA 20, BB 20/2, RSI 14, MACD 12/26/9, volume MA 20": [
            SmaSettings(20), BollingerSettings(20, 2.0), RsiSettings(14), MacdSettings(), VolumeSettings(20)],
    }
    views = {name: _studies_view(studies) for name, studies in cases.items()}
    start = END - timedelta(minutes=1)
    times: dict[str, list[float]] = {name: [] for name in views}
    for r in range(rounds):
        for name, (mgr, view, last) in views.items():
            # A typical tick: the close moves inside the bar's range (no new high: no y rescale).
            close = last.high_price - (r % 2 + 1) * 1000
            t0 = time.perf_counter()
            mgr.push(make_candle("KRW-BTC", 1, start, last.opening_price, last.high_price, last.low_price,
                                 close, 3.0))
            view.refresh()
            QApplication.processEvents()
            times[name].append((time.perf_counter() - t0) * 1000)
    for _, view, _ in views.values():
        view.close()
    base = times["none"][rounds // 10:]
    rows = ["| studies on 2,000 bars (120 visible) | tick + repaint min ms | median ms | x none (min) | "
            "x none (median) |", "|---|---:|---:|---:|---:|"]
    for name, samples in times.items():
        kept = sorted(samples[rounds // 10:])  # the first ticks warm caches up
        lo, med = kept[0], kept[len(kept) // 2]
        rows.append(f"| {name} | {lo:.2f} | {med:.2f} | {lo / min(base):.2f} | "
                    f"{med / sorted(base)[len(base) // 2]:.2f} |")
    return (f"Studies: one live tick + repaint, {rounds} ticks per chart interleaved (target < 2x none).\n\n"
            + "\n".join(rows))


def main() -> None:
    app = QApplication.instance() or QApplication([])
    sizes = ((300, 120), (2000, 120), (2000, 2000))
    rows = [(bars, visible, bench(bars, visible)) for bars, visible in sizes]
    keys = list(rows[0][2])
    print("| bars | visible | " + " | ".join(keys) + " |")
    print("|---|---|" + "---|" * len(keys))
    for bars, visible, res in rows:
        print(f"| {bars} | {visible} | " + " | ".join(f"{res[k]:.1f}" for k in keys) + " |")
    # Issue 19: the same chart with five studies, measured interleaved with a chart without any
    # (tick A, tick B, tick A, ...) so load changes on the shared machine hit both alike.
    print()
    print(studies_table(200))
    del app


if __name__ == "__main__":
    main()
