"""REST day/week/month/year candles and /v1/trades/ticks: shapes and consistency with the other series."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pytest

from tests.sim.conftest import client, recv_obj
from tests.sim.test_rest import http_get
from upbit_monitor.sim.server import Simulator

pytestmark = pytest.mark.asyncio


async def test_day_candles_fields_and_consistency() -> None:
    async with Simulator(msg_rate=300) as sim:
        status, hdrs, days = await http_get(sim.rest_url, "/v1/candles/days?market=KRW-BTC&count=3")
        assert status == 200 and hdrs["remaining-req"].startswith("group=candle;")
        assert len(days) == 3 and days[0]["candle_date_time_utc"] > days[1]["candle_date_time_utc"]
        d0, d1 = days[0], days[1]
        assert set(d0) == {"market", "candle_date_time_utc", "candle_date_time_kst", "opening_price",
                           "high_price", "low_price", "trade_price", "timestamp", "candle_acc_trade_price",
                           "candle_acc_trade_volume", "prev_closing_price", "change_price", "change_rate"}
        assert d0["candle_date_time_utc"].endswith("T00:00:00")
        assert d0["candle_date_time_kst"].endswith("T09:00:00")
        assert d0["prev_closing_price"] == d1["trade_price"]
        assert d0["change_price"] == pytest.approx(d0["trade_price"] - d1["trade_price"])
        # A day is its six 4-hour bars.
        to = quote(d1["candle_date_time_utc"][:10] + "T23:59:59Z")
        _, _, fours = await http_get(sim.rest_url, f"/v1/candles/minutes/240?market=KRW-BTC&count=6&to={to}")
        fours = [b for b in fours if b["candle_date_time_utc"][:10] == d1["candle_date_time_utc"][:10]]
        assert len(fours) == 6
        assert d1["opening_price"] == fours[-1]["opening_price"]
        assert d1["trade_price"] == fours[0]["trade_price"]
        assert d1["high_price"] == max(b["high_price"] for b in fours)
        assert d1["low_price"] == min(b["low_price"] for b in fours)
        volume = sum(b["candle_acc_trade_volume"] for b in fours)
        assert d1["candle_acc_trade_volume"] == pytest.approx(volume)
        path = "/v1/candles/days?market=BTC-ETH&count=1&converting_price_unit=KRW"
        _, _, conv = await http_get(sim.rest_url, path)
        krw = conv[0]["trade_price"] * sim.model.price("KRW-BTC")
        assert conv[0]["converted_trade_price"] == pytest.approx(krw)


@pytest.mark.parametrize(("unit", "days"), [("weeks", 7), ("months", 28), ("years", 365)])
async def test_period_candles(unit: str, days: int) -> None:
    async with Simulator(msg_rate=100) as sim:
        status, _, bars = await http_get(sim.rest_url, f"/v1/candles/{unit}?market=KRW-ETH&count=2")
        assert status == 200 and 1 <= len(bars) <= 2
        b = bars[0]
        assert b["first_day_of_period"] == b["candle_date_time_utc"][:10]
        assert "prev_closing_price" not in b and "unit" not in b
        if unit == "weeks":
            import datetime as dt
            assert dt.date.fromisoformat(b["first_day_of_period"]).weekday() == 0  # Monday
        if unit == "months":
            assert b["first_day_of_period"].endswith("-01")
        # The current period's close is the live price.
        _, _, tick = await http_get(sim.rest_url, "/v1/ticker?markets=KRW-ETH")
        last = tick[0]["trade_price"]
        assert b["trade_price"] > 0 and abs(b["trade_price"] - last) / last < 0.05


async def test_period_errors() -> None:
    async with Simulator(msg_rate=0) as sim:
        assert (await http_get(sim.rest_url, "/v1/candles/days?market=KRW-NOPE"))[0] == 404
        assert (await http_get(sim.rest_url, "/v1/candles/weeks?market=KRW-BTC&count=201"))[0] == 400
        assert (await http_get(sim.rest_url, "/v1/candles/months"))[0] == 400


async def test_trades_ticks_match_the_live_stream() -> None:
    async with Simulator(msg_rate=2000) as sim:
        async with client(sim.ws_url) as ws:
            await ws.send('[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"],"is_only_realtime":true}]')
            live = [await recv_obj(ws) for _ in range(5)]
        # 20, not 200: right after 00:00 UTC the day holds fewer than 200 trades (4 per minute bar plus
        # the live ring), so a 200-page was the whole day and the cursor page below came back empty.
        status, hdrs, ticks = await http_get(sim.rest_url, "/v1/trades/ticks?market=KRW-BTC&count=20")
        assert status == 200 and hdrs["remaining-req"].startswith("group=trade;")
        assert set(ticks[0]) == {"market", "trade_date_utc", "trade_time_utc", "timestamp", "trade_price",
                                 "trade_volume", "prev_closing_price", "change_price", "ask_bid",
                                 "sequential_id"}
        by_sid = {t["sequential_id"]: t for t in ticks}
        for t in live:
            rest = by_sid[t["sequential_id"]]
            assert (rest["trade_price"], rest["trade_volume"], rest["ask_bid"], rest["timestamp"]) == (
                t["trade_price"], t["trade_volume"], t["ask_bid"], t["trade_timestamp"])
        sids = [t["sequential_id"] for t in ticks]
        assert sids == sorted(sids, reverse=True)  # newest first
        # Cursor paging: the page after the last sequential_id continues without overlap.
        path = f"/v1/trades/ticks?market=KRW-BTC&count=5&cursor={sids[-1]}"
        _, _, page2 = await http_get(sim.rest_url, path)
        assert page2 and all(p["sequential_id"] < sids[-1] for p in page2)


async def test_trades_ticks_older_than_the_ring_follow_the_minute_candles() -> None:
    async with Simulator(msg_rate=0) as sim:  # no live trades: everything comes from the minute bars
        _, _, minutes = await http_get(sim.rest_url, "/v1/candles/minutes/1?market=KRW-XRP&count=3")
        bar = minutes[1]
        hhmmss = bar["candle_date_time_utc"][11:].replace(":", "")
        end = f"{hhmmss[:2]}{int(hhmmss[2:4]) + 1:02d}00" if hhmmss[2:4] != "59" else None
        if end is None:
            pytest.skip("bar at the end of an hour")
        days_ago = 0 if bar["candle_date_time_utc"][:10] == minutes[0]["candle_date_time_utc"][:10] else 1
        _, _, ticks = await http_get(sim.rest_url,
                                     f"/v1/trades/ticks?market=KRW-XRP&count=500&to={end}&days_ago={days_ago}")
        in_bar = [t for t in ticks if t["timestamp"] // 60000 * 60000 == _ms(bar["candle_date_time_utc"])]
        assert len(in_bar) == 4
        prices = [t["trade_price"] for t in in_bar]
        assert in_bar[0]["trade_price"] == bar["trade_price"]  # newest first: the close
        assert in_bar[-1]["trade_price"] == bar["opening_price"]
        assert max(prices) == bar["high_price"] and min(prices) == bar["low_price"]
        volume = sum(t["trade_volume"] for t in in_bar)
        assert volume == pytest.approx(bar["candle_acc_trade_volume"], rel=1e-6)


def _ms(utc: str) -> int:
    import datetime as dt
    return int(dt.datetime.fromisoformat(utc + "+00:00").timestamp() * 1000)


async def test_trades_ticks_errors() -> None:
    async with Simulator(msg_rate=0) as sim:
        assert (await http_get(sim.rest_url, "/v1/trades/ticks?market=KRW-BTC&days_ago=8"))[0] == 400
        assert (await http_get(sim.rest_url, "/v1/trades/ticks?market=KRW-BTC&count=501"))[0] == 400
        assert (await http_get(sim.rest_url, "/v1/trades/ticks?market=KRW-BTC&to=25:00:00"))[0] == 400
        assert (await http_get(sim.rest_url, "/v1/trades/ticks?market=KRW-NOPE"))[0] == 404
        await asyncio.sleep(0)
