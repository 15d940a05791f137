"""Axes and number formats of the chart: a KST time axis, a price axis and a volume axis.

The time axis is written here rather than using ``pg.DateAxisItem`` because that item aligns hour
ticks in the *machine's* local zone; a trader in Korea reads Upbit charts in KST (UTC+9) whatever
the computer's zone is, and tick placement must not depend on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter

from upbit_monitor.ui.common.formatting import format_price

KST = timezone(timedelta(hours=9), "KST")
_KST_OFFSET_S = 9 * 3600
# Candidate tick spacings in seconds, finest first; the seconds ones only on a ``fine`` axis (the
# premium chart, whose samples are a second apart: candles are a minute at the finest).
_FINE_STEPS = (1, 2, 5, 10, 15, 30)
_STEPS = (
    60, 120, 300, 600, 900, 1800,
    3600, 2 * 3600, 3 * 3600, 4 * 3600, 6 * 3600, 12 * 3600,
    86400, 2 * 86400, 7 * 86400, 14 * 86400,
)  # fmt: skip
# Beyond two weeks ticks go to calendar months (KST month starts): a fixed 30 or 365-day step drifts off
# the 1st and, past a few years, packed "2018-12" labels into each other on a month chart.
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)
_HALF_DATED_PX = 40  # half the width of "12-05 20:00" in the chart's font
_MONTH_S = 30 * 86400  # nominal: picks the step; ticks themselves are calendar exact


def format_volume(volume: float) -> str:
    """Compact volume: 1.23K, 4.5M, 7.8B; small volumes keep 4 decimals (coins trade in fractions)."""
    a = abs(volume)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= limit:
            return f"{volume / limit:.2f}".rstrip("0").rstrip(".") + suffix
    if a >= 100:
        return f"{volume:.0f}"
    if a >= 1:
        return f"{volume:.2f}"
    return f"{volume:.4f}"


def format_kst(epoch: float, short: bool = False) -> str:
    """``2025-07-01 21:01`` in KST (``short``: ``07-01 21:01``)."""
    moment = datetime.fromtimestamp(epoch, UTC).astimezone(KST)
    return moment.strftime("%m-%d %H:%M" if short else "%Y-%m-%d %H:%M")


def kst_ticks(x0: float, x1: float, max_ticks: int, *, fine: bool = False) -> tuple[int, list[int]]:
    """Tick spacing and positions (UTC epoch seconds) aligned to round KST times within ``[x0, x1]``
    (``fine``: steps of seconds too, for spans shorter than a few minutes)."""
    span = max(x1 - x0, 1.0)
    steps = _FINE_STEPS + _STEPS if fine else _STEPS
    step = next((s for s in steps if span / s <= max(max_ticks, 1)), None)
    if step is None:
        return _month_ticks(x0, x1, span, max(max_ticks, 1))
    # Align in KST: shift into KST seconds, floor to the step, shift back. Day and multi-day
    # steps thus fall on KST midnight, which is what the date labels mean.
    first = math.ceil((x0 + _KST_OFFSET_S) / step) * step - _KST_OFFSET_S
    return step, list(range(int(first), int(x1) + 1, step))


def _month_ticks(x0: float, x1: float, span: float, max_ticks: int) -> tuple[int, list[int]]:
    """Ticks on the 1st of every n-th KST month (n from :data:`_MONTH_STEPS`); the step in seconds is
    nominal (n x 30 days), which is what the labels need to choose ``YYYY-MM`` or ``YYYY``."""
    months = next((m for m in _MONTH_STEPS if span / (m * _MONTH_S) <= max_ticks), _MONTH_STEPS[-1])
    first = datetime.fromtimestamp(x0, UTC).astimezone(KST)
    index = first.year * 12 + first.month - 1  # the month holding x0; its 1st is at or before x0
    index = -(-index // months) * months  # round up to a multiple of the step (January for years)
    ticks: list[int] = []
    while True:
        moment = datetime(index // 12, index % 12 + 1, 1, tzinfo=KST)
        t = int(moment.timestamp())
        if t > x1:
            break
        if t >= x0:
            ticks.append(t)
        index += months
    return months * _MONTH_S, ticks


class KstTimeAxis(pg.AxisItem):  # type: ignore[misc]
    """Bottom axis for UTC epoch-second x values, labelled in KST; dates shown at KST midnight."""

    def __init__(self, *, fine: bool = False, **kwargs: object) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self.enableAutoSIPrefix(False)
        self.fine = fine  # seconds ticks ("21:04:30") when the view spans only a minute or two

    def tickValues(
        self, minVal: float, maxVal: float, size: float
    ) -> list[tuple[float, list[float]]]:
        """One level of ticks, about one per 75 px, and at least two where they fit (~150 px).

        75 px holds a dated first label ("12-05 20:00") beside an "HH:MM" one; at 90 px a 1600x1000
        window's 1m chart (~445 px of plot, 2.5 h) got hourly labels where half-hours fit.
        """
        most = max(int(size // 75), 2 if size >= 150 else 1)
        step, ticks = kst_ticks(minVal, maxVal, most, fine=self.fine)
        # A label centred nearer the left edge than half a dated label is cut, and pyqtgraph drops
        # it: with it went the date the first label carries. Such a tick is not offered at all.
        if size > 0 and len(ticks) > 2:
            edge = minVal + (maxVal - minVal) * _HALF_DATED_PX / size
            ticks = [t for t in ticks if t >= edge] if ticks[1] >= edge else ticks
        return [(float(step), [float(t) for t in ticks])]

    def tickStrings(
        self, values: Sequence[float], scale: float, spacing: float
    ) -> list[str]:
        """``HH:MM``; ``MM-DD`` on KST midnight or when ticks are a day or more apart.

        An intraday view that crosses no midnight would show no date at all (a 1m chart reads
        "04:30 05:00 05:30"): its first label then carries the date too ("12-05 04:30").
        """
        out: list[str] = []
        dated = False
        for value in values:
            moment = datetime.fromtimestamp(value, UTC).astimezone(KST)
            if spacing >= 12 * _MONTH_S:  # month and year charts: ticks on January 1st
                out.append(moment.strftime("%Y"))
                dated = True
            elif spacing >= _MONTH_S:  # week and month charts: months, not days
                out.append(moment.strftime("%Y-%m"))
                dated = True
            elif spacing >= 86400 or (moment.hour == 0 and moment.minute == 0 and moment.second == 0):
                out.append(moment.strftime("%m-%d"))
                dated = True
            elif spacing < 60:
                out.append(moment.strftime("%H:%M:%S"))
            else:
                out.append(moment.strftime("%H:%M"))
        if out and not dated:
            first = datetime.fromtimestamp(values[0], UTC).astimezone(KST)
            out[0] = first.strftime("%m-%d %H:%M:%S" if spacing < 60 else "%m-%d %H:%M")
        return out


class PriceAxis(pg.AxisItem):  # type: ignore[misc]
    """Price axis with the market's precision and thousands separators (no 1e8 scaling).

    ``quote`` is the shown market's quote currency: labels use the same formatter as the ladder and
    the coin list, so a USDT or BTC chart reads like that market's orderbook.
    """

    def __init__(self, orientation: str = "right", **kwargs: object) -> None:
        super().__init__(orientation=orientation, **kwargs)
        self.enableAutoSIPrefix(False)
        self.quote = "KRW"
        # Price tags on this axis (last price, crosshair): the labels under them are left out.
        self.covers: tuple[Callable[[], QRectF | None], ...] = ()

    def generateDrawSpecs(self, p: QPainter) -> Any:
        """pyqtgraph's specs minus the tick labels a price tag covers."""
        specs = super().generateDrawSpecs(p)
        blocked = [r for r in (cover() for cover in self.covers) if r is not None]
        if specs is None or not blocked:
            return specs
        axis, ticks, texts = specs
        return axis, ticks, [t for t in texts if not any(t[0].intersects(b) for b in blocked)]

    def tickStrings(
        self, values: Sequence[float], scale: float, spacing: float
    ) -> list[str]:
        """Formatted prices."""
        return [format_price(v, self.quote) for v in values]


