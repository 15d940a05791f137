"""Memory soak: 1,000,000 messages, 10,000 coin switches and 1,000 create/destroy cycles of each view.

Run: ``.venv/bin/python bench/soak.py [--scale 1.0] [--rate 12000]``  (``--scale 0.1`` for a quick look)

One process with the real manager and MainWindow (offscreen, qasync), the simulator in another
process. Three workloads run concurrently on the loop until each has reached its quota:

* messages: a firehose component subscribes ticker + trade + orderbook of every market, so the whole
  simulated stream (``--rate`` msgs/s) is parsed, routed and pooled; counted from the manager's
  ``msgs_total``; the firehose unregisters once the quota is reached;
* coin switches: ``MainWindow.select_coin`` cycling through 40 markets (orderbook + tape + chart
  switch together; the manager coalesces and paces the requests);
* view churn: create, register (set a code / catalogue), show, close and delete an OrderbookView,
  a ChartView, a CoinList and a StatusPanel, one cycle each per round.

Resident memory (VmRSS) is sampled at the start, after warm-up (every workload at 10%), in the
middle (50%) and at the end; growth is reported after warm-up. At the end the window returns to
its first coin, and the registrations, the merged subscription set, the live widget count and
the manager's listeners are compared with the baseline taken before the workloads started.

Then the fault phase (bench/soak_faults.py, ``--faults-only`` / ``--no-faults``): drop, stall,
restart, a locked database and a full disk while every trade and candle is recorded; it reports
per fault what the writer received, wrote and lost, and that nothing was lost below the bound.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import header, rss_mb, run_qt, sim_catalogue, start_sim, summary_line, table, until
from soak_faults import fault_phase

SEED = 9


class Firehose:
    """A component that wants every market's ticker, trades and orderbook (the pool stores them)."""


def _listener_counts(mgr: Any) -> tuple[int, int]:
    # Private attributes, read only here: a leak of listeners would not show in registrations().
    router = mgr._router
    by_type = sum(len(v) for v in router._listeners_by_type.values())
    return len(router._listeners_all) + by_type, len(mgr._state_listeners)


