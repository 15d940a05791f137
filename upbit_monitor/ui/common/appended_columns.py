"""A proxy that appends computed columns to a table model: the coin list's premium and spread columns.

The coin list model knows its own columns; a feature that adds one (kimchi premium, domestic spread)
puts an :class:`AppendedColumns` subclass between the list model and the list's filter proxy instead
of editing the list. This base does the Qt index plumbing once (own indexes for the appended cells,
no source cell behind them, selectable like the rest of the row) and the key version the list's sort
cache reads; a subclass only says how many columns it appends and what their cells show.
"""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QIdentityProxyModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer

Index = QModelIndex | QPersistentModelIndex

# How often an appended column looks for new numbers: the figures come from ~1 s quote polls and
# 15 s freshness rules, so twice a second is as fresh as they get without repainting for nothing.
REFRESH_MS = 500


class AppendedColumns(QIdentityProxyModel):
    """Identity proxy plus :attr:`EXTRA` computed columns after the source's own.

    Subclasses implement ``data`` for the appended columns (``index.column() >= first_extra``) and
    ``refresh``, which a 500 ms timer calls; ``refresh`` bumps :attr:`_repaints` when a sort key may
    have changed, so :attr:`key_version` changes and the list re-sorts.
    """

    EXTRA: ClassVar[int] = 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._repaints = 0
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    def refresh(self) -> None:
        """Timer tick: repaint the appended columns if their numbers changed."""
        raise NotImplementedError

    @property
    def first_extra(self) -> int:
        """Index of the first appended column (the source's column count)."""
        src = self.sourceModel()
        return src.columnCount() if src is not None else 0

    def is_extra(self, index: Index) -> bool:
        """Whether ``index`` is one of the appended cells."""
        return index.isValid() and index.column() >= self.first_extra

    def emit_extra_changed(self) -> None:
        """Tell the views every appended cell changed (one signal for the whole block)."""
        rows = self.rowCount()
        if rows:
            first = self.first_extra
            self.dataChanged.emit(self.index(0, first), self.index(rows - 1, first + self.EXTRA - 1))

    @property
    def key_version(self) -> tuple[object, int] | None:
        """Changes whenever a sort key may have changed (the list proxy caches keys by it)."""
        base = getattr(self.sourceModel(), "key_version", None)
        return None if base is None else (base, self._repaints)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Source columns plus the appended ones."""
        return 0 if parent.isValid() else self.first_extra + self.EXTRA

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        """Identity for source columns; own indexes for the appended ones."""
        if parent.isValid() or not 0 <= row < self.rowCount() or not 0 <= column < self.columnCount():
            return QModelIndex()
        if column >= self.first_extra:
            return self.createIndex(row, column)
        return super().index(row, column, parent)

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        """A flat table: no parents."""
        return QModelIndex()

    def sibling(self, row: int, column: int, idx: Index) -> QModelIndex:
        """Siblings through :meth:`index` (the base maps through the source, which lacks our columns)."""
        return self.index(row, column)

    def mapToSource(self, proxy_index: Index) -> QModelIndex:
        """Appended columns have no source cell."""
        if self.is_extra(proxy_index):
            return QModelIndex()
        return super().mapToSource(proxy_index)

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Appended cells are selectable like the rest of the row."""
        if self.is_extra(index):
            return Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        return super().flags(index)

    def row_code(self, index: Index, code_role: int) -> tuple[QModelIndex, Any]:
        """The source's column-0 index of ``index``'s row and the row's market code (``code_role``)."""
        src = self.sourceModel()
        head = src.index(index.row(), 0)
        return head, src.data(head, code_role)
