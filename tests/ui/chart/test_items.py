"""Bar series merge rules and per-bar picture caching of the candle/volume items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.ui.chart.support import demo_candles, make_candle
from upbit_monitor.ui.chart.axes import format_volume, kst_ticks
from upbit_monitor.ui.chart.series import Bar, BarSeries, Change, bar_from_candle
from upbit_monitor.ui.chart.view import ChartView
from upbit_monitor.ui.common.formatting import format_price

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def test_bar_from_candle_uses_utc_start():
    c = make_candle("KRW-BTC", 1, T0, 1, 3, 0.5, 2, 10)
    bar = bar_from_candle(c)
    assert bar.t == int(T0.timestamp())
    assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (1, 3, 0.5, 2, 10)


def test_series_apply_update_append_insert_ignore():
    s = BarSeries(60)
    s.replace([Bar(120, 1, 1, 1, 1, 1), Bar(0, 1, 1, 1, 1, 1)])
    assert s.starts == [0, 120]
    assert s.apply(Bar(180, 2, 2, 2, 2, 2)).change is Change.APPENDED
    res = s.apply(Bar(180, 2, 3, 2, 3, 4))
    assert (res.change, res.index) == (Change.UPDATED, 2)
    assert s.apply(Bar(180, 2, 3, 2, 3, 4)).change is Change.IGNORED
    res = s.apply(Bar(60, 5, 5, 5, 5, 5))
    assert (res.change, res.index) == (Change.INSERTED, 1)
    assert s.starts == [0, 60, 120, 180]


def test_series_nearest_and_extent():
    s = BarSeries(60)
    s.replace([Bar(0, 10, 12, 9, 11, 5), Bar(60, 11, 15, 10, 14, 7), Bar(300, 14, 14, 1, 2, 1)])
    assert s.nearest(20) == 0
    assert s.nearest(80) == 1
    assert s.nearest(180) is None  # a gap (no trades): no bar under the cursor
    assert s.extent(0, 2) == (9, 15, 7)
    assert s.index_range(50, 70) == (1, 2)


def test_formats():
    assert format_price(145_831_000) == "145,831,000"
    assert format_price(523.0) == "523"  # tick 1 from 100 KRW up (Upbit, 2025-07-31)
    assert format_price(12.34) == "12.34"
    assert format_price(0.00012345, "BTC") == "0.00012345"
    assert format_volume(1234.5) == "1.23K"
    assert format_volume(0.01234) == "0.0123"


def test_kst_ticks_are_aligned_to_kst():
    # 2026-11-23 00:00 KST == 2026-11-22 15:00 UTC
    midnight_kst = datetime(2026, 11, 22, 15, 0, tzinfo=UTC).timestamp()
    step, ticks = kst_ticks(midnight_kst - 3 * 86400, midnight_kst + 3600, 5)
    assert step == 86400
    assert midnight_kst in ticks
    step, ticks = kst_ticks(midnight_kst + 1, midnight_kst + 3 * 3600, 6)
    assert step == 1800
    assert all((t + 9 * 3600) % 1800 == 0 for t in ticks)



def test_month_and_year_charts_tick_on_kst_month_starts(qtbot):
    from upbit_monitor.ui.chart.axes import KstTimeAxis

    def kst(y: int, m: int) -> int:  # the 1st of a month, 00:00 KST
        return int(datetime(y, m, 1, tzinfo=UTC).timestamp()) - 9 * 3600

    end = datetime(2026, 12, 4, tzinfo=UTC).timestamp()
    step, ticks = kst_ticks(end - 9 * 365 * 86400, end, 5)  # a month chart of nine years, 465 px
    assert ticks == [kst(2018, 1), kst(2020, 1), kst(2022, 1), kst(2024, 1), kst(2026, 1)]
    assert KstTimeAxis().tickStrings(ticks[:2], 1.0, step) == ["2018", "2020"]
    step, ticks = kst_ticks(end - 365 * 86400, end, 5)  # one year of weeks: quarters
    assert ticks == [kst(2026, 1), kst(2026, 4), kst(2026, 7), kst(2026, 10)]
    assert KstTimeAxis().tickStrings(ticks[:1], 1.0, step) == ["2026-01"]

@pytest.fixture
def view(qtbot):
    v = ChartView(None, None)
    qtbot.addWidget(v)
    v.resize(900, 500)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_last_bar_update_renders_only_that_bar(view, qtbot):
    candles = demo_candles(count=100)
    view.set_candles(candles)
    view.grab()
    first = view.candles.render_count
    vol_first = view.volume.render_count
    assert first == view.candles.cached_count() > 50  # every visible bar rendered once
    assert view.candles.render_count == first
    view.grab()
    assert view.candles.render_count == first  # replays from the cache, no re-render

    last = candles[-1]
    start = datetime.fromisoformat(last.candle_date_time_utc).replace(tzinfo=UTC)
    updated = make_candle(
        "KRW-BTC", 1, start, last.opening_price, last.high_price + 5000, last.low_price,
        last.high_price + 5000, last.candle_acc_trade_volume + 1,
    )
    applied = view.series.apply(bar_from_candle(updated))
    view.plots.bar_applied(applied, was_following=True)
    view.grab()
    assert view.candles.render_count == first + 1
    assert view.volume.render_count == vol_first + 1

    newer = make_candle("KRW-BTC", 1, start + timedelta(minutes=1), 1, 2, 1, 2, 1)
    view.plots.bar_applied(view.series.apply(bar_from_candle(newer)), was_following=True)
    view.grab()
    assert view.candles.render_count == first + 2


def test_set_colors_rerenders_everything(view):
    view.set_candles(demo_candles(count=50))
    view.grab()
    before = view.candles.render_count
    view.set_colors("#00ff00", "#ff00ff")
    view.grab()
    assert view.candles.render_count == 2 * before


def test_kst_axis_labels(qtbot):
    from upbit_monitor.ui.chart.axes import KstTimeAxis

    axis = KstTimeAxis()
    midnight_kst = datetime(2026, 11, 22, 15, 0, tzinfo=UTC).timestamp()
    assert axis.tickStrings([midnight_kst, midnight_kst + 5400], 1.0, 1800) == ["11-23", "01:30"]
    assert axis.tickStrings([midnight_kst + 86400], 1.0, 86400) == ["11-24"]
    (step, ticks), = axis.tickValues(midnight_kst - 7200, midnight_kst + 7200, 450)
    assert step == 3600 and midnight_kst in ticks  # 4 h over 450 px: at most 5 labels


def test_intraday_axis_without_midnight_dates_its_first_label(qtbot):
    from upbit_monitor.ui.chart.axes import KstTimeAxis

    axis = KstTimeAxis()
    four_thirty_kst = datetime(2026, 12, 4, 19, 30, tzinfo=UTC).timestamp()  # 12-05 04:30 KST
    labels = axis.tickStrings([four_thirty_kst + i * 1800 for i in range(4)], 1.0, 1800)
    assert labels == ["12-05 04:30", "05:00", "05:30", "06:00"]
    # A narrow chart still gets two time labels.
    (_step, ticks), = axis.tickValues(four_thirty_kst, four_thirty_kst + 7200, 170)
    assert len(ticks) >= 2


def test_short_volume_axis_shows_a_scale_of_two_labels(qtbot):
    from upbit_monitor.ui.chart.axes import VolumeAxis

    axis = VolumeAxis()
    [(spacing, values)] = axis.tickValues(0.0, 12.0, 60)  # the volume pane at its minimum height
    assert values == [4.0, 8.0] and spacing == 4.0  # two round labels, clear of the top (9.6)
    assert axis.tickStrings(values, 1.0, spacing) == ["4.00", "8.00"]
    [(_spacing, values)] = axis.tickValues(0.0, 0.2, 40)  # a very short pane: one label
    assert len(values) == 1 and 0 < values[0] <= 0.16


def test_a_1600_px_windows_minute_chart_gets_half_hour_labels(qtbot):
    from upbit_monitor.ui.chart.axes import KstTimeAxis

    axis = KstTimeAxis()
    end = datetime(2026, 12, 5, 12, 15, tzinfo=UTC).timestamp()
    (step, ticks), = axis.tickValues(end - 9000, end, 445)  # 2.5 h of 1m bars over ~445 px of plot
    assert step == 1800 and len(ticks) == 5
    # A tick right at the left edge would be cut (and dropped by pyqtgraph) with the date it carries:
    # it is not offered, so the first shown label is the dated one.
    start = datetime(2026, 12, 5, 10, 59, tzinfo=UTC).timestamp()  # 19:59 KST, a minute before a tick
    (step, ticks), = axis.tickValues(start, start + 9000, 445)
    assert step == 1800 and ticks[0] == start + 31 * 60  # 20:30, not 20:00 at 2 px from the edge
    assert axis.tickStrings(ticks, 1.0, step)[0] == "12-05 20:30"
