"""Depth bars, cumulative depth, size-change flashes and text of the ladder, painted in one pass.

The ladder repaints up to 25 times a second, so the delegate does not go through
``QStyledItemDelegate.paint`` (a dozen ``data()`` round trips per cell): it asks the model once for
the cell's :class:`~upbit_monitor.ui.orderbook.model.Cell` and draws background, bar, text and flash
itself.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from upbit_monitor.ui.common.display_guard import guarded, nothing
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderbook.cell_delegate import CellDelegate
from upbit_monitor.ui.orderbook.model import ObCol, OrderbookModel

Index = QModelIndex | QPersistentModelIndex

FLASH_ALPHA = 45  # peak alpha of a changed-size highlight (of 255): visible, not shouting
CUM_ALPHA_DIV = 3  # the cumulative bar is the size bar's colour at a third of its alpha


class DepthBarDelegate(CellDelegate):
    """Ask bars grow leftwards towards the price column, bid bars rightwards, like Upbit's ladder."""

    def __init__(self, palette: Palette, model: OrderbookModel, parent: Any = None) -> None:
        super().__init__(palette, parent)
        self._model = model
        self._bars: tuple[QColor, QColor] = (QColor(), QColor())  # (ask, bid)
        self._tints: tuple[QColor, QColor] = (QColor(), QColor())
        self._flash = QColor()
        self._cums: tuple[QColor, QColor] = (QColor(), QColor())

    def _build_colours(self) -> None:
        bars = (self._palette.bar(bid=False), self._palette.bar(bid=True))
        tints = (QColor(bars[0]), QColor(bars[1]))
        for t in tints:
            t.setAlpha(t.alpha() // 4)
        cums = (QColor(bars[0]), QColor(bars[1]))
        for c in cums:
            c.setAlpha(c.alpha() // CUM_ALPHA_DIV)
        self._bars, self._tints, self._cums, self._flash = bars, tints, cums, QColor(self._palette.flash)

    @guarded("orderbook.paint", nothing)
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Side tint, cumulative and size bars, the flash, then the text on top."""
        col = index.column()
        c = self._model.cell(index.row(), col)
        rect = QRectF(option.rect)
        bid = c.side == "bid"
        self._colours()
        if col == ObCol.PRICE or col == ObCol.CHANGE:
            # A faint side tint on the price columns tells asks from bids at a glance.
            painter.fillRect(rect, self._tints[bid])
        if c.cum is not None and c.cum > 0:
            # Cumulative depth: a faint full-height bar behind the size bar, widening away from
            # the spread (how much sits between the best price and this level).
            painter.fillRect(self._bar(rect, col, c.cum, 0), self._cums[bid])
        if c.frac is not None and c.frac > 0:
            painter.fillRect(self._bar(rect, col, c.frac, 2), self._bars[bid])
        if c.flash > 0:
            # A short, faint fill that fades out (the model lowers c.flash each frame): an outline
            # on every changed level read as most of the ladder blinking.
            colour = self._flash
            colour.setAlpha(int(FLASH_ALPHA * min(1.0, c.flash)))
            painter.fillRect(rect, colour)
        if c.text:
            pen = c.colour if c.colour is not None else option.palette.text().color()
            self._draw_text(painter, option, rect, c.text, c.align, pen, bold=c.bold)

    @staticmethod
    def _bar(rect: QRectF, col: int, frac: float, inset: float) -> QRectF:
        """Ask bars grow leftwards from the price column, bid bars rightwards."""
        w = rect.width() * min(1.0, frac)
        h = rect.height() - 2 * inset
        if col == ObCol.ASK_SIZE:
            return QRectF(rect.right() - w, rect.top() + inset, w, h)
        return QRectF(rect.left(), rect.top() + inset, w, h)
