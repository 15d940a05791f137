"""Run the simulator in its own process for benchmarks: ``python bench/sim_proc.py --port 0 --msg-rate 5000``.

Prints ``READY <port> <wall clock>`` once listening, then serves until SIGTERM/SIGKILL. The bench
scripts start it through ``bench.common.start_sim`` so that its CPU is not counted as ours, and kill
it to simulate a crashed server.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from upbit_monitor.sim.server import Simulator


async def serve(port: int, msg_rate: float, seed: int, bursty: bool) -> None:
    """Start the simulator, announce it, and wait for a termination signal."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def wait_parent() -> None:
        # The parent holds our stdin open: EOF means it exited (even if killed), so do we.
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_parent, daemon=True).start()
    # Benchmarks reconnect and resubscribe quickly: no connection/request limits on the server
    # side (the client still paces itself by Upbit's documented limits).
    async with Simulator(port=port, msg_rate=msg_rate, seed=seed, bursty=bursty,
                         connect_rate_per_s=0, idle_timeout_s=3600.0) as sim:
        print(f"READY {sim.port} {time.time():.6f}", flush=True)
        await stop.wait()


def main() -> None:
    """Parse flags and serve."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--msg-rate", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steady", action="store_true", help="no random bursts")
    args = ap.parse_args()
    asyncio.run(serve(args.port, args.msg_rate, args.seed, not args.steady))


if __name__ == "__main__":
    main()
