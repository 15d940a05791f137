"""Live day/week/month bars folded from tickers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

import pytest

from upbit_monitor.features.studies.periods import (
    DAY,
    MONTH,
    WEEK,
    YEAR,
    PeriodBar,
    PeriodBarTracker,
    period_start,
)


class T(NamedTuple):
    trade_date: str
    opening_price: float
    high_price: float
    low_price: float
    trade_price: float
    acc_trade_volume: float
    acc_trade_price: float


def ts(y, m, d) -> int:
    return int(datetime(y, m, d, tzinfo=UTC).timestamp())


def test_period_starts_are_utc_day_monday_and_first_of_month():
    wed = ts(2026, 11, 25)
    assert period_start(wed, DAY) == wed
    assert period_start(wed, WEEK) == ts(2026, 11, 23)  # Monday
    assert period_start(wed, MONTH) == ts(2026, 11, 1)
    assert period_start(wed, YEAR) == ts(2026, 1, 1)
    with pytest.raises(ValueError):
        period_start(wed, 60)


def test_the_day_bar_is_the_tickers_day():
    tracker = PeriodBarTracker(DAY, PeriodBar(ts(2026, 11, 25), 1, 2, 1, 2, 10, 20))
    bar = tracker.on_ticker(T("20261125", 100, 120, 90, 110, 7.0, 700.0))
    assert bar == PeriodBar(ts(2026, 11, 25), 100, 120, 90, 110, 7.0, 700.0)
    bar = tracker.on_ticker(T("20261126", 110, 111, 109, 110, 0.5, 55.0))
    assert bar is not None and bar.t == ts(2026, 11, 26) and bar.volume == 0.5


def test_a_week_bar_grows_from_its_history_bar():
    week = ts(2026, 11, 23)
    tracker = PeriodBarTracker(WEEK, PeriodBar(week, 100, 130, 80, 120, 50.0, 5000.0))
    # First ticker: the REST bar already holds Wednesday so far (acc 5): only H/L/C may move.
    assert tracker.on_ticker(T("20261125", 118, 125, 110, 121, 5.0, 600.0)) == PeriodBar(
        week, 100, 130, 80, 121, 50.0, 5000.0
    )
    bar = tracker.on_ticker(T("20261125", 118, 140, 110, 139, 6.0, 740.0))
    assert bar == PeriodBar(week, 100, 140, 80, 139, 51.0, 5140.0)
    bar = tracker.on_ticker(T("20261126", 139, 139, 70, 75, 2.0, 150.0))  # Thursday starts at zero
    assert bar == PeriodBar(week, 100, 140, 70, 75, 53.0, 5290.0)
    assert tracker.on_ticker(T("20261122", 1, 1, 1, 1, 1, 1)) is None  # older than the bar


def test_a_new_month_starts_from_the_ticker():
    tracker = PeriodBarTracker(MONTH, PeriodBar(ts(2026, 11, 1), 100, 130, 80, 120, 50.0, 5000.0))
    bar = tracker.on_ticker(T("20261201", 120, 125, 119, 124, 3.0, 360.0))
    assert bar == PeriodBar(ts(2026, 12, 1), 120, 125, 119, 124, 3.0, 360.0)


def test_a_year_bar_grows_from_its_history_bar_and_a_new_year_starts_from_the_ticker():
    year = ts(2026, 1, 1)
    tracker = PeriodBarTracker(YEAR, PeriodBar(year, 100, 300, 80, 150, 900.0, 90000.0))
    assert tracker.on_ticker(T("20261204", 149, 151, 148, 151, 4.0, 600.0)) == PeriodBar(
        year, 100, 300, 80, 151, 900.0, 90000.0)  # the REST bar holds today so far
    bar = tracker.on_ticker(T("20261204", 149, 320, 148, 310, 5.0, 910.0))
    assert bar == PeriodBar(year, 100, 320, 80, 310, 901.0, 90310.0)
    bar = tracker.on_ticker(T("20270101", 310, 312, 305, 306, 1.0, 306.0))
    assert bar == PeriodBar(ts(2027, 1, 1), 310, 312, 305, 306, 1.0, 306.0)
