"""The chart's bar series: plain Python data, no Qt, so merge rules are testable on their own.

Bars are keyed by their start time (UTC epoch seconds, the x coordinate of the chart). History and
live candles go through the same :meth:`BarSeries.apply`, which tells the graphics items exactly
which bar changed, so a live update re-renders one bar and never the whole chart.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from upbit_monitor.features.studies.periods import PeriodBar
from upbit_monitor.protocol.events import Candle

# One bar type for the chart and the day/week/month tracker (Qt-free, in features): the tracker's bar
# goes into the series as it is.
Bar = PeriodBar


def candle_epoch(candle: Candle) -> int:
    """The start of a candle as UTC epoch seconds (``candle_date_time_utc`` has no zone suffix)."""
    return int(datetime.fromisoformat(candle.candle_date_time_utc).replace(tzinfo=UTC).timestamp())


def bar_from_candle(candle: Candle) -> Bar:
    """Convert a stream or REST candle to a :class:`Bar`."""
    return Bar(
        candle_epoch(candle),
        float(candle.opening_price),
        float(candle.high_price),
        float(candle.low_price),
        float(candle.trade_price),
        float(candle.candle_acc_trade_volume),
        float(candle.candle_acc_trade_price),
    )


class Change(Enum):
    """What :meth:`BarSeries.apply` did."""

    IGNORED = "ignored"  # identical to what we had
    UPDATED = "updated"  # an existing bar changed in place (usually the last one)
    APPENDED = "appended"  # a new newest bar
    INSERTED = "inserted"  # a bar in the middle (rare: late history); indices shifted


@dataclass(frozen=True, slots=True)
class Applied:
    """Result of :meth:`BarSeries.apply`: the kind of change and the affected index."""

    change: Change
    index: int


class BarSeries:
    """Bars sorted by start time, unique per start."""

    def __init__(self, unit_s: int = 60) -> None:
        self.unit_s = unit_s
        self._bars: list[Bar] = []
        self._starts: list[int] = []

    def __len__(self) -> int:
        return len(self._bars)

    def __getitem__(self, index: int) -> Bar:
        return self._bars[index]

    @property
    def bars(self) -> list[Bar]:
        """The bars, oldest first (a copy; mutate through :meth:`apply`/:meth:`replace`)."""
        return list(self._bars)

    @property
    def starts(self) -> list[int]:
        """Start times, ascending (shared list: do not mutate)."""
        return self._starts

    def replace(self, bars: Iterable[Bar]) -> None:
        """Replace everything (coin or timeframe switch, history loaded); later duplicates win."""
        by_start = {bar.t: bar for bar in bars}
        self._starts = sorted(by_start)
        self._bars = [by_start[t] for t in self._starts]

    def apply(self, bar: Bar) -> Applied:
        """Merge one bar: the last message per start wins (the candle stream repeats a start)."""
        starts = self._starts
        if not starts or bar.t > starts[-1]:
            starts.append(bar.t)
            self._bars.append(bar)
            return Applied(Change.APPENDED, len(starts) - 1)
        i = bisect.bisect_left(starts, bar.t)
        if i < len(starts) and starts[i] == bar.t:
            if self._bars[i] == bar:
                return Applied(Change.IGNORED, i)
            self._bars[i] = bar
            return Applied(Change.UPDATED, i)
        starts.insert(i, bar.t)
        self._bars.insert(i, bar)
        return Applied(Change.INSERTED, i)

    def index_range(self, x0: float, x1: float) -> tuple[int, int]:
        """Indices ``[i0, i1)`` of bars whose body may touch ``[x0, x1]`` (half a bar of slack)."""
        half = self.unit_s / 2
        i0 = bisect.bisect_left(self._starts, x0 - half)
        i1 = bisect.bisect_right(self._starts, x1 + half)
        return i0, i1

    def nearest(self, x: float) -> int | None:
        """Index of the bar whose slot contains ``x`` (within half a unit), else None."""
        if not self._starts:
            return None
        i = bisect.bisect_left(self._starts, x)
        best: int | None = None
        for j in (i - 1, i):
            if 0 <= j < len(self._starts) and (
                best is None or abs(self._starts[j] - x) < abs(self._starts[best] - x)
            ):
                best = j
        if best is None or abs(self._starts[best] - x) > self.unit_s / 2:
            return None
        return best

    def extent(self, i0: int = 0, i1: int | None = None) -> tuple[float, float, float] | None:
        """``(low, high, max volume)`` over bars ``[i0, i1)``; None if that slice is empty."""
        bars = self._bars[i0:i1]
        if not bars:
            return None
        return (
            min(b.low for b in bars),
            max(b.high for b in bars),
            max(b.volume for b in bars),
        )
