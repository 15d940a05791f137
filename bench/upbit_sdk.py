"""Upbit's official ``upbit-sdk`` vs the project's RestClient for the REST calls the app makes.

Both clients fetch the same pages from the simulator's REST server (rate limit off, so only client cost
is measured), one after another, side by side in one run:

    .venv/bin/python bench/upbit_sdk.py --sdk-python /path/to/venv-with-upbit-sdk/bin/python [--calls 200]

The SDK is NOT a project dependency: it runs in its own interpreter (give its venv's python). Reported:
per-call wall time (median, p90) for 200-candle minute pages and a 10-market ticker call, the import
time of each client, and the SDK's installed dependency count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time

SDK_CODE = r"""
import asyncio, json, sys, time
t0 = time.perf_counter()
import upbit
imported = time.perf_counter() - t0
url, calls, markets = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")

async def main():
    client = upbit.AsyncUpbit(base_url=url, max_retries=0)
    out = {"import_s": imported, "candles": [], "tickers": []}
    await client.candles.list_minutes(1, market="KRW-BTC", count=200)  # warm-up: connection, model build
    for _ in range(calls):
        t = time.perf_counter()
        page = await client.candles.list_minutes(1, market="KRW-BTC", count=200)
        out["candles"].append(time.perf_counter() - t)
        t = time.perf_counter()
        await client.tickers.list_by_trading_pairs(markets=",".join(markets))
        out["tickers"].append(time.perf_counter() - t)
    out["rows"] = len(page)
    out["close_type"] = type(page[0].trade_price).__name__
    await client.close()
    print(json.dumps(out))

asyncio.run(main())
"""


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    return f"{name:<34} median {statistics.median(ordered) * 1000:7.2f} ms   p90 {p90 * 1000:7.2f} ms"


async def ours(url: str, calls: int, markets: list[str]) -> dict[str, object]:
    t0 = time.perf_counter()
    from upbit_monitor.connection.rest import RestClient
    imported = time.perf_counter() - t0
    client = RestClient(url, timeout_s=10)
    await client.candles_minutes("KRW-BTC", 1, count=200)
    candles: list[float] = []
    tickers: list[float] = []
    for _ in range(calls):
        t = time.perf_counter()
        page = await client.candles_minutes("KRW-BTC", 1, count=200)
        candles.append(time.perf_counter() - t)
        t = time.perf_counter()
        await client.tickers(markets)
        tickers.append(time.perf_counter() - t)
    return {"import_s": imported, "candles": candles, "tickers": tickers, "rows": len(page)}


async def run(args: argparse.Namespace) -> None:
    from upbit_monitor.sim.server import Simulator

    async with Simulator(msg_rate=50, rest_rate_per_s=0) as sim:
        markets = sim.model.codes("KRW")[:10]
        mine = await ours(sim.rest_url, args.calls, markets)
        proc = await asyncio.create_subprocess_exec(
            args.sdk_python, "-c", SDK_CODE, sim.rest_url, str(args.calls), ",".join(markets),
            stdout=asyncio.subprocess.PIPE)
        out, _ = await proc.communicate()
        sdk = json.loads(out)
    pip = await asyncio.create_subprocess_exec(args.sdk_python, "-m", "pip", "list", "--format=json",
                                               stdout=asyncio.subprocess.PIPE)
    listed, _ = await pip.communicate()
    n_deps = len([p for p in json.loads(listed) if p["name"] not in ("pip", "setuptools", "upbit-sdk")])
    print(f"calls: {args.calls} each (simulator REST on 127.0.0.1, rate limit off)")
    print(summary("RestClient candles (200 rows)", mine["candles"]))  # type: ignore[arg-type]
    print(summary("upbit-sdk  candles (200 rows)", sdk["candles"]))
    print(summary("RestClient tickers (10 markets)", mine["tickers"]))  # type: ignore[arg-type]
    print(summary("upbit-sdk  tickers (10 markets)", sdk["tickers"]))
    ratio = statistics.median(sdk["candles"]) / statistics.median(mine["candles"])  # type: ignore[arg-type]
    print(f"candle page: upbit-sdk / RestClient = {ratio:.2f}x")
    print(f"import: RestClient {mine['import_s']:.3f} s (with the project), "
          f"upbit-sdk {sdk['import_s']:.3f} s")
    print(f"upbit-sdk pulls {n_deps} packages (RestClient: stdlib urllib + orjson, already a dependency); "
          f"its candle price type: {sdk['close_type']}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sdk-python", required=True, help="python of a venv where upbit-sdk is installed")
    p.add_argument("--calls", type=int, default=200)
    asyncio.run(run(p.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
