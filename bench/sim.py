"""Simulator throughput: market events generated vs frames delivered, per configured rate.

Run: ``.venv/bin/python bench/sim.py [seconds]``. The simulator runs in this process; each client runs
in its own subprocess (so client parsing does not steal the server's event loop), subscribes to
ticker, trade and orderbook (depth 15) for every KRW market in SIMPLE format, and reports frames/s.
Prints a table; nothing is asserted (numbers depend on the machine and its load).
"""

from __future__ import annotations

import asyncio
import sys
import time

from upbit_monitor.sim.server import Simulator

CLIENT = r"""
import asyncio, sys, time, orjson
from websockets.asyncio.client import connect
async def main(url, secs, codes):
    async with connect(url, proxy=None, max_queue=None, max_size=None, close_timeout=1) as ws:
        codes = codes.split(",")
        req = [{"ticket": "bench"}, {"type": "ticker", "codes": codes}, {"type": "trade", "codes": codes},
               {"type": "orderbook", "codes": [c + ".15" for c in codes]}, {"format": "SIMPLE"}]
        await ws.send(orjson.dumps(req).decode())
        n = 0
        async def reader():
            nonlocal n
            async for m in ws:
                orjson.loads(m)
                n += 1
        task = asyncio.create_task(reader())
        await asyncio.sleep(0.5)
        n0, t0 = n, time.perf_counter()
        await asyncio.sleep(secs)
        print((n - n0) / (time.perf_counter() - t0), flush=True)
        task.cancel()
asyncio.run(main(sys.argv[1], float(sys.argv[2]), sys.argv[3]))
"""


async def run(
    rate: float, clients: int, seconds: float, compression: bool
) -> tuple[float, float, float, float]:
    """(events/s generated, frames/s received per client, server CPU %, worst loop lag in s)."""
    async with Simulator(msg_rate=rate, bursty=False, connect_rate_per_s=0, compression=compression) as sim:
        codes = ",".join(sim.model.codes("KRW"))
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-c", CLIENT, sim.ws_url, str(seconds), codes, stdout=asyncio.subprocess.PIPE
            )
            for _ in range(clients)
        ]
        await asyncio.sleep(1.0)  # clients start and take their snapshots
        ev0, cpu0, t0 = sim.feed.events_generated, time.process_time(), time.perf_counter()
        lag = 0.0
        while time.perf_counter() - t0 < seconds:
            a = time.perf_counter()
            await asyncio.sleep(0.05)
            lag = max(lag, time.perf_counter() - a - 0.05)
        dt = time.perf_counter() - t0
        events = (sim.feed.events_generated - ev0) / dt
        cpu = (time.process_time() - cpu0) / dt * 100
        outs = [await p.communicate() for p in procs]
        received = [float(o[0].decode().strip() or 0) for o in outs]
    return events, sum(received) / len(received), cpu, lag


async def main(seconds: float) -> None:
    header = ("rate", "clients", "deflate", "events/s", "recv/s/client", "server CPU %", "max lag s")
    print("{:>7} {:>7} {:>7} {:>9} {:>14} {:>12} {:>9}".format(*header))
    cases = [(200, 1, True), (2_000, 1, True), (10_000, 1, True), (10_000, 1, False), (20_000, 1, False),
             (5_000, 3, True)]
    for rate, clients, deflate in cases:
        events, per_client, cpu, lag = await run(rate, clients, seconds, deflate)
        row = (rate, clients, str(deflate), f"{events:.0f}", f"{per_client:.0f}", f"{cpu:.0f}", f"{lag:.3f}")
        print("{:>7} {:>7} {:>7} {:>9} {:>14} {:>12} {:>9}".format(*row))


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0))
