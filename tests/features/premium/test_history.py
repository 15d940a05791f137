"""Premium history (features/premium/history.py): bounded series, background sampling, gap breaks."""

from __future__ import annotations

import math

import pytest

from tests.ui.fake_source import ticker
from tests.ui.premium.test_columns import RATE, Clock, Source, feed_binance
from upbit_monitor.exchanges.quotes import make_quote
from upbit_monitor.features.premium.domestic import DomesticSpread
from upbit_monitor.features.premium.history import BACKGROUND_S, GAP_S, HISTORY_S, SeriesStore, with_gaps
from upbit_monitor.features.premium.tracker import PremiumTracker


def test_series_store_bounds_age_length_and_series() -> None:
    store = SeriesStore(points=3, series=2)
    for t in range(5):
        store.record("a", float(t), float(t))
    assert store.get("a") == [(2.0, 2.0), (3.0, 3.0), (4.0, 4.0)]  # length
    store.record("b", 5.0, 1.0)
    store.record("a", 6.0, 6.0)  # "a" is the most recent now
    store.record("c", 7.0, 1.0)  # a third series: the least recently sampled ("b") goes
    assert "b" not in store and "a" in store and len(store) == 2
    store.record("a", 6.0 + HISTORY_S + 1, 0.0)  # age: everything older than an hour is dropped
    assert store.get("a") == [(6.0 + HISTORY_S + 1, 0.0)]


def test_with_gaps_breaks_only_long_holes() -> None:
    b = BACKGROUND_S
    points = [(0.0, 1.0), (1.0, 1.1), (1.0 + b, 1.2), (1.0 + b + 300, 2.0), (302.0 + b, 2.1)]
    xs, ys = with_gaps(points)
    assert len(xs) == len(points) + 1  # one break: the 5-minute hole, not the 10 s background step
    nan_at = [i for i, y in enumerate(ys) if math.isnan(y)]
    assert nan_at == [3] and points[2][0] < xs[3] < points[3][0]
    assert with_gaps([]) == ([], [])
    assert GAP_S > BACKGROUND_S


def test_tracker_samples_every_shown_coin_in_the_background() -> None:
    src = Source()
    src.put_ticker(ticker("KRW-USDT", RATE))
    src.put_ticker(ticker("KRW-BTC", 140_000_000.0))
    src.put_ticker(ticker("KRW-ETH", 5_000_000.0))
    src.put_ticker(ticker("KRW-XRP", 3_000.0))
    wall = Clock()
    tracker = PremiumTracker(src, wall=wall)
    tracker.set_codes(["KRW-BTC", "KRW-ETH", "KRW-XRP"])
    feed_binance(src)  # BTC and ETH have a Binance quote, XRP none
    assert tracker.sample_all() == 2
    assert tracker.sample_all() == 0  # not due again within BACKGROUND_S
    wall.now += BACKGROUND_S
    src.emit(make_quote("binance", "BTCUSDT", 100_000.0))
    assert tracker.sample_all() == 2
    eth = tracker.history("KRW-ETH", "binance")  # never selected, yet it has a history
    assert [t for t, _ in eth] == [100.0, 100.0 + BACKGROUND_S]
    assert eth[-1][1] == pytest.approx(-1.0)
    assert tracker.history("KRW-XRP", "binance") == [] and tracker.history("KRW-ETH", "bybit") == []


def test_domestic_spread_samples_every_shown_coin() -> None:
    from tests.features.premium.test_domestic_spread import FakeSource

    src = FakeSource()
    wall = Clock()
    spread = DomesticSpread(src, wall=wall)
    spread.set_codes(["KRW-BTC", "KRW-ETH"])
    for venue, price in (("upbit", 100.0), ("bithumb", 101.0)):
        spread._listener(venue)(ticker("KRW-BTC", price))
    assert spread.sample_all("bithumb") == 1 and spread.sample_all("bithumb") == 0
    assert spread.history("KRW-BTC") == [(100.0, pytest.approx(100 / 101 * 100 - 100))]
    assert spread.history("KRW-ETH") == []
