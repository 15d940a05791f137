"""Ladder levels: grouping into tick multiples, cumulative depth, size-change flashes."""

from __future__ import annotations

import pytest

from tests.ui.fake_source import book
from upbit_monitor.features.orderbook.flashes import FLASH_S, MAX_ACTIVE, MIN_SHARE, SizeFlashes
from upbit_monitor.features.orderbook.levels import Level, grouped_levels, native_levels
from upbit_monitor.protocol.events import OrderbookUnit


def test_native_levels_carry_cumulative_size_from_the_best_price() -> None:
    b = book("KRW-BTC", 95_000_000, depth=5, tick=1000, size=1.0)  # asks 1.0,1.1.. bids 1.0,1.2..
    asks, bids = native_levels(b.orderbook_units, 3)
    assert [lv.price for lv in asks] == [95_001_000, 95_002_000, 95_003_000]
    assert [lv.cum for lv in asks] == pytest.approx([1.0, 2.1, 3.3])
    assert [lv.cum for lv in bids] == pytest.approx([1.0, 2.2, 3.6])


def test_empty_levels_are_skipped() -> None:
    units = (OrderbookUnit(101.0, 100.0, 1.0, 2.0), OrderbookUnit(0.0, 99.0, 0.0, 3.0))
    asks, bids = native_levels(units, 15)
    assert asks == [Level(101.0, 1.0, 1.0)]
    assert bids == [Level(100.0, 2.0, 2.0), Level(99.0, 3.0, 5.0)]


def test_grouping_sums_sizes_into_tick_multiples() -> None:
    # Tick 1,000 at 95,000,000: group 5 -> 5,000 KRW buckets; asks round up, bids down.
    b = book("KRW-BTC", 95_000_000, depth=30, tick=1000, size=1.0)
    asks, bids = grouped_levels(b.code, b.orderbook_units, 15, 5)
    units = b.orderbook_units
    # Asks 95,001,000 .. 95,005,000 -> bucket 95,005,000; bids 95,000,000 alone -> 95,000,000,
    # then 94,999,000 .. 94,995,000 -> 94,995,000.
    assert asks[0].price == 95_005_000
    assert asks[0].size == pytest.approx(sum(u.ask_size for u in units[0:5]))
    assert asks[1].price == 95_010_000
    assert bids[0] == Level(95_000_000, units[0].bid_size, units[0].bid_size)
    assert bids[1].price == 94_995_000
    assert bids[1].size == pytest.approx(sum(u.bid_size for u in units[1:6]))
    # Cumulative sums the buckets; the total is the native total over the kept buckets.
    assert asks[-1].cum == pytest.approx(sum(lv.size for lv in asks))
    # 30 asks in buckets of 5 = 6 full buckets (95,030,000 is a complete edge);
    # 30 bids: 1 + 5*5 full + 4 cut short -> the cut bucket is dropped.
    assert len(asks) == 6 and len(bids) == 6
    assert bids[-1].price == 94_975_000


def test_group_one_is_the_native_ladder_and_depth_caps_buckets() -> None:
    b = book("KRW-BTC", 95_000_000, depth=30, tick=1000)
    assert grouped_levels(b.code, b.orderbook_units, 15, 1) == native_levels(b.orderbook_units, 15)
    asks, bids = grouped_levels(b.code, b.orderbook_units, 2, 2)
    assert len(asks) == 2 and len(bids) == 2


def test_small_prices_group_without_float_noise() -> None:
    b = book("KRW-XRP", 812.0, depth=30, tick=1.0)  # tick 1 from 100 KRW
    asks, bids = grouped_levels(b.code, b.orderbook_units, 15, 10)
    assert [lv.price for lv in asks[:2]] == [820.0, 830.0]
    assert [lv.price for lv in bids[:2]] == [810.0, 800.0]


def test_flashes_mark_only_same_price_size_changes_and_fade() -> None:
    f = SizeFlashes()
    assert f.update([(("bid", 100.0), 1.0), (("bid", 99.0), 2.0)], now=0.0, compare=False) == set()
    # 100 changes size; 99 unchanged; 98 is new (the grid moved): only 100 flashes.
    started = f.update([(("bid", 100.0), 1.5), (("bid", 99.0), 2.0), (("bid", 98.0), 4.0)], now=1.0)
    assert started == {("bid", 100.0)}
    assert f.strength(("bid", 100.0), 1.0) == 1.0
    assert 0 < f.strength(("bid", 100.0), 1.0 + FLASH_S / 2) < 1
    # A busy feed: every later snapshot drops ended flashes first (they used to pile up).
    f.update([(("bid", 100.0), 1.5), (("bid", 99.0), 2.5), (("bid", 98.0), 4.0)], now=1.0 + FLASH_S)
    assert f.active() == {("bid", 99.0)}
    # A level that leaves the ladder stops flashing at once.
    f.update([(("bid", 100.0), 1.5)], now=1.0 + FLASH_S + 0.01)
    assert f.active() == set()


def test_small_changes_do_not_flash_and_only_a_few_flash_at_once() -> None:
    f = SizeFlashes()
    keys = [("ask", 100.0 + i) for i in range(10)]
    f.update([(k, 10.0) for k in keys], now=0.0, compare=False)
    # 10.0 -> 10.5 on a ladder whose biggest size is 10: under MIN_SHARE of it, no flash.
    assert f.update([(k, 10.0 + 0.9 * MIN_SHARE * 10.0) for k in keys], now=1.0, scale=10.0) == set()
    # Every level changes a lot: only the MAX_ACTIVE biggest changes flash.
    sizes = [(k, 20.0 + i) for i, k in enumerate(keys)]
    started = f.update(sizes, now=2.0, scale=30.0)
    assert started == set(keys[-MAX_ACTIVE:]) and f.active() == started
    # The next burst replaces them rather than adding to them.
    sizes = [(k, 1.0) if i < 2 else (k, 20.0 + i) for i, k in enumerate(keys)]
    f.update(sizes, now=2.1, scale=30.0)
    assert len(f.active()) == MAX_ACTIVE and set(keys[:2]) <= f.active()
