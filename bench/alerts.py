"""Alerts engine cost and trigger latency.

Run: ``.venv/bin/python bench/alerts.py [--rules 1000] [--rate 5000] [--seconds 8]``

1. **Added CPU per message (no socket)**: simulator-built ticker/trade/orderbook events for 200 KRW
   markets are pushed through the manager's router (``_on_events``: route + pool + subscribers) in
   batches of 50, once with no engine and once with the engine holding ``--rules`` active rules (a
   realistic mix over the 200 coins: price levels, sudden-move, whale, volume-spike, imbalance,
   24 h change, premium and ``KRW-*`` scanners). Best of 7 runs each, in thread CPU time (other
   processes on a shared box do not count); the difference per event is the engine's added cost.
2. **Loop lag at ``--rate`` msgs/s (qasync, socket)**: frames recorded from the same generator are
   replayed by a separate process (bench/manager.py's replay server) at exactly ``--rate`` frames/s.
   The client (GC as in the app: automatic collection off, a GUI-thread timer collects) measures
   received msgs/s, its CPU and the loop lag (a 10 ms sleeper's lateness) in six interleaved phases,
   three without and three with the rules; the medians per condition are compared.
3. **Trigger latency**: an in-process simulator (random feed paused) prints a trade across a price
   level; the clock runs from the scripted print to the notifier's ``send`` having returned
   (simulator encode -> socket -> parse -> route -> engine -> delivery task), p50/p95 over the runs.
   With ``--dbus`` it also runs through ``desktop-notifier`` to a private D-Bus session bus with a
   minimal notification server (dbus-daemon must be installed).

Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import header, percentile, process_cpu, run_qt, summary_line, table, until
from bench.manager import lag_sampler
from upbit_monitor.config import Settings
from upbit_monitor.features.alerts import AlertEngine, AlertRule, Delivery, RuleKind
from upbit_monitor.features.alerts.delivery import RecordingNotifier
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec
from upbit_monitor.sim.builders import orderbook_event, ticker_event, trade_event
from upbit_monitor.sim.feed import encode_obj
from upbit_monitor.sim.market import TRADE, MarketModel

K = RuleKind


class View:
    """Stands in for the app's views: every KRW ticker, trades and books of all markets."""

    def on_event(self, ev: Any) -> None:
        pass


def make_events(n: int, seed: int = 1) -> tuple[list[Any], list[str], dict[str, float]]:
    """``n`` market events as the simulator emits them (a trade -> trade + ticker + orderbook)."""
    model = MarketModel(seed, 200)
    codes = model.codes("KRW")
    prices = {c: model.price(c) for c in codes}
    events: list[Any] = []
    t = int(time.time() * 1000)
    while len(events) < n:
        t += 2
        for kind, code in model.advance(t, 10):
            if not code.startswith("KRW-"):
                continue
            st = model.state(code)
            if kind == TRADE:
                events.append(trade_event(st, "REALTIME", t))
                events.append(ticker_event(st, "REALTIME", t))
            ob = orderbook_event(st, 15, 0, "REALTIME", t)
            if ob is not None:
                events.append(ob)
    return events[:n], codes, prices


