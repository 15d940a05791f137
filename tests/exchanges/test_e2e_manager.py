"""End to end: the real manager drives the Binance/Bybit connectors against the simulators.

The Upbit simulator, the Binance-shaped and the Bybit-shaped simulators share one market model, so
the premium the tracker computes from live traffic must be the premium the simulators were
configured with. Everything runs inside the test (no async fixtures; see test_sim_foreign.py).
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.manager.waiting import wait_until
from upbit_monitor.config import Settings
from upbit_monitor.exchanges.bybit import BybitConnector
from upbit_monitor.exchanges.quotes import PriceQuote
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.sim.binance import BinanceSim
from upbit_monitor.sim.bybit import BybitSim
from upbit_monitor.sim.foreign_prices import ForeignSimConfig
from upbit_monitor.sim.server import Simulator
from upbit_monitor.ui.premium.columns import PremiumTracker

BINANCE = ForeignSimConfig(premium=0.025, push_interval_s=0.05)
BYBIT = ForeignSimConfig(premium=0.04, push_interval_s=0.05, max_requests_per_s=0, ping_interval_s=None)


def settings(upbit: Simulator, binance: BinanceSim, bybit: BybitSim) -> Settings:
    return Settings(
        ws_public_url=upbit.ws_url,
        binance_ws_url=binance.url,
        bybit_ws_url=bybit.url,
        coalesce_window_s=0.01,
        connect_timeout_s=2.0,
        stale_after_s=10.0,
        close_timeout_s=0.2,
        backoff_steps_s=(0.05, 0.1),
        backoff_jitter=0.0,
    )


class Component:
    """A plain subscriber object (the manager holds components weakly)."""


@pytest.mark.asyncio
async def test_manager_delivers_foreign_quotes_and_the_configured_premium() -> None:
    async with Simulator(msg_rate=300, n_krw_markets=30, seed=7) as upbit:
        async with BinanceSim(upbit.model, BINANCE) as binance, BybitSim(upbit.model, BYBIT) as bybit:
            mgr = GlobalWebSocketManager(settings(upbit, binance, bybit))
            await mgr.start()
            tracker = PremiumTracker(mgr)
            upbit_tickers = Component()  # the coin list's role: Upbit tickers of the shown coins
            try:
                mgr.register(upbit_tickers, [SubscriptionSpec("ticker", ("KRW-BTC", "KRW-ETH"))])
                tracker.set_codes(["KRW-BTC", "KRW-ETH"])
                tracker.set_selected("KRW-BTC")
                await wait_until(
                    lambda: tracker.premium("KRW-BTC") and tracker.premium("KRW-ETH")
                    and tracker.premium("KRW-BTC", "bybit"),
                    within=10,
                )
                # Upbit and the foreign venue are sampled at slightly different moments of a moving
                # market, hence the tolerance; the configured premiums differ by 1.5 points.
                for code in ("KRW-BTC", "KRW-ETH"):
                    assert tracker.premium(code).premium == pytest.approx(0.025, abs=3e-3)
                assert tracker.premium("KRW-BTC", "bybit").premium == pytest.approx(0.04, abs=3e-3)
                assert tracker.premium("KRW-ETH", "bybit") is None  # Bybit follows the selected coin only

                latest = mgr.metrics()
                for name in ("binance-public", "bybit-public"):  # the status panel lists them like Upbit's
                    m = latest[name]
                    assert m.state == "connected" and m.epoch == 1
                    assert m.msgs_total > 0 and m.requests_sent >= 1
                assert latest["binance-public"].last_request == (
                    '{"method":"SUBSCRIBE","params":["btcusdt@ticker","ethusdt@ticker"],"id":1}'
                )
                assert latest["bybit-public"].last_request == (
                    '{"op":"subscribe","args":["tickers.BTCUSDT"],"req_id":"1"}'
                )

                # A coin switch: Bybit moves from BTC to ETH with one subscribe + one unsubscribe.
                tracker.set_selected("KRW-ETH")
                await wait_until(
                    lambda: [c.subscriptions for c in bybit.connections] == [{"tickers.ETHUSDT"}], within=5
                )
                assert mgr.metrics()["bybit-public"].last_request == (
                    '{"op":"unsubscribe","args":["tickers.BTCUSDT"],"req_id":"3"}'
                )
                await wait_until(lambda: tracker.premium("KRW-ETH", "bybit"), within=5)
            finally:
                tracker.close()
                await mgr.shutdown()


@pytest.mark.asyncio
async def test_binance_server_shutdown_triggers_an_immediate_reconnect_and_resubscribe() -> None:
    async with Simulator(msg_rate=50, n_krw_markets=10, seed=3) as upbit:
        async with BinanceSim(upbit.model, BINANCE) as binance, BybitSim(upbit.model, BYBIT) as bybit:
            mgr = GlobalWebSocketManager(settings(upbit, binance, bybit))
            await mgr.start()
            quotes: list[PriceQuote] = []
            unlisten = mgr.add_listener(quotes.append, types={"quote"})
            holder = Component()
            try:
                mgr.register(holder, [SubscriptionSpec("ticker", ("USDT-BTC",))], connection="binance-public")
                await wait_until(lambda: quotes, within=5)
                assert quotes[-1].epoch == 1
                await binance.announce_shutdown()
                await wait_until(lambda: binance.connections_total == 2 and quotes[-1].epoch == 2, within=5)
                m = mgr.metrics()["binance-public"]
                assert m.epoch == 2 and m.reconnects >= 1
                assert "serverShutdown" in (m.last_server_error or "")
            finally:
                unlisten()
                await mgr.shutdown()


@pytest.mark.asyncio
async def test_bybit_json_heartbeat_keeps_a_busy_connection_alive() -> None:
    # The simulated Bybit drops a client that sends nothing for 1.2 s, even while it streams data.
    # (8x the 0.15 s ping interval, so a loaded CI machine delaying a ping does not flake the test.)
    strict = dataclasses.replace(BYBIT, heartbeat_timeout_s=1.2)
    async with Simulator(msg_rate=50, n_krw_markets=10, seed=3) as upbit:
        async with BinanceSim(upbit.model, BINANCE) as binance, BybitSim(upbit.model, strict) as bybit:
            mgr = GlobalWebSocketManager(settings(upbit, binance, bybit))
            connector = BybitConnector(bybit.url)
            # Same rule as production ({"op":"ping"} whatever the traffic), on a test time scale.
            connector.keepalive = dataclasses.replace(connector.keepalive, text_ping_after_s=0.15)
            mgr.add_connection(connector)
            await mgr.start()
            holder = Component()
            try:
                mgr.register(holder, [SubscriptionSpec("ticker", ("USDT-BTC",))], connection="bybit-public")
                # 1 subscribe + 11 pings = about 1.65 s: longer than the 1.2 s heartbeat timeout.
                await wait_until(lambda: bybit.requests_received >= 12, within=8)
                assert bybit.connections_total == 1
                assert mgr.metrics()["bybit-public"].epoch == 1
            finally:
                await mgr.shutdown()
