"""Manager throughput and latency: socket bytes -> data pool, loop lag, register -> first snapshot.

Run: ``.venv/bin/python bench/manager.py [--rate 10000] [--seconds 10] [--loops asyncio,qasync]``

The simulator runs in its own process (bench/sim_proc.py, steady rate), so only the client side is
measured here. For each loop kind (plain asyncio, and qasync as the app runs it):

* **register -> first snapshot**: 10 times, a new component registers ``ticker`` for a code nobody
  subscribes to yet; the clock stops when its callback receives the SNAPSHOT event. This includes
  the 25 ms coalescing window, the request, the simulator's answer and parsing (loopback).
* **throughput**: one component subscribes ticker + trade + orderbook for every KRW market while
  the simulator offers ``--rate`` msgs/s; for ``--seconds`` we count frames received, events
  routed into the data pool, and the CPU of this process.
* **loop lag** meanwhile: a task sleeping 10 ms in a loop records how late it wakes up (p50/p99).

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import header, percentile, process_cpu, run_qt, start_sim, summary_line, table
from upbit_monitor.config import Settings
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec


class Probe:
    """A component that records when its first SNAPSHOT event arrives."""

    def __init__(self) -> None:
        self.first_snapshot: float | None = None
        self.got = asyncio.Event()

    def on_event(self, ev: Any) -> None:
        if self.first_snapshot is None and getattr(ev, "stream_type", "") == "SNAPSHOT":
            self.first_snapshot = time.perf_counter()
            self.got.set()


async def lag_sampler(samples: list[float], stop: asyncio.Event, period: float = 0.01) -> None:
    """Record how late a ``period`` sleep wakes up, until ``stop`` is set."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        t = loop.time()
        await asyncio.sleep(period)
        samples.append(max(0.0, loop.time() - t - period))


async def run(rate: float, seconds: float) -> dict[str, float]:
    """One full measurement on the running loop."""
    sim = await start_sim(msg_rate=rate, bursty=False)
    mgr = GlobalWebSocketManager(Settings(ws_public_url=sim.ws_url))
    try:
        await mgr.start()
        from upbit_monitor.sim.market import MarketModel

        codes = [c for c in MarketModel(1, 200).codes() if c.startswith("KRW-")]
        # -- register -> first snapshot, on an otherwise idle connection ------------------------
        latencies: list[float] = []
        probes: list[Probe] = []
        for code in codes[:10]:
            probe = Probe()
            probes.append(probe)
            t0 = time.perf_counter()
            mgr.register(probe, [Spec("ticker", (code,))], callback=probe.on_event)
            await asyncio.wait_for(probe.got.wait(), 10.0)
            assert probe.first_snapshot is not None
            latencies.append(probe.first_snapshot - t0)
            await asyncio.sleep(0.25)  # stay within 5 requests/s: we measure latency, not pacing
        for probe in probes:
            mgr.unregister(probe)
        # -- throughput under load -----------------------------------------------------------
        load = Probe()
        mgr.register(load, [Spec("ticker", tuple(codes)), Spec("trade", tuple(codes)),
                            Spec("orderbook", tuple(codes), depth=15)])
        await asyncio.sleep(2.0)  # snapshots and warm-up
        name = "upbit-public"
        m0 = mgr.metrics()[name]
        routed0 = mgr._router.stats(name).events
        cpu0, t0 = process_cpu(), time.perf_counter()
        samples: list[float] = []
        stop = asyncio.Event()
        sampler = asyncio.ensure_future(lag_sampler(samples, stop))
        await asyncio.sleep(seconds)
        stop.set()
        await sampler
        wall = time.perf_counter() - t0
        cpu = process_cpu() - cpu0
        m1 = mgr.metrics()[name]
        routed = mgr._router.stats(name).events - routed0
        return {
            "snap_p50_ms": percentile(latencies, 50) * 1000,
            "snap_max_ms": max(latencies) * 1000,
            "msgs_s": (m1.msgs_total - m0.msgs_total) / wall,
            "mb_s": (m1.bytes_total - m0.bytes_total) / wall / 1e6,
            "events_s": routed / wall,
            "cpu_pct": 100 * cpu / wall,
            "lag_p50_ms": percentile(samples, 50) * 1000,
            "lag_p99_ms": percentile(samples, 99) * 1000,
            "reconnects": float(m1.reconnects),
            "parse_errors": float(m1.parse_errors),
        }
    finally:
        await mgr.shutdown()
        sim.stop()


def main() -> None:
    """Parse flags, run on each loop kind, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=10_000.0, help="msgs/s offered by the simulator")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--loops", default="asyncio,qasync")
    args = ap.parse_args()
    rows = []
    results: dict[str, dict[str, float]] = {}
    for kind in args.loops.split(","):
        if kind == "asyncio":
            res = asyncio.run(run(args.rate, args.seconds))
        else:
            res = run_qt(lambda: run(args.rate, args.seconds))  # type: ignore[assignment]
        assert isinstance(res, dict)
        results[kind] = res
        rows.append([
            kind, f"{args.rate:,.0f}", f"{res['msgs_s']:,.0f}", f"{res['mb_s']:.1f}",
            f"{res['events_s']:,.0f}", f"{res['cpu_pct']:.0f}%",
            f"{res['lag_p50_ms']:.1f}", f"{res['lag_p99_ms']:.1f}",
            f"{res['snap_p50_ms']:.1f} / {res['snap_max_ms']:.1f}",
            f"{res['reconnects']:.0f}",
        ])
    print(header("bench/manager.py", f"simulator in its own process, {args.seconds:g} s per loop"))
    print()
    print(table(
        ["loop", "offered msgs/s", "received msgs/s", "MB/s", "events/s to pool", "client CPU",
         "loop lag p50 ms", "loop lag p99 ms", "register->snapshot p50 / max ms", "reconnects"],
        rows,
    ))
    q = results.get("qasync") or next(iter(results.values()))
    print(summary_line("manager events/s to pool (qasync)", f"{q['events_s']:,.0f}",
                       f"{args.rate:,.0f} offered", None))


if __name__ == "__main__":
    main()