def make_rules(n: int, codes: list[str], prices: dict[str, float], seed: int = 3) -> list[AlertRule]:
    """A realistic mix of ``n`` rules over ``codes`` (levels away from the price: triggers are rare)."""
    rng = random.Random(seed)
    out: list[AlertRule] = []
    mix = [(K.PRICE, 0.55), (K.MOVE, 0.15), (K.WHALE, 0.1), (K.VOLUME_SPIKE, 0.06), (K.IMBALANCE, 0.05),
           (K.CHANGE_24H, 0.05), (K.PREMIUM, 0.035)]
    for kind, share in mix:
        for _ in range(int(n * share)):
            code = rng.choice(codes)
            p = prices[code]
            params: dict[str, float | str] = {
                K.PRICE: {"level": p * rng.choice((0.8, 1.2)), "direction": rng.choice(("above", "below"))},
                K.MOVE: {"pct": rng.choice((3.0, -3.0, 5.0)), "window_s": rng.choice((60.0, 300.0))},
                K.WHALE: {"krw": 5e9},
                K.VOLUME_SPIKE: {"factor": 20.0, "minutes": 10.0},
                K.IMBALANCE: {"ratio": 50.0, "hold_s": 5.0},
                K.CHANGE_24H: {"pct": 40.0},
                K.PREMIUM: {"pct": 30.0},
            }[kind]
            out.append(AlertRule(kind, code, params))
    while len(out) < n:  # the rest: surge/plunge scanners over every KRW market
        out.append(AlertRule(K.MOVE, "KRW-*", {"pct": rng.choice((8.0, -8.0)), "window_s": 300.0}))
    return out


def view_specs(codes: list[str]) -> list[Spec]:
    return [Spec("ticker", tuple(codes)), Spec("trade", tuple(codes)), Spec("orderbook", tuple(codes))]


# ---------------------------------------------------------------------------------------------- 1
async def direct_cost(events: list[Any], codes: list[str], rules: list[AlertRule]) -> dict[str, float]:
    """us per event through the router without and with the engine (best of 7)."""
    mgr = GlobalWebSocketManager(Settings(ws_public_url="ws://127.0.0.1:9/unused"))
    view = View()
    mgr.register(view, view_specs(codes), callback=view.on_event)
    batches = [events[i:i + 50] for i in range(0, len(events), 50)]
    sink = mgr._on_events

    def one_pass() -> float:
        # CPU time of this thread, not wall time: other processes on a shared box do not count.
        t0 = time.thread_time()
        for b in batches:
            sink("upbit-public", b, 0)
        return (time.thread_time() - t0) / len(events) * 1e6

    def batch_times() -> list[float]:
        """CPU µs of each 50-event batch: the longest one is the longest the loop is held."""
        out = []
        clock = time.thread_time_ns
        for b in batches:
            t0 = clock()
            sink("upbit-public", b, 0)
            out.append((clock() - t0) / 1000)
        return out

    try:
        one_pass()  # warm the pool
        bare = min(one_pass() for _ in range(7))
        bare_batches = batch_times()
        engine = AlertEngine(mgr)
        engine.set_markets("upbit", codes)
        t0 = time.thread_time()
        await engine.add_rules(rules)
        add_ms = (time.thread_time() - t0) * 1000
        one_pass()  # windows filled, evaluators created
        with_rules = min(one_pass() for _ in range(7))
        rule_batches = batch_times()
        triggers = len(engine.recent)
        await engine.aclose()
        bare2 = min(one_pass() for _ in range(7))
    finally:
        await mgr.shutdown()
    return {"bare": min(bare, bare2), "bare_spread": abs(bare - bare2), "rules": with_rules,
            "triggers": float(triggers), "events": float(len(events) * 6), "add_ms": add_ms,
            "bare_b99": percentile(bare_batches, 99), "bare_bmax": max(bare_batches),
            "rules_b99": percentile(rule_batches, 99), "rules_bmax": max(rule_batches)}


