"""``/websocket/v1/info``: indicator values at candle close and indicator_signal transitions."""

from __future__ import annotations

import orjson
import pytest
from websockets.exceptions import ConnectionClosed

from tests.sim.conftest import client, recv_obj
from tests.sim.test_private import auth, token
from tests.sim.test_rest import http_get
from upbit_monitor.sim import indicators as ind
from upbit_monitor.sim.server import Simulator

pytestmark = pytest.mark.asyncio

SIX = ('[{"ticket":"i"},{"type":"indicator","codes":["KRW-BTC"],"timeframe":"5m","indicators":['
       '{"type":"volume","params":{"period":20}},{"type":"rsi","params":{"period":14}},'
       '{"type":"moving_average","params":{"period":20,"type":"EMA"}},'
       '{"type":"ma_crossover","params":{"short_period":5,"long_period":20,"type":"SMA"}},'
       '{"type":"bollinger_bands","params":{"period":20,"multiplier":2}},'
       '{"type":"macd","params":{"fast":12,"slow":26,"signal_period":9}}]},{"format":"DEFAULT"}]')
RSI_15M = ('[{"ticket":"i"},{"type":"indicator","codes":["KRW-ETH"],"timeframe":"15m",'
           '"indicators":[{"type":"rsi","params":{"period":14}}]}]')


async def quiet(ws: object) -> None:
    await ws.send("PING")  # type: ignore[attr-defined]
    assert await recv_obj(ws) == {"status": "UP"}  # type: ignore[arg-type]


async def test_six_kinds_at_candle_close() -> None:
    async with Simulator(msg_rate=300) as sim:
        async with client(sim.ws_info_url, additional_headers=auth(token())) as ws:
            await ws.send(SIX)
            await quiet(ws)  # REALTIME only: nothing until a candle closes
            sim.close_indicator_candle("5m")
            events = [await recv_obj(ws) for _ in range(6)]
        assert sim.requests[0].text == SIX and sim.requests[0].error is None
        assert [e["indicator"] for e in events] == ["volume", "rsi", "moving_average", "ma_crossover",
                                                    "bollinger_bands", "macd"]
        for e in events:
            assert (e["type"], e["code"], e["timeframe"], e["stream_type"]) == (
                "indicator", "KRW-BTC", "5m", "REALTIME")
            assert e["candle_date_time_utc"][-2:] == "00" and int(e["candle_date_time_utc"][14:16]) % 5 == 0
            assert all(isinstance(v, str) and "e" not in v.lower() for v in e["value"].values())
        assert set(events[0]["value"]) == {"volume", "avg_volume", "ratio"}
        assert events[2]["params"] == {"period": 20, "type": "EMA"}
        assert set(events[5]["value"]) == {"macd", "macd_signal", "histogram"}
        bb = {k: float(v) for k, v in events[4]["value"].items()}
        assert bb["bb_lower"] < bb["bb_middle"] < bb["bb_upper"]


async def test_rsi_value_matches_the_rest_candles() -> None:
    # No live trading (msg_rate=0): with trades the still-open candle's close moves between the indicator
    # event and the REST read, and the comparison flaked (57.775 vs 58.133). The synthetic past is enough.
    async with Simulator(msg_rate=0) as sim:
        async with client(sim.ws_info_url, additional_headers=auth(token())) as ws:
            await ws.send(RSI_15M)
            await quiet(ws)
            sim.close_indicator_candle("15m")
            event = await recv_obj(ws)
        start = event["candle_date_time_utc"]
        _, _, candles = await http_get(sim.rest_url, "/v1/candles/minutes/15?market=KRW-ETH&count=60")
        closes = [c["trade_price"] for c in reversed(candles) if c["candle_date_time_utc"] <= start]
        expected = ind.rsi(closes, 14)[-1]
        assert expected is not None and float(event["value"]["rsi"]) == pytest.approx(expected, abs=1e-6)


async def test_simple_keys_and_timed_close() -> None:
    text = ('[{"ticket":"i"},{"type":"indicator","codes":["KRW-BTC"],"timeframe":"60m","indicators":'
            '[{"type":"macd","params":{"fast":8,"slow":17,"signal_period":9}}]},{"format":"SIMPLE"}]')
    async with Simulator(msg_rate=300) as sim:
        async with client(sim.ws_info_url, additional_headers=auth(token())) as ws:
            await ws.send(text)
            await quiet(ws)
            # The feed's 1 s timer calls tick(); a tick past the next hour boundary is a close.
            now = sim.model.created_ms
            sim.info.tick(now - now % 3_600_000 + 3_600_000 + 1)
            e = await recv_obj(ws)
        assert set(e) == {"ty", "cd", "tf", "ind", "p", "v", "cdttmu", "tms", "st"}
        assert e["p"] == {"f": 8, "s": 17, "sgp": 9} and set(e["v"]) == {"macd", "macds", "hist"}


