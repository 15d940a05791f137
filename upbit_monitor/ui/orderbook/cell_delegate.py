"""What the ladder's and the tape's one-pass delegates share: per-theme colours, the bold font, the text.

Both tables repaint every visible cell up to 25 times a second (the ladder ~80 cells a frame; every
fill inserted on the tape shifts all its rows), so neither goes through ``QStyledItemDelegate.paint``.
What a cell needs besides its own values is built once, not per cell: the theme's colours (Palette
builds a new QColor from a string on every call), rebuilt only when the theme or the colour
convention changes, and the bold font, rebuilt only when the view's font changes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from upbit_monitor.ui.common.theme import Palette

TEXT_INSET = 5  # px between the text and the cell's left and right edges


class CellDelegate(QStyledItemDelegate):
    """Base of the one-pass delegates: call :meth:`_colours` first in ``paint``, then draw."""

    def __init__(self, palette: Palette, parent: Any = None) -> None:
        super().__init__(parent)
        self._palette = palette
        self._colours_for: tuple[bool, bool] | None = None
        self._bold_for: QFont | None = None
        self._bold = QFont()

    def _colours(self) -> None:
        """Rebuild the cached colours if the theme or the up/down convention changed."""
        key = (self._palette.dark, self._palette.korean_colours)
        if key != self._colours_for:
            self._colours_for = key
            self._build_colours()

    def _build_colours(self) -> None:
        """Make this delegate's colours from ``self._palette``."""
        raise NotImplementedError

    def _draw_text(self, painter: QPainter, option: QStyleOptionViewItem, rect: QRectF, text: str,
                   align: int, pen: QColor, *, bold: bool) -> None:
        """``text`` inside ``rect``, elided on the right when it does not fit."""
        painter.save()
        if bold:
            if self._bold_for != option.font:
                self._bold_for = QFont(option.font)
                self._bold = QFont(option.font)
                self._bold.setBold(True)
            painter.setFont(self._bold)
        painter.setPen(pen)
        box = rect.adjusted(TEXT_INSET, 0, -TEXT_INSET, 0)
        fm = painter.fontMetrics()
        if fm.horizontalAdvance(text) > box.width():
            # Never clip a number at its left edge (".339491" reads as another number).
            text = fm.elidedText(text, Qt.TextElideMode.ElideRight, int(box.width()))
        painter.drawText(box, align, text)
        painter.restore()
