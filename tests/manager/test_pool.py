from __future__ import annotations

import pytest

from tests.manager.factories import candle, orderbook, server_error, ticker, trade
from upbit_monitor.manager.pool import DataPool


def test_latest_ticker_and_orderbook_replace_and_bump_versions() -> None:
    pool = DataPool()
    assert pool.latest_ticker("KRW-BTC") is None
    assert pool.version("ticker", "KRW-BTC") == 0
    assert pool.store(ticker(price=1.0))
    assert pool.store(ticker(price=2.0))
    assert pool.store(orderbook())
    latest = pool.latest_ticker("KRW-BTC")
    assert latest is not None and latest.trade_price == 2.0
    assert pool.version("ticker", "KRW-BTC") == 2
    assert pool.version("orderbook", "KRW-BTC") == 1
    assert pool.latest_orderbook("KRW-BTC") == orderbook()
    assert dict(pool.all_tickers()) == {"KRW-BTC": latest}


def test_trade_ring_is_bounded_and_newest_first() -> None:
    pool = DataPool(trade_ring=3)
    for seq in range(1, 6):
        pool.store(trade(seq=seq))
    assert [t.sequential_id for t in pool.recent_trades("KRW-BTC")] == [5, 4, 3]
    assert [t.sequential_id for t in pool.recent_trades("KRW-BTC", 2)] == [5, 4]
    assert pool.recent_trades("KRW-ETH") == []
    assert pool.recent_trades("KRW-BTC", 0) == []


def test_candle_keeps_newest_start() -> None:
    pool = DataPool()
    assert pool.store(candle(start="2026-11-23T11:22:00", price=1.0))
    assert pool.store(candle(start="2026-11-23T11:23:00", price=2.0))
    # A late duplicate of the previous minute must not replace the in-progress candle.
    assert not pool.store(candle(start="2026-11-23T11:22:00", price=3.0))
    current = pool.latest_candle("KRW-BTC", "candle.1m")
    assert current is not None and current.trade_price == 2.0
    assert pool.version("candle.1m", "KRW-BTC") == 2


def test_non_market_events_are_not_stored() -> None:
    pool = DataPool()
    assert not pool.store(server_error())
    assert not pool.store(object())


def test_clear_bumps_versions() -> None:
    pool = DataPool()
    pool.store(ticker())
    pool.clear()
    assert pool.latest_ticker("KRW-BTC") is None
    assert pool.version("ticker", "KRW-BTC") == 2


def test_bad_ring_size() -> None:
    with pytest.raises(ValueError):
        DataPool(trade_ring=0)


def test_drop_forgets_one_pair_and_bumps_its_version() -> None:
    pool = DataPool()
    pool.store(trade(seq=1))
    pool.store(orderbook())
    pool.store(candle())
    pool.store(ticker())
    pool.store(trade(code="KRW-ETH", seq=2))
    v = pool.version("trade", "KRW-BTC")
    assert pool.drop("trade", "KRW-BTC")
    assert pool.recent_trades("KRW-BTC") == [] and pool.version("trade", "KRW-BTC") == v + 1
    assert pool.drop("orderbook", "KRW-BTC") and pool.latest_orderbook("KRW-BTC") is None
    assert pool.drop("candle.1m", "KRW-BTC") and pool.latest_candle("KRW-BTC", "candle.1m") is None
    # Other pairs are untouched; dropping nothing changes no version.
    assert pool.latest_ticker("KRW-BTC") is not None
    assert [t.sequential_id for t in pool.recent_trades("KRW-ETH")] == [2]
    v = pool.version("trade", "KRW-BTC")
    assert not pool.drop("trade", "KRW-BTC") and pool.version("trade", "KRW-BTC") == v
