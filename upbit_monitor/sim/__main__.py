"""``python -m upbit_monitor.sim``: run the Upbit simulator (and with ``--bithumb`` a Bithumb one beside
it) until Ctrl+C and print their URLs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys

from upbit_monitor.sim.bithumb import BITHUMB_ACCESS_KEY, BITHUMB_SECRET_KEY, BithumbSimulator
from upbit_monitor.sim.config import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, SimConfig
from upbit_monitor.sim.server import Simulator


def build_parser() -> argparse.ArgumentParser:
    """Command-line flags."""
    p = argparse.ArgumentParser(prog="python -m upbit_monitor.sim", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="WebSocket port (0 = any free port)")
    p.add_argument("--rest-port", type=int, default=0, help="REST port (0 = any free port)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rate", type=float, default=200.0, help="market events per second (all markets)")
    p.add_argument("--markets", type=int, default=200, help="number of KRW markets")
    p.add_argument("--idle-timeout", type=float, default=120.0, help="idle close after N seconds")
    p.add_argument("--demo-orders", type=float, default=0.0, metavar="SECONDS",
                   help="the simulated account places a small order every N seconds (0 = off)")
    p.add_argument("--access-key", default=os.environ.get("UPBIT_SIM_ACCESS_KEY", DEMO_ACCESS_KEY))
    p.add_argument("--secret-key", default=None,
                   help="HMAC secret for private JWTs (default: $UPBIT_SIM_SECRET_KEY or the demo key)")
    p.add_argument("--bithumb", action="store_true",
                   help="also serve Bithumb's API over the same market, prices off by a wandering spread")
    return p


async def _run(args: argparse.Namespace) -> None:
    secret = args.secret_key or os.environ.get("UPBIT_SIM_SECRET_KEY") or DEMO_SECRET_KEY
    config = SimConfig(seed=args.seed, host=args.host, msg_rate=args.rate, n_krw_markets=args.markets,
                       idle_timeout_s=args.idle_timeout, access_key=args.access_key, secret_key=secret,
                       demo_orders_every_s=args.demo_orders)
    async with contextlib.AsyncExitStack() as stack:
        sim = await stack.enter_async_context(
            Simulator(config=config, port=args.port, rest_port=args.rest_port))
        print(f"Upbit simulator (seed {args.seed}, {len(sim.model.markets)} markets, {args.rate:g} events/s)")
        print(f"  public WebSocket : {sim.ws_url}")
        print(f"  private WebSocket: {sim.ws_private_url}")
        print(f"  REST             : {sim.rest_url}")
        print(f"  access key       : {config.access_key}")
        # The demo secret is public (it is in the source); a user-supplied secret is never printed.
        shown = DEMO_SECRET_KEY if secret == DEMO_SECRET_KEY else "(as given)"
        print(f"  secret key       : {shown}")
        if args.bithumb:
            bithumb = await stack.enter_async_context(BithumbSimulator(beside=sim, host=args.host))
            print("Bithumb simulator (same markets, prices off Upbit's by a wandering spread)")
            print(f"  public WebSocket : {bithumb.ws_url}")
            print(f"  private WebSocket: {bithumb.ws_private_url}")
            print(f"  REST             : {bithumb.rest_url}")
            print(f"  access key       : {BITHUMB_ACCESS_KEY}")
            print(f"  secret key       : {BITHUMB_SECRET_KEY}")
        print("Ctrl+C to stop.", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = build_parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
