"""Load: UI event-loop lag and our process CPU while the simulator offers 1,000 / 5,000 / 10,000 msgs/s.

Run: ``.venv/bin/python bench/load.py [--levels 1000 5000 10000] [--seconds 10]``

Our process is the real app minus the composition root: GlobalWebSocketManager + MainWindow (coin
list with every KRW ticker, orderbook + tape, chart without history, status panel) on a qasync loop
under offscreen Qt. A "firehose" component subscribes ticker, trade and orderbook for every market,
so the whole simulated stream reaches our socket, parser, router and pool, while the views repaint
at their normal 25 Hz. The simulator runs in another process (its CPU is reported separately and not
counted as ours).

"Offered" is what arrives on our socket: the simulator's market model emits 0.75 messages per unit
of ``msg_rate`` when everything is subscribed (a trade costs 3 units and produces trade + ticker,
a book change 1 unit and 1 message), so the script sets ``msg_rate = level / 0.75`` and reports the
measured received rate. Lag = how late a 10 ms ``asyncio.sleep`` wakes up (sampled continuously);
CPU = ``time.process_time()`` of this process over the measurement, as % of one core.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
from pathlib import Path
from typing import Any

from common import (
    header,
    percentile,
    proc_cpu_s,
    run_qt,
    sim_catalogue,
    start_sim,
    summary_line,
    table,
    until,
)

MSGS_PER_RATE_UNIT = 1.0
SEED = 7


class Firehose:
    """A manager component that wants everything (no callback: the pool stores, views pull)."""


async def one_level(
    level: int, seconds: float, warm_s: float, window: bool = True, panes: int = 0
) -> dict[str, Any]:
    """Measure lag and CPU at one offered rate."""
    from PySide6.QtCore import QSettings

    from upbit_monitor.config import Settings
    from upbit_monitor.features.panes import LinkMode, PaneLink
    from upbit_monitor.manager import GlobalWebSocketManager
    from upbit_monitor.protocol.subscriptions import SubscriptionSpec
    from upbit_monitor.ui.chart.view import ChartView
    from upbit_monitor.ui.main_window import MainWindow
    from upbit_monitor.ui.panes.window import install_chart_panes

    sim = await start_sim(msg_rate=level / MSGS_PER_RATE_UNIT, seed=SEED, bursty=False)
    mgr = GlobalWebSocketManager(Settings(ws_public_url=sim.ws_url, ws_private_url=sim.ws_private_url))
    tmp = tempfile.TemporaryDirectory()
    try:
        await mgr.start()
        markets = sim_catalogue(SEED)
        codes = tuple(m.code for m in markets)  # type: ignore[attr-defined]
        win: MainWindow | None = None
        if window:
            store = QSettings(str(Path(tmp.name) / "ui.ini"), QSettings.Format.IniFormat)
            win = MainWindow(mgr, chart=ChartView(mgr, None), store=store)
            win.resize(1600, 1000)
            win.show()
            win.coin_list.set_markets(markets)  # type: ignore[arg-type]
            win.select_coin("KRW-BTC")
            if panes:
                # Issue 19: N chart + N orderbook panes, each pinned to its own coin (2N coins).
                install_chart_panes(win, mgr, None, None, 25.0)
                others = [c for c in codes if c.startswith("KRW-") and c != "KRW-BTC"][: 2 * panes]
                for i, code in enumerate(others):
                    frame = win.extras.host.add_pane("chart" if i < panes else "orderbook",
                                                     link=PaneLink(LinkMode.PINNED), code=code)
                    # Docked panes share one tab group (one visible): float them so all 2N paint.
                    win.extras.host.dock(frame.pane_id).setFloating(True)
        hose = Firehose()
        mgr.register(hose, [SubscriptionSpec("ticker", codes), SubscriptionSpec("trade", codes),
                            SubscriptionSpec("orderbook", codes, depth=15)])
        await until(lambda: mgr.latest_orderbook("KRW-BTC") is not None, 30, "first orderbook")
        await asyncio.sleep(warm_s)
        gc.collect()

        loop = asyncio.get_running_loop()
        lags: list[float] = []
        m0 = mgr.metrics()["upbit-public"].msgs_total
        c0, s0, t0 = time.process_time(), proc_cpu_s(sim.proc.pid), time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            before = loop.time()
            await asyncio.sleep(0.01)
            lags.append(max(0.0, (loop.time() - before - 0.01) * 1000))
        elapsed = time.perf_counter() - t0
        cpu = (time.process_time() - c0) / elapsed * 100
        sim_cpu = (proc_cpu_s(sim.proc.pid) - s0) / elapsed * 100
        received = (mgr.metrics()["upbit-public"].msgs_total - m0) / elapsed
        mgr.unregister(hose)
        if win is not None:
            win.close()
            win.deleteLater()
    finally:
        await mgr.shutdown()
        sim.stop()
        tmp.cleanup()
    what = "full window" if window else "manager only (no widgets)"
    if window and panes:
        what = f"full window + {panes} charts + {panes} orderbooks ({2 * panes} more coins)"
    return {"level": level, "what": what,
            "received": received, "p50": percentile(lags, 50), "p99": percentile(lags, 99),
            "max": max(lags), "cpu": cpu, "sim_cpu": sim_cpu, "samples": len(lags)}


async def measure(
    levels: list[int], seconds: float, warm_s: float, bare: bool, panes: int = 0
) -> list[dict[str, Any]]:
    """Every level in turn, each with a fresh simulator, manager and window (and without widgets)."""
    out = []
    for level in levels:
        out.append(await one_level(level, seconds, warm_s))
        if panes:
            out.append(await one_level(level, seconds, warm_s, panes=panes))
        if bare:
            out.append(await one_level(level, seconds, warm_s, window=False))
    return out


def main() -> None:
    """Measure and print the Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--levels", type=int, nargs="+", default=[1000, 5000, 10000])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--warm", type=float, default=3.0)
    ap.add_argument("--no-bare", action="store_true", help="skip the manager-only rows")
    ap.add_argument("--panes", type=int, default=4, help="extra chart + orderbook panes (0: none)")
    args = ap.parse_args()
    results = run_qt(lambda: measure(args.levels, args.seconds, args.warm, not args.no_bare, args.panes))
    assert isinstance(results, list)
    print(header("Load (full window + manager, simulator in a separate process)",
                 f"{args.seconds:.0f} s per level after {args.warm:.0f} s warm-up; lag = overshoot of a "
                 "10 ms sleep; CPU = this process only, % of one core."))
    print()
    rows = [[f"{r['level']:,}", r["what"], f"{r['received']:,.0f}", f"{r['p50']:.2f}", f"{r['p99']:.2f}",
             f"{r['max']:.1f}", f"{r['cpu']:.0f}%", f"{r['sim_cpu']:.0f}%"] for r in results]
    print(table(["offered msgs/s", "process", "received msgs/s", "lag p50 ms", "lag p99 ms", "lag max ms",
                 "our CPU", "simulator CPU (not ours)"], rows))
    print()
    print("Target: lag p99 < 20 ms at 5,000 msgs/s.")
    for r in results:
        if not r["what"].startswith("full window"):
            continue
        target = "p99 < 20 ms" if r["level"] == 5000 else "(none)"
        met = r["p99"] < 20 if r["level"] == 5000 else None
        metric = f"Event-loop lag p99 at {r['level']:,} msgs/s, {r['what']} (received {r['received']:,.0f}/s)"
        print(summary_line(metric,
                           f"{r['p99']:.1f} ms, CPU {r['cpu']:.0f}% of a core", target, met))


if __name__ == "__main__":
    main()
