"""Painting of the coin list: two-line name cell, warning badge, coloured prices.

The list repaints a few times a second with ~200 live rows, so cells are drawn straight from the
source model's :meth:`~upbit_monitor.ui.coin_list.model.CoinListModel.cell` (one Python call per
cell) instead of ``QStyledItemDelegate.paint`` (a dozen ``data()`` round trips per cell).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractProxyModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from upbit_monitor.ui.coin_list.model import N_COLS, CoinListModel, Col
from upbit_monitor.ui.common.display_guard import guarded, nothing
from upbit_monitor.ui.common.theme import Palette

Index = QModelIndex | QPersistentModelIndex


class CoinListDelegate(QStyledItemDelegate):
    """Two-line name (Korean over code · English), a rounded "유의" badge, coloured numbers."""

    ROW_HEIGHT = 36

    def __init__(
        self, palette: Palette, model: CoinListModel, proxy: QSortFilterProxyModel, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._palette = palette
        self._model = model
        self._proxy = proxy
        # Fonts derived from the view's font, built once per font instead of once per cell (a
        # full list repaint after a re-sort paints ~100 cells).
        self._font_for: QFont | None = None
        self._bold = QFont()
        self._small = QFont()
        self._badge = QFont()

    def _fonts(self, base: QFont) -> None:
        if self._font_for is not None and self._font_for == base:
            return
        self._font_for = QFont(base)
        self._bold = QFont(base)
        self._bold.setBold(True)
        self._small = QFont(base)
        self._small.setPointSizeF(max(6.0, base.pointSizeF() * 0.82))
        self._badge = QFont(base)
        self._badge.setPointSizeF(max(6.0, base.pointSizeF() * 0.8))
        self._badge.setBold(True)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        """Rows are tall enough for two lines of text."""
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), max(hint.height(), self.ROW_HEIGHT))

    @guarded("coin_list.paint", nothing)
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Selection background, then the cell's own drawing."""
        # Walk down the proxy chain (other features may stack proxies, e.g. extra columns) to the
        # CoinListModel; cells that do not come from it get the standard painting.
        proxy = self._proxy
        if index.model() is proxy and proxy.sourceModel() is self._model:
            src = proxy.mapToSource(index)  # the usual chain: one hop
            model: object = self._model
        else:
            top = index.model()
            src = top.index(index.row(), index.column()) if top is not None else QModelIndex()
            model = src.model()
            while isinstance(model, QAbstractProxyModel):
                src = model.mapToSource(src)
                model = src.model()
        if model is not self._model or not src.isValid() or not 0 <= src.column() < N_COLS:
            super().paint(painter, option, index)
            return
        row, col = src.row(), src.column()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(option.rect, option.palette.highlight())
        rect = option.rect.adjusted(6, 2, -5, -2)
        self._fonts(option.font)
        painter.save()
        try:
            self._paint_cell(painter, option, rect, row, col, selected)
        finally:
            painter.restore()

    def _paint_cell(
        self, painter: QPainter, option: QStyleOptionViewItem, rect: QRect, row: int, col: int, selected: bool
    ) -> None:
        if col == Col.NAME:
            korean, sub, flagged = self._model.name_cell(row)
            if flagged:
                # The badge sits at the right of the name (the Warn column is optional).
                badge = self._paint_badge(painter, option, rect, "유의", right=True)
                rect = rect.adjusted(0, 0, -(badge + 4), 0)
            self._paint_name(painter, option, rect, korean, sub, selected)
        elif col == Col.WARN:
            if self._model.name_cell(row)[2]:
                self._paint_badge(painter, option, rect, "유의")
        else:
            text, colour, align, bold = self._model.cell(row, col)
            if bold:
                painter.setFont(self._bold)
            if colour is None or (selected and col in (Col.CODE, Col.VALUE)):
                pal = option.palette
                colour = pal.highlightedText().color() if selected else pal.text().color()
            painter.setPen(colour)
            fm = painter.fontMetrics()
            if fm.horizontalAdvance(text) > rect.width():
                # Elide on the right: a number clipped at its left edge reads as another number.
                text = fm.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
            painter.drawText(rect, align, text)

    def _paint_name(
        self, painter: QPainter, opt: QStyleOptionViewItem, rect: QRect, korean: str, sub: str, selected: bool
    ) -> None:
        top = QRect(rect.left(), rect.top(), rect.width(), rect.height() // 2 + 2)
        bottom = QRect(rect.left(), rect.top() + rect.height() // 2, rect.width(), rect.height() // 2)
        painter.setFont(opt.font)
        painter.setPen(opt.palette.highlightedText().color() if selected else opt.palette.text().color())
        fm = painter.fontMetrics()
        painter.drawText(
            top,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom),
            fm.elidedText(korean, Qt.TextElideMode.ElideRight, top.width()),
        )
        painter.setFont(self._small)
        painter.setPen(self._palette.muted)
        fm = painter.fontMetrics()
        painter.drawText(
            bottom,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
            fm.elidedText(sub, Qt.TextElideMode.ElideRight, bottom.width()),
        )

    def _paint_badge(
        self, painter: QPainter, opt: QStyleOptionViewItem, rect: QRect, text: str, *, right: bool = False
    ) -> int:
        """Draw a rounded badge centred (or right-aligned) in ``rect``; returns its width."""
        painter.save()
        painter.setFont(self._badge)
        fm = painter.fontMetrics()
        w = fm.horizontalAdvance(text) + 8
        h = fm.height() + 2
        x = rect.right() - w if right else rect.center().x() - w // 2
        badge = QRect(x, rect.center().y() - h // 2, w, h)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self._palette.warning, 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(badge, 4, 4)
        painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), text)
        painter.restore()
        return w
