"""Depth bars, size-change flashes and text of the orderbook ladder, painted in one pass.

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
        self._bars, self._tints, self._flash = bars, tints, self._palette.flash

    @guarded("orderbook.paint", nothing)
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Side tint, depth bar, text, then the flash outline."""
        col = index.column()
        c = self._model.cell(index.row(), col)
        rect = QRectF(option.rect)
        bid = c.side == "bid"
        self._colours()
        if col == ObCol.PRICE or col == ObCol.CHANGE:
            # A faint side tint on the price columns tells asks from bids at a glance.
            painter.fillRect(rect, self._tints[bid])
        if c.frac is not None and c.frac > 0:
            w = rect.width() * min(1.0, c.frac)
            bar = (
                QRectF(rect.right() - w, rect.top() + 2, w, rect.height() - 4)
                if col == ObCol.ASK_SIZE
                else QRectF(rect.left(), rect.top() + 2, w, rect.height() - 4)
            )
            painter.fillRect(bar, self._bars[bid])
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
        if c.flash:
            # An outline, not a fill: the changed size stays readable while it flashes. Four
            # 1 px fills: a stroked drawRect costs ~0.5 ms per cell in the raster engine.
            r = option.rect.adjusted(0, 1, -1, -2)
            colour = self._flash
            painter.fillRect(r.left(), r.top(), r.width(), 1, colour)
            painter.fillRect(r.left(), r.bottom(), r.width(), 1, colour)
            painter.fillRect(r.left(), r.top(), 1, r.height(), colour)
            painter.fillRect(r.right(), r.top(), 1, r.height(), colour)
