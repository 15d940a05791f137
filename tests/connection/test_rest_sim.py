"""RestClient and HistoryLoader against the simulator's quotation REST server (127.0.0.1)."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from upbit_monitor.connection.rest import RestClient, candle_start
from upbit_monitor.errors import RestError
from upbit_monitor.features.history.loader import HistoryLoader
from upbit_monitor.sim.server import Simulator


def candle_records(sim: Simulator) -> list:
    return [r for r in sim.rest.records if r.path.startswith("/v1/candles")]


@pytest.mark.asyncio
async def test_quotation_endpoints_against_the_simulator():
    async with Simulator(msg_rate=50) as sim:
        client = RestClient(sim.rest_url, timeout_s=5)
        markets = await client.market_all()
        krw = [m.code for m in markets if m.quote == "KRW"]
        assert "KRW-BTC" in krw and all(m.korean_name for m in markets)
        tickers = await client.tickers(krw[:3])
        assert [t.market for t in tickers] == krw[:3] and tickers[0].trade_price > 0
        book = (await client.orderbook(["KRW-BTC"], count=15))[0]
        assert book.code == "KRW-BTC" and len(book.orderbook_units) == 15
        assert book.orderbook_units[0].ask_price > book.orderbook_units[0].bid_price
        with pytest.raises(RestError) as info:
            await client.tickers(["KRW-NOPE"])
        assert info.value.status == 404


@pytest.mark.asyncio
async def test_candles_range_pages_through_simulator_history():
    async with Simulator(msg_rate=50) as sim:
        client = RestClient(sim.rest_url, timeout_s=5)
        end = datetime.now(UTC).replace(second=0, microsecond=0)
        start = end - timedelta(minutes=450)
        candles = await client.candles_range("KRW-BTC", 1, start, end)
        starts = [candle_start(c) for c in candles]
        assert starts == sorted(set(starts))  # oldest first, no duplicates across pages
        assert all(start <= t < end for t in starts)
        assert len(candles) > 300  # the simulated BTC market trades nearly every minute
        records = candle_records(sim)
        assert len(records) == 3 and all(r.status == 200 for r in records)
        assert "to=" in records[1].query


@pytest.mark.asyncio
async def test_remaining_req_pacing_avoids_429():
    async with Simulator(msg_rate=50, rest_rate_per_s=4) as sim:
        client = RestClient(sim.rest_url, timeout_s=5)
        results = await asyncio.gather(*(client.candles_minutes("KRW-BTC", 1, count=2) for _ in range(10)))
        assert all(len(r) == 2 for r in results)
        assert client.throttled == 0
        assert [r.status for r in candle_records(sim)] == [200] * 10


@pytest.mark.asyncio
async def test_two_clients_sharing_a_budget_retry_429s():
    async with Simulator(msg_rate=50, rest_rate_per_s=3) as sim:
        a, b = RestClient(sim.rest_url, max_retries=8), RestClient(sim.rest_url, max_retries=8)
        calls = [c.candles_minutes("KRW-BTC", 1, count=1) for c in (a, b) for _ in range(4)]
        results = await asyncio.gather(*calls)
        assert all(len(r) == 1 for r in results)
        statuses = [r.status for r in candle_records(sim)]
        assert statuses.count(200) == 8
        assert statuses.count(429) == a.throttled + b.throttled > 0


@pytest.mark.asyncio
async def test_418_block_stops_the_client_from_hammering():
    async with Simulator(msg_rate=50, rest_rate_per_s=1, rest_ban_after=2, rest_ban_s=30.0) as sim:
        client = RestClient(sim.rest_url, max_retries=0)
        await client.market_all()

        def rogue() -> int:  # another program on this IP that ignores the budget
            try:
                with urllib.request.urlopen(f"{sim.rest_url}/v1/market/all", timeout=5) as resp:
                    return int(resp.status)
            except urllib.error.HTTPError as exc:
                return exc.code

        assert [await asyncio.to_thread(rogue) for _ in range(3)] == [429, 429, 418]
        with pytest.raises(RestError) as info:
            await client.market_all()
        assert info.value.status == 418
        seen = len(sim.rest.records)
        with pytest.raises(RestError) as again:
            await client.candles_minutes("KRW-BTC", 1)
        assert again.value.status == 418
        assert len(sim.rest.records) == seen  # refused locally, nothing sent


@pytest.mark.asyncio
async def test_history_loader_db_first_with_simulator_rest(tmp_path):
    from upbit_monitor.storage import DbContext

    db = DbContext.open(f"sqlite:///{tmp_path / 'sim.db'}")
    try:
        async with Simulator(msg_rate=50) as sim:
            loader = HistoryLoader.with_db(RestClient(sim.rest_url), db)
            first = await loader.load("KRW-ETH", 5, 300)
            assert first.from_db == 0 and first.fetched == len(first.candles) > 200
            assert first.db_error is None and first.rest_error is None
            before = len(candle_records(sim))
            second = await loader.load("KRW-ETH", 5, 300)
            assert len(candle_records(sim)) == before + 1  # only the in-progress candle's page
            assert second.from_db >= first.fetched - 1
            # same window (it may have moved on by one 5-minute candle meanwhile)
            first_times = {c.candle_date_time_utc for c in first.candles}
            assert {c.candle_date_time_utc for c in second.candles[:-1]} <= first_times
            assert abs(len(second.candles) - len(first.candles)) <= 1
    finally:
        db.close()
