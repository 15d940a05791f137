"""The ``upbit-info`` connection: server indicators as one more manager connection, against the simulator."""

from __future__ import annotations

import pytest

from tests.manager.waiting import wait_until
from upbit_monitor.config import Settings
from upbit_monitor.errors import RequestError
from upbit_monitor.exchanges.base import CredentialsProvider
from upbit_monitor.exchanges.upbit import INFO as NAME
from upbit_monitor.exchanges.upbit import UpbitConnector, UpbitInfoConnector
from upbit_monitor.features.indicators.server import IndicatorDef, ServerIndicators, indicator_spec
from upbit_monitor.manager import ConnState, GlobalWebSocketManager
from upbit_monitor.protocol.auth import Credentials
from upbit_monitor.protocol.events import Indicator
from upbit_monitor.protocol.requests import build_request
from upbit_monitor.protocol.subscriptions import SubscriptionSpec, merge_specs
from upbit_monitor.sim.server import Simulator

RSI = IndicatorDef("rsi", (("period", 14),))
MACD = IndicatorDef("macd", (("fast", 12), ("slow", 26), ("signal_period", 9)))
OVERBOUGHT = IndicatorDef("rsi", (("period", 14),), trigger="overbought", event_params=(("threshold", 70),))


def test_request_text_merges_owners_per_timeframe() -> None:
    merged = merge_specs([indicator_spec("KRW-BTC", "5m", [RSI]), indicator_spec("KRW-ETH", "5m", [MACD]),
                          indicator_spec("KRW-BTC", "1d", [RSI]),
                          indicator_spec("KRW-BTC", "5m", [OVERBOUGHT], signal=True)])
    text = build_request(merged, ticket="t", fmt="DEFAULT")
    assert text == (
        '[{"ticket":"t"},'
        '{"type":"indicator","codes":["KRW-BTC","KRW-ETH"],"timeframe":"5m","indicators":['
        '{"type":"macd","params":{"fast":12,"signal_period":9,"slow":26}},{"type":"rsi","params":{"period":14}}]},'
        '{"type":"indicator","codes":["KRW-BTC"],"timeframe":"1d","indicators":[{"type":"rsi","params":{"period":14}}]},'
        '{"type":"indicator_signal","codes":["KRW-BTC"],"timeframe":"5m","indicators":['
        '{"type":"rsi","params":{"period":14},"trigger":"overbought","event_params":{"threshold":70}}]},'
        '{"format":"DEFAULT"}]')


def test_spec_checks() -> None:
    with pytest.raises(RequestError):
        indicator_spec("BTC-ETH", "5m", [RSI])  # KRW markets only
    with pytest.raises(RequestError):
        indicator_spec("KRW-BTC", "1m", [RSI])
    with pytest.raises(RequestError):
        SubscriptionSpec("ticker", ("KRW-BTC",), timeframe="5m")
    with pytest.raises(RequestError):
        IndicatorDef("stochastic", ())


class Owner:
    def __init__(self) -> None:
        self.events: list[object] = []

    def on_event(self, event: object) -> None:
        self.events.append(event)


@pytest.mark.asyncio
async def test_info_connection_state_metrics_and_wire_request() -> None:
    async with Simulator(msg_rate=200, n_krw_markets=20, connect_rate_per_s=0) as sim:
        creds = CredentialsProvider(Credentials.create(sim.config.access_key, sim.config.secret_key, "HS256"))
        settings = Settings(ws_public_url=sim.ws_url, ws_info_url=sim.ws_info_url, coalesce_window_s=0.005)
        mgr = GlobalWebSocketManager(settings, connectors=[UpbitConnector(url=sim.ws_url),
                                                           UpbitInfoConnector(sim.ws_info_url, creds)])
        await mgr.start()
        try:
            owner = Owner()
            ServerIndicators(mgr).want(owner, "KRW-BTC", "5m", [RSI], owner.on_event, signals=[OVERBOUGHT])
            req = await sim.wait_for_request(lambda r: "indicator" in r.text, timeout_s=5)
            info = [c for c in sim.connections if c.info]
            assert info and info[0].auth_ok
            assert req.error is None and req.parsed is not None
            assert '{"type":"indicator","codes":["KRW-BTC"],"timeframe":"5m","indicators":' \
                   '[{"type":"rsi","params":{"period":14}}]}' in req.text
            await wait_until(lambda: mgr.metrics()[NAME].state is ConnState.CONNECTED, within=5)
            before = mgr.metrics()[NAME].msgs_total
            sim.close_indicator_candle("5m")
            await wait_until(lambda: mgr.metrics()[NAME].msgs_total > before, within=5)
            # The values reach the owner decoded (the sim's flat wire shape through the validated decoder).
            await wait_until(lambda: any(isinstance(e, Indicator) for e in owner.events), within=5)
            rsi = next(e for e in owner.events if isinstance(e, Indicator))
            assert (rsi.code, rsi.timeframe, rsi.indicator) == ("KRW-BTC", "5m", "rsi")
            assert rsi.params == {"period": 14}
            assert set(rsi.value) == {"rsi"} and 0 <= rsi.value["rsi"] <= 100
            assert mgr.metrics()[NAME].parse_errors == 0
            assert mgr.metrics()["upbit-public"].state is not None  # the public connection is separate
            ServerIndicators(mgr).release(owner)
        finally:
            await mgr.shutdown()
