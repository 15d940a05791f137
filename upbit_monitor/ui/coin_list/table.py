"""The coin list's table: its highlighted row is always the coin on screen.

A stock ``QTableView`` moves the highlight on a press, follows the mouse while the button is held and
moves it with the arrow keys, while the coin only switches on a completed click or Enter: clicking a
star or press-dragging over rows left the highlight on one coin and the ladder and chart on another.
Here a press on a row chooses that coin at once (the switch also starts a press-release earlier), a
press on the star column toggles the star without touching the highlight, dragging does not select,
and the arrow keys choose the row they move to.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QTableView, QWidget

from upbit_monitor.ui.coin_list.model import CODE_ROLE, Col

# Keys that move the current row: the row they land on becomes the coin on screen.
_NAVIGATION = frozenset({
    Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End,
})
# Modifiers that make a key something else (Ctrl+Down is the window's "next coin", Shift extends...).
_CHORD = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.MetaModifier
)


class CoinTable(QTableView):
    """Emits :attr:`chosen` with the coin a press or arrow key picked, :attr:`star_clicked` for stars."""

    chosen = Signal(str)
    star_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CoinTable")

    def _code_at(self, event: QMouseEvent) -> tuple[Any, str | None]:
        index = self.indexAt(event.position().toPoint())
        code = index.data(CODE_ROLE) if index.isValid() else None
        return index, code if isinstance(code, str) else None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Left press: a star toggles (highlight stays), any other cell chooses its coin."""
        index, code = self._code_at(event)
        if event.button() != Qt.MouseButton.LeftButton or code is None:
            super().mousePressEvent(event)
            return
        if index.column() == Col.FAV:
            event.accept()  # not passed on: Qt would move the highlight to the starred row
            self.star_clicked.emit(code)
            return
        super().mousePressEvent(event)
        self.chosen.emit(code)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """No drag-selecting: with a button held the highlight stays on the pressed row."""
        if event.buttons() != Qt.MouseButton.NoButton:
            event.accept()
            return
        super().mouseMoveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrow, page and Home/End keys choose the row they move to."""
        super().keyPressEvent(event)
        if event.key() in _NAVIGATION and not event.modifiers() & _CHORD:
            code = self.currentIndex().data(CODE_ROLE)
            if isinstance(code, str):
                self.chosen.emit(code)
