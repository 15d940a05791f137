"""The trade tape's cells, painted in one pass from a cached row.

Every fill inserted on top of the tape shifts all rows, so Qt repaints every visible cell; with the
tape now 8-30 rows tall, ``QStyledItemDelegate`` (a dozen ``data()`` round trips per cell, a date
formatted per time cell) cost ~5 ms of CPU per frame on a busy coin. This delegate asks the model
once per cell for the row formatted when the fill arrived and draws tint, text and colour itself.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from upbit_monitor.ui.common.display_guard import guarded, nothing
from upbit_monitor.ui.common.theme import Palette
from upbit_monitor.ui.orderbook.cell_delegate import CellDelegate
from upbit_monitor.ui.orderbook.trade_tape import BIG_ALPHA, TapeCol, TradeTapeModel

Index = QModelIndex | QPersistentModelIndex

_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class TapeDelegate(CellDelegate):
    """Side colour, muted time, big fills bold on a side tint."""

    def __init__(self, palette: Palette, model: TradeTapeModel, parent: Any = None) -> None:
        super().__init__(palette, parent)
        self._model = model
        self._pens: tuple[QColor, QColor, QColor] = (QColor(), QColor(), QColor())  # sell, buy, time
        self._tints: tuple[QColor, QColor] = (QColor(), QColor())  # sell, buy

    def _build_colours(self) -> None:
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
        time_col = col == TapeCol.TIME
        self._draw_text(painter, option, rect, row.texts[col], _LEFT if time_col else _RIGHT,
                        self._pens[2] if time_col else self._pens[row.buy], bold=row.big)
