"""Domestic spread arithmetic with an injected clock (15 s freshness), and live against both simulators."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

import pytest

from tests.manager.factories import ticker
from tests.manager.simtools import fast_settings
from tests.manager.waiting import wait_until
from upbit_monitor.features.premium.domestic import DomesticSpread, spread_percent
from upbit_monitor.manager import GlobalWebSocketManager
from upbit_monitor.protocol.subscriptions import SubscriptionSpec
from upbit_monitor.sim.bithumb import BithumbSimulator, WanderingSpread
from upbit_monitor.sim.server import Simulator


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class FakeSource:
    def __init__(self) -> None:
        self.listeners: dict[str, Callable[[Any], None]] = {}
        self.registered: dict[str, tuple[str, ...]] = {}

    def want(self, component: object, specs: Sequence[SubscriptionSpec], *, connection: str = "",
             unregister_empty: bool = False) -> None:
        if specs:
            self.registered[connection] = specs[0].codes

    def unregister(self, component: object) -> None:
        pass

    def add_listener(self, callback: Callable[[Any], None], *, types: Collection[str] | None = None,
                     venues: Collection[str] | None = None) -> Callable[[], None]:
        assert venues is not None
        [venue] = venues
        self.listeners[venue] = callback
        return lambda: None


def test_spread_percent() -> None:
    assert spread_percent(100.0, 101.0) == pytest.approx(1.0)
    assert spread_percent(101.0, 100.0) == pytest.approx(-0.990099, rel=1e-5)
    with pytest.raises(ValueError):
        spread_percent(0.0, 1.0)


def test_spread_needs_both_prices_fresh_within_15_s() -> None:
    clock, source = Clock(), FakeSource()
    tracker = DomesticSpread(source, clock=clock, wall=clock)
    tracker.set_codes(["KRW-BTC", "BTC-ETH"])
    assert source.registered == {"upbit-public": ("KRW-BTC",), "bithumb-public": ("KRW-BTC",)}
    source.listeners["upbit"](ticker("KRW-BTC", price=100_000_000.0))
    assert tracker.spread("KRW-BTC") is None  # Bithumb's price not known yet
    clock.t += 10.0
    source.listeners["bithumb"](ticker("KRW-BTC", price=100_500_000.0))
    assert tracker.spread("KRW-BTC") == pytest.approx(0.5)
    assert tracker.spread("KRW-BTC", "bithumb") == pytest.approx(-0.497512, rel=1e-5)
    assert tracker.has_fresh()
    clock.t += 5.0  # Upbit's price is exactly 15 s old: still fresh
    assert tracker.spread("KRW-BTC") == pytest.approx(0.5)
    clock.t += 0.001  # now it is stale: hidden, not shown old
    assert tracker.spread("KRW-BTC") is None and not tracker.has_fresh()
    source.listeners["upbit"](ticker("KRW-BTC", price=101_000_000.0))
    assert tracker.sample("KRW-BTC") == pytest.approx(100.5 / 101 * 100 - 100)
    assert tracker.history("KRW-BTC") == [(clock.t, pytest.approx(100.5 / 101 * 100 - 100))]


@pytest.mark.asyncio
async def test_spread_from_both_simulators_is_the_configured_one() -> None:
    async with Simulator(seed=7, msg_rate=800, n_krw_markets=15) as upbit:
        async with BithumbSimulator(beside=upbit, spread=WanderingSpread(base=0.01, amplitude=0.0)) as bt:
            mgr = GlobalWebSocketManager(fast_settings(upbit, bithumb_ws_url=bt.ws_url))
            await mgr.start()
            tracker = DomesticSpread(mgr)
            try:
                tracker.set_codes(["KRW-BTC", "KRW-ETH"])
                await wait_until(lambda: tracker.spread("KRW-BTC") is not None
                                 and tracker.spread("KRW-ETH") is not None, within=5)
                # Both venues quote the same model; only the tick rounding and the moment each
                # ticker was sent separate the result from +1 %.
                assert tracker.spread("KRW-BTC") == pytest.approx(1.0, abs=0.3)
                assert tracker.spread("KRW-ETH") == pytest.approx(1.0, abs=0.3)
            finally:
                tracker.close()
                await mgr.shutdown()


def test_premium_chart_draws_a_bithumb_line(qtbot: Any) -> None:
    from tests.ui.fake_source import ticker as ui_ticker
    from tests.ui.premium.test_columns import RATE, Source
    from upbit_monitor.ui.premium.chart import PremiumChart
    from upbit_monitor.ui.premium.columns import PremiumTracker

    quotes = Source()
    quotes.put_ticker(ui_ticker("KRW-USDT", RATE))
    quotes.put_ticker(ui_ticker("KRW-BTC", 140_000_000.0))
    clock, prices = Clock(), FakeSource()
    domestic = DomesticSpread(prices, clock=clock, wall=clock)
    domestic.set_codes(["KRW-BTC"])
    prices.listeners["upbit"](ticker("KRW-BTC", price=101.0))
    prices.listeners["bithumb"](ticker("KRW-BTC", price=100.0))
    chart = PremiumChart(PremiumTracker(quotes), interval_ms=60_000, domestic=domestic)
    qtbot.addWidget(chart)
    chart.set_code("KRW-BTC")
    chart.tick()
    _, ys = chart.curves["bithumb"].getData()
    assert ys[-1] == pytest.approx(1.0)  # Upbit 1 % over Bithumb, like a premium
    assert "Bithumb +1.00%" in chart.title.full_text()
