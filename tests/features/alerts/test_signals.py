"""Upbit-signal rules: Upbit's own indicator_signal as an alert, subscribed on the info connection."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from tests.features.alerts.fakes import FakeSource
from tests.protocol.samples import INDICATOR_SIGNAL, VOLUME_SIGNAL
from upbit_monitor.errors import AlertRuleError
from upbit_monitor.features.alerts import AlertEngine, AlertRule, RuleKind, describe
from upbit_monitor.features.alerts.signal_presets import SIGNAL_PRESETS
from upbit_monitor.features.indicators.server import NAME, ServerIndicators
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.sim.indicators import parse_indicator_request

MACD_GOLDEN = "MACD(12,26,9) golden cross"
VOLUME_3X = "Volume >= 3x its 20-bar average"


def _rule(market: str, signal: str, timeframe: str, **kw: object) -> AlertRule:
    return AlertRule(RuleKind.SIGNAL, market, {"signal": signal, "timeframe": timeframe}, **kw)  # type: ignore[arg-type]


def _info_regs(src: FakeSource) -> list[tuple[object, str, tuple[SubscriptionSpec, ...], object]]:
    return [r for r in src.regs.values() if r[1] == NAME]


@pytest.mark.parametrize("label", list(SIGNAL_PRESETS))
def test_every_preset_is_a_request_upbits_value_sets_accept(label: str) -> None:
    # The simulator checks requests against upbit-sdk's value sets: a preset outside them would make
    # the server refuse the whole info request (INVALID_PARAM).
    timeframe, [spec] = parse_indicator_request(
        {"timeframe": "15m", "indicators": [SIGNAL_PRESETS[label].wire()]}, signal=True)
    assert timeframe == "15m" and spec.trigger == SIGNAL_PRESETS[label].trigger


@pytest.mark.asyncio
async def test_signal_rules_are_upbit_krw_only_and_need_the_info_connection() -> None:
    src = FakeSource()
    engine = AlertEngine(src, venues=("upbit", "bithumb"), signals=ServerIndicators(src))
    rule = engine.validate(_rule("krw-eth", MACD_GOLDEN, "1d"))
    assert rule.market == "KRW-ETH"
    assert describe(rule) == "ETH/KRW MACD(12,26,9) golden cross (1d, Upbit signal)"
    for bad, said in ((_rule("BTC-ETH", MACD_GOLDEN, "1d"), "KRW markets only"),
                      (_rule("KRW-ETH", MACD_GOLDEN, "1d", venue="bithumb"), "KRW markets only"),
                      (_rule("KRW-ETH", MACD_GOLDEN, "1m"), "timeframe must be one of"),
                      (_rule("KRW-ETH", "MACD(1,2,3) cross", "1d"), "signal must be one of"),
                      (_rule("KRW-*", MACD_GOLDEN, "1d"), "needs one market")):
        with pytest.raises(AlertRuleError, match=said):
            engine.validate(bad)
    without = AlertEngine(FakeSource())
    with pytest.raises(AlertRuleError, match="info connection"):
        without.validate(_rule("KRW-ETH", MACD_GOLDEN, "1d"))
    await engine.aclose()
    await without.aclose()


@pytest.mark.asyncio
async def test_rules_merge_into_one_spec_per_market_and_timeframe_and_release_with_the_last() -> None:
    src = FakeSource()
    engine = AlertEngine(src, signals=ServerIndicators(src))
    assert _info_regs(src) == []  # no signal rule: the info connection is not even asked for
    a = await engine.add_rule(_rule("KRW-ETH", MACD_GOLDEN, "1d"))
    b = await engine.add_rule(_rule("KRW-ETH", "RSI(14) overbought (>= 70)", "1d"))
    c = await engine.add_rule(_rule("KRW-XRP", VOLUME_3X, "5m"))
    [(_owner, _conn, specs, callback)] = _info_regs(src)
    assert callback is not None
    assert [(s.type, s.codes, s.timeframe, len(s.indicators)) for s in specs] == [
        ("indicator_signal", ("KRW-ETH",), "1d", 2), ("indicator_signal", ("KRW-XRP",), "5m", 1)]
    for rule in (a, b):
        await engine.remove_rule(rule.id)  # type: ignore[arg-type]
    [(_owner, _conn, specs, _cb)] = _info_regs(src)
    assert [s.codes for s in specs] == [("KRW-XRP",)]
    await engine.remove_rule(c.id)  # type: ignore[arg-type]
    assert _info_regs(src) == []  # the last rule gone: no info subscription left
    await engine.aclose()


@pytest.mark.asyncio
async def test_a_matching_signal_fires_once_per_close_and_others_do_not() -> None:
    src = FakeSource()
    engine = AlertEngine(src, signals=ServerIndicators(src))
    macd = await engine.add_rule(_rule("KRW-ETH", MACD_GOLDEN, "1d", cooldown_s=0))
    await engine.add_rule(_rule("KRW-ETH", MACD_GOLDEN, "240m"))  # another timeframe
    await engine.add_rule(_rule("KRW-ETH", "MACD(12,26,9) dead cross", "1d"))  # another trigger
    volume = await engine.add_rule(_rule("KRW-XRP", VOLUME_3X, "5m", cooldown_s=0))
    [(_owner, _conn, _specs, callback)] = _info_regs(src)
    # Decoded events as the parser makes them (Decimal values, params as sent).
    callback(INDICATOR_SIGNAL)
    callback(INDICATOR_SIGNAL)  # resent (a reconnect): the same close fires once
    callback(replace(VOLUME_SIGNAL, event_params={"multiplier": 5}))  # 5x is not the rule's 3x
    assert [(t.rule_id, t.market) for t in engine.recent] == [(macd.id, "KRW-ETH")]
    said = engine.recent[0].message
    assert "Upbit signal MACD(12,26,9) golden cross at the 1d close (macd -1,200.5" in said
    callback(VOLUME_SIGNAL)
    callback(replace(INDICATOR_SIGNAL, candle_date_time_utc="2025-09-01T00:00:00"))  # the next close
    assert [t.rule_id for t in engine.recent] == [macd.id, volume.id, macd.id]  # newest first
    await engine.aclose()
    assert _info_regs(src) == []


@pytest.mark.asyncio
async def test_a_signal_rule_subscribes_on_the_simulators_info_endpoint_with_the_users_keys() -> None:
    from tests.manager.simtools import running_with_keys
    from tests.manager.waiting import wait_until
    from upbit_monitor.manager import ConnState

    async with running_with_keys() as (sim, mgr, keys):
        engine = AlertEngine(mgr, signals=ServerIndicators(mgr, provider=keys))
        try:
            assert NAME not in mgr.metrics()  # no signal rule: no info connection
            await engine.add_rule(_rule("KRW-BTC", "RSI(14) overbought (>= 70)", "5m"))
            req = await sim.wait_for_request(lambda r: "indicator_signal" in r.text, timeout_s=5)
            assert req.error is None  # the preset is within Upbit's value sets, the JWT was accepted
            assert ('{"type":"indicator_signal","codes":["KRW-BTC"],"timeframe":"5m","indicators":[{"type":'
                    '"rsi","params":{"period":14},"trigger":"overbought","event_params":{"threshold":70}}]}'
                    ) in req.text
            await wait_until(lambda: mgr.metrics()[NAME].state is ConnState.CONNECTED, within=5)
            # The close fires it: the simulator's wire event, decoded and routed, matches the preset.
            sim.close_indicator_candle("5m", force_signals=True)
            await wait_until(lambda: len(engine.recent) == 1, within=5)
            [trigger] = engine.recent
            assert (trigger.market, trigger.kind) == ("KRW-BTC", "signal")
            assert "Upbit signal RSI(14) overbought (>= 70) at the 5m close (rsi " in trigger.message
            before = mgr.metrics()[NAME].msgs_total
            sim.close_indicator_candle("5m", force_signals=True)  # the same close sent again
            await wait_until(lambda: mgr.metrics()[NAME].msgs_total > before, within=5)
            assert len(engine.recent) == 1
        finally:
            await engine.aclose()
