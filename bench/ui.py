"""UI benchmark: click-to-orderbook latency and frame cost / event-loop lag under a fast feed.

    .venv/bin/python bench/ui.py                       # 100 switches, 5,000 msgs/s, 10 s load
    .venv/bin/python bench/ui.py --switches 20 --load-s 5 --rate 2000

The simulator runs in a separate process (as the real exchange would be), so its CPU cost does not
count as UI time. The app side is the real thing: GlobalWebSocketManager + MainWindow (coin list,
orderbook, tape, chart, status panel) on a qasync loop, offscreen unless QT_QPA_PLATFORM is set.

Phase 1 (latency): a QTest mouse click on a coin-list row, until the orderbook view has painted that
coin's ladder (its ``first_paint`` signal). No spacing between switches by default (``--pace``): Upbit's
limit is 5 requests/s per connection (protocol-2026.md; the old 100/min is gone and the client only
paces per minute when ``Settings.ws_requests_per_minute`` asks), which the client paces itself.

Phase 1b (sustained switch rate): ``--burst`` switches back to back, each one clicked as soon as the
previous coin's ladder has painted, like holding an arrow key; reports switches per second and the
server's throttling errors (error frames the client received; the simulator enforces 5/s).

Phase 2 (load): for ``--load-s`` seconds at ``--rate`` market messages/s: event-loop lag (a 20 ms
sleeper's overshoot), the time each view's repaint tick takes (pull from the pool + model update),
and a forced synchronous repaint of the whole window (full-frame render time).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from upbit_monitor.models import MarketInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
# BENCH_APP_TREE: measure another checkout's app code with this harness (bench/side_by_side.py).
sys.path.insert(0, os.environ.get("BENCH_APP_TREE") or str(Path(__file__).resolve().parents[1]))

import qasync
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from upbit_monitor.config import Settings
from upbit_monitor.features.panes import LinkMode, PaneLink
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.coin_list.model import Col
from upbit_monitor.ui.common.frame_clock import FrameClock
from upbit_monitor.ui.main_window import MainWindow
from upbit_monitor.ui.panes.window import install_chart_panes


# ---------------------------------------------------------------- simulator process
def _sim_main(rate: float, conn: Any) -> None:
    from upbit_monitor.sim.server import Simulator

    async def serve() -> None:
        async with Simulator(msg_rate=rate, seed=11) as sim:
            markets = [(m.code, m.korean_name, m.english_name, bool(m.warning)) for m in sim.model.markets]
            conn.send((sim.ws_url, sim.ws_private_url, markets))
            # Run until the parent says stop (or dies: recv raises EOFError).
            await asyncio.get_running_loop().run_in_executor(None, _wait_parent, conn)

    asyncio.run(serve())


def _wait_parent(conn: Any) -> None:
    try:
        conn.recv()
    except EOFError:
        pass


# ---------------------------------------------------------------- helpers
async def until(pred: Callable[[], bool], limit_s: float, what: str, poll_s: float = 0.005) -> None:
    """Wait for a condition while the loop runs."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit_s
    while not pred():
        if loop.time() > end:
            raise TimeoutError(what)
        await asyncio.sleep(poll_s)


def pct(values: list[float], q: float) -> float:
    """Percentile (nearest rank) of a non-empty list."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s)) - 1))]


def timed(samples: list[float], fn: Callable[[], object]) -> Callable[[], None]:
    """Wrap a repaint tick so its duration is recorded (ms)."""

    def run() -> None:
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)

    return run


def retime(view: Any, samples: list[float], fn: Callable[[], object]) -> None:
    """Replace a view's frame-clock callback by a timed wrapper of its tick (same rate and phase)."""
    clock = FrameClock.shared()
    sub = clock._subs[id(view)]
    wrapped = timed(samples, fn)
    sub.method = lambda: wrapped


