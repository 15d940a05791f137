"""Issue 14 items 1, 2, 9: the writer isolates bad records, survives its own thread dying, keeps
what a refusing database (read-only, disk full) cannot take, and clears its error after recovery.

Every test ends on the bookkeeping identity: written + waiting (spilled) + reported-lost ==
received (+ restored), with the numbers asserted, not only the identity.
"""

from __future__ import annotations

import asyncio
import errno
from pathlib import Path

import pytest
import sqlalchemy as sa
from msgspec.structs import replace

from upbit_monitor.storage import DbContext, StreamWriter, load_candles, load_trades
from upbit_monitor.storage.writer_status import WriterStatus

from .factories import CANDLE_BASE, make_candle, make_order, make_trade
from .faults import DriverOSError, ReadOnly
from .test_writer import wait_for_status


def _count(db: DbContext, table: str) -> int:
    return int(db.run(lambda s: s.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()))


async def _memory_at_most(writer: StreamWriter, n: int) -> None:
    await wait_for_status(writer, lambda s: s.waiting - s.spilled <= n)


def _assert_counts(s: WriterStatus, *, received: int, written: int, waiting: int = 0,
                   rejected: int = 0, dropped: int = 0, restored: int = 0) -> None:
    assert (s.received, s.restored, s.written, s.waiting, s.rejected, s.dropped) == (
        received, restored, written, waiting, rejected, dropped)
    assert s.balanced


@pytest.mark.asyncio
async def test_bad_records_are_skipped_one_by_one_and_the_batch_goes_on(db: DbContext) -> None:
    writer = StreamWriter(db, interval=0.02, batch_rows=50, record_trades=True)
    await writer.start()
    try:
        for m in range(40):
            writer.on_event(make_candle(minute=m))
        # The crash: a candle whose time is null (parse_utc raised TypeError in the thread).
        writer.on_event(replace(make_candle(minute=40), candle_date_time_utc=None))  # type: ignore[arg-type]
        # The fuzzer's crash: a dict where the market code belongs (unhashable in dedupe).
        writer.on_event(replace(make_candle(minute=41), code={"x": 1}))  # type: ignore[arg-type]
        for seq in range(1, 21):
            writer.on_event(make_trade(seq))
        # A value the database driver refuses: the whole batch fails, then record by record.
        writer.on_event(replace(make_trade(21), trade_price={"p": 1}))  # type: ignore[arg-type]
        for seq in range(22, 32):
            writer.on_event(make_trade(seq))
        assert await writer.flush(wait_s=30)
        status = writer.status()
        _assert_counts(status, received=73, written=70, rejected=3)
        assert status.running and status.state == "running" and status.last_error is None
        assert status.last_rejected is not None and "trade KRW-BTC" in status.last_rejected
        assert len(db.run(load_candles, "KRW-BTC", "1m", CANDLE_BASE, CANDLE_BASE + 7200)) == 40
        assert _count(db, "trades") == 30
        # The writer is still alive and writing after all that.
        writer.on_event(make_candle(minute=50))
        assert await writer.flush(wait_s=30)
        assert writer.status().written == 71
    finally:
        assert not await writer.stop()  # 3 records were lost: stop() must not claim success
    assert "3 bad records" in (writer.report() or "")


@pytest.mark.asyncio
async def test_supervisor_restarts_a_dead_worker_and_nothing_is_lost(db: DbContext) -> None:
    writer = StreamWriter(db, interval=0.02, batch_rows=10)
    real_write = writer._write
    crashes = [2]

    def crashing_write(batch: list) -> bool:  # type: ignore[type-arg]
        if crashes[0]:
            crashes[0] -= 1
            raise RuntimeError("bug in the writer")  # escapes every handler: the thread dies
        return real_write(batch)

    writer._write = crashing_write  # type: ignore[method-assign]
    await writer.start()
    try:
        for m in range(30):
            writer.on_event(make_candle(minute=m))
        assert await writer.flush(wait_s=30)
        status = await wait_for_status(writer, lambda s: s.running)
        _assert_counts(status, received=30, written=30)
        assert status.restarts == 2 and status.state == "running"
        assert status.last_crash == "RuntimeError: bug in the writer"
        assert len(db.run(load_candles, "KRW-BTC", "1m", CANDLE_BASE, CANDLE_BASE + 3600)) == 30
    finally:
        assert await writer.stop()