@pytest.mark.parametrize("bad", [
    '{"type":"rsi","params":{"period":15}}',
    '{"type":"macd","params":{"fast":12,"slow":26,"signal_period":5}}',
    '{"type":"moving_average","params":{"period":20,"type":"WMA"}}',
    '{"type":"stochastic","params":{}}',
])
async def test_params_outside_the_value_sets_are_invalid(bad: str) -> None:
    text = ('[{"ticket":"i"},{"type":"indicator","codes":["KRW-BTC"],"timeframe":"5m","indicators":['
            + bad + "]}]")
    async with Simulator(msg_rate=0) as sim:
        async with client(sim.ws_info_url, additional_headers=auth(token())) as ws:
            await ws.send(text)
            assert (await recv_obj(ws))["error"]["name"] == "INVALID_PARAM"
            await ws.send(text.replace('"5m"', '"1m"').replace(bad, '{"type":"rsi","params":{"period":14}}'))
            assert (await recv_obj(ws))["error"]["name"] == "INVALID_PARAM"  # 1m is not a timeframe


async def test_endpoints_and_auth() -> None:
    async with Simulator(msg_rate=0) as sim:
        async with client(sim.ws_url) as pub:  # not a public type
            await pub.send(RSI_15M)
            assert (await recv_obj(pub))["error"]["name"] == "INVALID_PARAM"
        async with client(sim.ws_info_url) as ws:  # JWT required
            assert (await recv_obj(ws))["error"]["name"] == "INVALID_AUTH"
            with pytest.raises(ConnectionClosed):
                await recv_obj(ws)


def _signal_bars(closes: list[float], volumes: list[float]):  # type: ignore[no-untyped-def]
    def bars(_code: str, _tf: str, _to: int, count: int) -> list[tuple[int, float, float]]:
        return [(i * 300_000, c, v) for i, (c, v) in enumerate(zip(closes, volumes, strict=True))][-count:]
    return bars


async def test_signals_fire_on_the_unmet_to_met_transition() -> None:
    text = ('[{"ticket":"s"},{"type":"indicator_signal","codes":["KRW-BTC"],"timeframe":"5m","indicators":['
            '{"type":"rsi","params":{"period":7},"trigger":"overbought","event_params":{"threshold":70}},'
            '{"type":"volume","params":{"period":10},"trigger":"volume_spike","event_params":{"multiplier":3}},'
            '{"type":"moving_average","params":{"period":10,"type":"SMA"},"trigger":"price_cross_below"}]}]')
    falling = [100.0 - i for i in range(40)]
    closes = [*falling, 70.0, 80.0]  # a sharp rise at the last bar
    volumes = [1.0] * 41 + [10.0]
    prev_rsi, rsi_now = ind.rsi(closes, 7)[-2:]
    assert prev_rsi is not None and rsi_now is not None and prev_rsi < 70 <= rsi_now
    async with Simulator(msg_rate=0) as sim:
        sim.info.bars = _signal_bars(closes, volumes)
        async with client(sim.ws_info_url, additional_headers=auth(token())) as ws:
            await ws.send(text)
            await quiet(ws)
            sim.close_indicator_candle("5m")
            first, second = await recv_obj(ws), await recv_obj(ws)
            await quiet(ws)  # close < SMA held before and still holds: no event for it
            assert (first["type"], first["indicator"]) == ("indicator_signal", "rsi")
            assert first["trigger"] == "overbought"
            assert first["event_params"] == {"threshold": 70} and float(first["value"]["rsi"]) >= 70
            assert (second["indicator"], second["trigger"]) == ("volume", "volume_spike")
            assert second["value"] == {"volume": "10", "avg_volume": "1", "ratio": "10"}
            # Still met at the next close: no repeat.
            sim.info.bars = _signal_bars([*closes, 95.0], [*volumes, 20.0])
            sim.close_indicator_candle("5m")
            await quiet(ws)


async def test_day_timeframe_uses_utc_days() -> None:
    text = ('[{"ticket":"i"},{"type":"indicator","codes":["KRW-BTC"],"timeframe":"1d","indicators":'
            '[{"type":"moving_average","params":{"period":5,"type":"SMA"}}]}]')
    async with Simulator(msg_rate=100) as sim:
        async with client(sim.ws_info_url, additional_headers=auth(token())) as ws:
            await ws.send(text)
            await quiet(ws)
            sim.close_indicator_candle("1d")
            e = orjson.loads(orjson.dumps(await recv_obj(ws)))
        assert e["timeframe"] == "1d" and e["candle_date_time_utc"].endswith("T00:00:00")
        _, _, days = await http_get(sim.rest_url, "/v1/candles/days?market=KRW-BTC&count=5")
        assert float(e["value"]["value"]) == pytest.approx(sum(d["trade_price"] for d in days) / 5)
