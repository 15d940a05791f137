"""HistoryLoader: database first, REST only for the gaps, fetched candles stored, failures degrade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from msgspec.structs import replace

from tests.ui.chart.support import FakeRest, FakeStore, demo_candles
from upbit_monitor.features.history.loader import HistoryLoader

END = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NOW = END - timedelta(seconds=30)  # inside the newest (in-progress) 1m candle


def _loader(rest, store):
    return HistoryLoader(rest, store, clock=lambda: NOW)


@pytest.mark.asyncio
async def test_empty_db_fetches_window_and_stores_it():
    candles = demo_candles(count=400, end=END)
    rest, store = FakeRest(candles), FakeStore()
    result = await _loader(rest, store).load("KRW-BTC", 1, 300)
    assert len(result.candles) == 300
    assert result.candles == candles[-300:]
    assert (result.from_db, result.fetched) == (0, 300)
    assert rest.calls == [(END - timedelta(minutes=300), END)]
    assert len(store.rows) == 300
    # covered up to the last CLOSED candle: the in-progress one stays "missing"
    assert store.covered[("KRW-BTC", 1)] == [(END - timedelta(minutes=300), END - timedelta(minutes=2))]


@pytest.mark.asyncio
async def test_second_load_reads_db_and_fetches_only_the_tail():
    candles = demo_candles(count=400, end=END)
    rest, store = FakeRest(candles), FakeStore()
    loader = _loader(rest, store)
    await loader.load("KRW-BTC", 1, 300)
    rest.calls.clear()
    result = await loader.load("KRW-BTC", 1, 300)
    assert rest.calls == [(END - timedelta(minutes=1), END)]  # just the in-progress candle
    assert (result.from_db, result.fetched) == (300, 1)
    assert result.candles == candles[-300:]


@pytest.mark.asyncio
async def test_wider_window_fetches_only_the_older_gap():
    candles = demo_candles(count=600, end=END)
    rest, store = FakeRest(candles), FakeStore()
    loader = _loader(rest, store)
    await loader.load("KRW-BTC", 1, 100)
    rest.calls.clear()
    result = await loader.load("KRW-BTC", 1, 250)
    start = END - timedelta(minutes=250)
    assert rest.calls == [(start, END - timedelta(minutes=100)), (END - timedelta(minutes=1), END)]
    assert result.candles == candles[-250:]


@pytest.mark.asyncio
async def test_empty_intervals_inside_coverage_are_not_refetched():
    candles = demo_candles(count=300, end=END)
    sparse = candles[:100] + candles[150:]  # 50 minutes without trades: Upbit sends no candles
    rest, store = FakeRest(sparse), FakeStore()
    loader = _loader(rest, store)
    first = await loader.load("KRW-BTC", 1, 300)
    assert len(first.candles) == 250
    rest.calls.clear()
    await loader.load("KRW-BTC", 1, 300)
    assert rest.calls == [(END - timedelta(minutes=1), END)]


@pytest.mark.asyncio
async def test_no_database_is_rest_only():
    candles = demo_candles(count=300, end=END)
    rest = FakeRest(candles)
    result = await _loader(rest, None).load("KRW-BTC", 1, 300)
    assert result.candles == candles
    assert result.db_error is None


@pytest.mark.asyncio
async def test_database_down_falls_back_to_rest_and_reports():
    candles = demo_candles(count=300, end=END)
    rest, store = FakeRest(candles), FakeStore()
    store.down = True
    result = await _loader(rest, store).load("KRW-BTC", 1, 300)
    assert result.candles == candles
    assert result.db_error is not None and "locked" in result.db_error
    assert store.saves == 0


@pytest.mark.asyncio
async def test_rest_failure_returns_what_the_database_had():
    candles = demo_candles(count=300, end=END)
    store = FakeStore()
    await _loader(FakeRest(candles), store).load("KRW-BTC", 1, 300)
    result = await _loader(FakeRest(candles, fail=True), store).load("KRW-BTC", 1, 300)
    assert len(result.candles) == 300
    assert result.rest_error is not None and "500" in result.rest_error
    assert result.db_error is None


@pytest.mark.asyncio
async def test_real_sqlite_database_round_trip(tmp_path):
    from upbit_monitor.storage import DbContext

    db = DbContext.open(f"sqlite:///{tmp_path / 'chart.db'}")
    try:
        candles = demo_candles(count=400, end=END)
        rest = FakeRest(candles)
        loader = HistoryLoader.with_db(rest, db, clock=lambda: NOW)
        first = await loader.load("KRW-BTC", 1, 300)
        assert first.candles == candles[-300:] and first.db_error is None
        rest.calls.clear()
        second = await loader.load("KRW-BTC", 1, 300)
        assert rest.calls == [(END - timedelta(minutes=1), END)]
        assert second.from_db == 300
        # values survive the database round trip (stream_type marks the source)
        assert [replace(c, stream_type="", timestamp=0) for c in second.candles] == [
            replace(c, stream_type="", timestamp=0) for c in candles[-300:]
        ]
        # a gap without trades inside fetched coverage is not refetched from a real DB either
        eth = demo_candles("KRW-ETH", count=200, end=END, price=4_000_000)
        rest2 = FakeRest(eth[:-60] + eth[-30:])
        loader2 = HistoryLoader.with_db(rest2, db, clock=lambda: NOW)
        assert len((await loader2.load("KRW-ETH", 1, 200)).candles) == 170
        rest2.calls.clear()
        await loader2.load("KRW-ETH", 1, 200)
        assert rest2.calls == [(END - timedelta(minutes=1), END)]
    finally:
        db.close()


@pytest.mark.asyncio
async def test_database_work_runs_off_the_loop_thread(tmp_path):
    import threading

    from upbit_monitor.storage import DbContext

    db = DbContext.open(f"sqlite:///{tmp_path / 'threads.db'}")
    threads: list[int] = []
    real_run = db.run

    def recording_run(fn, *args):
        threads.append(threading.get_ident())
        return real_run(fn, *args)

    db.run = recording_run
    try:
        loader = HistoryLoader.with_db(FakeRest(demo_candles(count=50, end=END)), db, clock=lambda: NOW)
        await loader.load("KRW-BTC", 1, 50)
        assert len(threads) == 3  # load, missing ranges, save (one transaction)
        assert threading.get_ident() not in threads
    finally:
        db.close()
