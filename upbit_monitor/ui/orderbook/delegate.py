"""Depth bars, cumulative depth, size-change flashes and text of the ladder, painted in one pass.

The ladder repaints up to 25 times a second, so the delegate does not go through
``QStyledItemDelegate.paint`` (a dozen ``data()`` round trips per cell): it asks the model once for
the cell's :class:`~upbit_monitor.ui.orderbook.model.Cell` and draws background, bar, text and flash
itself.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from upbit_monitor.ui.common.display_guard import guarded, nothing
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderbook.model import ObCol, OrderbookModel

Index = QModelIndex | QPersistentModelIndex

FLASH_ALPHA = 45  # peak alpha of a changed-size highlight (of 255): visible, not shouting
CUM_ALPHA_DIV = 3  # the cumulative bar is the size bar's colour at a third of its alpha


class DepthBarDelegate(QStyledItemDelegate):
    """Ask bars grow leftwards towards the price column, bid bars rightwards, like Upbit's ladder."""

    def __init__(self, palette: Palette, model: OrderbookModel, parent: Any = None) -> None:
        super().__init__(parent)
        self._palette = palette
        self._model = model
        # Colours and the bold font are built once per theme/font, not per cell: the ladder paints
        # ~80 cells a frame at 25 Hz, and Palette builds a new QColor from a string on every call.
        self._colours_for: tuple[bool, bool] | None = None
        self._bars: tuple[QColor, QColor] = (QColor(), QColor())  # (ask, bid)
        self._tints: tuple[QColor, QColor] = (QColor(), QColor())
        self._flash = QColor()
        self._cums: tuple[QColor, QColor] = (QColor(), QColor())
        self._bold_for: QFont | None = None
        self._bold = QFont()

    def _colours(self) -> None:
        key = (self._palette.dark, self._palette.korean_colours)
        if key == self._colours_for:
            return
        self._colours_for = key
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
            painter.save()
            if c.bold:
                if self._bold_for != option.font:
                    self._bold_for = QFont(option.font)
                    self._bold = QFont(option.font)
                    self._bold.setBold(True)
                painter.setFont(self._bold)
            painter.setPen(c.colour if c.colour is not None else option.palette.text().color())
            box = rect.adjusted(5, 0, -5, 0)
            text = c.text
            fm = painter.fontMetrics()
            if fm.horizontalAdvance(text) > box.width():
                # Never clip a number at its left edge (".339491" reads as another number).
                text = fm.elidedText(text, Qt.TextElideMode.ElideRight, int(box.width()))
            painter.drawText(box, c.align, text)
            painter.restore()

    @staticmethod
    def _bar(rect: QRectF, col: int, frac: float, inset: float) -> QRectF:
        """Ask bars grow leftwards from the price column, bid bars rightwards."""
        w = rect.width() * min(1.0, frac)
        h = rect.height() - 2 * inset
        if col == ObCol.ASK_SIZE:
            return QRectF(rect.right() - w, rect.top() + inset, w, h)
        return QRectF(rect.left(), rect.top() + inset, w, h)