# ---------------------------------------------------------------------------------------------- 2
async def lag_phases(frames_file: Path, rate: float, seconds: float, codes: list[str],
                     rules: list[AlertRule]) -> list[dict[str, Any]]:
    proc = subprocess.Popen(  # noqa: ASYNC220 - qasync loops have no child watcher
        [sys.executable, str(Path(__file__).with_name("manager.py")), "--serve-replay", str(frames_file),
         "--rate", str(rate)], stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 20.0)
    port = int(line.split()[1])
    mgr = GlobalWebSocketManager(Settings(ws_public_url=f"ws://127.0.0.1:{port}/websocket/v1"))
    out: list[dict[str, Any]] = []
    # As in the app: automatic GC off, collections from a GUI-thread timer (ui/common/gc_timer.py).
    from upbit_monitor.ui.common.gc_timer import GuiThreadGc

    gc_timer = GuiThreadGc()
    try:
        await mgr.start()
        view = View()
        mgr.register(view, view_specs(codes), callback=view.on_event)
        await asyncio.sleep(1.5)
        # Interleaved phases: the machine's load drifts, so each condition is sampled three times.
        for i in range(6):
            engine = None
            if i % 2:
                engine = AlertEngine(mgr)
                engine.set_markets("upbit", codes)
                await engine.add_rules(rules)
                await asyncio.sleep(1.0)
            res = await _measure(mgr, seconds)
            res["phase"] = f"{len(rules):,} rules" if engine is not None else "no rules"
            if engine is not None:
                res["triggers"] = len(engine.recent)
                await engine.aclose()
                await asyncio.sleep(1.0)
            out.append(res)
    finally:
        gc_timer.stop()
        await mgr.shutdown()
        proc.terminate()
        proc.wait(5)
    return out


async def _measure(mgr: GlobalWebSocketManager, seconds: float) -> dict[str, Any]:
    m0 = mgr.metrics()["upbit-public"]
    cpu0, t0 = process_cpu(), time.perf_counter()
    samples: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.ensure_future(lag_sampler(samples, stop))
    await asyncio.sleep(seconds)
    stop.set()
    await sampler
    wall = time.perf_counter() - t0
    cpu = process_cpu() - cpu0
    msgs = (mgr.metrics()["upbit-public"].msgs_total - m0.msgs_total) / wall
    return {"msgs_s": msgs, "cpu_pct": 100 * cpu / wall, "us_msg": cpu / wall / max(msgs, 1) * 1e6,
            "lag_p50": percentile(samples, 50) * 1000, "lag_p99": percentile(samples, 99) * 1000}


# ---------------------------------------------------------------------------------------------- 3
async def trigger_latency(runs: int, notifier: Any) -> list[float]:
    """Seconds from a scripted simulator print across a level to the notifier having shown it."""
    from tests.features.alerts.simmoves import quiet, trade_at
    from upbit_monitor.sim.server import Simulator

    async with Simulator(msg_rate=300, n_krw_markets=40, seed=7) as sim:
        quiet(sim)
        mgr = GlobalWebSocketManager(Settings(ws_public_url=sim.ws_url))
        await mgr.start()
        delivered: list[float] = []
        got = asyncio.Event()
        delivery = Delivery([notifier])

        def on_delivered(_t: Any, _name: str, at: float) -> None:
            delivered.append(at)
            got.set()

        delivery.add_delivered_listener(on_delivered)
        engine = AlertEngine(mgr, delivery=delivery)
        code = sim.model.codes("KRW")[3]
        p = sim.model.price(code)
        await engine.add_rule(AlertRule(K.PRICE, code, {"level": p * 1.01}, cooldown_s=0))
        await until(lambda: mgr.latest_ticker(code) is not None, what="first ticker")
        lat: list[float] = []
        try:
            for _ in range(runs):
                trade_at(sim, code, p * 0.99)  # below: re-armed
                await asyncio.sleep(0.05)
                got.clear()
                t0 = time.perf_counter()
                trade_at(sim, code, p * 1.02)
                await asyncio.wait_for(got.wait(), 5.0)
                lat.append(delivered[-1] - t0)
                await asyncio.sleep(0.02)
        finally:
            await engine.aclose()
            await mgr.shutdown()
    return lat


