"""A click's request: sent from inside the click, without replaying the snapshots the app already has."""

from __future__ import annotations

import json

import pytest

from tests.manager.simtools import Comp, running, subscription_requests, wire_set
from tests.manager.waiting import wait_until
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec
from upbit_monitor.sim.server import Simulator

PUBLIC = "upbit-public"


def sent(mgr: GlobalWebSocketManager) -> int:
    return int(mgr.metrics()[PUBLIC].requests_sent)


async def subscribed(sim: Simulator, mgr: GlobalWebSocketManager, lst: Comp, view: Comp) -> None:
    """The market list (tickers) and a view's coin, both first delivered."""
    mgr.register(lst, [Spec("ticker", ("KRW-BTC", "KRW-ETH", "KRW-XRP"))], callback=lst.on_event)
    mgr.register(view, [Spec("orderbook", ("KRW-BTC",))], callback=view.on_event)
    await wait_until(lambda: len(lst.events) >= 3 and view.events, 5.0)
    assert len(subscription_requests(sim)) == 1


@pytest.mark.asyncio
async def test_flush_sends_a_leading_change_before_the_loop_turns() -> None:
    # No window: every change is a leading edge, so the test needs no timing.
    async with running(coalesce_window_s=0.0) as (sim, mgr):
        lst, view = Comp(), Comp()
        await subscribed(sim, mgr, lst, view)
        before = sent(mgr)
        mgr.update(view, [Spec("orderbook", ("KRW-ETH",))])
        assert sent(mgr) == before  # coalesced: nothing yet
        mgr.flush()
        # On the wire now: no call_soon flush and no sender task wake-up in between.
        assert sent(mgr) == before + 1
        assert not mgr._book.flush_handles
        req = await sim.wait_for_request(after=1)
        assert wire_set(req.text) == {"ticker": ["KRW-BTC", "KRW-ETH", "KRW-XRP"], "orderbook": ["KRW-ETH"]}
        await wait_until(lambda: any(getattr(e, "code", "") == "KRW-ETH" for e in view.events), 5.0)


@pytest.mark.asyncio
async def test_flush_leaves_a_change_inside_the_window_to_the_window() -> None:
    async with running(coalesce_window_s=30.0) as (sim, mgr):
        lst, view = Comp(), Comp()
        await subscribed(sim, mgr, lst, view)
        before = sent(mgr)
        mgr.update(view, [Spec("orderbook", ("KRW-ETH",))])
        mgr.flush()  # right after a request: Upbit's 5/s is kept by the window, not bypassed
        assert sent(mgr) == before
        assert PUBLIC in mgr._book.flush_handles
        assert len(subscription_requests(sim)) == 1


@pytest.mark.asyncio
async def test_a_switch_asks_unchanged_entries_for_the_stream_only() -> None:
    async with running(coalesce_window_s=0.0) as (sim, mgr):
        lst, view = Comp(), Comp()
        await subscribed(sim, mgr, lst, view)
        first = json.loads(subscription_requests(sim)[0].text)
        assert not any("is_only_realtime" in obj for obj in first)  # a new socket: every snapshot
        tickers = len(lst.events)
        mgr.update(view, [Spec("orderbook", ("KRW-ETH",))])
        mgr.flush()
        req = await sim.wait_for_request(after=1)
        objects = {obj["type"]: obj for obj in json.loads(req.text) if "type" in obj}
        assert objects["ticker"].get("is_only_realtime") is True
        assert "is_only_realtime" not in objects["orderbook"]
        await wait_until(lambda: any(getattr(e, "code", "") == "KRW-ETH" for e in view.events), 5.0)
        # The new coin's book came as a snapshot; no ticker snapshot was replayed for the list.
        assert next(e for e in view.events if e.code == "KRW-ETH").stream_type == "SNAPSHOT"
        assert not [e for e in lst.events[tickers:] if e.stream_type == "SNAPSHOT"]