@pytest.mark.asyncio
async def test_status_says_restarting_while_the_worker_is_dead(db: DbContext) -> None:
    writer = StreamWriter(db, interval=0.02)
    gate = asyncio.Event()
    loop = asyncio.get_running_loop()
    real_write = writer._write

    def dying_write(batch: list) -> bool:  # type: ignore[type-arg]
        if not gate.is_set():
            loop.call_soon_threadsafe(gate.set)
            raise RuntimeError("boom")
        return real_write(batch)

    writer._write = dying_write  # type: ignore[method-assign]
    writer._stop_evt.set()  # no restart pause... until we clear it below
    await writer.start()
    writer._stop_evt.clear()
    try:
        writer.on_event(make_candle(minute=1))
        await gate.wait()
        seen = await wait_for_status(writer, lambda s: s.restarts == 1)
        assert seen.last_crash == "RuntimeError: boom"
        assert await writer.flush(wait_s=30)
        _assert_counts(writer.status(), received=1, written=1)
    finally:
        await writer.stop()


@pytest.mark.asyncio
async def test_read_only_database_waits_then_writes_and_clears_the_error(db: DbContext) -> None:
    fault = ReadOnly(db.engine)
    writer = StreamWriter(db, interval=0.02, retry_delay=0.02, max_retry_delay=0.1, record_trades=True)
    await writer.start()
    try:
        fault.on = True
        for seq in range(1, 2001):
            writer.on_event(make_trade(seq))
        writer.on_event(make_order("o-1", "wait", 1))
        status = await wait_for_status(writer, lambda s: s.retrying)
        assert status.cause == "read-only database" and status.written == 0
        assert status.alarm and status.summary is not None
        assert "events waiting, cause: read-only database" in status.summary
        _assert_counts(status, received=2001, written=0, waiting=2001)

        fault.on = False
        assert await writer.flush(wait_s=30)
        status = writer.status()
        _assert_counts(status, received=2001, written=2001)
        # Item 9: the error of the outage is gone once writing works again.
        assert (status.retrying, status.cause, status.last_error, status.alarm) == (False, None, None, False)
        assert _count(db, "trades") == 2000 and _count(db, "my_orders") == 1
    finally:
        assert await writer.stop()


@pytest.mark.asyncio
async def test_disk_full_at_the_driver_boundary_keeps_everything(db: DbContext) -> None:
    fault = DriverOSError(db.engine, errno.ENOSPC)
    writer = StreamWriter(db, interval=0.02, retry_delay=0.02, max_retry_delay=0.1, record_trades=True)
    await writer.start()
    try:
        fault.on = True
        for seq in range(1, 3001):
            writer.on_event(make_trade(seq))
        status = await wait_for_status(writer, lambda s: s.retrying and s.waiting == 3000)
        assert status.cause == "disk full" and "No space left" in (status.last_error or "")
        fault.on = False
        assert await writer.flush(wait_s=30)
        _assert_counts(writer.status(), received=3000, written=3000)
        assert _count(db, "trades") == 3000 and fault.raised > 0
        assert writer.status().last_error is None
    finally:
        assert await writer.stop()


@pytest.mark.asyncio
async def test_spill_to_disk_then_replay_in_order(db: DbContext, tmp_path: Path) -> None:
    fault = ReadOnly(db.engine)
    spill = tmp_path / "spill"
    writer = StreamWriter(db, interval=0.02, retry_delay=0.02, max_retry_delay=0.05, max_backlog=1000,
                          batch_rows=100, spill_chunk=200, spill_dir=spill, record_trades=True)
    await writer.start()
    try:
        fault.on = True
        for seq in range(1, 5001):
            writer.on_event(make_trade(seq))
            if seq % 250 == 0:  # a stream, not one 5,000-event burst: the worker keeps up
                await _memory_at_most(writer, 700)
        # Memory: at most half the bound of new events plus the one segment being retried.
        status = await wait_for_status(writer, lambda s: s.waiting - s.spilled <= 700)
        _assert_counts(status, received=5000, written=0, waiting=5000)
        assert status.spilled >= 4300
        assert len(list(spill.glob("spill-*.jsonl"))) == status.spilled // 200
        fault.on = False
        assert await writer.flush(wait_s=60)
        _assert_counts(writer.status(), received=5000, written=5000)
        assert writer.status().spilled == 0 and list(spill.iterdir()) == []
        assert _count(db, "trades") == 5000
    finally:
        assert await writer.stop()


