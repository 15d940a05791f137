"""The live day/week/month/year bar, built from the ticker (Upbit has no day+ candle stream).

Upbit's ticker carries the UTC day's open/high/low/close and accumulated volume and value (its day
starts 00:00 UTC = 09:00 KST, like the day candle), so the day bar is exact. A week (from Monday) or
month bar is the REST bar of the current period (history) with the ticker folded in: high/low/close
move live, and volume grows by what the day accumulated since the history was loaded; a year bar
likewise. A period with no history bar yet (a new week began) starts from the ticker's day.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple, Protocol

from upbit_monitor.connection.rest import (
    PERIOD_UNITS as PERIOD_UNITS,  # re-exported: ui must not import connection
)

DAY, WEEK, MONTH, YEAR = 1440, 10080, 43200, 525600  # the REST client's day+ units (nominal minutes)


class PeriodBar(NamedTuple):
    """One OHLCV bar; ``t`` is the candle start in UTC epoch seconds. The chart's ``Bar`` is this type."""

    t: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    value: float = 0.0  # traded value in the quote currency (KRW)


class TickerLike(Protocol):
    @property
    def opening_price(self) -> float: ...
    @property
    def high_price(self) -> float: ...
    @property
    def low_price(self) -> float: ...
    @property
    def trade_price(self) -> float: ...
    @property
    def acc_trade_volume(self) -> float: ...
    @property
    def acc_trade_price(self) -> float: ...
    @property
    def trade_date(self) -> str: ...


def period_start(day_start: int, unit: int) -> int:
    """Start (UTC epoch s) of the day/week/month/year containing the UTC day that starts at ``day_start``."""
    day = datetime.fromtimestamp(day_start, UTC)
    if unit == DAY:
        return day_start
    if unit == WEEK:
        return day_start - day.weekday() * 86_400
    if unit == MONTH:
        return int(day.replace(day=1).timestamp())
    if unit == YEAR:
        return int(day.replace(month=1, day=1).timestamp())
    raise ValueError(f"not a day+ unit: {unit}")


def _day_start(trade_date: str) -> int:
    return int(datetime.strptime(trade_date, "%Y%m%d").replace(tzinfo=UTC).timestamp())


class PeriodBarTracker:
    """Folds tickers into the in-progress bar of one day+ timeframe."""

    def __init__(self, unit: int, history_bar: PeriodBar | None = None) -> None:
        if unit not in PERIOD_UNITS:
            raise ValueError(f"not a day+ unit: {unit}")
        self.unit = unit
        self._bar = history_bar
        self._day: int | None = None  # UTC day of the last ticker folded in
        self._acc = (0.0, 0.0)  # that day's accumulated (volume, value) already inside the bar

    def on_ticker(self, ticker: TickerLike) -> PeriodBar | None:
        """The current period's bar after ``ticker`` (None: the ticker is older than the bar)."""
        day = _day_start(ticker.trade_date)
        start = period_start(day, self.unit)
        acc = (ticker.acc_trade_volume, ticker.acc_trade_price)
        bar = self._bar
        if bar is not None and bar.t > start:
            return None
        if self.unit == DAY or bar is None or bar.t < start:
            # The ticker's day is the whole truth for a day bar, and for the first day of a period.
            self._day, self._acc = day, acc
            self._bar = PeriodBar(start, ticker.opening_price, ticker.high_price, ticker.low_price,
                                  ticker.trade_price, acc[0], acc[1])
            return self._bar
        if self._day is None:
            # First ticker after the history load: the REST bar already holds the day so far.
            self._day, self._acc = day, acc
        elif day != self._day:
            self._day, self._acc = day, (0.0, 0.0)  # a new UTC day inside the week/month
        grow_volume, grow_value = acc[0] - self._acc[0], acc[1] - self._acc[1]
        self._acc = acc
        self._bar = PeriodBar(
            bar.t, bar.open, max(bar.high, ticker.high_price), min(bar.low, ticker.low_price),
            ticker.trade_price, bar.volume + grow_volume, bar.value + grow_value,
        )
        return self._bar
