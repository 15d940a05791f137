"""Comparison with a published client: pyupbit vs upbit-monitor on the same recorded stream.

Run: ``.venv/bin/pip install -e '.[bench]'`` (pyupbit, optional), then ``.venv/bin/python bench/compare.py``

1. Record: a WebSocket client subscribes ticker + trade + orderbook of every market from the
   simulator and records ``--n`` binary frames in DEFAULT format (what pyupbit requests), and the
   same events in SIMPLE format (what upbit-monitor requests) on a second connection.
2. Replay, in the same process, interleaved, best of ``--repeats``:
   * **pyupbit** (0.2.34): its own ``WebSocketClient.connect_socket`` coroutine runs unmodified; only
     the ``websockets`` module it calls is replaced by a replay of the recording, and its queue by a
     list (pyupbit's real ``multiprocessing.Queue`` would add pickling and a pipe per message; left
     out in its favour). Per message pyupbit does ``json.loads(frame.decode("utf8"))``: a dict with
     Upbit's keys, no typing, no validation, no routing.
   * **upbit-monitor**: the same replay loop (await ``recv``), then ``UpbitConnector.parse`` (typed,
     validated NamedTuple events, DEFAULT or SIMPLE keys alike) and, in the second row, the router's
     dispatch into the data pool (what the manager does with every frame).
pyupbit is installed only as an optional benchmark dependency (``bench`` extra); without it the
pyupbit rows fall back to the same two statements it runs per message, labelled as such.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from common import header, summary_line, table

SEED = 4


class ReplayDone(Exception):
    """Raised by the replay socket when the recording is exhausted."""


class ReplaySocket:
    """Quacks like a websockets connection: ``recv`` returns the recorded frames in order."""

    def __init__(self, frames: Sequence[bytes]) -> None:
        self._it = iter(frames)

    async def recv(self) -> bytes:
        """The next recorded frame."""
        for frame in self._it:
            return frame
        raise ReplayDone

    async def send(self, data: str) -> None:
        """Subscription requests go nowhere."""


class ReplayWebsockets:
    """Stands in for the ``websockets`` module inside pyupbit.websocket_api."""

    def __init__(self, frames: Sequence[bytes]) -> None:
        import websockets

        self.frames = frames
        self.ConnectionClosed = websockets.ConnectionClosed

    def connect(self, uri: str, **kwargs: Any) -> Any:
        """``async for websocket in websockets.connect(uri, ...)``: one replay connection."""
        frames = self.frames

        async def gen() -> Any:
            yield ReplaySocket(frames)

        return gen()


async def record(n: int) -> tuple[list[bytes], list[bytes]]:
    """``n`` DEFAULT frames and the SIMPLE frames received over the same time."""
    import websockets

    from upbit_monitor.sim.server import Simulator

    # Both recorders share the loop with the simulator: a moderate rate, and no send-queue cap (a slow
    # recorder must not be disconnected; the frames are what matters, not their timing).
    async with Simulator(seed=SEED, msg_rate=8_000, bursty=False, connect_rate_per_s=0,
                         max_queued_frames=10**8) as sim:
        codes = [m.code for m in sim.model.markets]
        out: dict[str, list[bytes]] = {"DEFAULT": [], "SIMPLE": []}
        done = asyncio.Event()

        async def client(fmt: str) -> None:
            req = [{"ticket": f"bench-{fmt}"}, {"type": "ticker", "codes": codes},
                   {"type": "trade", "codes": codes}, {"type": "orderbook", "codes": codes},
                   {"format": fmt}]
            async with websockets.connect(sim.ws_url, proxy=None, max_size=None, ping_interval=None) as ws:
                await ws.send(json.dumps(req))
                frames = out[fmt]
                while not done.is_set():
                    data = await ws.recv()
                    frames.append(data if isinstance(data, bytes) else data.encode())
                    if fmt == "DEFAULT" and len(frames) >= n:
                        done.set()

        await asyncio.gather(client("DEFAULT"), client("SIMPLE"))
    return out["DEFAULT"][:n], out["SIMPLE"]


def pyupbit_runner(frames: Sequence[bytes]) -> tuple[str, Callable[[], int]]:
    """Run pyupbit's own client coroutine over the recording; returns (label, run)."""
    try:
        import pyupbit
        from pyupbit import websocket_api
    except ImportError:
        def fallback() -> int:
            out: list[Any] = []
            for frame in frames:  # pyupbit's per-message statements, verbatim
                recv_data = frame.decode("utf8")
                out.append(json.loads(recv_data))
            return len(out)

        return "pyupbit NOT INSTALLED: its per-message code (decode + json.loads)", fallback

    # The installed distribution's version (pyupbit's own __version__ attribute lags its releases).
    version = _dist_version("pyupbit") or getattr(pyupbit, "__version__", "")

    def run() -> int:
        sink: list[Any] = []

        class ListQueue:
            def put(self, item: Any) -> None:
                sink.append(item)

        websocket_api.websockets = ReplayWebsockets(frames)  # type: ignore[attr-defined]
        try:
            websocket_api.WebSocketClient("ticker", ["KRW-BTC"], ListQueue())  # type: ignore[arg-type]
        except ReplayDone:
            pass
        return len(sink)

    return f"pyupbit {version} (WebSocketClient, raw dicts)", run


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def ours_runner(frames: Sequence[bytes], route: bool) -> Callable[[], int]:
    """Our per-frame path over the same replay loop: parse (and route into the pool)."""
    from upbit_monitor.exchanges.upbit import UpbitConnector
    from upbit_monitor.manager.pool import DataPool
    from upbit_monitor.manager.router import Router

    def run() -> int:
        connector = UpbitConnector()
        parse = connector.parse
        router = Router(DataPool())
        dispatch = router.dispatch
        count = 0

        async def loop() -> None:
            nonlocal count
            ws = ReplaySocket(frames)
            try:
                while True:
                    data = await ws.recv()
                    events = parse(data, 1)
                    if route:
                        dispatch("upbit-public", events, 1)
                    count += len(events)
            except ReplayDone:
                pass

        asyncio.run(loop())
        if connector.parser.unknown_messages:
            raise SystemExit(f"unknown messages in the recording: {connector.parser.unknown_fields}")
        return count

    return run


