"""StreamWriter: batching, cheap listener, outages (locked SQLite, stopped PostgreSQL) lose nothing,
bounded backlog drops the oldest and counts them."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from upbit_monitor.storage import (
    DbContext,
    StreamWriter,
    WriterStatus,
    get_order,
    latest_balances,
    load_candles,
    load_trades,
)
from upbit_monitor.storage.engine import create_db_engine

from .conftest import PgSchema, pg_base_url
from .factories import CANDLE_BASE, make_asset, make_candle, make_order, make_trade
from .tcp_proxy import TcpProxy


async def wait_for_status(
    writer: StreamWriter, predicate: Callable[[WriterStatus], bool], wait_s: float = 20.0
) -> WriterStatus:
    """Wait (without blocking the loop) until *predicate* holds for the writer's status."""
    deadline = time.monotonic() + wait_s
    while True:
        status = writer.status()
        if predicate(status):
            return status
        if time.monotonic() > deadline:
            raise AssertionError(f"writer status never matched: {status}")
        await asyncio.sleep(0.01)


def _count(db: DbContext, table: str) -> int:
    return int(db.run(lambda s: s.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()))


@pytest.mark.asyncio
async def test_writes_every_kind_in_batches(db: DbContext) -> None:
    writer = StreamWriter(db, interval=0.05, batch_rows=100, record_trades=True)
    await writer.start()
    try:
        for m in range(250):
            writer.on_event(make_candle(minute=m % 50, price=float(m)))  # updates of 50 candles
        for seq in range(1, 31):
            writer.on_event(make_trade(seq))
        writer.on_event(make_order("o-1", "wait", 1))
        writer.on_event(make_order("o-1", "done", 2, executed="1.5"))
        writer.on_event(make_asset("a-1", 3))
        assert await writer.flush(wait_s=20)
        status = writer.status()
        assert (status.written, status.backlog, status.dropped, status.failed) == (283, 0, 0, 0)
        assert status.batches >= 3  # 283 events with batch_rows=100
        assert status.last_flush is not None and status.last_error is None
        candles = await db.run_async(load_candles, "KRW-BTC", "1m", CANDLE_BASE, CANDLE_BASE + 3600)
        assert len(candles) == 50
        assert candles[0].close == 200.0  # the last update of minute 0 won
        assert len(await db.run_async(load_trades, "KRW-BTC", 0, 2**62)) == 30
        order = await db.run_async(get_order, "o-1")
        assert order is not None and order.state == "done"
        assert set(await db.run_async(latest_balances)) == {"KRW", "BTC"}
    finally:
        assert await writer.stop()


@pytest.mark.asyncio
async def test_ignores_unstored_types_and_trades_unless_recording(db: DbContext) -> None:
    writer = StreamWriter(db, interval=0.05)
    assert "trade" not in writer.types and "candle.1m" in writer.types
    await writer.start()
    try:
        writer.on_event(make_trade(1))
        writer.on_event(make_candle(minute=1))
        assert await writer.flush(wait_s=20)
        assert writer.status().written == 1
        assert _count(db, "trades") == 0
    finally:
        await writer.stop()


@pytest.mark.asyncio
async def test_stop_flushes_the_backlog(db: DbContext) -> None:
    writer = StreamWriter(db, interval=60.0)  # would not flush on its own for a minute
    await writer.start()
    for m in range(10):
        writer.on_event(make_candle(minute=m))
    assert await writer.stop(grace_s=20)
    assert writer.status().running is False
    assert _count(db, "candles") == 10


