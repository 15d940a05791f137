"""Recovery: the simulator is killed and restarted on the same port; time until every subscription is fresh.

Run: ``.venv/bin/python bench/recovery.py [--rounds 10] [--default-rounds 5] [--downtime 1.0]``

The simulator runs in its own process. Each round SIGKILLs it (no close frame: the client sees the
TCP connection die, as after a crash or a network cut), waits ``--downtime`` seconds, and starts a
new simulator process on the same port. "Server back" is the moment the new process reports it is
listening; "all fresh" is when every subscribed ``(type, code)`` pair has delivered an event stamped
with the new connection epoch (snapshot or realtime). The manager and the component stay alive
throughout; nothing re-registers: the manager resubscribes the merged set by itself.

Two backoff schedules: a small one (0.05, 0.1, 0.2 s, no jitter) so the figure measures our
reconnect + resubscribe path rather than waiting, and the default (1, 2, 5, 10, 20 s, 20% jitter),
where the wait for the next attempt dominates. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from common import SimProcess, header, percentile, run_qt, start_sim, summary_line, table, until

CODES = ("KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE")
SEED = 3
RATE = 2000.0


class Watcher:
    """The subscribing component; also records, per (type, code), when each epoch was first seen."""

    def __init__(self) -> None:
        self.first_seen: dict[tuple[str, str], dict[int, float]] = {}

    def on_event(self, ev: Any) -> None:
        """Router callback (events of exactly our subscriptions)."""
        per = self.first_seen.setdefault((ev.type, ev.code), {})
        if ev.epoch not in per:
            per[ev.epoch] = time.time()

    def all_fresh(self, pairs: list[tuple[str, str]], epoch_min: int) -> float | None:
        """Wall time by which every pair had an event of epoch >= ``epoch_min``, else None."""
        latest = 0.0
        for key in pairs:
            times = [t for e, t in self.first_seen.get(key, {}).items() if e >= epoch_min]
            if not times:
                return None
            latest = max(latest, min(times))
        return latest


async def run_schedule(
    steps: tuple[float, ...], jitter: float, rounds: int, downtime: float
) -> list[dict[str, float]]:
    """``rounds`` kill/restart cycles with one backoff schedule."""
    from upbit_monitor.config import Settings
    from upbit_monitor.connection.state import ConnState
    from upbit_monitor.manager import GlobalWebSocketManager
    from upbit_monitor.protocol.subscriptions import SubscriptionSpec

    sim: SimProcess = await start_sim(msg_rate=RATE, seed=SEED)
    port = sim.port
    settings = Settings(ws_public_url=sim.ws_url, backoff_steps_s=steps, backoff_jitter=jitter,
                        connect_timeout_s=2.0, close_timeout_s=0.2)
    mgr = GlobalWebSocketManager(settings)
    connected_at: list[tuple[int, float]] = []
    mgr.add_state_listener(
        lambda ch: connected_at.append((ch.epoch, ch.at)) if ch.state is ConnState.CONNECTED else None
    )
    watcher = Watcher()
    specs = [SubscriptionSpec("ticker", CODES), SubscriptionSpec("trade", CODES[:3]),
             SubscriptionSpec("orderbook", CODES[:3], depth=15), SubscriptionSpec("candle.1m", CODES[:1])]
    pairs = [(s.type, c) for s in specs for c in s.codes]
    out: list[dict[str, float]] = []
    try:
        await mgr.start()
        mgr.register(watcher, specs, callback=watcher.on_event)
        await until(lambda: watcher.all_fresh(pairs, 1) is not None, 30, "initial data")
        for _ in range(rounds):
            epoch = mgr.connection().epoch
            sim.kill()
            await asyncio.sleep(downtime)
            sim = await start_sim(port=port, msg_rate=RATE, seed=SEED)
            await until(lambda e=epoch: watcher.all_fresh(pairs, e + 1) is not None, 60, "fresh data")
            fresh = watcher.all_fresh(pairs, epoch + 1)
            assert fresh is not None
            conn = min((t for e, t in connected_at if e > epoch), default=float("nan"))
            out.append({"reconnected": conn - sim.ready_at, "fresh": fresh - sim.ready_at})
            await asyncio.sleep(0.5)  # some realtime traffic before the next kill
        reconnects = mgr.metrics()["upbit-public"].reconnects
    finally:
        await mgr.shutdown()
        sim.stop()
    for row in out:
        row["reconnects_total"] = reconnects
    return out


async def measure(rounds: int, default_rounds: int, downtime: float) -> dict[str, list[dict[str, float]]]:
    """Both schedules."""
    return {
        "small (0.05, 0.1, 0.2 s; no jitter)": await run_schedule((0.05, 0.1, 0.2), 0.0, rounds, downtime),
        "default (1, 2, 5, 10, 20 s; 20% jitter)": await run_schedule((1, 2, 5, 10, 20), 0.2,
                                                                       default_rounds, downtime),
    }


def main() -> None:
    """Measure and print the Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--default-rounds", type=int, default=5)
    ap.add_argument("--downtime", type=float, default=1.0, help="seconds between kill and restart")
    args = ap.parse_args()
    results = run_qt(lambda: measure(args.rounds, args.default_rounds, args.downtime))
    assert isinstance(results, dict)
    print(header("Recovery after the server is killed and restarted on the same port",
                 f"Simulator process SIGKILLed, restarted after {args.downtime:.1f} s; 12 subscribed pairs "
                 f"(ticker x5, trade x3, orderbook x3, candle.1m x1) at {RATE:.0f} market msgs/s; "
                 "times from the new server listening."))
    print()
    rows = []
    for name, rs in results.items():
        rec = [r["reconnected"] * 1000 for r in rs]
        fresh = [r["fresh"] * 1000 for r in rs]
        rows.append([name, len(rs), f"{percentile(rec, 50):.0f}", f"{percentile(fresh, 50):.0f}",
                     f"{percentile(fresh, 95):.0f}", f"{max(fresh):.0f}"])
    print(table(["backoff schedule", "rounds", "back -> reconnected p50 ms", "back -> all pairs fresh p50 ms",
                 "p95 ms", "max ms"], rows, [False] + [True] * 5))
    print()
    print("Target: < 1 s after the server is back (the backoff step permitting).")
    for name, rs in results.items():
        fresh = [r["fresh"] for r in rs]
        small = name.startswith("small")
        label = name.split(" (")[0]
        print(summary_line(f"Recovery, server back -> every subscription fresh, {label} backoff",
                           f"p50 {percentile(fresh, 50) * 1000:.0f} ms, max {max(fresh) * 1000:.0f} ms",
                           "< 1 s" if small else "< 1 s, backoff step permitting",
                           max(fresh) < 1.0 if small else None))


if __name__ == "__main__":
    main()
