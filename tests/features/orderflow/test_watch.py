"""Recorders against the simulator: they record every book and print of their coin, are shared per
coin, and release their subscriptions (registrations back to baseline) when the last holder goes."""

from __future__ import annotations

import gc

import pytest

from tests.features.orderflow.books import T0, book, trade
from tests.manager.simtools import running
from tests.manager.waiting import wait_until
from upbit_monitor.connection.rest import RestClient
from upbit_monitor.errors import RestError
from upbit_monitor.features.orderflow import FlowHub
from upbit_monitor.features.orderflow.watch import load_recent_trades
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.events import Trade


def codes_of(mgr: GlobalWebSocketManager, type_: str) -> set[str]:
    return {c for r in mgr.registrations() for s in r.specs if s.type == type_ for c in s.codes}


@pytest.mark.asyncio
async def test_recorder_fills_and_is_released_with_its_last_holder() -> None:
    async with running() as (_sim, mgr):
        baseline = len(mgr.registrations())
        hub = FlowHub(mgr, minutes=1.0)
        first = hub.watch("KRW-BTC")
        second = hub.watch("KRW-BTC")
        assert first is second  # two panes on one coin share one history
        other = hub.watch("KRW-ETH")
        assert len(mgr.registrations()) == baseline + 2
        assert codes_of(mgr, "orderbook") == {"KRW-BTC", "KRW-ETH"}
        books, trades = first.book, first.trades  # the waits below must not hold the recorder
        await wait_until(lambda: len(books) >= 3 and len(trades) >= 1, within=10.0)
        rows = books.since(float("-inf"))
        assert (rows.bid_prices[:, 0] > 0).all() and (rows.times[1:] >= rows.times[:-1]).all()
        assert books.capacity == 600  # 1 minute at 10 books/s

        del first, second  # the pane closed (or switched coin)
        gc.collect()
        await wait_until(lambda: len(mgr.registrations()) == baseline + 1)
        assert hub.watched() == ["KRW-ETH"]
        assert codes_of(mgr, "orderbook") == {"KRW-ETH"}
        del other
        gc.collect()
        await wait_until(lambda: len(mgr.registrations()) == baseline)
        assert hub.watched() == []


@pytest.mark.asyncio
async def test_rest_trade_history_is_merged_and_a_failure_is_reported() -> None:
    async with running() as (sim, mgr):
        rest = RestClient(sim.rest_url)
        probe = FlowHub(mgr, minutes=1.0).watch("KRW-BTC")  # lets the simulator print some trades first
        await wait_until(lambda: len(probe.trades) >= 5, within=10.0)
        hub = FlowHub(mgr, minutes=1.0, trade_loader=lambda code: load_recent_trades(rest, code))
        rec = hub.watch("KRW-XRP")
        await wait_until(lambda: rec.trades.generation == 1, within=10.0)
        rows = rec.trades.since(float("-inf"))
        assert len(rows) >= 1 and (rows.times[1:] >= rows.times[:-1]).all()
        assert hub.history_problem == {}

        async def broken(code: str) -> list[Trade]:
            raise RestError("429 Too Many Requests", status=429)

        failing = FlowHub(mgr, minutes=1.0, trade_loader=broken)
        other = failing.watch("KRW-ETH")
        await wait_until(lambda: "KRW-ETH" in failing.history_problem)
        assert "429" in failing.history_problem["KRW-ETH"]
        assert other.trades.generation == 0  # the live stream is untouched
        await hub.close()
        await failing.close()


class VenueFake:
    """A source that follows a venue, like the app's VenueSource."""

    venue = "upbit"

    def want(self, component: object, specs: object, *, callback: object = None) -> None:
        return None

    def latest_orderbook(self, code: str) -> None:
        return None

    def recent_trades(self, code: str, n: int = 100) -> list[Trade]:
        return []


def test_a_venue_switch_starts_the_history_over() -> None:
    src = VenueFake()
    rec = FlowHub(src, minutes=1.0).watch("KRW-XRP")
    rec.on_event(book(T0, 100.0))
    rec.on_event(trade(T0, 100.0, 1.0, True, 1))
    rec.on_event(book(T0 + 100, 100.0, code="KRW-ETH"))  # another coin's event is not recorded
    assert (len(rec.book), len(rec.trades), rec.resets) == (1, 1, 0)
    src.venue = "bithumb"
    rec.on_event(book(T0 + 200, 101.0))
    assert (len(rec.book), len(rec.trades), rec.resets) == (1, 0, 1)
    assert rec.book.newest_time() == T0 + 200
