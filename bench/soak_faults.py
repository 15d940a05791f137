"""The fault phase of bench/soak.py: drop, stall, restart, locked database, full disk.

The real manager records every trade, and the minute candles of 40 markets, through the real ``StreamWriter``
into SQLite while five faults hit it one after another. The simulator runs in-process here (its
fault controls are methods); the database sits on a small tmpfs when this machine lets us mount
one (root), else ENOSPC is injected at the driver boundary for the disk-full fault.

Per fault the report gives what the writer received, wrote, kept waiting and lost, the cause the
status showed, and how long writing took to recover; at the end the bookkeeping identity
``received == written + waiting + rejected + dropped`` and the documented bound (nothing dropped
below it). Trades the exchange made while our socket was down never reach the writer over the
WebSocket: the outage backfill (features/backfill) fetches them from REST after the reconnect; the
report gives how many it recovered and how many of the simulator's prints of the fault window are
still missing from the database afterwards (see :func:`_missing`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from common import until

N_MARKETS = 40


@contextlib.contextmanager
def _disk(root: Path) -> Iterator[tuple[Path, bool]]:
    """A directory for the database: a 64 MiB tmpfs if mountable (True), else a plain one."""
    mount = root / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", str(mount)],
                          capture_output=True, check=False) if os.geteuid() == 0 else None
    try:
        yield mount, done is not None and done.returncode == 0
    finally:
        if done is not None and done.returncode == 0:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


def _fill(mount: Path) -> None:
    block = b"\0" * 65536
    with open(mount / "filler", "wb", buffering=0) as f, contextlib.suppress(OSError):
        while True:
            f.write(block)


def _missing(sim: Any, db_path: Path, start_ms: int, end_ms: int) -> int:
    """Trades the simulator printed in [start_ms, end_ms] (its live ring) that are not stored."""
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        stored = {(c, sid) for c, sid in conn.execute(
            "SELECT code, sequential_id FROM trades WHERE trade_timestamp >= ?", (start_ms,))}
    return sum(1 for m in sim.model.markets for t in sim.model.recent_trades(m.code)
               if start_ms <= t.timestamp_ms <= end_ms and (m.code, t.sequential_id) not in stored)


async def fault_phase(hold_s: float = 6.0, rate: float = 800.0) -> dict[str, Any]:
    """Run the five faults; return the per-fault rows and the final counts."""
    from sqlalchemy import event

    from upbit_monitor.config import Settings
    from upbit_monitor.connection.rest import RestClient
    from upbit_monitor.features.backfill import for_storage as backfill_for_storage
    from upbit_monitor.manager import GlobalWebSocketManager
    from upbit_monitor.protocol.subscriptions import SubscriptionSpec
    from upbit_monitor.sim.server import Simulator
    from upbit_monitor.storage import DbContext, StreamWriter

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        # Mounted before the loop work starts (a blocking call, once).
        with _disk(Path(tmp)) as (mount, real_tmpfs):
            async with Simulator(msg_rate=rate, seed=5) as sim:
                db_path = mount / "soak.db"
                db = DbContext.open(f"sqlite:///{db_path}", busy_timeout_ms=100)
                enospc = [False]

                @event.listens_for(db.engine, "before_cursor_execute")
                def _inject(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
                    if enospc[0] and statement.lstrip()[:6].upper() in ("INSERT", "UPDATE"):
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

                writer = StreamWriter(db, record_trades=True, retry_delay=0.1, max_retry_delay=1.0,
                                      spill_dir=Path(tmp) / "spill")
                await writer.start()
                mgr = GlobalWebSocketManager(Settings(ws_public_url=sim.ws_url, stale_after_s=2.0,
                                                      backoff_steps_s=(0.2, 0.5, 1.0)))
                await mgr.start()
                unsubscribe = mgr.add_listener(writer.on_event, types=writer.types)
                backfill = backfill_for_storage(mgr, RestClient(sim.rest_url), writer, db)
                backfill.start()
                codes = tuple(m.code for m in sim.model.markets)
                krw = tuple(c for c in codes if c.startswith("KRW-"))[:N_MARKETS]

                class Recorder:
                    """Wants every trade and the minute candles of 40 markets (the writer listens)."""

                rec = Recorder()
                mgr.register(rec, [SubscriptionSpec("trade", codes), SubscriptionSpec("candle.1m", krw)])
                await until(lambda: writer.status().written > 200, 30, "first writes")

                async def hold() -> None:
                    await asyncio.sleep(hold_s)

                async def drop() -> None:
                    sim.faults.drop_all()
                    await hold()

                async def stall() -> None:
                    sim.faults.stall(hold_s)
                    await hold()

                async def restart() -> None:
                    await sim.restart(downtime_s=hold_s / 2)
                    await hold()

                async def locked() -> None:
                    holder = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
                    holder.execute("BEGIN EXCLUSIVE")
                    await hold()
                    holder.execute("COMMIT")
                    holder.close()

                async def full() -> None:
                    if real_tmpfs:
                        # An emptied WAL needs new space for every write (a used one is reused).
                        with contextlib.closing(sqlite3.connect(db_path)) as conn:
                            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                        await asyncio.to_thread(_fill, mount)
                    else:
                        enospc[0] = True
                    await hold()
                    if real_tmpfs:
                        (mount / "filler").unlink()
                    enospc[0] = False

                faults: list[tuple[str, Callable[[], Awaitable[None]]]] = [
                    ("drop all connections", drop), (f"stall {hold_s:g} s", stall),
                    (f"restart ({hold_s / 2:g} s down)", restart), (f"locked database {hold_s:g} s", locked),
                    (f"full disk {hold_s:g} s" + (" (tmpfs)" if real_tmpfs else " (injected ENOSPC)"), full),
                ]
                for name, action in faults:
                    assert await writer.flush(30)
                    t0_ms = int(time.time() * 1000)
                    before = writer.status()
                    epoch0 = mgr.metrics()["upbit-public"].epoch
                    reports0 = len(backfill.reports)
                    causes: set[str] = set()
                    task = asyncio.ensure_future(action())
                    while not task.done():
                        if (cause := writer.status().cause) is not None:
                            causes.add(cause)
                        await asyncio.sleep(0.05)
                    await task
                    t_end = time.monotonic()
                    await until(lambda: not writer.status().retrying, 60, f"{name}: writing again")
                    recovered = time.monotonic() - t_end
                    if mgr.metrics()["upbit-public"].epoch > epoch0:
                        await until(lambda: len(backfill.reports) > reports0  # noqa: B023
                                    and backfill.reports[-1].done, 60, f"{name}: backfill")
                    assert await writer.flush(60)
                    after = writer.status()
                    # Up to 2 s ago: the newest trades may still be on their way.
                    gaps = _missing(sim, db_path, t0_ms, int(time.time() * 1000) - 2000)
                    rows.append({
                        "fault": name,
                        "received": after.received - before.received,
                        "written": after.written - before.written,
                        "waiting": after.waiting,
                        "lost": after.lost - before.lost,
                        "peak cause": ", ".join(sorted(causes)) or "-",
                        "reconnects": mgr.metrics()["upbit-public"].epoch - epoch0,
                        "recovered_s": recovered,
                        "still_missing": gaps,
                        "backfilled": sum(r.total_recovered for r in backfill.reports[reports0:]),
                    })
                await backfill.close()
                unsubscribe()
                await mgr.shutdown()
                saved = await writer.stop()
                final = writer.status()
                db.close()
    return {"rows": rows, "final": final, "saved": saved, "real_tmpfs": real_tmpfs}
