"""The ladder's and the tape's table: read-only, fixed rows, columns fitted to the font and the width.

Both show numbers that must never elide to "0.0…" or lose leading digits, so each sizes its columns
from font metrics and hides its least important columns when the viewport is too narrow. Two events
start that work, the same for both: the viewport's own resize (it also narrows when the vertical
scroll bar appears, without a resize of the view) and a font or style change (the app's style sheet
sets the font after construction, and the theme or DPI can change it later).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget


class FittedTable(QTableView):
    """A table nobody selects in or scrolls sideways; subclasses say how to fit their columns."""

    def __init__(self, name: str, row_px: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        rows = self.verticalHeader()
        rows.setVisible(False)
        rows.setMinimumSectionSize(1)  # the view sizes its rows (the ladder fits them to its height)
        rows.setDefaultSectionSize(row_px)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setHighlightSections(False)

    def _fit_width(self) -> None:
        """Show or hide columns for the viewport's width."""
        raise NotImplementedError

    def _font_changed(self) -> None:
        """Measure the columns again in the new font."""
        raise NotImplementedError

    def viewportEvent(self, event: QEvent) -> bool:
        """A viewport resize fits the columns to the new width."""
        if event.type() == QEvent.Type.Resize:
            self._fit_width()
        return super().viewportEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        """A new font or style re-measures the columns."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._font_changed()
