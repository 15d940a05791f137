"""End to end: the real manager on Bithumb's simulator beside Upbit's (public, private, limits)."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest

from tests.manager.simtools import fast_settings, our_tasks
from tests.manager.waiting import wait_until
from upbit_monitor.config import Settings
from upbit_monitor.exchanges.bithumb import (
    BITHUMB_CREDENTIALS,
    PRIVATE,
    PUBLIC,
    BithumbConnector,
    ConnectBlock,
)
from upbit_monitor.exchanges.order_state import OrderState, map_upbit_state
from upbit_monitor.manager import ConnState, GlobalWebSocketManager, StateChange
from upbit_monitor.protocol.auth import Credentials
from upbit_monitor.protocol.events import MyOrder
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec
from upbit_monitor.sim.bithumb import (
    BITHUMB_ACCESS_KEY,
    BITHUMB_SECRET_KEY,
    BithumbSimulator,
    WanderingSpread,
)
from upbit_monitor.sim.server import Simulator


class View:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def on_event(self, ev: Any) -> None:
        self.events.append(ev)


def settings(upbit: Simulator, bithumb: BithumbSimulator) -> Settings:
    return fast_settings(upbit, bithumb_ws_url=bithumb.ws_url,
                         bithumb_ws_private_url=bithumb.ws_private_url)


@pytest.mark.asyncio
async def test_two_korean_venues_one_manager_same_code_apart() -> None:
    async with Simulator(seed=7, msg_rate=800, n_krw_markets=15) as upbit:
        spread = WanderingSpread(base=0.02, amplitude=0.0)
        async with BithumbSimulator(beside=upbit, spread=spread) as bithumb:
            mgr = GlobalWebSocketManager(settings(upbit, bithumb))
            await mgr.start()
            coins, chart = View(), View()
            try:
                mgr.register(coins, [Spec("ticker", ("KRW-BTC",))])
                mgr.register(chart, [Spec("ticker", ("KRW-BTC",)), Spec("candle.1m", ("KRW-BTC",)),
                                     Spec("orderbook", ("KRW-BTC",), depth=15)],
                             connection=PUBLIC, callback=chart.on_event)
                await wait_until(lambda: mgr.latest_ticker("KRW-BTC") is not None
                                 and mgr.latest_ticker("KRW-BTC", "bithumb") is not None, within=5)
                up, bt = mgr.latest_ticker("KRW-BTC"), mgr.latest_ticker("KRW-BTC", "bithumb")
                assert up is not None and bt is not None
                assert bt.trade_price / up.trade_price == pytest.approx(1.02, abs=0.01)
                # The one request on Bithumb's wire: candles went out as trades, DEFAULT, no depth.
                [req] = [r for r in bithumb.requests if r.text.startswith("[")]
                objs = json.loads(req.text)
                assert objs[1:] == [{"type": "ticker", "codes": ["KRW-BTC"]},
                                    {"type": "trade", "codes": ["KRW-BTC"]},
                                    {"type": "orderbook", "codes": ["KRW-BTC"]}, {"format": "DEFAULT"}]
                # Live candles built from Bithumb's trades, in Bithumb's pool only.
                await wait_until(lambda: mgr.latest_candle("KRW-BTC", "candle.1m", "bithumb") is not None,
                                 within=5)
                assert mgr.latest_candle("KRW-BTC", "candle.1m") is None
                assert any(e.type == "candle.1m" for e in chart.events)
                assert not any(e.type == "trade" for e in chart.events)  # wanted only for candles
                book = mgr.latest_orderbook("KRW-BTC", "bithumb")
                assert book is not None and mgr.latest_orderbook("KRW-BTC") is None
                assert mgr.metrics()[PUBLIC].state is ConnState.CONNECTED
            finally:
                await mgr.shutdown()
            assert our_tasks() == []


@pytest.mark.asyncio
async def test_private_v2_orders_arrive_as_upbit_orders() -> None:
    async with Simulator(seed=7, msg_rate=200, n_krw_markets=10) as upbit:
        async with BithumbSimulator(beside=upbit) as bithumb:
            BITHUMB_CREDENTIALS.set(Credentials.create(BITHUMB_ACCESS_KEY, BITHUMB_SECRET_KEY, "HS256"))
            mgr = GlobalWebSocketManager(settings(upbit, bithumb))
            await mgr.start()
            orders = View()
            try:
                mgr.register(orders, [Spec("myOrder"), Spec("myAsset")], connection=PRIVATE,
                             callback=orders.on_event)
                await wait_until(lambda: any(r.parsed is not None for c in bithumb.open_connections(
                    private=True) for r in c.requests), within=5)
                bithumb.account.place_order("KRW-BTC", "bid", "price", price=10_000)
                await wait_until(lambda: any(isinstance(e, MyOrder) and e.state == "done"
                                             for e in orders.events), within=5)
                mine = [e for e in orders.events if isinstance(e, MyOrder)]
                assert {e.ask_bid for e in mine} == {"BID"} and all(e.uuid for e in mine)
                final = mine[-1]
                assert map_upbit_state(final.state, executed_volume=final.executed_volume,
                                       remaining_volume=final.remaining_volume) is OrderState.FILLED
                assert final.executed_volume is not None and final.executed_volume > Decimal(0)
                assert final.trades_count >= 1
                assert any(e.type == "myAsset" for e in orders.events)
            finally:
                await mgr.shutdown()
                BITHUMB_CREDENTIALS.set(None)


@pytest.mark.asyncio
async def test_persistent_429_holds_off_for_the_block_and_says_so() -> None:
    async with BithumbSimulator(msg_rate=0, n_krw_markets=5) as bithumb:
        bithumb.ws.gate.blocked_until = time.monotonic() + 60  # the IP is blocked
        connector = BithumbConnector(url=bithumb.ws_url, block=ConnectBlock(block_after=2, block_s=42.0))
        # Upbit's public connection (always started) must not knock on this simulator too.
        mgr = GlobalWebSocketManager(fast_settings(bithumb, ws_public_url="ws://127.0.0.1:9/websocket/v1"),
                                     connectors=[connector])
        changes: list[StateChange] = []
        mgr.add_state_listener(changes.append)
        view = View()
        try:
            mgr.register(view, [Spec("ticker", ("KRW-BTC",))], connection=PUBLIC)
            await mgr.start()
            await wait_until(lambda: any(c.retry_in_s == 42.0 for c in changes), within=5)
            held = next(c for c in changes if c.retry_in_s == 42.0)
            assert held.connection == PUBLIC and held.state is ConnState.RECONNECTING
            assert "429" in held.reason and "blocked" in held.reason
            assert bithumb.stats["rejected_blocked"] == 2  # no third knock during the hold
        finally:
            await mgr.shutdown()
