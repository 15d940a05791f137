"""Volume profile arithmetic on known trades: per-bin buy/sell, rows outside left out, POC."""

from __future__ import annotations

from tests.features.orderflow.books import T0, trade
from upbit_monitor.features.orderflow import TradeHistory, volume_profile


def rows_of(trades: list[tuple[float, float, bool]]) -> TradeHistory:
    hist = TradeHistory(100)
    for i, (price, volume, buy) in enumerate(trades):
        hist.append(trade(T0 + i, price, volume, buy, i + 1))
    return hist


def test_profile_bins_volume_by_side_and_marks_the_poc() -> None:
    hist = rows_of([(100.0, 1.0, True), (101.0, 2.0, False), (104.0, 0.5, True), (99.0, 4.0, False),
                    (100.5, 3.0, True), (200.0, 9.0, True)])  # the last one is above the rows
    # bins of 2: row 0 = [104,106), row 1 = [102,104), row 2 = [100,102), row 3 = [98,100)
    prof = volume_profile(hist.since(float("-inf")), 2.0, top_bin=52, n_rows=4)
    assert prof.buy.tolist() == [0.5, 0.0, 4.0, 0.0]
    assert prof.sell.tolist() == [0.0, 0.0, 2.0, 4.0]
    assert prof.poc == 2  # 6.0 at [100, 102)
    assert prof.total.sum() == 10.5  # the print at 200 is not on these rows


def test_poc_tie_goes_to_the_bin_nearest_the_last_price() -> None:
    hist = rows_of([(100.0, 2.0, True), (110.0, 2.0, False), (109.0, 0.0, True)])
    prof = volume_profile(hist.since(float("-inf")), 1.0, top_bin=110, n_rows=11)
    assert prof.poc == 0  # 110 and 100 tie; the last print (109) is nearer 110


def test_empty_profile_has_no_poc() -> None:
    prof = volume_profile(TradeHistory(4).since(0.0), 1.0, top_bin=10, n_rows=5)
    assert prof.poc is None and prof.total.tolist() == [0.0] * 5


def test_depth_curve_cumulates_outwards_from_the_touch() -> None:
    from tests.features.orderflow.books import book
    from upbit_monitor.features.orderflow.depth import depth_curve

    # bids 100, 99, 98; asks 101, 102, 103
    b = book(T0, 100.5, levels=3, sizes={100.0: 2.0, 99.0: 3.0, 101.0: 5.0})
    curve = depth_curve(b)
    assert curve.bid_prices.tolist() == [100.0, 99.0, 98.0]
    assert curve.bid_cum.tolist() == [2.0, 5.0, 6.0]
    assert curve.ask_prices.tolist() == [101.0, 102.0, 103.0]
    assert curve.ask_cum.tolist() == [5.0, 6.0, 7.0]
    assert curve.mid == 100.5 and curve.peak == 7.0
    assert curve.price_span() == (100.5 - 2.625, 100.5 + 2.625)  # furthest level 2.5 away, 5% margin
    valued = depth_curve(b, value=True)
    assert valued.bid_cum.tolist() == [200.0, 497.0, 595.0]