async def run(args: argparse.Namespace) -> dict[str, Any]:
    events, codes, prices = make_events(20_000)
    rules = make_rules(args.rules, codes, prices)
    out: dict[str, Any] = {"direct": await direct_cost(events * 6, codes, rules)}
    with tempfile.TemporaryDirectory() as tmp:
        frames_file = Path(tmp) / "frames.bin"
        with frames_file.open("wb") as fh:
            for ev in events:
                frame = encode_obj(ev, False)
                fh.write(len(frame).to_bytes(4, "big") + frame)
        out["lag"] = await lag_phases(frames_file, args.rate, args.seconds, codes, rules)
    out["latency"] = {"recording notifier": await trigger_latency(args.runs, RecordingNotifier())}
    if args.dbus:
        from bench.alerts_dbus import private_notification_bus

        async with private_notification_bus() as desktop:
            out["latency"]["desktop-notifier over D-Bus"] = await trigger_latency(args.runs, desktop)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=5000.0)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--dbus", action="store_true", help="also measure through desktop-notifier + D-Bus")
    args = ap.parse_args()
    res = run_qt(lambda: run(args))
    assert isinstance(res, dict)
    d = res["direct"]
    added = d["rules"] - d["bare"]
    print(header("bench/alerts.py", f"{args.rules:,} rules; replay at {args.rate:,.0f} msgs/s, "
                                    f"{args.seconds:g} s per phase"))
    print()
    print(table(["router path (no socket)", "µs/msg"], [
        ["route + pool + view callback, no engine", f"{d['bare']:.2f} (± {d['bare_spread']:.2f})"],
        [f"same with the engine and {args.rules:,} rules", f"{d['rules']:.2f}"],
        ["**added by the engine**", f"**{added:.2f}**"],
    ]))
    print()
    print(table(["one batch of 50 events (CPU µs): the loop is held this long", "p99", "max"], [
        ["no engine", f"{d['bare_b99']:.0f}", f"{d['bare_bmax']:.0f}"],
        [f"engine with {args.rules:,} rules", f"{d['rules_b99']:.0f}", f"{d['rules_bmax']:.0f}"],
        [f"adding the {args.rules:,} rules at once (`add_rules`, one rebuild)", "-",
         f"{d['add_ms'] * 1000:.0f}"],
    ]))
    print()
    rows = [[r["phase"], f"{r['msgs_s']:,.0f}", f"{r['cpu_pct']:.0f}%", f"{r['us_msg']:.1f}",
             f"{r['lag_p50']:.1f}", f"{r['lag_p99']:.1f}"] for r in res["lag"]]
    for name in ("no rules", f"{args.rules:,} rules"):
        mine = [r for r in res["lag"] if r["phase"] == name]
        rows.append([f"**median of the {name} phases**",
                     f"{statistics.median(r['msgs_s'] for r in mine):,.0f}",
                     f"{statistics.median(r['cpu_pct'] for r in mine):.0f}%",
                     f"{statistics.median(r['us_msg'] for r in mine):.1f}",
                     f"{statistics.median(r['lag_p50'] for r in mine):.1f}",
                     f"{statistics.median(r['lag_p99'] for r in mine):.1f}"])
    print(table(["phase (qasync, socket)", "received msgs/s", "client CPU", "client µs/msg",
                 "loop lag p50 ms", "loop lag p99 ms"], rows, right=[False] + [True] * 5))
    print()
    lat_rows = []
    for name, lat in res["latency"].items():
        lat_rows.append([name, str(len(lat)), f"{percentile(lat, 50) * 1000:.1f}",
                         f"{percentile(lat, 95) * 1000:.1f}", f"{max(lat) * 1000:.1f}"])
    print(table(["sim price crosses -> notification delivered", "runs", "p50 ms", "p95 ms", "max ms"],
                lat_rows, right=[False, True, True, True, True]))
    lat = res["latency"]["recording notifier"]
    print(summary_line("alerts: added CPU per message, 1,000 rules", f"{added:.2f} µs", "< 2 µs", added < 2))
    print(summary_line("alerts: trigger latency p95", f"{percentile(lat, 95) * 1000:.1f} ms", "< 100 ms",
                       percentile(lat, 95) < 0.1))


if __name__ == "__main__":
    main()
