"""Upbit's server indicators as a study source: who may choose it, the engine rows, and the values from
the simulator's /websocket/v1/info through the real manager."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.manager.simtools import running_with_keys
from tests.manager.waiting import wait_until
from upbit_monitor.features.indicators.server import NAME, ServerIndicators
from upbit_monitor.features.studies import (
    BollingerSettings,
    EmaSettings,
    MacdSettings,
    RsiSettings,
    SmaSettings,
    Source,
    StudyEngine,
    VwapSettings,
)
from upbit_monitor.features.studies.server import (
    NEEDS_KEYS,
    ServerStudyFeed,
    server_definition,
    server_problem,
    server_values,
    start_seconds,
)
from upbit_monitor.manager import ConnState

SERVER = Source.SERVER
RSI = RsiSettings(14, source=SERVER)
TIMEFRAMES_ONLY = "Upbit computes indicators at 5m, 15m, 1h, 4h and D only"


def test_who_may_choose_upbit() -> None:
    assert server_problem(RSI, "KRW-BTC", 5, True) is None
    assert server_problem(RSI, "KRW-BTC", 1440, True) is None
    assert server_problem(RSI, "BTC-ETH", 5, True) == "Upbit computes indicators for KRW markets only"
    assert server_problem(RSI, "USDT-BTC", 60, True) is not None
    for unit in (1, 3, 30, 10080, 43200):  # 1m .. 30m, week and month: not Upbit's timeframes
        assert server_problem(RSI, "KRW-BTC", unit, True) == TIMEFRAMES_ONLY
    assert "RSI periods 2, 3" in str(server_problem(RsiSettings(15), "KRW-BTC", 5, True))
    assert "MACD 12/26/9" in str(server_problem(MacdSettings(10, 20, 5), "KRW-BTC", 5, True))
    assert "Bollinger" in str(server_problem(BollingerSettings(20, 6.0), "KRW-BTC", 5, True))
    assert "does not compute VWAP" in str(server_problem(VwapSettings(), "KRW-BTC", 5, True))
    assert server_problem(RSI, "KRW-BTC", 5, False) == NEEDS_KEYS
    assert "the chart shows Bithumb" in str(server_problem(RSI, "KRW-BTC", 5, True, venue="bithumb"))


def test_definitions_and_values() -> None:
    assert server_definition(SmaSettings(20)).wire() == {"type": "moving_average",  # type: ignore[union-attr]
                                                         "params": {"period": 20, "type": "SMA"}}
    assert server_definition(EmaSettings(50)).wire()["params"] == {"period": 50, "type": "EMA"}  # type: ignore[union-attr]
    assert server_definition(BollingerSettings(20, 2.0)).wire() == {  # type: ignore[union-attr]
        "type": "bollinger_bands", "params": {"multiplier": 2.0, "period": 20}}
    assert server_definition(MacdSettings()).wire()["params"] == {  # type: ignore[union-attr]
        "fast": 12, "signal_period": 9, "slow": 26}
    bb = {"bb_upper": Decimal("110"), "bb_middle": Decimal("100"), "bb_lower": Decimal("90.5")}
    assert server_values(BollingerSettings(20, 2.0, source=SERVER), bb) == (110.0, 100.0, 90.5)
    macd = {"macd": Decimal("-3"), "macd_signal": Decimal("-2.5"), "histogram": Decimal("-0.5")}
    assert server_values(MacdSettings(source=SERVER), macd) == (-3.0, -2.5, -0.5)
    assert start_seconds("2026-12-04T17:25:00") == 1_796_405_100


def _bar(t: int, close: float) -> SimpleNamespace:
    return SimpleNamespace(t=t, high=close, low=close, close=close, volume=1.0)


def test_engine_rows_of_a_server_study() -> None:
    local = RsiSettings(14)
    engine = StudyEngine([local, RSI])
    engine.reset([_bar(60 * i, 100 + i % 3) for i in range(30)])
    assert not engine.has_values(RSI) and engine.has_values(local)  # nothing computed here
    engine.take_dirty()
    engine.set_server_value(RSI, 60 * 20, (55.5,))
    assert engine.take_dirty() == 20
    rsi = engine.lines(RSI)["rsi"]
    assert rsi[20] == 55.5 and math.isnan(rsi[19]) and math.isnan(rsi[21])
    engine.apply(_bar(60 * 30, 101))  # a new live bar: NaN until Upbit closes it
    assert math.isnan(engine.lines(RSI)["rsi"][-1])
    engine.set_server_value(RSI, 60 * 30, (57.0,))
    engine.reset([_bar(60 * i, 100.0) for i in range(31)])  # history reloaded: values kept
    assert engine.lines(RSI)["rsi"][20] == 55.5 and engine.lines(RSI)["rsi"][30] == 57.0
    engine.clear_server_values()
    assert not engine.has_values(RSI)


@pytest.mark.asyncio
async def test_feed_reads_the_simulators_values_through_the_manager() -> None:
    async with running_with_keys() as (sim, mgr, creds):
        # The info connection is built with the private feed's provider, not the registry's.
        feed = ServerStudyFeed(ServerIndicators(mgr, provider=creds), keys_ok=lambda: True)
        got: list[tuple[object, int, tuple[float, ...]]] = []
        feed.listener = lambda study, start, values: got.append((study, start, values))
        macd = MacdSettings(source=SERVER)
        feed.follow("KRW-BTC", 5, [RSI, macd, SmaSettings(20), RsiSettings(15, source=SERVER)])
        req = await sim.wait_for_request(lambda r: "indicator" in r.text, timeout_s=5)
        assert '"indicators":[{"type":"macd","params":{"fast":12,"signal_period":9,"slow":26}},' \
               '{"type":"rsi","params":{"period":14}}]' in req.text  # RSI 15 and the local SMA: not asked
        await wait_until(lambda: mgr.metrics()[NAME].state is ConnState.CONNECTED, within=5)
        sim.close_indicator_candle("5m")
        await wait_until(lambda: len(got) == 2, within=5)
        by_study = {study: (start, values) for study, start, values in got}
        start, (rsi,) = by_study[RSI]
        assert start % 300 == 0 and 0 <= rsi <= 100
        assert len(by_study[macd][1]) == 3 and by_study[macd][0] == start
        # Another coin: nothing of BTC is delivered for it; back to BTC: the cached values come back.
        feed.follow("KRW-ETH", 5, [RSI])
        got.clear()
        feed.follow("KRW-BTC", 5, [RSI])
        assert got == [(RSI, start, (rsi,))]
        feed.follow("BTC-ETH", 5, [RSI])  # not a KRW market: released
        assert feed.code is None and not mgr.subscriptions(NAME).entries


def test_a_local_twin_is_not_subscribed() -> None:
    wants: list[object] = []
    fake = SimpleNamespace(want=lambda *a, **k: wants.append(a), release=lambda _owner: wants.append("gone"))
    feed = ServerStudyFeed(fake, keys_ok=lambda: False)  # type: ignore[arg-type]
    feed.follow("KRW-BTC", 5, [RSI])  # no keys: nothing asked
    assert wants == []
    feed.keys_ok = lambda: True
    feed.follow("KRW-BTC", 1, [RSI])  # 1m: nothing asked
    feed.follow("KRW-BTC", 5, [replace(RSI, source=Source.LOCAL)])
    assert wants == []
    feed.follow("KRW-BTC", 15, [RSI])
    assert len(wants) == 1