# ---------------------------------------------------------------- benchmark
async def bench(
    args: argparse.Namespace, ws_url: str, ws_private: str, markets: list[MarketInfo]
) -> dict[str, Any]:
    """Run both phases against the simulator at ``ws_url``."""
    mgr = GlobalWebSocketManager(Settings(ws_public_url=ws_url, ws_private_url=ws_private))
    await mgr.start()
    tmp = tempfile.mkdtemp(prefix="bench-ui-")
    store = QSettings(str(Path(tmp) / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(mgr, chart=ChartView(mgr, None), store=store)
    win.resize(1600, 1000)
    win.show()
    cl = win.coin_list
    cl.set_markets(markets)
    await until(lambda: len(mgr.all_tickers()) >= len(cl.shown_codes()) * 0.9, 30, "tickers")
    win.select_coin("KRW-BTC")
    await until(lambda: win.orderbook.model.code == "KRW-BTC", 10, "first book")

    # Phase 1: click-to-orderbook latency.
    pending: dict[str, asyncio.Future[float]] = {}

    def on_paint(code: str) -> None:
        fut = pending.pop(code, None)
        if fut is not None and not fut.done():
            fut.set_result(time.perf_counter())

    win.orderbook.first_paint.connect(on_paint)

    async def switch_to(code: str) -> float:
        row = proxy.row_of(code)
        idx = proxy.index(row, Col.PRICE)
        table.scrollTo(idx)
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        pending[code] = fut
        t0 = time.perf_counter()
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(table.visualRect(idx).center()))
        await asyncio.wait_for(fut, 10)
        return t0

    latencies: list[float] = []
    to_request: list[float] = []
    proxy, table = cl.proxy, cl.table
    candidates = [proxy.code_at(r) for r in range(min(12, proxy.rowCount()))]
    for i in range(args.switches):
        code = next(c for c in candidates[i % len(candidates):] + candidates if c and c != win.code)
        row = proxy.row_of(code)
        idx = proxy.index(row, Col.PRICE)
        table.scrollTo(idx)
        fut: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        pending[code] = fut
        sent_before = mgr.metrics()["upbit-public"].requests_sent
        t0 = time.perf_counter()
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(table.visualRect(idx).center()))
        # Split the path: click -> merged request on the wire (coalescing window + pacing) and
        # click -> ladder painted (+ exchange round trip + first repaint).
        def sent(before: int = sent_before) -> bool:
            return bool(mgr.metrics()["upbit-public"].requests_sent != before)

        await until(sent, 10, "request", 0.001)
        to_request.append((time.perf_counter() - t0) * 1000)
        t1 = await asyncio.wait_for(fut, 10)
        latencies.append((t1 - t0) * 1000)
        if args.pace > 0:
            await asyncio.sleep(args.pace)

    # Phase 1b: sustained switch rate (next click as soon as the previous ladder painted).
    m_before = mgr.metrics()["upbit-public"]
    burst_t0 = time.perf_counter()
    for i in range(args.burst):
        code = next(c for c in candidates[i % len(candidates):] + candidates if c and c != win.code)
        await switch_to(code)
    burst_s = time.perf_counter() - burst_t0
    m_after = mgr.metrics()["upbit-public"]
    throttled = m_after.server_errors - m_before.server_errors
    burst = {"switches": args.burst, "seconds": burst_s, "throttled": throttled,
             "requests": m_after.requests_sent - m_before.requests_sent,
             "last_error": m_after.last_server_error}

    # Phase 1b (issue 19): wire requests per link-group switch, with 2 and with 8 grouped panes
    # (charts and orderbooks). The target is exactly one merged request whatever the pane count.
    group_requests: dict[int, list[int]] = {}
    install_chart_panes(win, mgr, None, None, 25.0)
    host = win.extras.host
    red = PaneLink(LinkMode.GROUP, "red")
    codes = [c for c in candidates if c and c != win.code]
    for pairs in (1, 4):
        frames = [host.add_pane(kind, link=red, code=codes[0]) for _ in range(pairs)
                  for kind in ("chart", "orderbook")]
        await asyncio.sleep(0.3)
        counts: list[int] = []
        for i in range(args.group_switches):
            before = mgr.metrics()["upbit-public"].requests_sent
            frames[i % len(frames)].coin_box.setText(codes[(i + 1) % len(codes)])
            frames[i % len(frames)]._entered()

            def moved(b: int = before) -> bool:
                return bool(mgr.metrics()["upbit-public"].requests_sent != b)

            await until(moved, 10, "group request", 0.001)
            await asyncio.sleep(0.25)  # 10x the coalescing window: any second request would show
            counts.append(mgr.metrics()["upbit-public"].requests_sent - before)
        group_requests[len(frames)] = counts
        for f in frames:
            host.close_pane(f.pane_id)
        await asyncio.sleep(0.3)

    # Phase 2: load.
    ticks: dict[str, list[float]] = {"coin list": [], "orderbook + tape": [], "chart": []}
    retime(cl, ticks["coin list"], cl.refresh)
    retime(win.orderbook, ticks["orderbook + tape"], win.orderbook.refresh)
    chart = win.chart
    assert isinstance(chart, ChartView)
    # The chart's frame tick was poll_live() before the ClockedView fold (a31c331), refresh() since:
    # the harness measures old checkouts too (side_by_side.py).
    retime(chart, ticks["chart"], getattr(chart, "poll_live", None) or chart.refresh)
    lags: list[float] = []
    frames: list[float] = []
    loop = asyncio.get_running_loop()
    m0 = mgr.metrics()["upbit-public"]
    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t_start = time.perf_counter()
    while time.perf_counter() - t_start < args.load_s:
        t = loop.time()
        await asyncio.sleep(0.02)
        lags.append(max(0.0, (loop.time() - t - 0.02) * 1000))
    elapsed = time.perf_counter() - t_start
    if prof is not None:
        import pstats

        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
    m1 = mgr.metrics()["upbit-public"]
    received = (m1.msgs_total - m0.msgs_total) / elapsed
    # Full-frame cost, sampled separately (a forced repaint blocks the loop and would skew the lag).
    for _ in range(20):
        f0 = time.perf_counter()
        win.repaint()  # synchronous: every visible widget paints now
        frames.append((time.perf_counter() - f0) * 1000)
        await asyncio.sleep(0.1)
    win.close()
    await mgr.shutdown()
    return {"latencies": latencies, "to_request": to_request, "ticks": ticks, "lags": lags, "frames": frames,
            "received": received, "elapsed": elapsed, "burst": burst, "group_requests": group_requests}


