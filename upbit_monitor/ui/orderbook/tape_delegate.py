"""The trade tape's cells, painted in one pass from a cached row.

Every fill inserted on top of the tape shifts all rows, so Qt repaints every visible cell; with the
tape now 8-30 rows tall, ``QStyledItemDelegate`` (a dozen ``data()`` round trips per cell, a date
formatted per time cell) cost ~5 ms of CPU per frame on a busy coin. This delegate asks the model
once per cell for the row formatted when the fill arrived and draws tint, text and colour itself.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from upbit_monitor.ui.common.display_guard import guarded, nothing
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderbook.trade_tape import BIG_ALPHA, TapeCol, TradeTapeModel

Index = QModelIndex | QPersistentModelIndex

_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class TapeDelegate(QStyledItemDelegate):
    """Side colour, muted time, big fills bold on a side tint."""

    def __init__(self, palette: Palette, model: TradeTapeModel, parent: Any = None) -> None:
        super().__init__(parent)
        self._palette = palette
        self._model = model
        self._colours_for: tuple[bool, bool] | None = None
        self._pens: tuple[QColor, QColor, QColor] = (QColor(), QColor(), QColor())  # sell, buy, time
        self._tints: tuple[QColor, QColor] = (QColor(), QColor())  # sell, buy
        self._bold_for: QFont | None = None
        self._bold = QFont()

    def _colours(self) -> None:
        key = (self._palette.dark, self._palette.korean_colours)
        if key == self._colours_for:
            return
        self._colours_for = key
        up, down = self._palette.up, self._palette.down
        self._pens = (down, up, self._palette.muted)
        tints = (QColor(down), QColor(up))
        for t in tints:
            t.setAlpha(BIG_ALPHA)
        self._tints = tints

    @guarded("trade_tape.paint", nothing)
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Tint (big fills), then the text in the side colour."""
        row = self._model.row(index.row())
        if row is None:
            return
        self._colours()
        col = index.column()
        rect = QRectF(option.rect)
        if row.big:
            painter.fillRect(rect, self._tints[row.buy])
        painter.save()
        if row.big:
            if self._bold_for != option.font:
                self._bold_for = QFont(option.font)
                self._bold = QFont(option.font)
                self._bold.setBold(True)
            painter.setFont(self._bold)
        painter.setPen(self._pens[2] if col == TapeCol.TIME else self._pens[row.buy])
        box = rect.adjusted(5, 0, -5, 0)
        text = row.texts[col]
        fm = painter.fontMetrics()
        if fm.horizontalAdvance(text) > box.width():
            text = fm.elidedText(text, Qt.TextElideMode.ElideRight, int(box.width()))
        painter.drawText(box, _LEFT if col == TapeCol.TIME else _RIGHT, text)
        painter.restore()