async def soak(scale: float, rate: float) -> dict[str, Any]:
    """Run the three workloads; return the measurements."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from upbit_monitor.config import Settings
    from upbit_monitor.features.panes import LinkMode, PaneLink
    from upbit_monitor.manager import GlobalWebSocketManager
    from upbit_monitor.protocol.subscriptions import SubscriptionSpec
    from upbit_monitor.ui.chart.view import ChartView
    from upbit_monitor.ui.coin_list.view import CoinList
    from upbit_monitor.ui.common.theme import Palette
    from upbit_monitor.ui.main_window import MainWindow
    from upbit_monitor.ui.orderbook.view import OrderbookView
    from upbit_monitor.ui.panes.window import install_chart_panes
    from upbit_monitor.ui.status.panel import StatusPanel

    n_msgs, n_switch, n_cycles = int(1_000_000 * scale), int(10_000 * scale), int(1_000 * scale)
    rss0 = rss_mb()
    sim = await start_sim(msg_rate=rate, seed=SEED, bursty=False)
    mgr = GlobalWebSocketManager(Settings(ws_public_url=sim.ws_url, ws_private_url=sim.ws_private_url))
    tmp = tempfile.TemporaryDirectory()
    result: dict[str, Any] = {"quota": (n_msgs, n_switch, n_cycles), "rss_import": rss0}
    try:
        await mgr.start()
        markets = sim_catalogue(SEED)
        codes = tuple(m.code for m in markets)  # type: ignore[attr-defined]
        krw = [c for c in codes if c.startswith("KRW-")][:40]
        store = QSettings(str(Path(tmp.name) / "ui.ini"), QSettings.Format.IniFormat)
        win = MainWindow(mgr, chart=ChartView(mgr, None), store=store)
        win.resize(1400, 900)
        win.show()
        win.coin_list.set_markets(markets)  # type: ignore[arg-type]
        install_chart_panes(win, mgr, None, None, 25.0)
        win.coin_list.model.set_favourites(krw[:6])  # the watch-grid panes show these
        win.select_coin(krw[0])
        await until(lambda: mgr.latest_orderbook(krw[0]) is not None, 30, "first orderbook")
        # Warm-up pane: it creates the tab group shared with the Chart dock (one QTabBar that stays).
        win.extras.host.close_pane(win.extras.host.add_pane("orderbook").pane_id)
        await asyncio.sleep(1.0)
        gc.collect()
        base = {
            "registrations": sorted(r.component_name for r in mgr.registrations()),
            "subscriptions": mgr.subscriptions(),
            "widgets": len(QApplication.allWidgets()),
            "listeners": _listener_counts(mgr),
            "panes": (len(win.extras.host.frames), len(win.extras.host.hub)),
        }
        result["rss_start"] = rss_mb()

        hose = Firehose()
        mgr.register(hose, [SubscriptionSpec("ticker", codes), SubscriptionSpec("trade", codes),
                            SubscriptionSpec("orderbook", codes, depth=15)])
        m0 = mgr.metrics()["upbit-public"].msgs_total
        progress = {"msgs": 0.0, "switch": 0.0, "cycles": 0.0}

        def msgs_done() -> int:
            return mgr.metrics()["upbit-public"].msgs_total - m0

        async def messages() -> None:
            while msgs_done() < n_msgs:
                progress["msgs"] = msgs_done() / n_msgs
                await asyncio.sleep(0.1)
            progress["msgs"] = 1.0
            mgr.unregister(hose)

        async def switches() -> None:
            for i in range(n_switch):
                win.select_coin(krw[(i + 1) % len(krw)])
                progress["switch"] = (i + 1) / n_switch
                await asyncio.sleep(0.004)

        async def churn() -> None:
            pal = Palette()
            for i in range(n_cycles):
                code = krw[i % len(krw)]
                ob = OrderbookView(mgr, pal)
                ob.set_code(code)
                ch = ChartView(mgr, None)
                ch.set_code(code)
                cl = CoinList(mgr, pal)
                cl.set_markets(markets)  # type: ignore[arg-type]
                sp = StatusPanel(mgr)
                views = [ob, ch, cl, sp]
                for v in views:
                    v.resize(400, 300)
                    v.show()
                # Issue 19: one pane of each new kind per cycle, in turn following, pinned, grouped.
                links = (PaneLink(), PaneLink(LinkMode.PINNED), PaneLink(LinkMode.GROUP, "red"))
                link = links[i % 3]
                panes = [win.extras.host.add_pane(kind, link=link, code=code)
                         for kind in ("chart", "orderbook", "watch")]
                await asyncio.sleep(0.005)  # one repaint tick while registered
                for v in views:
                    v.close()
                    v.deleteLater()
                for frame in panes:
                    win.extras.host.close_pane(frame.pane_id)
                del ob, ch, cl, sp, views, v, panes, frame
                await asyncio.sleep(0)  # the deferred deletes run on the next loop turn
                progress["cycles"] = (i + 1) / n_cycles

        samples: list[tuple[float, float, float]] = []  # (time, rss, min progress)

        async def sampler() -> None:
            t0 = time.perf_counter()
            while True:
                samples.append((time.perf_counter() - t0, rss_mb(), min(progress.values())))
                if len(samples) % 20 == 0:  # progress on stderr every ~10 s
                    done = ", ".join(f"{k} {v:.0%}" for k, v in progress.items())
                    print(f"soak {samples[-1][0]:.0f} s: {done}, RSS {samples[-1][1]:.0f} MB",
                          file=sys.stderr, flush=True)
                await asyncio.sleep(0.5)

        sampling = asyncio.ensure_future(sampler())
        t0 = time.perf_counter()
        await asyncio.gather(messages(), switches(), churn())
        result["elapsed"] = time.perf_counter() - t0
        result["msgs"] = msgs_done()
        sampling.cancel()
        win.select_coin(krw[0])
        # Let the weakref/destroyed paths and the coalesced request settle, then compare.
        await until(lambda: mgr.subscriptions() == base["subscriptions"]
                    and len(mgr.registrations()) == len(base["registrations"]), 30, "baseline")
        await asyncio.sleep(0.5)
        gc.collect()
        await asyncio.sleep(0.1)
        result["rss_end"] = rss_mb()

        def at(frac: float) -> float:
            return next((rss for _, rss, p in samples if p >= frac), result["rss_end"])

        result["rss_warm"] = at(0.1)
        result["rss_mid"] = at(0.5)
        result["rss_peak"] = max(rss for _, rss, _ in samples) if samples else result["rss_end"]
        result["base"] = base
        result["final"] = {
            "registrations": sorted(r.component_name for r in mgr.registrations()),
            "subscriptions": mgr.subscriptions(),
            "widgets": len(QApplication.allWidgets()),
            "listeners": _listener_counts(mgr),
            "panes": (len(win.extras.host.frames), len(win.extras.host.hub)),
        }
        result["requests"] = mgr.metrics()["upbit-public"].requests_sent
        win.close()
        win.deleteLater()
    finally:
        await mgr.shutdown()
        sim.stop()
        tmp.cleanup()
    return result


def print_faults(hold_s: float) -> None:
    """Run the fault phase (bench/soak_faults.py) and print its table and summary line."""
    r = run_qt(lambda: fault_phase(hold_s))
    assert isinstance(r, dict)
    final = r["final"]
    print(header("Fault soak",
                 "every trade and the minute candles of 40 markets recorded through the StreamWriter "
                 "into SQLite "
                 f"({'a tmpfs' if r['real_tmpfs'] else 'a plain directory, ENOSPC injected'}) while "
                 "five faults hit, one after another; simulator in-process."))
    print()
    print(table(["fault", "events received", "written", "queued at the end", "lost", "writer saw",
                 "reconnects", "writing again after (s)", "trades backfilled", "trades still missing"],
                [[x["fault"], f"{x['received']:,}", f"{x['written']:,}", x["waiting"], x["lost"],
                  x["peak cause"], x["reconnects"], f"{x['recovered_s']:.2f}", f"{x['backfilled']:,}",
                  f"{x['still_missing']:,}"]
                 for x in r["rows"]],
                [False, True, True, True, True, False, True, True, True, True]))
    print()
    print(f"Whole run: received {final.received:,}, written {final.written:,}, waiting {final.waiting:,}, "
          f"rejected {final.rejected:,}, dropped past the bound {final.dropped:,}; identity "
          f"{'holds' if final.balanced else 'BROKEN'}; "
          f"stop() {'reported everything saved' if r['saved'] else 'reported a loss'}.")
    print("Documented bound (storage/writer.py): 100,000 market events in memory, then 256 MiB of "
          "spill files; only past both is the oldest market data dropped, own orders never.")
    ok = final.balanced and final.lost == 0 and final.waiting == 0 and bool(r["saved"])
    print(summary_line("Fault soak: events lost by the writer (drop, stall, restart, locked DB, full disk)",
                       f"{final.lost:,} of {final.received:,}", "0 (below the bound)", ok))
    missing = sum(x["still_missing"] for x in r["rows"])
    backfilled = sum(x["backfilled"] for x in r["rows"])
    print(summary_line("Fault soak: trades missing after the outage backfill (drop, stall, restart)",
                       f"{missing:,} ({backfilled:,} backfilled from REST)", "0", missing == 0))


def main() -> None:
    """Run the soak and print the Markdown tables."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the full quotas")
    ap.add_argument("--rate", type=float, default=5000.0, help="simulator market msgs/s")
    ap.add_argument("--faults-only", action="store_true", help="run only the fault phase")
    ap.add_argument("--no-faults", action="store_true", help="skip the fault phase")
    ap.add_argument("--fault-hold", type=float, default=6.0, metavar="S", help="how long each fault lasts")
    args = ap.parse_args()
    if args.faults_only:
        print_faults(args.fault_hold)
        return
    r = run_qt(lambda: soak(args.scale, args.rate))
    assert isinstance(r, dict)
    _, n_switch, n_cycles = r["quota"]
    b, f = r["base"], r["final"]
    growth = r["rss_end"] - r["rss_warm"]
    leaked = len(f["registrations"]) - len(b["registrations"])
    print(header("Memory soak",
                 f"{r['msgs']:,} messages, {n_switch:,} coin switches, {n_cycles:,} create/destroy cycles of "
                 "OrderbookView, ChartView, CoinList and StatusPanel, concurrently, "
                 f"in {r['elapsed']:.0f} s; "
                 f"simulator at {args.rate:,.0f} msgs/s in a separate process."))
    print()
    print(table(["RSS MB: after imports", "start", "after warm-up (10%)", "middle (50%)", "end", "peak",
                 "growth after warm-up"],
                [[f"{r['rss_import']:.1f}", f"{r['rss_start']:.1f}", f"{r['rss_warm']:.1f}",
                  f"{r['rss_mid']:.1f}", f"{r['rss_end']:.1f}", f"{r['rss_peak']:.1f}", f"{growth:+.1f}"]],
                [True] * 7))
    print()
    same_subs = f["subscriptions"] == b["subscriptions"]
    print(table(["at the end vs baseline", "baseline", "end", "returned to baseline"], [
        ["registered components", len(b["registrations"]), len(f["registrations"]),
         "yes" if f["registrations"] == b["registrations"] else "NO"],
        ["subscribed (type, code) pairs", sum(len(e.codes) for e in b["subscriptions"].entries),
         sum(len(e.codes) for e in f["subscriptions"].entries), "yes" if same_subs else "NO"],
        ["live QWidgets", b["widgets"], f["widgets"], "yes" if f["widgets"] == b["widgets"] else "NO"],
        ["event listeners / state listeners", "{} / {}".format(*b["listeners"]),
         "{} / {}".format(*f["listeners"]),
         "yes" if f["listeners"] == b["listeners"] else "NO"],
    ], [False, True, True, False]))
    print()
    print(f"Subscription requests actually sent (coalesced, paced by Upbit's limits): {r['requests']:,}.")
    print("Target: growth < 5 MB after warm-up, zero leaked registrations.")
    print(summary_line("Memory soak: RSS growth after warm-up",
                       f"{growth:+.1f} MB (end {r['rss_end']:.0f} MB)", "< 5 MB", growth < 5))
    print(summary_line("Memory soak: leaked registrations / subscriptions at the end",
                       f"{leaked} / {'none' if same_subs else 'set differs'}", "0",
                       leaked == 0 and same_subs))
    if not args.no_faults:
        print()
        print_faults(args.fault_hold)


if __name__ == "__main__":
    main()
