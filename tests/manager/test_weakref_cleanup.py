"""Components die -> their subscriptions leave the request on the wire (plain objects and Qt widgets).

Qt deferred deletes are processed by awaiting on the qasync loop (never qtbot.wait inside a coroutine).
"""

from __future__ import annotations

import gc
from typing import Any

import pytest
import shiboken6
from msgspec.structs import replace
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from tests.manager.simtools import running, subscription_requests, wire_set
from tests.manager.waiting import wait_until
from tests.protocol.samples import TICKER
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.subscriptions import SubscriptionSpec as Spec
from upbit_monitor.sim.server import Simulator


class Plain:
    def __init__(self) -> None:
        self.events: list[Any] = []
        self.me = self  # a reference cycle: only the cyclic GC can free it

    def on_event(self, ev: object) -> None:
        self.events.append(ev)


def last_wire(sim: Simulator) -> dict[str, list[str]]:
    reqs = subscription_requests(sim)
    return wire_set(reqs[-1].text) if reqs else {}


async def subscribed(sim: Simulator, want: dict[str, list[str]]) -> None:
    await wait_until(lambda: last_wire(sim) == want)


def names(mgr: GlobalWebSocketManager) -> list[str]:
    return sorted(r.component_name for r in mgr.registrations())


@pytest.mark.asyncio
async def test_plain_object_collected_by_gc() -> None:
    async with running() as (sim, mgr):
        keep, doomed = Plain(), Plain()
        mgr.register(keep, [Spec("ticker", ("KRW-BTC",))], callback=keep.on_event)
        mgr.register(doomed, [Spec("ticker", ("KRW-ETH",))], callback=doomed.on_event)
        await subscribed(sim, {"ticker": ["KRW-BTC", "KRW-ETH"]})
        del doomed
        gc.collect()
        await subscribed(sim, {"ticker": ["KRW-BTC"]})
        assert len(mgr.registrations()) == 1


@pytest.mark.asyncio
async def test_parentless_widget_del() -> None:
    async with running() as (sim, mgr):
        keep = Plain()
        w = QWidget()
        w.setObjectName("orderbook")
        mgr.register(keep, [Spec("ticker", ("KRW-BTC",))])
        mgr.register(w, [Spec("orderbook", ("KRW-ETH",), depth=15)])
        await subscribed(sim, {"ticker": ["KRW-BTC"], "orderbook": ["KRW-ETH.15"]})
        assert names(mgr) == ["Plain", "QWidget 'orderbook'"]
        del w  # last reference: C++ object deleted, weakref + destroyed fire
        await subscribed(sim, {"ticker": ["KRW-BTC"]})
        assert names(mgr) == ["Plain"]


@pytest.mark.asyncio
async def test_parented_widget_lives_until_parent_deleted() -> None:
    async with running() as (sim, mgr):
        keep = Plain()
        parent = QWidget()
        child = QWidget(parent)
        mgr.register(keep, [Spec("ticker", ("KRW-BTC",))])
        mgr.register(child, [Spec("trade", ("KRW-ETH",))])
        await subscribed(sim, {"ticker": ["KRW-BTC"], "trade": ["KRW-ETH"]})
        n = len(subscription_requests(sim))
        del child  # the parent still owns the C++ widget: it is alive and must stay subscribed
        gc.collect()
        await wait_until(lambda: mgr.latest_ticker("KRW-BTC") is not None)
        assert len(subscription_requests(sim)) == n and len(mgr.registrations()) == 2
        del parent  # deletes the child too: its destroyed signal fires
        gc.collect()
        await subscribed(sim, {"ticker": ["KRW-BTC"]})
        assert names(mgr) == ["Plain"]


@pytest.mark.asyncio
async def test_delete_later_processed_by_awaiting_the_loop() -> None:
    async with running() as (sim, mgr):
        keep = Plain()
        w = QWidget()
        mgr.register(keep, [Spec("ticker", ("KRW-BTC",))])
        mgr.register(w, [Spec("ticker", ("KRW-XRP",)), Spec("candle.1m", ("KRW-XRP",))])
        await subscribed(sim, {"ticker": ["KRW-BTC", "KRW-XRP"], "candle.1m": ["KRW-XRP"]})
        w.deleteLater()
        # The Python name `w` still holds the wrapper, so only `destroyed` can tell us; the deferred
        # delete runs when the qasync loop processes Qt events while we await.
        await subscribed(sim, {"ticker": ["KRW-BTC"]})
        assert names(mgr) == ["Plain"]
        del w


@pytest.mark.asyncio
async def test_two_widgets_removed_in_one_window_send_one_request() -> None:
    async with running() as (sim, mgr):
        keep = Plain()
        a, b = QWidget(), QWidget()
        mgr.register(keep, [Spec("ticker", ("KRW-BTC",))])
        mgr.register(a, [Spec("ticker", ("KRW-ETH",))])
        mgr.register(b, [Spec("ticker", ("KRW-SOL",))])
        await subscribed(sim, {"ticker": ["KRW-BTC", "KRW-ETH", "KRW-SOL"]})
        n = len(subscription_requests(sim))
        del a, b
        await subscribed(sim, {"ticker": ["KRW-BTC"]})
        assert len(subscription_requests(sim)) == n + 1


@pytest.mark.asyncio
async def test_unregistered_widget_destroyed_later_is_harmless() -> None:
    async with running() as (sim, mgr):
        keep = Plain()
        w = QWidget()
        mgr.register(keep, [Spec("ticker", ("KRW-BTC",))])
        mgr.register(w, [Spec("ticker", ("KRW-ETH",))])
        await subscribed(sim, {"ticker": ["KRW-BTC", "KRW-ETH"]})
        mgr.unregister(w)  # disconnects our destroyed-slot
        await subscribed(sim, {"ticker": ["KRW-BTC"]})
        n = len(subscription_requests(sim))
        mgr.register(w, [Spec("ticker", ("KRW-SOL",))])  # the same widget can register again
        await subscribed(sim, {"ticker": ["KRW-BTC", "KRW-SOL"]})
        w.deleteLater()
        await subscribed(sim, {"ticker": ["KRW-BTC"]})
        assert len(subscription_requests(sim)) == n + 2 and names(mgr) == ["Plain"]
        del w


class _Ladder(QWidget):
    """A view whose callback reads a child QObject, as OrderbookView reads its model."""

    def __init__(self) -> None:
        super().__init__()
        self.model = QObject(self)
        self.model.setObjectName("model")
        self.seen = 0

    def on_event(self, ev: object) -> None:
        self.model.objectName()  # RuntimeError once Qt has deleted the child
        self.seen += 1


@pytest.mark.asyncio
async def test_a_destroyed_widget_gets_no_event_before_its_cleanup_runs() -> None:
    # QWidget's destructor deletes the children first and emits ``destroyed`` last; the registry's
    # cleanup waits for the loop. An event batch routed in between must not reach the dead view.
    async with running() as (_sim, mgr):
        w = _Ladder()
        mgr.register(w, [Spec("ticker", ("KRW-BTC",))], callback=w.on_event)
        await wait_until(lambda: w.seen > 0)
        seen, errors = w.seen, mgr.metrics()["upbit-public"].callback_errors
        shiboken6.delete(w)  # the Python name still holds the wrapper: only ``destroyed`` tells
        conn = mgr.connection()
        mgr._router.dispatch("upbit-public", [replace(TICKER, epoch=conn.epoch)], conn.epoch)
        assert w.seen == seen
        assert mgr.metrics()["upbit-public"].callback_errors == errors == 0
        await wait_until(lambda: mgr.registrations() == [])
