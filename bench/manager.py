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
* **direct (no socket)**: the recorded frames pushed through parse -> route -> pool in a tight
  loop: the client's ceiling without socket I/O (the loop is blocked meanwhile: no lag figure).
* **replay**: the Python simulator cannot generate 10,000 msgs/s on a shared 2-core box, so the
  frames it sent in the load phase are recorded and replayed by a minimal websockets server at
  exactly ``--rate`` frames/s; this row is the client's throughput at the target rate.

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    header,
    percentile,
    proc_cpu_s,
    process_cpu,
    run_qt,
    start_sim,
    summary_line,
    table,
)
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


async def measure_load(mgr: GlobalWebSocketManager, seconds: float) -> dict[str, float]:
    """Frames/s, MB/s, events/s into the pool, client CPU and loop lag over ``seconds``."""
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
        "msgs_s": (m1.msgs_total - m0.msgs_total) / wall,
        "mb_s": (m1.bytes_total - m0.bytes_total) / wall / 1e6,
        "events_s": routed / wall,
        "cpu_pct": 100 * cpu / wall,
        "lag_p50_ms": percentile(samples, 50) * 1000,
        "lag_p99_ms": percentile(samples, 99) * 1000,
        "reconnects": float(m1.reconnects),
        "parse_errors": float(m1.parse_errors),
    }


def load_specs(codes: list[str]) -> list[Spec]:
    """Everything for every KRW market: the heaviest realistic subscription."""
    return [Spec("ticker", tuple(codes)), Spec("trade", tuple(codes)),
            Spec("orderbook", tuple(codes), depth=15)]


async def run(rate: float, seconds: float, frames_file: Path) -> dict[str, dict[str, float]]:
    """Simulator phase (latency + load, capturing frames), then the replay phase at ``rate``."""
    from upbit_monitor.sim.market import MarketModel

    codes = [c for c in MarketModel(1, 200).codes() if c.startswith("KRW-")]
    out: dict[str, dict[str, float]] = {}
    sim = await start_sim(msg_rate=rate, bursty=False)
    mgr = GlobalWebSocketManager(Settings(ws_public_url=sim.ws_url))
    # Record raw frames for the replay phase (the connection binds parse when a session starts).
    connector = mgr.connection("upbit-public").connector
    captured: list[bytes] = []
    capturing = [False]
    parse = connector.parse

    def tee(data: bytes | str, epoch: int) -> Any:
        if capturing[0] and len(captured) < 50_000:
            captured.append(data if isinstance(data, bytes) else data.encode())
        return parse(data, epoch)

    connector.parse = tee  # type: ignore[method-assign]
    try:
        await mgr.start()
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
        # -- load from the simulator, capturing raw frames for the replay phase ----------------
        capturing[0] = True
        load = Probe()
        mgr.register(load, load_specs(codes))
        await asyncio.sleep(2.0)  # snapshots and warm-up
        res = await measure_load(mgr, seconds)
        res["snap_p50_ms"] = percentile(latencies, 50) * 1000
        res["snap_max_ms"] = max(latencies) * 1000
        res["sim_cpu_pct"] = 100 * proc_cpu_s(sim.proc.pid) / max(1e-9, time.time() - sim.ready_at)
        out["simulator"] = res
        # -- the same frames pushed straight into parse + route + pool, no socket: the ceiling --
        capturing[0] = False
        conn = mgr.connection("upbit-public")
        sink = mgr._on_events
        routed0 = mgr._router.stats("upbit-public").events
        cpu0, t0 = process_cpu(), time.perf_counter()
        for frame in captured:
            sink("upbit-public", parse(frame, conn.epoch), conn.epoch)
        wall = time.perf_counter() - t0
        cpu = process_cpu() - cpu0
        n = len(captured)
        out["direct (no socket)"] = {
            "msgs_s": n / wall, "mb_s": sum(map(len, captured)) / wall / 1e6,
            "events_s": (mgr._router.stats("upbit-public").events - routed0) / wall,
            "cpu_pct": 100 * cpu / wall, "lag_p50_ms": float("nan"), "lag_p99_ms": float("nan"),
            "reconnects": 0.0, "parse_errors": 0.0, "sim_cpu_pct": 0.0,
        }
    finally:
        await mgr.shutdown()
        sim.stop()
    with frames_file.open("wb") as fh:
        for frame in captured:
            fh.write(len(frame).to_bytes(4, "big") + frame)
    # -- replay: recorded frames at exactly `rate` msgs/s from a cheap server process ----------
    proc = subprocess.Popen(  # noqa: ASYNC220 - qasync loops have no child watcher
        [sys.executable, __file__, "--serve-replay", str(frames_file), "--rate", str(rate)],
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 20.0)
    port = int(line.split()[1])
    mgr = GlobalWebSocketManager(Settings(ws_public_url=f"ws://127.0.0.1:{port}/websocket/v1"))
    try:
        await mgr.start()
        load = Probe()
        mgr.register(load, load_specs(codes))
        await asyncio.sleep(1.0)
        res = await measure_load(mgr, seconds)
        res["sim_cpu_pct"] = 100 * proc_cpu_s(proc.pid) / max(1e-9, seconds + 1.0)
        out["replay"] = res
    finally:
        await mgr.shutdown()
        proc.terminate()
        proc.wait(5)
    return out


