"""The client's validated decoder reads the simulator's ``indicator`` / ``indicator_signal`` frames as sent.

The frames are the simulator's own bytes from ``/websocket/v1/info`` (both key styles); the decoder used to
reject them ("Expected `object`, got `str` - at `$.indicator`") because its Struct nested kind and params.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.sim.conftest import client
from tests.sim.test_indicators import SIX, quiet
from tests.sim.test_private import auth, token
from upbit_monitor.protocol.events import Indicator, IndicatorSignal
from upbit_monitor.protocol.parser import Parser
from upbit_monitor.sim.server import Simulator

pytestmark = pytest.mark.asyncio
START_MS = 1_764_806_400_000  # 2025-12-04T00:00:00Z: the decoder rejects candle times before 2017

VALUE_KEYS = {
    "volume": {"volume", "avg_volume", "ratio"},
    "rsi": {"rsi"},
    "moving_average": {"value"},
    "ma_crossover": {"ma_short", "ma_long"},
    "bollinger_bands": {"bb_upper", "bb_middle", "bb_lower"},
    "macd": {"macd", "macd_signal", "histogram"},
}


async def _frames(sim: Simulator, text: str, count: int) -> list[bytes]:
    async with client(sim.ws_info_url, additional_headers=auth(token())) as ws:
        await ws.send(text)
        await quiet(ws)
        sim.close_indicator_candle("5m")
        frames = [await ws.recv() for _ in range(count)]
    return [f if isinstance(f, bytes) else f.encode() for f in frames]


@pytest.mark.parametrize("fmt", ["DEFAULT", "SIMPLE"])
async def test_six_kinds_decode_from_both_key_styles(fmt: str) -> None:
    async with Simulator(msg_rate=0) as sim:
        frames = await _frames(sim, SIX.replace('"DEFAULT"', f'"{fmt}"'), 6)
    parser = Parser()
    events = [ev for frame in frames for ev in parser.parse(frame, epoch=3)]
    assert parser.rejected == {} and parser.unknown_messages == 0
    assert all(isinstance(ev, Indicator) for ev in events)
    by_kind = {ev.indicator: ev for ev in events if isinstance(ev, Indicator)}
    assert {k: set(ev.value) for k, ev in by_kind.items()} == VALUE_KEYS  # DEFAULT names either way
    for ev in by_kind.values():
        assert (ev.code, ev.timeframe, ev.stream_type, ev.epoch) == ("KRW-BTC", "5m", "REALTIME", 3)
        assert all(isinstance(v, Decimal) and v.is_finite() for v in ev.value.values())
    assert by_kind["moving_average"].params == {"period": 20, "type": "EMA"}
    assert by_kind["ma_crossover"].params == {"short_period": 5, "long_period": 20, "type": "SMA"}
    assert by_kind["macd"].params == {"fast": 12, "slow": 26, "signal_period": 9}
    bb = by_kind["bollinger_bands"].value
    assert bb["bb_lower"] < bb["bb_middle"] < bb["bb_upper"]


@pytest.mark.parametrize("fmt", ["DEFAULT", "SIMPLE"])
async def test_signals_decode_with_trigger_and_event_params(fmt: str) -> None:
    text = ('[{"ticket":"s"},{"type":"indicator_signal","codes":["KRW-BTC"],"timeframe":"5m","indicators":['
            '{"type":"rsi","params":{"period":7},"trigger":"overbought","event_params":{"threshold":70}},'
            '{"type":"volume","params":{"period":10},"trigger":"volume_spike","event_params":{"multiplier":3}}]},'
            f'{{"format":"{fmt}"}}]')
    closes = [*(100.0 - i for i in range(40)), 70.0, 80.0]  # a sharp rise at the last bar
    volumes = [1.0] * 41 + [10.0]
    async with Simulator(msg_rate=0) as sim:
        bars = [(START_MS + i * 300_000, c, v) for i, (c, v) in enumerate(zip(closes, volumes, strict=True))]
        sim.info.bars = lambda _code, _tf, _to, count: bars[-count:]
        frames = await _frames(sim, text, 2)
    parser = Parser()
    rsi, volume = (ev for frame in frames for ev in parser.parse(frame))
    assert isinstance(rsi, IndicatorSignal) and isinstance(volume, IndicatorSignal)
    assert (rsi.indicator, rsi.trigger, rsi.params, rsi.event_params) == (
        "rsi", "overbought", {"period": 7}, {"threshold": 70})
    assert rsi.value["rsi"] >= 70
    assert (volume.trigger, volume.event_params) == ("volume_spike", {"multiplier": 3})
    assert volume.value == {"volume": Decimal(10), "avg_volume": Decimal(1), "ratio": Decimal(10)}
