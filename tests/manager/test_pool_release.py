"""Pool entries of (type, code) pairs that left the subscription set are dropped (no stale tape)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.manager.factories import candle, orderbook, ticker, trade
from tests.manager.simtools import running
from tests.manager.waiting import wait_until
from upbit_monitor.config import Settings
from upbit_monitor.manager import ConnState, GlobalWebSocketManager, StateChange
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec


class View:
    def on_event(self, ev: object) -> None:
        pass


def view_specs(code: str) -> list[Spec]:
    return [Spec("trade", (code,)), Spec("orderbook", (code,)), Spec("candle.1m", (code,))]


@pytest.mark.asyncio
async def test_unsubscribed_pairs_leave_the_pool_and_late_frames_are_not_stored() -> None:
    # Not started: no socket, so frames are fed exactly where the connection's reader feeds them.
    mgr = GlobalWebSocketManager(Settings(coalesce_window_s=0.0))
    try:
        view, coins = View(), View()
        mgr.register(coins, [Spec("ticker", ("KRW-BTC", "KRW-ETH"))])
        mgr.register(view, view_specs("KRW-BTC"))
        await wait_until(lambda: mgr.connection().desired == mgr.subscriptions())
        mgr._on_events("upbit-public", [trade(seq=1), orderbook(), candle(), ticker()], 1)
        assert mgr.recent_trades("KRW-BTC") and mgr.latest_orderbook("KRW-BTC") is not None
        v_trade, v_book = mgr.version("trade", "KRW-BTC"), mgr.version("orderbook", "KRW-BTC")

        mgr.update(view, view_specs("KRW-ETH"))  # coin switch
        await wait_until(lambda: mgr.connection().desired == mgr.subscriptions())
        assert mgr.recent_trades("KRW-BTC") == []
        assert mgr.latest_orderbook("KRW-BTC") is None
        assert mgr.latest_candle("KRW-BTC", "candle.1m") is None
        # Versions bump so a polling view repaints (empty).
        assert mgr.version("trade", "KRW-BTC") > v_trade
        assert mgr.version("orderbook", "KRW-BTC") > v_book
        # The ticker is still wanted by the coin list: kept.
        assert mgr.latest_ticker("KRW-BTC") is not None
        assert ("trade", "KRW-BTC") not in mgr.metrics()["upbit-public"].last_message_age_by_key

        # A frame the server sent before it processed the reduced request is not stored again.
        got: list[Any] = []
        mgr.add_listener(got.append, types={"trade"})
        mgr._on_events("upbit-public", [trade(seq=2)], 1)
        assert mgr.recent_trades("KRW-BTC") == [] and [t.sequential_id for t in got] == [2]

        # Back to BTC: the tape starts empty and fills with new fills only.
        mgr.update(view, view_specs("KRW-BTC"))
        await wait_until(lambda: mgr.connection().desired == mgr.subscriptions())
        assert mgr.recent_trades("KRW-BTC") == []
        mgr._on_events("upbit-public", [trade(seq=3)], 1)
        assert [t.sequential_id for t in mgr.recent_trades("KRW-BTC")] == [3]
    finally:
        await mgr.shutdown()


@pytest.mark.asyncio
async def test_coin_switch_against_the_simulator_drops_the_old_tape() -> None:
    async with running() as (_sim, mgr):
        view = View()
        mgr.register(view, view_specs("KRW-BTC"), callback=view.on_event)
        await wait_until(lambda: len(mgr.recent_trades("KRW-BTC")) >= 3, within=5.0)
        mgr.update(view, view_specs("KRW-ETH"))
        await wait_until(lambda: mgr.recent_trades("KRW-ETH"), within=5.0)
        # New ETH fills arrived after the switch; no BTC fill was stored since.
        assert mgr.recent_trades("KRW-BTC") == [] and mgr.latest_orderbook("KRW-BTC") is None


@pytest.mark.asyncio
async def test_data_survives_a_reconnect_and_metrics_mark_it_carried_over() -> None:
    async with running() as (sim, mgr):
        seen: list[tuple[bool, int]] = []

        def on_state(change: StateChange) -> None:
            if change.state is ConnState.RECONNECTING:
                seen.append((bool(mgr.recent_trades("KRW-BTC")),
                             mgr.metrics()["upbit-public"].carried_over_pairs))

        mgr.add_state_listener(on_state)
        view = View()
        mgr.register(view, view_specs("KRW-BTC"))
        await wait_until(lambda: mgr.recent_trades("KRW-BTC") and mgr.latest_orderbook("KRW-BTC"),
                         within=5.0)
        assert mgr.metrics()["upbit-public"].carried_over_pairs == 0
        sim.faults.drop_all()
        await wait_until(lambda: seen, within=5.0)
        kept, carried = seen[0]
        assert kept and carried >= 2  # trade + orderbook (+ candle) from the old session
        await wait_until(lambda: mgr.metrics()["upbit-public"].state is ConnState.CONNECTED
                         and mgr.metrics()["upbit-public"].epoch == 2)
        assert mgr.recent_trades("KRW-BTC")
