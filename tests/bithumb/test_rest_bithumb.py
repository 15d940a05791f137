"""The REST client on Bithumb's quotation API (the simulator's Bithumb profile on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from upbit_monitor.connection.rest import RestClient
from upbit_monitor.connection.rest_models import parse_market
from upbit_monitor.exchanges.bithumb import REST_DETAILS_PARAM
from upbit_monitor.features.history.loader import HistoryLoader
from upbit_monitor.sim.bithumb import BithumbSimulator, WanderingSpread
from upbit_monitor.sim.server import Simulator
from upbit_monitor.storage import DbContext
from upbit_monitor.storage.candles import load_latest_candles


def test_flat_market_warning_is_read() -> None:
    item = {"market": "KRW-X", "korean_name": "엑스", "english_name": "X", "market_warning": "CAUTION"}
    assert parse_market(item).warning
    assert not parse_market({**item, "market_warning": "NONE"}).warning


@pytest.mark.asyncio
async def test_market_list_tickers_orderbook_minute_and_day_candles() -> None:
    async with Simulator(seed=5, msg_rate=0, n_krw_markets=12) as upbit:
        async with BithumbSimulator(beside=upbit, spread=WanderingSpread(0.01, 0.0)) as sim:
            rest = RestClient(sim.rest_url, details_param=REST_DETAILS_PARAM)
            markets = await rest.market_all()
            by_code = {m.code: m for m in markets}
            assert by_code["KRW-BTC"].korean_name and by_code["KRW-BTC"].english_name == "Bitcoin"
            warned = {m.code for m in markets if m.warning}
            assert warned == {m.code for m in sim.model.markets if m.warning}
            [ticker] = await rest.tickers(["KRW-BTC"])
            assert ticker.trade_price == pytest.approx(upbit.model.price("KRW-BTC") * 1.01, rel=1e-4)
            [book] = await rest.orderbook(["KRW-BTC"], count=15)
            assert len(book.orderbook_units) == 15
            assert book.orderbook_units[0].ask_price > book.orderbook_units[0].bid_price
            minutes = await rest.candles("KRW-BTC", 1, count=5)
            days = await rest.candles("KRW-BTC", 1440, count=3)
            assert len(minutes) == 5 and len(days) == 3
            assert [c.candle_date_time_utc[11:] for c in days] == ["00:00:00"] * 3
            assert days[0].candle_date_time_utc < days[-1].candle_date_time_utc  # oldest first


@pytest.mark.asyncio
async def test_chart_history_of_bithumb_is_stored_under_its_venue(tmp_path: Path) -> None:
    db = DbContext.open(f"sqlite:///{tmp_path / 'venues.db'}")
    try:
        async with Simulator(seed=5, msg_rate=0, n_krw_markets=12) as upbit:
            async with BithumbSimulator(beside=upbit, spread=WanderingSpread(0.01, 0.0)) as sim:
                rest = RestClient(sim.rest_url, details_param=REST_DETAILS_PARAM)
                loader = HistoryLoader.with_db(rest, db, venue="bithumb")
                first = await loader.load("KRW-BTC", 1, 50)
                assert first.fetched == len(first.candles) > 0 and first.rest_error is None
                again = await loader.load("KRW-BTC", 1, 50)
                assert again.from_db >= first.fetched - 1  # Bithumb's own rows serve it now
                upbit_rows = await db.run_async(load_latest_candles, "KRW-BTC", "1m", 10)
                bithumb_rows = await db.run_async(load_latest_candles, "KRW-BTC", "1m", 10, "bithumb")
                assert upbit_rows == [] and bithumb_rows
    finally:
        db.close()
