"""Footprint arithmetic on known trades: bins by side, delta, POC, diagonal imbalances, candles
split by time, and the incremental book equal to a full computation."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tests.features.orderflow.books import T0, trade
from upbit_monitor.errors import ConfigError
from upbit_monitor.features.orderflow import TradeHistory
from upbit_monitor.features.orderflow.footprint import FootprintBook, footprints

MIN = 60_000
START = (T0 // MIN) * MIN


def history(rows: list[tuple[float, float, float, bool]]) -> TradeHistory:
    hist = TradeHistory(1000)
    for seq, (t, price, volume, buy) in enumerate(rows, start=1):
        hist.append(trade(t, price, volume, buy, seq))
    return hist


def test_one_candle_bins_delta_poc_and_imbalances() -> None:
    hist = history([
        (START + 1, 100.0, 2.0, False),
        (START + 2, 101.0, 9.0, True),   # buys at 101 vs sells at 100 (2): 9 >= 3 x 2 -> buy imbalance
        (START + 3, 101.0, 1.0, False),
        (START + 4, 102.0, 1.0, True),   # 1 < 3 x 1 (sells at 101): no imbalance
        (START + 5, 100.0, 1.0, True),   # lowest bin: nothing below inside the candle -> never flagged
        (START + 6, 102.0, 6.0, False),  # sells at 102 vs buys at 103 (outside the candle): not flagged
    ])
    (c,) = footprints(hist.since(float("-inf")), MIN, 1.0)
    assert c.start_ms == START and c.low_bin == 100 and c.high_bin == 102
    assert c.buy.tolist() == [1.0, 9.0, 1.0]
    assert c.sell.tolist() == [2.0, 1.0, 6.0]  # sells at 100 (2) vs buys at 101 (9): no sell imbalance
    assert c.delta == 11.0 - 9.0 and c.volume == 20.0
    assert c.poc == 1  # 10 at 101
    assert c.buy_imbalance.tolist() == [False, True, False]
    assert c.sell_imbalance.tolist() == [False, False, False]
    assert (c.open, c.high, c.low, c.close) == (100.0, 102.0, 100.0, 102.0)


def test_sell_imbalance_and_empty_neighbour_counts_as_zero() -> None:
    hist = history([(START + 1, 10.0, 5.0, False), (START + 2, 12.0, 1.0, True),
                    (START + 3, 11.0, 0.5, True)])
    (c,) = footprints(hist.since(float("-inf")), MIN, 1.0)
    # sells at 10 (5) vs buys at 11 (0.5): sell imbalance; buys at 12 vs sells at 11 (none): buy imbalance
    assert c.sell_imbalance.tolist() == [True, False, False]
    assert c.buy_imbalance.tolist() == [False, False, True]


def test_candles_split_by_time_and_grouped_bins() -> None:
    hist = history([(START + 10, 100.0, 1.0, True), (START + MIN + 5, 101.0, 2.0, False),
                    (START + MIN + 9, 104.0, 3.0, True), (START + 3 * MIN, 100.0, 1.0, True)])
    candles = footprints(hist.since(float("-inf")), MIN, 5.0)
    # The empty minute is left out.
    assert [c.start_ms for c in candles] == [START, START + MIN, START + 3 * MIN]
    assert candles[1].low_bin == 20 and candles[1].sell.tolist() == [2.0] and candles[1].buy.tolist() == [3.0]
    with pytest.raises(ConfigError):
        footprints(hist.since(0.0), 500, 1.0)


def test_incremental_book_equals_full_computation() -> None:
    rng = random.Random(5)
    hist = TradeHistory(20_000)
    fp = FootprintBook(MIN, 2.0)
    t, price, seq = float(START), 1000.0, 0
    for _ in range(400):
        for _ in range(rng.randint(0, 6)):
            t += rng.uniform(0, 3000)
            price += rng.choice((-1, 0, 1))
            seq += 1
            hist.append(trade(t, price, rng.uniform(0.1, 5), rng.random() < 0.5, seq))
        fp.update(hist)
    full = footprints(hist.since(float("-inf")), MIN, 2.0)
    assert len(fp.candles) == len(full) > 10
    for a, b in zip(fp.candles, full, strict=True):
        assert a.start_ms == b.start_ms and a.low_bin == b.low_bin
        np.testing.assert_allclose(a.buy, b.buy)
        np.testing.assert_allclose(a.sell, b.sell)
        assert (a.buy_imbalance == b.buy_imbalance).all() and (a.sell_imbalance == b.sell_imbalance).all()
    assert fp.recomputed < 400 * 2  # one or two candles per update, not all of them
