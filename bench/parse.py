"""Parsing throughput: bare ``json.loads`` and ``orjson.loads`` vs our typed ``parse``, same bytes.

Run: ``.venv/bin/python bench/parse.py [--n 20000] [--repeats 7]``

Builds a realistic stream (tickers for 200 codes, orderbooks of 15 and 30 levels, trades) in
SIMPLE and DEFAULT format with the protocol encoder, then times each decoder over the same list of
frames. Repeats are interleaved (json, orjson, parse, json, ...) and the best run of each is kept,
so a noisy neighbour on a shared machine hurts all three alike. Prints a Markdown table.

The mixed stream approximates what the monitor receives: tickers for every market dominate,
trades and orderbooks arrive for the few markets that are open in a view
(70% ticker, 20% trade, 5% orderbook-15, 5% orderbook-30).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from upbit_monitor.protocol.encoder import encode_frame
from upbit_monitor.protocol.events import Orderbook, OrderbookUnit, Ticker, Trade
from upbit_monitor.protocol.parser import Parser

_BASES = (
    "BTC ETH XRP SOL DOGE ADA TRX AVAX LINK DOT SHIB BCH NEAR UNI APT ETC STX SUI HBAR ARB "
    "SEI ATOM AAVE IMX XLM ALGO SAND MANA AXS EOS"
).split()


def _codes(n: int) -> list[str]:
    codes = [f"KRW-{b}" for b in _BASES]
    i = 0
    while len(codes) < n:
        codes.append(f"KRW-C{i:03d}")
        i += 1
    return codes[:n]


def _ticker(rng: random.Random, code: str) -> Ticker:
    price = round(rng.uniform(10, 150_000_000), 2 if rng.random() < 0.3 else 0)
    prev = round(price * rng.uniform(0.9, 1.1))
    change = price - prev
    ts = 1_751_606_040_000 + rng.randrange(10**6)
    return Ticker(
        "ticker", code, prev, price * 1.02, price * 0.97, price, prev,
        "RISE" if change > 0 else "FALL" if change < 0 else "EVEN", abs(change), change,
        round(abs(change) / prev, 10), round(change / prev, 10), round(rng.uniform(0, 5), 8),
        round(rng.uniform(0, 1e5), 8), round(rng.uniform(0, 2e5), 8), round(rng.uniform(0, 1e11), 4),
        round(rng.uniform(0, 2e11), 4), "20250704", "051400", ts, rng.choice(("ASK", "BID")),
        round(rng.uniform(0, 5e4), 8), round(rng.uniform(0, 5e4), 8), price * 1.5, "2025-01-20",
        price * 0.5, "2024-08-05", "ACTIVE", False, None, "NONE", ts + 38, "REALTIME",
    )  # fmt: skip


def _trade(rng: random.Random, code: str) -> Trade:
    price = float(rng.randrange(1_000, 150_000_000))
    ts = 1_730_336_862_047 + rng.randrange(10**6)
    return Trade(
        "trade", code, price, round(rng.uniform(0, 3), 8), rng.choice(("ASK", "BID")), price * 1.001,
        "FALL", price * 0.001, "2024-10-31", "01:07:42", ts, ts + 35, ts * 10_000 + rng.randrange(10**4),
        price + 1000, round(rng.uniform(0, 2), 8), price - 1000, round(rng.uniform(0, 2), 8), "REALTIME",
    )  # fmt: skip


def _orderbook(rng: random.Random, code: str, levels: int) -> Orderbook:
    mid = rng.randrange(1_000_000, 150_000_000)
    units = tuple(
        OrderbookUnit(
            mid + 1000 * (i + 1), mid - 1000 * i, round(rng.uniform(0, 3), 8), round(rng.uniform(0, 3), 8)
        )
        for i in range(levels)
    )
    return Orderbook(
        "orderbook", code, round(sum(u.ask_size for u in units), 8), round(sum(u.bid_size for u in units), 8),
        units, 1_751_606_867_762 + rng.randrange(10**6), 0, "REALTIME",
    )  # fmt: skip


def build_streams(n: int, fmt: str, seed: int = 7) -> dict[str, list[bytes]]:
    """Frames per message kind plus the weighted mix, each ``n`` frames long."""
    rng = random.Random(seed)
    codes = _codes(200)
    hot = codes[:5]  # markets open in a chart/orderbook view
    makers: dict[str, Callable[[], object]] = {
        "ticker": lambda: _ticker(rng, rng.choice(codes)),
        "trade": lambda: _trade(rng, rng.choice(hot)),
        "orderbook-15": lambda: _orderbook(rng, rng.choice(hot), 15),
        "orderbook-30": lambda: _orderbook(rng, rng.choice(hot), 30),
    }
    streams = {kind: [encode_frame(make(), fmt) for _ in range(n)] for kind, make in makers.items()}  # type: ignore[arg-type]
    weights = {"ticker": 70, "trade": 20, "orderbook-15": 5, "orderbook-30": 5}
    kinds = rng.choices(list(weights), weights=list(weights.values()), k=n)
    streams["mixed"] = [rng.choice(streams[k]) for k in kinds]
    return streams


def _time(fn: Callable[[bytes], object], frames: Sequence[bytes]) -> float:
    t0 = time.perf_counter()
    for frame in frames:
        fn(frame)
    return time.perf_counter() - t0


def measure(frames: Sequence[bytes], repeats: int) -> dict[str, float]:
    """Best seconds per message for each decoder, runs interleaved."""
    parser = Parser()
    decoders: dict[str, Callable[[bytes], object]] = {
        "json.loads": json.loads,
        "orjson.loads": orjson.loads,
        "parse": parser.parse,
    }
    best = dict.fromkeys(decoders, float("inf"))
    for _ in range(repeats):
        for name, fn in decoders.items():
            best[name] = min(best[name], _time(fn, frames))
    if parser.unknown_messages or parser.unknown_fields:
        raise SystemExit(f"benchmark stream produced unknowns: {parser.unknown_fields}")
    return {name: seconds / len(frames) for name, seconds in best.items()}


def main() -> None:
    """Run the benchmark and print the Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="frames per stream")
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()

    print(
        f"Parsing benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"orjson {orjson.__version__}, {os.cpu_count()} CPUs, {args.n} frames per row, "
        f"best of {args.repeats} interleaved runs.\n"
    )
    print("| stream | format | bytes/msg | json.loads msgs/s | orjson.loads msgs/s | parse msgs/s "
          "| parse us/msg | parse / orjson.loads |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for fmt in ("SIMPLE", "DEFAULT"):
        for kind, frames in build_streams(args.n, fmt).items():
            r = measure(frames, args.repeats)
            size = sum(map(len, frames)) / len(frames)
            print(
                f"| {kind} | {fmt} | {size:.0f} | {1 / r['json.loads']:,.0f} | {1 / r['orjson.loads']:,.0f} "
                f"| {1 / r['parse']:,.0f} | {r['parse'] * 1e6:.2f} | {r['parse'] / r['orjson.loads']:.2f}x |"
            )


if __name__ == "__main__":
    main()
