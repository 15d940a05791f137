"""Painting of the coin list's name cell (Korean over English) and the warning badge."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from upbit_monitor.ui.coin_list_model import ENGLISH_ROLE, WARNING_ROLE, Col
from upbit_monitor.ui.theme import Palette

Index = QModelIndex | QPersistentModelIndex


class CoinListDelegate(QStyledItemDelegate):
    """Two-line name cell and a rounded "유의" badge; other cells use the default painting."""

    ROW_HEIGHT = 36

    def __init__(self, palette: Palette, parent: Any = None) -> None:
        super().__init__(parent)
        self._palette = palette

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        """Rows are tall enough for two lines of text."""
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), max(hint.height(), self.ROW_HEIGHT))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Custom-paint the name and warning columns."""
        col = index.column()
        if col not in (Col.NAME, Col.WARN):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""  # let the style draw background/selection only
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        rect = opt.rect.adjusted(6, 2, -4, -2)
        if col == Col.NAME:
            self._paint_name(painter, opt, rect, text, str(index.data(ENGLISH_ROLE) or ""))
        elif index.data(WARNING_ROLE):
            self._paint_badge(painter, opt, rect, text)
        painter.restore()

    def _paint_name(
        self, painter: QPainter, opt: QStyleOptionViewItem, rect: QRect, korean: str, english: str
    ) -> None:
        top = QRect(rect.left(), rect.top(), rect.width(), rect.height() // 2 + 2)
        bottom = QRect(rect.left(), rect.top() + rect.height() // 2, rect.width(), rect.height() // 2)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        font = QFont(opt.font)
        painter.setFont(font)
        painter.setPen(opt.palette.highlightedText().color() if selected else opt.palette.text().color())
        fm = painter.fontMetrics()
        painter.drawText(
            top,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom),
            fm.elidedText(korean, Qt.TextElideMode.ElideRight, top.width()),
        )
        small = QFont(opt.font)
        small.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.82))
        painter.setFont(small)
        painter.setPen(self._palette.muted)
        fm = painter.fontMetrics()
        painter.drawText(
            bottom,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
            fm.elidedText(english, Qt.TextElideMode.ElideRight, bottom.width()),
        )

    def _paint_badge(self, painter: QPainter, opt: QStyleOptionViewItem, rect: QRect, text: str) -> None:
        small = QFont(opt.font)
        small.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.8))
        small.setBold(True)
        painter.setFont(small)
        fm = painter.fontMetrics()
        w = fm.horizontalAdvance(text) + 8
        h = fm.height() + 2
        badge = QRect(rect.center().x() - w // 2, rect.center().y() - h // 2, w, h)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self._palette.warning, 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(badge, 4, 4)
        painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), text)
