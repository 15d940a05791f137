"""Storage writer throughput: events/s persisted through ``StreamWriter`` on SQLite and PostgreSQL.

Run: ``.venv/bin/python bench/storage.py [--events 100000] [--pg-url URL]``

PostgreSQL is used when ``--pg-url`` or ``UPBIT_MONITOR_TEST_PG_URL`` is set (a throw-away schema
is created and dropped). SQLite is a WAL file in a temp directory.

Two measurements per backend and workload:

* **burst**: the producer calls ``on_event`` as fast as it can for ``--events`` events while the
  writer thread drains concurrently; the clock stops when ``flush()`` reports everything
  committed. ``events/s`` is end-to-end persisted throughput (batches of up to 1,000 rows).
* **paced**: a simulated stream at ``--rate`` events/s for ``--seconds`` seconds on the asyncio
  loop (what the GUI thread does in the app). ``loop ms/s`` is the time spent inside
  ``on_event`` per second of wall time, i.e. the GUI-thread cost of persistence (should be ~0).

Workloads: ``trades`` (unique inserts), ``candles`` (upserts: 200 markets, each event updates
the current minute candle of one market, new minute every 60 events per market), ``mixed``
(70% candles, 30% trades). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from upbit_monitor.protocol.events import Candle, Event, Trade
from upbit_monitor.storage import DbContext, StreamWriter, resolve_db_url

BASE_MS = 1_704_067_200_000
CODES = [f"KRW-C{i:03d}" for i in range(200)]


def _trade(i: int) -> Trade:
    code = CODES[i % len(CODES)]
    ts = BASE_MS + i
    return Trade(
        "trade", code, 100.0 + i % 7, 0.01, "BID", 99.0, "RISE", 1.0, "2024-01-01", "00:00:00",
        ts, ts, i, 101.0, 1.0, 99.0, 1.0, "REALTIME",
    )


def _candle(i: int) -> Candle:
    code = CODES[i % len(CODES)]
    minute = i // (len(CODES) * 60)  # each market: a new minute after 60 updates
    hh, mm = divmod(minute % 1440, 60)
    day = 1 + minute // 1440
    utc = f"2024-01-{day:02d}T{hh:02d}:{mm:02d}:00"
    price = 100.0 + i % 13
    return Candle(
        "candle.1m", code, utc, utc, price, price + 1, price - 1, price, 1.0 + i % 5, price * 2,
        BASE_MS + i, "REALTIME",
    )


WORKLOADS: dict[str, Callable[[int], Event]] = {
    "trades": _trade,
    "candles": _candle,
    "mixed": lambda i: _trade(i) if i % 10 < 3 else _candle(i),
}


def _events(make: Callable[[int], Event], start: int, n: int) -> Iterator[Event]:
    return (make(i) for i in range(start, start + n))


async def burst(db: DbContext, make: Callable[[int], Event], n: int) -> tuple[float, float, int]:
    """Returns (events/s persisted, mean on_event µs, batches)."""
    events = list(_events(make, 0, n))  # built up front: we time the writer, not the factory
    writer = StreamWriter(db, record_trades=True, max_backlog=max(n, 1))
    await writer.start()
    on_event = writer.on_event
    t0 = time.perf_counter()
    for ev in events:
        on_event(ev)
    t_enqueue = time.perf_counter() - t0
    ok = await writer.flush(wait_s=600)
    elapsed = time.perf_counter() - t0
    status = writer.status()
    await writer.stop()
    if not ok or status.written != n:
        raise SystemExit(f"writer did not persist everything: {status}")
    return n / elapsed, t_enqueue / n * 1e6, status.batches


async def paced(
    db: DbContext, make: Callable[[int], Event], rate: int, seconds: float
) -> tuple[float, int]:
    """Returns (loop-thread ms spent in on_event per wall second, max backlog seen)."""
    writer = StreamWriter(db, record_trades=True)
    await writer.start()
    tick = 0.01  # deliver in 10 ms slices, like frames arriving on the loop
    per_tick = max(1, int(rate * tick))
    spent = 0.0
    max_backlog = 0
    i = 10_000_000  # distinct ids from the burst run
    t0 = time.perf_counter()
    next_tick = t0
    while time.perf_counter() - t0 < seconds:
        batch = [make(j) for j in range(i, i + per_tick)]
        i += per_tick
        s = time.perf_counter()
        for ev in batch:
            writer.on_event(ev)
        spent += time.perf_counter() - s
        max_backlog = max(max_backlog, writer.status().backlog)
        next_tick += tick
        await asyncio.sleep(max(0.0, next_tick - time.perf_counter()))
    wall = time.perf_counter() - t0
    await writer.flush(wait_s=600)
    await writer.stop()
    return spent / wall * 1000, max_backlog


class PgSchema:
    """A throw-away schema (so the benchmark never touches real data)."""

    def __init__(self, base_url: str) -> None:
        self.name = "bench_" + uuid.uuid4().hex[:10]
        self.admin = sa.create_engine(base_url, poolclass=NullPool)
        self.url = f"{base_url}{'&' if '?' in base_url else '?'}options=" + quote(
            f"-csearch_path={self.name}"
        )

    def __enter__(self) -> str:
        with self.admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.name}"'))
        return self.url

    def __exit__(self, *exc: object) -> None:
        with self.admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.admin.dispose()


async def run_backend(name: str, url: str, args: argparse.Namespace) -> list[str]:
    rows = []
    for workload, make in WORKLOADS.items():
        db = DbContext.open(url)
        try:
            eps, us, batches = await burst(db, make, args.events)
            ms_per_s, backlog = await paced(db, make, args.rate, args.seconds)
        finally:
            db.close()
        rows.append(
            f"| {name} | {workload} | {args.events:,} | {batches} | {eps:,.0f} | {us:.2f} "
            f"| {ms_per_s:.2f} | {backlog:,} |"
        )
        print(f"  {name}/{workload}: {eps:,.0f} events/s", file=sys.stderr)
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=2000, help="paced stream, events/s")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--pg-url", default=os.environ.get("UPBIT_MONITOR_TEST_PG_URL", ""))
    args = parser.parse_args()

    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += await run_backend("SQLite (WAL file)", f"sqlite:///{tmp}/bench.db", args)
    if args.pg_url:
        with PgSchema(resolve_db_url(args.pg_url)) as url:
            rows += await run_backend("PostgreSQL", url, args)
    else:
        print("PostgreSQL skipped: pass --pg-url or set UPBIT_MONITOR_TEST_PG_URL", file=sys.stderr)

    print(
        f"\nPython {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"sqlalchemy {sa.__version__}; burst {args.events:,} events, "
        f"paced {args.rate:,} events/s for {args.seconds:g} s\n"
    )
    print("| backend | workload | events | batches | persisted events/s | on_event µs "
          "| loop ms/s at paced rate | max backlog (paced) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(row)


if __name__ == "__main__":
    asyncio.run(main())
