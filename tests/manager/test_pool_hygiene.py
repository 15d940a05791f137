"""Pool hygiene: market data of pairs nobody subscribed to is routed but never stored, and counted."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.manager.factories import candle, orderbook, ticker, trade
from tests.manager.waiting import wait_until
from upbit_monitor.config import Settings
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec


class View:
    def on_event(self, ev: object) -> None:
        pass


@pytest.mark.asyncio
async def test_unsubscribed_pairs_are_counted_not_stored() -> None:
    # Not started: no socket, so frames are fed exactly where the connection's reader feeds them.
    mgr = GlobalWebSocketManager(Settings(coalesce_window_s=0.0))
    try:
        view = View()
        mgr.register(view, [Spec("ticker", ("KRW-BTC",)), Spec("trade", ("KRW-BTC",))])
        await wait_until(lambda: mgr.connection().desired == mgr.subscriptions())
        got: list[Any] = []
        mgr.add_listener(got.append, types={"ticker"})
        pool = mgr.pool()
        # A misbehaving server floods tickers of markets nobody asked for.
        flood = [ticker(f"KRW-X{i:06d}") for i in range(200_000)]
        mgr._on_events("upbit-public", flood, 1)
        mgr._on_events("upbit-public", [ticker(), trade(), orderbook(), candle(), trade("KRW-ETH")], 1)
        assert set(pool.all_tickers()) == {"KRW-BTC"}
        assert mgr.latest_orderbook("KRW-BTC") is None and mgr.latest_candle("KRW-BTC", "candle.1m") is None
        assert mgr.recent_trades("KRW-ETH") == [] and len(mgr.recent_trades("KRW-BTC")) == 1
        assert mgr.version("ticker", "KRW-X000001") == 0
        t0 = time.perf_counter()
        m = mgr.metrics()["upbit-public"]
        took = time.perf_counter() - t0
        assert m.unexpected_events == 200_000 + 3  # the flood, the orderbook, the candle, the ETH trade
        # The per-pair age table did not grow with the flood either (it made metrics() take 105 ms).
        assert set(m.last_message_age_by_key) == {("ticker", "KRW-BTC"), ("trade", "KRW-BTC")}
        assert took < 5.0  # a sanity bound only, not a speed claim
        # Still routed to listeners (late frames after an unsubscribe are real data).
        assert len(got) == 200_001
    finally:
        await mgr.shutdown()


@pytest.mark.asyncio
async def test_subscribing_later_stores_the_pair() -> None:
    mgr = GlobalWebSocketManager(Settings(coalesce_window_s=0.0))
    try:
        view = View()
        mgr.register(view, [Spec("ticker", ("KRW-BTC",))])
        await wait_until(lambda: mgr.connection().desired == mgr.subscriptions())
        mgr._on_events("upbit-public", [ticker("KRW-ETH")], 1)
        assert mgr.latest_ticker("KRW-ETH") is None
        mgr.update(view, [Spec("ticker", ("KRW-BTC", "KRW-ETH"))])
        await wait_until(lambda: mgr.connection().desired == mgr.subscriptions())
        mgr._on_events("upbit-public", [ticker("KRW-ETH")], 1)
        assert mgr.latest_ticker("KRW-ETH") is not None
        assert mgr.metrics()["upbit-public"].unexpected_events == 1
    finally:
        await mgr.shutdown()
