"""Order-flow benchmark: heatmap cost per update and per frame, loop lag with the pane open vs
closed at 5,000 msgs/s, memory per watched coin.

    .venv/bin/python bench/orderflow.py                  # all three parts
    .venv/bin/python bench/orderflow.py --frames 300 --lag-s 10 --skip-lag

Part 1 (synthetic, no network): a recorder holding 30 min of a 30-level book at 10 updates/s
(18,000 snapshots) and 20 trades/s, a 1600x600 Heatmap pane; then frames at the real 25 Hz pace
with books arriving at 10/s: time per update (the manager callback), per frame (refresh: new
columns, their colours, profile) and per paint (a forced synchronous repaint of the pane), for
this incremental image and, side by side, for (a) recolouring the whole image every frame and
(b) pyqtgraph ``ImageItem.setImage`` of the whole grid every frame (what an ImageItem heatmap does).
Part 2: memory of one watched coin (the recorder's arrays, and tracemalloc of filling them).
Part 3: the app's window (coin list, orderbook, chart, status) against the simulator in its own
process at 5,000 msgs/s: event-loop lag (a 20 ms sleeper's overshoot) with no heatmap, then with a
1600x600 heatmap pane open on KRW-BTC.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from common import header, percentile, run_qt, start_sim, summary_line, table

from upbit_monitor.features.orderflow import FlowHub, FlowRecorder
from upbit_monitor.protocol.events import Orderbook, OrderbookUnit, Trade
from upbit_monitor.ui.common.theme import Palette

MIN30 = 30 * 60_000


class _NoSource:
    def want(self, component: object, specs: Any, *, callback: Any = None) -> None:
        return None

    def latest_orderbook(self, code: str) -> None:
        return None

    def recent_trades(self, code: str, n: int = 100) -> list[Trade]:
        return []


class Feed:
    """A random-walk 30-level book and prints (deterministic)."""

    def __init__(self, mid: float = 146_000_000.0, tick: float = 1000.0) -> None:
        self.rng = random.Random(20)
        self.mid, self.tick, self.seq = mid, tick, 0

    def book(self, t_ms: float) -> Orderbook:
        rng = self.rng
        self.mid += rng.choice((-1, 0, 0, 1)) * self.tick
        best_bid = self.mid - self.tick
        def size() -> float:  # mostly small, now and then a wall
            return rng.expovariate(4.0) * (5 if rng.random() < 0.03 else 1)

        units = tuple(OrderbookUnit(best_bid + (i + 1) * self.tick, best_bid - i * self.tick, size(), size())
                      for i in range(30))
        return Orderbook("orderbook", "KRW-BTC", 1.0, 1.0, units, int(t_ms), 0.0, "REALTIME")

    def trade(self, t_ms: float) -> Trade:
        self.seq += 1
        buy = self.rng.random() < 0.5
        price = self.mid + (0 if buy else -self.tick)
        return Trade("trade", "KRW-BTC", price, self.rng.expovariate(20.0), "BID" if buy else "ASK", price,
                     "EVEN", 0.0, "2026-12-04", "00:00:00", int(t_ms), int(t_ms), self.seq, None, None, None,
                     None, "REALTIME")


def filled_recorder(feed: Feed, end_ms: float) -> FlowRecorder:
    rec = FlowHub(_NoSource(), 30.0).watch("KRW-BTC")
    for k in range(18_000):
        t = end_ms - MIN30 + k * 100
        rec.on_event(feed.book(t))
        if k % 5 == 0:
            rec.on_event(feed.trade(t))
            rec.on_event(feed.trade(t + 50))
    return rec


def part1(frames: int) -> str:
    from PySide6.QtWidgets import QApplication

    from upbit_monitor.ui.orderflow.heatmap import HeatmapPane

    app = QApplication.instance() or QApplication([])
    feed = Feed()
    rec = filled_recorder(feed, time.time() * 1000)
    n_upd = 5000
    books = [feed.book(time.time() * 1000) for _ in range(n_upd)]
    t0 = time.perf_counter()
    for b in books:
        rec.on_event(b)
    per_update_us = (time.perf_counter() - t0) / n_upd * 1e6
    rows = []
    for col_ms in (500, 2000):
        for mode in ("incremental", "full recolour", "pyqtgraph ImageItem"):
            rows.append(_frames(app, HeatmapPane, rec, feed, col_ms, mode, frames))
    return table(["time per column", "image", "update p50 / p99 ms", "image draw p50 / p99 ms",
                  "whole pane paint p50 / p99 ms", "full rebuild ms"], rows) + (
        f"\n\nPer book update (manager callback into the ring): {per_update_us:.1f} µs.")


def _frames(app: Any, pane_cls: Any, rec: FlowRecorder, feed: Feed, col_ms: int, mode: str,
            frames: int) -> list[object]:
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtGui import QPainter, QPixmap

    pane = pane_cls(FlowHub(_NoSource(), 30.0), Palette(dark=True))
    pane.recorder, pane.code = rec, "KRW-BTC"
    pane.agg_box.setCurrentIndex(pane.agg_box.findData(col_ms))
    pane.resize(1600, 600)
    pane.show()
    app.processEvents()
    t0 = time.perf_counter()
    pane._reset_grid()
    pane.refresh()
    rebuild_ms = (time.perf_counter() - t0) * 1000
    rect = pane.canvas.image_rect()
    target = QPixmap(int(rect.width()), int(rect.height()))
    item = pg.ImageItem()
    lut = np.array([[(c >> 16) & 255, (c >> 8) & 255, c & 255] for c in pane.image.table.tolist()], np.uint8)
    update_ms, draw_ms, pane_ms = [], [], []
    next_book = time.time()
    for _ in range(frames):
        start = time.perf_counter()
        while time.time() >= next_book:  # 10 books/s, 2 prints/book, in real time
            rec.on_event(feed.book(time.time() * 1000))
            rec.on_event(feed.trade(time.time() * 1000))
            rec.on_event(feed.trade(time.time() * 1000))
            next_book += 0.1
        t1 = time.perf_counter()
        if mode == "full recolour" and pane.grid is not None:
            pane.grid.full = True
        pane.refresh()
        if mode == "pyqtgraph ImageItem":
            # What an ImageItem heatmap does per update: hand it the whole grid again.
            # (col-major: x = first axis, so the transpose of our rows x columns)
            item.setImage(pane.grid.values.T, levels=(0, pane.scale.clip), lut=lut, autoLevels=False)
        t2 = time.perf_counter()
        painter = QPainter(target)
        if mode == "pyqtgraph ImageItem":
            # Scaled to the same target as ours; the ImageItem converts the array to a QImage
            # (cached until the next setImage) and draws it.
            painter.scale(rect.width() / pane.grid.spec.n_cols, rect.height() / pane.grid.spec.n_rows)
            item.paint(painter)
        else:
            pane.image.draw(painter, rect.translated(-rect.left(), -rect.top()), pane.grid)
        painter.end()
        t3 = time.perf_counter()
        update_ms.append((t2 - t1) * 1000)
        draw_ms.append((t3 - t2) * 1000)
        if mode == "incremental":
            pane.canvas.grab()  # the whole pane: image, bubbles, lines, profile, axes
            pane_ms.append((time.perf_counter() - t3) * 1000)
        time.sleep(max(0.0, 0.04 - (time.perf_counter() - start)))
    pane.close()
    whole = f"{statistics.median(pane_ms):.1f} / {percentile(pane_ms, 99):.1f}" if pane_ms else "-"
    update = f"{statistics.median(update_ms):.2f} / {percentile(update_ms, 99):.2f}"
    draw = f"{statistics.median(draw_ms):.2f} / {percentile(draw_ms, 99):.2f}"
    return [f"{col_ms / 1000:g} s", mode, update, draw, whole, f"{rebuild_ms:.0f}"]


def recording_size() -> str:
    """SQLite growth for one hour of one coin at 10 books/s (36,000 snapshots), recording on."""
    from upbit_monitor.features.orderflow.archive import BookArchive, encode
    from upbit_monitor.storage import DbContext

    path = Path(tempfile.mkdtemp(prefix="bench-of-rec-")) / "rec.db"
    db = DbContext.open(f"sqlite:///{path}")
    before = path.stat().st_size
    feed, archive = Feed(), BookArchive(db)
    start = time.time() * 1000
    books = [feed.book(start + k * 100) for k in range(36_000)]
    packed = statistics.mean(len(encode(b)) for b in books[:2000])

    async def write() -> None:
        for k in range(0, len(books), 1000):
            for b in books[k:k + 1000]:
                archive.add("upbit", b)
            await archive.flush()

    t0 = time.perf_counter()
    asyncio.run(write())
    secs = time.perf_counter() - t0
    db.close()
    grown = (path.stat().st_size - before) / 1e6
    return (f"Recording (optional, off by default): one coin at 10 books/s = 36,000 snapshots an hour, "
            f"{packed:.0f} bytes each packed; the SQLite file grew {grown:.1f} MB for that hour "
            f"(written in batches of 1,000 in {secs:.1f} s of worker-thread time).")


def part2() -> tuple[str, float]:
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    rec = filled_recorder(Feed(), time.time() * 1000)
    traced = (tracemalloc.get_traced_memory()[0] - before) / 1e6
    tracemalloc.stop()
    arrays = rec.nbytes / 1e6
    text = (f"One watched coin, 30 min at 10 books/s (18,000 x 30 levels) + 20 trades/s (36,000): arrays "
            f"{arrays:.1f} MB (book {rec.book.nbytes / 1e6:.1f} MB, "
            f"trades {rec.trades.nbytes / 1e6:.1f} MB); "
            f"tracemalloc of creating and filling the recorder {traced:.1f} MB. Target: under 16 MB.")
    return text, traced


async def part3(lag_s: float) -> dict[str, list[float]]:
    from PySide6.QtCore import QSettings

    from upbit_monitor.config import Settings
    from upbit_monitor.manager import GlobalWebSocketManager
    from upbit_monitor.ui.chart.view import ChartView
    from upbit_monitor.ui.main_window import MainWindow
    from upbit_monitor.ui.orderflow.setup import install_orderflow_panes

    sim = await start_sim(msg_rate=5000.0, seed=11)
    try:
        mgr = GlobalWebSocketManager(Settings(ws_public_url=sim.ws_url, ws_private_url=sim.ws_private_url))
        await mgr.start()
        ini = Path(tempfile.mkdtemp(prefix="bench-of-")) / "ui.ini"
        store = QSettings(str(ini), QSettings.Format.IniFormat)
        win = MainWindow(mgr, chart=ChartView(mgr, None), store=store)
        win.resize(1600, 1000)
        win.show()
        from common import sim_catalogue

        win.coin_list.set_markets(sim_catalogue(11))  # type: ignore[arg-type]
        win.select_coin("KRW-BTC")
        install_orderflow_panes(win, mgr, 30.0, 25.0)
        loop = asyncio.get_running_loop()

        async def lags() -> list[float]:
            out: list[float] = []
            end = time.perf_counter() + lag_s
            while time.perf_counter() < end:
                t = loop.time()
                await asyncio.sleep(0.02)
                out.append(max(0.0, (loop.time() - t - 0.02) * 1000))
            return out

        await asyncio.sleep(3.0)  # connected, subscribed, list filled
        result = {"closed": await lags()}
        frame = win.extras.host.add_pane("heatmap", code="KRW-BTC", floating=True)
        win.extras.host.dock(frame.pane_id).resize(1600, 640)
        pane = frame.body
        ticks: list[float] = []
        paints: list[float] = []
        _retime(pane, ticks)
        _timed(type(pane.canvas), "paintEvent", paints)  # Qt calls the class's override
        await asyncio.sleep(3.0)
        rebuilds0, books0 = pane.grid.rebuilds if pane.grid else 0, pane.recorder.book.appended
        result["open"] = await lags()
        result["refresh"], result["paint"] = ticks, paints
        result["books/s"] = [(pane.recorder.book.appended - books0) / lag_s]
        result["rebuilds"] = [float((pane.grid.rebuilds if pane.grid else 0) - rebuilds0)]
        win.close()
        await mgr.shutdown()
        return result
    finally:
        sim.stop()


def _timed(obj: Any, name: str, samples: list[float]) -> None:
    """Wrap ``obj.name`` so each call's duration (ms) lands in ``samples``."""
    inner = getattr(obj, name)

    def wrapper(*a: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return inner(*a)
        finally:
            samples.append((time.perf_counter() - t0) * 1000)

    setattr(obj, name, wrapper)


def _retime(view: Any, samples: list[float]) -> None:
    """Time the frame-clock tick of ``view`` (same rate and phase), as bench/ui.py does."""
    from upbit_monitor.ui.common.frame_clock import FrameClock

    sub = FrameClock.shared()._subs[id(view)]
    inner = view.refresh

    def wrapped() -> None:
        t0 = time.perf_counter()
        inner()
        samples.append((time.perf_counter() - t0) * 1000)

    sub.method = lambda: wrapped


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--frames", type=int, default=250)
    p.add_argument("--lag-s", type=float, default=15.0)
    p.add_argument("--skip-lag", action="store_true")
    args = p.parse_args()
    out = [header("bench/orderflow.py"), "", "Heatmap, 1600x600, 30 min of history (Part 1):", ""]
    out.append(part1(args.frames))
    mem_text, traced = part2()
    out += ["", recording_size()]
    out += ["", mem_text, summary_line("order flow: memory per watched coin (30 min)", f"{traced:.1f} MB",
                                       "< 16 MB", traced < 16)]
    if not args.skip_lag:
        r = run_qt(lambda: part3(args.lag_s))
        assert isinstance(r, dict)
        rows = [[k, len(v), f"{statistics.median(v):.1f}", f"{percentile(v, 99):.1f}", f"{max(v):.1f}"]
                for k, v in r.items() if k in ("closed", "open", "refresh", "paint")]
        out += ["", "Event-loop lag at 5,000 msgs/s (ms; app window + simulator process):", "",
                table(["loop lag with the heatmap / heatmap work", "samples", "p50", "p99", "max"], rows), "",
                f"KRW-BTC books recorded: {r['books/s'][0]:.0f}/s; grid rebuilds while measuring: "
                f"{r['rebuilds'][0]:.0f}.",
                summary_line("order flow: loop lag p99, heatmap open, 5,000 msgs/s",
                             f"{percentile(r['open'], 99):.1f} ms", "< 20 ms (quiet machine)",
                             percentile(r["open"], 99) < 20)]
    print("\n".join(out) + "\n" + header("end"))


if __name__ == "__main__":
    main()
