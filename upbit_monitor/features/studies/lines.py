"""Growable float64 columns holding a study's output lines, aligned index for index with the bars.

A chart draws straight from these arrays (``view`` is a zero-copy slice), so a live tick that
changes the last value writes one float and the next repaint sees it. NaN marks "not defined yet"
(the warm-up of a 20-bar average); pyqtgraph leaves a gap there with ``connect="finite"``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_MIN_CAPACITY = 256


class LineTable:
    """Named columns of equal length; appending is amortised O(1) (capacity doubles)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self._n = 0
        self._data = np.full((len(self.names), _MIN_CAPACITY), np.nan)

    def __len__(self) -> int:
        return self._n

    def clear(self) -> None:
        """Drop every row (keeps the capacity)."""
        self._n = 0

    def reserve(self, rows: int) -> None:
        """Make room for ``rows`` rows without further reallocations."""
        if rows > self._data.shape[1]:
            grown = np.full((len(self.names), max(rows, 2 * self._data.shape[1])), np.nan)
            grown[:, : self._n] = self._data[:, : self._n]
            self._data = grown

    def append(self, values: Sequence[float]) -> None:
        """Add one row (one value per line, in ``names`` order)."""
        if self._n == self._data.shape[1]:
            self.reserve(self._n + 1)
        self._data[:, self._n] = values
        self._n += 1

    def set_last(self, values: Sequence[float]) -> None:
        """Overwrite the newest row (the live candle changed in place)."""
        if not self._n:
            raise IndexError("set_last on an empty table")
        self._data[:, self._n - 1] = values

    def set_row(self, index: int, values: Sequence[float]) -> None:
        """Overwrite row ``index`` (a server value for a closed bar arrives after the bar was added)."""
        if not 0 <= index < self._n:
            raise IndexError(index)
        self._data[:, index] = values

    def view(self, name: str) -> FloatArray:
        """The column ``name`` as a read-only zero-copy view of its ``len(self)`` values."""
        column = self._data[self.names.index(name), : self._n]
        column.flags.writeable = False
        return column

    def row(self, index: int) -> tuple[float, ...]:
        """All lines' values at ``index`` (negative counts from the end)."""
        if not -self._n <= index < self._n:
            raise IndexError(index)
        return tuple(float(v) for v in self._data[:, index % self._n])
