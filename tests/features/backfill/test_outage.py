"""Issue 14 item 4 against the simulator: after every reconnect the trades the stream missed come
from REST /v1/trades/ticks (deduped by sequential_id), candles touched by the gap are marked for
refetch, and each outage is reported (gap length, trades recovered)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.manager.simtools import fast_settings, simulator
from tests.manager.waiting import wait_until
from upbit_monitor.connection.rest import RestClient
from upbit_monitor.features.backfill import OutageBackfill, OutageReport
from upbit_monitor.manager import ConnState, GlobalWebSocketManager
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec
from upbit_monitor.sim.server import Simulator
from upbit_monitor.storage import (
    DbContext,
    StreamWriter,
    load_trades,
    mark_covered,
    mark_for_refetch,
    missing_ranges,
)


class Recorder:
    """Wants every market's trades and KRW-BTC's minute candles (the writer and backfill listen)."""


def _holes(sim: Simulator, db: DbContext, codes: list[str], start_ms: int, end_ms: int) -> int:
    """Simulator trades of [start_ms, end_ms] missing from the database."""
    missing = 0
    for code in codes:
        stored = {t.sequential_id for t in db.run(load_trades, code, 0, 2**62)}
        missing += sum(1 for t in sim.model.recent_trades(code)
                       if start_ms <= t.timestamp_ms <= end_ms and t.sequential_id not in stored)
    return missing


async def _run(
    tmp_path: Path, fault: Callable[[Simulator], object]
) -> tuple[OutageReport, int, list[tuple[int, int]], int]:
    async with simulator(msg_rate=600) as sim:
        db = DbContext.open(f"sqlite:///{tmp_path / 'b.db'}")
        writer = StreamWriter(db, interval=0.05, record_trades=True)
        await writer.start()
        mgr = GlobalWebSocketManager(fast_settings(sim, stale_after_s=0.6))
        await mgr.start()
        unsubscribe = mgr.add_listener(writer.on_event, types=writer.types)
        rest = RestClient(sim.rest_url)

        async def mark(code: str, start: int, end: int) -> int:
            return await db.run_async(mark_for_refetch, code, start, end)

        backfill = OutageBackfill(mgr, rest, store_trade=writer.on_event, mark_refetch=mark)
        backfill.start()
        rec = Recorder()
        codes = [m.code for m in sim.model.markets]
        mgr.register(rec, [Spec("trade", tuple(codes)), Spec("candle.1m", ("KRW-BTC",))])
        try:
            await wait_until(lambda: writer.status().written > 50, within=20)
            t0 = int(time.time() * 1000)
            minute = t0 // 60_000 * 60  # the minute the outage starts in: covered, as if fetched
            db.run(mark_covered, "KRW-BTC", "1m", minute - 600, minute)
            result = fault(sim)
            if hasattr(result, "__await__"):
                await result  # type: ignore[misc]
            await wait_until(lambda: backfill.reports and backfill.reports[-1].done, within=30)
            report = backfill.reports[-1]
            await wait_until(lambda: mgr.metrics()["upbit-public"].state is ConnState.CONNECTED)
            assert await writer.flush(30)
            t1 = int(time.time() * 1000) - 2000  # trades of the last 2 s may still be in flight
            holes = _holes(sim, db, codes, t0, t1)
            status = writer.status()
            assert status.balanced and status.lost == 0
            gaps = db.run(missing_ranges, "KRW-BTC", "1m", minute - 600, minute)
            return report, holes, gaps, minute
        finally:
            await backfill.close()
            unsubscribe()
            await mgr.shutdown()
            await writer.stop()
            db.close()


@pytest.mark.asyncio
async def test_a_restart_is_backfilled_from_rest(tmp_path: Path) -> None:
    report, holes, _, _ = await _run(tmp_path, lambda sim: sim.restart(downtime_s=1.5))
    assert report.done and not report.errors and not report.truncated
    assert 1.0 <= report.gap_s <= 10.0
    assert report.total_recovered > 20  # 1.5 s of every market's trades at 600 msgs/s
    assert holes == 0  # every trade the simulator made in the window is stored
    assert "trades recovered" in report.summary()


@pytest.mark.asyncio
async def test_a_stall_is_backfilled_and_touched_candles_are_refetched(tmp_path: Path) -> None:
    report, holes, gaps, minute = await _run(tmp_path, lambda sim: sim.faults.stall(1.5))
    assert report.done and not report.errors
    assert report.total_recovered > 0 and holes == 0
    # The minute the outage touched was covered (as if fetched) and had live candles; now it is
    # reported missing, so the chart refetches it. The rest of the covered span is untouched.
    assert "KRW-BTC" in report.candles_marked
    assert gaps and gaps[-1][1] == minute and gaps[0][0] >= minute - 60
