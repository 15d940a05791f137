"""The manager keeps one data pool per venue: KRW-BTC on Upbit and on Bithumb never collide."""

from __future__ import annotations

import pytest

from tests.manager.factories import ticker, trade
from tests.manager.waiting import wait_until
from upbit_monitor.config import Settings
from upbit_monitor.exchanges.bithumb import BithumbConnector
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec


class View:
    pass


@pytest.mark.asyncio
async def test_same_code_on_two_venues_is_stored_apart_and_released_per_venue() -> None:
    # Not started: frames are fed where a connection's reader would feed them.
    mgr = GlobalWebSocketManager(Settings(coalesce_window_s=0.0),
                                 connectors=[BithumbConnector(url="ws://127.0.0.1:9/websocket/v1")])
    try:
        upbit_view, bithumb_view = View(), View()
        mgr.register(upbit_view, [Spec("ticker", ("KRW-BTC",)), Spec("trade", ("KRW-BTC",))])
        mgr.register(bithumb_view, [Spec("ticker", ("KRW-BTC",)), Spec("trade", ("KRW-BTC",))],
                     connection="bithumb-public")
        await wait_until(lambda: mgr.connection("bithumb-public").desired
                         == mgr.subscriptions("bithumb-public"))
        assert mgr.venue_of("bithumb-public") == "bithumb" and mgr.venue_of("upbit-public") == "upbit"
        mgr._on_events("upbit-public", [ticker(price=100.0), trade(seq=1)], 1)
        mgr._on_events("bithumb-public", [ticker(price=101.0)], 1)
        upbit_t, bithumb_t = mgr.latest_ticker("KRW-BTC"), mgr.latest_ticker("KRW-BTC", "bithumb")
        assert upbit_t is not None and upbit_t.trade_price == 100.0
        assert bithumb_t is not None and bithumb_t.trade_price == 101.0
        assert mgr.version("ticker", "KRW-BTC", "bithumb") == 1
        assert mgr.pool("bithumb").all_tickers()["KRW-BTC"].trade_price == 101.0
        assert mgr.recent_trades("KRW-BTC", venue="bithumb") == []

        # Bithumb's view leaves: Bithumb's pool drops the pair, Upbit's keeps its own.
        mgr.unregister(bithumb_view)
        await wait_until(lambda: mgr.latest_ticker("KRW-BTC", "bithumb") is None)
        assert mgr.latest_ticker("KRW-BTC") is not None and mgr.recent_trades("KRW-BTC")
    finally:
        await mgr.shutdown()


@pytest.mark.asyncio
async def test_listeners_can_be_limited_to_a_venue() -> None:
    mgr = GlobalWebSocketManager(Settings(coalesce_window_s=0.0),
                                 connectors=[BithumbConnector(url="ws://127.0.0.1:9/websocket/v1")])
    try:
        every: list[object] = []
        upbit_only: list[object] = []
        bithumb_only: list[object] = []
        mgr.add_listener(every.append, types={"ticker"})
        mgr.add_listener(upbit_only.append, types={"ticker"}, venues=("upbit",))
        mgr.add_listener(bithumb_only.append, venues=("bithumb",))
        mgr.connection("bithumb-public")  # known connection -> known venue
        mgr._on_events("upbit-public", [ticker(price=1.0)], 1)
        mgr._on_events("bithumb-public", [ticker(price=2.0), trade()], 1)
        assert [e.trade_price for e in every] == [1.0, 2.0]  # type: ignore[attr-defined]
        assert [e.trade_price for e in upbit_only] == [1.0]  # type: ignore[attr-defined]
        assert [e.type for e in bithumb_only] == ["ticker", "trade"]  # type: ignore[attr-defined]
    finally:
        await mgr.shutdown()
