"""Rows keyed by venue (revision 0004): an old Upbit-only database upgrades in place, and the same
code / order uuid of two venues are stored side by side."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from upbit_monitor.models import MarketInfo
from upbit_monitor.storage import DbContext, create_db_engine, migrate
from upbit_monitor.storage.candles import load_candles, missing_ranges, upsert_candles
from upbit_monitor.storage.markets import load_markets, upsert_markets
from upbit_monitor.storage.records import (
    get_order,
    insert_trades,
    latest_balances,
    load_trades,
    order_history,
    record_assets,
    record_my_orders,
)
from upbit_monitor.storage.writer import StreamWriter

from .factories import CANDLE_BASE, make_asset, make_candle, make_order, make_trade

OLD_ROWS = [
    "INSERT INTO markets (code, korean_name, english_name, warning, caution, updated_ms) "
    "VALUES ('KRW-BTC', '비트코인', 'Bitcoin', false, '{}', 5)",
    "INSERT INTO candles (code, unit, start, open, high, low, close, volume, value, timestamp) "
    f"VALUES ('KRW-BTC', '1m', {CANDLE_BASE}, 1, 2, 0.5, 1.5, 3, 4, 7)",
    'INSERT INTO candle_coverage (code, unit, start, "end") '
    f"VALUES ('KRW-BTC', '1m', {CANDLE_BASE}, {CANDLE_BASE + 600})",
    "INSERT INTO trades (code, sequential_id, price, volume, ask_bid, trade_timestamp) "
    "VALUES ('KRW-BTC', 1, 100, 0.1, 'BID', 1704067200001)",
    "INSERT INTO my_orders (uuid, code, ask_bid, order_type, state, trades_count, timestamp) "
    "VALUES ('o-1', 'KRW-BTC', 'BID', 'limit', 'wait', 0, 10)",
    "INSERT INTO my_order_states (uuid, state, trade_uuid, timestamp) VALUES ('o-1', 'wait', '', 10)",
    "INSERT INTO asset_snapshots (asset_uuid, currency, balance, locked, asset_timestamp) "
    "VALUES ('a-1', 'KRW', '1000', '0', 10)",
]


def test_upbit_only_database_upgrades_in_place_and_gains_a_second_venue(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        migrate.upgrade(engine, "0003")
        with engine.begin() as conn:
            for statement in OLD_ROWS:
                conn.execute(sa.text(statement))
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as conn:
            for table in ("markets", "candles", "candle_coverage", "trades", "my_orders",
                          "my_order_states", "asset_snapshots"):
                venues = conn.execute(sa.text(f"SELECT venue FROM {table}")).scalars().all()
                assert venues == ["upbit"], table
        db = DbContext(engine)
        # The old rows read back as Upbit's, through the default venue.
        assert [m.code for m in db.run(load_markets)] == ["KRW-BTC"]
        assert db.run(load_candles, "KRW-BTC", "1m", CANDLE_BASE, CANDLE_BASE)[0].close == 1.5
        # The coverage survives; the old candle itself is provisional since 0006 (a candle saved
        # before that cannot be told from one saved mid-minute), so it alone is refetched.
        assert db.run(missing_ranges, "KRW-BTC", "1m", CANDLE_BASE, CANDLE_BASE + 600) == [
            (CANDLE_BASE, CANDLE_BASE)]
        assert get_order_state(db, "o-1", "upbit") == "wait"
        # Bithumb's rows with the same keys land beside them, not on top.
        db.run(upsert_markets, [MarketInfo("KRW-BTC", "비트코인", "Bitcoin", True)], "bithumb")
        db.run(upsert_candles, [make_candle(price=200.0)], "bithumb")
        db.run(insert_trades, [make_trade(1, price=201.0)], "bithumb")
        db.run(record_my_orders, [make_order("o-1", "done", 20, executed="1.5")], "bithumb")
        db.run(record_assets, [make_asset("a-1", 30, krw="5")], "bithumb")
        assert [m.warning for m in db.run(load_markets)] == [False]
        assert [m.warning for m in db.run(load_markets, "bithumb")] == [True]
        assert db.run(load_candles, "KRW-BTC", "1m", CANDLE_BASE, CANDLE_BASE)[0].close == 1.5
        bithumb_bar = db.run(load_candles, "KRW-BTC", "1m", CANDLE_BASE, CANDLE_BASE, "bithumb")[0]
        assert bithumb_bar.close == 200.0 and bithumb_bar.venue == "bithumb"
        assert db.run(missing_ranges, "KRW-BTC", "1m", CANDLE_BASE, CANDLE_BASE + 60, "bithumb") == [
            (CANDLE_BASE + 60, CANDLE_BASE + 60)]
        assert [t.price for t in db.run(load_trades, "KRW-BTC", 0, 2**62, "bithumb")] == [201.0]
        assert [t.price for t in db.run(load_trades, "KRW-BTC", 0, 2**62)] == [100.0]
        assert get_order_state(db, "o-1", "upbit") == "wait"
        assert get_order_state(db, "o-1", "bithumb") == "done"
        assert len(db.run(order_history, "o-1", "bithumb")) == 1
        assert db.run(latest_balances)["KRW"].balance == Decimal("1000")
        assert db.run(latest_balances, "bithumb")["KRW"].balance == Decimal("5")
    finally:
        engine.dispose()


def get_order_state(db: DbContext, uuid: str, venue: str) -> str | None:
    row = db.run(get_order, uuid, venue)
    return None if row is None else row.state


def test_downgrade_keeps_upbit_rows(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        migrate.upgrade(engine)
        db = DbContext(engine)
        db.run(upsert_candles, [make_candle(price=1.0)])
        db.run(upsert_candles, [make_candle(price=2.0)], "bithumb")
        migrate.downgrade(engine, "0003")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT close FROM candles")).scalars().all() == [1.0]
        migrate.upgrade(engine)
        assert db.run(load_candles, "KRW-BTC", "1m", CANDLE_BASE, CANDLE_BASE)[0].close == 1.0
    finally:
        engine.dispose()


@pytest.mark.asyncio
async def test_writer_stores_each_venue_under_its_own_key(db: DbContext) -> None:
    writer = StreamWriter(db, interval=0.01)
    await writer.start()
    try:
        writer.on_event(make_candle(price=1.0))
        writer.listener("bithumb")(make_candle(price=2.0))
        assert await writer.flush(wait_s=20)
    finally:
        assert await writer.stop()
    upbit = await db.run_async(load_candles, "KRW-BTC", "1m", CANDLE_BASE, CANDLE_BASE)
    bithumb = await db.run_async(load_candles, "KRW-BTC", "1m", CANDLE_BASE, CANDLE_BASE, "bithumb")
    assert (upbit[0].close, bithumb[0].close) == (1.0, 2.0)