def read_frames(path: Path) -> list[bytes]:
    """Frames written by :func:`run` (4-byte big-endian length prefix each)."""
    data = path.read_bytes()
    frames: list[bytes] = []
    i = 0
    while i < len(data):
        n = int.from_bytes(data[i:i + 4], "big")
        frames.append(data[i + 4:i + 4 + n])
        i += 4 + n
    if not frames:
        raise RuntimeError("no frames recorded")
    return frames


async def serve_replay(path: Path, rate: float) -> None:
    """Send the recorded frames in a loop at ``rate`` frames/s to every client after its first request."""
    from websockets.asyncio.server import ServerConnection, serve
    from websockets.exceptions import ConnectionClosed

    frames = read_frames(path)

    async def handler(ws: ServerConnection) -> None:
        try:
            await ws.recv()  # the subscription request
            loop = asyncio.get_running_loop()
            start = loop.time()
            sent = 0
            while True:
                # Catch up to rate x elapsed: a late wake-up sends a bigger batch, not fewer frames.
                due = int(rate * (loop.time() - start))
                while sent < due:
                    await ws.send(frames[sent % len(frames)])
                    sent += 1
                await asyncio.sleep(0.005)
        except ConnectionClosed:
            pass

    async with serve(handler, "127.0.0.1", 0, ping_interval=None, max_queue=1024) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"READY {port}", flush=True)
        await asyncio.Future()


def _ms(value: float) -> str:
    return "-" if value != value else f"{value:.1f}"  # NaN: not measured


def main() -> None:
    """Parse flags, run on each loop kind, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=10_000.0, help="msgs/s offered")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--loops", default="asyncio,qasync")
    ap.add_argument("--serve-replay", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_replay is not None:
        asyncio.run(serve_replay(args.serve_replay, args.rate))
        return
    rows = []
    results: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        frames_file = Path(tmp) / "frames.bin"
        for kind in args.loops.split(","):
            if kind == "asyncio":
                res = asyncio.run(run(args.rate, args.seconds, frames_file))
            else:
                res = run_qt(lambda: run(args.rate, args.seconds, frames_file))  # type: ignore[assignment]
            assert isinstance(res, dict)
            results[kind] = res
            for source, r in res.items():
                snap = f"{r['snap_p50_ms']:.1f} / {r['snap_max_ms']:.1f}" if "snap_p50_ms" in r else "-"
                rows.append([
                    kind, source, f"{args.rate:,.0f}" if r["sim_cpu_pct"] else "-",
                    f"{r['sim_cpu_pct']:.0f}%" if r["sim_cpu_pct"] else "-", f"{r['msgs_s']:,.0f}",
                    f"{r['mb_s']:.1f}", f"{r['events_s']:,.0f}", f"{r['cpu_pct']:.0f}%",
                    f"{r['cpu_pct'] * 1e4 / max(r['msgs_s'], 1.0):.0f}",
                    _ms(r["lag_p50_ms"]), _ms(r["lag_p99_ms"]), snap, f"{r['reconnects']:.0f}",
                ])
    print(header("bench/manager.py", f"server in its own process, {args.seconds:g} s per row"))
    print()
    print(table(
        ["loop", "server", "target msgs/s", "server CPU", "received msgs/s", "MB/s", "events/s to pool",
         "client CPU", "client CPU µs/msg", "loop lag p50 ms", "loop lag p99 ms",
         "register->snapshot p50 / max ms", "reconnects"],
        rows, right=[False, False] + [True] * 11,
    ))
    q = results.get("qasync") or next(iter(results.values()))
    print(summary_line("manager events/s to pool (qasync, replay)", f"{q['replay']['events_s']:,.0f}",
                       f"{args.rate:,.0f} offered", q["replay"]["events_s"] >= 0.95 * args.rate))


if __name__ == "__main__":
    main()