_NICE = (1.0, 2.0, 2.5, 4.0, 5.0)


def short_axis_ticks(lo: float, hi: float, most: int) -> list[tuple[float, list[float]]]:
    """At most ``most`` positive ticks at a round step, below 80% of the axis (a label centred on
    the top edge is cut off), as many as fit; one level. Empty when none fits."""
    limit = lo + (hi - lo) * 0.8
    if limit <= 0:
        return []
    best: tuple[int, float, list[float]] | None = None
    exponent = math.floor(math.log10(limit)) if limit > 0 else 0
    for e in range(exponent - 2, exponent + 1):
        for m in _NICE:
            step = m * 10.0**e
            first = max(1, math.floor(lo / step) + 1)
            ticks = [k * step for k in range(first, first + most + 1) if k * step <= limit]
            if 1 <= len(ticks) <= most and (best is None or len(ticks) > best[0]):
                best = (len(ticks), step, ticks)
    return [] if best is None else [(best[1], best[2])]


class VolumeAxis(pg.AxisItem):  # type: ignore[misc]
    """Volume axis with compact K/M/B labels."""

    def __init__(self, orientation: str = "right", **kwargs: object) -> None:
        super().__init__(orientation=orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    # Below this axis length (px) the ticks are picked here: pyqtgraph's levels on a ~60 px pane
    # overlap into an unreadable block, or leave a single label that says nothing about the scale.
    SHORT_AXIS_PX = 90
    LABEL_PX = 24  # one label per this many pixels at most

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:
        """pyqtgraph's ticks; on a short axis up to one label per ``LABEL_PX``, two where they fit
        (the scale reads from two numbers), all clear of the top edge, at round steps."""
        levels: list[tuple[float, list[float]]] = super().tickValues(minVal, maxVal, size)
        if size >= self.SHORT_AXIS_PX or maxVal <= minVal:
            return levels
        return short_axis_ticks(minVal, maxVal, max(1, min(3, int(size // self.LABEL_PX))))

    def tickStrings(
        self, values: Sequence[float], scale: float, spacing: float
    ) -> list[str]:
        """Compact volumes."""
        return [format_volume(v) for v in values]
