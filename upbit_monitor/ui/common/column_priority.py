"""Docked tables that hide their least useful columns instead of scrolling sideways.

A dock at 1024x700 is ~220-340 px wide: with every column sized to its contents, My orders showed
Time, Market and Side and a horizontal scroll bar, so price, amount and state (what a trader opens
it for) were off to the right. :class:`PriorityTable` hides columns in a given order, least useful
first, until the rest fit the viewport, and shows them again when the dock widens. A hidden
column's values stay one hover away: the row's tooltip lists them.

A table subclass rather than an event filter: Qt sends the viewport events while the view is being
destroyed, and a filter object then ran Python against a half-destroyed view (a segfault on close).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel, QEvent, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QHeaderView, QTableView, QToolTip, QWidget

_SLACK_PX = 4  # the frame and rounding: a column that fits to the pixel still looked cut


class PriorityTable(QTableView):
    """A table whose columns in ``drop_order`` (first = least useful) hide when it is too narrow."""

    def __init__(self, drop_order: Sequence[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._drop = tuple(drop_order)
        self._fitting = False  # hiding a column can toggle a scroll bar, which resizes the viewport

    def setModel(self, model: QAbstractItemModel | None) -> None:
        """Use ``model``; its row and data changes refit the columns."""
        super().setModel(model)
        m = self.model()
        if m is None:
            return
        for signal in (m.modelReset, m.rowsInserted, m.rowsRemoved, m.layoutChanged, m.dataChanged):
            signal.connect(self.fit)

    @property
    def hidden(self) -> list[int]:
        """The columns hidden now."""
        return [c for c in range(self.model().columnCount()) if self.isColumnHidden(c)]

    def fit(self, *_: object) -> None:
        """Show every column that fits, hiding in drop order until the rest do."""
        if self._fitting or self.model() is None:
            return
        self._fitting = True
        try:
            self._fit()
        finally:
            self._fitting = False

    def _fit(self) -> None:
        columns = range(self.model().columnCount())
        header = self.horizontalHeader()
        # Measure as the header sizes them (cell and title, style padding included): every column
        # shown, none stretched, one synchronous resize; nothing paints in between.
        stretch = header.stretchLastSection()
        header.setStretchLastSection(False)
        for column in columns:
            self.setColumnHidden(column, False)
        header.resizeSections(QHeaderView.ResizeMode.ResizeToContents)
        widths = {c: header.sectionSize(c) for c in columns}
        header.setStretchLastSection(stretch)
        room = self.viewport().width() - _SLACK_PX
        shown = set(columns)
        for column in self._drop:
            if sum(widths[c] for c in shown) <= room:
                break
            shown.discard(column)
        for column in columns:
            self.setColumnHidden(column, column not in shown)

    def viewportEvent(self, event: QEvent) -> bool:
        """Refit on resize; a tooltip request shows the hovered row's hidden values."""
        if event.type() == QEvent.Type.Resize:
            self.fit()
        elif event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent) and self.hidden:
            text = self.hidden_text(self.indexAt(event.pos()).row())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
                return True
        return super().viewportEvent(event)

    def hidden_text(self, row: int) -> str:
        """``"Time 21:13:12 · Type Market sell"``: the hidden columns of ``row`` ("" if none), then
        the model's own tooltip of the row, if it has one."""
        model = self.model()
        if row < 0:
            return ""
        parts = []
        for column in self.hidden:
            title = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
            value = model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
            if value not in (None, ""):
                parts.append(f"{title} {value}")
        own = model.data(model.index(row, 0), Qt.ItemDataRole.ToolTipRole)
        return "\n".join(t for t in (" · ".join(parts), str(own or "")) if t)
