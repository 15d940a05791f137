"""Book/trade rings: bounded, ordered, fixed memory, shallow books, duplicate and REST trades."""

from __future__ import annotations

import numpy as np
import pytest

from tests.features.orderflow.books import T0, book, trade
from upbit_monitor.errors import ConfigError
from upbit_monitor.features.orderflow import BookHistory, TradeHistory
from upbit_monitor.features.orderflow.history import capacity_for


def test_book_ring_keeps_the_newest_capacity_snapshots_in_order() -> None:
    hist = BookHistory(50)
    size_before = hist.nbytes
    for i in range(180):
        hist.append(book(T0 + i * 100, 1000.0 + i))
    assert len(hist) == 50
    assert hist.appended == 180
    assert hist.nbytes == size_before  # preallocated: memory does not grow with time
    rows = hist.since(float("-inf"))
    assert rows.times.tolist() == [T0 + i * 100 for i in range(130, 180)]
    assert rows.bid_prices[:, 0].tolist() == [1000.0 + i for i in range(130, 180)]
    assert hist.oldest_time() == T0 + 13_000 and hist.newest_time() == T0 + 17_900


def test_since_includes_the_book_resting_at_the_start() -> None:
    hist = BookHistory(10)
    for i in range(5):
        hist.append(book(T0 + i * 1000, 100.0 + i))
    rows = hist.since(T0 + 2500)
    # 2000 was resting at 2500; 3000 and 4000 follow.
    assert rows.times.tolist() == [T0 + 2000, T0 + 3000, T0 + 4000]


def test_shallow_book_clears_the_slots_old_levels() -> None:
    hist = BookHistory(1)
    hist.append(book(T0, 100.0, levels=30))
    hist.append(book(T0 + 1, 100.0, levels=5))
    rows = hist.since(float("-inf"))
    assert (rows.bid_prices[0, 5:] == 0).all() and (rows.ask_sizes[0, 5:] == 0).all()
    assert (rows.bid_prices[0, :5] > 0).all()


def test_out_of_order_timestamp_is_clamped_not_reordered() -> None:
    hist = BookHistory(4)
    hist.append(book(T0 + 500, 100.0))
    hist.append(book(T0 + 400, 101.0))
    assert hist.since(float("-inf")).times.tolist() == [T0 + 500, T0 + 500]


def test_capacity_from_minutes() -> None:
    assert capacity_for(30, 10) == 18_000
    with pytest.raises(ConfigError):
        capacity_for(0, 10)
    # 30 minutes of a 10/s book: the stated budget (README) is under 16 MB per coin, trades included.
    assert BookHistory(capacity_for(30, 10)).nbytes + TradeHistory(capacity_for(30, 20)).nbytes < 16e6


def test_trade_ring_skips_repeats_and_stays_bounded() -> None:
    hist = TradeHistory(3)
    assert hist.append(trade(T0, 10.0, 1.0, True, 1))
    assert not hist.append(trade(T0, 10.0, 1.0, True, 1))  # a reconnect snapshot's repeat
    for seq in range(2, 6):
        hist.append(trade(T0 + seq, 10.0 + seq, 1.0, seq % 2 == 0, seq))
    rows = hist.since(float("-inf"))
    assert len(hist) == 3
    assert rows.prices.tolist() == [13.0, 14.0, 15.0]
    assert rows.buy.tolist() == [False, True, False]
    assert hist.since(T0 + 4).prices.tolist() == [14.0, 15.0]


def test_rest_history_merges_under_live_trades_without_duplicates() -> None:
    hist = TradeHistory(5)
    hist.append(trade(T0 + 300, 13.0, 1.0, True, 13))
    hist.append(trade(T0 + 400, 14.0, 1.0, True, 14))
    older = [trade(T0 + t, 10.0 + t / 100, 1.0, False, 10 + t // 100) for t in (300, 200, 100, 0)]
    assert hist.merge_history(older) == 3  # 13 was already there
    rows = hist.since(float("-inf"))
    assert rows.times.tolist() == [T0, T0 + 100, T0 + 200, T0 + 300, T0 + 400]
    assert hist.generation == 1
    assert hist.merge_history(older) == 0
    assert np.isclose(rows.prices, [10.0, 11.0, 12.0, 13.0, 14.0]).all()
