"""Premium history: bounded time series per key, and the gaps a chart must not bridge.

The kimchi premium tracker and the domestic spread both keep one short series per (coin, venue). The
selected coin is sampled every second (the chart's tick); every other shown coin every
:data:`BACKGROUND_S` seconds, so returning to a coin shows where its premium went meanwhile. Points
are dropped by age (:data:`HISTORY_S`) and count, and the least recently sampled series go first.

A venue that had no fresh quote for a while leaves a hole in its series; :func:`with_gaps` turns
holes longer than :data:`GAP_S` into NaN breaks, so a chart draws a gap instead of a straight line
across it as if it were data.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Hashable, Iterable
from typing import Final

BACKGROUND_S: Final = 10.0  # seconds between two samples of a coin that is not selected
HISTORY_S: Final = 3600.0  # points older than this are dropped
# A hole longer than this is no data: 2.5 background periods, so a late background sample does not
# break a line while a minute without a fresh quote does.
GAP_S: Final = 2.5 * BACKGROUND_S


class SeriesStore:
    """``key -> deque[(unix seconds, value)]``, bounded by age, length and number of series."""

    def __init__(self, points: int, series: int) -> None:
        self.points = points
        self.series = series
        self._data: OrderedDict[Hashable, deque[tuple[float, float]]] = OrderedDict()

    def record(self, key: Hashable, t: float, value: float, *, max_series: int | None = None) -> None:
        """Append a point; evicts the least recently sampled series beyond ``max_series``."""
        ring = self._data.get(key)
        if ring is None:
            ring = self._data[key] = deque(maxlen=self.points)
            limit = self.series if max_series is None else max_series
            while len(self._data) > limit:
                self._data.popitem(last=False)
        self._data.move_to_end(key)
        ring.append((t, value))
        while ring and t - ring[0][0] > HISTORY_S:
            ring.popleft()

    def get(self, key: Hashable) -> list[tuple[float, float]]:
        """The series of ``key``, oldest first (empty if none)."""
        return list(self._data.get(key, ()))

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)


class Throttle:
    """True at most once per ``every_s`` of the given clock (the background sampling pace)."""

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self._next = -math.inf

    def due(self, now: float) -> bool:
        """Whether the next run is due at ``now`` (and if so, the one after is ``every_s`` later)."""
        if now < self._next:
            return False
        self._next = now + self.every_s
        return True


def with_gaps(points: Iterable[tuple[float, float]], gap_s: float = GAP_S) -> tuple[list[float], list[float]]:
    """``(xs, ys)`` of ``points`` with a NaN point inside every hole longer than ``gap_s``.

    Plotted with ``connect="finite"`` the line stops at the last point before the hole and starts
    again after it.
    """
    xs: list[float] = []
    ys: list[float] = []
    previous: float | None = None
    for t, value in points:
        if previous is not None and t - previous > gap_s:
            xs.append((previous + t) / 2)
            ys.append(math.nan)
        xs.append(t)
        ys.append(value)
        previous = t
    return xs, ys