def main() -> None:
    """Record, replay, print the Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=50_000, help="recorded frames")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    default, simple = asyncio.run(record(args.n))
    label, pyupbit_run = pyupbit_runner(default)
    runners: dict[str, tuple[Callable[[], int], int]] = {
        label: (pyupbit_run, len(default)),
        "upbit-monitor: parse to typed events": (ours_runner(default, False), len(default)),
        "upbit-monitor: parse + route into the pool": (ours_runner(default, True), len(default)),
        "upbit-monitor: parse + route, SIMPLE format (what the app requests)": (ours_runner(simple, True),
                                                                                len(simple)),
    }
    best = dict.fromkeys(runners, float("inf"))
    for _ in range(args.repeats):
        for name, (fn, n_frames) in runners.items():
            t0 = time.perf_counter()
            got = fn()
            dt = time.perf_counter() - t0
            if got != n_frames:
                raise SystemExit(f"{name}: processed {got} of {n_frames} frames")
            best[name] = min(best[name], dt / n_frames)
    base = best[label]
    mean_bytes = sum(map(len, default)) / len(default)
    print(header("Comparison on the same recorded stream",
                 f"{len(default):,} DEFAULT frames (ticker/trade/orderbook of every market, "
                 f"{mean_bytes:.0f} bytes average) recorded from the simulator; best of {args.repeats} "
                 "interleaved replays, one process."))
    print()
    rows = [[name, f"{1 / s:,.0f}", f"{s * 1e6:.2f}", f"{base / s:.2f}x"] for name, s in best.items()]
    print(table(["client: per-message work", "msgs/s", "µs/msg", "speed vs pyupbit"], rows,
                [False, True, True, True]))
    ours = best["upbit-monitor: parse + route into the pool"]
    print()
    print("pyupbit yields untyped dicts (no validation, no normalisation, no routing); upbit-monitor "
          "yields typed events and, in the route rows, stores them and calls subscribers.")
    print(summary_line("Same recorded stream: upbit-monitor (parse + route) vs " + label.split(" (")[0],
                       f"{1 / ours:,.0f} vs {1 / base:,.0f} msgs/s ({base / ours:.2f}x)",
                       "(report ratio)", None))


if __name__ == "__main__":
    main()
