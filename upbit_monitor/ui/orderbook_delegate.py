"""Depth bars and size-change flashes of the orderbook ladder, painted under the cell text."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from upbit_monitor.ui.orderbook_model import DEPTH_ROLE, FLASH_ROLE, SIDE_ROLE, ObCol
from upbit_monitor.ui.theme import Palette

Index = QModelIndex | QPersistentModelIndex


class DepthBarDelegate(QStyledItemDelegate):
    """Ask bars grow leftwards from the price column, bid bars rightwards, like Upbit's ladder.

    Bars are drawn with one ``fillRect`` each before the default text painting, so the cost per
    cell is constant and there is no per-row widget.
    """

    def __init__(self, palette: Palette, parent: Any = None) -> None:
        super().__init__(parent)
        self._palette = palette

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Background tint per side, depth bar, flash, then the normal text."""
        col = index.column()
        side = index.data(SIDE_ROLE)
        rect = QRectF(option.rect)
        tint = self._palette.bar(bid=side == "bid")
        tint.setAlpha(tint.alpha() // 4)
        # A faint side tint on the price column tells asks from bids at a glance.
        if col in (ObCol.PRICE, ObCol.CHANGE):
            painter.fillRect(rect, tint)
        frac = index.data(DEPTH_ROLE)
        if isinstance(frac, float) and frac > 0:
            w = rect.width() * min(1.0, frac)
            bar = (
                QRectF(rect.right() - w, rect.top() + 2, w, rect.height() - 4)
                if col == ObCol.ASK_SIZE
                else QRectF(rect.left(), rect.top() + 2, w, rect.height() - 4)
            )
            painter.fillRect(bar, self._palette.bar(bid=side == "bid"))
        super().paint(painter, option, index)
        if index.data(FLASH_ROLE):
            # An outline, not a fill: the changed size stays readable while it flashes.
            painter.save()
            painter.setPen(QPen(self._palette.flash, 1.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(0.5, 1.5, -1.5, -1.5))
            painter.restore()