def report(args: argparse.Namespace, r: dict[str, Any]) -> str:
    """Markdown tables of the results."""
    lat, req = r["latencies"], r["to_request"]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, Qt platform "
        f"`{os.environ.get('QT_QPA_PLATFORM')}`; simulator in a separate process; "
        f"load average at the end {load}.",
        "",
        f"Click-to-orderbook ({len(lat)} switches, spaced {args.pace:.2f} s, feed {args.rate:,.0f} msgs/s):",
        "",
        "| metric | p50 | p95 | max |",
        "|---|---|---|---|",
        f"| click -> merged request sent (ms) | {pct(req, 50):.1f} | {pct(req, 95):.1f} | {max(req):.1f} |",
        f"| click -> new coin's ladder painted (ms) | {pct(lat, 50):.1f} | {pct(lat, 95):.1f} "
        f"| {max(lat):.1f} |",
        "",
        f"Sustained coin switching ({r['burst']['switches']} switches back to back, each after the previous "
        f"ladder painted): {r['burst']['switches'] / r['burst']['seconds']:.1f} switches/s, "
        f"{r['burst']['requests']} requests sent, {r['burst']['throttled']} throttling errors from the server"
        + (f" (last: {r['burst']['last_error']})" if r["burst"]["throttled"] else "") + ".",
        "",
        "Link-group switch (issue 19): wire requests per switch, coin chosen in one member of a group "
        "of chart + orderbook panes:",
        "",
        "| panes in the group | switches | requests per switch: min | max | mean |",
        "|---|---|---|---|---|",
        *[f"| {n} | {len(c)} | {min(c)} | {max(c)} | {statistics.fmean(c):.2f} |"
          for n, c in r["group_requests"].items()],
        "",
        f"Under load ({r['elapsed']:.0f} s, simulator {args.rate:,.0f} msgs/s, "
        f"received {r['received']:,.0f} msgs/s on the app's connection):",
        "",
        "| metric | p50 | p95 | p99 | max | count |",
        "|---|---|---|---|---|---|",
    ]
    lag = r["lags"]
    fr = r["frames"]
    for name, xs in (("event-loop lag (ms)", lag), ("full-window repaint (ms)", fr)):
        lines.append(f"| {name} | {pct(xs, 50):.1f} | {pct(xs, 95):.1f} | {pct(xs, 99):.1f} | {max(xs):.1f} "
                     f"| {len(xs)} |")
    for name, samples in r["ticks"].items():
        if samples:
            lines.append(f"| {name} repaint tick (ms) | {pct(samples, 50):.2f} | {pct(samples, 95):.2f} | "
                         f"{pct(samples, 99):.2f} | {max(samples):.2f} | {len(samples)} |")
    busy = sum(sum(s) for s in r["ticks"].values()) / (r["elapsed"] * 1000) * 100
    lines.append("")
    lines.append(f"View repaint ticks used {busy:.1f}% of one core in total "
                 f"(mean lag {statistics.fmean(lag):.1f} ms).")
    return "\n".join(lines)


def main() -> None:
    """Parse flags, start the simulator process, run the benchmark, print the tables."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--switches", type=int, default=100)
    p.add_argument("--pace", type=float, default=0.0,
                   help="seconds between latency switches (0: none; the client paces to Upbit's 5/s itself)")
    p.add_argument("--burst", type=int, default=60, help="back-to-back switches for the sustained rate")
    p.add_argument("--group-switches", type=int, default=20)
    p.add_argument("--rate", type=float, default=5000.0, help="simulator market messages per second")
    p.add_argument("--load-s", type=float, default=10.0)
    p.add_argument("--profile", action="store_true", help="print a cProfile of the load phase")
    args = p.parse_args()
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_sim_main, args=(args.rate, child), daemon=True)
    proc.start()
    ws_url, ws_private, raw = parent.recv()
    markets = [MarketInfo(c, k, e, w) for c, k, e, w in raw]
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    try:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            result = runner.run(bench(args, ws_url, ws_private, markets))
    finally:
        parent.send("stop")
        proc.join(10)
    print(report(args, result))


if __name__ == "__main__":
    main()