@pytest.mark.asyncio
async def test_past_the_spill_bound_oldest_market_data_goes_never_own_orders(
    db: DbContext, tmp_path: Path
) -> None:
    fault = ReadOnly(db.engine)
    writer = StreamWriter(db, interval=0.02, retry_delay=0.02, max_retry_delay=0.05, max_backlog=400,
                          batch_rows=50, spill_chunk=100, spill_dir=tmp_path / "spill",
                          spill_max_bytes=120_000, record_trades=True)
    await writer.start()
    try:
        fault.on = True
        for seq in range(1, 4001):
            writer.on_event(make_trade(seq))
            if seq % 100 == 0:
                await _memory_at_most(writer, 270)
            if seq % 400 == 0:
                writer.on_event(make_order(f"o-{seq}", "wait", seq))  # 10 own orders, spread out
        status = await wait_for_status(writer, lambda s: s.dropped > 0 and s.waiting + s.lost == 4010
                                       and s.waiting - s.spilled <= 270)
        on_disk = sum(f.stat().st_size for f in (tmp_path / "spill").glob("spill-*.jsonl"))
        assert 100_000 < on_disk <= 120_000  # the bound holds
        fault.on = False
        assert await writer.flush(wait_s=60)
        status = writer.status()
        dropped = status.dropped
        _assert_counts(status, received=4010, written=4010 - dropped, dropped=dropped)
        assert 1000 < dropped < 4000
        assert _count(db, "my_orders") == 10  # every own order survived
        trades = db.run(load_trades, "KRW-BTC", 0, 2**62)
        ids = sorted(t.sequential_id for t in trades)
        assert ids == list(range(dropped + 1, 4001))  # exactly the oldest market data went
    finally:
        assert not await writer.stop()


@pytest.mark.asyncio
async def test_shutdown_spills_what_it_cannot_write_and_the_next_start_replays_it(
    db: DbContext, tmp_path: Path
) -> None:
    fault = ReadOnly(db.engine)
    spill = tmp_path / "spill"
    writer = StreamWriter(db, interval=0.02, retry_delay=0.02, max_retry_delay=0.05,
                          spill_dir=spill, record_trades=True)
    await writer.start()
    fault.on = True
    for seq in range(1, 1201):
        writer.on_event(make_trade(seq))
    writer.on_event(make_order("o-1", "done", 5, executed="1.5"))
    await wait_for_status(writer, lambda s: s.retrying)
    assert not await writer.stop(grace_s=0.2)
    status = writer.status()
    _assert_counts(status, received=1201, written=0, waiting=1201)
    assert status.spilled == 1201 and status.state == "stopped" and status.alarm
    report = writer.report() or ""
    assert "1,201 events not saved" in report and f"1,201 kept in {spill}" in report

    fault.on = False  # next start: the database works again
    second = StreamWriter(db, interval=0.02, spill_dir=spill, record_trades=True)
    await second.start()
    assert await second.flush(wait_s=30)
    _assert_counts(second.status(), received=0, restored=1201, written=1201)
    assert await second.stop()
    assert second.report() is None
    assert _count(db, "trades") == 1200 and _count(db, "my_orders") == 1


@pytest.mark.asyncio
async def test_venues_survive_the_spill_and_the_replay(db: DbContext, tmp_path: Path) -> None:
    fault = ReadOnly(db.engine)
    spill = tmp_path / "spill"
    writer = StreamWriter(db, interval=0.02, retry_delay=0.02, max_retry_delay=0.05,
                          spill_dir=spill, record_trades=True)
    await writer.start()
    fault.on = True
    on_bithumb = writer.listener("bithumb")
    for seq in range(1, 51):
        writer.on_event(make_trade(seq))  # Upbit's
        on_bithumb(make_trade(seq, price=201.0))  # same key on Bithumb: its own row
    await wait_for_status(writer, lambda s: s.retrying)
    assert not await writer.stop(grace_s=0.1)  # everything goes to the spill files
    assert writer.status().spilled == 100
    fault.on = False
    second = StreamWriter(db, interval=0.02, spill_dir=spill, record_trades=True)
    await second.start()
    assert await second.flush(wait_s=30)
    _assert_counts(second.status(), received=0, restored=100, written=100)
    assert await second.stop()
    upbit = db.run(load_trades, "KRW-BTC", 0, 2**62)
    bithumb = db.run(load_trades, "KRW-BTC", 0, 2**62, "bithumb")
    assert (len(upbit), len(bithumb)) == (50, 50)
    assert {t.price for t in upbit} == {100.0} and {t.price for t in bithumb} == {201.0}