def test_on_event_does_no_io_and_bounded_queue_drops_oldest(tmp_path: Path) -> None:
    # Not started: on_event only queues. The bound keeps the newest 10 and counts 15 drops.
    db = DbContext.open(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        writer = StreamWriter(db, max_backlog=10, batch_rows=1000)
        for m in range(25):
            writer.on_event(make_candle(minute=m))
        status = writer.status()
        assert (status.backlog, status.dropped, status.written) == (10, 15, 0)
        assert _count(db, "candles") == 0

        async def drain() -> None:
            await writer.start()
            # Data was lost past the bound: stop() must not report success, report() says why.
            assert not await writer.stop(grace_s=20)
            assert "15 dropped past the bound" in (writer.report() or "")

        asyncio.run(drain())
        rows = db.run(load_candles, "KRW-BTC", "1m", CANDLE_BASE, CANDLE_BASE + 3600)
        assert [r.start for r in rows] == [CANDLE_BASE + 60 * m for m in range(15, 25)]
        assert writer.status().dropped == 15
    finally:
        db.close()


@pytest.mark.asyncio
async def test_locked_sqlite_outage_events_wait_then_are_written(tmp_path: Path) -> None:
    path = tmp_path / "outage.db"
    db = DbContext.open(f"sqlite:///{path}", busy_timeout_ms=20)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer = StreamWriter(db, interval=0.02, retry_delay=0.02, max_retry_delay=0.1, max_backlog=10_000)
    await writer.start()
    try:
        holder.execute("BEGIN EXCLUSIVE")
        for m in range(100):
            writer.on_event(make_candle(minute=m))
        status = await wait_for_status(writer, lambda s: s.retrying)
        assert status.backlog == 100 and status.written == 0
        assert status.last_error is not None and "locked" in status.last_error
        holder.execute("COMMIT")
        assert await writer.flush(wait_s=20)
        status = writer.status()
        assert (status.written, status.dropped, status.backlog, status.retrying) == (100, 0, 0, False)
        assert _count(db, "candles") == 100
    finally:
        await writer.stop()
        holder.close()
        db.close()


@pytest.mark.asyncio
@pytest.mark.postgres
async def test_stopped_postgresql_events_wait_then_are_written() -> None:
    base = pg_base_url()
    target = urlsplit(base.replace("postgresql+psycopg", "postgresql", 1))
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    proxy.start()
    schema = PgSchema(base)
    direct_url = schema.create()
    proxied_url = direct_url.replace(f"{target.hostname}:{target.port or 5432}", f"127.0.0.1:{proxy.port}")
    assert proxied_url != direct_url
    db = DbContext.open(proxied_url)
    writer = StreamWriter(db, interval=0.02, retry_delay=0.05, max_retry_delay=0.2)
    await writer.start()
    try:
        writer.on_event(make_candle(minute=0))
        assert await writer.flush(wait_s=20)
        assert writer.status().written == 1

        await asyncio.to_thread(proxy.stop)  # the server "stops": connections cut, new refused
        for m in range(1, 201):
            writer.on_event(make_candle(minute=m))
        status = await wait_for_status(writer, lambda s: s.retrying)
        assert status.written == 1 and status.backlog == 200
        assert db.check_health() is False

        await asyncio.to_thread(proxy.start)  # back on the same port
        assert await writer.flush(wait_s=30)
        status = writer.status()
        assert (status.written, status.dropped, status.failed, status.backlog) == (201, 0, 0, 0)
        check = create_db_engine(direct_url)
        try:
            with check.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM candles")).scalar_one() == 201
        finally:
            check.dispose()
    finally:
        await writer.stop(grace_s=5)
        db.close()
        await asyncio.to_thread(proxy.stop)
        schema.drop()


@pytest.mark.asyncio
async def test_on_event_is_safe_from_many_threads(db: DbContext) -> None:
    writer = StreamWriter(db, interval=0.02, batch_rows=50, record_trades=True)
    await writer.start()
    try:
        def produce(offset: int) -> None:
            for i in range(200):
                writer.on_event(make_trade(offset + i))

        threads = [threading.Thread(target=produce, args=(k * 1000,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            await asyncio.to_thread(t.join, 20)
        assert await writer.flush(wait_s=20)
        assert writer.status().written == 800
        assert _count(db, "trades") == 800
    finally:
        await writer.stop()
