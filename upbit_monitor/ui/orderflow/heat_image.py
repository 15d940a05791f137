"""The heatmap's pixels: a QImage over a numpy ring of columns, recoloured a few columns at a time.

The image has one pixel per grid cell (``n_rows`` x ``n_cols``) and wraps a numpy ``uint32`` array
without copying (``QImage`` over the array's buffer, ``Format_ARGB32``), so colouring a column is a
numpy ``take`` written straight into what the painter draws. Columns are in ring order (a bucket
sits at ``bucket % n_cols``); :meth:`draw` paints the two halves of the ring side by side, oldest
left, scaled to the target rectangle. Nothing else is converted or copied per frame: pyqtgraph's
``ImageItem.setImage`` converts the whole array on every call (bench/orderflow.py measures both).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from upbit_monitor.features.orderflow import ColourScale, HeatGrid

U32 = npt.NDArray[np.uint32]


class HeatImage:
    """Pixels of one :class:`HeatGrid` (same shape, same ring order)."""

    def __init__(self, n_rows: int, n_cols: int, table: U32) -> None:
        self.table = table
        self.pixels: U32 = np.full((n_rows, n_cols), table[0], np.uint32)
        self.image = QImage(self.pixels.data, n_cols, n_rows, n_cols * 4, QImage.Format.Format_ARGB32)
        self.columns_coloured = 0  # columns recoloured since creation (bench, tests)

    def set_table(self, table: U32) -> None:
        """New colours (theme switch); the caller recolours everything."""
        self.table = table

    def apply(self, grid: HeatGrid, scale: ColourScale, full: bool, dirty: list[int]) -> None:
        """Recolour the changed columns (all when ``full``)."""
        if full:
            self.pixels[:] = scale.colours(grid.values, self.table)
            self.columns_coloured += self.pixels.shape[1]
        elif dirty:
            self.pixels[:, dirty] = scale.colours(grid.values[:, dirty], self.table)
            self.columns_coloured += len(dirty)

    def draw(self, painter: QPainter, target: QRectF, grid: HeatGrid) -> None:
        """Paint the ring oldest-left into ``target`` (no smoothing: cells stay crisp)."""
        if grid.last_bucket is None:
            return
        n_rows, n_cols = self.pixels.shape
        split = grid.position(grid.last_bucket) + 1  # ring position of the oldest column
        col_w = target.width() / n_cols
        left = n_cols - split  # columns from split..end come first
        if left:
            painter.drawImage(QRectF(target.left(), target.top(), left * col_w, target.height()),
                              self.image, QRectF(split, 0, left, n_rows))
        if split:
            painter.drawImage(QRectF(target.left() + left * col_w, target.top(), split * col_w,
                                     target.height()), self.image, QRectF(0, 0, split, n_rows))
